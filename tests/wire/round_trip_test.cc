// Copyright 2026 The semble Authors.
//
// Every wire shape that one side writes and the other reads comes back as it was written: the
// server's answers through the client's readers, and the client's request bodies through the
// server's parsers, over random values (ids and texts of any UTF-8, floats of any finite value,
// nested metadata, every enum).

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "wire/embeddings_json.h"
#include "wire/record_json.h"
#include "wire/request_json.h"
#include "wire/response_json.h"

namespace semble::wire {
namespace {

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  size_t Below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool Coin() { return Below(2) == 0; }
  // Any int64 from 1 up, every magnitude (JSON integers of every length, up to INT64_MAX).
  int64_t PositiveInt64() {
    const uint64_t bits = std::uniform_int_distribution<uint64_t>()(rng_) >> (1 + Below(63));
    return bits == 0 ? 1 : static_cast<int64_t>(bits);
  }

  // Valid UTF-8 of 1..max code points: ASCII (quotes, backslashes and controls included), Latin,
  // Hangul, CJK and astral characters.
  std::string Text(size_t max = 12) {
    static const uint32_t kPicks[] = {'a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', 0x01, 0x7f,
                                      0xe9, 0x3b1, 0xac00, 0xd55c, 0x4e2d, 0x1f600, 0x10348};
    std::string s;
    const size_t n = 1 + Below(max);
    for (size_t i = 0; i < n; ++i) Append(kPicks[Below(std::size(kPicks))], &s);
    return s;
  }

  // A full-text index config over the whole wire range: any field names and language (the
  // engine checks them, not the wire), any finite k1 and b.
  TextIndexConfig TextIndex() {
    TextIndexConfig c;
    c.enabled = Below(4) != 0;
    if (!c.enabled) return c;
    for (size_t i = Below(9); i > 0; --i) c.fields.push_back(Text());
    c.language = Coin() ? (Coin() ? "english" : "none") : Text();
    c.k1 = Coin() ? Float() : 1.2f;
    c.b = Coin() ? Float() : 0.75f;
    return c;
  }

  // A group key as the engine writes it: the compact JSON of a string, number or boolean.
  std::string GroupKey() {
    switch (Below(3)) {
      case 0: return Quote(Text());
      case 1: return std::to_string(static_cast<int>(Below(1000000)) - 500000);
      default: return Coin() ? "true" : "false";
    }
  }

  float Float() {
    switch (Below(4)) {
      case 0:
        return std::uniform_real_distribution<float>(-1, 1)(rng_);
      case 1: {
        uint32_t bits;
        do {
          bits = static_cast<uint32_t>(rng_());
          std::memcpy(&f_, &bits, 4);
        } while (!std::isfinite(f_));
        return f_;
      }
      case 2:
        return std::numeric_limits<float>::denorm_min() * static_cast<float>(1 + Below(100));
      default:
        return static_cast<float>(static_cast<int>(Below(2001)) - 1000);
    }
  }

  std::vector<float> Floats(size_t max = 16) {
    std::vector<float> v(1 + Below(max));
    for (float& x : v) x = Float();
    return v;
  }

  // Compact JSON of an object with strings, integers, booleans, null, arrays and one nested level.
  std::string Object(int depth = 0) {
    std::string s = "{";
    const size_t n = Below(4);
    for (size_t i = 0; i < n; ++i) {
      if (i) s += ',';
      s += "\"k" + std::to_string(i) + "\":";
      switch (Below(depth == 0 ? 6 : 5)) {
        case 0: s += Quote(Text()); break;
        case 1: s += std::to_string(static_cast<int>(Below(1000000)) - 500000); break;
        case 2: s += Coin() ? "true" : "false"; break;
        case 3: s += "null"; break;
        case 4: s += "[" + Quote(Text()) + "," + Quote(Text()) + "]"; break;
        default: s += Object(depth + 1); break;
      }
    }
    return s + "}";
  }

