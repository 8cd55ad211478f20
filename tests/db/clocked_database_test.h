// Copyright 2026 The semble Authors.
//
// A test fixture: a database in a temporary directory on a clock the test moves
// (FaultEnv::fixed_now_ms, starting at kStart), with no background purge, so that expiry happens
// exactly when a test says. Reopen() closes the database (checkpointing per options_) and opens it
// again from its files.

#ifndef SEMBLE_TESTS_DB_CLOCKED_DATABASE_TEST_H_
#define SEMBLE_TESTS_DB_CLOCKED_DATABASE_TEST_H_

#include <gtest/gtest.h>

#include <memory>

#include "semble/database.h"
#include "util/test_util.h"

namespace semble::test {

class ClockedDatabaseTest : public ::testing::Test {
 protected:
  static constexpr int64_t kStart = 1'700'000'000'000;  // the clock's first reading (ms)

  void SetUp() override {
    env_.fixed_now_ms = kStart;
    options_.env = &env_;
    options_.expiry_purge_interval_ms = 0;
    Reopen();
  }
  virtual void Reopen() {
    db_.reset();
    auto db = Database::Open(options_, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  TempDir dir_;
  FaultEnv env_;
  DatabaseOptions options_;
  std::unique_ptr<Database> db_;
};

}  // namespace semble::test

#endif  // SEMBLE_TESTS_DB_CLOCKED_DATABASE_TEST_H_
