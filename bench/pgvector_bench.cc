// Copyright 2026 The semble Authors.
//
// semble next to PostgreSQL + pgvector on GloVe-100 (issue 16, "side by side with pgvector"),
// both over their network protocols, both servers already running (bench/run_pgvector.sh starts
// them and says how pgvector was built):
//   pgvector_bench --semble HOST:PORT --pg "host=127.0.0.1 port=5499 user=postgres dbname=bench"
//                  [--glove FILE] [--count N] [--indexed-count K] [--batch 1000]
//                  [--ingest-streams 1] [--ingest-rounds 1] [--queries 2000] [--ef 10,16,...]
//                  [--conns 1,16]
//                  [--query-rounds 2] [--warmup 300] [--phases ingest,query] [--work DIR]
//                  [--semble-client beast|httplib]
//
// Data: the `glove` set of bench/ann_data.h (331k base vectors in word-frequency order, 10k
// held-out words as queries, cosine); --queries takes an evenly strided subset of the queries
// (the first ones alone would be the most frequent words), with exact top-10 truth cached in
// --work.
//
// Ingest, per round, the systems alternating, the same batches of --batch rows posted one after
// another on --ingest-streams connections, "acknowledged" = committed and durable:
//   pgvector, indexed table: CREATE TABLE + CREATE INDEX ... USING hnsw (m 16, ef_construction
//     200) first, then one COPY ... (FORMAT binary) per batch (each its own transaction, as the
//     fastest load path pgvector's users have); vectors/s until the last COPY returns. Measured
//     on the first --indexed-count vectors (default all), semble on the same prefix.
//   pgvector, build after load (all --count vectors): the same COPYs into a table without the
//     index, then CREATE INDEX (timed on its own), the bulk-load recipe pgvector's documentation
//     gives.
//   semble, in both: a Vectorize v2 index {dimensions 100, metric cosine, indexType hnsw} (M 16,
//     efC 200, the defaults), one binary-records insert per batch; vectors/s until the last
//     acknowledgement, then the time until `info.unindexedVectors` is 0 (the background builder
//     has linked every vector into the graph; until then the rest is answered by an exact scan of
//     the buffer).
// The tables the last round leaves (pgvector's built after load) are the ones queried, after
// pg_prewarm has read the table and its index into shared_buffers.
//
// Queries, per round, per sweep point, the systems alternating: --conns client threads, each with
// its own connection (libpq; keep-alive HTTP/1.1 with TCP_NODELAY, each request in one write:
// bench_http_client.h), a warm-up of --warmup queries, then every query once; QPS = queries /
// wall time, recall@10 against the exact truth.
//   pgvector: SET hnsw.ef_search = ef; a prepared SELECT id FROM items ORDER BY embedding <=> $1
//     LIMIT 10, the vector as a binary parameter, the id as a binary result.
//   semble: POST .../query {"vector": [...], "topK": 10, "ef": ef}.
// Then the QPS each reaches at recall 0.90 / 0.95 / 0.99, interpolated linearly between the two
// sweep points around the target (and the ef of the first point at or above it).
//
// It reports; it asserts nothing about speed. Dies if a system answers wrongly (an error, a wrong
// row count).

#include <arpa/inet.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ann_data.h"
#include "bench_http_client.h"
#include "bench_util.h"

