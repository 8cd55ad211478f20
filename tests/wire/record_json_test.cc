// Copyright 2026 The semble Authors.

#include "wire/record_json.h"
#include "wire/response_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cfloat>
#include <random>
#include <string>
#include <vector>

namespace semble::db {
namespace {

// Parses a line that must fail and returns the message, so each test states the words a user sees.
std::string ParseError(std::string_view line) {
  auto r = wire::ParseRecordJson(line);
  EXPECT_FALSE(r.ok()) << "parsed: " << line;
  if (r.ok()) return "";
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  return r.status().message();
}

TEST(ParseRecordJsonTest, FullRecord) {
  auto r = wire::ParseRecordJson(
      R"({"id":"4444","values":[175.1,167.1,-129.9, 3],"namespace":"ns1",)"
      R"("metadata":{"url":"/products/sku/918318313", "n" : 2 ,"tags":["a","b"],"x":{"y":true}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "4444");
  EXPECT_EQ(r->values, (std::vector<float>{175.1f, 167.1f, -129.9f, 3.0f}));
  EXPECT_EQ(r->ns, "ns1");
  // Metadata is kept as the compact JSON text of the object.
  EXPECT_EQ(r->metadata_json,
            R"({"url":"/products/sku/918318313","n":2,"tags":["a","b"],"x":{"y":true}})");
}

TEST(ParseRecordJsonTest, OptionalFieldsAbsentOrNull) {
  auto a = wire::ParseRecordJson(R"({"values":[1,2],"id":"a"})");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->id, "a");
  EXPECT_EQ(a->ns, "");
  EXPECT_EQ(a->metadata_json, "");

  auto b = wire::ParseRecordJson(R"({"id":"b","values":[1],"namespace":null,"metadata":null})");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->ns, "");
  EXPECT_EQ(b->metadata_json, "");
}

TEST(ParseRecordJsonTest, EscapesAndUnicodeInStrings) {
  auto r = wire::ParseRecordJson(R"({"id":"a\"b\u00e9\n","values":[0],"metadata":{"k":"\u20ac\\"}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "a\"b\xc3\xa9\n");
  // The metadata text must still be valid JSON holding the same string.
  simdjson::dom::parser p;
  simdjson::dom::element e;
  ASSERT_EQ(p.parse(r->metadata_json).get(e), simdjson::SUCCESS) << r->metadata_json;
  std::string_view k;
  ASSERT_EQ(e["k"].get(k), simdjson::SUCCESS);
  EXPECT_EQ(k, "\xe2\x82\xac\\");
}

TEST(ParseRecordJsonTest, NumberForms) {
  auto r = wire::ParseRecordJson(R"({"id":"a","values":[0, -0.0, 1e-3, 2E2, 18446744073709551615, -7]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->values.size(), 6u);
  EXPECT_FLOAT_EQ(r->values[2], 0.001f);
  EXPECT_FLOAT_EQ(r->values[3], 200.0f);
  EXPECT_FLOAT_EQ(r->values[4], 18446744073709551615.0f);
  EXPECT_FLOAT_EQ(r->values[5], -7.0f);
}

TEST(ParseRecordJsonTest, FloatRangeBoundary) {
  // The shortest spelling of FLT_MAX is above FLT_MAX as a double but must still be accepted.
  auto max = wire::ParseRecordJson(R"({"id":"a","values":[3.4028235e38,-3.4028235e38]})");
  ASSERT_TRUE(max.ok()) << max.status().ToString();
  EXPECT_EQ(max->values[0], FLT_MAX);
  EXPECT_EQ(max->values[1], -FLT_MAX);

  std::string msg = ParseError(R"({"id":"a","values":[1,3.4028236e38]})");
  EXPECT_NE(msg.find("\"values\"[1]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("32-bit float"), std::string::npos) << msg;
  msg = ParseError(R"({"id":"a","values":[-1e300]})");
  EXPECT_NE(msg.find("\"values\"[0]"), std::string::npos) << msg;
}

TEST(ParseRecordJsonTest, Errors) {
  struct Case {
    const char* line;
    const char* expected;  // a substring of the message
  };
  const Case cases[] = {
      {"", "not valid JSON"},
      {"{\"id\":\"a\",\"values\":[1,2]", "not valid JSON"},
      {"{\"id\":\"a\",\"values\":[1,2]} x", "not valid JSON"},
      {"[1,2]", "must be a JSON object, got an array"},
      {"\"str\"", "must be a JSON object, got a string"},
      {R"({"values":[1]})", "missing field \"id\""},
      {R"({"id":"a"})", "missing field \"values\""},
      {R"({"id":7,"values":[1]})", "\"id\" must be a string, got a number"},
      {R"({"id":null,"values":[1]})", "\"id\" must be a string, got null"},
      {R"({"id":"a","values":"1,2"})", "\"values\" must be an array of numbers, got a string"},
      {R"({"id":"a","values":{"0":1}})", "\"values\" must be an array of numbers, got an object"},
      // Outside double range: simdjson refuses the number itself.
      {R"({"id":"a","values":[1e400]})", "number"},
      {R"({"id":"a","values":[1,"2"]})", "\"values\"[1] must be a number, got a string"},
      {R"({"id":"a","values":[1,null]})", "\"values\"[1] must be a number, got null"},
      {R"({"id":"a","values":[[1]]})", "\"values\"[0] must be a number, got an array"},
      {R"({"id":"a","values":[1],"namespace":3})", "\"namespace\" must be a string, got a number"},
      {R"({"id":"a","values":[1],"metadata":"x"})", "\"metadata\" must be an object, got a string"},
      {R"({"id":"a","values":[1],"metadata":[1]})", "\"metadata\" must be an object, got an array"},
      {R"({"id":"a","values":[1],"vector":[1]})", "unknown field \"vector\""},
      {R"({"id":"a","values":[1],"Metadata":{}})", "unknown field \"Metadata\""},
      {R"({"id":"a","id":"b","values":[1]})", "field \"id\" appears more than once"},
      {R"({"id":"a","values":[1],"values":[2]})", "field \"values\" appears more than once"},
  };
  for (const Case& c : cases) {
    std::string msg = ParseError(c.line);
    EXPECT_NE(msg.find(c.expected), std::string::npos)
        << "line: " << c.line << "\nmessage: " << msg << "\nexpected: " << c.expected;
  }
}

// Expiry extensions: integers only (5.0 counts), a range the engine then checks, absent in
// the Cloudflare form.
TEST(ParseRecordJsonTest, ExpiryFields) {
  auto r = wire::ParseRecordJson(R"({"id":"a","values":[1],"ttlSeconds":60})", true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ttl_seconds, 60);
  r = wire::ParseRecordJson(R"({"id":"a","values":[1],"ttlSeconds":5.0,"expiresAtMs":null})", true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ttl_seconds, 5);
  r = wire::ParseRecordJson(R"({"id":"a","values":[1],"expiresAtMs":1700000000000})", true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->expires_at_ms, 1700000000000);
  EXPECT_FALSE(r->ttl_seconds.has_value());
  // Zero and negative ttls parse; the engine refuses them with its own message.
  r = wire::ParseRecordJson(R"({"id":"a","values":[1],"ttlSeconds":-3})", true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ttl_seconds, -3);
  const char* bad[] = {R"({"id":"a","values":[1],"ttlSeconds":"60"})",
                       R"({"id":"a","values":[1],"ttlSeconds":1.5})",
                       R"({"id":"a","values":[1],"ttlSeconds":1e30})",
                       R"({"id":"a","values":[1],"ttlSeconds":true})",
                       R"({"id":"a","values":[1],"expiresAtMs":"soon"})"};
  for (const char* line : bad) {
    auto e = wire::ParseRecordJson(line, true);
    EXPECT_TRUE(e.status().IsInvalidArgument()) << line;
    EXPECT_NE(e.status().message().find("must be an integer"), std::string::npos)
        << e.status().ToString();
  }
  EXPECT_NE(wire::ParseRecordJson(R"({"id":"a","values":[1],"ttlSeconds":5})", false)
                .status()
                .message()
                .find("unknown field \"ttlSeconds\""),
            std::string::npos);
}

TEST(ParseNdjsonTest, SkipsBlankLinesAndAcceptsCrlf) {
  auto r = wire::ParseNdjson(
      "{\"id\":\"a\",\"values\":[1]}\r\n\n   \n{\"id\":\"b\",\"values\":[2]}\r\n\t\r\n"
      "{\"id\":\"c\",\"values\":[3]}",
      false, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].id, "a");
  EXPECT_EQ((*r)[1].id, "b");
  EXPECT_EQ((*r)[2].id, "c");
  EXPECT_EQ((*r)[2].values, std::vector<float>{3});
}

TEST(ParseNdjsonTest, EmptyText) {
  size_t discarded = 99;
  auto r = wire::ParseNdjson("", true, &discarded);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(discarded, 0u);
}

TEST(ParseNdjsonTest, ErrorNamesOneBasedLineCountingBlankLines) {
  auto r = wire::ParseNdjson("{\"id\":\"a\",\"values\":[1]}\n\n{\"id\":\"b\",\"values\":[x]}\n", false,
                       nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(r.status().message().rfind("line 3: ", 0), 0u) << r.status().message();

  r = wire::ParseNdjson("{\"id\":\"a\",\"values\":[1],\"x\":1}", false, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "line 1: unknown field \"x\"; a record has id, values, namespace "
            "and metadata");
}

TEST(ParseNdjsonTest, DiscardCountsAndSkipsBadLines) {
  const std::string text =
      "{\"id\":\"a\",\"values\":[1]}\n"
      "not json\n"
      "{\"id\":\"b\",\"values\":[2]}\n"
      "\n"
      "{\"id\":5,\"values\":[2]}\n"
      "{\"id\":\"c\",\"values\":[3],\"metadata\":{\"k\":1}}\n"
      "{\"id\":\"d\"}\n";
  size_t discarded = 0;
  auto r = wire::ParseNdjson(text, true, &discarded);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(discarded, 3u);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].id, "a");
  EXPECT_EQ((*r)[1].id, "b");
  EXPECT_EQ((*r)[2].id, "c");
  EXPECT_EQ((*r)[2].metadata_json, "{\"k\":1}");

  // Without discard the same text fails at the first bad line.
  auto strict = wire::ParseNdjson(text, false, &discarded);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().message().rfind("line 2: not valid JSON", 0), 0u)
      << strict.status().message();
}

// Parses a serialised document with simdjson, failing the test when it is not valid JSON.
simdjson::dom::element ParseJson(simdjson::dom::parser* p, const std::string& json) {
  simdjson::dom::element e;
  EXPECT_EQ(p->parse(json).get(e), simdjson::SUCCESS) << json;
  return e;
}

TEST(RecordJsonWriteTest, IndexDescription) {
  IndexDescription d{
      "docs", "my \"docs\"", {384, Metric::kDotProduct}, 1721394704064, 1721394705000};
  EXPECT_EQ(wire::IndexDescriptionToJson(d),
            R"({"name":"docs","description":"my \"docs\"","config":{"dimensions":384,)"
            R"("metric":"dot-product"},"created_on":"2024-07-19T13:11:44.064Z",)"
            R"("modified_on":"2024-07-19T13:11:45.000Z"})");
  IndexDescription e{"e", "", {3, Metric::kEuclidean}, 0, 0};
  std::vector<IndexDescription> both{d, e};
  simdjson::dom::parser p;
  auto arr = ParseJson(&p, wire::IndexDescriptionsToJson(both));
  ASSERT_TRUE(arr.is_array());
  EXPECT_EQ(arr.get_array().size(), 2u);
  std::string_view metric;
  ASSERT_EQ(arr.at(1)["config"]["metric"].get(metric), simdjson::SUCCESS);
  EXPECT_EQ(metric, "euclidean");
  EXPECT_EQ(wire::IndexDescriptionsToJson({}), "[]");
}

TEST(RecordJsonWriteTest, IndexInfo) {
  IndexInfo empty{7, 0, "", std::nullopt};
  EXPECT_EQ(wire::IndexInfoToJson(empty),
            R"({"dimensions":7,"vectorCount":0,"processedUpToDatetime":null,)"
            R"("processedUpToMutation":null})");
  IndexInfo info{1024, 1000, "00000000-0000-0000-0000-000000000003", 1721394704064};
  EXPECT_EQ(wire::IndexInfoToJson(info),
            R"({"dimensions":1024,"vectorCount":1000,"processedUpToDatetime":)"
            R"("2024-07-19T13:11:44.064Z","processedUpToMutation":)"
            R"("00000000-0000-0000-0000-000000000003"})");
}

TEST(RecordJsonWriteTest, QueryResultOptionalFields) {
  QueryResult r;
  r.matches.push_back({"a", 0.75f, {}, "", ""});
  r.matches.push_back({"b", -0.5f, {0.1f, 2.0f}, "ns", R"({"k":"v"})"});
  EXPECT_EQ(wire::QueryResultToJson(r),
            R"({"count":2,"matches":[{"id":"a","score":0.75},)"
            R"({"id":"b","score":-0.5,"values":[0.1,2],"metadata":{"k":"v"},"namespace":"ns"}]})");
  EXPECT_EQ(wire::QueryResultToJson(QueryResult{}), R"({"count":0,"matches":[]})");
}

TEST(RecordJsonWriteTest, RecordsRoundTripThroughParser) {
  std::vector<VectorRecord> records = {
      {"a", {0.1f, -2.5f, 1e-8f, FLT_MAX}, "", ""},
      {"b\"\\\n", {3.0f, 0.0f, -0.0f, 7.25f}, "ns", R"({"k":[1,"x"],"n":{"m":false}})"},
  };
  const std::string json = wire::RecordsToJson(records);
  // Each element of the array is a valid NDJSON record line: parse it back and compare.
  simdjson::dom::parser p;
  auto arr = ParseJson(&p, json);
  ASSERT_TRUE(arr.is_array());
  size_t i = 0;
  for (simdjson::dom::element e : arr.get_array()) {
    ASSERT_LT(i, records.size());
    auto back = wire::ParseRecordJson(simdjson::minify(e));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->id, records[i].id);
    EXPECT_EQ(back->values, records[i].values) << "floats must print in round-trip form";
    EXPECT_EQ(back->ns, records[i].ns);
    // No metadata is written as {} (the documented shape), which the engine stores as none.
    EXPECT_EQ(back->metadata_json, records[i].metadata_json.empty() ? "{}" : records[i].metadata_json);
    ++i;
  }
  EXPECT_EQ(i, records.size());
  // Every key always, as Cloudflare documents get_by_ids: namespace "" and metadata {} when none.
  EXPECT_EQ(wire::RecordsToJson(std::span(records).first(1)),
            R"([{"id":"a","values":[0.1,-2.5,1e-8,3.4028235e+38],"namespace":"","metadata":{}}])");
}

