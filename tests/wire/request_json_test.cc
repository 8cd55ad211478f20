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
  auto both = wire::ParseVectorsObject(R"({"vectors":[{"id":"a","values":[1],"text":"x"}]})",
                                       false, &discarded);
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ((*both)[0].values, std::vector<float>{1});
  EXPECT_EQ((*both)[0].text, "x");
  EXPECT_FALSE(wire::ParseVectorsObject(R"({"vectors":[{"id":"a","values":[1],"fields":{}}]})",
                                        false, &discarded)
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

namespace semble::wire {
namespace {

TEST(RequestJsonTest, QueryTakesModesFusionAndGroups) {
  auto kw = ParseQuery(R"({"mode":"keyword","text":"rare word","topK":3})");
  ASSERT_TRUE(kw.ok()) << kw.status().ToString();
  EXPECT_EQ(kw->request.mode, QueryMode::kKeyword);
  EXPECT_EQ(kw->request.text, "rare word");

  auto hy = ParseQuery(R"({"mode":"hybrid","text":"t","vector":[1,2],"fusion":"weighted",
      "alpha":0.25,"groupBy":"doc","groupSize":2,"groupCount":4.0})");
  ASSERT_TRUE(hy.ok()) << hy.status().ToString();
  EXPECT_EQ(hy->request.mode, QueryMode::kHybrid);
  EXPECT_EQ(hy->request.vector, (std::vector<float>{1, 2}));
  EXPECT_EQ(hy->request.fusion, FusionMethod::kWeighted);
  EXPECT_EQ(hy->request.alpha, 0.25f);
  EXPECT_EQ(hy->request.group_by, "doc");
  EXPECT_EQ(hy->request.group_size, 2u);
  EXPECT_EQ(hy->request.group_count, 4u);

  // A hybrid query's vector side may be the embedded text, or a stored vector.
  EXPECT_TRUE(ParseQuery(R"({"mode":"hybrid","text":"t"})").ok());
  EXPECT_TRUE(ParseQuery(R"({"mode":"hybrid","text":"t","vectorId":"a"})").ok());
  // The default mode is Vectorize's, and names as such.
  auto plain = ParseQuery(R"({"vector":[1],"mode":"vector","alpha":0,"fusion":"rrf"})");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->request.mode, QueryMode::kVector);
  EXPECT_EQ(plain->request.alpha, 0.0f);
  EXPECT_EQ(ParseQuery(R"({"vector":[1],"alpha":1})")->request.alpha, 1.0f);
  EXPECT_FALSE(ParseQuery(R"({"vector":[1]})")->request.alpha.has_value());
}

TEST(RequestJsonTest, QueryRefusesBadModesAndGroups) {
  struct Case {
    const char* body;
    const char* says;  // a part of the message
  };
  for (const Case& c : std::vector<Case>{
           {R"({"text":"t","mode":"semantic"})", "unknown query mode \"semantic\""},
           {R"({"text":"t","mode":1})", "\"mode\" must be a string"},
           {R"({"text":"t","mode":"hybrid","fusion":"max"})", "unknown fusion \"max\""},
           {R"({"text":"t","mode":"hybrid","fusion":null})", "\"fusion\" must be a string"},
           {R"({"text":"t","mode":"hybrid","alpha":2})", "\"alpha\" must be a number from 0 to 1"},
           {R"({"text":"t","mode":"hybrid","alpha":-0.1})", "\"alpha\" must be a number from 0"},
           {R"({"text":"t","mode":"hybrid","alpha":"0.5"})", "\"alpha\" must be a number"},
           {R"({"mode":"keyword"})", "a keyword query needs \"text\""},
           {R"({"mode":"keyword","vector":[1]})", "a keyword query needs \"text\""},
           {R"({"mode":"keyword","text":"t","vectorId":"a"})", "takes \"text\" only"},
           {R"({"mode":"hybrid","vector":[1]})", "a hybrid query needs \"text\""},
           {R"({"mode":"hybrid","text":"t","vector":[1],"vectorId":"a"})", "at most one"},
           {R"({"mode":"hybrid","text":"t","vector":[]})", "\"vector\" is empty"},
           {R"({"text":"t","groupBy":""})", "\"groupBy\" must be a metadata property name"},
           {R"({"text":"t","groupBy":["a"]})", "\"groupBy\" must be a string"},
           {R"({"text":"t","groupBy":"a","groupSize":-1})", "\"groupSize\" must be a non-negative"},
           {R"({"text":"t","groupBy":"a","groupCount":1.5})", "\"groupCount\" must be a non-neg"},
           {R"({"text":"t","mode":"keyword","mode":"keyword"})", "appears more than once"},
       }) {
    auto q = ParseQuery(c.body);
    ASSERT_FALSE(q.ok()) << c.body;
    EXPECT_EQ(q.status().code(), Status::Code::kInvalidArgument) << c.body;
    EXPECT_NE(q.status().message().find(c.says), std::string::npos)
        << c.body << ": " << q.status().message();
  }
  // The map and recommend take no modes or groups: the fields are unknown there, so ignored.
  auto map = ParseMap(R"({"text":"t","mode":"bogus","groupBy":""})");
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(map->query.request.mode, QueryMode::kVector);
}

TEST(RequestJsonTest, CreateIndexTakesATextIndex) {
  auto off = ParseCreateIndex(R"({"name":"a","config":{"dimensions":3,"metric":"cosine"}})");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->text_index.enabled);
  auto on = ParseCreateIndex(
      R"({"name":"a","config":{"dimensions":3,"metric":"cosine","textIndex":true}})");
  ASSERT_TRUE(on.ok()) << on.status().ToString();
  TextIndexConfig defaults;
  defaults.enabled = true;
  EXPECT_EQ(on->text_index, defaults);
  auto full = ParseCreateIndex(R"({"name":"a","config":{"model":"m","textIndex":{
      "fields":["title","source.name"],"language":"none","k1":1.5,"b":0.5}}})");
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_TRUE(full->text_index.enabled);
  EXPECT_EQ(full->text_index.fields, (std::vector<std::string>{"title", "source.name"}));
  EXPECT_EQ(full->text_index.language, "none");
  EXPECT_EQ(full->text_index.k1, 1.5f);
  EXPECT_EQ(full->text_index.b, 0.5f);
  // An empty object is the defaults, enabled; false and null are no index.
  auto empty = ParseCreateIndex(R"({"name":"a","config":{"model":"m","textIndex":{}}})");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->text_index, defaults);
  EXPECT_FALSE(
      ParseCreateIndex(R"({"name":"a","config":{"model":"m","textIndex":false}})")->text_index.enabled);
  EXPECT_FALSE(
      ParseCreateIndex(R"({"name":"a","config":{"model":"m","textIndex":null}})")->text_index.enabled);
  for (const char* bad : {
           R"({"name":"a","config":{"model":"m","textIndex":"yes"}})",
           R"({"name":"a","config":{"model":"m","textIndex":{"fields":"title"}}})",
           R"({"name":"a","config":{"model":"m","textIndex":{"fields":[1]}}})",
           R"({"name":"a","config":{"model":"m","textIndex":{"language":5}}})",
           R"({"name":"a","config":{"model":"m","textIndex":{"k1":"1"}}})",
           R"({"name":"a","config":{"model":"m","textIndex":{"b":null}}})",
           R"({"name":"a","config":{"model":"m","textIndex":{"k1":1e300}}})",
           R"({"name":"a","config":{"model":"m","textIndex":{"enabled":"no"}}})",
       }) {
    auto c = ParseCreateIndex(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.status().message().find("config.textIndex"), std::string::npos)
        << c.status().message();
  }
}

