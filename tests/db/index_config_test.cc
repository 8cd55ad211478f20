// Copyright 2026 The semble Authors.
//
// The one resolver from a user's create-index inputs to an index config (db/index_config.h): each
// rule and each error, with a registry holding the real default model, one holding nothing, and
// none (a client whose models live on a server).

#include "db/index_config.h"

#include <gtest/gtest.h>

#include "embed/embed_test_util.h"
#include "semble/model_store.h"
#include "semble/record_schema.h"

namespace semble::db {
namespace {

using Reason = Status::Reason;

constexpr char kSchema[] =
    R"({"fields":[{"name":"a","type":"numeric","scaling":"none"},{"name":"b","type":"numeric","scaling":"none","weight":2}]})";
constexpr char kSmallPreset[] = "@cf/baai/bge-small-en-v1.5";  // 384 dimensions, as the model
constexpr char kBasePreset[] = "@cf/baai/bge-base-en-v1.5";    // 768 dimensions

class IndexConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = test::DefaultModelDirOrFail();
    ModelRegistryOptions o;
    o.models_dir = dir.substr(0, dir.rfind('/'));
    models_ = std::make_unique<ModelRegistry>(o);
    models_->AddAlias(kSmallPreset, std::string(kDefaultModelId));
    models_->AddAlias(kBasePreset, std::string(kDefaultModelId));  // a preset of other dimensions
    models_->AddAlias("mini", std::string(kDefaultModelId));
    ModelRegistryOptions none;
    none.models_dir = ::testing::TempDir() + "/no-models-here";
    empty_ = std::make_unique<ModelRegistry>(none);
    empty_->AddAlias(kSmallPreset, std::string(kDefaultModelId));  // its target is not installed
  }

  static IndexSpec Spec() {
    IndexSpec s;
    s.name = "i";
    return s;
  }
  // The error of resolving `spec`; fails the test when it resolves.
  Status Error(const IndexSpec& spec, ModelRegistry* models) {
    auto r = ResolveCreateIndex(spec, models);
    EXPECT_FALSE(r.ok()) << "resolved to " << r->config.dimensions << " dimensions";
    return r.status();
  }
  CreateIndexRequest Resolve(const IndexSpec& spec, ModelRegistry* models) {
    auto r = ResolveCreateIndex(spec, models);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CreateIndexRequest{};
  }

  std::unique_ptr<ModelRegistry> models_, empty_;
};

TEST_F(IndexConfigTest, DimensionsAndMetricPassThroughWithNameDescriptionAndType) {
  IndexSpec s = Spec();
  s.description = "d";
  s.dimensions = 7;
  s.metric = "dot-product";
  s.index_type = "flat";
  const CreateIndexRequest r = Resolve(s, models_.get());
  EXPECT_EQ(r.name, "i");
  EXPECT_EQ(r.description, "d");
  EXPECT_EQ(r.config.dimensions, 7u);
  EXPECT_EQ(r.config.metric, Metric::kDotProduct);
  EXPECT_EQ(r.config.index_type, "flat");
  EXPECT_EQ(r.config.embedding_model, "");
  EXPECT_EQ(r.config.embedding_pooling, "");
  EXPECT_EQ(r.config.schema_json, "");
}

TEST_F(IndexConfigTest, MissingDimensionsOrMetricIsAMissingField) {
  IndexSpec s = Spec();
  Status e = Error(s, models_.get());
  EXPECT_TRUE(e.IsInvalidArgument());
  EXPECT_EQ(e.reason(), Reason::kMissingField);
  EXPECT_EQ(e.message(), "missing field \"config.dimensions\"");
  s.metric = "cosine";
  EXPECT_EQ(Error(s, models_.get()).message(), "missing field \"config.dimensions\"");
  s.metric.reset();
  s.dimensions = 3;
  e = Error(s, nullptr);
  EXPECT_EQ(e.reason(), Reason::kMissingField);
  EXPECT_EQ(e.message(), "missing field \"config.metric\"");
}

TEST_F(IndexConfigTest, UnknownMetricIsRefused) {
  IndexSpec s = Spec();
  s.dimensions = 3;
  s.metric = "manhattan";
  const Status e = Error(s, models_.get());
  EXPECT_TRUE(e.IsInvalidArgument());
  EXPECT_EQ(e.reason(), Reason::kNone);
  EXPECT_NE(e.message().find("manhattan"), std::string::npos) << e.ToString();
}

