// Copyright 2026 The semble Authors.

#include "wire/request_json.h"

#include <gtest/gtest.h>

namespace semble::wire {
namespace {

TEST(RequestJsonTest, QueryTakesVectorizeFieldsAndExtensions) {
  auto q = wire::ParseQuery(R"({"vector":[1,2.5,-3],"topK":7,"returnValues":true,
      "returnMetadata":"indexed","namespace":"ns","filter":{ "a" : {"$eq": 1} },"ef":40})");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->request.vector, (std::vector<float>{1, 2.5f, -3}));
  EXPECT_EQ(q->request.top_k, 7u);
  EXPECT_TRUE(q->request.return_values);
  EXPECT_EQ(q->request.return_metadata, ReturnMetadata::kIndexed);
  EXPECT_EQ(q->request.ns, "ns");
  EXPECT_EQ(q->request.filter_json, R"({"a":{"$eq":1}})");
  EXPECT_EQ(q->request.ef, 40u);

  auto by_id = wire::ParseQuery(R"({"vectorId":"x","returnMetadata":true,"topK":5.0,"namespace":null})");
  ASSERT_TRUE(by_id.ok()) << by_id.status().ToString();
  EXPECT_EQ(by_id->request.vector_id, "x");
  EXPECT_EQ(by_id->request.return_metadata, ReturnMetadata::kAll);
  EXPECT_FALSE(by_id->request.ns.has_value());

  auto text = wire::ParseQuery(R"({"text":"hello","model":"m"})");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->request.text, "hello");
  EXPECT_EQ(text->model, "m");
}

TEST(RequestJsonTest, QueryRefusesWrongShapes) {
  for (const char* bad : {
           R"({"topK":5})",                              // no query
           R"({"vector":[1],"vectorId":"a"})",           // two queries
           R"({"vector":[]})",                           // empty vector
           R"({"vector":[1,"2"]})",                      // non-number
           R"({"vector":[1e300]})",                      // outside float
           R"({"vector":[1],"topK":5.5})",               // fractional topK
           R"({"vector":[1],"topK":-1})",                // negative
           R"({"vector":[1],"returnMetadata":"some"})",  // unknown mode
           R"({"vector":[1],"filter":[1]})",             // filter not an object
           R"({"vector":[1],"topK":5,"topK":6})",        // repeated field
           R"({"text":""})",                             // empty text
           R"([1,2])", R"({"vector":[1])", "", "null"}) {
    EXPECT_FALSE(wire::ParseQuery(bad).ok()) << bad;
  }
}

// Cloudflare and OpenAI ignore fields they do not know; so does semble, so that a newer client
// adding a field keeps working. A misspelt field is therefore just absent.
TEST(RequestJsonTest, UnknownFieldsAreIgnored) {
  auto q = wire::ParseQuery(R"({"vector":[1],"topk":9,"futureOption":{"a":[1]}})");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->request.top_k, QueryRequest{}.top_k);
  auto e = wire::ParseOpenAiEmbeddings(R"({"model":"m","input":"x","newField":true})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto c = wire::ParseCreateIndex(
      R"({"name":"a","config":{"dimensions":3,"metric":"cosine","extra":1},"extra":2})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->dimensions, 3u);
}

TEST(RequestJsonTest, CreateIndexForms) {
  auto plain = wire::ParseCreateIndex(R"({"name":"a","description":"d","config":{"dimensions":3,"metric":"cosine"}})");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->name, "a");
  EXPECT_EQ(plain->dimensions, 3u);
  EXPECT_EQ(plain->metric, "cosine");
  auto preset = wire::ParseCreateIndex(R"({"name":"a","config":{"preset":"@cf/baai/bge-small-en-v1.5"}})");
  ASSERT_TRUE(preset.ok());
  EXPECT_EQ(preset->preset, "@cf/baai/bge-small-en-v1.5");
  EXPECT_FALSE(wire::ParseCreateIndex(R"({"name":"a","config":{"preset":"p","dimensions":3}})").ok());
  EXPECT_FALSE(wire::ParseCreateIndex(R"({"config":{"dimensions":3}})").ok());
  EXPECT_FALSE(wire::ParseCreateIndex(R"({"name":"a"})").ok());
  EXPECT_FALSE(wire::ParseCreateIndex(R"({"name":"a","config":{"dimensions":"3"}})").ok());
  // A misspelt field is an unknown one, ignored: the request then lacks dimensions, which the
  // create resolver refuses ("missing field").
  auto misspelt = wire::ParseCreateIndex(R"({"name":"a","config":{"dims":3}})");
  ASSERT_TRUE(misspelt.ok());
  EXPECT_FALSE(misspelt->dimensions.has_value());
}

