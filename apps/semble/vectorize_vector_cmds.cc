// Copyright 2026 The semble Authors.
//
// Verbs on the vectors of an index: query, get-vectors, delete-vectors, list-vectors.

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "embed_cli.h"
#include "vectorize_cli.h"
#include "wire/record_json.h"
#include "wire/response_json.h"

namespace semble::cli {
namespace {

// Stores a flag's value in an optional when the flag is given.
template <typename T>
CLI::Option* AddOptional(CLI::App* verb, const std::string& flag, std::optional<T>* field,
                         const std::string& help) {
  return verb->add_option_function<T>(
      flag, [field](const T& v) { *field = v; }, help);
}

// ---- query ----

struct QueryOptions {
  std::string name;
  std::vector<std::string> vector_args;
  std::string vector_id;
  std::string text;
  uint32_t top_k = 5;
  bool return_values = false;
  std::string return_metadata = "none";
  std::string ns;
  bool has_ns = false;  // --namespace given (even as "")
  std::string filter;
  uint32_t ef = 0;      // 0: not given
  float recall = 0.0f;  // 0: not given
  std::string mode = "vector";
  std::string fusion;          // "": not given
  std::optional<float> alpha;  // --alpha
  std::string group_by;
  uint32_t group_size = QueryRequest{}.group_size;
  std::optional<uint32_t> group_count;
};

// The query vector as given: "1 2 3" (wrangler's form, one number per argument), "1,2,3", or a
// JSON array "[1, 2, 3]" pasted from elsewhere. Commas, blanks and brackets all separate numbers.
Result<std::vector<float>> ParseVector(const std::vector<std::string>& args) {
  std::vector<float> out;
  for (const std::string& arg : args) {
    size_t pos = 0;
    while (pos < arg.size()) {
      const size_t start = arg.find_first_not_of(" \t,[]", pos);
      if (start == std::string::npos) break;
      size_t end = arg.find_first_of(" \t,[]", start);
      if (end == std::string::npos) end = arg.size();
      const std::string_view token(arg.data() + start, end - start);
      float v = 0;
      auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
      if (ec != std::errc() || ptr != token.data() + token.size() || !std::isfinite(v)) {
        return Status::InvalidArgument("--vector: \"" + std::string(token) +
                                       "\" is not a finite 32-bit float");
      }
      out.push_back(v);
      pos = end;
    }
  }
  return out;
}

int RunQuery(const Context& ctx, const QueryOptions& o) {
  QueryRequest request;
  auto mode = ParseQueryMode(o.mode);
  if (!mode.ok()) return UsageError(mode.status().message());
  request.mode = *mode;
  if (!o.vector_args.empty()) {
    auto v = ParseVector(o.vector_args);
    if (!v.ok()) return UsageError(v.status().message());
    if (v->empty()) return UsageError("--vector holds no numbers");
    request.vector = std::move(v).value();
  } else if (!o.vector_id.empty()) {
    request.vector_id = o.vector_id;
  }
  const bool by_vector = !request.vector.empty() || request.vector_id.has_value();
  switch (request.mode) {
    case QueryMode::kVector:
      if (!by_vector && o.text.empty()) {
        return UsageError("query needs --vector, --vector-id or --text");
      }
      if (by_vector && !o.text.empty()) {
        return UsageError("--text goes with --vector or --vector-id only with --mode hybrid");
      }
      break;
    case QueryMode::kKeyword:
      if (o.text.empty()) return UsageError("--mode keyword needs --text (the keywords)");
      if (by_vector) {
        return UsageError("--mode keyword takes --text only; --mode hybrid adds a vector");
      }
      break;
    case QueryMode::kHybrid:
      if (o.text.empty()) return UsageError("--mode hybrid needs --text (the keywords)");
      break;
  }
  if (request.mode != QueryMode::kHybrid && (!o.fusion.empty() || o.alpha)) {
    return UsageError("--fusion and --alpha go with --mode hybrid");
  }
  if (!o.fusion.empty()) {
    auto fusion = ParseFusionMethod(o.fusion);
    if (!fusion.ok()) return UsageError(fusion.status().message());
    request.fusion = *fusion;
  }
  if (o.alpha) {
    // --alpha alone asks for the weighted fusion, the only one that has a weight.
    if (o.fusion.empty()) request.fusion = FusionMethod::kWeighted;
    if (request.fusion != FusionMethod::kWeighted) {
      return UsageError("--alpha goes with --fusion weighted");
    }
    if (!(*o.alpha >= 0.0f && *o.alpha <= 1.0f)) {
      return UsageError("--alpha must be a number from 0 to 1 (the vector side's weight)");
    }
    request.alpha = o.alpha;
  }
  request.group_by = o.group_by;
  request.group_size = o.group_size;
  request.group_count = o.group_count;
  request.top_k = o.top_k;
  request.return_values = o.return_values;
  request.return_metadata = o.return_metadata == "all"       ? ReturnMetadata::kAll
                            : o.return_metadata == "indexed" ? ReturnMetadata::kIndexed
                                                             : ReturnMetadata::kNone;
  if (o.has_ns) request.ns = o.ns;
  request.filter_json = o.filter;
  if (o.ef != 0) request.ef = o.ef;
  if (o.recall != 0.0f) request.recall = o.recall;

  auto open = OpenNamedIndex(ctx, o.name, Access::kRead);
  if (!open.ok()) return Fail(open.status());
  request.text = o.text;  // the index embeds it with its model
  auto result = open->index->Query(request);
  if (!result.ok()) return Fail(result.status());
  PrintQueryResult(ctx, *result, request.return_metadata != ReturnMetadata::kNone, o.return_values,
                   !request.group_by.empty());
  return kExitOk;
}

void AddQuery(CLI::App* vectorize, Context* ctx) {
  auto o = std::make_shared<QueryOptions>();
  CLI::App* verb = vectorize->add_subcommand("query", "Find the vectors nearest to a vector");
  verb->add_option("name", o->name, "Name of the index")->required();
  auto* vector = verb->add_option("--vector", o->vector_args,
                                  "The query vector: --vector 1 2 3, or --vector 1,2,3 (write a "
                                  "value starting with '-.' as --vector=-.5,1)");
  verb->add_option("--vector-id", o->vector_id, "Query with the stored vector of this id instead")
      ->excludes(vector);
  verb->add_option("--text", o->text,
                   "Query with this text, embedded with the index's model (indexes created "
                   "with --model); with --mode keyword or hybrid, the keywords");
  verb->add_option("--mode", o->mode,
                   "How to rank: vector (similarity), keyword (BM25 over the index's text index) "
                   "or hybrid (both, fused; the vector side is --vector, --vector-id or the "
                   "embedded --text)")
      ->default_val("vector")
      ->check(CLI::IsMember({"vector", "keyword", "hybrid"}));
  verb->add_option("--fusion", o->fusion,
                   "Hybrid: how the two rankings are fused, rrf (reciprocal rank, default) or "
                   "weighted (normalised scores)")
      ->check(CLI::IsMember({"rrf", "weighted"}));
  AddOptional(verb, "--alpha", &o->alpha,
              "Hybrid, weighted fusion: the vector side's weight, 0-1 (default 0.5; implies "
              "--fusion weighted)");
  auto* group_by =
      verb->add_option("--group-by", o->group_by,
                       "Group the matches by this metadata property (top-level or parent.child)");
  verb->add_option("--group-size", o->group_size, "Matches per group, 1-100")
      ->default_val(QueryRequest{}.group_size)
      ->needs(group_by);
  AddOptional(verb, "--group-count", &o->group_count, "Number of groups, 1-100 (default --top-k)")
      ->needs(group_by);
  verb->add_option("--top-k", o->top_k,
                   "Number of matches, 1-100 (1-20 with --return-values or --return-metadata all)")
      ->default_val(5);
  verb->add_flag("--return-values", o->return_values, "Include each match's values");
  verb->add_option("--return-metadata", o->return_metadata, "Include each match's metadata")
      ->default_val("none")
      ->check(CLI::IsMember({"all", "indexed", "none"}));
  auto* ns = verb->add_option("--namespace", o->ns, "Only search vectors in this namespace");
  verb->add_option("--filter", o->filter,
                   "Metadata filter as JSON, e.g. '{\"genre\":{\"$in\":[\"a\",\"b\"]}}'");
  auto* ef = verb->add_option("--ef", o->ef,
                              "Approximate indexes: candidates walked in the graph (more = better "
                              "recall, slower)");
  verb->add_option("--recall", o->recall,
                   "Approximate indexes: a recall@top-k target in (0, 1] instead of --ef")
      ->excludes(ef);
  AddJsonFlag(verb, ctx);
  verb->callback([o, ctx, ns] {
    o->has_ns = ns->count() > 0;
    ctx->action = [o, ctx] { return RunQuery(*ctx, *o); };
  });
}

// ---- get-vectors, delete-vectors ----

struct IdsOptions {
  std::string name;
  std::vector<std::string> ids;
};

// The text of a record in one table cell: line breaks shown as spaces, and long texts cut (the
// whole text is in --json).
std::string TextCell(const std::string& text) {
  constexpr size_t kMaxChars = 60;
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xc0) != 0x80 && chars++ == kMaxChars) return out + "...";
    out += c == '\n' || c == '\r' || c == '\t' ? ' ' : static_cast<char>(c);
  }
  return out;
}

