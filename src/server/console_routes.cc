// Copyright 2026 The semble Authors.
//
// The web console: GET / is web/index.html, GET /console/<file> is web/<file>, both compiled into
// the binary (web_assets.h). The page itself is public; the API calls it makes carry the token the
// user enters.

#include "server/api.h"
#include "server/envelope.h"
#include "server/web_assets.h"

namespace semble::server {
namespace {

std::string ContentType(std::string_view path) {
  auto ends = [&](std::string_view ext) { return path.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

HttpResponse Asset(std::string_view path) {
  for (const WebAsset& a : WebAssets()) {
    if (a.path == path) {
      HttpResponse r;
      r.content_type = ContentType(path);
      r.body.assign(a.data);
      return r;
    }
  }
  return Error(404, kErrNoRoute, "no console file \"" + std::string(path) + "\"");
}

}  // namespace

void AddConsoleRoutes(Router* router) {
  router->Add({"GET", "/", "console", Scope::kPublic,
               [](const HttpRequest&) { return Asset("index.html"); }});
  router->Add({"GET", "/console/{*}", "console", Scope::kPublic,
               [](const HttpRequest& req) { return Asset(req.captures[0]); }});
}

}  // namespace semble::server
