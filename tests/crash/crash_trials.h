// Copyright 2026 The semble Authors.
//
// Crash test. A child process writes mutations in a known order and reports each acknowledged one
// on a pipe; the parent kills it with SIGKILL at a random moment, reopens the database and checks
// that the index holds exactly the state after some prefix of the mutation sequence that includes
// every acknowledged mutation: nothing acknowledged is lost, nothing is half-applied (each mutation
// is a batch of three records, so a half-applied one would show).
//
// SEMBLE_CRASH_TRIALS sets the number of trials (default 50; tests/crash/run_crash_trials.sh runs
// 1000). SEMBLE_CRASH_SEED fixes the random seed to replay a failure.
//
// With an object store the child writes through it (a cache directory of its own) and every trial
// is checked from a fresh, empty cache: what counts is what the store holds.
//
// The index has a full-text index and every record a text naming its mutation ("mut<i>"), so each
// trial also checks that the keyword index recovered in step with the records: a keyword query for
// a mutation's word returns exactly the records that mutation last wrote.

#ifndef SEMBLE_TESTS_CRASH_CRASH_TRIALS_H_
#define SEMBLE_TESTS_CRASH_CRASH_TRIALS_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include "semble/database.h"
#include "util/test_util.h"

namespace semble::crash {

constexpr uint32_t kDims = 8;

inline std::vector<float> ValuesFor(int mutation, int part) {
  std::vector<float> v(kDims);
  for (uint32_t d = 0; d < kDims; ++d) v[d] = float(mutation * 10 + part) + float(d) / 16;
  return v;
}

// Mutation i of the fixed sequence. Most are upserts of three records ("k<i%40>-{a,b,c}", so later
// ones overwrite earlier ones); every 7th deletes the three records of an older key; every 11th
// is an insert (first write wins) of a fresh key.
enum class Kind { kUpsert, kDelete, kInsert };
inline Kind KindOf(int i) {
  return i % 7 == 6 ? Kind::kDelete : i % 11 == 10 ? Kind::kInsert : Kind::kUpsert;
}
inline std::string KeyOf(int i) {
  switch (KindOf(i)) {
    case Kind::kUpsert:
      return "k" + std::to_string(i % 40);
    case Kind::kDelete:
      return "k" + std::to_string((i * 3) % 40);
    case Kind::kInsert:
      return "n" + std::to_string(i);
  }
  return "";
}

struct Stored {
  std::vector<float> values;
  std::string metadata;
  std::string text;
};

inline std::string TextFor(int mutation, int part) {
  return "mut" + std::to_string(mutation) + " part" + std::to_string(part);
}

inline CreateIndexRequest CrashIndex() {
  CreateIndexRequest r{"crash", "", {kDims, Metric::kCosine}};
  r.config.text_index.enabled = true;
  r.config.text_index.language = "none";
  return r;
}
using Model = std::map<std::string, Stored>;

// The expected state after the first n mutations.
inline Model ModelAfter(int n) {
  Model m;
  for (int i = 0; i < n; ++i) {
    const std::string key = KeyOf(i);
    for (int p = 0; p < 3; ++p) {
      const std::string id = key + "-" + char('a' + p);
      switch (KindOf(i)) {
        case Kind::kDelete:
          m.erase(id);
          break;
        case Kind::kInsert:
          m.emplace(id, Stored{ValuesFor(i, p), R"({"m":)" + std::to_string(i) + "}", TextFor(i, p)});
          break;
        case Kind::kUpsert:
          m[id] = Stored{ValuesFor(i, p), R"({"m":)" + std::to_string(i) + "}", TextFor(i, p)};
          break;
      }
    }
  }
  return m;
}

[[noreturn]] inline void RunChild(DatabaseOptions options, const std::string& dir, int fd,
                                  uint64_t checkpoint_bytes, double checkpoint_ratio) {
  options.checkpoint_wal_bytes = checkpoint_bytes;  // small: checkpoints happen under fire too
  options.checkpoint_wal_ratio = checkpoint_ratio;
  auto db = Database::Open(options, dir);
  if (!db.ok()) _exit(10);
  auto index = (*db)->GetIndex("crash");
  if (!index.ok()) _exit(11);
  for (int i = 0;; ++i) {
    const std::string key = KeyOf(i);
    Result<MutationResult> r = Status::Internal("unset");
    if (KindOf(i) == Kind::kDelete) {
      std::vector<std::string> ids{key + "-a", key + "-b", key + "-c"};
      r = (*index)->DeleteByIds(ids);
    } else {
      std::vector<VectorRecord> batch;
      for (int p = 0; p < 3; ++p) {
        batch.push_back(
            {key + "-" + char('a' + p), ValuesFor(i, p), "", R"({"m":)" + std::to_string(i) + "}"});
        batch.back().text = TextFor(i, p);
      }
      r = KindOf(i) == Kind::kInsert ? (*index)->Insert(batch) : (*index)->Upsert(batch);
    }
    if (!r.ok()) _exit(12);
    int32_t acked = i;
    if (write(fd, &acked, sizeof(acked)) != sizeof(acked)) _exit(13);
    if (i % 50 == 49) (void)(*db)->Checkpoint();
  }
}

// Reads the current index contents into a Model.
inline Model ReadBack(Index* index) {
  Model m;
  ListRequest req{1000, ""};
  while (true) {
    auto page = index->List(req);
    EXPECT_TRUE(page.ok());
    auto got = index->GetByIds(page->ids);
    for (VectorRecord& r : *got) m[r.id] = Stored{r.values, r.metadata_json, r.text};
    if (!page->is_truncated) break;
    req.cursor = page->next_cursor;
  }
  return m;
}

inline bool SameModel(const Model& a, const Model& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [id, s] : a) {
    auto it = b.find(id);
    if (it == b.end() || it->second.values != s.values || it->second.metadata != s.metadata ||
        it->second.text != s.text)
      return false;
  }
  return true;
}

