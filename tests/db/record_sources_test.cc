// Copyright 2026 The semble Authors.
//
// Records and queries that arrive as text or fields become vectors inside the engine: through
// FillFromSources, and end to end through the public API (Index::Insert / Query with text), with
// the real default model.

#include "db/record_sources.h"

#include <gtest/gtest.h>

#include <cmath>

#include "db/db_test_util.h"
#include "util/test_util.h"
#include "embed/embed_test_util.h"
#include "semble/database.h"
#include "semble/model_store.h"

namespace semble::db {
namespace {

using Reason = Status::Reason;

IndexDescription WithSchema() {
  IndexDescription d;
  d.name = "s";
  d.config.dimensions = 2;
  d.config.schema_json =
      R"({"fields":[{"name":"a","type":"numeric","scaling":"none"},{"name":"b","type":"numeric","scaling":"none","weight":2}]})";
  return d;
}

// A registry over the directory holding the installed default model.
std::unique_ptr<ModelRegistry> DefaultModels() {
  const std::string dir = test::DefaultModelDirOrFail();
  ModelRegistryOptions o;
  o.models_dir = dir.substr(0, dir.rfind('/'));
  return std::make_unique<ModelRegistry>(o);
}

TEST(RecordSourcesTest, FieldsAreEncodedAndTextsEmbeddedWithTheIndexModel) {
  auto models = DefaultModels();
  IndexDescription d = WithSchema();
  d.config.embedding_model = std::string(kDefaultModelId);  // the function serves both kinds
  d.config.embedding_pooling = "mean";
  std::vector<VectorRecord> records(3);
  records[0].id = "f";
  records[0].fields_json = R"({"a":1,"b":3})";
  records[1].id = "t";
  records[1].text = "hello world";
  records[2] = test::MakeRecord("v", {7, 8});
  Status s = FillFromSources(d, models.get(), &records);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(records[0].values, (std::vector<float>{1, 6}));
  EXPECT_TRUE(records[0].fields_json.empty());
  auto expected = models->Embed(std::string(kDefaultModelId), Pooling::kMean, {"hello world"});
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  EXPECT_EQ(records[1].values, (*expected)[0]);
  EXPECT_EQ(records[1].text, "hello world");  // kept: it is stored with the record
  EXPECT_EQ(records[2].values, (std::vector<float>{7, 8}));
}

TEST(RecordSourcesTest, EachFailureCarriesItsReasonAndNothingIsFilled) {
  ModelRegistryOptions none;
  none.models_dir = ::testing::TempDir() + "/no-models-here";
  ModelRegistry empty(none);
  std::vector<VectorRecord> records(2);
  records[0].id = "ok";
  records[0].fields_json = R"({"a":1,"b":1})";
  records[1].id = "bad";
  records[1].fields_json = R"({"a":1,"c":1})";
  Status s = FillFromSources(WithSchema(), &empty, &records);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.reason(), Reason::kBreaksSchema);
  EXPECT_NE(s.message().find("\"bad\""), std::string::npos) << s.ToString();
  EXPECT_TRUE(records[0].values.empty());  // all or nothing
  EXPECT_FALSE(records[0].fields_json.empty());

  IndexDescription plain;
  plain.name = "p";
  EXPECT_EQ(FillFromSources(plain, &empty, &records).reason(), Reason::kNoSchema);

  std::vector<VectorRecord> text(1);
  text[0].id = "t";
  text[0].text = "hi";
  EXPECT_EQ(FillFromSources(plain, &empty, &text).reason(), Reason::kNoModel);

  plain.config.embedding_model = "m";
  plain.config.embedding_pooling = "mean";
  Status e = FillFromSources(plain, &empty, &text);
  EXPECT_TRUE(e.IsNotFound()) << e.ToString();
  EXPECT_EQ(e.reason(), Reason::kModelNotFound);
  EXPECT_EQ(text[0].text, "hi");

  // Values with text: the text is stored, not embedded, so no model is needed.
  std::vector<VectorRecord> both(1);
  both[0] = test::MakeRecord("b", {1, 2});
  both[0].text = "and text";
  EXPECT_TRUE(FillFromSources(plain, &empty, &both).ok());
  EXPECT_EQ(both[0].values, (std::vector<float>{1, 2}));
  EXPECT_EQ(both[0].text, "and text");
  // Values with fields are refused.
  both[0].text.clear();
  both[0].fields_json = R"({"a":1})";
  Status b = FillFromSources(plain, &empty, &both);
  EXPECT_TRUE(b.IsInvalidArgument());
  EXPECT_NE(b.message().find("both values and fields"), std::string::npos) << b.ToString();
}

// What an embedded program does: no server, no embedder of its own; the index embeds.
TEST(RecordSourcesTest, AnIndexWithAModelTakesTextRecordsAndTextQueries) {
  auto models = DefaultModels();
  test::TempDir dir;
  DatabaseOptions options;
  options.models = models.get();
  auto db = Database::Open(options, dir.path());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  CreateIndexRequest create;
  create.name = "docs";
  create.config.dimensions = 384;
  create.config.embedding_model = std::string(kDefaultModelId);
  create.config.embedding_pooling = "mean";
  auto index = (*db)->CreateIndex(create);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  std::vector<VectorRecord> records(3);
  records[0].id = "cat";
  records[0].text = "The cat sleeps on the warm windowsill.";
  records[1].id = "stocks";
  records[1].text = "Shares fell sharply after the earnings report.";
  records[2].id = "rain";
  records[2].text = "Heavy rain is expected over the weekend.";
  auto m = (*index)->Insert(records);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  QueryRequest q;
  q.text = "a kitten napping in the sun";
  q.top_k = 3;
  auto result = (*index)->Query(q);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->matches.size(), 3u);
  EXPECT_EQ(result->matches[0].id, "cat");
  // The stored vector is the model's vector of the text, read back as written.
  auto stored = (*index)->GetByIds(std::vector<std::string>{"cat"});
  ASSERT_TRUE(stored.ok());
  auto expected = models->Embed(std::string(kDefaultModelId), Pooling::kMean, {records[0].text});
  ASSERT_TRUE(expected.ok());
  ASSERT_EQ((*stored)[0].values.size(), 384u);
  for (size_t i = 0; i < 384; ++i) EXPECT_NEAR((*stored)[0].values[i], (*expected)[0][i], 1e-6);
  EXPECT_EQ((*stored)[0].text, records[0].text);  // the text is stored and read back

  // An index without a model refuses text with its reason; nothing is written.
  CreateIndexRequest plain;
  plain.name = "plain";
  plain.config.dimensions = 384;
  auto p = (*db)->CreateIndex(plain);
  ASSERT_TRUE(p.ok());
  auto refused = (*p)->Insert(records);
  EXPECT_EQ(refused.status().reason(), Reason::kNoModel) << refused.status().ToString();
  EXPECT_EQ((*p)->Info()->vector_count, 0u);
  EXPECT_EQ((*p)->Query(q).status().reason(), Reason::kNoModel);
}

}  // namespace
}  // namespace semble::db
