// Copyright 2026 The semble Authors.
//
// End-to-end tests of the `semble` binary: each test runs the real executable in a fresh data
// directory and checks what a user or a script sees (stdout, the one-line stderr, the exit code).
// Expected nearest neighbours and scores are computed here, independently of the engine.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_fixture.h"
#include "db/db_test_util.h"
#include "util/test_util.h"

namespace semble {
namespace {

std::string_view Str(simdjson::dom::element e) {
  std::string_view s;
  EXPECT_EQ(e.get(s), simdjson::SUCCESS);
  return s;
}
double Num(simdjson::dom::element e) {
  double d = NAN;
  EXPECT_EQ(e.get_double().get(d), simdjson::SUCCESS);
  return d;
}
uint64_t Uint(simdjson::dom::element e) {
  uint64_t u = 0;
  EXPECT_EQ(e.get(u), simdjson::SUCCESS);
  return u;
}
bool Has(simdjson::dom::element e, std::string_view key) {
  return e[key].error() == simdjson::SUCCESS;
}

// An NDJSON line; floats printed with 9 significant digits, enough to read back the same float.
std::string Line(const std::string& id, const std::vector<float>& v,
                 const std::string& extra = "") {
  std::string s = "{\"id\":\"" + id + "\",\"values\":[";
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof(buf), "%.9g", v[i]);
    s += (i ? "," : "") + std::string(buf);
  }
  return s + "]" + extra + "}\n";
}

TEST_F(CliTest, NoArgumentsShowsTheDefaultDataDirectory) {
  // `semble` alone opens (creating) the default data directory and lists what it holds.
  const std::string home = tmp_.path() + "/home";
  RunResult r = RunEnv({}, {{"HOME", home}});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("data directory: " + home + "/.local/share/semble"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("0 indexes"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(home + "/.local/share/semble/indexes"));
  Ok({"vectorize", "create", "shows", "--dimensions", "3", "--metric", "cosine"});
  Ok({"vectorize", "insert", "shows", "--file", "-"}, "{\"id\":\"a\",\"values\":[1,2,3]}\n");
  r = RunEnv({}, {{"SEMBLE_DATA_DIR", data_}});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1 index\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("shows"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 vectors"), std::string::npos) << r.out;
}

TEST_F(CliTest, HelpAndVersionWork) {
  RunResult r = RunEnv({"--help"}, {});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Usage: semble"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("vectorize"), std::string::npos);
  EXPECT_NE(r.out.find("SEMBLE_DATA_DIR"), std::string::npos) << "help documents the data dir";
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);

  r = RunEnv({"--version"}, {});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("semble ", 0), 0u) << r.out;

  r = RunEnv({"vectorize", "--help"}, {});
  EXPECT_EQ(r.code, 0);
  for (const char* verb : {"create", "list", "get", "info", "delete", "insert", "upsert", "query",
                           "get-vectors", "delete-vectors", "list-vectors", "create-metadata-index",
                           "list-metadata-index", "delete-metadata-index", "delete-by-filter",
                           "update-metadata-by-filter"}) {
    EXPECT_NE(r.out.find(std::string("\n  ") + verb + " "), std::string::npos) << verb;
  }
  EXPECT_FALSE(std::filesystem::exists(data_)) << "help must not create the data directory";
}

