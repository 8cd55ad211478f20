// Copyright 2026 The semble Authors.
//
// Keyword and hybrid queries and search groups through the public API, against a model written in
// the test: a brute-force BM25 over the model's records (its own tokenizer: the index uses
// language "none" over lowercase ASCII words, where analysis is splitting on spaces), rank fusion
// recomputed from the API's own vector and keyword rankings, and grouping over an exact ranking.
// The model follows random inserts, upserts, deletes, deletes and updates by filter, expiry and
// reopening (with and without a checkpoint), so the keyword index is shown to stay in step with
// the records through every path that changes them.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "db/clocked_database_test.h"
#include "db/db_test_util.h"
#include "db/index_files.h"
#include "semble/database.h"
#include "util/test_util.h"

namespace semble {
namespace {

constexpr uint32_t kDims = 4;

std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

struct ModelRecord {
  std::vector<float> values;
  std::string ns;
  std::string text;
  int g = 0;
  std::string title;  // "" = no title
  int64_t expires_at_ms = 0;
  std::string Metadata() const {
    std::string md = "{\"g\":" + std::to_string(g);
    if (!title.empty()) md += ",\"title\":\"" + title + "\"";
    return md + "}";
  }
  std::vector<std::string> Terms() const {
    std::vector<std::string> t = Words(text);
    for (std::string& w : Words(title)) t.push_back(std::move(w));
    return t;
  }
};

// A query's restrictions, as the engine gets them and as the model applies them.
struct Scope {
  std::optional<int> g;
  std::optional<std::string> ns;
  bool Allows(const ModelRecord& r, int64_t now) const {
    if (r.expires_at_ms != 0 && r.expires_at_ms <= now) return false;
    if (g && r.g != *g) return false;
    if (ns && r.ns != *ns) return false;
    return true;
  }
  void Apply(QueryRequest* q) const {
    if (g) q->filter_json = "{\"g\":" + std::to_string(*g) + "}";
    if (ns) q->ns = *ns;
  }
};

// BM25 (Lucene's idf, the (k1 + 1) factor) over every stored record: expired records that are not
// purged yet still count in N, avgdl and n(t), as deleted documents do in Lucene until a merge.
std::map<std::string, double> ReferenceBm25(const std::map<std::string, ModelRecord>& records,
                                            const std::vector<std::string>& query, double k1,
                                            double b) {
  std::map<std::string, std::map<std::string, int>> tf;
  std::map<std::string, int> df;
  double total = 0;
  size_t n_docs = 0;
  std::map<std::string, size_t> length;
  for (const auto& [id, r] : records) {
    const auto terms = r.Terms();
    if (terms.empty()) continue;
    ++n_docs;
    total += terms.size();
    length[id] = terms.size();
    for (const std::string& t : terms) {
      if (tf[id][t]++ == 0) ++df[t];
    }
  }
  std::map<std::string, double> scores;
  if (n_docs == 0) return scores;
  const double avgdl = total / n_docs;
  for (const auto& [id, counts] : tf) {
    double s = 0;
    for (const std::string& t : query) {
      auto it = counts.find(t);
      if (it == counts.end()) continue;
      const double n = df[t];
      const double idf = std::log(1 + (n_docs - n + 0.5) / (n + 0.5));
      const double f = it->second;
      s += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * length[id] / avgdl));
    }
    if (s > 0) scores[id] = s;
  }
  return scores;
}