namespace {

using semble::bench::LoadAvg;
using semble::bench::SplitCommas;

using Clock = std::chrono::steady_clock;
using semble::bench::AnnDataset;
using semble::bench::DieIf;

constexpr uint32_t kDims = 100;
constexpr size_t kTopK = 10;
const char kIndexPath[] = "/client/v4/accounts/bench/vectorize/v2/indexes";
const char kIndexName[] = "glove";

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<uint32_t> SplitUints(const std::string& s) {
  std::vector<uint32_t> out;
  for (const std::string& x : SplitCommas(s)) out.push_back(static_cast<uint32_t>(std::stoul(x)));
  return out;
}

// The median; of an even count, the mean of the middle two (of two runs, not the better one).
double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

std::string Runs(const std::vector<double>& v, const char* fmt = "%.0f") {
  std::string s;
  char buf[32];
  for (double x : v) {
    std::snprintf(buf, sizeof buf, fmt, x);
    s += (s.empty() ? "" : " / ") + std::string(buf);
  }
  return s;
}

// Appends `v` in network byte order (COPY BINARY and pgvector's binary format are big-endian).
void PutBe16(std::string* out, uint16_t v) {
  v = htons(v);
  out->append(reinterpret_cast<const char*>(&v), 2);
}
void PutBe32(std::string* out, uint32_t v) {
  v = htonl(v);
  out->append(reinterpret_cast<const char*>(&v), 4);
}
void PutBe64(std::string* out, uint64_t v) {
  PutBe32(out, static_cast<uint32_t>(v >> 32));
  PutBe32(out, static_cast<uint32_t>(v));
}
void PutLe32(std::string* out, uint32_t v) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
               static_cast<char>(v >> 24)};
  out->append(b, 4);
}

// pgvector's binary `vector`: int16 dimensions, int16 unused, then the float4s.
void PutPgVector(std::string* out, const float* v) {
  PutBe16(out, kDims);
  PutBe16(out, 0);
  for (uint32_t i = 0; i < kDims; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &v[i], 4);
    PutBe32(out, bits);
  }
}

// One COPY ... (FORMAT binary) stream: signature, flags, header extension, the tuples (id int8,
// embedding vector), the trailer.
std::string CopyBinary(const AnnDataset& d, size_t begin, size_t end) {
  std::string out("PGCOPY\n\377\r\n\0", 11);
  PutBe32(&out, 0);
  PutBe32(&out, 0);
  for (size_t i = begin; i < end; ++i) {
    PutBe16(&out, 2);
    PutBe32(&out, 8);
    PutBe64(&out, i);
    PutBe32(&out, 4 + 4 * kDims);
    PutPgVector(&out, &d.base[i * kDims]);
  }
  PutBe16(&out, 0xffff);
  return out;
}

// semble's binary records body (docs/API.md, "Binary records"), written from the documented
// layout as a client would; ids are the row numbers in decimal.
std::string RecordsBinary(const AnnDataset& d, size_t begin, size_t end) {
  std::string out("SMBR", 4);
  for (uint32_t v : {1u, kDims, static_cast<uint32_t>(end - begin), 0u, 0u}) PutLe32(&out, v);
  out.append(reinterpret_cast<const char*>(&d.base[begin * kDims]), (end - begin) * kDims * 4);
  for (size_t i = begin; i < end; ++i) {
    const std::string id = std::to_string(i);
    PutLe32(&out, static_cast<uint32_t>(id.size()));
    out += id;
  }
  return out;
}

// The query body without its closing `ef`, so that the sweep only appends a number.
std::string QueryJsonPrefix(const float* v) {
  std::string out = "{\"topK\":10,\"vector\":[";
  char num[32];
  for (uint32_t i = 0; i < kDims; ++i) {
    if (i) out += ',';
    auto res = std::to_chars(num, num + sizeof num, v[i]);
    out.append(num, res.ptr);
  }
  out += "],\"ef\":";
  return out;
}

// --- PostgreSQL -----------------------------------------------------------------------------

class Pg {
 public:
  explicit Pg(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    DieIf(PQstatus(conn_) != CONNECTION_OK, std::string("postgres: ") + PQerrorMessage(conn_));
  }
  ~Pg() { PQfinish(conn_); }
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;

  PGconn* get() const { return conn_; }

