// Copyright 2026 The semble Authors.

#include "db/record_sources.h"

#include <gtest/gtest.h>

namespace semble::db {
namespace {

IndexDescription WithSchema() {
  IndexDescription d;
  d.name = "s";
  d.config.dimensions = 2;
  d.config.schema_json =
      R"({"fields":[{"name":"a","type":"numeric","scaling":"none"},{"name":"b","type":"numeric","scaling":"none","weight":2}]})";
  return d;
}

TEST(RecordSourcesTest, FieldsAreEncodedAndTextsEmbeddedInOneBatch) {
  IndexDescription d = WithSchema();
  d.config.embedding_model = "m";  // a test index may have both: the function does not care
  std::vector<VectorRecord> records(3);
  records[0].id = "f";
  records[1].id = "t";
  records[2] = {"v", {7, 8}, "", ""};
  std::vector<RecordSource> sources(3);
  sources[0].fields_json = R"({"a":1,"b":3})";
  sources[1].text = "hello";
  int calls = 0;
  SourceFailure failure;
  Status s = FillFromSources(d, sources, &records,
                             [&](const std::vector<std::string>& texts) {
                               ++calls;
                               EXPECT_EQ(texts, std::vector<std::string>{"hello"});
                               return Result<std::vector<std::vector<float>>>(
                                   std::vector<std::vector<float>>{{0.5f, 0.25f}});
                             },
                             &failure);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(failure, SourceFailure::kNone);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(records[0].values, (std::vector<float>{1, 6}));
  EXPECT_EQ(records[1].values, (std::vector<float>{0.5f, 0.25f}));
  EXPECT_EQ(records[2].values, (std::vector<float>{7, 8}));
}

TEST(RecordSourcesTest, EachFailureIsNamedAndNothingIsFilled) {
  auto never = [](const std::vector<std::string>&) -> Result<std::vector<std::vector<float>>> {
    ADD_FAILURE() << "embedding was not expected";
    return Status::Internal("unexpected");
  };
  SourceFailure failure;
  std::vector<VectorRecord> records(2);
  records[0].id = "ok";
  records[1].id = "bad";
  std::vector<RecordSource> sources(2);
  sources[0].fields_json = R"({"a":1,"b":1})";
  sources[1].fields_json = R"({"a":1,"c":1})";
  Status s = FillFromSources(WithSchema(), sources, &records, never, &failure);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(failure, SourceFailure::kBreaksSchema);
  EXPECT_NE(s.message().find("\"bad\""), std::string::npos) << s.ToString();
  EXPECT_TRUE(records[0].values.empty());  // all or nothing

  IndexDescription plain;
  plain.name = "p";
  EXPECT_TRUE(FillFromSources(plain, sources, &records, never, &failure).IsInvalidArgument());
  EXPECT_EQ(failure, SourceFailure::kNoSchema);

  std::vector<RecordSource> text(1);
  text[0].text = "hi";
  std::vector<VectorRecord> one(1);
  EXPECT_TRUE(FillFromSources(plain, text, &one, never, &failure).IsInvalidArgument());
  EXPECT_EQ(failure, SourceFailure::kNoModel);

  plain.config.embedding_model = "m";
  Status e = FillFromSources(
      plain, text, &one,
      [](const std::vector<std::string>&) -> Result<std::vector<std::vector<float>>> {
        return Status::NotFound("model m is not installed");
      },
      &failure);
  EXPECT_TRUE(e.IsNotFound());
  EXPECT_EQ(failure, SourceFailure::kEmbedding);
}

}  // namespace
}  // namespace semble::db
