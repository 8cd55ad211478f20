// Copyright 2026 The semble Authors.
//
// delete-by-filter and update-metadata-by-filter: one mutation each over the records a filter
// matches (Index::DeleteByFilter, Index::UpdateMetadataByFilter). The empty filter, which matches
// every record, needs --all, so a forgotten --filter never empties an index.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "vectorize_cli.h"
#include "wire/response_json.h"

namespace semble::cli {
namespace {

struct FilterOptions {
  std::string name;
  std::string filter;
  bool all = false;
  std::string metadata;
  bool replace = false;
};

int RunFilterMutation(const Context& ctx, const FilterOptions& o, bool update) {
  if (o.filter.empty() && !o.all) {
    return Fail(Status::InvalidArgument(
        "give --filter, or --all to " + std::string(update ? "update" : "delete") +
        " every record"));
  }
  auto open = OpenNamedIndex(ctx, o.name);
  if (!open.ok()) return Fail(open.status());
  FilterMutation request;
  request.filter_json = o.filter.empty() ? "{}" : o.filter;
  request.allow_all = o.all;
  request.metadata_json = o.metadata;
  request.merge = !o.replace;
  auto m = update ? open->index->UpdateMetadataByFilter(request)
                  : open->index->DeleteByFilter(request);
  if (!m.ok()) return Fail(m.status());
  if (ctx.json) {
    PrintJson(wire::CountedMutationToJson(*m));
  } else {
    std::printf(update ? "Updated the metadata of %s in index \"%s\"; mutationId %s\n"
                       : "Deleted %s from index \"%s\"; mutationId %s\n",
                Plural(m->count, "record").c_str(), o.name.c_str(), m->mutation_id.c_str());
  }
  return kExitOk;
}

void AddFilterVerb(CLI::App* vectorize, Context* ctx, bool update) {
  auto o = std::make_shared<FilterOptions>();
  CLI::App* verb =
      update ? vectorize->add_subcommand("update-metadata-by-filter",
                                         "Rewrite the metadata of every record a filter matches")
             : vectorize->add_subcommand("delete-by-filter",
                                         "Delete every record a filter matches");
  verb->add_option("name", o->name, "Name of the index")->required();
  verb->add_option("--filter", o->filter,
                   "Which records, in the query filter language: '{\"genre\":\"drama\"}'");
  verb->add_flag("--all", o->all, "Allow the empty filter: every record of the index");
  if (update) {
    verb->add_option("--metadata", o->metadata,
                     "A JSON object; its keys replace the same keys of each record's metadata")
        ->required();
    verb->add_flag("--replace", o->replace,
                   "Replace each record's metadata whole instead of merging the keys");
  }
  AddJsonFlag(verb, ctx);
  verb->callback([o, ctx, update] {
    ctx->action = [o, ctx, update] { return RunFilterMutation(*ctx, *o, update); };
  });
}

}  // namespace

void AddFilterVerbs(CLI::App* vectorize, Context* ctx) {
  AddFilterVerb(vectorize, ctx, /*update=*/false);
  AddFilterVerb(vectorize, ctx, /*update=*/true);
}

}  // namespace semble::cli
