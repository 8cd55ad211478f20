// Copyright 2026 The semble Authors.
//
// Verbs on whole indexes (create, list, get, info, delete) and on their metadata indexes.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "core/json_writer.h"
#include "core/time_format.h"
#include "db/index_config.h"
#include "db/presets.h"
#include "embed_cli.h"
#include "vectorize_cli.h"
#include "wire/record_json.h"
#include "wire/response_json.h"

namespace semble::cli {
namespace {

// ---- create ----

// The flags as given; the resolver shared with the server (db/index_config.h) decides what they
// make. With --url it runs without models: the server binds the model and works out its
// dimensions.
struct CreateOptions {
  db::IndexSpec spec;
  std::string schema_file;
};

int RunCreate(const Context& ctx, const CreateOptions& o) {
  db::IndexSpec spec = o.spec;
  if (!o.schema_file.empty()) {
    auto text = ReadFileToString(Env::Default(), o.schema_file);
    if (!text.ok()) return Fail(text.status());
    spec.schema_json = std::move(text).value();
  }
  auto request = db::ResolveCreateIndex(spec, ctx.url.empty() ? LocalModels(ctx) : nullptr);
  if (!request.ok()) {
    if (request.status().reason() == Status::Reason::kMissingField) {
      return UsageError(
          request.status().message() +
          ": create needs --dimensions and --metric, or --preset, --model or --schema");
    }
    return Fail(request.status());
  }
  auto db = OpenDatabase(ctx, /*create=*/true);
  if (!db.ok()) return Fail(db.status());
  auto index = (*db)->CreateIndex(*request);
  if (!index.ok()) return Fail(index.status());
  const IndexDescription d = (*index)->Describe();
  if (ctx.json) {
    PrintJson(wire::IndexDescriptionToJson(d));
  } else {
    std::printf(
        "Created index \"%s\" (%u dimensions, %s, %s%s).\n", d.name.c_str(), d.config.dimensions,
        std::string(MetricName(d.config.metric)).c_str(), d.config.index_type.c_str(),
        d.config.embedding_model.empty() ? "" : (", model " + d.config.embedding_model).c_str());
  }
  return kExitOk;
}

// Stores a flag's value in an optional field of the spec when the flag is given.
template <typename T>
CLI::Option* AddOptional(CLI::App* verb, const std::string& flag, std::optional<T>* field,
                         const std::string& help) {
  return verb->add_option_function<T>(
      flag, [field](const T& v) { *field = v; }, help);
}

void AddCreate(CLI::App* vectorize, Context* ctx) {
  auto o = std::make_shared<CreateOptions>();
  db::IndexSpec* spec = &o->spec;
  CLI::App* verb = vectorize->add_subcommand("create", "Create a vector index");
  verb->add_option("name", spec->name, "Name of the index: 1-64 of [a-z0-9_-]")->required();
  auto* dims = AddOptional(verb, "--dimensions", &spec->dimensions,
                           "Dimensions of the vectors, 1-1536; fixed once created");
  auto* metric =
      AddOptional(verb, "--metric", &spec->metric, "How vectors are compared; fixed once created")
          ->check(CLI::IsMember({"cosine", "euclidean", "dot-product"}));
  std::string presets;
  for (const db::Preset& p : db::kPresets)
    presets += (presets.empty() ? "" : ", ") + std::string(p.name);
  AddOptional(verb, "--preset", &spec->preset,
              "Take dimensions and metric (cosine) from an embedding model instead, and bind the "
              "index to that model when it is installed or an alias (" +
                  presets + ")")
      ->excludes(dims)
      ->excludes(metric);
  AddOptional(verb, "--model", &spec->model,
              "Bind the index to an embedding model (e.g. all-MiniLM-L6-v2-q4): dimensions come "
              "from it, and records and queries may then be text");
  verb->add_option("--schema", o->schema_file,
                   "Bind the index to a record schema (JSON file, see examples/): dimensions "
                   "come from it, metric defaults to euclidean, records may carry \"fields\"");
  AddOptional(verb, "--pooling", &spec->pooling,
              "Pooling of the model's token vectors: mean (default) or cls")
      ->check(CLI::IsMember({"mean", "cls"}));
  verb->add_option("--description", spec->description, "A description of the index");
  verb->add_option("--index-type", spec->index_type,
                   "How vectors are searched: flat (exact), hnsw, hnsw,lb8, hnsw,sq8, hnsw,bq, "
                   "with options like hnsw,m=32,efc=400,ef=100; default auto: hnsw,lb8 from 256 "
                   "dimensions, hnsw below");
  verb->add_option("--default-ttl", spec->default_ttl_seconds,
                   "Seconds after which records written without a ttl expire (0 = never)");
  verb->add_option("--shards", spec->shards,
                   "Split the records over this many shards (1-64), each with its own log and, "
                   "in a cluster, its own writer; queries search them all");
  TextIndexConfig* text = &spec->text_index;
  auto* text_index = verb->add_flag("--text-index", text->enabled,
                                    "Keep a full-text index of the records' text, for keyword "
                                    "and hybrid queries (query --mode)");
  verb->add_option("--text-fields", text->fields,
                   "Text index: also index these metadata properties (string values), "
                   "--text-fields title,source.name")
      ->delimiter(',')
      ->needs(text_index);
  verb->add_option("--text-language", text->language,
                   "Text index: english (stemming, stop words; default) or none")
      ->check(CLI::IsMember({"english", "none"}))
      ->needs(text_index);
  AddJsonFlag(verb, ctx);
  verb->callback([o, ctx] { ctx->action = [o, ctx] { return RunCreate(*ctx, *o); }; });
}

// "fields title, body; language english; k1 1.2; b 0.75" (or "off"): a text index in one line.
std::string TextIndexSummary(const TextIndexConfig& c) {
  if (!c.enabled) return "off";
  std::string fields;
  for (const std::string& f : c.fields) fields += (fields.empty() ? "" : ", ") + f;
  return "fields " + (fields.empty() ? std::string("(text only)") : fields) + "; language " +
         c.language + "; k1 " + FormatFloat(c.k1) + "; b " + FormatFloat(c.b);
}

// ---- text-index ----

struct TextIndexOptions {
  std::string name;
  TextIndexConfig config;
  bool disable = false;
};

int RunTextIndex(const Context& ctx, const TextIndexOptions& o) {
  TextIndexConfig config = o.config;
  config.enabled = !o.disable;
  if (o.disable) config = TextIndexConfig{};
  auto open = OpenNamedIndex(ctx, o.name);
  if (!open.ok()) return Fail(open.status());
  auto m = open->index->ConfigureTextIndex(config);
  if (!m.ok()) return Fail(m.status());
  if (ctx.json) {
    PrintJson(wire::MutationToJson(*m));
  } else if (o.disable) {
    std::printf("Dropped the text index of index \"%s\"; mutationId %s\n", o.name.c_str(),
                m->mutation_id.c_str());
  } else {
    std::printf("Text index of index \"%s\": %s (records already stored are indexed too); "
                "mutationId %s\n",
                o.name.c_str(), TextIndexSummary(config).c_str(), m->mutation_id.c_str());
  }
  return kExitOk;
}

void AddTextIndex(CLI::App* vectorize, Context* ctx) {
  auto o = std::make_shared<TextIndexOptions>();
  CLI::App* verb = vectorize->add_subcommand(
      "text-index",
      "Enable or change an index's full-text index (for keyword and hybrid queries), or drop it");
  verb->add_option("name", o->name, "Name of the index")->required();
  auto* disable = verb->add_flag("--disable", o->disable, "Drop the text index");
  verb->add_option("--fields", o->config.fields,
                   "Also index these metadata properties (string values): --fields title,body")
      ->delimiter(',')
      ->excludes(disable);
  verb->add_option("--language", o->config.language,
                   "english (stemming, stop words; default) or none")
      ->check(CLI::IsMember({"english", "none"}))
      ->excludes(disable);
  verb->add_option("--k1", o->config.k1, "BM25 term saturation, 0-10")
      ->default_val(TextIndexConfig{}.k1)
      ->excludes(disable);
  verb->add_option("--b", o->config.b, "BM25 length normalisation, 0-1")
      ->default_val(TextIndexConfig{}.b)
      ->excludes(disable);
  AddJsonFlag(verb, ctx);
  verb->callback([o, ctx] { ctx->action = [o, ctx] { return RunTextIndex(*ctx, *o); }; });
}

// ---- list ----

int RunList(const Context& ctx) {
  std::vector<IndexDescription> indexes;
  auto db = OpenDatabase(ctx, /*create=*/false, /*repair=*/false, Access::kRead);
  if (db.ok()) {
    indexes = (*db)->ListIndexes();
  } else if (!db.status().IsNotFound()) {  // no data directory yet: no indexes
    return Fail(db.status());
  }
  if (ctx.json) {
    PrintJson(wire::IndexDescriptionsToJson(indexes));
    return kExitOk;
  }
  if (indexes.empty()) {
    std::printf("No indexes.\n");
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const IndexDescription& d : indexes) {
    rows.push_back({d.name, std::to_string(d.config.dimensions),
                    std::string(MetricName(d.config.metric)),
                    core::FormatIso8601Millis(d.created_on_ms), d.description});
  }
  PrintTable({"NAME", "DIMENSIONS", "METRIC", "CREATED", "DESCRIPTION"}, rows);
  return kExitOk;
}

// ---- get, info ----

int RunGet(const Context& ctx, const std::string& name) {
  auto open = OpenNamedIndex(ctx, name, Access::kRead);
  if (!open.ok()) return Fail(open.status());
  const IndexDescription d = open->index->Describe();
  if (ctx.json) {
    PrintJson(wire::IndexDescriptionToJson(d));
  } else {
    PrintFields({{"name", d.name},
                 {"description", d.description},
                 {"dimensions", std::to_string(d.config.dimensions)},
                 {"metric", std::string(MetricName(d.config.metric))},
                 {"textIndex", TextIndexSummary(d.config.text_index)},
                 {"created_on", core::FormatIso8601Millis(d.created_on_ms)},
                 {"modified_on", core::FormatIso8601Millis(d.modified_on_ms)}});
  }
  return kExitOk;
}

int RunInfo(const Context& ctx, const std::string& name) {
  auto open = OpenNamedIndex(ctx, name, Access::kRead);
  if (!open.ok()) return Fail(open.status());
  auto info = open->index->Info();
  if (!info.ok()) return Fail(info.status());
  if (ctx.json) {
    PrintJson(wire::IndexInfoToJson(*info));
  } else {
    PrintFields(
        {{"dimensions", std::to_string(info->dimensions)},
         {"vectorCount", std::to_string(info->vector_count)},
         {"processedUpToDatetime",
          info->processed_up_to_ms ? core::FormatIso8601Millis(*info->processed_up_to_ms) : "-"},
         {"processedUpToMutation",
          info->processed_up_to_mutation.empty() ? "-" : info->processed_up_to_mutation}});
  }
  return kExitOk;
}

// ---- repair ----

// Opens the data directory in repair mode: an index whose log is damaged keeps every mutation
// before the damage (the rest is set aside in its directory, see DatabaseOptions), records whose
// stored metadata could not be read keep it under "semble_unreadable_metadata", and a checkpoint
// then makes the repaired state durable and starts a clean log.
int RunRepair(const Context& ctx, const std::string& name) {
  if (!ctx.url.empty()) {
    return Fail(Status::FailedPrecondition(
        "repair works on a data directory: stop the server and run it with --data"));
  }
  auto db = OpenDatabase(ctx, /*create=*/false, /*repair=*/true);
  if (!db.ok()) return Fail(db.status());
  auto index = (*db)->GetIndex(name);
  if (!index.ok()) {
    if (index.status().IsNotFound()) return Fail(index.status());
    return Fail(index.status().WithContext(
        "cannot repair index \"" + name +
        "\" (its checkpoint segment or manifest is damaged; delete the index, or restore it from a "
        "backup)"));
  }
  Status s = (*db)->Checkpoint();
  if (!s.ok()) return Fail(s.WithContext("repair of index \"" + name + "\": checkpoint"));
  std::vector<std::string> repairs;
  for (const std::string& line : (*db)->RecoveryLog()) {
    if (line.find("\"" + name + "\"") != std::string::npos) repairs.push_back(line);
  }
  auto info = (*index)->Info();
  if (!info.ok()) return Fail(info.status());
  if (ctx.json) {
    core::JsonWriter w;
    w.BeginObject().Key("name").String(name).Key("vectorCount").Uint(info->vector_count);
    w.Key("repairs").BeginArray();
    for (const std::string& r : repairs) w.String(r);
    w.EndArray().EndObject();
    PrintJson(w.Take());
  } else {
    std::printf("Index \"%s\": %llu vectors, %zu repair%s, checkpoint written.\n", name.c_str(),
                static_cast<unsigned long long>(info->vector_count), repairs.size(),
                repairs.size() == 1 ? "" : "s");
    for (const std::string& r : repairs) std::printf("  %s\n", r.c_str());
  }
  return kExitOk;
}

// Adds a verb whose only argument is the index name.
void AddNameVerb(CLI::App* vectorize, Context* ctx, const char* verb_name, const char* help,
                 int (*run)(const Context&, const std::string&)) {
  auto name = std::make_shared<std::string>();
  CLI::App* verb = vectorize->add_subcommand(verb_name, help);
  verb->add_option("name", *name, "Name of the index")->required();
  AddJsonFlag(verb, ctx);
  verb->callback([name, ctx, run] { ctx->action = [name, ctx, run] { return run(*ctx, *name); }; });
}

// ---- delete ----

struct DeleteOptions {
  std::string name;
  bool force = false;
};

int RunDelete(const Context& ctx, const DeleteOptions& o) {
  auto open = OpenNamedIndex(ctx, o.name);
  if (!open.ok()) return Fail(open.status());
  // Ask only a person at a terminal: a script piping into semble must not hang on a prompt.
  if (!o.force && isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "Delete index \"%s\" and all its vectors? [y/N] ", o.name.c_str());
    std::fflush(stderr);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      return Fail(Status::FailedPrecondition("deletion of index \"" + o.name + "\" cancelled"));
    }
  }
  open->index.reset();
  Status s = open->db->DeleteIndex(o.name);
  if (!s.ok()) return Fail(s);
  if (ctx.json) {
    PrintJson("null");  // the Vectorize API's result for a deleted index
  } else {
    std::printf("Deleted index \"%s\".\n", o.name.c_str());
  }
  return kExitOk;
}

