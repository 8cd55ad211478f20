// Copyright 2026 The semble Authors.
//
// semble import INDEX PATH... [--text-field F] [--id-field F] [--chunk-size N]
//               [--chunk-overlap N] [--batch-size N] [--force] [--json]
//
// Turns files into records of an index bound to an embedding model:
//   .jsonl / .ndjson  one record per line; the text is --text-field (default: "text", else
//                     "content", "body", else the first string field), the id --id-field
//                     (default "id", else <file>:<line>); other scalar fields become metadata.
//   .csv              the same, by column name (first row is the header).
//   .txt / .md        each file is split into chunks of about --chunk-size characters that
//                     overlap by --chunk-overlap, cut at paragraph, line, sentence or word ends;
//                     ids are <path>#<chunk>.
// Directories are walked for those extensions. Every record's metadata holds its text (first 2000
// bytes), the source file and a hash of the text. Records are upserted in batches, so running the
// import again after an interruption neither duplicates anything nor re-embeds what is already
// stored with the same text (unless --force). A progress bar (rate, ETA) goes to stderr when it
// is a terminal.

#include <simdjson.h>
#include <unistd.h>
#include <xxhash.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "cli.h"
#include "core/json_parse.h"
#include "core/json_writer.h"
#include "core/utf8.h"
#include "embed_cli.h"

namespace semble::cli {
namespace {

struct ImportArgs {
  std::string name;
  std::vector<std::string> paths;
  std::string text_field;
  std::string id_field = "id";
  size_t chunk_size = 1000;
  size_t chunk_overlap = 200;
  size_t batch_size = 64;
  bool force = false;
};

struct Doc {
  std::string id;
  std::string text;
  std::string source;
  std::map<std::string, std::string> metadata;  // key -> JSON value
};

constexpr size_t kMetadataTextBytes = 2000;

std::string HashHex(std::string_view text) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
  return buf;
}

// An id of at most 64 bytes: the readable form when it fits, else a hash with its tail.
std::string MakeId(const std::string& readable) {
  if (readable.size() <= 64) return readable;
  const std::string hash = HashHex(readable);
  std::string_view tail(readable);
  tail = tail.substr(tail.size() - 40);
  while (!tail.empty() && (static_cast<unsigned char>(tail[0]) & 0xC0) == 0x80)
    tail.remove_prefix(1);
  return hash + "~" + std::string(tail);
}

// Splits text into chunks of at most `size` bytes overlapping by about `overlap`, preferring to
// cut after a paragraph, then a line, a sentence, a word.
std::vector<std::string> Chunk(std::string_view text, size_t size, size_t overlap) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
    if (start >= text.size()) break;
    size_t end = std::min(text.size(), start + size);
    if (end < text.size()) {
      const std::string_view window = text.substr(start, end - start);
      size_t cut = std::string_view::npos;
      for (std::string_view sep : {"\n\n", "\n", ". ", " "}) {
        const size_t at = window.rfind(sep);
        if (at != std::string_view::npos && at > size / 2) {
          cut = at + sep.size();
          break;
        }
      }
      if (cut != std::string_view::npos) end = start + cut;
      end = start + core::Utf8Prefix(text.substr(start), end - start).size();
    }
    std::string_view piece = text.substr(start, end - start);
    while (!piece.empty() && std::isspace(static_cast<unsigned char>(piece.back())))
      piece.remove_suffix(1);
    if (!piece.empty()) out.emplace_back(piece);
    if (end >= text.size()) break;
    // Step back by the overlap, to a word start, but always move forward.
    size_t next = end > overlap ? end - overlap : end;
    while (next < end && !std::isspace(static_cast<unsigned char>(text[next]))) ++next;
    start = next > start ? next : end;
  }
  return out;
}

std::string JsonString(std::string_view s) {
  core::JsonWriter w;
  w.String(s);
  return w.Take();
}