class HybridTest : public test::ClockedDatabaseTest {
 protected:
  void Reopen() override {
    index_.reset();
    ClockedDatabaseTest::Reopen();
    if (HasFatalFailure()) return;
    if (!name_.empty()) {
      auto index = db_->GetIndex(name_);
      ASSERT_TRUE(index.ok()) << index.status().ToString();
      index_ = *index;
    }
  }
  void Create(const std::string& name, const std::string& type, bool text_index,
              std::vector<std::string> fields = {"title"}) {
    CreateIndexRequest r{name, "", {kDims, Metric::kCosine}};
    r.config.index_type = type;
    if (text_index) {
      r.config.text_index.enabled = true;
      r.config.text_index.language = "none";
      r.config.text_index.fields = std::move(fields);
    }
    auto index = db_->CreateIndex(r);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = *index;
    name_ = name;
  }
  std::string RandomWords(int max) {
    std::string s;
    const int n = static_cast<int>(rng_() % (max + 1));
    for (int i = 0; i < n; ++i) {
      // Skewed: low word numbers are common, high ones rare.
      const int w = static_cast<int>(std::min(rng_() % 40, rng_() % 40));
      s += (s.empty() ? "" : " ") + std::string("w") + std::to_string(w);
    }
    return s;
  }
  ModelRecord RandomRecord() {
    ModelRecord r;
    r.values = test::RandomVector(rng_, kDims);
    const char* spaces[] = {"", "a", "b"};
    r.ns = spaces[rng_() % 3];
    r.text = RandomWords(12);
    r.g = static_cast<int>(rng_() % 4);
    if (rng_() % 2 == 0) r.title = RandomWords(3);
    return r;
  }
  VectorRecord ToRecord(const std::string& id, const ModelRecord& m, std::optional<int64_t> ttl) {
    VectorRecord r = test::MakeRecord(id, m.values, m.ns, m.Metadata());
    r.text = m.text;
    r.ttl_seconds = ttl;
    return r;
  }

  std::mt19937 rng_{11};
  std::shared_ptr<Index> index_;
  std::string name_;
};

// Every keyword query's hits are the reference BM25's best of the allowed records, with the
// reference's scores, through writes of every kind, expiry and reopening.
TEST_F(HybridTest, KeywordResultsMatchABruteForceBm25ThroughEveryWritePath) {
  Create("kw", "hnsw", true);
  std::map<std::string, ModelRecord> model;
  auto now = [&] { return env_.fixed_now_ms.load(); };
  int checked_hits = 0;
  auto check = [&](int step) {
    for (int qi = 0; qi < 6; ++qi) {
      Scope scope;
      if (rng_() % 3 == 0) scope.g = static_cast<int>(rng_() % 4);
      if (rng_() % 4 == 0) scope.ns = rng_() % 2 == 0 ? "a" : "b";
      std::string text = RandomWords(3);
      if (text.empty()) text = "w1";
      QueryRequest q;
      q.mode = QueryMode::kKeyword;
      q.text = text;
      q.top_k = 1 + rng_() % 40;
      q.return_metadata = ReturnMetadata::kIndexed;
      scope.Apply(&q);
      auto result = index_->Query(q);
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      const auto reference = ReferenceBm25(model, Words(text), 1.2, 0.75);
      std::vector<double> expected;
      for (const auto& [id, s] : reference) {
        if (scope.Allows(model.at(id), now())) expected.push_back(s);
      }
      std::sort(expected.rbegin(), expected.rend());
      if (expected.size() > q.top_k) expected.resize(q.top_k);
      ASSERT_EQ(result->matches.size(), expected.size())
          << "step " << step << " query \"" << text << "\"";
      for (size_t i = 0; i < expected.size(); ++i) {
        const QueryMatch& m = result->matches[i];
        EXPECT_NEAR(m.score, expected[i], 1e-4 * std::max(1.0, expected[i])) << "rank " << i;
        auto it = model.find(m.id);
        ASSERT_NE(it, model.end()) << m.id << " is not stored";
        EXPECT_TRUE(scope.Allows(it->second, now())) << m.id << " is outside the query's scope";
        EXPECT_NEAR(m.score, reference.at(m.id), 1e-4 * std::max(1.0, expected[i]));
        ++checked_hits;
      }
    }
  };

  for (int step = 0; step < 60; ++step) {
    const int op = static_cast<int>(rng_() % 10);
    if (op <= 3) {  // insert or upsert a batch
      std::vector<VectorRecord> batch;
      std::map<std::string, ModelRecord> next = model;
      const bool upsert = op != 0;
      for (int i = 0, n = 1 + static_cast<int>(rng_() % 40); i < n; ++i) {
        const std::string id = "r" + std::to_string(rng_() % 300);
        ModelRecord m = RandomRecord();
        std::optional<int64_t> ttl;
        if (rng_() % 8 == 0) {
          ttl = 1 + static_cast<int64_t>(rng_() % 100);
          m.expires_at_ms = now() + *ttl * 1000;
        }
        auto it = next.find(id);
        const bool present = it != next.end() && !(it->second.expires_at_ms != 0 &&
                                                   it->second.expires_at_ms <= now());
        // Insert: the first write of an id wins, within the batch too.
        if (upsert || !present) next[id] = m;
        batch.push_back(ToRecord(id, m, ttl));
      }
      auto r = upsert ? index_->Upsert(batch) : index_->Insert(batch);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      model = std::move(next);
    } else if (op == 4) {
      std::vector<std::string> ids;
      for (int i = 0; i < 10; ++i) ids.push_back("r" + std::to_string(rng_() % 300));
      ASSERT_TRUE(index_->DeleteByIds(ids).ok());
      for (const std::string& id : ids) model.erase(id);
    } else if (op == 5) {
      const int g = static_cast<int>(rng_() % 4);
      ASSERT_TRUE(index_->DeleteByFilter({"{\"g\":" + std::to_string(g) + "}"}).ok());
      std::erase_if(model, [&](const auto& e) {
        return e.second.g == g && !(e.second.expires_at_ms != 0 && e.second.expires_at_ms <= now());
      });
    } else if (op == 6) {
      // A new title is a new document for the keyword index (title is an indexed field).
      const int g = static_cast<int>(rng_() % 4);
      const std::string title = RandomWords(3);
      FilterMutation f{"{\"g\":" + std::to_string(g) + "}"};
      f.metadata_json = title.empty() ? R"({"title":null})" : "{\"title\":\"" + title + "\"}";
      ASSERT_TRUE(index_->UpdateMetadataByFilter(f).ok());
      for (auto& [id, m] : model) {
        if (m.g == g && !(m.expires_at_ms != 0 && m.expires_at_ms <= now())) m.title = title;
      }
    } else if (op == 7) {
      env_.fixed_now_ms += 1000 * static_cast<int64_t>(rng_() % 60);
    } else if (op == 8) {
      ASSERT_TRUE(db_->PurgeExpired().ok());
      std::erase_if(model, [&](const auto& e) {
        return e.second.expires_at_ms != 0 && e.second.expires_at_ms <= now();
      });
    } else {
      options_.checkpoint_on_close = rng_() % 2 == 0;  // reopen from a segment, or from the log
      Reopen();
    }
    check(step);
  }
  EXPECT_GT(checked_hits, 500);
}