TEST(RecordJsonWriteTest, ListResult) {
  ListResult last{{"a", "b"}, 2, false, ""};
  EXPECT_EQ(wire::ListResultToJson(last),
            R"({"count":2,"totalCount":2,"isTruncated":false,"nextCursor":null,)"
            R"("cursorExpirationTimestamp":null,"vectors":[{"id":"a"},{"id":"b"}]})");
  ListResult page{{"a"}, 5, true, "a"};
  EXPECT_EQ(wire::ListResultToJson(page),
            R"({"count":1,"totalCount":5,"isTruncated":true,"nextCursor":"a",)"
            R"("cursorExpirationTimestamp":null,"vectors":[{"id":"a"}]})");
}

TEST(RecordJsonWriteTest, MutationAndMetadataIndexes) {
  EXPECT_EQ(wire::MutationToJson({"m-1"}), R"({"mutationId":"m-1"})");
  std::vector<MetadataIndexDescription> idx = {{"genre", MetadataIndexType::kString},
                                               {"year", MetadataIndexType::kNumber},
                                               {"a.b", MetadataIndexType::kBoolean}};
  EXPECT_EQ(wire::MetadataIndexesToJson(idx),
            R"({"metadataIndexes":[{"propertyName":"genre","indexType":"string"},)"
            R"({"propertyName":"year","indexType":"number"},)"
            R"({"propertyName":"a.b","indexType":"boolean"}]})");
  EXPECT_EQ(wire::MetadataIndexesToJson({}), R"({"metadataIndexes":[]})");
}

}  // namespace
}  // namespace semble::db

