// Copyright 2026 The semble Authors.
//
// The object-store database cases (store_database_cases.h) on a file:// store.

#include "db/store_database_cases.h"

namespace semble::store_cases {
namespace {

std::unique_ptr<ObjectStore> FileStore(const std::string& scratch) {
  auto store = OpenObjectStore("file://" + scratch + "/bucket", {});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

INSTANTIATE_TEST_SUITE_P(File, StoreDatabaseTest, ::testing::Values(&FileStore),
                         [](const auto&) { return std::string("store"); });
INSTANTIATE_TEST_SUITE_P(File, SharedStoreTest, ::testing::Values(&FileStore),
                         [](const auto&) { return std::string("store"); });

}  // namespace
}  // namespace semble::store_cases
