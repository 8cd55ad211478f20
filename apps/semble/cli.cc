// Copyright 2026 The semble Authors.

#include "cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "embed_cli.h"
#include "semble/client.h"
#include "semble/env.h"
#include "wire/record_json.h"
#include "wire/response_json.h"

namespace semble::cli {
namespace {

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// Characters, not bytes, so that a column holding "café" lines up with one holding "cafe".
size_t DisplayWidth(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

Result<std::string> ResolveDataDir(const Context& ctx) {
  std::string dir = ctx.data_dir.empty() ? DefaultDataDir() : ctx.data_dir;
  if (dir.empty()) {
    return Status::InvalidArgument(
        "no data directory: pass --data DIR or set SEMBLE_DATA_DIR (HOME is not set either)");
  }
  return dir;
}

}  // namespace

std::string HelpFooter() {
  return "Data directory: --data DIR, else $SEMBLE_DATA_DIR, else $XDG_DATA_HOME/semble, else\n"
         "$HOME/.local/share/semble.\n"
         "\n"
         "Exit codes: 0 success; 1 other failure (e.g. the database is open in another process);\n"
         "2 usage error; 3 index, vector, metadata index or input file not found; 4 invalid input\n"
         "or name already taken; 5 corrupt data or I/O error. A failure prints one line on "
         "stderr:\n"
         "\"semble: error: <message>\".";
}

std::string DefaultDataDir() {
  if (std::string dir = Getenv("SEMBLE_DATA_DIR"); !dir.empty()) return dir;
  // The XDG base directory spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (std::string xdg = Getenv("XDG_DATA_HOME"); !xdg.empty() && xdg.front() == '/') {
    return xdg + "/semble";
  }
  if (std::string home = Getenv("HOME"); !home.empty()) return home + "/.local/share/semble";
  return "";
}

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return kExitOk;
    case Status::Code::kNotFound:
      return kExitNotFound;
    case Status::Code::kInvalidArgument:
    case Status::Code::kAlreadyExists:
      return kExitInvalid;
    case Status::Code::kCorruption:
    case Status::Code::kIOError:
      return kExitStorage;
    case Status::Code::kFailedPrecondition:
    case Status::Code::kResourceExhausted:
    case Status::Code::kInternal:
      return kExitGeneric;
  }
  return kExitGeneric;
}

namespace {

// The contract is one line: a message with a newline in it (say, from a file name) is flattened.
void PrintErrorLine(std::string_view message) {
  std::string line = "semble: error: ";
  for (char c : message) line.push_back(c == '\n' || c == '\r' ? ' ' : c);
  line.push_back('\n');
  std::fflush(stdout);
  std::fputs(line.c_str(), stderr);
}

}  // namespace

int Fail(const Status& status) {
  PrintErrorLine(status.message());
  return ExitCodeFor(status);
}

int UsageError(std::string_view message) {
  PrintErrorLine(message);
  return kExitUsage;
}

Status ReplaceMessage(const Status& status, std::string_view message) {
  switch (status.code()) {
    case Status::Code::kOk:
      return status;
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(message);
    case Status::Code::kNotFound:
      return Status::NotFound(message);
    case Status::Code::kAlreadyExists:
      return Status::AlreadyExists(message);
    case Status::Code::kFailedPrecondition:
      return Status::FailedPrecondition(message);
    case Status::Code::kResourceExhausted:
      return Status::ResourceExhausted(message);
    case Status::Code::kCorruption:
      return Status::Corruption(message);
    case Status::Code::kIOError:
      return Status::IOError(message);
    case Status::Code::kInternal:
      return Status::Internal(message);
  }
  return Status::Internal(message);
}

Result<std::unique_ptr<Database>> OpenDatabase(const Context& ctx, bool create, bool repair,
                                               Access access) {
  if (!ctx.url.empty()) return ConnectDatabase(RemoteOptions{ctx.url, ctx.token});
  SEMBLE_ASSIGN_OR_RETURN(std::string dir, ResolveDataDir(ctx));
  // With a store the directory is only a cache: a fresh machine has none yet.
  if (!create && ctx.store.empty() && !Env::Default()->FileExists(dir)) {
    return Status::NotFound("no database in " + dir + " (it does not exist)");
  }
  DatabaseOptions options;
  options.create_if_missing = create || !ctx.store.empty();
  // A verb that only reads must not take the store over from a server writing to it.
  options.read_only = access == Access::kRead && !ctx.store.empty();
  // No checkpoint when a verb ends: a short-lived process would rewrite every segment it touched
  // on each run, and a checkpoint failing at exit (a full disk) could not be reported by the verb
  // that already succeeded. The log is replayed quickly on the next open and checkpointed when it
  // passes checkpoint_wal_bytes, as in the server.
  options.checkpoint_on_close = false;
  options.repair_damaged_logs = repair;
  options.models = LocalModels(ctx);
  options.store_url = ctx.store;
  SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(options, dir));
  // What recovery repaired (a torn log tail after a crash, salvaged metadata, an index that cannot
  // be opened) is said, not dropped silently (the repair verb reports them itself).
  for (const std::string& line : repair ? std::vector<std::string>() : db->RecoveryLog()) {
    std::fprintf(stderr, "semble: recovery: %s\n", line.c_str());
  }
  return db;
}

