// Copyright 2026 The semble Authors.
//
// The semantic cache's lookup speed at 100,000 entries (issue 14), through the public API and over
// HTTP (`semble serve`, the cache's lookup route), with the default model and no embedding cache:
// every lookup embeds a prompt never seen before. No peer: the goal is stated against the encoder,
// which is the limit (a lookup = one embedding + one filtered graph search).
//
//   cache_bench SEMBLE_BINARY MODELS_DIR WORK_DIR [--entries 100000] [--lookups 1000] [--index-type T]
//
// Prompts are made from templates ("How do I <verb> the <adjective> <noun> in <city>?"), all
// distinct; lookups ask a stored prompt in other words ("What is the way to <verb> ... <city>?").
// Besides speed it reports how many lookups hit, and how many hit the entry they paraphrase: with
// 100,000 prompts one word apart, a hit on a neighbour is a false hit.
// WORK_DIR/data is filled once (Store calls on 2 threads) and reused by later runs.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "bench_http_client.h"
#include "semble/database.h"
#include "semble/model_registry.h"
#include "semble/semantic_cache.h"

namespace {

using Clock = std::chrono::steady_clock;

const char* kVerbs[] = {"clean", "repair", "paint", "install", "replace", "measure", "insure",
                        "inspect", "sell", "rent", "move", "store", "recycle", "heat", "cool",
                        "protect", "register", "upgrade", "ship", "photograph"};
const char* kAdjectives[] = {"old", "new", "wooden", "metal", "electric", "broken", "small",
                             "large", "antique", "outdoor", "indoor", "used", "rented", "shared",
                             "portable", "heavy", "fragile", "leased", "damaged", "expensive"};
const char* kNouns[] = {"bicycle", "piano", "roof", "boiler", "fence", "window", "laptop",
                        "kitchen", "car", "boat", "sofa", "garden", "garage", "chimney", "fridge",
                        "printer", "camera", "aquarium", "trailer", "greenhouse", "bathtub",
                        "staircase", "balcony", "carpet", "telescope"};
const char* kCities[] = {"Paris", "Berlin", "Madrid", "Rome", "Vienna", "Prague", "Lisbon",
                         "Dublin", "Oslo", "Warsaw", "Athens", "Helsinki", "Zurich", "Brussels",
                         "Amsterdam", "Copenhagen", "Stockholm", "Budapest", "Seoul", "Tokyo"};

struct Combo {
  int v, a, n, c;
};

Combo ComboOf(size_t i) {
  const size_t nv = std::size(kVerbs), na = std::size(kAdjectives), nn = std::size(kNouns);
  return Combo{static_cast<int>(i % nv), static_cast<int>(i / nv % na),
               static_cast<int>(i / nv / na % nn), static_cast<int>(i / nv / na / nn)};
}

std::string Stored(size_t i) {
  Combo c = ComboOf(i);
  return std::string("How do I ") + kVerbs[c.v] + " the " + kAdjectives[c.a] + " " + kNouns[c.n] +
         " in " + kCities[c.c] + "?";
}
std::string Paraphrase(size_t i) {
  Combo c = ComboOf(i);
  return std::string("What is the way to ") + kVerbs[c.v] + " the " + kAdjectives[c.a] + " " +
         kNouns[c.n] + " in " + kCities[c.c] + "?";
}

void Fail(const std::string& what) {
  std::fprintf(stderr, "cache_bench: %s\n", what.c_str());
  std::exit(1);
}

struct Run {
  double seconds = 0;
  std::vector<double> latencies_ms;
  size_t hits = 0, right = 0;
  double cpu_seconds = 0;  // CPU time of the process that serves the lookups, over the run
};

// CPU seconds (user + system) used so far by `pid`, from /proc: the server's own cost per lookup,
// apart from the load generator that shares its cores here.
double CpuSeconds(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return 0;
  char buf[1024] = {};
  const size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  // Fields after the command name, which is in parentheses and may hold spaces.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr || n == 0) return 0;
  unsigned long utime = 0, stime = 0;
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                  &stime) != 2) {
    return 0;
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

void Report(const char* where, int threads, Run& r) {
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
  const size_t n = r.latencies_ms.size();
  std::printf("| %s | %d | %zu | %.0f | %.2f | %.2f | %.2f | %.1f%% | %.1f%% |\n", where, threads,
              n, n / r.seconds, r.latencies_ms[n / 2], r.latencies_ms[n * 99 / 100],
              1000 * r.cpu_seconds / n, 100.0 * r.hits / n, 100.0 * r.right / n);
  std::fflush(stdout);
}

// Lookups of `ids` (paraphrases), split over `threads`; ask(id, &key, &hit) does one.
template <typename Ask>
Run Measure(const std::vector<size_t>& ids, int threads, pid_t server, Ask ask) {
  Run run;
  const double cpu_before = CpuSeconds(server);
  run.latencies_ms.resize(ids.size());
  std::atomic<size_t> next{0}, hits{0}, right{0};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < ids.size();) {
        const auto t0 = Clock::now();
        bool hit = false;
        std::string key;
        ask(ids[i], &hit, &key);
        run.latencies_ms[i] =
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (hit) {
          ++hits;
          if (key == std::to_string(ids[i])) ++right;
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run.cpu_seconds = CpuSeconds(server) - cpu_before;
  run.hits = hits;
  run.right = right;
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s SEMBLE_BINARY MODELS_DIR WORK_DIR [--entries N] [--lookups N] [--index-type T]\n",
                 argv[0]);
    return 2;
  }
  const std::string binary = argv[1], models_dir = argv[2], work = argv[3];
  size_t entries = 100000, lookups = 1000;
  std::string index_type;  // the cache index's type when WORK_DIR is new ("": the default)
  for (int i = 4; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--entries") entries = std::stoul(argv[i + 1]);
    if (flag == "--lookups") lookups = std::stoul(argv[i + 1]);
    if (flag == "--index-type") index_type = argv[i + 1];
  }
  const size_t combos = std::size(kVerbs) * std::size(kAdjectives) * std::size(kNouns) *
                        std::size(kCities);
  if (entries > combos) Fail("at most " + std::to_string(combos) + " entries");
  const std::string data = work + "/data";
  std::filesystem::create_directories(data);

  // Entries are keyed by their template number, so that a hit names the entry it found: the
  // stored response is that number.
  // Every measured pass (and warm-up) asks prompts no pass asked before: the server keeps an
  // embedding cache, and a repeated prompt would be answered from it.
  std::vector<size_t> shuffled(entries);
  for (size_t i = 0; i < entries; ++i) shuffled[i] = i;
  std::mt19937_64 rng(42);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  size_t taken = 0;
  auto fresh = [&](size_t n) {
    if (taken + n > shuffled.size()) Fail("not enough entries for distinct lookups");
    std::vector<size_t> out(shuffled.begin() + taken, shuffled.begin() + taken + n);
    taken += n;
    return out;
  };

  std::printf(
      "| where | threads | lookups | lookups/s | p50 ms | p99 ms | serving CPU ms/lookup | hits | "
      "right entry |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  {
    semble::ModelRegistryOptions mo;
    mo.models_dir = models_dir;  // no embedding cache: every lookup embeds
    semble::ModelRegistry models(mo);
    semble::DatabaseOptions options;
    options.models = &models;
    if (!index_type.empty()) options.default_index_type = index_type;
    auto db = semble::Database::Open(options, data);
    if (!db.ok()) Fail(db.status().ToString());
    auto cache = semble::SemanticCache::Open(db->get(), "bench");
    if (!cache.ok()) {
      cache = semble::SemanticCache::Create(db->get(), &models, "bench", {});
      if (!cache.ok()) Fail(cache.status().ToString());
    }
    const size_t have = (*cache)->Stats()->entries;
    if (have < entries) {
      std::fprintf(stderr, "filling %zu entries (have %zu)...\n", entries, have);
      const auto t0 = Clock::now();
      std::atomic<size_t> next{have};
      std::vector<std::thread> fill;
      for (int t = 0; t < 2; ++t) {
        fill.emplace_back([&] {
          for (size_t i; (i = next.fetch_add(1)) < entries;) {
            semble::CacheStoreRequest store;
            store.prompt = Stored(i);
            store.response = std::to_string(i);
            auto key = (*cache)->Store(store);
            if (!key.ok()) Fail(key.status().ToString());
          }
        });
      }
      for (auto& t : fill) t.join();
      std::fprintf(stderr, "filled in %.1f s\n",
                   std::chrono::duration<double>(Clock::now() - t0).count());
    }
    // Wait for the graph to take every entry, then a warm-up.
    for (auto index = (*db)->GetIndex("bench"); index.ok();) {
      if ((*index)->Info()->unindexed_vectors == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    auto ask = [&](size_t id, bool* hit, std::string* key) {
      semble::CacheLookupRequest lookup;
      lookup.prompt = Paraphrase(id);
      auto r = (*cache)->Lookup(lookup);
      if (!r.ok()) Fail(r.status().ToString());
      *hit = r->hit;
      *key = r->response;
    };
    (void)Measure(fresh(50), 1, getpid(), ask);
    for (int threads : {1, 2}) {
      Run r = Measure(fresh(lookups), threads, getpid(), ask);
      Report("in process", threads, r);
    }
  }

  // Over HTTP: the server on the same data, the lookup route.
  const int port = 20000 + static_cast<int>(getpid() % 20000);
  const pid_t child = fork();
  if (child == 0) {
    execl(binary.c_str(), binary.c_str(), "serve", "--data", data.c_str(), "--models",
          models_dir.c_str(), "--port", std::to_string(port).c_str(), "--access-log", "off",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  httplib::Client probe("127.0.0.1", port);
  for (int i = 0; i < 600 && !probe.Get("/healthz"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string route = "/client/v4/accounts/bench/vectorize/v2/caches/bench/lookup";
  auto ask = [&](size_t id, bool* hit, std::string* key) {
    // Each request in one write, as curl and node send a small POST (bench_http_client.h).
    thread_local semble::bench::HttpClient client("127.0.0.1", port, /*httplib=*/false);
    const std::string body = "{\"prompt\":\"" + Paraphrase(id) + "\"}";
    auto res = client.Post(route, body, "application/json");
    if (!res || res->status != 200) Fail("lookup over HTTP failed");
    *hit = res->body.find("\"hit\":true") != std::string::npos;
    const size_t at = res->body.find("\"response\":\"");
    if (at != std::string::npos) {
      const size_t from = at + 12;
      *key = res->body.substr(from, res->body.find('"', from) - from);
    }
  };
  (void)Measure(fresh(50), 1, child, ask);
  for (int threads : {1, 2, 4}) {
    Run r = Measure(fresh(lookups), threads, child, ask);
    Report("HTTP", threads, r);
  }
  kill(child, SIGTERM);
  int status = 0;
  waitpid(child, &status, 0);
  return 0;
}
