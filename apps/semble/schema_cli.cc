// Copyright 2026 The semble Authors.
//
// semble schema fit DRAFT --file RECORDS.jsonl   learn a schema's missing scaling parameters and
//                                                 categories from sample records, print it
// semble schema encode SCHEMA '{"field": ...}'    show the vector a record becomes, by dimension

#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli.h"
#include "core/json_parse.h"
#include "semble/env.h"
#include "semble/record_schema.h"

namespace semble::cli {
namespace {

struct SchemaArgs {
  std::string schema_file;
  std::string records_file;
  std::string fields_json;
};

int RunFit(const Context& ctx, const SchemaArgs& a) {
  auto draft = ReadFileToString(Env::Default(), a.schema_file);
  if (!draft.ok()) return Fail(draft.status());
  auto data = ReadFileToString(Env::Default(), a.records_file);
  if (!data.ok()) return Fail(data.status());
  // Samples are the "fields" of each NDJSON record (or the whole line when it has none).
  std::vector<std::string> samples;
  simdjson::dom::parser parser;
  size_t pos = 0, line_no = 0;
  while (pos < data->size()) {
    size_t end = data->find('\n', pos);
    if (end == std::string::npos) end = data->size();
    const std::string_view line(data->data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    simdjson::dom::element e;
    if (core::ParseJson(parser, line, &e) != simdjson::SUCCESS || !e.is_object()) {
      return Fail(Status::InvalidArgument(a.records_file + ":" + std::to_string(line_no) +
                                          ": not a JSON object"));
    }
    simdjson::dom::element fields;
    samples.push_back(e["fields"].get(fields) == simdjson::SUCCESS ? simdjson::minify(fields)
                                                                   : simdjson::minify(e));
  }
  auto fitted = RecordSchema::Fit(*draft, samples);
  if (!fitted.ok()) return Fail(fitted.status());
  PrintJson(fitted->ToJson());
  if (!ctx.json) {
    std::fprintf(stderr, "%zu samples, %u dimensions\n", samples.size(), fitted->dimensions());
  }
  return kExitOk;
}

int RunEncode(const Context& ctx, const SchemaArgs& a) {
  auto text = ReadFileToString(Env::Default(), a.schema_file);
  if (!text.ok()) return Fail(text.status());
  auto schema = RecordSchema::Parse(*text);
  if (!schema.ok()) return Fail(schema.status().WithContext(a.schema_file));
  auto v = schema->Encode(a.fields_json);
  if (!v.ok()) return Fail(v.status());
  if (ctx.json) {
    PrintJson("{\"values\":" + [&] {
      std::string s = "[";
      for (size_t i = 0; i < v->size(); ++i) s += (i ? "," : "") + FormatFloat((*v)[i]);
      return s + "]";
    }() + "}");
    return kExitOk;
  }
  const std::vector<std::string> names = schema->DimensionNames();
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < v->size(); ++i) {
    rows.push_back(std::vector<std::string>{names[i], FormatFloat((*v)[i])});
  }
  PrintTable({"DIMENSION", "VALUE"}, rows);
  return kExitOk;
}

}  // namespace

CLI::App* AddSchemaCommand(CLI::App* app, Context* ctx) {
  auto a = std::make_shared<SchemaArgs>();
  CLI::App* group = app->add_subcommand("schema", "Record schemas: structured records as vectors");
  CLI::App* fit = group->add_subcommand(
      "fit", "Fill a draft schema's missing min/max/mean/std and categories from sample records");
  fit->add_option("draft", a->schema_file, "Draft schema (JSON file)")->required();
  fit->add_option("--file", a->records_file, "Sample records, NDJSON (\"fields\" of each line)")
      ->required();
  AddJsonFlag(fit, ctx);
  fit->callback([a, ctx] { ctx->action = [a, ctx] { return RunFit(*ctx, *a); }; });
  CLI::App* encode = group->add_subcommand("encode", "Show the vector a record's fields become");
  encode->add_option("schema", a->schema_file, "Schema (JSON file)")->required();
  encode->add_option("fields", a->fields_json, "The record's fields as a JSON object")->required();
  AddJsonFlag(encode, ctx);
  encode->callback([a, ctx] { ctx->action = [a, ctx] { return RunEncode(*ctx, *a); }; });
  return group;
}

}  // namespace semble::cli