// Every record's mutation word, asked as a keyword query, finds exactly the records whose text
// holds it. Returns the first disagreement, or "" when there is none.
inline std::string KeywordIndexDisagrees(Index* index, const Model& model) {
  std::map<std::string, std::vector<std::string>> by_word;
  for (const auto& [id, s] : model) by_word[s.text.substr(0, s.text.find(' '))].push_back(id);
  for (const auto& [word, ids] : by_word) {
    QueryRequest q;
    q.mode = QueryMode::kKeyword;
    q.text = word;
    q.top_k = 100;
    auto r = index->Query(q);
    if (!r.ok()) return word + ": " + r.status().ToString();
    std::vector<std::string> got;
    for (const QueryMatch& m : r->matches) got.push_back(m.id);
    std::sort(got.begin(), got.end());
    if (got != ids) {
      return word + ": " + std::to_string(got.size()) + " keyword matches, " +
             std::to_string(ids.size()) + " records hold it";
    }
  }
  return "";
}

// Runs the trials on the database `options` describe. `dir` names the directory (the cache, with a
// store); with a store every check opens a fresh cache under `verify_root`.
inline void RunCrashTrials(const DatabaseOptions& options, const std::string& dir,
                           const std::string& verify_root) {
  const bool with_store = options.store != nullptr || !options.store_url.empty();
  int verify_count = 0;
  auto check_dir = [&] {
    return with_store ? verify_root + "/verify-" + std::to_string(verify_count++) : dir;
  };
  const char* trials_env = std::getenv("SEMBLE_CRASH_TRIALS");
  const char* seed_env = std::getenv("SEMBLE_CRASH_SEED");
  const int trials = trials_env != nullptr ? std::atoi(trials_env) : 50;
  const uint64_t seed =
      seed_env != nullptr ? std::strtoull(seed_env, nullptr, 10) : std::random_device{}();
  std::mt19937_64 rng(seed);
  SCOPED_TRACE("SEMBLE_CRASH_SEED=" + std::to_string(seed));
  {
    auto db = Database::Open(options, dir);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->CreateIndex(CrashIndex()).ok());
  }
  int total_acked = 0, torn_repairs = 0;
  // Each trial continues the same database: the child's mutation sequence restarts at 0, so state
  // is compared against the prefix of *this* trial's sequence applied on top of the previous
  // trial's state. To keep that simple each trial starts from an empty index.
  for (int t = 0; t < trials; ++t) {
    {
      auto db = Database::Open(options, dir);
      ASSERT_TRUE(db.ok()) << db.status().ToString();
      ASSERT_TRUE((*db)->DeleteIndex("crash").ok());
      ASSERT_TRUE((*db)->CreateIndex(CrashIndex()).ok());
    }
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const uint64_t checkpoint_bytes = std::uniform_int_distribution<uint64_t>(2000, 200000)(rng);
    // Half the trials checkpoint at a fixed log size, half as the default does (in proportion to
    // the last segment), which leaves more log to replay.
    const double checkpoint_ratio = t % 2 == 0 ? 0.0 : 0.5;
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      RunChild(options, dir, fds[1], checkpoint_bytes, checkpoint_ratio);
    }
    close(fds[1]);
    // Let the child run for a random time, draining acknowledgements, then kill it mid-flight.
    const auto deadline =
        std::chrono::steady_clock::now() +
        std::chrono::microseconds(std::uniform_int_distribution<int>(2000, 120000)(rng));
    int last_acked = -1;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    while (std::chrono::steady_clock::now() < deadline) {
      int32_t v;
      ssize_t n = read(fds[0], &v, sizeof(v));
      if (n == sizeof(v))
        last_acked = v;
      else
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
    int32_t v;
    fcntl(fds[0], F_SETFL, 0);
    while (read(fds[0], &v, sizeof(v)) == sizeof(v)) last_acked = v;  // acks written before death
    close(fds[0]);

    auto db = Database::Open(options, check_dir());
    ASSERT_TRUE(db.ok()) << "trial " << t << ": " << db.status().ToString();
    torn_repairs += (*db)->RecoveryLog().empty() ? 0 : 1;
    auto index = (*db)->GetIndex("crash");
    ASSERT_TRUE(index.ok());
    Model got = ReadBack(index->get());
    // Mutations are issued one at a time, so at most one beyond the last acknowledged one may have
    // reached the log.
    const int acked = last_acked + 1;
    bool matched = SameModel(got, ModelAfter(acked)) || SameModel(got, ModelAfter(acked + 1));
    ASSERT_TRUE(matched) << "trial " << t << ": state after recovery is not the state after "
                         << acked << " or " << acked + 1 << " mutations (" << got.size()
                         << " records)";
    const std::string disagreement = KeywordIndexDisagrees(index->get(), got);
    ASSERT_EQ(disagreement, "") << "trial " << t << ": the keyword index after recovery";
    total_acked += acked;
  }
  std::printf("%d trials, %d acknowledged mutations checked, %d torn tails repaired\n", trials,
              total_acked, torn_repairs);
}

}  // namespace semble::crash

#endif  // SEMBLE_TESTS_CRASH_CRASH_TRIALS_H_