namespace semble::db {
namespace {

TEST(ParseRecordJsonTest, ExtensionsOnlyWhenAsked) {
  const std::string line = R"({"id":"a","text":"hello world","metadata":{"k":1}})";
  EXPECT_TRUE(wire::ParseRecordJson(line).status().IsInvalidArgument());  // plain Vectorize: unknown field
  auto r = wire::ParseRecordJson(line, /*extensions=*/true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "hello world");
  EXPECT_TRUE(r->values.empty());
  EXPECT_EQ(r->metadata_json, R"({"k":1})");
  auto fields = wire::ParseRecordJson(R"({"id":"f","fields":{ "year" : 1989 }})", true);
  ASSERT_TRUE(fields.ok()) << fields.status().ToString();
  EXPECT_EQ(fields->fields_json, R"({"year":1989})");
  EXPECT_EQ(fields->text, "");
  auto with_values = wire::ParseRecordJson(R"({"id":"b","values":[1]})", true);
  ASSERT_TRUE(with_values.ok());
  EXPECT_TRUE(with_values->text.empty() && with_values->fields_json.empty());
  // Values with text: the text is stored for keyword search (record.h); values with fields
  // would say twice what the vector is.
  auto both = wire::ParseRecordJson(R"({"id":"c","values":[1],"text":"x"})", true);
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->values, std::vector<float>{1});
  EXPECT_EQ(both->text, "x");
  EXPECT_FALSE(wire::ParseRecordJson(R"({"id":"c","values":[1],"fields":{}})", true).ok());
  // Text with fields is the engine's to judge (the schema makes the vector, the text is stored).
  EXPECT_TRUE(wire::ParseRecordJson(R"({"id":"c","text":"x","fields":{}})", true).ok());
  // Without the extensions text is an unknown field, values or not.
  EXPECT_FALSE(wire::ParseRecordJson(R"({"id":"c","values":[1],"text":"x"})", false).ok());
  EXPECT_FALSE(wire::ParseRecordJson(R"({"id":"c","fields":[1]})", true).ok());
  EXPECT_FALSE(wire::ParseRecordJson(R"({"id":"c","text":""})", true).ok());
  EXPECT_FALSE(wire::ParseRecordJson(R"({"id":"c","text":5})", true).ok());
  EXPECT_FALSE(wire::ParseRecordJson(R"({"id":"c"})", true).ok());
  auto all = wire::ParseNdjson("{\"id\":\"a\",\"text\":\"t\"}\n{\"id\":\"b\",\"values\":[2]}\n", false,
                         nullptr, /*extensions=*/true);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].text, "t");
  EXPECT_TRUE((*all)[1].text.empty());
}

}  // namespace
}  // namespace semble::db