int RunGetVectors(const Context& ctx, const IdsOptions& o) {
  auto open = OpenNamedIndex(ctx, o.name, Access::kRead);
  if (!open.ok()) return Fail(open.status());
  auto records = open->index->GetByIds(o.ids);
  if (!records.ok()) return Fail(records.status());
  if (ctx.json) {
    PrintJson(wire::RecordsToJson(*records));
    return kExitOk;
  }
  if (records->empty()) {
    std::printf("No vectors found.\n");
    return kExitOk;
  }
  bool any_ns = false, any_metadata = false, any_text = false;
  for (const VectorRecord& r : *records) {
    any_ns |= !r.ns.empty();
    any_metadata |= !r.metadata_json.empty();
    any_text |= !r.text.empty();
  }
  std::vector<std::string> header = {"ID"};
  if (any_ns) header.push_back("NAMESPACE");
  header.push_back("VALUES");
  if (any_metadata) header.push_back("METADATA");
  if (any_text) header.push_back("TEXT");
  std::vector<std::vector<std::string>> rows;
  for (const VectorRecord& r : *records) {
    std::vector<std::string> row = {r.id};
    if (any_ns) row.push_back(r.ns);
    row.push_back(FormatValues(r.values));
    if (any_metadata) row.push_back(r.metadata_json);
    if (any_text) row.push_back(TextCell(r.text));
    rows.push_back(std::move(row));
  }
  PrintTable(header, rows);
  if (records->size() < o.ids.size()) {
    std::printf("(%zu of %zu ids not found)\n", o.ids.size() - records->size(), o.ids.size());
  }
  return kExitOk;
}

