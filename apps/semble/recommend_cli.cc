// Copyright 2026 The semble Authors.
//
// semble recommend INDEX --positive ID... [--negative ID...] [--top-k N] [--filter JSON]
//                  [--namespace NS] [--return-metadata all|indexed|none] [--json]
// "More like these, less like those" (semble/recommend.h), locally or with --url.

#include <CLI/CLI.hpp>

#include "cli.h"
#include "semble/recommend.h"

namespace semble::cli {
namespace {

struct RecommendArgs {
  std::string name;
  std::vector<std::string> positive, negative;
  uint32_t top_k = 5;
  std::string filter;
  std::string ns;
  bool has_ns = false;
  std::string return_metadata = "all";
};

int RunRecommend(const Context& ctx, const RecommendArgs& a) {
  RecommendRequest r;
  r.positive = a.positive;
  r.negative = a.negative;
  r.top_k = a.top_k;
  r.filter_json = a.filter;
  if (a.has_ns) r.ns = a.ns;
  r.return_metadata = a.return_metadata == "all"       ? ReturnMetadata::kAll
                      : a.return_metadata == "indexed" ? ReturnMetadata::kIndexed
                                                       : ReturnMetadata::kNone;
  auto open = OpenNamedIndex(ctx, a.name, Access::kRead);
  if (!open.ok()) return Fail(open.status());
  auto result = Recommend(*open->index, r);
  if (!result.ok()) return Fail(result.status());
  PrintQueryResult(ctx, *result, r.return_metadata != ReturnMetadata::kNone, false);
  return kExitOk;
}

}  // namespace

CLI::App* AddRecommendCommand(CLI::App* app, Context* ctx) {
  auto a = std::make_shared<RecommendArgs>();
  CLI::App* verb = app->add_subcommand(
      "recommend", "Records like the --positive ones and unlike the --negative ones");
  verb->add_option("index", a->name, "Name of the index")->required();
  verb->add_option("--positive", a->positive, "Ids of records to find more of")->required();
  verb->add_option("--negative", a->negative, "Ids of records to steer away from");
  verb->add_option("--top-k", a->top_k, "Number of recommendations")->default_val(5);
  verb->add_option("--filter", a->filter, "Metadata filter as JSON");
  auto* ns = verb->add_option("--namespace", a->ns, "Only recommend from this namespace");
  verb->add_option("--return-metadata", a->return_metadata, "Metadata to show: all, indexed, none")
      ->default_val("all")
      ->check(CLI::IsMember({"all", "indexed", "none"}));
  AddJsonFlag(verb, ctx);
  verb->callback([a, ctx, ns] {
    a->has_ns = ns->count() > 0;
    ctx->action = [a, ctx] { return RunRecommend(*ctx, *a); };
  });
  return verb;
}

}  // namespace semble::cli