namespace semble::db {
namespace {

// A body big enough to be split across threads parses to exactly what one thread gives, and a bad
// line in the second part is reported with its line number in the whole text.
TEST(ParseNdjsonTest, ParallelParseEqualsSerial) {
  std::string text;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-1, 1);
  for (int i = 0; i < 2500; ++i) {
    text += "{\"id\":\"r" + std::to_string(i) + "\",\"values\":[";
    for (int j = 0; j < 384; ++j) text += (j ? "," : "") + std::to_string(d(rng));
    text += "],\"metadata\":{\"i\":" + std::to_string(i) + "}}\n";
  }
  ASSERT_GT(text.size(), 8u << 20);  // over two parts' worth
  auto serial = wire::ParseNdjson(text, false, nullptr, false, 1);
  auto parallel = wire::ParseNdjson(text, false, nullptr, false, 2);
  ASSERT_TRUE(serial.ok() && parallel.ok());
  ASSERT_EQ(serial->size(), 2500u);
  ASSERT_EQ(parallel->size(), 2500u);
  for (size_t i = 0; i < 2500; ++i) {
    EXPECT_EQ((*parallel)[i].id, (*serial)[i].id);
    EXPECT_EQ((*parallel)[i].values, (*serial)[i].values);
    EXPECT_EQ((*parallel)[i].metadata_json, (*serial)[i].metadata_json);
  }
  // Break line 2001 (in the second half) and line 2200.
  size_t pos = 0;
  for (int i = 0; i < 2000; ++i) pos = text.find('\n', pos) + 1;
  text.insert(pos, "{\"id\":\"broken\"}\n");
  auto bad = wire::ParseNdjson(text, false, nullptr, false, 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 2001"), std::string::npos) << bad.status().ToString();
  size_t dropped = 0;
  auto kept = wire::ParseNdjson(text, true, &dropped, false, 2);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->size(), 2500u);
  EXPECT_EQ(dropped, 1u);
}

}  // namespace
}  // namespace semble::db
