// Copyright 2026 The semble Authors.

#include <gtest/gtest.h>

#include "storage/object_store_conformance.h"
#include "storage/object_stores.h"
#include "util/test_util.h"

namespace semble::storage {
namespace {

// Each store gets a directory of its own that lives as long as the test binary.
std::unique_ptr<ObjectStore> NewTempDirStore() {
  static std::vector<std::unique_ptr<test::TempDir>> dirs;
  dirs.push_back(std::make_unique<test::TempDir>());
  auto store = OpenObjectStore("file://" + dirs.back()->path() + "/bucket", {});
  return store.ok() ? std::move(store).value() : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Dir, ObjectStoreConformance, ::testing::Values(&NewTempDirStore),
                         [](const auto&) { return std::string("store"); });

TEST(DirObjectStore, TwoHandlesOnOneDirectorySeeEachOthersConditionalWrites) {
  test::TempDir dir;
  auto a = OpenObjectStore("file://" + dir.path(), {});
  auto b = OpenObjectStore("file://" + dir.path(), {});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Put("x", "from a", PutCondition::IfAbsent()).ok());
  EXPECT_TRUE(IsConditionFailed((*b)->Put("x", "from b", PutCondition::IfAbsent()).status()));
  auto seen = (*b)->Get("x");
  ASSERT_TRUE(seen.ok());
  ASSERT_TRUE((*b)->Put("x", "b swapped", PutCondition::IfMatch(seen->etag)).ok());
  EXPECT_TRUE(
      IsConditionFailed((*a)->Put("x", "a late", PutCondition::IfMatch(seen->etag)).status()));
  EXPECT_EQ((*a)->Get("x")->data, "b swapped");
}

TEST(DirObjectStore, RefusesUrlsItCannotServe) {
  EXPECT_TRUE(OpenObjectStore("file://relative/path", {}).status().IsInvalidArgument());
  EXPECT_TRUE(OpenObjectStore("ftp://x/y", {}).status().IsInvalidArgument());
  EXPECT_TRUE(OpenObjectStore("s3:///prefix", {}).status().IsInvalidArgument());
}

}  // namespace
}  // namespace semble::storage