 private:
  static void Append(uint32_t c, std::string* s) {
    if (c < 0x80) {
      s->push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      s->push_back(static_cast<char>(0xc0 | (c >> 6)));
      s->push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
      s->push_back(static_cast<char>(0xe0 | (c >> 12)));
      s->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      s->push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else {
      s->push_back(static_cast<char>(0xf0 | (c >> 18)));
      s->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
      s->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      s->push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  static std::string Quote(const std::string& text) {
    core::JsonWriter w;
    w.String(text);
    return w.Take();
  }

  std::mt19937_64 rng_;
  float f_ = 0;

 public:
  std::mt19937_64& rng() { return rng_; }
};

constexpr int kTrials = 2000;

TEST(WireRoundTripTest, IndexDescriptions) {
  Gen g(1);
  for (int t = 0; t < kTrials; ++t) {
    IndexDescription d;
    d.name = g.Text();
    d.description = g.Coin() ? g.Text(40) : "";
    d.config.dimensions = static_cast<uint32_t>(1 + g.Below(1536));
    d.config.metric = static_cast<Metric>(g.Below(3));
    d.config.index_type = g.Coin() ? "hnsw,m=16,efc=200,ef=64" : "flat";
    if (g.Coin()) {
      d.config.embedding_model = g.Text();
      d.config.embedding_pooling = g.Coin() ? "mean" : "cls";
    } else if (g.Coin()) {
      d.config.schema_json = g.Object();
    }
    d.created_on_ms = static_cast<int64_t>(g.Below(1ull << 45));
    d.modified_on_ms = d.created_on_ms + static_cast<int64_t>(g.Below(1000000));
    d.config.default_ttl_seconds = g.Coin() ? 0 : g.PositiveInt64();
    if (g.Coin()) d.config.text_index = g.TextIndex();
    auto back = ParseIndexDescription(IndexDescriptionToJson(d));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->name, d.name);
    EXPECT_EQ(back->description, d.description);
    EXPECT_EQ(back->config.dimensions, d.config.dimensions);
    EXPECT_EQ(back->config.metric, d.config.metric);
    EXPECT_EQ(back->config.index_type, d.config.index_type);
    EXPECT_EQ(back->config.embedding_model, d.config.embedding_model);
    EXPECT_EQ(back->config.embedding_pooling, d.config.embedding_pooling);
    EXPECT_EQ(back->config.schema_json, d.config.schema_json);
    EXPECT_EQ(back->config.default_ttl_seconds, d.config.default_ttl_seconds);
    // A disabled text index is written as nothing and reads back as the defaults.
    EXPECT_EQ(back->config.text_index,
              d.config.text_index.enabled ? d.config.text_index : TextIndexConfig{});
    EXPECT_EQ(back->created_on_ms, d.created_on_ms);
    EXPECT_EQ(back->modified_on_ms, d.modified_on_ms);
    auto list = ParseIndexDescriptions(IndexDescriptionsToJson(std::vector<IndexDescription>{d, d}));
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[1].name, d.name);
  }
}

TEST(WireRoundTripTest, IndexInfo) {
  Gen g(2);
  for (int t = 0; t < kTrials; ++t) {
    IndexInfo info;
    info.dimensions = static_cast<uint32_t>(1 + g.Below(1536));
    info.vector_count = g.Below(1ull << 40);
    if (g.Coin()) {
      info.processed_up_to_mutation = g.Text(36);
      info.processed_up_to_ms = static_cast<int64_t>(g.Below(1ull << 45));
    }
    if (g.Coin()) {
      info.index_type = "hnsw,m=16,efc=200,ef=64";
      // The server writes the figure to one decimal.
      info.memory_bytes_per_vector = static_cast<double>(g.Below(100000)) / 10;
      info.unindexed_vectors = g.Below(1u << 20);
      if (g.Coin()) {
        info.recall_calibration_queries = static_cast<uint32_t>(g.Below(513));
        uint32_t ef = 0;
        for (size_t i = 1 + g.Below(30); i > 0; --i) {
          ef += static_cast<uint32_t>(1 + g.Below(300));
          info.recall_calibration.push_back({ef, static_cast<float>(g.Below(10001)) / 10000});
        }
        // Any float reads back, not only recalls a calibration can measure.
        info.recall_calibration.back().recall = g.Float();
      }
    }
    auto back = ParseIndexInfo(IndexInfoToJson(info));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->dimensions, info.dimensions);
    EXPECT_EQ(back->vector_count, info.vector_count);
    EXPECT_EQ(back->processed_up_to_mutation, info.processed_up_to_mutation);
    EXPECT_EQ(back->processed_up_to_ms, info.processed_up_to_ms);
    EXPECT_EQ(back->index_type, info.index_type);
    EXPECT_EQ(back->memory_bytes_per_vector, info.memory_bytes_per_vector);
    EXPECT_EQ(back->unindexed_vectors, info.unindexed_vectors);
    EXPECT_EQ(back->recall_calibration_queries, info.recall_calibration_queries);
    ASSERT_EQ(back->recall_calibration.size(), info.recall_calibration.size());
    for (size_t i = 0; i < info.recall_calibration.size(); ++i) {
      EXPECT_EQ(back->recall_calibration[i].ef, info.recall_calibration[i].ef);
      EXPECT_EQ(back->recall_calibration[i].recall, info.recall_calibration[i].recall);
    }
  }
}

TEST(WireRoundTripTest, QueryResultsRecordsListsMutationsAndMetadataIndexes) {
  Gen g(3);
  for (int t = 0; t < kTrials; ++t) {
    QueryResult result;
    std::vector<VectorRecord> records;
    const size_t n = g.Below(5);
    for (size_t i = 0; i < n; ++i) {
      QueryMatch m;
      m.id = g.Text();
      m.score = g.Float();
      if (g.Coin()) m.values = g.Floats();
      if (g.Coin()) m.ns = g.Text();
      if (g.Coin()) m.metadata_json = g.Object();
      result.matches.push_back(m);
      // {} is how get_by_ids writes "no metadata", and reads back as none.
      records.push_back(
          VectorRecord{m.id, g.Floats(), m.ns, m.metadata_json == "{}" ? "" : m.metadata_json});
      if (g.Coin()) records.back().expires_at_ms = g.PositiveInt64();
      if (g.Coin()) records.back().text = g.Text(200);
    }
    // Groups of the matches (a match may be in several), sometimes.
    const bool grouped = g.Coin();
    if (grouped) {
      for (size_t k = g.Below(4); k > 0 && n > 0; --k) {
        QueryGroup group{g.GroupKey(), {}};
        for (size_t j = 1 + g.Below(3); j > 0; --j) {
          group.matches.push_back(result.matches[g.Below(n)]);
        }
        result.groups.push_back(std::move(group));
      }
    }
    const auto same_matches = [](const std::vector<QueryMatch>& a,
                                 const std::vector<QueryMatch>& b) {
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].id, b[i].id);
        EXPECT_EQ(a[i].score, b[i].score);
        EXPECT_EQ(a[i].values, b[i].values);
        EXPECT_EQ(a[i].ns, b[i].ns);
        EXPECT_EQ(a[i].metadata_json, b[i].metadata_json);
      }
    };
    core::JsonWriter qw;
    WriteQueryResult(result, &qw, grouped);
    const std::string qjson = qw.Take();
    // A grouped query always answers "groups", even when no record matched.
    EXPECT_EQ(qjson.find("\"groups\":") != std::string::npos, grouped) << qjson;
    auto q = ParseQueryResult(qjson);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    ASSERT_EQ(q->matches.size(), n);
    same_matches(q->matches, result.matches);
    ASSERT_EQ(q->groups.size(), result.groups.size());
    for (size_t i = 0; i < result.groups.size(); ++i) {
      EXPECT_EQ(q->groups[i].key_json, result.groups[i].key_json);
      same_matches(q->groups[i].matches, result.groups[i].matches);
    }
    auto r = ParseRecords(RecordsToJson(records));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->size(), n);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ((*r)[i].id, records[i].id);
      EXPECT_EQ((*r)[i].values, records[i].values);
      EXPECT_EQ((*r)[i].ns, records[i].ns);
      EXPECT_EQ((*r)[i].metadata_json, records[i].metadata_json);
      EXPECT_EQ((*r)[i].expires_at_ms, records[i].expires_at_ms);
      EXPECT_EQ((*r)[i].text, records[i].text);
    }

    ListResult list;
    for (size_t i = 0; i < n; ++i) list.ids.push_back(g.Text());
    list.total_count = n + g.Below(1000);
    list.is_truncated = g.Coin();
    if (list.is_truncated) list.next_cursor = g.Text();
    auto l = ParseListResult(ListResultToJson(list));
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l->ids, list.ids);
    EXPECT_EQ(l->total_count, list.total_count);
    EXPECT_EQ(l->is_truncated, list.is_truncated);
    EXPECT_EQ(l->next_cursor, list.next_cursor);

    MutationResult m{g.Text(36)};
    auto mb = ParseMutation(MutationToJson(m));
    ASSERT_TRUE(mb.ok());
    EXPECT_EQ(mb->mutation_id, m.mutation_id);
    m.count = g.Coin() ? 0 : static_cast<uint64_t>(g.PositiveInt64());
    auto counted = ParseMutation(CountedMutationToJson(m));
    ASSERT_TRUE(counted.ok());
    EXPECT_EQ(counted->mutation_id, m.mutation_id);
    EXPECT_EQ(counted->count, m.count);

    std::vector<MetadataIndexDescription> mis(g.Below(4));
    for (auto& mi : mis) mi = {g.Text(), static_cast<MetadataIndexType>(g.Below(3))};
    auto mib = ParseMetadataIndexes(MetadataIndexesToJson(mis));
    ASSERT_TRUE(mib.ok());
    ASSERT_EQ(mib->size(), mis.size());
    for (size_t i = 0; i < mis.size(); ++i) {
      EXPECT_EQ((*mib)[i].property_name, mis[i].property_name);
      EXPECT_EQ((*mib)[i].type, mis[i].type);
    }

    const TextIndexConfig ti = g.TextIndex();
    auto tib = ParseTextIndexState(TextIndexStateToJson(ti));
    ASSERT_TRUE(tib.ok()) << tib.status().ToString();
    EXPECT_EQ(*tib, ti);
  }
}