TEST_F(CliTest, CreateListGetInfo) {
  // A read verb on a data directory that does not exist reports no indexes and creates nothing.
  EXPECT_EQ(Ok({"vectorize", "list"}), "No indexes.\n");
  EXPECT_EQ(Json(Ok({"vectorize", "list", "--json"})).get_array().size(), 0u);
  EXPECT_FALSE(std::filesystem::exists(data_));

  std::string out = Ok({"vectorize", "create", "docs", "--dimensions", "4", "--metric", "euclidean",
                        "--description", "my docs"});
  EXPECT_NE(out.find("docs"), std::string::npos) << out;
  auto created = Json(Ok(
      {"vectorize", "create", "other", "--dimensions", "2", "--metric", "dot-product", "--json"}));
  EXPECT_EQ(Str(created["name"]), "other");
  EXPECT_EQ(Uint(created["config"]["dimensions"]), 2u);
  EXPECT_EQ(Str(created["config"]["metric"]), "dot-product");
  // ISO-8601 with milliseconds in UTC: 2024-07-19T13:11:44.064Z
  const std::string_view created_on = Str(created["created_on"]);
  ASSERT_EQ(created_on.size(), 24u) << created_on;
  EXPECT_EQ(created_on[10], 'T');
  EXPECT_EQ(created_on[19], '.');
  EXPECT_EQ(created_on.back(), 'Z');

  out = Ok({"vectorize", "list"});
  EXPECT_NE(out.find("docs"), std::string::npos) << out;
  EXPECT_NE(out.find("euclidean"), std::string::npos) << out;
  EXPECT_NE(out.find("my docs"), std::string::npos) << out;
  auto list = Json(Ok({"vectorize", "list", "--json"}));
  ASSERT_EQ(list.get_array().size(), 2u);
  EXPECT_EQ(Str(list.at(0)["name"]), "docs");  // ordered by name
  EXPECT_EQ(Str(list.at(0)["description"]), "my docs");
  EXPECT_EQ(Uint(list.at(0)["config"]["dimensions"]), 4u);
  EXPECT_EQ(Str(list.at(1)["name"]), "other");

  auto get = Json(Ok({"vectorize", "get", "docs", "--json"}));
  EXPECT_EQ(Str(get["config"]["metric"]), "euclidean");
  EXPECT_TRUE(Has(get, "modified_on"));

  auto info = Json(Ok({"vectorize", "info", "docs", "--json"}));
  EXPECT_EQ(Uint(info["dimensions"]), 4u);
  EXPECT_EQ(Uint(info["vectorCount"]), 0u);
  EXPECT_TRUE(info["processedUpToMutation"].is_null());
  EXPECT_TRUE(info["processedUpToDatetime"].is_null());
  out = Ok({"vectorize", "info", "docs"});
  EXPECT_NE(out.find("vectorCount:"), std::string::npos) << out;

  // --data is accepted after the verb too.
  RunResult r = RunEnv({"vectorize", "get", "docs", "--data", data_}, {});
  EXPECT_EQ(r.code, 0) << r.err;
}

// The engine's scores, computed in double by the shared reference (db/db_test_util.h).
double ExpectedScore(const std::string& metric, const std::vector<float>& q,
                     const std::vector<float>& v) {
  return test::ReferenceScore(*ParseMetric(metric), q, v);
}

TEST_F(CliTest, InsertInBatchesThenQueryFindsNearestForEveryMetric) {
  const size_t kDims = 8, kCount = 60;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uni(-1, 1);
  std::vector<std::vector<float>> vectors(kCount, std::vector<float>(kDims));
  std::string ndjson;
  for (size_t i = 0; i < kCount; ++i) {
    for (float& x : vectors[i]) x = uni(rng);
    ndjson += Line("v" + std::to_string(i), vectors[i]);
  }
  const std::string file = File("vectors.ndjson", ndjson);
  // Near v17, but not equal to it.
  std::vector<float> q = vectors[17];
  for (float& x : q) x += 0.01f;
  std::string qarg;
  for (float x : q) qarg += (qarg.empty() ? "" : ",") + std::to_string(x);
  // What the binary reads back from qarg.
  for (size_t i = 0; i < kDims; ++i) q[i] = std::stof(std::to_string(q[i]));

  for (std::string metric : {"cosine", "euclidean", "dot-product"}) {
    SCOPED_TRACE(metric);
    const std::string name = "idx-" + metric;
    Ok({"vectorize", "create", name, "--dimensions", std::to_string(kDims), "--metric", metric});
    std::string out = Ok({"vectorize", "insert", name, "--file", file, "--batch-size", "7"});
    EXPECT_NE(out.find("Inserted 60 vectors"), std::string::npos) << out;
    EXPECT_NE(out.find("in 9 batches"), std::string::npos) << out;
    EXPECT_EQ(Uint(Json(Ok({"vectorize", "info", name, "--json"}))["vectorCount"]), kCount);

    struct Scored {
      double score;
      std::string id;
    };
    std::vector<Scored> expected;
    std::map<std::string, double> by_id;
    for (size_t i = 0; i < kCount; ++i) {
      const std::string id = "v" + std::to_string(i);
      expected.push_back({ExpectedScore(metric, q, vectors[i]), id});
      by_id[id] = expected.back().score;
    }
    const bool higher_closer = metric == "cosine";
    std::sort(expected.begin(), expected.end(), [&](const Scored& a, const Scored& b) {
      return higher_closer ? a.score > b.score : a.score < b.score;
    });
    if (metric != "dot-product") {
      EXPECT_EQ(expected[0].id, "v17");
    }

    auto res = Json(Ok({"vectorize", "query", name, "--vector", qarg, "--top-k", "5", "--json"}));
    ASSERT_EQ(Uint(res["count"]), 5u);
    auto matches = res["matches"].get_array();
    ASSERT_EQ(matches.size(), 5u);
    size_t i = 0;
    for (simdjson::dom::element m : matches) {
      const std::string id(Str(m["id"]));
      const double score = Num(m["score"]);
      // Position i holds the i-th best score, and the score is that id's true score.
      EXPECT_NEAR(score, expected[i].score, 1e-4 * std::max(1.0, std::fabs(expected[i].score)));
      ASSERT_TRUE(by_id.count(id)) << id;
      EXPECT_NEAR(score, by_id[id], 1e-4 * std::max(1.0, std::fabs(by_id[id])));
      EXPECT_FALSE(Has(m, "values")) << "values only when asked";
      EXPECT_FALSE(Has(m, "metadata"));
      ++i;
    }
    EXPECT_EQ(Str(matches.at(0)["id"]), expected[0].id);

    // wrangler's spelling: one number per argument; and the human table starts with the best id.
    std::vector<std::string> args = {"vectorize", "query", name, "--top-k", "1", "--vector"};
    for (size_t d = 0; d < kDims; ++d) args.push_back(std::to_string(q[d]));
    out = Ok(args);
    EXPECT_NE(out.find(expected[0].id), std::string::npos) << out;
    EXPECT_EQ(out.rfind("SCORE", 0), 0u) << out;
  }
}