// Hybrid results are the fusion of the API's own vector and keyword rankings (top 100 each):
// reciprocal rank fusion, and weighted fusion at several alphas, under a filter.
TEST_F(HybridTest, HybridIsTheFusionOfBothRankings) {
  Create("hy", "flat", true);
  std::vector<VectorRecord> batch;
  for (int i = 0; i < 400; ++i) {
    batch.push_back(ToRecord("r" + std::to_string(i), RandomRecord(), std::nullopt));
  }
  ASSERT_TRUE(index_->Upsert(batch).ok());
  for (int qi = 0; qi < 30; ++qi) {
    QueryRequest base;
    base.text = RandomWords(3) + " w2";
    base.vector = test::RandomVector(rng_, kDims);
    if (qi % 3 == 0) base.filter_json = "{\"g\":{\"$ne\":" + std::to_string(qi % 4) + "}}";
    QueryRequest vq = base, kq = base;
    vq.mode = QueryMode::kVector;
    vq.text.clear();
    vq.top_k = 100;
    kq.mode = QueryMode::kKeyword;
    kq.vector.clear();
    kq.top_k = 100;
    auto vr = index_->Query(vq);
    auto kr = index_->Query(kq);
    ASSERT_TRUE(vr.ok() && kr.ok());
    ASSERT_FALSE(kr->matches.empty());

    const int fusion_case = qi % 4;  // rrf, then weighted at alpha 0, 0.3, 1
    QueryRequest hq = base;
    hq.mode = QueryMode::kHybrid;
    hq.top_k = 1 + rng_() % 50;
    std::map<std::string, double> expected;
    if (fusion_case == 0) {
      for (size_t i = 0; i < vr->matches.size(); ++i) expected[vr->matches[i].id] += 1.0 / (61 + i);
      for (size_t i = 0; i < kr->matches.size(); ++i) expected[kr->matches[i].id] += 1.0 / (61 + i);
    } else {
      const double alpha = fusion_case == 1 ? 0.0 : fusion_case == 2 ? 0.3 : 1.0;
      hq.fusion = FusionMethod::kWeighted;
      hq.alpha = static_cast<float>(alpha);
      auto add = [&](const std::vector<QueryMatch>& m, double weight) {
        double lo = m.back().score, hi = m.front().score;
        for (const QueryMatch& x : m) {
          expected[x.id] += weight * (hi == lo ? 1.0 : (x.score - lo) / (hi - lo));
        }
      };
      add(vr->matches, alpha);
      add(kr->matches, 1 - alpha);
    }
    auto hr = index_->Query(hq);
    ASSERT_TRUE(hr.ok()) << hr.status().ToString();
    std::vector<double> best;
    for (const auto& [id, s] : expected) best.push_back(s);
    std::sort(best.rbegin(), best.rend());
    ASSERT_EQ(hr->matches.size(), std::min<size_t>(hq.top_k, best.size())) << qi;
    for (size_t i = 0; i < hr->matches.size(); ++i) {
      EXPECT_NEAR(hr->matches[i].score, best[i], 1e-5) << "query " << qi << " rank " << i;
      EXPECT_NEAR(hr->matches[i].score, expected.at(hr->matches[i].id), 1e-5);
    }
  }
}