// Text and id choice shared by JSONL and CSV: fields maps a name to (JSON value, string value
// when it is a string).
Status DocFromFields(
    const std::vector<std::pair<std::string, std::pair<std::string, std::optional<std::string>>>>&
        fields,
    const ImportArgs& a, const std::string& fallback_id, Doc* doc) {
  std::string text_field = a.text_field;
  if (text_field.empty()) {
    for (const char* candidate : {"text", "content", "body"}) {
      for (const auto& [k, v] : fields) {
        if (k == candidate && v.second) text_field = k;
      }
      if (!text_field.empty()) break;
    }
    for (const auto& [k, v] : fields) {
      if (text_field.empty() && v.second && k != a.id_field) text_field = k;
    }
  }
  bool have_text = false;
  doc->id = fallback_id;
  for (const auto& [k, v] : fields) {
    if (k == text_field && v.second) {
      doc->text = *v.second;
      have_text = true;
    } else if (k == a.id_field) {
      doc->id = v.second ? *v.second : v.first;  // numbers become their JSON spelling
    } else if (!k.empty() && k[0] != '$' && k.find('.') == std::string::npos &&
               k.find('"') == std::string::npos) {
      doc->metadata[k] = v.first;
    }
  }
  if (!have_text || doc->text.empty()) {
    return Status::InvalidArgument("no text in field \"" +
                                   (text_field.empty() ? "text" : text_field) +
                                   "\" (choose one with --text-field)");
  }
  doc->id = MakeId(doc->id);
  return Status::OK();
}

Status ReadJsonl(const std::string& path, std::string_view data, const ImportArgs& a,
                 std::vector<Doc>* docs) {
  simdjson::dom::parser parser;
  size_t line_no = 0, pos = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view line = data.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    simdjson::dom::element root;
    simdjson::dom::object obj;
    if (core::ParseJson(parser, line, &root) != simdjson::SUCCESS ||
        root.get(obj) != simdjson::SUCCESS) {
      return Status::InvalidArgument(where + ": not a JSON object");
    }
    std::vector<std::pair<std::string, std::pair<std::string, std::optional<std::string>>>> fields;
    for (auto f : obj) {
      std::optional<std::string> as_string;
      std::string_view sv;
      if (f.value.get(sv) == simdjson::SUCCESS) as_string = std::string(sv);
      // Objects would need the metadata rules of one nested level; keep scalars and arrays.
      if (f.value.is_object()) continue;
      fields.push_back({std::string(f.key), {simdjson::minify(f.value), as_string}});
    }
    Doc doc;
    doc.source = path;
    if (Status s = DocFromFields(fields, a, path + ":" + std::to_string(line_no), &doc); !s.ok()) {
      return s.WithContext(where);
    }
    docs->push_back(std::move(doc));
  }
  return Status::OK();
}