TEST(RequestJsonTest, TextIndexBodies) {
  auto obj = ParseTextIndexBody(R"({"fields":["t"],"language":"english"})");
  ASSERT_TRUE(obj.ok()) << obj.status().ToString();
  EXPECT_TRUE(obj->enabled);
  EXPECT_EQ(obj->fields, std::vector<std::string>{"t"});
  auto off = ParseTextIndexBody(R"({"enabled":false,"fields":["t"]})");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(*off, TextIndexConfig{});
  EXPECT_TRUE(ParseTextIndexBody("true")->enabled);
  EXPECT_FALSE(ParseTextIndexBody("false")->enabled);
  for (const char* bad : {"", "null", "[1]", "\"on\"", R"({"k1":[1]})", "{"}) {
    EXPECT_FALSE(ParseTextIndexBody(bad).ok()) << bad;
  }
  // What the client sends reads back.
  TextIndexConfig c;
  c.enabled = true;
  c.fields = {"a", "b.c"};
  c.language = "none";
  c.k1 = 0.3f;
  c.b = 1;
  EXPECT_EQ(*ParseTextIndexBody(TextIndexBodyJson(c)), c);
  EXPECT_EQ(*ParseTextIndexBody(TextIndexBodyJson(TextIndexConfig{})), TextIndexConfig{});
}

}  // namespace
}  // namespace semble::wire