TEST_F(CliTest, InsertKeepsFirstUpsertReplacesAndStdinWorks) {
  Ok({"vectorize", "create", "t", "--dimensions", "2", "--metric", "cosine"});
  auto m = Json(Ok({"vectorize", "insert", "t", "--file", "-", "--json"},
                   Line("a", {1, 2}) + "\n" + Line("b", {3, 4}, ",\"namespace\":\"n1\"")));
  EXPECT_EQ(Uint(m["count"]), 2u);
  EXPECT_EQ(Str(m["mutationId"]).size(), 36u);

  Ok({"vectorize", "insert", "t", "--file", File("a2.ndjson", Line("a", {9, 9}))});
  auto got = Json(Ok({"vectorize", "get-vectors", "t", "--ids", "a", "--json"}));
  EXPECT_EQ(Num(got.at(0)["values"].at(0)), 1.0) << "insert keeps the first record of an id";

  Ok({"vectorize", "upsert", "t", "--file",
      File("a3.ndjson", Line("a", {9, 8}, ",\"metadata\":{\"k\":\"v\"}"))});
  got = Json(Ok({"vectorize", "get-vectors", "t", "--ids", "b", "zz", "a", "--json"}));
  auto arr = got.get_array();
  ASSERT_EQ(arr.size(), 2u) << "missing ids are left out";
  EXPECT_EQ(Str(arr.at(0)["id"]), "b");
  EXPECT_EQ(Str(arr.at(0)["namespace"]), "n1");
  // Every key always, as Cloudflare documents get_by_ids: metadata {} when there is none.
  EXPECT_EQ(simdjson::minify(arr.at(0)["metadata"]), "{}");
  EXPECT_EQ(Str(arr.at(1)["id"]), "a");
  EXPECT_EQ(Num(arr.at(1)["values"].at(0)), 9.0);
  EXPECT_EQ(Num(arr.at(1)["values"].at(1)), 8.0);
  EXPECT_EQ(Str(arr.at(1)["metadata"]["k"]), "v");
  EXPECT_EQ(Str(arr.at(1)["namespace"]), "");

  std::string out = Ok({"vectorize", "get-vectors", "t", "--ids", "a", "nope"});
  EXPECT_NE(out.find("[9, 8]"), std::string::npos) << out;
  EXPECT_NE(out.find("1 of 2 ids not found"), std::string::npos) << out;
}