TEST_F(IndexConfigTest, UnknownPresetListsThePresets) {
  IndexSpec s = Spec();
  s.preset = "@cf/unknown/model";
  const Status e = Error(s, nullptr);
  EXPECT_TRUE(e.IsInvalidArgument());
  EXPECT_EQ(e.message().rfind("unknown preset \"@cf/unknown/model\"; presets: ", 0), 0u) << e.message();
  EXPECT_NE(e.message().find(kBasePreset), std::string::npos) << e.message();
}

TEST_F(IndexConfigTest, APresetNotServedHereSetsDimensionsAndCosineOnly) {
  IndexSpec s = Spec();
  s.preset = "openai/text-embedding-ada-002";
  s.dimensions = 5;          // overridden by the preset, as Vectorize does
  s.metric = "euclidean";    // likewise
  for (ModelRegistry* models : {models_.get(), empty_.get(), static_cast<ModelRegistry*>(nullptr)}) {
    const CreateIndexRequest r = Resolve(s, models);
    EXPECT_EQ(r.config.dimensions, 1536u);
    EXPECT_EQ(r.config.metric, Metric::kCosine);
    EXPECT_EQ(r.config.embedding_model, "");
  }
  // An alias whose model is not installed does not bind either.
  s = Spec();
  s.preset = kSmallPreset;
  const CreateIndexRequest r = Resolve(s, empty_.get());
  EXPECT_EQ(r.config.dimensions, 384u);
  EXPECT_EQ(r.config.embedding_model, "");
}

TEST_F(IndexConfigTest, APresetServedHereBindsItsModel) {
  IndexSpec s = Spec();
  s.preset = kSmallPreset;
  const CreateIndexRequest r = Resolve(s, models_.get());
  EXPECT_EQ(r.config.dimensions, 384u);
  EXPECT_EQ(r.config.metric, Metric::kCosine);
  EXPECT_EQ(r.config.embedding_model, kDefaultModelId);
  EXPECT_EQ(r.config.embedding_pooling, "mean");
  s.pooling = "cls";
  EXPECT_EQ(Resolve(s, models_.get()).config.embedding_pooling, "cls");
}

TEST_F(IndexConfigTest, APresetServedByAModelOfOtherDimensionsIsRefused) {
  IndexSpec s = Spec();
  s.preset = kBasePreset;
  const Status e = Error(s, models_.get());
  EXPECT_TRUE(e.IsInvalidArgument());
  EXPECT_EQ(e.message(), std::string("preset \"") + kBasePreset +
                             "\" has 768 dimensions but the model \"" + std::string(kDefaultModelId) +
                             "\" it is served by makes 384");
  // A model given beside a preset replaces the preset's model; the preset's dimensions still count.
  s.model = "mini";
  EXPECT_NE(Error(s, models_.get()).message().find("has 768 dimensions"), std::string::npos);
  s.preset = kSmallPreset;
  EXPECT_EQ(Resolve(s, models_.get()).config.embedding_model, kDefaultModelId);
}

TEST_F(IndexConfigTest, AModelGivesItsCanonicalIdDimensionsAndPooling) {
  IndexSpec s = Spec();
  s.model = "mini";
  CreateIndexRequest r = Resolve(s, models_.get());
  EXPECT_EQ(r.config.embedding_model, kDefaultModelId);
  EXPECT_EQ(r.config.embedding_pooling, "mean");
  EXPECT_EQ(r.config.dimensions, 384u);
  EXPECT_EQ(r.config.metric, Metric::kCosine);
  s.dimensions = 384;  // may be given when it agrees
  s.metric = "dot-product";
  s.pooling = "cls";
  r = Resolve(s, models_.get());
  EXPECT_EQ(r.config.metric, Metric::kDotProduct);
  EXPECT_EQ(r.config.embedding_pooling, "cls");
}

TEST_F(IndexConfigTest, AModelRefusesOtherDimensionsAndUnknownPooling) {
  IndexSpec s = Spec();
  s.model = std::string(kDefaultModelId);
  s.dimensions = 3;
  Status e = Error(s, models_.get());
  EXPECT_TRUE(e.IsInvalidArgument());
  EXPECT_EQ(e.message(), "model \"" + std::string(kDefaultModelId) +
                             "\" makes 384-dimensional vectors; config.dimensions says 3");
  s.dimensions.reset();
  s.pooling = "max";
  e = Error(s, models_.get());
  EXPECT_TRUE(e.IsInvalidArgument());
  EXPECT_NE(e.message().find("max"), std::string::npos) << e.message();
  EXPECT_TRUE(Error(s, nullptr).IsInvalidArgument());  // checked without models too
}