TEST(WireRoundTripTest, ClientRequestBodiesReadBackOnTheServer) {
  Gen g(4);
  for (int t = 0; t < kTrials; ++t) {
    QueryRequest q;
    q.mode = static_cast<QueryMode>(g.Below(3));
    switch (q.mode) {
      case QueryMode::kVector:
        switch (g.Below(3)) {
          case 0: q.vector = g.Floats(); break;
          case 1: q.vector_id = g.Text(); break;
          default: q.text = g.Text(40); break;
        }
        break;
      case QueryMode::kKeyword:
        q.text = g.Text(40);
        break;
      case QueryMode::kHybrid:
        q.text = g.Text(40);
        if (g.Coin()) {
          q.vector = g.Floats();
        } else if (g.Coin()) {
          q.vector_id = g.Text();
        }
        break;
    }
    // The wire carries any fusion with any alpha in [0, 1]; which go together is the engine's.
    q.fusion = static_cast<FusionMethod>(g.Below(2));
    if (g.Coin()) q.alpha = g.Coin() ? std::uniform_real_distribution<float>(0, 1)(g.rng())
                                     : static_cast<float>(g.Below(2));
    if (g.Coin()) q.group_by = g.Text();
    if (g.Coin()) q.group_size = static_cast<uint32_t>(g.Below(1ull << 32));
    if (g.Coin()) q.group_count = static_cast<uint32_t>(g.Below(1ull << 32));
    q.top_k = static_cast<uint32_t>(1 + g.Below(100));
    q.return_values = g.Coin();
    q.return_metadata = static_cast<ReturnMetadata>(g.Below(3));
    if (g.Coin()) q.ns = g.Text();
    if (g.Coin()) q.filter_json = g.Object();
    for (size_t i = g.Below(3); i > 0; --i) q.exclude_ids.push_back(g.Text());
    if (g.Coin()) {
      q.ef = static_cast<uint32_t>(1 + g.Below(10000));
    } else if (g.Coin()) {
      q.recall = static_cast<float>(1 + g.Below(1000)) / 1000.0f;
    }
    auto back = ParseQuery(QueryRequestJson(q));
    ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << QueryRequestJson(q);
    const QueryRequest& b = back->request;
    EXPECT_EQ(b.vector, q.vector);
    EXPECT_EQ(b.vector_id, q.vector_id);
    EXPECT_EQ(b.text, q.text);
    EXPECT_EQ(b.top_k, q.top_k);
    EXPECT_EQ(b.return_values, q.return_values);
    EXPECT_EQ(b.return_metadata, q.return_metadata);
    EXPECT_EQ(b.ns, q.ns);
    EXPECT_EQ(b.filter_json, q.filter_json);
    EXPECT_EQ(b.exclude_ids, q.exclude_ids);
    EXPECT_EQ(b.ef, q.ef);
    EXPECT_EQ(b.recall, q.recall);
    EXPECT_EQ(b.mode, q.mode);
    EXPECT_EQ(b.fusion, q.fusion);
    EXPECT_EQ(b.alpha, q.alpha);
    EXPECT_EQ(b.group_by, q.group_by);
    EXPECT_EQ(b.group_size, q.group_size);
    EXPECT_EQ(b.group_count, q.group_count);

    std::vector<VectorRecord> records(1 + g.Below(4));
    for (VectorRecord& r : records) {
      r.id = g.Text();
      switch (g.Below(4)) {
        case 0: r.values = g.Floats(); break;
        case 1: r.text = g.Text(40); break;
        case 2:  // values with text: the text is stored for keyword search
          r.values = g.Floats();
          r.text = g.Text(200);
          break;
        default: r.fields_json = g.Object(); break;
      }
      if (g.Coin()) r.ns = g.Text();
      if (g.Coin()) r.metadata_json = g.Object();
      switch (g.Below(3)) {
        case 0: break;
        case 1: r.ttl_seconds = g.PositiveInt64(); break;
        default: r.expires_at_ms = g.PositiveInt64(); break;
      }
    }
    auto parsed = ParseNdjson(RecordsNdjson(records), false, nullptr, /*extensions=*/true);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    ASSERT_EQ(parsed->size(), records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      const VectorRecord& a = records[i];
      const VectorRecord& p = (*parsed)[i];
      EXPECT_EQ(p.id, a.id);
      EXPECT_EQ(p.values, a.values);
      EXPECT_EQ(p.text, a.text);
      EXPECT_EQ(p.fields_json, a.fields_json);
      EXPECT_EQ(p.ns, a.ns);
      EXPECT_EQ(p.metadata_json, a.metadata_json);
      EXPECT_EQ(p.ttl_seconds, a.ttl_seconds);
      EXPECT_EQ(p.expires_at_ms, a.expires_at_ms);
    }

    for (bool update : {false, true}) {
      FilterMutation f;
      f.filter_json = g.Coin() ? "{}" : g.Object();
      f.allow_all = g.Coin();
      if (update) {
        f.metadata_json = g.Object();
        f.merge = g.Coin();
      }
      auto fb = ParseFilterMutation(FilterMutationJson(f, update), update);
      ASSERT_TRUE(fb.ok()) << fb.status().ToString();
      EXPECT_EQ(fb->filter_json, f.filter_json);
      EXPECT_EQ(fb->allow_all, f.allow_all);
      EXPECT_EQ(fb->metadata_json, f.metadata_json);
      EXPECT_EQ(fb->merge, f.merge);
    }

    std::vector<std::string> ids(1 + g.Below(4));
    for (std::string& id : ids) id = g.Text();
    auto ib = ParseIds(IdsJson(ids));
    ASSERT_TRUE(ib.ok());
    EXPECT_EQ(*ib, ids);

    const TextIndexConfig ti = g.TextIndex();
    auto tib = ParseTextIndexBody(TextIndexBodyJson(ti));
    ASSERT_TRUE(tib.ok()) << tib.status().ToString() << "\n" << TextIndexBodyJson(ti);
    EXPECT_EQ(*tib, ti);

    const MetadataIndexDescription mi{g.Text(), static_cast<MetadataIndexType>(g.Below(3))};
    auto mib = ParseMetadataIndexCreate(MetadataIndexCreateJson(mi));
    ASSERT_TRUE(mib.ok()) << mib.status().ToString();
    EXPECT_EQ(mib->property_name, mi.property_name);
    EXPECT_EQ(mib->type, mi.type);
    auto pn = ParsePropertyName(PropertyNameJson(mi.property_name));
    ASSERT_TRUE(pn.ok());
    EXPECT_EQ(*pn, mi.property_name);
  }
}