// The reproduction from issue 10: one upsert with a large metadata number made every later command
// exit 5 ("metadata is not valid JSON").
TEST_F(CliTest, LargeMetadataNumbersDoNotBrickTheDataDirectory) {
  Ok({"vectorize", "create", "x", "--dimensions", "3", "--metric", "euclidean"});
  Ok({"vectorize", "upsert", "x", "--file",
      File("big.ndjson", R"({"id":"a","values":[1,2,3],"metadata":{"n":-1e19}})"
                         "\n"
                         R"({"id":"b","values":[1,2,4],"metadata":{"n":50000000000000000000}})")});
  Ok({"vectorize", "info", "x"});
  auto got = Json(Ok({"vectorize", "get-vectors", "x", "--ids", "a", "b", "--json"}));
  EXPECT_EQ(Num(got.at(0)["metadata"]["n"]), -1e19);
  EXPECT_EQ(Num(got.at(1)["metadata"]["n"]), 5e19);
}

// `semble vectorize repair`: a healthy index needs nothing; an index whose log was damaged in the
// middle is unavailable until repaired, then serves the mutations before the damage.
TEST_F(CliTest, RepairMakesAnIndexWithADamagedLogUsableAgain) {
  Ok({"vectorize", "create", "r", "--dimensions", "2", "--metric", "euclidean"});
  for (int i = 0; i < 4; ++i) {
    Ok({"vectorize", "insert", "r", "--file",
        File("r" + std::to_string(i) + ".ndjson", Line("v" + std::to_string(i), {1, float(i)}))});
  }
  EXPECT_NE(Ok({"vectorize", "repair", "r"}).find("0 repairs"), std::string::npos);
  // The repair wrote a checkpoint; two more writes go to a fresh log, then damage its first record.
  Ok({"vectorize", "insert", "r", "--file", File("a.ndjson", Line("a", {2, 2}))});
  Ok({"vectorize", "insert", "r", "--file", File("b.ndjson", Line("b", {3, 3}))});
  std::string wal;
  for (const auto& e : std::filesystem::directory_iterator(data_ + "/indexes/r")) {
    if (e.path().filename().string().rfind("wal-", 0) == 0) wal = e.path().string();
  }
  ASSERT_FALSE(wal.empty());
  std::string bytes = ReadAll(wal);
  ASSERT_GT(bytes.size(), 20u);
  bytes[12] ^= 0x10;
  WriteFile(wal, bytes);
  RunResult broken = Run({"vectorize", "info", "r"});
  EXPECT_EQ(broken.code, 5) << broken.err;  // storage
  EXPECT_NE(broken.err.find("semble vectorize repair r"), std::string::npos) << broken.err;
  auto out = Json(Ok({"vectorize", "repair", "r", "--json"}));
  EXPECT_EQ(Uint(out["vectorCount"]), 4u);
  EXPECT_EQ(out["repairs"].get_array().size(), 1u);
  auto info = Json(Ok({"vectorize", "info", "r", "--json"}));
  EXPECT_EQ(Uint(info["vectorCount"]), 4u);
}

TEST_F(CliTest, DeleteVectors) {
  Ok({"vectorize", "create", "t", "--dimensions", "2", "--metric", "euclidean"});
  Ok({"vectorize", "insert", "t", "--file", "-"},
     Line("a", {1, 0}) + Line("b", {0, 1}) + Line("c", {1, 1}));
  auto m = Json(Ok({"vectorize", "delete-vectors", "t", "--ids", "a", "c", "zz", "--json"}));
  EXPECT_EQ(Str(m["mutationId"]).size(), 36u);
  auto info = Json(Ok({"vectorize", "info", "t", "--json"}));
  EXPECT_EQ(Uint(info["vectorCount"]), 1u);
  EXPECT_EQ(Str(info["processedUpToMutation"]), Str(m["mutationId"]));
  EXPECT_EQ(Str(info["processedUpToDatetime"]).back(), 'Z');
  EXPECT_EQ(
      Json(Ok({"vectorize", "get-vectors", "t", "--ids", "a", "c", "--json"})).get_array().size(),
      0u);
  auto q = Json(Ok({"vectorize", "query", "t", "--vector", "1,0", "--json"}));
  EXPECT_EQ(Uint(q["count"]), 1u);
  EXPECT_EQ(Str(q["matches"].at(0)["id"]), "b");
  EXPECT_NEAR(Num(q["matches"].at(0)["score"]), std::sqrt(2.0), 1e-5);
}