TEST(RequestJsonTest, IdsAndMetadataIndexBodies) {
  auto ids = wire::ParseIds(R"({"ids":["a","b"]})");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(wire::ParseIds(R"({"ids":["a",1]})").ok());
  EXPECT_FALSE(wire::ParseIds(R"({"id":["a"]})").ok());
  auto mi = wire::ParseMetadataIndexCreate(R"({"propertyName":"genre","indexType":"number"})");
  ASSERT_TRUE(mi.ok());
  EXPECT_EQ(mi->property_name, "genre");
  EXPECT_EQ(mi->type, MetadataIndexType::kNumber);
  EXPECT_FALSE(wire::ParseMetadataIndexCreate(R"({"propertyName":"genre","indexType":"date"})").ok());
  EXPECT_FALSE(wire::ParseMetadataIndexCreate(R"({"propertyName":"genre"})").ok());
  EXPECT_EQ(*wire::ParsePropertyName(R"({"propertyName":"g"})"), "g");
}

TEST(RequestJsonTest, VectorsObjectTakesRecordsAndTexts) {
  size_t discarded = 0;
  auto r = wire::ParseVectorsObject(
      R"({"vectors":[{"id":"a","values":[1,2]},{"id":"b","text":"hi","metadata":{"k":1}}]})", false,
      &discarded);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].values, (std::vector<float>{1, 2}));
  EXPECT_TRUE((*r)[0].text.empty());
  EXPECT_EQ((*r)[1].text, "hi");
  EXPECT_EQ((*r)[1].metadata_json, R"({"k":1})");

  auto bad = wire::ParseVectorsObject(R"({"vectors":[{"id":"a"},{"id":"b","values":[1]}]})", false,
                                &discarded);
  EXPECT_FALSE(bad.ok());
  auto kept = wire::ParseVectorsObject(R"({"vectors":[{"id":"a"},{"id":"b","values":[1]}]})", true,
                                 &discarded);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->size(), 1u);
  EXPECT_EQ(discarded, 1u);
  EXPECT_FALSE(wire::ParseVectorsObject(R"({"vectors":[{"id":"a","values":[1],"text":"x"}]})", false,
                                  &discarded)
                   .ok());
}

TEST(RequestJsonTest, EmbeddingBodies) {
  auto one = wire::ParseAiRun(R"({"text":"hi"})");
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->single);
  EXPECT_EQ(one->texts, (std::vector<std::string>{"hi"}));
  auto many = wire::ParseAiRun(R"({"text":["a","b"],"pooling":"cls"})");
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->texts.size(), 2u);
  EXPECT_EQ(many->pooling, "cls");
  EXPECT_FALSE(wire::ParseAiRun(R"({"texts":["a"]})").ok());
  EXPECT_FALSE(wire::ParseAiRun(R"({"text":[1]})").ok());

  auto oa = wire::ParseOpenAiEmbeddings(R"({"model":"m","input":["a","b"],"encoding_format":"base64","user":"u"})");
  ASSERT_TRUE(oa.ok()) << oa.status().ToString();
  EXPECT_TRUE(oa->base64);
  EXPECT_EQ(oa->inputs.size(), 2u);
  EXPECT_FALSE(wire::ParseOpenAiEmbeddings(R"({"model":"m","input":[[1,2,3]]})").ok());
  EXPECT_FALSE(wire::ParseOpenAiEmbeddings(R"({"model":"m","input":"a","encoding_format":"int8"})").ok());
  EXPECT_FALSE(wire::ParseOpenAiEmbeddings(R"({"input":"a"})").ok());
}

}  // namespace
}  // namespace semble::wire