TEST(WireRoundTripTest, OpenAiEmbeddingsInBothEncodings) {
  Gen g(5);
  for (int t = 0; t < kTrials; ++t) {
    std::vector<std::vector<float>> vectors(1 + g.Below(4));
    for (auto& v : vectors) v = g.Floats(40);
    for (bool base64 : {false, true}) {
      core::JsonWriter w;
      WriteOpenAiEmbeddingList(vectors, "m", 7, base64, &w);
      auto back = ParseOpenAiEmbeddingList(w.Take());
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(*back, vectors) << (base64 ? "base64" : "float");
    }
    std::vector<std::string> texts(1 + g.Below(4));
    for (std::string& s : texts) s = g.Text(30);
    auto req = ParseOpenAiEmbeddings(OpenAiEmbeddingsRequestJson("model-x", texts));
    ASSERT_TRUE(req.ok()) << req.status().ToString();
    EXPECT_EQ(req->model, "model-x");
    EXPECT_EQ(req->inputs, texts);
    EXPECT_FALSE(req->base64);
  }
}

TEST(WireRoundTripTest, ReadersRefuseOtherShapes) {
  EXPECT_TRUE(ParseQueryResult("[]").status().IsIOError());
  EXPECT_TRUE(ParseQueryResult(R"({"matches":[{"id":"a"}]})").status().IsIOError());
  EXPECT_TRUE(ParseRecords(R"({"id":"a"})").status().IsIOError());
  EXPECT_TRUE(ParseListResult(R"({"count":0})").status().IsIOError());
  EXPECT_TRUE(ParseMutation("{}").status().IsIOError());
  EXPECT_TRUE(ParseMetadataIndexes(R"({"metadataIndexes":[{"propertyName":"a","indexType":"x"}]})")
                  .status()
                  .IsIOError());
  EXPECT_TRUE(ParseIndexDescriptions("{}").status().IsIOError());
  EXPECT_TRUE(ParseOpenAiEmbeddingList(R"({"data":[{"index":0,"embedding":"abc"}]})")
                  .status()
                  .IsIOError());
  EXPECT_TRUE(ParseOpenAiEmbeddingList(R"({"data":[{"index":1,"embedding":[1]}]})")
                  .status()
                  .IsIOError());
  // A newer server may add fields: they are ignored.
  auto q = ParseQueryResult(R"({"count":1,"matches":[{"id":"a","score":0.5,"new":1}],"more":2})");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->matches[0].id, "a");
}

}  // namespace
}  // namespace semble::wire