TEST_F(CliTest, DeleteAndUpdateMetadataByFilter) {
  Ok({"vectorize", "create", "f", "--dimensions", "2", "--metric", "euclidean", "--default-ttl",
      "3600"});
  EXPECT_EQ(Uint(Json(Ok({"vectorize", "get", "f", "--json"}))["config"]["defaultTtlSeconds"]),
            3600u);
  Ok({"vectorize", "insert", "f", "--file", "-"},
     "{\"id\":\"a\",\"values\":[1,0],\"metadata\":{\"g\":1}}\n"
     "{\"id\":\"b\",\"values\":[0,1],\"metadata\":{\"g\":1},\"ttlSeconds\":60}\n"
     "{\"id\":\"c\",\"values\":[1,1],\"metadata\":{\"g\":2}}\n");
  auto got = Json(Ok({"vectorize", "get-vectors", "f", "--ids", "b", "--json"}));
  EXPECT_GT(got.at(0)["expiresAtMs"].get_int64().value(), 1700000000000);
  // Without --filter or --all nothing happens; {} needs --all.
  RunResult none = Run({"vectorize", "delete-by-filter", "f"});
  EXPECT_NE(none.code, 0);
  EXPECT_NE(none.err.find("--all"), std::string::npos) << none.err;
  EXPECT_NE(Run({"vectorize", "delete-by-filter", "f", "--filter", "{}"}).code, 0);
  EXPECT_NE(Run({"vectorize", "delete-by-filter", "f", "--filter", "{\"g\":"}).code, 0);
  EXPECT_NE(Run({"vectorize", "delete-by-filter", "nosuch", "--filter", "{\"g\":1}"}).code, 0);
  auto u = Json(Ok({"vectorize", "update-metadata-by-filter", "f", "--filter", "{\"g\":1}",
                    "--metadata", "{\"seen\":true}", "--json"}));
  EXPECT_EQ(Uint(u["count"]), 2u);
  EXPECT_EQ(Str(u["mutationId"]).size(), 36u);
  auto a = Json(Ok({"vectorize", "get-vectors", "f", "--ids", "a", "--json"}));
  EXPECT_TRUE(a.at(0)["metadata"]["seen"].get_bool().value());
  EXPECT_NE(Ok({"vectorize", "delete-by-filter", "f", "--filter", "{\"seen\":true}"})
                .find("Deleted 2 records from index \"f\""),
            std::string::npos);
  EXPECT_EQ(Uint(Json(Ok({"vectorize", "info", "f", "--json"}))["vectorCount"]), 1u);
  auto all = Json(Ok({"vectorize", "delete-by-filter", "f", "--all", "--json"}));
  EXPECT_EQ(Uint(all["count"]), 1u);
}

TEST_F(CliTest, ListVectorsPagesThroughEveryIdOnce) {
  Ok({"vectorize", "create", "t", "--dimensions", "1", "--metric", "euclidean"});
  std::string ndjson;
  std::set<std::string> all;
  for (int i = 0; i < 25; ++i) {
    const std::string id = "id" + std::to_string(100 + (i * 7) % 25);  // not in sorted order
    all.insert(id);
    ndjson += Line(id, {float(i)});
  }
  Ok({"vectorize", "insert", "t", "--file", File("l.ndjson", ndjson)});

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  while (true) {
    std::vector<std::string> args = {"vectorize", "list-vectors", "t", "--count", "10", "--json"};
    if (!cursor.empty()) args.insert(args.end(), {"--cursor", cursor});
    auto page = Json(Ok(args));
    ++pages;
    EXPECT_EQ(Uint(page["totalCount"]), 25u);
    EXPECT_TRUE(page["cursorExpirationTimestamp"].is_null());
    const uint64_t count = Uint(page["count"]);
    auto vectors = page["vectors"].get_array();
    EXPECT_EQ(vectors.size(), count);
    for (simdjson::dom::element v : vectors) seen.emplace_back(Str(v["id"]));
    bool truncated = false;
    ASSERT_EQ(page["isTruncated"].get(truncated), simdjson::SUCCESS);
    if (!truncated) {
      EXPECT_TRUE(page["nextCursor"].is_null());
      break;
    }
    EXPECT_EQ(count, 10u);
    cursor = std::string(Str(page["nextCursor"]));
    ASSERT_LT(pages, 10) << "paging does not end";
  }
  EXPECT_EQ(pages, 3);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all);
  EXPECT_EQ(seen.size(), all.size());

  std::string out = Ok({"vectorize", "list-vectors", "t", "--count", "3"});
  EXPECT_EQ(out.rfind("id100\nid101\nid102\n", 0), 0u) << out;
  EXPECT_NE(out.find("--cursor id102"), std::string::npos) << out;
}