TEST_F(HybridTest, FusionEdgeCases) {
  Create("edge", "flat", true);
  std::vector<VectorRecord> batch;
  for (int i = 0; i < 50; ++i) {
    VectorRecord r = test::MakeRecord("r" + std::to_string(i), test::RandomVector(rng_, kDims), "",
                                      "{\"g\":" + std::to_string(i % 2) + "}");
    r.text = i < 5 ? "needle hay" : "hay";
    batch.push_back(r);
  }
  ASSERT_TRUE(index_->Upsert(batch).ok());
  QueryRequest q;
  q.mode = QueryMode::kHybrid;
  q.vector = test::RandomVector(rng_, kDims);
  q.top_k = 10;
  // A keyword side without results (a word no record has): the ranking is the vector side's.
  q.text = "absent";
  auto r = index_->Query(q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  QueryRequest vq = q;
  vq.mode = QueryMode::kVector;
  vq.text.clear();
  auto v = index_->Query(vq);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(r->matches.size(), v->matches.size());
  for (size_t i = 0; i < r->matches.size(); ++i) EXPECT_EQ(r->matches[i].id, v->matches[i].id);
  // Ties (every "needle" document has the same BM25 score and length): broken by id.
  q.mode = QueryMode::kKeyword;
  q.vector.clear();
  q.text = "needle";
  r = index_->Query(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->matches.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(r->matches[i].id, "r" + std::to_string(i));
  // A filter that matches nothing: both sides are empty.
  q.mode = QueryMode::kHybrid;
  q.vector = test::RandomVector(rng_, kDims);
  q.filter_json = R"({"g":7})";
  r = index_->Query(q);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->matches.empty());
  // Only stop-word-free nonsense symbols: no terms, so the keyword side is empty.
  q.filter_json.clear();
  q.mode = QueryMode::kKeyword;
  q.vector.clear();
  q.text = "?! ...";
  r = index_->Query(q);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->matches.empty());
}

// Equal fused scores are cut by id, as every answer is ordered, not by the records' slots: "b"
// (written first, so in the lower slot) is only the vector side's best, "a" only the keyword
// side's, so both score 1 / 61 with RRF and 0.5 with weighted fusion at alpha 0.5. The top 1 is
// "a", and the top 2 begin with it.
TEST_F(HybridTest, EqualFusedScoresAreCutById) {
  Create("ties", "flat", true);
  std::vector<VectorRecord> batch;
  VectorRecord b = test::MakeRecord("b", {1, 0, 0, 0});
  b.text = "hay";
  batch.push_back(b);
  // 110 records between the query and "a": "a" is not on the vector side (its best 100).
  for (int i = 0; i < 110; ++i) {
    VectorRecord r =
        test::MakeRecord("m" + std::to_string(i), {1, 0.5f + 0.01f * static_cast<float>(i), 0, 0});
    r.text = "hay";
    batch.push_back(r);
  }
  VectorRecord a = test::MakeRecord("a", {-1, 0, 0, 0});
  a.text = "needle";
  batch.push_back(a);
  ASSERT_TRUE(index_->Upsert(std::vector<VectorRecord>{batch[0]}).ok());
  ASSERT_TRUE(index_->Upsert(std::span(batch).subspan(1)).ok());
  for (const bool weighted : {false, true}) {
    QueryRequest q;
    q.mode = QueryMode::kHybrid;
    q.vector = {1, 0, 0, 0};
    q.text = "needle";
    if (weighted) q.fusion = FusionMethod::kWeighted;
    q.top_k = 1;
    auto top1 = index_->Query(q);
    q.top_k = 2;
    auto top2 = index_->Query(q);
    ASSERT_TRUE(top1.ok() && top2.ok()) << top1.status().ToString() << top2.status().ToString();
    ASSERT_EQ(top1->matches.size(), 1u);
    ASSERT_EQ(top2->matches.size(), 2u);
    EXPECT_EQ(top1->matches[0].id, "a") << (weighted ? "weighted" : "rrf");
    EXPECT_EQ(top2->matches[0].id, "a");
    EXPECT_EQ(top2->matches[1].id, "b");
    EXPECT_EQ(top2->matches[0].score, top2->matches[1].score);
  }
}