Result<OpenIndex> OpenNamedIndex(const Context& ctx, const std::string& name, Access access) {
  auto db = OpenDatabase(ctx, /*create=*/false, /*repair=*/false, access);
  if (!db.ok()) {
    // A missing data directory holds no index: say which one the user asked for.
    if (db.status().IsNotFound()) {
      return Status::NotFound("index \"" + name + "\" not found: " + db.status().message());
    }
    return db.status();
  }
  OpenIndex out;
  out.db = std::move(db).value();
  SEMBLE_ASSIGN_OR_RETURN(out.index, out.db->GetIndex(name));
  return out;
}

void AddJsonFlag(CLI::App* verb, Context* ctx) {
  verb->add_flag("--json", ctx->json,
                 "Print the result as one JSON document (the Vectorize v2 API's shape)");
}

void PrintJson(const std::string& json) {
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fputc('\n', stdout);
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = DisplayWidth(header[c]);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], DisplayWidth(row[c]));
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      line += row[c];
      line.append(width[c] - DisplayWidth(row[c]) + 2, ' ');
    }
    // No trailing blanks, also when the last cells are empty.
    line.erase(line.find_last_not_of(' ') + 1);
    line.push_back('\n');
    std::fputs(line.c_str(), stdout);
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

void PrintFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (const auto& [key, value] : fields) width = std::max(width, key.size());
  for (const auto& [key, value] : fields) {
    std::string line = key + ":";
    line.append(width - key.size() + 1, ' ');
    line += value;
    line.push_back('\n');
    std::fputs(line.c_str(), stdout);
  }
}

std::string FormatFloat(float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string FormatValues(const std::vector<float>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += FormatFloat(values[i]);
  }
  out += "]";
  return out;
}

std::string Plural(uint64_t n, std::string_view word) {
  std::string out = std::to_string(n) + " " + std::string(word);
  if (n != 1) out += word.ends_with("ch") || word.ends_with("s") ? "es" : "s";
  return out;
}

}  // namespace semble::cli

namespace semble::cli {

void PrintQueryResult(const Context& ctx, const QueryResult& result, bool show_metadata,
                      bool show_values, bool grouped) {
  if (ctx.json) {
    PrintJson(wire::QueryResultToJson(result, grouped));
    return;
  }
  if (result.matches.empty()) {
    std::printf("No matches.\n");
    return;
  }
  grouped |= !result.groups.empty();
  // Columns that would be empty in every row are left out.
  bool any_ns = false;
  for (const QueryMatch& m : result.matches) any_ns |= !m.ns.empty();
  std::vector<std::string> header;
  if (grouped) header.push_back("GROUP");
  header.insert(header.end(), {"SCORE", "ID"});
  if (any_ns) header.push_back("NAMESPACE");
  if (show_metadata) header.push_back("METADATA");
  if (show_values) header.push_back("VALUES");
  std::vector<std::vector<std::string>> rows;
  auto add_row = [&](const QueryMatch& m, const std::string* group) {
    std::vector<std::string> row;
    if (group != nullptr) row.push_back(*group);
    row.insert(row.end(), {FormatFloat(m.score), m.id});
    if (any_ns) row.push_back(m.ns);
    if (show_metadata) row.push_back(m.metadata_json);
    if (show_values) row.push_back(FormatValues(m.values));
    rows.push_back(std::move(row));
  };
  if (grouped) {
    for (const QueryGroup& g : result.groups) {
      for (const QueryMatch& m : g.matches) add_row(m, &g.key_json);
    }
  } else {
    for (const QueryMatch& m : result.matches) add_row(m, nullptr);
  }
  PrintTable(header, rows);
}

}  // namespace semble::cli