// RFC 4180: fields separated by commas, optionally quoted with "" for a quote inside.
std::vector<std::vector<std::string>> ParseCsv(std::string_view data) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    if (quoted) {
      if (c == '"' && i + 1 < data.size() && data[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

Status ReadCsv(const std::string& path, std::string_view data, const ImportArgs& a,
               std::vector<Doc>* docs) {
  const auto rows = ParseCsv(data);
  if (rows.empty()) return Status::OK();
  const std::vector<std::string>& header = rows[0];
  for (size_t r = 1; r < rows.size(); ++r) {
    std::vector<std::pair<std::string, std::pair<std::string, std::optional<std::string>>>> fields;
    for (size_t c = 0; c < header.size() && c < rows[r].size(); ++c) {
      fields.push_back({header[c], {JsonString(rows[r][c]), rows[r][c]}});
    }
    Doc doc;
    doc.source = path;
    const std::string where = path + ":" + std::to_string(r + 1);
    if (Status s = DocFromFields(fields, a, where, &doc); !s.ok()) return s.WithContext(where);
    docs->push_back(std::move(doc));
  }
  return Status::OK();
}

void ReadText(const std::string& path, std::string_view data, const ImportArgs& a,
              std::vector<Doc>* docs) {
  // A Markdown file's first heading names every chunk of it.
  std::string title;
  if (path.ends_with(".md")) {
    size_t pos = 0;
    while (pos < data.size()) {
      size_t end = data.find('\n', pos);
      if (end == std::string_view::npos) end = data.size();
      std::string_view line = data.substr(pos, end - pos);
      if (line.starts_with("# ")) {
        title = std::string(core::Utf8Prefix(line.substr(2), 200));
        break;
      }
      pos = end + 1;
    }
  }
  const std::vector<std::string> chunks = Chunk(data, a.chunk_size, a.chunk_overlap);
  for (size_t i = 0; i < chunks.size(); ++i) {
    Doc doc;
    doc.id = MakeId(path + "#" + std::to_string(i));
    doc.text = chunks[i];
    doc.source = path;
    doc.metadata["chunk"] = std::to_string(i);
    if (!title.empty()) doc.metadata["title"] = JsonString(title);
    docs->push_back(std::move(doc));
  }
}

bool Importable(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".jsonl" || ext == ".ndjson" || ext == ".csv" || ext == ".txt" || ext == ".md";
}

Status ReadPath(const std::string& path, const ImportArgs& a, std::vector<Doc>* docs,
                size_t* files) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    std::vector<std::string> found;
    for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code file_ec;
      if (it->is_regular_file(file_ec) && Importable(it->path())) {
        found.push_back(it->path().string());
      }
    }
    if (ec) return Status::IOError(path + ": " + ec.message());
    std::sort(found.begin(), found.end());  // stable ids and order whatever the file system says
    for (const std::string& f : found) SEMBLE_RETURN_IF_ERROR(ReadPath(f, a, docs, files));
    return Status::OK();
  }
  if (!Importable(path)) {
    return Status::InvalidArgument(path + ": not a .jsonl, .ndjson, .csv, .txt or .md file");
  }
  SEMBLE_ASSIGN_OR_RETURN(std::string data, ReadFileToString(Env::Default(), path));
  ++*files;
  if (path.ends_with(".jsonl") || path.ends_with(".ndjson")) return ReadJsonl(path, data, a, docs);
  if (path.ends_with(".csv")) return ReadCsv(path, data, a, docs);
  ReadText(path, data, a, docs);
  return Status::OK();
}

std::string FormatDuration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%ld:%02ld", s / 60, s % 60);
  return buf;
}

class Progress {
 public:
  Progress(size_t total, bool enabled) : total_(total), enabled_(enabled), start_(Clock::now()) {}
  void Update(size_t done) {
    if (!enabled_) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double rate = elapsed > 0 ? double(done) / elapsed : 0;
    const double eta = rate > 0 ? double(total_ - done) / rate : 0;
    const int width = 28;
    const int filled = total_ == 0 ? width : static_cast<int>(width * done / total_);
    std::fprintf(stderr, "\r  [%s%s] %zu/%zu  %.1f/s  ETA %s ", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), done, total_, rate,
                 FormatDuration(eta).c_str());
    std::fflush(stderr);
  }
  void Finish() {
    if (enabled_) std::fprintf(stderr, "\n");
  }
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  using Clock = std::chrono::steady_clock;
  size_t total_;
  bool enabled_;
  Clock::time_point start_;
};

