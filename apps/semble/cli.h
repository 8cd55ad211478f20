// Copyright 2026 The semble Authors.
//
// What the command-line verbs share: the parsed global options, exit codes, opening the database,
// and printing results (JSON documents for --json, aligned tables for people).
//
// Every verb follows one contract so that scripts can rely on it: on success it prints its result
// on stdout and exits 0; on failure it prints exactly one line "semble: error: <message>" on stderr
// and exits with the code of the failure's kind (ExitCode).

#ifndef SEMBLE_APPS_SEMBLE_CLI_H_
#define SEMBLE_APPS_SEMBLE_CLI_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "semble/database.h"
#include "semble/status.h"

namespace CLI {
class App;
}  // namespace CLI

namespace semble::cli {

#ifdef SEMBLE_VERSION
inline constexpr std::string_view kVersion = SEMBLE_VERSION;
#else
inline constexpr std::string_view kVersion = "0.1.0";
#endif

enum ExitCode : int {
  kExitOk = 0,
  kExitGeneric = 1,   // anything not listed below (e.g. the database is open in another process)
  kExitUsage = 2,     // the command line itself is wrong (unknown verb or flag, bad flag value)
  kExitNotFound = 3,  // a named index, vector or metadata index does not exist
  kExitInvalid = 4,   // the input breaks a rule (bad record, bad filter) or the name is taken
  kExitStorage = 5,   // stored data is corrupt or the operating system refused an I/O operation
};

// The exit-code table and the data-directory rule, shown at the end of --help.
std::string HelpFooter();

// State shared by all verbs of one run: filled by the parser, read by the verb that runs.
struct Context {
  std::string data_dir;  // --data; empty means DefaultDataDir()
  // --url / $SEMBLE_URL: talk to a `semble serve` instead of opening the data directory; --token /
  // $SEMBLE_TOKEN is its bearer token.
  std::string url;
  std::string token;
  // --store / $SEMBLE_STORE: the database lives in this object store (s3://bucket/prefix,
  // file:///path) and the data directory caches it (DatabaseOptions::store_url).
  std::string store;
  bool json = false;  // --json
  // Set by the callback of the verb that was given; run after parsing succeeds.
  std::function<int()> action;
};

// $SEMBLE_DATA_DIR, else $XDG_DATA_HOME/semble, else $HOME/.local/share/semble; "" when none of
// these variables is set.
std::string DefaultDataDir();

// Maps a status code to an ExitCode.
int ExitCodeFor(const Status& status);
// Prints "semble: error: <message>" on stderr and returns the exit code for `status`.
int Fail(const Status& status);
// Prints a usage error the same way and returns kExitUsage.
int UsageError(std::string_view message);

// An open database and one index of it; the index handle needs the database to stay open.
struct OpenIndex {
  std::unique_ptr<Database> db;
  std::shared_ptr<Index> index;
};

// A status of the same code with another message.
Status ReplaceMessage(const Status& status, std::string_view message);

// Opens the database in ctx's data directory. Verbs that only read pass create = false: they never
// create a directory, and report a missing one as an empty database.
// With `repair`, opens local data in DatabaseOptions::repair_damaged_logs mode. With --store, a
// verb that only reads opens read-only, so that it never takes the store over from the server
// writing to it (DatabaseOptions::read_only).
enum class Access { kRead, kWrite };
Result<std::unique_ptr<Database>> OpenDatabase(const Context& ctx, bool create, bool repair = false,
                                               Access access = Access::kWrite);
Result<OpenIndex> OpenNamedIndex(const Context& ctx, const std::string& name,
                                 Access access = Access::kWrite);

// Top-level verbs outside the vectorize group.
CLI::App* AddRecommendCommand(CLI::App* app, Context* ctx);
CLI::App* AddImportCommand(CLI::App* app, Context* ctx);
// cache create/list/show/lookup/store/invalidate/delete (cache_cli.cc).
CLI::App* AddCacheCommands(CLI::App* app, Context* ctx);
// backup, backups, restore (backup_cli.cc).
void AddBackupCommands(CLI::App* app, Context* ctx);
// cluster status (cluster_cli.cc).
void AddClusterCommand(CLI::App* app, Context* ctx);
CLI::App* AddSchemaCommand(CLI::App* app, Context* ctx);
CLI::App* AddCompletionCommand(CLI::App* app, Context* ctx);

// Adds `--json` to a verb, bound to ctx->json.
void AddJsonFlag(CLI::App* verb, Context* ctx);

// Output helpers.

// Writes a JSON document and a newline to stdout.
void PrintJson(const std::string& json);
// Prints rows under a header, columns padded to their widest cell (counted in UTF-8 characters).
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);
// Prints "key: value" lines with the values aligned.
void PrintFields(const std::vector<std::pair<std::string, std::string>>& fields);
// The shortest text that reads back as the same float ("0.1", "1e-08").
std::string FormatFloat(float v);
// "[0.1, 2, 3]"
std::string FormatValues(const std::vector<float>& values);
// A query's matches: the QueryResult JSON with --json, else a table (columns that would be empty
// in every row are left out). `grouped` (the query had group_by): the groups, one GROUP column
// holding each group's key.
void PrintQueryResult(const Context& ctx, const QueryResult& result, bool show_metadata,
                      bool show_values, bool grouped = false);
// "1 vector" / "3 vectors"
std::string Plural(uint64_t n, std::string_view word);

}  // namespace semble::cli

#endif  // SEMBLE_APPS_SEMBLE_CLI_H_