TEST_F(CliTest, MetadataIndexVerbsAndFilteredQuery) {
  Ok({"vectorize", "create", "m", "--dimensions", "2", "--metric", "cosine"});
  Ok({"vectorize", "insert", "m", "--file", "-"},
     Line("a", {1, 0}, ",\"metadata\":{\"genre\":\"drama\",\"year\":2001}") +
         Line("b", {0.9f, 0.1f}, ",\"metadata\":{\"genre\":\"comedy\",\"year\":1999}") +
         Line("c", {0, 1},
              ",\"namespace\":\"n\",\"metadata\":{\"genre\":\"drama\",\"year\":1990}") +
         Line("d", {0.8f, 0.2f}));

  EXPECT_EQ(Str(Json(Ok({"vectorize", "create-metadata-index", "m", "--propertyName", "genre",
                         "--type", "string", "--json"}))["mutationId"])
                .size(),
            36u);
  std::string out = Ok(
      {"vectorize", "create-metadata-index", "m", "--property-name", "year", "--type", "number"});
  EXPECT_NE(out.find("year"), std::string::npos) << out;
  auto list = Json(Ok({"vectorize", "list-metadata-index", "m", "--json"}));
  std::map<std::string, std::string> indexes;
  for (simdjson::dom::element e : list["metadataIndexes"].get_array()) {
    indexes[std::string(Str(e["propertyName"]))] = std::string(Str(e["indexType"]));
  }
  EXPECT_EQ(indexes, (std::map<std::string, std::string>{{"genre", "string"}, {"year", "number"}}));
  out = Ok({"vectorize", "list-metadata-index", "m"});
  EXPECT_NE(out.find("genre"), std::string::npos) << out;

  // Without a filter b is nearer to (1, 0.05) than c; the filter leaves only the dramas.
  auto ids = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"vectorize", "query", "m", "--vector", "1,0.05", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<std::string> out_ids;
    auto res = Json(Ok(args));
    for (simdjson::dom::element e : res["matches"].get_array()) out_ids.emplace_back(Str(e["id"]));
    return out_ids;
  };
  EXPECT_EQ(ids({}), (std::vector<std::string>{"a", "b", "d", "c"}));
  EXPECT_EQ(ids({"--filter", R"({"genre":"drama"})"}), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(ids({"--filter", R"({"year":{"$lt":2000}})"}), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(ids({"--namespace", "n"}), (std::vector<std::string>{"c"}));
  EXPECT_EQ(ids({"--filter", R"({"genre":{"$in":["drama","comedy"]}})", "--top-k", "2"}),
            (std::vector<std::string>{"a", "b"}));

  auto res = Json(Ok({"vectorize", "query", "m", "--vector", "0", "1", "--top-k", "1",
                      "--return-metadata", "all", "--return-values", "--json"}));
  auto match = res["matches"].at(0);
  EXPECT_EQ(Str(match["id"]), "c");
  EXPECT_EQ(Str(match["namespace"]), "n");
  EXPECT_EQ(Str(match["metadata"]["genre"]), "drama");
  EXPECT_EQ(Num(match["metadata"]["year"]), 1990);
  EXPECT_EQ(Num(match["values"].at(1)), 1.0);

  Ok({"vectorize", "delete-metadata-index", "m", "--property-name", "year"});
  list = Json(Ok({"vectorize", "list-metadata-index", "m", "--json"}));
  ASSERT_EQ(list["metadataIndexes"].get_array().size(), 1u);
  EXPECT_EQ(Str(list["metadataIndexes"].at(0)["propertyName"]), "genre");

  Err({"vectorize", "delete-metadata-index", "m", "--property-name", "year"}, 3);
  Err({"vectorize", "create-metadata-index", "m", "--property-name", "p", "--type", "float"}, 2);
  Err({"vectorize", "create-metadata-index", "m", "--type", "string"}, 2);
}

TEST_F(CliTest, Errors) {
  std::string e = Err({"vectorize", "info", "nope"}, 3);
  EXPECT_NE(e.find("index \"nope\" not found"), std::string::npos) << e;
  Ok({"vectorize", "create", "t", "--dimensions", "3", "--metric", "cosine"});
  for (const char* verb : {"get", "info", "list-vectors", "list-metadata-index", "delete"}) {
    e = Err({"vectorize", verb, "nope"}, 3);
    EXPECT_NE(e.find("\"nope\""), std::string::npos) << e;
  }
  e = Err({"vectorize", "query", "nope", "--vector", "1,2,3"}, 3);

  e = Err({"vectorize", "create", "t", "--dimensions", "3", "--metric", "cosine"}, 4);
  EXPECT_NE(e.find("already exists"), std::string::npos) << e;
  e = Err({"vectorize", "create", "x", "--dimensions", "3", "--metric", "manhattan"}, 2);
  EXPECT_NE(e.find("--metric"), std::string::npos) << e;
  Err({"vectorize", "create", "x", "--dimensions", "3"}, 2);
  Err({"vectorize", "create", "x", "--dimensions", "three", "--metric", "cosine"}, 2);
  Err({"vectorize", "create", "x", "--dimensions", "0", "--metric", "cosine"}, 4);
  Err({"vectorize", "create", "Upper", "--dimensions", "3", "--metric", "cosine"}, 4);
  Err({"vectorize", "frobnicate"}, 2);
  Err({"vectorize", "list", "--bogus"}, 2);

  // A line of the wrong dimensions is named by its line number (blank lines count), and nothing
  // of its batch is written.
  const std::string bad_dims = Line("a", {1, 2, 3}) + "\n" + Line("b", {1, 2});
  e = Err({"vectorize", "insert", "t", "--file", File("bad.ndjson", bad_dims)}, 4);
  EXPECT_NE(e.find("line 3"), std::string::npos) << e;
  EXPECT_NE(e.find("dimensions"), std::string::npos) << e;
  EXPECT_EQ(Uint(Json(Ok({"vectorize", "info", "t", "--json"}))["vectorCount"]), 0u);
  // With batches of one, the batches before the bad line are written and the error says so.
  e = Err({"vectorize", "upsert", "t", "--file", "-", "--batch-size", "1"}, 4, bad_dims);
  EXPECT_NE(e.find("line 3"), std::string::npos) << e;
  EXPECT_NE(e.find("1 vector"), std::string::npos) << e;
  EXPECT_EQ(Uint(Json(Ok({"vectorize", "info", "t", "--json"}))["vectorCount"]), 1u);

  e = Err({"vectorize", "insert", "t", "--file", "-"}, 4,
          Line("x", {1, 2, 3}) + "{\"id\":\"y\",\"values\":[1,2,3],\"extra\":1}\n");
  EXPECT_NE(e.find("line 2"), std::string::npos) << e;
  EXPECT_NE(e.find("\"extra\""), std::string::npos) << e;
  e = Err({"vectorize", "insert", "t", "--file", "-"}, 4, "{\"id\":\"y\",\"values\":[1,2,\n");
  EXPECT_NE(e.find("line 1"), std::string::npos) << e;
  Err({"vectorize", "insert", "t", "--file", "-"}, 4, "\n\n");
  Err({"vectorize", "insert", "t", "--file", tmp_.path() + "/missing.ndjson"}, 3);
  Err({"vectorize", "insert", "t", "--file", "-", "--batch-size", "5001"}, 2);

  e = Err({"vectorize", "query", "t", "--vector", "1,2,3", "--filter", "{\"genre\":"}, 4);
  EXPECT_NE(e.find("filter"), std::string::npos) << e;
  Err({"vectorize", "query", "t", "--vector", "1,2"}, 4);
  Err({"vectorize", "query", "t", "--vector", "1,x,3"}, 2);
  Err({"vectorize", "query", "t"}, 2);
  Err({"vectorize", "query", "t", "--vector", "1,2,3", "--vector-id", "a"}, 2);
  Err({"vectorize", "query", "t", "--vector", "1,2,3", "--return-metadata", "some"}, 2);
  Err({"vectorize", "query", "t", "--vector", "1,2,3", "--top-k", "101"}, 4);
}

TEST_F(CliTest, DeleteIndexWithoutTerminalNeedsNoConfirmation) {
  Ok({"vectorize", "create", "t", "--dimensions", "3", "--metric", "cosine"});
  std::string out = Ok({"vectorize", "delete", "t"});  // stdin is a file, not a terminal
  EXPECT_NE(out.find("Deleted"), std::string::npos) << out;
  Err({"vectorize", "get", "t"}, 3);
  Ok({"vectorize", "create", "t", "--dimensions", "3", "--metric", "cosine"});
  EXPECT_EQ(Json(Ok({"vectorize", "delete", "t", "-y", "--json"})).is_null(), true);
  EXPECT_EQ(Ok({"vectorize", "list"}), "No indexes.\n");
}

TEST_F(CliTest, DataDirectoryDefaults) {
  const std::string a = tmp_.path() + "/a", xdg = tmp_.path() + "/xdg", home = tmp_.path() + "/h";
  auto create = [&](const std::map<std::string, std::string>& env, const std::string& name) {
    RunResult r =
        RunEnv({"vectorize", "create", name, "--dimensions", "2", "--metric", "cosine"}, env);
    EXPECT_EQ(r.code, 0) << r.err;
  };
  auto names_in = [&](const std::string& dir) {
    RunResult r = RunEnv({"--data", dir, "vectorize", "list", "--json"}, {});
    EXPECT_EQ(r.code, 0) << r.err;
    std::set<std::string> names;
    for (simdjson::dom::element e : Json(r.out).get_array()) names.emplace(Str(e["name"]));
    return names;
  };
  create({{"SEMBLE_DATA_DIR", a}, {"XDG_DATA_HOME", xdg}, {"HOME", home}}, "one");
  create({{"XDG_DATA_HOME", xdg}, {"HOME", home}}, "two");
  create({{"HOME", home}}, "three");
  EXPECT_EQ(names_in(a), std::set<std::string>{"one"});
  EXPECT_EQ(names_in(xdg + "/semble"), std::set<std::string>{"two"});
  EXPECT_EQ(names_in(home + "/.local/share/semble"), std::set<std::string>{"three"});
  // --data wins over the environment.
  RunResult r = RunEnv({"--data", a, "vectorize", "get", "one"}, {{"SEMBLE_DATA_DIR", xdg}});
  EXPECT_EQ(r.code, 0) << r.err;
  // Nothing to go on: a clear error, not a directory in the current working directory.
  r = RunEnv({"vectorize", "list"}, {});
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("--data"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace semble

namespace semble {
namespace {

TEST_F(CliTest, BackupListAndRestoreUnderAnotherName) {
  const std::string target = "file://" + tmp_.path() + "/backups";
  Ok({"vectorize", "create", "docs", "--dimensions", "3", "--metric", "cosine"});
  Ok({"vectorize", "insert", "docs", "--file", "-"},
     "{\"id\":\"a\",\"values\":[1,0,0]}\n{\"id\":\"b\",\"values\":[0,1,0]}\n");
  std::string out = Ok({"backup", "docs", target, "--json"});
  simdjson::dom::element first = Json(out);
  std::string_view id;
  ASSERT_EQ(first["id"].get(id), simdjson::SUCCESS) << out;
  const std::string first_id(id);
  uint64_t uploaded = 0;
  ASSERT_EQ(first["chunksUploaded"].get(uploaded), simdjson::SUCCESS);
  EXPECT_EQ(uploaded, 1u);
  Ok({"vectorize", "insert", "docs", "--file", "-"}, "{\"id\":\"c\",\"values\":[0,0,1]}\n");
  Ok({"backup", "docs", target});
  simdjson::dom::element listed = Json(Ok({"backups", target, "docs", "--json"}));
  ASSERT_EQ(listed.get_array().size(), 2u);
  // By id: the first point in time; by index name: the newest.
  Ok({"restore", target, first_id, "--as", "then"});
  Ok({"restore", target, "docs", "--as", "now"});
  simdjson::dom::element then = Json(Ok({"vectorize", "info", "then", "--json"}));
  simdjson::dom::element now = Json(Ok({"vectorize", "info", "now", "--json"}));
  uint64_t then_count = 0, now_count = 0;
  ASSERT_EQ(then["vectorCount"].get(then_count), simdjson::SUCCESS);
  ASSERT_EQ(now["vectorCount"].get(now_count), simdjson::SUCCESS);
  EXPECT_EQ(then_count, 2u);
  EXPECT_EQ(now_count, 3u);
  EXPECT_NE(Err({"restore", target, "docs"}, 4).find("already exists"), std::string::npos);
  EXPECT_NE(Err({"restore", target, "nothing"}, 3).find("no backup"), std::string::npos);
}

}  // namespace
}  // namespace semble