int RunImport(const Context& ctx, const ImportArgs& a) {
  if (a.chunk_size < 50) return UsageError("--chunk-size must be at least 50");
  if (a.chunk_overlap >= a.chunk_size / 2)
    return UsageError("--chunk-overlap must be under half of --chunk-size");
  if (a.batch_size < 1 || a.batch_size > 1000) return UsageError("--batch-size must be 1..1000");
  auto open = OpenNamedIndex(ctx, a.name);
  if (!open.ok()) return Fail(open.status());
  const IndexDescription d = open->index->Describe();
  if (d.config.embedding_model.empty()) {
    return Fail(Status::InvalidArgument(
        "index \"" + d.name +
        "\" has no embedding model; create one with `semble vectorize create " + d.name +
        " --model " + "all-MiniLM-L6-v2-q4`"));
  }
  std::vector<Doc> docs;
  size_t files = 0;
  for (const std::string& p : a.paths) {
    if (Status s = ReadPath(p, a, &docs, &files); !s.ok()) return Fail(s);
  }
  // Two records with one id would overwrite each other; the later one wins, as in a re-import.
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < docs.size(); ++i) last[docs[i].id] = i;

  Progress progress(docs.size(), !ctx.json && ::isatty(2));
  size_t imported = 0, skipped = 0, done = 0;
  for (size_t begin = 0; begin < docs.size(); begin += a.batch_size) {
    const size_t end = std::min(docs.size(), begin + a.batch_size);
    std::vector<size_t> todo;
    std::vector<std::string> ids;
    for (size_t i = begin; i < end; ++i) {
      if (last[docs[i].id] != i) continue;
      todo.push_back(i);
      ids.push_back(docs[i].id);
    }
    // Resume: what is stored with the same text hash needs no new embedding.
    std::map<std::string, std::string> stored_hash;
    if (!a.force) {
      auto stored = open->index->GetByIds(ids);
      if (!stored.ok()) return Fail(stored.status());
      simdjson::dom::parser parser;
      for (const VectorRecord& r : *stored) {
        simdjson::dom::element md;
        std::string_view h;
        if (!r.metadata_json.empty() &&
            core::ParseJson(parser, r.metadata_json, &md) == simdjson::SUCCESS &&
            md["text_hash"].get(h) == simdjson::SUCCESS) {
          stored_hash[r.id] = std::string(h);
        }
      }
    }
    std::vector<VectorRecord> batch;
    for (size_t i : todo) {
      const Doc& doc = docs[i];
      const std::string hash = HashHex(doc.text);
      if (auto it = stored_hash.find(doc.id); it != stored_hash.end() && it->second == hash) {
        ++skipped;
        continue;
      }
      core::JsonWriter w;
      w.BeginObject();
      for (const auto& [k, v] : doc.metadata) w.Key(k).Raw(v);
      w.Key("source").String(doc.source);
      w.Key("text").String(core::Utf8Prefix(doc.text, kMetadataTextBytes));
      w.Key("text_hash").String(hash);
      w.EndObject();
      VectorRecord r;
      r.id = doc.id;
      r.metadata_json = w.Take();
      r.text = doc.text;  // the index embeds it with its model
      batch.push_back(std::move(r));
    }
    if (!batch.empty()) {
      auto m = open->index->Upsert(batch);
      if (!m.ok()) {
        progress.Finish();
        return Fail(m.status().WithContext("after " + std::to_string(imported) +
                                           " records (run the import again to resume)"));
      }
      imported += batch.size();
    }
    done = end;
    progress.Update(done);
  }
  progress.Finish();
  const double seconds = progress.Seconds();
  if (ctx.json) {
    core::JsonWriter w;
    w.BeginObject().Key("index").String(d.name).Key("files").Uint(files);
    w.Key("records").Uint(docs.size()).Key("imported").Uint(imported).Key("skipped").Uint(skipped);
    w.Key("seconds").Double(std::round(seconds * 1000) / 1000).EndObject();
    PrintJson(w.Take());
  } else {
    std::printf("Imported %s from %s into index \"%s\" (%zu already there unchanged) in %.1f s.\n",
                Plural(imported, "record").c_str(), Plural(files, "file").c_str(), d.name.c_str(),
                skipped, seconds);
  }
  return kExitOk;
}

}  // namespace

CLI::App* AddImportCommand(CLI::App* app, Context* ctx) {
  auto a = std::make_shared<ImportArgs>();
  CLI::App* verb = app->add_subcommand(
      "import", "Embed files (.jsonl .csv .txt .md, or folders of them) into an index");
  verb->add_option("index", a->name, "An index created with --model")->required();
  verb->add_option("paths", a->paths, "Files or folders")->required();
  verb->add_option("--text-field", a->text_field,
                   "JSONL/CSV field holding the text (default: text, content, body, or the first "
                   "string field)");
  verb->add_option("--id-field", a->id_field, "JSONL/CSV field holding the id")->default_val("id");
  verb->add_option("--chunk-size", a->chunk_size, "Characters per chunk of .txt/.md files")
      ->default_val(1000);
  verb->add_option("--chunk-overlap", a->chunk_overlap, "Characters shared by neighbouring chunks")
      ->default_val(200);
  verb->add_option("--batch-size", a->batch_size, "Records embedded and written at once")
      ->default_val(64);
  verb->add_flag("--force", a->force, "Re-embed records already stored with the same text");
  AddJsonFlag(verb, ctx);
  verb->callback([a, ctx] { ctx->action = [a, ctx] { return RunImport(*ctx, *a); }; });
  return verb;
}

}  // namespace semble::cli