void AddDelete(CLI::App* vectorize, Context* ctx) {
  auto o = std::make_shared<DeleteOptions>();
  CLI::App* verb = vectorize->add_subcommand("delete", "Delete an index and all its vectors");
  verb->add_option("name", o->name, "Name of the index")->required();
  verb->add_flag("-y,--force", o->force,
                 "Do not ask for confirmation (never asked when stdin is not a terminal)");
  AddJsonFlag(verb, ctx);
  verb->callback([o, ctx] { ctx->action = [o, ctx] { return RunDelete(*ctx, *o); }; });
}

// ---- metadata indexes ----

struct MetadataIndexOptions {
  std::string name;
  std::string property;
  std::string type;
};

int RunCreateMetadataIndex(const Context& ctx, const MetadataIndexOptions& o) {
  auto type = ParseMetadataIndexType(o.type);
  if (!type.ok()) return UsageError(type.status().message());
  auto open = OpenNamedIndex(ctx, o.name);
  if (!open.ok()) return Fail(open.status());
  auto m = open->index->CreateMetadataIndex({o.property, *type});
  if (!m.ok()) return Fail(m.status());
  if (ctx.json) {
    PrintJson(wire::MutationToJson(*m));
  } else {
    std::printf("Created metadata index on property \"%s\" (%s) of index \"%s\"; mutationId %s\n",
                o.property.c_str(), o.type.c_str(), o.name.c_str(), m->mutation_id.c_str());
  }
  return kExitOk;
}

