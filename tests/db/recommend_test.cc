// Copyright 2026 The semble Authors.

#include "semble/recommend.h"

#include <gtest/gtest.h>

#include "util/test_util.h"

namespace semble {
namespace {

class RecommendTest : public ::testing::Test {
 protected:
  static constexpr size_t kRecords = 7;

  void SetUp() override {
    auto db = Database::Open(DatabaseOptions{}, dir_.path());
    ASSERT_TRUE(db.ok());
    db_ = std::move(db).value();
    auto index = db_->CreateIndex({"shows", "", {3, Metric::kCosine, "flat"}});
    ASSERT_TRUE(index.ok());
    index_ = *index;
    // Axes: comedy, horror, drama.
    std::vector<VectorRecord> records = {
        {"sitcom-a", {1, 0, 0}, "", R"({"genre":"comedy"})"},
        {"sitcom-b", {0.9f, 0.1f, 0}, "", R"({"genre":"comedy"})"},
        {"sitcom-c", {0.8f, 0, 0.2f}, "", R"({"genre":"comedy"})"},
        {"horror-a", {0, 1, 0}, "", R"({"genre":"horror"})"},
        {"horror-b", {0.1f, 0.9f, 0}, "", R"({"genre":"horror"})"},
        {"comedy-horror", {0.6f, 0.6f, 0}, "", R"({"genre":"comedy"})"},
        {"drama-a", {0, 0, 1}, "", R"({"genre":"drama"})"},
    };
    ASSERT_EQ(records.size(), kRecords);
    ASSERT_TRUE(index_->Insert(records).ok());
  }

  std::vector<std::string> Ids(const QueryResult& r) {
    std::vector<std::string> ids;
    for (const QueryMatch& m : r.matches) ids.push_back(m.id);
    return ids;
  }

  test::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::shared_ptr<Index> index_;
};

TEST_F(RecommendTest, LikesPullAndDislikesPush) {
  RecommendRequest r;
  r.positive = {"sitcom-a"};
  r.top_k = 3;
  auto liked = Recommend(*index_, r);
  ASSERT_TRUE(liked.ok()) << liked.status().ToString();
  // The example itself is never recommended; its nearest comedies are.
  EXPECT_EQ(Ids(*liked), (std::vector<std::string>{"sitcom-b", "sitcom-c", "comedy-horror"}));

  // Disliking horror moves the target away from it: sitcom-c (no horror at all) overtakes
  // sitcom-b (a little horror), and the comedy-horror crossover loses score.
  r.negative = {"horror-a"};
  r.top_k = 4;
  auto steered = Recommend(*index_, r);
  ASSERT_TRUE(steered.ok());
  EXPECT_EQ(Ids(*steered),
            (std::vector<std::string>{"sitcom-c", "sitcom-b", "comedy-horror", "drama-a"}));
  EXPECT_LT(steered->matches[2].score, liked->matches[2].score - 0.3f);
}

TEST_F(RecommendTest, ExamplesAreExcludedInTheSearchSoTopKIsFilled) {
  RecommendRequest r;
  r.positive = {"sitcom-a", "sitcom-b"};
  r.negative = {"drama-a"};
  // Every record but the three examples: a result cut from a top k that held the examples would
  // come back short.
  r.top_k = static_cast<uint32_t>(kRecords - 3);
  auto all = Recommend(*index_, r);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->matches.size(), kRecords - 3);
  for (const QueryMatch& m : all->matches) {
    EXPECT_NE(m.id, "sitcom-a");
    EXPECT_NE(m.id, "sitcom-b");
    EXPECT_NE(m.id, "drama-a");
  }
  // The same caps as a query: topK over the index's limit is refused, not cut.
  r.top_k = Limits{}.max_top_k_with_data + 1;
  r.return_metadata = ReturnMetadata::kAll;
  EXPECT_TRUE(Recommend(*index_, r).status().IsInvalidArgument());
}

TEST_F(RecommendTest, QueryExcludeIdsWorksWithFiltersAndNamespacesAndIgnoresUnknownIds) {
  QueryRequest q;
  q.vector = {1, 0, 0};
  q.top_k = 2;
  q.exclude_ids = {"sitcom-a", "no-such-id"};
  auto plain = index_->Query(q);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(Ids(*plain), (std::vector<std::string>{"sitcom-b", "sitcom-c"}));
  q.filter_json = R"({"genre":"comedy"})";
  q.exclude_ids = {"sitcom-a", "sitcom-b", "sitcom-c"};
  auto filtered = index_->Query(q);
  ASSERT_TRUE(filtered.ok()) << filtered.status().ToString();
  EXPECT_EQ(Ids(*filtered), (std::vector<std::string>{"comedy-horror"}));
  q.exclude_ids = {""};
  EXPECT_TRUE(index_->Query(q).status().IsInvalidArgument());
}

// {} is "no filter" (what framework clients send): the same answer as without a filter.
TEST_F(RecommendTest, AnEmptyFilterIsNoFilter) {
  QueryRequest q;
  q.vector = {1, 0.2f, 0};
  q.top_k = 5;
  auto plain = index_->Query(q);
  q.filter_json = "{}";
  auto empty = index_->Query(q);
  ASSERT_TRUE(plain.ok() && empty.ok()) << empty.status().ToString();
  EXPECT_EQ(Ids(*empty), Ids(*plain));
  q.filter_json = R"({"$and":[]})";
  EXPECT_EQ(index_->Query(q).status().reason(), Status::Reason::kBadFilter);
}

TEST_F(RecommendTest, FiltersAndErrors) {
  RecommendRequest r;
  r.positive = {"comedy-horror"};
  r.top_k = 2;
  r.filter_json = R"({"genre":"horror"})";
  auto horror = Recommend(*index_, r);
  ASSERT_TRUE(horror.ok());
  EXPECT_EQ(Ids(*horror), (std::vector<std::string>{"horror-b", "horror-a"}));

  r.filter_json.clear();
  r.positive = {"no-such-show"};
  EXPECT_TRUE(Recommend(*index_, r).status().IsNotFound());
  r.positive.clear();
  EXPECT_TRUE(Recommend(*index_, r).status().IsInvalidArgument());
}

}  // namespace
}  // namespace semble
