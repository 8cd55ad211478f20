// Copyright 2026 The semble Authors.
//
// The object-store database cases (db/store_database_cases.h) on radosgw, a bucket per test.

#include "db/store_database_cases.h"
#include "util/radosgw_env.h"

namespace semble::store_cases {
namespace {

std::unique_ptr<ObjectStore> RadosgwStore(const std::string&) {
  auto store = storage::NewS3ObjectStore(test::NewRadosgwBucket(), "db/", test::RadosgwOptions());
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Radosgw, StoreDatabaseTest, ::testing::Values(&RadosgwStore),
                         [](const auto&) { return std::string("store"); });
INSTANTIATE_TEST_SUITE_P(Radosgw, SharedStoreTest, ::testing::Values(&RadosgwStore),
                         [](const auto&) { return std::string("store"); });

}  // namespace
}  // namespace semble::store_cases