int RunListMetadataIndexes(const Context& ctx, const std::string& name) {
  auto open = OpenNamedIndex(ctx, name, Access::kRead);
  if (!open.ok()) return Fail(open.status());
  auto list = open->index->ListMetadataIndexes();
  if (!list.ok()) return Fail(list.status());
  if (ctx.json) {
    PrintJson(wire::MetadataIndexesToJson(*list));
  } else if (list->empty()) {
    std::printf("No metadata indexes on index \"%s\".\n", name.c_str());
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const MetadataIndexDescription& d : *list) {
      rows.push_back({d.property_name, std::string(MetadataIndexTypeName(d.type))});
    }
    PrintTable({"PROPERTY", "TYPE"}, rows);
  }
  return kExitOk;
}

int RunDeleteMetadataIndex(const Context& ctx, const MetadataIndexOptions& o) {
  auto open = OpenNamedIndex(ctx, o.name);
  if (!open.ok()) return Fail(open.status());
  auto m = open->index->DeleteMetadataIndex(o.property);
  if (!m.ok()) return Fail(m.status());
  if (ctx.json) {
    PrintJson(wire::MutationToJson(*m));
  } else {
    std::printf("Deleted metadata index on property \"%s\" of index \"%s\"; mutationId %s\n",
                o.property.c_str(), o.name.c_str(), m->mutation_id.c_str());
  }
  return kExitOk;
}