  // Runs `sql`; dies unless it succeeds. Returns the first value of the first row, if any.
  std::string Exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    DieIf(st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK,
          "postgres: " + sql + ": " + PQresultErrorMessage(r));
    std::string out = (st == PGRES_TUPLES_OK && PQntuples(r) > 0) ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return out;
  }

  // One COPY FROM STDIN of a binary stream: one statement, one transaction, committed (and, with
  // synchronous_commit on, flushed to the WAL) when PQgetResult answers.
  void Copy(const std::string& table_columns, const std::string& data) {
    PGresult* r = PQexec(conn_, ("COPY " + table_columns + " FROM STDIN (FORMAT binary)").c_str());
    DieIf(PQresultStatus(r) != PGRES_COPY_IN,
          std::string("postgres: COPY: ") + PQresultErrorMessage(r));
    PQclear(r);
    DieIf(PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1 ||
              PQputCopyEnd(conn_, nullptr) != 1,
          std::string("postgres: COPY data: ") + PQerrorMessage(conn_));
    while ((r = PQgetResult(conn_)) != nullptr) {
      DieIf(PQresultStatus(r) != PGRES_COMMAND_OK,
            std::string("postgres: COPY: ") + PQresultErrorMessage(r));
      PQclear(r);
    }
  }

 private:
  PGconn* conn_;
};

// --- semble over HTTP -----------------------------------------------------------------------

using semble::bench::HttpClient;

// --semble-client: "beast" (each request in one write; bench_http_client.h) or "httplib"
// (cpp-httplib's client: headers and body in two sends), to measure what the client costs.
bool g_httplib_client = false;

std::unique_ptr<HttpClient> SembleClient(const std::string& host, int port) {
  return std::make_unique<HttpClient>(host, port, g_httplib_client);
}

// The decimal value after `"key":` in `body`, or -1.
long JsonNumber(const std::string& body, const std::string& key) {
  const size_t at = body.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::strtol(body.c_str() + at + key.size() + 3, nullptr, 10);
}

struct Config {
  std::string semble_host = "127.0.0.1";
  int semble_port = 8080;
  std::string pg = "host=127.0.0.1 port=5499 user=postgres dbname=bench";
  std::string work = "bench/data/pgvector-bench";
  size_t count = 0;  // 0 = the whole base
  size_t batch = 1000;
  size_t indexed_count = 0;  // 0 = all of them
  std::vector<uint32_t> ingest_streams = {1};
  int ingest_rounds = 1;
  size_t queries = 2000;
  std::vector<uint32_t> efs = {10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512};
  std::vector<uint32_t> conns = {1, 16};
  int query_rounds = 2;
  size_t warmup = 300;
  std::set<std::string> phases = {"ingest", "query"};
};

// --- ingest ---------------------------------------------------------------------------------

// Posts batches [0, n) on `streams` threads, each taking the next batch when its last is
// acknowledged. Returns the wall seconds from the first request to the last acknowledgement.
template <typename Send>
double Drive(size_t batches, uint32_t streams, const Send& send) {
  std::atomic<size_t> next{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (uint32_t s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      auto ctx = send.Open(s);
      for (size_t i; (i = next.fetch_add(1)) < batches;) send.Post(ctx.get(), i);
    });
  }
  for (auto& t : threads) t.join();
  return Seconds(t0);
}

struct PgSender {
  const Config& cfg;
  const std::vector<std::string>& bodies;
  std::unique_ptr<Pg> Open(uint32_t) const { return std::make_unique<Pg>(cfg.pg); }
  void Post(Pg* pg, size_t i) const { pg->Copy("items (id, embedding)", bodies[i]); }
};

struct SembleSender {
  const Config& cfg;
  const std::vector<std::string>& bodies;
  std::unique_ptr<HttpClient> Open(uint32_t) const {
    return SembleClient(cfg.semble_host, cfg.semble_port);
  }
  void Post(HttpClient* c, size_t i) const {
    auto res = c->Post(std::string(kIndexPath) + "/" + kIndexName + "/insert", bodies[i],
                       "application/vnd.semble.records");
    DieIf(!res || res->status != 200 || res->body.find("mutationId") == std::string::npos,
          "semble insert: " + (res ? res->body.substr(0, 300) : std::string("no answer")));
  }
};

void PgCreateTable(Pg* pg, bool indexed) {
  pg->Exec("DROP TABLE IF EXISTS items");
  pg->Exec("CREATE TABLE items (id bigint PRIMARY KEY, embedding vector(100))");
  if (indexed) {
    pg->Exec(
        "CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_cosine_ops) "
        "WITH (m = 16, ef_construction = 200)");
  }
}

