// Copyright 2026 The semble Authors.
//
// The few account and user endpoints of Cloudflare's v4 API that wrangler calls before it reaches
// Vectorize: GET /memberships and /accounts (which account to use when CLOUDFLARE_ACCOUNT_ID is not
// set), GET /user/tokens/verify (is the token valid: `wrangler whoami`), GET /user (the email;
// there are no users here, so it answers Cloudflare's "not authorised" code 9109, which wrangler
// reads as "no email"). One tenant: the account is ApiContext::account_id, and any account id in a
// Vectorize path is accepted as before.

#include <cctype>

#include "server/api.h"
#include "server/envelope.h"

namespace semble::server {
namespace {

constexpr int kErrUnauthorizedResource = 9109;  // Cloudflare's code; wrangler matches on it

// A one-page list, with the result_info wrangler pages by.
HttpResponse OnePage(const std::function<void(core::JsonWriter*)>& write_item) {
  core::JsonWriter w;
  w.BeginObject();
  w.Key("result").BeginArray();
  write_item(&w);
  w.EndArray();
  w.Key("result_info").BeginObject().Key("page").Uint(1).Key("per_page").Uint(20);
  w.Key("count").Uint(1).Key("total_count").Uint(1).Key("total_pages").Uint(1).EndObject();
  w.Key("success").Bool(true);
  w.Key("errors").BeginArray().EndArray();
  w.Key("messages").BeginArray().EndArray();
  w.EndObject();
  HttpResponse r;
  r.body = w.Take();
  return r;
}

void WriteAccount(const ApiContext* ctx, core::JsonWriter* w) {
  w->BeginObject().Key("id").String(ctx->account_id).Key("name").String("semble").EndObject();
}

}  // namespace

bool ValidAccountId(const std::string& a) {
  if (a.empty() || a.size() > 64) return false;
  for (char c : a) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

void AddAccountRoutes(ApiContext* ctx, Router* router) {
  router->Add({"GET", "/client/v4/memberships", "account.memberships", Scope::kRead,
               [ctx](const HttpRequest&) {
                 return OnePage([ctx](core::JsonWriter* w) {
                   w->BeginObject().Key("id").String("semble-" + ctx->account_id);
                   w->Key("status").String("accepted");
                   w->Key("account");
                   WriteAccount(ctx, w);
                   w->Key("roles").BeginArray().String("Administrator").EndArray();
                   w->EndObject();
                 });
               }});
  router->Add({"GET", "/client/v4/accounts", "account.list", Scope::kRead,
               [ctx](const HttpRequest&) {
                 return OnePage([ctx](core::JsonWriter* w) { WriteAccount(ctx, w); });
               }});
  router->Add({"GET", "/client/v4/user/tokens/verify", "account.token_verify", Scope::kRead,
               [](const HttpRequest&) {
                 // Reaching here means the token passed authentication (or none is required).
                 return Ok([](core::JsonWriter* w) {
                   w->BeginObject().Key("id").String("semble").Key("status").String("active");
                   w->EndObject();
                 });
               }});
  router->Add({"GET", "/client/v4/user", "account.user", Scope::kRead, [](const HttpRequest&) {
                 return Error(403, kErrUnauthorizedResource,
                              "semble has no user accounts, only API tokens");
               }});
}

}  // namespace semble::server
