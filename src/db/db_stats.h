// Copyright 2026 The semble Authors.
//
// Process-wide statistics of the storage engine, for operators (the server's /metrics).

#ifndef SEMBLE_SRC_DB_DB_STATS_H_
#define SEMBLE_SRC_DB_DB_STATS_H_

#include "core/histogram.h"

namespace semble::db {

// How long each WAL fsync of a write group took, over every index of the process.
core::LatencyHistogram& WalSyncLatency();

// How long each insert or upsert that had to wait for an index's graph builder waited
// (DatabaseOptions::max_unindexed_bytes), over every index of the process. Writes that did not
// wait are not observed.
core::LatencyHistogram& BacklogWaitLatency();

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_DB_STATS_H_