// Groups against an oracle: the exact ranking of every allowed record, grouped in the test.
TEST_F(HybridTest, GroupsMatchABruteForceGrouping) {
  Create("grp", "flat", true);
  std::vector<VectorRecord> records;
  for (int i = 0; i < 300; ++i) {
    std::string md;
    switch (i % 5) {
      case 0: md = "{\"doc\":\"d" + std::to_string(i % 17) + "\"}"; break;
      case 1: md = "{\"doc\":" + std::to_string(i % 7) + "}"; break;
      case 2: md = R"({"doc":["x","y"]})"; break;
      case 3: md = R"({"other":1})"; break;
      default: md = "{\"doc\":\"" + std::to_string(i % 7) + "\"}"; break;  // not the number
    }
    records.push_back(test::MakeRecord("r" + std::to_string(i), test::RandomVector(rng_, kDims), "", md));
  }
  ASSERT_TRUE(index_->Upsert(records).ok());
  for (int qi = 0; qi < 20; ++qi) {
    QueryRequest q;
    q.vector = test::RandomVector(rng_, kDims);
    q.group_by = "doc";
    q.group_size = 1 + rng_() % 4;
    q.group_count = 1 + rng_() % (100 / q.group_size > 20 ? 20 : 100 / q.group_size);
    auto r = index_->Query(q);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto ranked = test::ReferenceTopK(Metric::kCosine, q.vector, records, records.size());
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    auto keys_of = [&](const std::string& id) -> std::vector<std::string> {
      const int i = std::stoi(id.substr(1));
      switch (i % 5) {
        case 0: return {"\"d" + std::to_string(i % 17) + "\""};
        case 1: return {std::to_string(i % 7)};
        case 2: return {"\"x\"", "\"y\""};
        case 3: return {};
        default: return {"\"" + std::to_string(i % 7) + "\""};
      }
    };
    for (const test::RefHit& h : ranked) {
      for (const std::string& key : keys_of(h.id)) {
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const auto& g) { return g.first == key; });
        if (it == groups.end()) {
          if (groups.size() == *q.group_count) continue;
          groups.push_back({key, {}});
          it = groups.end() - 1;
        }
        if (it->second.size() < q.group_size) it->second.push_back(h.id);
      }
    }
    ASSERT_EQ(r->groups.size(), groups.size()) << qi;
    size_t flat = 0;
    for (size_t g = 0; g < groups.size(); ++g) {
      EXPECT_EQ(r->groups[g].key_json, groups[g].first) << qi;
      ASSERT_EQ(r->groups[g].matches.size(), groups[g].second.size()) << qi << " group " << g;
      for (size_t j = 0; j < groups[g].second.size(); ++j) {
        EXPECT_EQ(r->groups[g].matches[j].id, groups[g].second[j]);
        EXPECT_EQ(r->matches[flat++].id, groups[g].second[j]);
      }
    }
    EXPECT_EQ(r->matches.size(), flat);
  }
}