TEST_F(IndexConfigTest, AModelNotInstalledIsNotFound) {
  IndexSpec s = Spec();
  s.model = "no-such-model";
  Status e = Error(s, models_.get());
  EXPECT_TRUE(e.IsNotFound());
  EXPECT_EQ(e.reason(), Reason::kModelNotFound);
  s.model = kSmallPreset;  // an alias whose target is not installed
  e = Error(s, empty_.get());
  EXPECT_EQ(e.reason(), Reason::kModelNotFound);
}

TEST_F(IndexConfigTest, PoolingNeedsAModel) {
  IndexSpec s = Spec();
  s.dimensions = 3;
  s.metric = "cosine";
  s.pooling = "mean";
  for (ModelRegistry* models : {models_.get(), static_cast<ModelRegistry*>(nullptr)}) {
    const Status e = Error(s, models);
    EXPECT_TRUE(e.IsInvalidArgument());
    EXPECT_EQ(e.message(), "config.pooling needs config.model");
  }
  s = Spec();
  s.preset = "openai/text-embedding-ada-002";  // a preset that binds no model binds no pooling
  s.pooling = "cls";
  EXPECT_EQ(Error(s, models_.get()).message(), "config.pooling needs config.model");
}

TEST_F(IndexConfigTest, ASchemaSetsDimensionsAndDefaultsToEuclidean) {
  IndexSpec s = Spec();
  s.schema_json = kSchema;
  CreateIndexRequest r = Resolve(s, nullptr);
  EXPECT_EQ(r.config.dimensions, 2u);
  EXPECT_EQ(r.config.metric, kRecordSchemaMetric);
  auto canonical = RecordSchema::Parse(kSchema);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(r.config.schema_json, canonical->ToJson());
  s.metric = "cosine";
  s.dimensions = 2;
  r = Resolve(s, models_.get());
  EXPECT_EQ(r.config.metric, Metric::kCosine);
  EXPECT_EQ(r.config.embedding_model, "");
}

TEST_F(IndexConfigTest, ASchemaRefusesOtherDimensionsAModelAPresetAndBadJson) {
  IndexSpec s = Spec();
  s.schema_json = kSchema;
  s.dimensions = 3;
  EXPECT_EQ(Error(s, models_.get()).message(),
            "the schema makes 2-dimensional vectors; config.dimensions says 3");
  s.dimensions.reset();
  s.model = std::string(kDefaultModelId);
  for (ModelRegistry* models : {models_.get(), static_cast<ModelRegistry*>(nullptr)}) {
    EXPECT_EQ(Error(s, models).message(), "config takes a schema, or a model or preset, not both");
  }
  s.model.reset();
  s.preset = "openai/text-embedding-ada-002";  // refused even when it binds no model
  EXPECT_EQ(Error(s, empty_.get()).message(), "config takes a schema, or a model or preset, not both");
  s.preset.reset();
  s.schema_json = R"({"fields":[]})";
  const Status e = Error(s, models_.get());
  EXPECT_TRUE(e.IsInvalidArgument());
  EXPECT_EQ(e.message().rfind("config.schema: ", 0), 0u) << e.message();
}

TEST_F(IndexConfigTest, WithoutModelsTheModelGoesToTheServerAsGiven) {
  IndexSpec s = Spec();
  s.model = "mini";
  CreateIndexRequest r = Resolve(s, nullptr);
  EXPECT_EQ(r.config.embedding_model, "mini");
  EXPECT_EQ(r.config.embedding_pooling, "mean");
  EXPECT_EQ(r.config.dimensions, 0u);  // the server works them out
  s.dimensions = 384;
  EXPECT_EQ(Resolve(s, nullptr).config.dimensions, 384u);
  s.preset = kSmallPreset;  // binds no model here: the preset's model is the server's business
  s.model.reset();
  s.dimensions.reset();
  r = Resolve(s, nullptr);
  EXPECT_EQ(r.config.embedding_model, "");
  EXPECT_EQ(r.config.dimensions, 384u);
}

}  // namespace
}  // namespace semble::db