void PgCheckCount(Pg* pg, size_t n) {
  const std::string got = pg->Exec("SELECT count(*) FROM items");
  DieIf(got != std::to_string(n), "pgvector holds " + got + " rows, not " + std::to_string(n));
}

void SembleCreateIndex(const Config& cfg) {
  auto c = SembleClient(cfg.semble_host, cfg.semble_port);
  c->Delete(std::string(kIndexPath) + "/" + kIndexName);  // absent is fine
  auto res = c->Post(kIndexPath,
                     std::string("{\"name\":\"") + kIndexName +
                         "\",\"config\":{\"dimensions\":100,\"metric\":\"cosine\","
                         "\"indexType\":\"hnsw\"}}",
                     "application/json");
  DieIf(!res || res->status / 100 != 2,
        "semble create: " + (res ? res->body : std::string("no answer")));
}

// Polls info until every vector is linked into the graph; returns the info body then.
std::string SembleWaitLinked(const Config& cfg, size_t n) {
  auto c = SembleClient(cfg.semble_host, cfg.semble_port);
  for (;;) {
    auto res = c->Get(std::string(kIndexPath) + "/" + kIndexName + "/info");
    DieIf(!res || res->status != 200, "semble info: " + (res ? res->body : "no answer"));
    const long count = JsonNumber(res->body, "vectorCount");
    DieIf(count != static_cast<long>(n), "semble holds " + std::to_string(count) +
                                             " vectors, not " + std::to_string(n) + ": " +
                                             res->body);
    if (JsonNumber(res->body, "unindexedVectors") == 0) return res->body;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Runs semble's ingest of the first `n` batches into a fresh index; returns {acknowledged s,
// linked s}, both from the first request.
std::pair<double, double> SembleIngest(const Config& cfg, const std::vector<std::string>& records,
                                       size_t batches, size_t n, uint32_t streams) {
  SembleCreateIndex(cfg);
  const auto t0 = Clock::now();
  const double ack = Drive(batches, streams, SembleSender{cfg, records});
  SembleWaitLinked(cfg, n);
  return {ack, Seconds(t0)};
}

void RunIngest(const Config& cfg, const AnnDataset& d, size_t n) {
  std::vector<std::string> copies, records;
  for (size_t b = 0; b < n; b += cfg.batch) {
    const size_t e = std::min(n, b + cfg.batch);
    copies.push_back(CopyBinary(d, b, e));
    records.push_back(RecordsBinary(d, b, e));
  }
  // Ingest into an indexed table may be measured on a prefix: pgvector inserts one row at a time
  // into its graph, and the whole base would not fit the time a run has here.
  const size_t k = std::min(n, cfg.indexed_count == 0 ? n : cfg.indexed_count);
  const size_t k_batches = (k + cfg.batch - 1) / cfg.batch;
  const double dn = static_cast<double>(n), dk = static_cast<double>(k);
  std::printf("## Ingest: batches of %zu (load %s)\n\n", cfg.batch, LoadAvg().c_str());
  Pg admin(cfg.pg);
  std::string indexed_rows, bulk_rows;
  for (uint32_t streams : cfg.ingest_streams) {
    for (int round = 0; round < cfg.ingest_rounds; ++round) {
      // semble first in odd rounds, so that neither always runs on the other's leftovers.
      const bool semble_first = round % 2 == 1;
      char row[512];
      // 1. Into an indexed table / an hnsw index, the first k vectors.
      {
        const std::string load0 = LoadAvg();
        double pg = 0;
        std::pair<double, double> s;
        auto run_pg = [&] {
          PgCreateTable(&admin, /*indexed=*/true);
          admin.Exec("CHECKPOINT");
          pg = Drive(k_batches, streams, PgSender{cfg, copies});
          PgCheckCount(&admin, k);
        };
        auto run_semble = [&] { s = SembleIngest(cfg, records, k_batches, k, streams); };
        if (semble_first) run_semble();
        run_pg();
        if (!semble_first) run_semble();
        std::snprintf(
            row, sizeof row,
            "| %u | %d | %.0f | %.0f | %.1f | %.0f | **%.2f×** / **%.2f×** | %s -> %s |\n", streams,
            round + 1, dk / pg, dk / s.first, s.second, dk / s.second, pg / s.first, pg / s.second,
            load0.c_str(), LoadAvg().c_str());
        indexed_rows += row;
        std::fprintf(stderr, "indexed ingest: %s", row);
      }
      // 2. The whole base: pgvector's bulk recipe (COPY, then CREATE INDEX) next to semble's
      // ingest of the same batches into an hnsw index.
      {
        const std::string load0 = LoadAvg();
        double pg_copy = 0, pg_build = 0;
        std::pair<double, double> s;
        auto run_pg = [&] {
          PgCreateTable(&admin, /*indexed=*/false);
          admin.Exec("CHECKPOINT");
          pg_copy = Drive(copies.size(), streams, PgSender{cfg, copies});
          PgCheckCount(&admin, n);
          const auto t0 = Clock::now();
          admin.Exec(
              "CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_cosine_ops) "
              "WITH (m = 16, ef_construction = 200)");
          pg_build = Seconds(t0);
          admin.Exec("VACUUM ANALYZE items");
        };
        auto run_semble = [&] { s = SembleIngest(cfg, records, records.size(), n, streams); };
        if (semble_first) run_semble();
        run_pg();
        if (!semble_first) run_semble();
        std::snprintf(row, sizeof row,
                      "| %u | %d | %.0f | %.1f | %.0f | %.0f | %.1f | %.0f | **%.2f×** | %s -> %s "
                      "|\n",
                      streams, round + 1, dn / pg_copy, pg_build, dn / (pg_copy + pg_build),
                      dn / s.first, s.second, dn / s.second, (pg_copy + pg_build) / s.second,
                      load0.c_str(), LoadAvg().c_str());
        bulk_rows += row;
        std::fprintf(stderr, "bulk load: %s", row);
      }
    }
  }
  std::printf(
      "### Into an indexed table: the first %zu vectors\n\n"
      "| streams | round | pgvector acked vec/s | semble acked vec/s | semble until linked s | "
      "semble linked vec/s | semble / pgvector, acked / linked | load before -> after |\n"
      "|---|---|---|---|---|---|---|---|\n%s\n",
      k, indexed_rows.c_str());
  std::printf(
      "### Bulk load: all %zu vectors\n\n"
      "| streams | round | pgvector COPY (no index) vec/s | then CREATE INDEX s | pgvector COPY + "
      "CREATE INDEX vec/s | semble acked vec/s (into hnsw) | semble until linked s | semble "
      "linked vec/s | semble linked / pgvector COPY + CREATE INDEX | load before -> after |\n"
      "|---|---|---|---|---|---|---|---|---|---|\n%s\n",
      n, bulk_rows.c_str());
  std::fflush(stdout);
}

// --- queries --------------------------------------------------------------------------------

struct Point {
  double qps = 0, recall = 0;
};

struct PgQueryConn {
  std::unique_ptr<Pg> pg;
  uint32_t ef = 0;
};

class QueryRunner {
 public:
  QueryRunner(const Config& cfg, const AnnDataset& d) : cfg_(cfg), d_(d) {
    for (size_t q = 0; q < d.nq; ++q) {
      std::string p;
      PutPgVector(&p, &d.queries[q * kDims]);
      pg_params_.push_back(std::move(p));
      json_prefix_.push_back(QueryJsonPrefix(&d.queries[q * kDims]));
    }
    const uint32_t most = *std::max_element(cfg.conns.begin(), cfg.conns.end());
    Pg probe(cfg.pg);
    vector_oid_ = static_cast<Oid>(std::stoul(probe.Exec("SELECT 'vector'::regtype::oid")));
    for (uint32_t i = 0; i < most; ++i) {
      pg_.push_back(PgQueryConn{std::make_unique<Pg>(cfg.pg)});
      PGresult* r =
          PQprepare(pg_.back().pg->get(), "knn",
                    "SELECT id FROM items ORDER BY embedding <=> $1 LIMIT 10", 1, &vector_oid_);
      DieIf(PQresultStatus(r) != PGRES_COMMAND_OK,
            std::string("postgres: prepare: ") + PQresultErrorMessage(r));
      PQclear(r);
      semble_.push_back(SembleClient(cfg.semble_host, cfg.semble_port));
    }
  }

  // One sweep point: warm-up, then every query once on `conns` connections.
  Point Run(bool pgvector, uint32_t conns, uint32_t ef) {
    std::vector<std::vector<uint32_t>> got(d_.nq);
    if (pgvector) {
      for (uint32_t c = 0; c < conns; ++c) {
        if (pg_[c].ef != ef) {
          pg_[c].pg->Exec("SET hnsw.ef_search = " + std::to_string(ef));
          pg_[c].ef = ef;
        }
      }
    }
    auto one = [&](uint32_t c, size_t q, std::vector<uint32_t>* out) {
      if (pgvector) {
        PgQuery(pg_[c].pg->get(), q, out);
      } else {
        SembleQuery(semble_[c].get(), q, ef, out);
      }
    };
    auto drive = [&](size_t total, bool keep) {
      std::atomic<size_t> next{0};
      std::vector<std::thread> threads;
      for (uint32_t c = 0; c < conns; ++c) {
        threads.emplace_back([&, c] {
          std::vector<uint32_t> ids;
          for (size_t i; (i = next.fetch_add(1)) < total;) {
            const size_t q = i % d_.nq;
            one(c, q, &ids);
            if (keep) got[q] = ids;
          }
        });
      }
      for (auto& t : threads) t.join();
    };
    drive(cfg_.warmup, false);
    const auto t0 = Clock::now();
    drive(d_.nq, true);
    const double seconds = Seconds(t0);
    size_t hits = 0;
    for (size_t q = 0; q < d_.nq; ++q) {
      const std::set<uint32_t> truth(d_.truth[q].begin(), d_.truth[q].end());
      for (uint32_t id : got[q]) hits += truth.count(id);
    }
    return Point{static_cast<double>(d_.nq) / seconds,
                 static_cast<double>(hits) / static_cast<double>(d_.nq * kTopK)};
  }

 private:
  void PgQuery(PGconn* conn, size_t q, std::vector<uint32_t>* out) {
    const char* values[1] = {pg_params_[q].data()};
    const int lengths[1] = {static_cast<int>(pg_params_[q].size())};
    const int formats[1] = {1};
    PGresult* r = PQexecPrepared(conn, "knn", 1, values, lengths, formats, /*resultFormat=*/1);
    DieIf(PQresultStatus(r) != PGRES_TUPLES_OK,
          std::string("postgres: query: ") + PQresultErrorMessage(r));
    out->clear();
    for (int i = 0; i < PQntuples(r); ++i) {
      uint32_t hi, lo;
      std::memcpy(&hi, PQgetvalue(r, i, 0), 4);
      std::memcpy(&lo, PQgetvalue(r, i, 0) + 4, 4);
      out->push_back(ntohl(lo));
      (void)hi;
    }
    PQclear(r);
  }

  void SembleQuery(HttpClient* c, size_t q, uint32_t ef, std::vector<uint32_t>* out) {
    auto res = c->Post(std::string(kIndexPath) + "/" + kIndexName + "/query",
                       json_prefix_[q] + std::to_string(ef) + "}", "application/json");
    DieIf(!res || res->status != 200,
          "semble query: " + (res ? res->body.substr(0, 300) : std::string("no answer")));
    out->clear();
    const std::string& b = res->body;
    for (size_t at = 0; (at = b.find("\"id\":\"", at)) != std::string::npos; at += 6) {
      out->push_back(static_cast<uint32_t>(std::strtoul(b.c_str() + at + 6, nullptr, 10)));
    }
  }

  const Config& cfg_;
  const AnnDataset& d_;
  Oid vector_oid_ = 0;
  std::vector<std::string> pg_params_, json_prefix_;
  std::vector<PgQueryConn> pg_;
  std::vector<std::unique_ptr<HttpClient>> semble_;
};

// QPS at `target` recall on a sweep ordered by ef: linear between the points around it; 0 when
// the sweep never reaches it. `ef_at` gets the ef of the first point at or above it.
double QpsAt(const std::vector<uint32_t>& efs, const std::vector<Point>& sweep, double target,
             uint32_t* ef_at) {
  *ef_at = 0;
  for (size_t i = 0; i < sweep.size(); ++i) {
    if (sweep[i].recall < target) continue;
    *ef_at = efs[i];
    if (i == 0 || sweep[i - 1].recall >= sweep[i].recall) return sweep[i].qps;
    const Point& a = sweep[i - 1];
    const Point& b = sweep[i];
    const double t = (target - a.recall) / (b.recall - a.recall);
    return a.qps + t * (b.qps - a.qps);
  }
  return 0;
}

void RunQueries(const Config& cfg, const AnnDataset& d) {
  {
    // The table and its index into shared_buffers before any timing (semble's index is in
    // memory once built); pg_prewarm is in Debian's postgresql-15 package.
    Pg admin(cfg.pg);
    admin.Exec("CREATE EXTENSION IF NOT EXISTS pg_prewarm");
    const std::string pages =
        admin.Exec("SELECT pg_prewarm('items') + pg_prewarm('items_embedding_idx')");
    std::fprintf(stderr, "pg_prewarm: %s pages\n", pages.c_str());
  }
  QueryRunner runner(cfg, d);
  std::printf("## Queries: %zu queries per sweep point, recall@10, %d round(s) (load %s)\n\n", d.nq,
              cfg.query_rounds, LoadAvg().c_str());
  for (uint32_t conns : cfg.conns) {
    // [system][ef index] -> per-round points.
    std::vector<std::vector<std::vector<Point>>> all(
        2, std::vector<std::vector<Point>>(cfg.efs.size()));
    const std::string load0 = LoadAvg();
    for (int round = 0; round < cfg.query_rounds; ++round) {
      for (size_t e = 0; e < cfg.efs.size(); ++e) {
        // Alternate which system goes first at each point.
        for (int k = 0; k < 2; ++k) {
          const int sys = (k + static_cast<int>(e) + round) % 2;  // 0 pgvector, 1 semble
          all[sys][e].push_back(runner.Run(sys == 0, conns, cfg.efs[e]));
        }
        std::fprintf(
            stderr,
            "conns %u round %d ef %u: pgvector %.0f qps r %.4f, semble %.0f qps r %.4f (load %s)\n",
            conns, round + 1, cfg.efs[e], all[0][e].back().qps, all[0][e].back().recall,
            all[1][e].back().qps, all[1][e].back().recall, LoadAvg().c_str());
      }
    }
    const std::string load1 = LoadAvg();
    std::printf("### %u connection(s) (load %s -> %s)\n\n", conns, load0.c_str(), load1.c_str());
    std::printf(
        "| ef | pgvector R@10 | pgvector QPS (median; runs) | semble R@10 | semble QPS (median; "
        "runs) |\n|---|---|---|---|---|\n");
    std::vector<std::vector<Point>> med(2);
    for (size_t e = 0; e < cfg.efs.size(); ++e) {
      for (int sys = 0; sys < 2; ++sys) {
        std::vector<double> q, r;
        for (const Point& p : all[sys][e]) {
          q.push_back(p.qps);
          r.push_back(p.recall);
        }
        med[sys].push_back(Point{Median(q), Median(r)});
      }
      auto runs = [&](int sys) {
        std::vector<double> q;
        for (const Point& p : all[sys][e]) q.push_back(p.qps);
        return Runs(q);
      };
      std::printf("| %u | %.4f | %.0f (%s) | %.4f | %.0f (%s) |\n", cfg.efs[e], med[0][e].recall,
                  med[0][e].qps, runs(0).c_str(), med[1][e].recall, med[1][e].qps, runs(1).c_str());
    }
    std::printf(
        "\n| recall@10 target | pgvector QPS (ef of first point >=) | semble QPS (ef) | semble / "
        "pgvector |\n|---|---|---|---|\n");
    for (double target : {0.90, 0.95, 0.99}) {
      uint32_t ef_pg, ef_s;
      const double pg = QpsAt(cfg.efs, med[0], target, &ef_pg);
      const double s = QpsAt(cfg.efs, med[1], target, &ef_s);
      char ratio[32] = "-";
      if (pg > 0 && s > 0) std::snprintf(ratio, sizeof ratio, "**%.2f×**", s / pg);
      std::printf(
          "| %.2f | %s | %s | %s |\n", target,
          pg > 0
              ? (std::to_string(static_cast<long>(pg + 0.5)) + " (" + std::to_string(ef_pg) + ")")
                    .c_str()
              : "not reached",
          s > 0 ? (std::to_string(static_cast<long>(s + 0.5)) + " (" + std::to_string(ef_s) + ")")
                      .c_str()
                : "not reached",
          ratio);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  semble::bench::DataSetFlags data;
  data.name = "glove";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string f = argv[i], v = argv[i + 1];
    if (data.Take(f, v)) continue;
    if (f == "--semble") {
      const size_t colon = v.rfind(':');
      DieIf(colon == std::string::npos, "--semble HOST:PORT");
      cfg.semble_host = v.substr(0, colon);
      cfg.semble_port = std::stoi(v.substr(colon + 1));
    } else if (f == "--pg") {
      cfg.pg = v;
    } else if (f == "--work") {
      cfg.work = v;
    } else if (f == "--count") {
      cfg.count = std::stoul(v);
    } else if (f == "--indexed-count") {
      cfg.indexed_count = std::stoul(v);
    } else if (f == "--batch") {
      cfg.batch = std::stoul(v);
    } else if (f == "--ingest-streams") {
      cfg.ingest_streams = SplitUints(v);
    } else if (f == "--ingest-rounds") {
      cfg.ingest_rounds = std::stoi(v);
    } else if (f == "--queries") {
      cfg.queries = std::stoul(v);
    } else if (f == "--ef") {
      cfg.efs = SplitUints(v);
    } else if (f == "--conns") {
      cfg.conns = SplitUints(v);
    } else if (f == "--query-rounds") {
      cfg.query_rounds = std::stoi(v);
    } else if (f == "--warmup") {
      cfg.warmup = std::stoul(v);
    } else if (f == "--semble-client") {
      DieIf(v != "beast" && v != "httplib", "--semble-client beast|httplib");
      g_httplib_client = v == "httplib";
    } else if (f == "--phases") {
      const auto p = SplitCommas(v);
      cfg.phases = std::set<std::string>(p.begin(), p.end());
    } else {
      DieIf(true, "unknown flag " + f);
    }
  }
  DieIf(data.name != "glove", "pgvector_bench runs on --dataset glove only (100 dims)");

  AnnDataset d = data.Load();
  const size_t n = cfg.count == 0 ? d.n : std::min(cfg.count, d.n);
  d.base.resize(n * kDims);
  d.n = n;
  // An evenly strided subset of the held-out words, so that rare words are queried too.
  const size_t stride = std::max<size_t>(1, d.nq / std::max<size_t>(1, cfg.queries));
  std::vector<float> qs;
  for (size_t q = 0; q < d.nq && qs.size() < cfg.queries * kDims; q += stride) {
    qs.insert(qs.end(), &d.queries[q * kDims], &d.queries[(q + 1) * kDims]);
  }
  d.queries = std::move(qs);
  d.nq = d.queries.size() / kDims;
  std::filesystem::create_directories(cfg.work);
  // The truth file is named after the data's bits: another subset or projection is new data.
  const uint64_t fingerprint = semble::bench::DataFingerprint(d);
  semble::bench::ComputeTruth(&d, cfg.work + "/glove-" + std::to_string(n) + "-" +
                                      std::to_string(d.nq) + "-" +
                                      std::to_string(fingerprint % 1000000007) + ".truth");
  std::printf("# pgvector_bench: %s, %zu base vectors (natural order), %zu queries, cosine; %s\n\n",
              d.name.c_str(), n, d.nq, LoadAvg().c_str());
  std::fflush(stdout);

  if (cfg.phases.count("ingest")) RunIngest(cfg, d, n);
  if (cfg.phases.count("query")) RunQueries(cfg, d);
  return 0;
}