CLI::App* AddMetadataVerb(CLI::App* vectorize, Context* ctx, const char* verb_name,
                          const char* help, std::shared_ptr<MetadataIndexOptions> o) {
  CLI::App* verb = vectorize->add_subcommand(verb_name, help);
  verb->add_option("name", o->name, "Name of the index")->required();
  // wrangler spells it --propertyName; --property-name matches every other flag here.
  verb->add_option("--property-name,--propertyName", o->property,
                   "The metadata property: a top-level key, or parent.child")
      ->required();
  AddJsonFlag(verb, ctx);
  return verb;
}

}  // namespace

void AddIndexVerbs(CLI::App* vectorize, Context* ctx) {
  AddCreate(vectorize, ctx);
  CLI::App* list = vectorize->add_subcommand("list", "List the indexes");
  AddJsonFlag(list, ctx);
  list->callback([ctx] { ctx->action = [ctx] { return RunList(*ctx); }; });
  AddNameVerb(vectorize, ctx, "get", "Show an index's configuration", RunGet);
  AddNameVerb(vectorize, ctx, "info", "Show an index's vector count and last applied mutation",
              RunInfo);
  AddDelete(vectorize, ctx);
  AddNameVerb(vectorize, ctx, "repair",
              "Make a damaged index usable again: keep what its files hold intact, set the rest "
              "aside, write a checkpoint",
              RunRepair);
}

void AddMetadataIndexVerbs(CLI::App* vectorize, Context* ctx) {
  AddTextIndex(vectorize, ctx);
  auto create = std::make_shared<MetadataIndexOptions>();
  CLI::App* verb =
      AddMetadataVerb(vectorize, ctx, "create-metadata-index",
                      "Index a metadata property so that filters on it are fast", create);
  verb->add_option("--type", create->type, "The property's type")
      ->required()
      ->check(CLI::IsMember({"string", "number", "boolean"}));
  verb->callback([create, ctx] {
    ctx->action = [create, ctx] { return RunCreateMetadataIndex(*ctx, *create); };
  });

  AddNameVerb(vectorize, ctx, "list-metadata-index", "List an index's metadata indexes",
              RunListMetadataIndexes);

  auto del = std::make_shared<MetadataIndexOptions>();
  verb = AddMetadataVerb(vectorize, ctx, "delete-metadata-index", "Delete a metadata index", del);
  verb->callback(
      [del, ctx] { ctx->action = [del, ctx] { return RunDeleteMetadataIndex(*ctx, *del); }; });
}

}  // namespace semble::cli
