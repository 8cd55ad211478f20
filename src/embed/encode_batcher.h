// Copyright 2026 The semble Authors.
//
// Runs the encoder for concurrent callers of one Embedder without a global lock. Each caller's
// batch runs on the caller's own thread (no pool: a short batch split across threads costs more in
// hand-offs than it gains), at most `lanes` batches at once (the Embedder gives two per core:
// the cores stay busy while a lane changes hands, and the callers stay few). A call that arrives while every lane is busy queues its sequences; the next caller to take
// a free lane encodes everything queued (up to max_tokens) as one packed batch, whose GEMMs unpack
// each 4-bit weight tile once for up to 64 rows, and hands every caller its own rows back. So
// under load short calls are batched dynamically ("whatever arrived while the previous batch
// ran"), and with no load a call runs at once: nothing ever waits for a timer. A caller whose own
// call is done keeps its lane for up to two more queued batches before it hands the lane to the
// oldest waiter and returns: it is on a CPU already, where a woken waiter first waits for one
// (on a busy 2-core guest ~1 ms, while the lane idles; bench/RESULTS.md, "Embedding under
// concurrency").
//
// Merging never changes a vector: every step of BertEncoder::Encode is per row (linear layers,
// layer norms, the int8 rounding of activations) or per sequence (attention, pooling), in the same
// order whatever else is in the batch.

#ifndef SEMBLE_SRC_EMBED_ENCODE_BATCHER_H_
#define SEMBLE_SRC_EMBED_ENCODE_BATCHER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "embed/bert_encoder.h"

namespace semble::embed {

class EncodeBatcher {
 public:
  // encoder must outlive the batcher; lanes >= 1; max_tokens >= 1.
  EncodeBatcher(const BertEncoder* encoder, Pooling pooling, bool normalize, int lanes,
                size_t max_tokens);
  EncodeBatcher(const EncodeBatcher&) = delete;
  EncodeBatcher& operator=(const EncodeBatcher&) = delete;

  // BertEncoder::Encode(seqs, ...) into out (hidden floats per sequence), run on this thread or,
  // merged with other callers' sequences, on another caller's. Thread-safe; returns when out is
  // written. `tokens` is the sum of the sequences' lengths.
  Status Encode(const std::vector<const std::vector<int32_t>*>& seqs, size_t tokens, float* out);

  struct Stats {
    uint64_t batches = 0;   // encoder runs
    uint64_t requests = 0;  // Encode calls they served
  };
  Stats stats() const;
  size_t queued() const;  // calls waiting for a lane

  // Tests: hook(n) runs before every batch, on the caller that runs it, with the batch's number
  // of calls; a test blocks in it to make later calls queue. Set before any Encode call.
  void SetBeforeBatchForTesting(std::function<void(size_t)> hook) {
    before_batch_ = std::move(hook);
  }

 private:
  struct Request {
    const std::vector<const std::vector<int32_t>*>* seqs;
    size_t tokens;
    float* out;
    Status status;
    bool done = false;
    // Its caller sleeps on this alone, so a finished batch wakes only the callers it served and
    // the one that takes the freed lane, not every waiter (on a VM each wake-up is an IPI and a
    // VM exit, and 16 waiters woken per batch cost more than a short batch's encoding saves).
    std::condition_variable wake;
  };
  // Encodes the requests as one batch (without mu_ held) and sets their status.
  void Run(const std::vector<Request*>& batch) const;

  const BertEncoder* const encoder_;
  const Pooling pooling_;
  const bool normalize_;
  const int lanes_;
  const size_t max_tokens_;

  std::function<void(size_t)> before_batch_;

  mutable std::mutex mu_;
  std::deque<Request*> queue_;  // waiting for a lane, oldest first
  int running_ = 0;             // batches being encoded
  Stats stats_;
};

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_ENCODE_BATCHER_H_