// Groups are filled from the best 10,000 matches (query.h): when the best matches lack the
// property, the groups come from those after them. Only a query none of whose matches has the
// property is refused.
TEST_F(HybridTest, GroupsComeFromMatchesPastTheFirstWithoutTheProperty) {
  Create("sparse", "flat", true);
  std::vector<VectorRecord> records;
  // The 40 nearest records to the query have no "doc"; the ones after them do.
  for (int i = 0; i < 60; ++i) {
    VectorRecord r = test::MakeRecord(
        "r" + std::to_string(100 + i), {1, 0.01f * static_cast<float>(i), 0, 0}, "",
        i < 40 ? R"({"other":1})" : "{\"doc\":\"d" + std::to_string(i % 3) + "\"}");
    r.text = i < 40 ? "hay" : "hay needle";
    records.push_back(r);
  }
  ASSERT_TRUE(index_->Upsert(records).ok());
  for (const QueryMode mode : {QueryMode::kVector, QueryMode::kKeyword}) {
    QueryRequest q;
    q.mode = mode;
    if (mode == QueryMode::kVector) q.vector = {1, 0, 0, 0};
    q.text = mode == QueryMode::kKeyword ? "hay" : "";
    q.group_by = "doc";
    q.group_size = 1;
    q.group_count = 2;
    auto r = index_->Query(q);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->groups.size(), 2u);
    if (mode == QueryMode::kVector) {
      EXPECT_EQ(r->groups[0].key_json, "\"d1\"");
      EXPECT_EQ(r->groups[0].matches[0].id, "r140");
      EXPECT_EQ(r->groups[1].key_json, "\"d2\"");
      EXPECT_EQ(r->groups[1].matches[0].id, "r141");
    }
    // A filter that leaves only records without the property: refused.
    q.filter_json = R"({"other":1})";
    EXPECT_EQ(index_->Query(q).status().code(), Status::Code::kInvalidArgument);
  }
}