int RunDeleteVectors(const Context& ctx, const IdsOptions& o) {
  auto open = OpenNamedIndex(ctx, o.name);
  if (!open.ok()) return Fail(open.status());
  auto m = open->index->DeleteByIds(o.ids);
  if (!m.ok()) return Fail(m.status());
  if (ctx.json) {
    PrintJson(wire::MutationToJson(*m));
  } else {
    std::printf("Deleted %s from index \"%s\" (ids not in the index are ignored); mutationId %s\n",
                Plural(o.ids.size(), "id").c_str(), o.name.c_str(), m->mutation_id.c_str());
  }
  return kExitOk;
}

void AddIdsVerb(CLI::App* vectorize, Context* ctx, const char* verb_name, const char* help,
                int (*run)(const Context&, const IdsOptions&)) {
  auto o = std::make_shared<IdsOptions>();
  CLI::App* verb = vectorize->add_subcommand(verb_name, help);
  verb->add_option("name", o->name, "Name of the index")->required();
  verb->add_option("--ids", o->ids, "Vector ids: --ids a b c")->required();
  AddJsonFlag(verb, ctx);
  verb->callback([o, ctx, run] { ctx->action = [o, ctx, run] { return run(*ctx, *o); }; });
}

// ---- list-vectors ----

struct ListOptions {
  std::string name;
  uint32_t count = 100;
  std::string cursor;
};

int RunListVectors(const Context& ctx, const ListOptions& o) {
  auto open = OpenNamedIndex(ctx, o.name, Access::kRead);
  if (!open.ok()) return Fail(open.status());
  ListRequest request;
  request.count = o.count;
  request.cursor = o.cursor;
  auto page = open->index->List(request);
  if (!page.ok()) return Fail(page.status());
  if (ctx.json) {
    PrintJson(wire::ListResultToJson(*page));
    return kExitOk;
  }
  for (const std::string& id : page->ids) std::printf("%s\n", id.c_str());
  if (page->is_truncated) {
    std::printf("-- %zu ids shown, %llu vectors in the index; next page: --cursor %s\n",
                page->ids.size(), static_cast<unsigned long long>(page->total_count),
                page->next_cursor.c_str());
  } else {
    std::printf("-- %zu ids shown, %llu vectors in the index; end of list\n", page->ids.size(),
                static_cast<unsigned long long>(page->total_count));
  }
  return kExitOk;
}

void AddListVectors(CLI::App* vectorize, Context* ctx) {
  auto o = std::make_shared<ListOptions>();
  CLI::App* verb =
      vectorize->add_subcommand("list-vectors", "List the ids of an index, a page at a time");
  verb->add_option("name", o->name, "Name of the index")->required();
  verb->add_option("--count", o->count, "Ids per page, 1-1000")->default_val(100);
  verb->add_option("--cursor", o->cursor, "Where to continue: the previous page's next cursor");
  AddJsonFlag(verb, ctx);
  verb->callback([o, ctx] { ctx->action = [o, ctx] { return RunListVectors(*ctx, *o); }; });
}

}  // namespace

void AddVectorVerbs(CLI::App* vectorize, Context* ctx) {
  AddQuery(vectorize, ctx);
  AddIdsVerb(vectorize, ctx, "get-vectors", "Show the vectors of these ids", RunGetVectors);
  AddIdsVerb(vectorize, ctx, "delete-vectors", "Delete the vectors of these ids", RunDeleteVectors);
  AddListVectors(vectorize, ctx);
}

}  // namespace semble::cli
