// Copyright 2026 The semble Authors.
//
// insert and upsert: stream an NDJSON file into an index in batches.
//
// The file is read line by line and written one batch at a time, so a file larger than memory can
// be loaded. Each batch is all-or-nothing (the engine validates it whole before writing), and a
// line is checked before its batch is sent: a bad line fails the run naming the line, and nothing
// of its batch is written. Batches before it stay written; the error says how many vectors they
// held so the user can resume.

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/json_writer.h"
#include "embed_cli.h"
#include "vectorize_cli.h"
#include "wire/record_json.h"

namespace semble::cli {
namespace {

struct InsertOptions {
  std::string name;
  std::string file;
  size_t batch_size = 1000;
  bool upsert = false;
};

// Reads lines from a file or stdin with POSIX getline: any line length, no iostream overhead.
class LineReader {
 public:
  ~LineReader() {
    std::free(buf_);
    if (file_ != nullptr && file_ != stdin) std::fclose(file_);
  }

  Status Open(const std::string& path) {
    if (path == "-") {
      file_ = stdin;
      return Status::OK();
    }
    file_ = std::fopen(path.c_str(), "rb");
    if (file_ == nullptr) return IoError(path);
    return Status::OK();
  }

  // Sets *line to the next line without its "\n" (or "\r\n"); false at end of input or on error
  // (then status() says which).
  bool Next(std::string_view* line) {
    ssize_t n = ::getline(&buf_, &cap_, file_);
    if (n < 0) {
      if (std::ferror(file_))
        status_ = Status::IOError(std::string("read: ") + std::strerror(errno));
      return false;
    }
    size_t len = static_cast<size_t>(n);
    if (len > 0 && buf_[len - 1] == '\n') --len;
    if (len > 0 && buf_[len - 1] == '\r') --len;
    *line = std::string_view(buf_, len);
    return true;
  }

  const Status& status() const { return status_; }

 private:
  static Status IoError(const std::string& path) {
    const int err = errno;
    std::string msg = "cannot open " + path + ": " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(msg) : Status::IOError(msg);
  }

  FILE* file_ = nullptr;
  char* buf_ = nullptr;
  size_t cap_ = 0;
  Status status_;
};

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// The engine names a bad record by its position in the batch ("record 3 (id "a"): ..."); a user
// needs the line of the file instead. Messages of another form are prefixed with the batch's
// line range, so they still point into the file.
Status WithLineContext(const Status& s, const std::string& where,
                       const std::vector<size_t>& lines) {
  const std::string& msg = s.message();
  constexpr std::string_view kRecord = "record ";
  if (msg.rfind(kRecord, 0) == 0) {
    size_t end = kRecord.size();
    size_t i = 0;
    while (end < msg.size() && end < kRecord.size() + 9 && msg[end] >= '0' && msg[end] <= '9') {
      i = i * 10 + static_cast<size_t>(msg[end] - '0');
      ++end;
    }
    if (end > kRecord.size() && i < lines.size()) {
      // What follows the number is " (id "a"): ..." or ": ...".
      return ReplaceMessage(s, where + ", line " + std::to_string(lines[i]) + msg.substr(end));
    }
  }
  if (lines.empty()) return s.WithContext(where);
  return s.WithContext(where + ", lines " + std::to_string(lines.front()) + "-" +
                       std::to_string(lines.back()));
}

int RunInsert(const Context& ctx, const InsertOptions& o) {
  const char* verb = o.upsert ? "upsert" : "insert";
  auto open = OpenNamedIndex(ctx, o.name);
  if (!open.ok()) return Fail(open.status());
  LineReader reader;
  if (Status s = reader.Open(o.file); !s.ok()) return Fail(s);
  const std::string where = o.file == "-" ? "stdin" : o.file;

  uint64_t written = 0;
  size_t batches = 0;
  std::string last_mutation;
  std::vector<VectorRecord> batch;
  std::vector<size_t> lines;  // the line of each record in batch
  batch.reserve(o.batch_size);

  // Everything already written is reported with any failure, so a user knows where to resume.
  auto fail = [&](const Status& s) {
    if (written == 0) return Fail(s);
    const std::string progress = " (written before the failure: " + Plural(written, "vector") +
                                 " in " + Plural(batches, "batch") + ", last mutationId " +
                                 last_mutation + ")";
    return Fail(ReplaceMessage(s, s.message() + progress));
  };
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    auto m = o.upsert ? open->index->Upsert(batch) : open->index->Insert(batch);
    if (!m.ok()) return WithLineContext(m.status(), where, lines);
    written += batch.size();
    ++batches;
    last_mutation = m->mutation_id;
    batch.clear();
    lines.clear();
    return Status::OK();
  };

  std::string_view line;
  size_t line_no = 0;
  while (reader.Next(&line)) {
    ++line_no;
    // Editors on Windows may start the file with a UTF-8 byte order mark; it is not JSON.
    if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    if (IsBlank(line)) continue;
    auto r = wire::ParseRecordJson(line, /*extensions=*/true);
    if (!r.ok()) {
      return fail(r.status().WithContext(where + ", line " + std::to_string(line_no)));
    }
    batch.push_back(std::move(r).value());
    lines.push_back(line_no);
    if (batch.size() == o.batch_size) {
      if (Status s = flush(); !s.ok()) return fail(s);
    }
  }
  if (!reader.status().ok()) return fail(reader.status().WithContext(where));
  if (Status s = flush(); !s.ok()) return fail(s);
  if (written == 0) {
    return Fail(Status::InvalidArgument(where + " holds no vectors to " + verb));
  }

  if (ctx.json) {
    // The API's {mutationId}, plus the count a multi-batch run can only report here.
    core::JsonWriter w;
    w.BeginObject().Key("mutationId").String(last_mutation).Key("count").Uint(written).EndObject();
    PrintJson(w.str());
  } else {
    std::printf("%s %s into index \"%s\" in %s; last mutationId %s\n",
                o.upsert ? "Upserted" : "Inserted", Plural(written, "vector").c_str(),
                o.name.c_str(), Plural(batches, "batch").c_str(), last_mutation.c_str());
  }
  return kExitOk;
}

void AddInsertVerb(CLI::App* vectorize, Context* ctx, bool upsert) {
  auto o = std::make_shared<InsertOptions>();
  o->upsert = upsert;
  CLI::App* verb = vectorize->add_subcommand(
      upsert ? "upsert" : "insert",
      upsert ? "Insert vectors from an NDJSON file, replacing vectors of the same id whole"
             : "Insert vectors from an NDJSON file; ids already in the index are kept as they are");
  verb->add_option("name", o->name, "Name of the index")->required();
  verb->add_option("--file", o->file,
                   "NDJSON file, one {\"id\",\"values\",\"namespace\"?,\"metadata\"?} per line; "
                   "- reads stdin")
      ->required();
  verb->add_option("--batch-size", o->batch_size, "Vectors written per batch, 1-5000")
      ->default_val(1000)
      ->check(CLI::Range(1, 5000));
  AddJsonFlag(verb, ctx);
  verb->callback([o, ctx] { ctx->action = [o, ctx] { return RunInsert(*ctx, *o); }; });
}

}  // namespace

void AddInsertVerbs(CLI::App* vectorize, Context* ctx) {
  AddInsertVerb(vectorize, ctx, /*upsert=*/false);
  AddInsertVerb(vectorize, ctx, /*upsert=*/true);
}

}  // namespace semble::cli