TEST_F(HybridTest, BadInputIsRefusedWithClearErrors) {
  Create("plain", "flat", false);
  ASSERT_TRUE(index_->Upsert(std::vector<VectorRecord>{
      [] {
        VectorRecord r = test::MakeRecord("a", {1, 0, 0, 0}, "", R"({"k":"v"})");
        r.text = "hello world";
        return r;
      }()}).ok());
  QueryRequest q;
  q.mode = QueryMode::kKeyword;
  q.text = "hello";
  auto r = index_->Query(q);
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(r.status().reason(), Status::Reason::kNoTextIndex);
  EXPECT_NE(r.status().message().find("full-text index"), std::string::npos);
  ASSERT_TRUE(index_->ConfigureTextIndex({.enabled = true}).ok());
  auto refused = [&](QueryRequest bad, const std::string& words) {
    auto res = index_->Query(bad);
    EXPECT_EQ(res.status().code(), Status::Code::kInvalidArgument) << words;
    EXPECT_NE(res.status().message().find(words), std::string::npos) << res.status().ToString();
  };
  QueryRequest k;
  k.mode = QueryMode::kKeyword;
  k.text = "hello";
  ASSERT_TRUE(index_->Query(k).ok());
  QueryRequest bad = k;
  bad.text.clear();
  refused(bad, "needs a text");
  bad = k;
  bad.vector = {1, 0, 0, 0};
  refused(bad, "not a vector");
  bad = k;
  bad.mode = QueryMode::kHybrid;
  bad.fusion = FusionMethod::kWeighted;
  bad.alpha = 2.0f;
  refused(bad, "alpha must be between 0 and 1");
  bad.alpha = std::nanf("");
  refused(bad, "alpha must be between 0 and 1");
  bad.fusion = FusionMethod::kReciprocalRank;
  bad.alpha = 0.5f;
  refused(bad, "weighted fusion");
  bad = k;
  bad.fusion = FusionMethod::kWeighted;
  refused(bad, "fusion is for hybrid");
  bad = k;
  bad.group_by = "nothere";
  refused(bad, "none of the matching records has that metadata property");
  bad.group_by = "$bad";
  refused(bad, "groupBy");
  bad.group_by = "k";
  bad.group_size = 0;
  refused(bad, "groupSize must be between 1 and 100");
  bad.group_size = 11;
  bad.group_count = 10;
  refused(bad, "groupSize * groupCount must be at most 100");
  bad = k;
  bad.group_count = 3;
  refused(bad, "groupCount is for grouped queries");
  EXPECT_FALSE(ParseQueryMode("semantic").ok());
  EXPECT_NE(ParseQueryMode("semantic").status().message().find("vector, keyword or hybrid"),
            std::string::npos);
  EXPECT_FALSE(ParseFusionMethod("max").ok());
  // Configurations out of range change nothing.
  for (TextIndexConfig c : {TextIndexConfig{.enabled = true, .language = "klingon"},
                            TextIndexConfig{.enabled = true, .k1 = -1},
                            TextIndexConfig{.enabled = true, .b = 1.5f},
                            TextIndexConfig{.enabled = true, .fields = {"a", "a"}},
                            TextIndexConfig{.enabled = true, .fields = {"$x"}},
                            TextIndexConfig{.enabled = true,
                                            .fields = {"a", "b", "c", "d", "e", "f", "g", "h", "i"}}}) {
    EXPECT_EQ(index_->ConfigureTextIndex(c).status().code(), Status::Code::kInvalidArgument);
  }
  EXPECT_EQ(index_->Describe().config.text_index, TextIndexConfig{.enabled = true});
  // Text over the limit or not UTF-8 is refused and writes nothing.
  VectorRecord big = test::MakeRecord("b", {0, 1, 0, 0});
  big.text = std::string(64 * 1024 + 1, 'a');
  EXPECT_EQ(index_->Upsert(std::vector<VectorRecord>{big}).status().code(),
            Status::Code::kInvalidArgument);
  big.text = "\xff\xfe";
  EXPECT_EQ(index_->Upsert(std::vector<VectorRecord>{big}).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_TRUE(index_->GetByIds(std::vector<std::string>{"b"})->empty());
}

// Text is stored and read back exactly (any Unicode), from the log and from a segment; a record
// with values and text keeps its values. Enabling the index later covers records already stored,
// and the configuration survives reopening; disabling it drops it.
TEST_F(HybridTest, TextReadsBackAndEnablingLaterIsRetroactive) {
  Create("late", "hnsw", false);
  std::vector<VectorRecord> batch;
  std::vector<std::string> texts = {"한국어 형태소 분석", "Straße naïve café", "plain words here",
                                    "混合 mixed 日本語テキスト", "emoji 🙂 text", ""};
  for (size_t i = 0; i < texts.size(); ++i) {
    VectorRecord r = test::MakeRecord("t" + std::to_string(i), test::RandomVector(rng_, kDims), "",
                                      R"({"title":"Running Shoes"})");
    r.text = texts[i];
    batch.push_back(r);
  }
  ASSERT_TRUE(index_->Upsert(batch).ok());
  auto check_text = [&] {
    auto got = index_->GetByIds(std::vector<std::string>{"t0", "t1", "t2", "t3", "t4", "t5"});
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      EXPECT_EQ((*got)[i].text, texts[i]);
      EXPECT_EQ((*got)[i].values, batch[i].values);
    }
  };
  check_text();
  options_.checkpoint_on_close = false;
  Reopen();  // from the log
  check_text();
  TextIndexConfig config{.enabled = true, .fields = {"title"}, .language = "english"};
  ASSERT_TRUE(index_->ConfigureTextIndex(config).ok());
  EXPECT_EQ(index_->Describe().config.text_index, config);
  auto keyword = [&](const std::string& text) {
    QueryRequest q;
    q.mode = QueryMode::kKeyword;
    q.text = text;
    q.top_k = 10;
    auto r = index_->Query(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> ids;
    for (const QueryMatch& m : r->matches) ids.push_back(m.id);
    return ids;
  };
  EXPECT_EQ(keyword("한국어"), std::vector<std::string>{"t0"});
  EXPECT_EQ(keyword("STRASSE"), std::vector<std::string>{"t1"});  // case folding
  EXPECT_EQ(keyword("日本語"), std::vector<std::string>{"t3"});   // CJK bigrams
  EXPECT_EQ(keyword("run").size(), texts.size());                 // stemmed field "Running"
  for (bool checkpoint : {false, true}) {
    options_.checkpoint_on_close = checkpoint;
    Reopen();
    check_text();
    EXPECT_EQ(index_->Describe().config.text_index, config);
    EXPECT_EQ(keyword("한국어"), std::vector<std::string>{"t0"});
    EXPECT_EQ(db_->ListIndexes()[0].config.text_index, config);
  }
  ASSERT_TRUE(index_->ConfigureTextIndex({.enabled = false}).ok());
  Reopen();
  QueryRequest q;
  q.mode = QueryMode::kKeyword;
  q.text = "plain";
  EXPECT_EQ(index_->Query(q).status().reason(), Status::Reason::kNoTextIndex);
  check_text();
}

// Writers replace records (text and metadata change together) while readers query: every keyword
// hit's metadata is that of the text it matched, so queries see both at the same mutation.
TEST_F(HybridTest, KeywordResultsAreConsistentWithRecordsUnderConcurrentWrites) {
  Create("conc", "hnsw", true);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::mt19937 rng(3);
    for (int round = 0; round < 150; ++round) {
      std::vector<VectorRecord> batch;
      for (int i = 0; i < 20; ++i) {
        const bool alpha = rng() % 2 == 0;
        VectorRecord r = test::MakeRecord("r" + std::to_string(rng() % 100),
                                          test::RandomVector(rng, kDims), "",
                                          alpha ? R"({"t":"alpha"})" : R"({"t":"beta"})");
        r.text = alpha ? "alpha words" : "beta words";
        batch.push_back(r);
      }
      EXPECT_TRUE(index_->Upsert(batch).ok());
      if (round % 10 == 0) {
        EXPECT_TRUE(index_->DeleteByIds(std::vector<std::string>{"r" + std::to_string(rng() % 100)}).ok());
      }
    }
    stop = true;
  });
  int hits = 0;
  while (!stop) {
    QueryRequest q;
    q.mode = QueryMode::kKeyword;
    q.text = "alpha";
    q.top_k = 20;
    q.return_metadata = ReturnMetadata::kAll;
    auto r = index_->Query(q);
    EXPECT_TRUE(r.ok());
    if (!r.ok()) continue;
    for (const QueryMatch& m : r->matches) {
      EXPECT_EQ(m.metadata_json, R"({"t":"alpha"})") << m.id;
      ++hits;
    }
  }
  writer.join();
  EXPECT_GT(hits, 0);
}

// The full-text index is stored in checkpoints as derived state: a stored index that cannot be
// used (here: a blob of garbage in an otherwise intact segment) is rebuilt from the records, said
// in the recovery log, and never makes the index unopenable.
TEST_F(HybridTest, AnUnusableStoredTextIndexIsRebuiltFromTheRecords) {
  Create("blob", "flat", true);
  std::vector<VectorRecord> batch;
  for (int i = 0; i < 200; ++i) {
    batch.push_back(ToRecord("r" + std::to_string(i), RandomRecord(), std::nullopt));
  }
  ASSERT_TRUE(index_->Upsert(batch).ok());
  auto keyword = [&] {
    QueryRequest q;
    q.mode = QueryMode::kKeyword;
    q.text = "w3 w17";
    q.top_k = 50;
    auto r = index_->Query(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::pair<std::string, float>> out;
    for (const QueryMatch& m : r->matches) out.emplace_back(m.id, m.score);
    return out;
  };
  const auto before = keyword();
  ASSERT_FALSE(before.empty());
  options_.checkpoint_on_close = true;
  Reopen();  // from the segment's stored index
  EXPECT_EQ(keyword(), before);
  for (const std::string& line : db_->RecoveryLog()) {
    EXPECT_EQ(line.find("full-text"), std::string::npos) << line;
  }
  index_.reset();
  db_.reset();

  // Rewrite the segment with the same records and a text blob that is not a keyword index.
  const std::string segment = test::SegmentOf(dir_.path(), "blob");
  ASSERT_FALSE(segment.empty());
  db::SegmentHeader header;
  std::string graph;
  std::vector<std::pair<uint32_t, VectorRecord>> records;
  ASSERT_TRUE(test::ReadWholeSegment(segment, kDims, &header, &graph, &records).ok());
  ASSERT_GT(header.text_blob_bytes, 0u);
  const std::string garbage = "SMBLBM25 is what a keyword index starts with, not what it is";
  std::filesystem::remove(segment);
  std::filesystem::remove(segment + ".tmp");
  ASSERT_TRUE(test::WriteWholeSegment(segment, kDims, header, graph, garbage, records).ok());

  Reopen();
  EXPECT_EQ(keyword(), before);
  bool said = false;
  for (const std::string& line : db_->RecoveryLog()) {
    said |= line.find("the stored full-text index is not usable") != std::string::npos;
  }
  EXPECT_TRUE(said);
}

}  // namespace
}  // namespace semble
