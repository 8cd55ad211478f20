// Copyright 2026 The semble Authors.
//
// Concurrent Embed callers (issue 16, "Embedding under concurrency"): every caller gets exactly
// the vectors a lone single-threaded call gives, whether its texts ran on its own thread, on the
// worker pool or merged with other callers' texts into one batch; and nothing deadlocks.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "embed/bert_encoder.h"
#include "embed/embed_test_util.h"
#include "embed/encode_batcher.h"
#include "embed/onnx_loader.h"
#include "semble/embedder.h"

namespace semble {
namespace {

// Texts of 5 to ~60 tokens (STS-B dev) and ~12-token prompts, all distinct.
std::vector<std::string> Texts(size_t n) {
  std::vector<std::string> texts = test::UniqueSentences(test::ReadStsDev());
  texts.resize(std::min(texts.size(), n / 2));
  for (size_t i = 0; texts.size() < n; ++i) {
    texts.push_back("What is the way to fix the roof number " + std::to_string(i) + " in Oslo?");
  }
  return texts;
}

// One text per call on one thread: the reference every other way must match bit for bit.
std::vector<std::vector<float>> EmbedOneByOne(const std::string& model,
                                              const std::vector<std::string>& texts) {
  EmbedderOptions options;
  options.threads = 1;
  auto e = Embedder::Open(model, options);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  std::vector<std::vector<float>> out;
  for (const std::string& t : texts) {
    auto v = (*e)->Embed({t});
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    out.push_back((*v)[0]);
  }
  return out;
}

// 8 callers embed every text in calls of mixed sizes (1 to 64 texts: short batches on the callers'
// threads and merged, long ones on the pool) and check each vector against the reference.
void CheckConcurrentCallers(const std::string& model, const EmbedderOptions& options) {
  const std::vector<std::string> texts = Texts(600);
  const std::vector<std::vector<float>> want = EmbedOneByOne(model, texts);
  ASSERT_EQ(want.size(), texts.size());
  auto e = Embedder::Open(model, options);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  constexpr int kCallers = 8;
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      std::mt19937 rng(c);
      const size_t sizes[] = {1, 1, 1, 2, 3, 5, 17, 64};
      // Every caller covers all texts, from its own starting point.
      size_t done = 0, at = texts.size() * c / kCallers;
      while (done < texts.size()) {
        const size_t n = std::min(sizes[rng() % std::size(sizes)], texts.size() - done);
        std::vector<std::string> in;
        std::vector<size_t> which;
        for (size_t i = 0; i < n; ++i) {
          which.push_back((at + i) % texts.size());
          in.push_back(texts[which.back()]);
        }
        auto v = (*e)->Embed(in);
        if (!v.ok()) {
          ++failures;
          return;
        }
        for (size_t i = 0; i < n; ++i) {
          if ((*v)[i] != want[which[i]]) ++mismatches;
        }
        done += n;
        at = (at + n) % texts.size();
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(EmbedderConcurrency, CallersGetTheSequentialVectorsWithPoolAndLanes) {
  const std::string model = test::DefaultModelDirOrFail();
  ASSERT_FALSE(model.empty());
  EmbedderOptions options;
  options.threads = 2;  // long batches on the pool, short ones on the callers' threads
  CheckConcurrentCallers(model, options);
}

TEST(EmbedderConcurrency, CallersGetTheSequentialVectorsWhenAllAreMerged) {
  const std::string model = test::DefaultModelDirOrFail();
  ASSERT_FALSE(model.empty());
  EmbedderOptions options;
  options.threads = 1;             // every batch through the batcher
  options.concurrent_encodes = 1;  // one lane: 8 callers' batches are merged
  options.max_batch_tokens = 512;  // and cut at a limit smaller than the merged calls
  CheckConcurrentCallers(model, options);
}

TEST(EmbedderConcurrency, FloatActivationsToo) {
  const std::string model = test::DefaultModelDirOrFail();
  ASSERT_FALSE(model.empty());
  const std::vector<std::string> texts = Texts(40);
  EmbedderOptions options;
  options.activations = ActivationPrecision::kFloat32;
  auto one = Embedder::Open(model, options);
  options.concurrent_encodes = 1;
  options.threads = 2;
  auto merged = Embedder::Open(model, options);
  ASSERT_TRUE(one.ok() && merged.ok());
  std::vector<std::vector<float>> want;
  for (const std::string& t : texts) want.push_back((*(*one)->Embed({t}))[0]);
  std::vector<std::thread> callers;
  std::atomic<int> mismatches{0};
  for (size_t c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (size_t i = c; i < texts.size(); i += 4) {
        auto v = (*merged)->Embed({texts[i]});
        if (!v.ok() || (*v)[0] != want[i]) ++mismatches;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(mismatches.load(), 0);
  // The whole list in one call: one batch on the pool.
  auto all = (*merged)->Embed(texts);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, want);
}

// Callers still running when the owner stops: every call returns (with vectors or an error of
// its own), and the embedder is destroyed once they have. A deadlock would hang the test.
TEST(EmbedderConcurrency, CallsInFlightFinishBeforeShutdown) {
  const std::string model = test::DefaultModelDirOrFail();
  ASSERT_FALSE(model.empty());
  const std::vector<std::string> texts = Texts(200);
  std::string too_long;
  for (int i = 0; i < 600; ++i) too_long += "word ";
  for (int round = 0; round < 3; ++round) {
    EmbedderOptions options;
    options.threads = 2;
    options.concurrent_encodes = 1 + round;
    options.truncate = false;  // the long text fails its call, and only its call
    auto e = Embedder::Open(model, options);
    ASSERT_TRUE(e.ok());
    std::atomic<bool> stop{false};
    std::atomic<int> wrong{0}, calls{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < 8; ++c) {
      callers.emplace_back([&, c] {
        for (size_t i = c; !stop.load(); i += 8) {
          std::vector<std::string> in = {texts[i % texts.size()]};
          if (i % 5 == 0) in.assign(texts.begin(), texts.begin() + 30);
          const bool bad = i % 7 == 0;
          if (bad) in.push_back(too_long);
          auto v = (*e)->Embed(in);
          if (v.ok() == bad || (v.ok() && v->size() != in.size())) ++wrong;
          ++calls;
        }
      });
    }
    while (calls.load() < 40) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    stop = true;
    for (std::thread& t : callers) t.join();
    e->reset();
    EXPECT_EQ(wrong.load(), 0);
  }
}

}  // namespace

namespace embed {
namespace {

std::unique_ptr<BertEncoder> LoadEncoder(const std::string& dir) {
  auto onnx = LoadOnnxWeights(Env::Default(), dir + "/onnx/model_q4.onnx");
  EXPECT_TRUE(onnx.ok());
  auto config_json = ReadFileToString(Env::Default(), dir + "/config.json");
  EXPECT_TRUE(config_json.ok());
  auto config = ParseBertConfig(*config_json);
  EXPECT_TRUE(config.ok());
  auto weights = BuildBertWeights(*config, std::move(onnx->tensors));
  EXPECT_TRUE(weights.ok());
  weights->int8_activation_block = static_cast<size_t>(onnx->block_size);
  return std::make_unique<BertEncoder>(std::move(*weights));
}

// Holds the first batch in the batcher's hook until `queued` more calls wait behind it.
class FirstBatchGate {
 public:
  explicit FirstBatchGate(const EncodeBatcher* batcher) : batcher_(batcher) {}
  void OnBatch(size_t) {
    std::unique_lock<std::mutex> lock(mu_);
    if (first_done_) return;
    first_done_ = true;
    cv_.wait(lock, [&] { return open_; });
  }
  // Waits until n calls are queued, then lets the first batch run.
  void OpenWhenQueued(size_t n) {
    while (batcher_->queued() < n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  const EncodeBatcher* batcher_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool first_done_ = false, open_ = false;
};

struct Call {
  std::vector<std::vector<int32_t>> ids;
  std::vector<float> out;
  Status status;
};

// One call, then `calls.size() - 1` calls that queue behind it and run as one merged batch.
// `also`, if set, runs before every batch too (after the gate), on the thread that runs it.
void RunGated(EncodeBatcher* batcher, std::vector<Call>* calls, size_t hidden,
              std::function<void(size_t)> also = nullptr) {
  FirstBatchGate gate(batcher);
  batcher->SetBeforeBatchForTesting([&](size_t n) {
    gate.OnBatch(n);
    if (also) also(n);
  });
  std::vector<std::thread> threads;
  auto run = [&](Call* c) {
    std::vector<const std::vector<int32_t>*> seqs;
    size_t tokens = 0;
    for (const auto& s : c->ids) {
      seqs.push_back(&s);
      tokens += s.size();
    }
    c->out.assign(seqs.size() * hidden, -1.0f);
    c->status = batcher->Encode(seqs, tokens, c->out.data());
  };
  threads.emplace_back(run, &(*calls)[0]);
  // The first call is in the gate (it runs the only lane) before the others arrive.
  while (batcher->stats().batches == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (size_t i = 1; i < calls->size(); ++i) threads.emplace_back(run, &(*calls)[i]);
  gate.OpenWhenQueued(calls->size() - 1);
  for (std::thread& t : threads) t.join();
}

TEST(EncodeBatcher, QueuedCallsAreMergedAndGetTheirOwnRows) {
  const std::string dir = test::DefaultModelDirOrFail();
  ASSERT_FALSE(dir.empty());
  auto encoder = LoadEncoder(dir);
  const size_t h = encoder->config().hidden;
  EmbedderOptions eo;
  auto embedder = Embedder::Open(dir, eo);
  ASSERT_TRUE(embedder.ok());
  const std::vector<std::string> texts = Texts(30);
  std::vector<Call> calls(7);
  for (size_t i = 0; i < texts.size(); ++i) {
    calls[i % calls.size()].ids.push_back(*(*embedder)->Tokenize(texts[i]));
  }
  EncodeBatcher batcher(encoder.get(), Pooling::kMean, true, /*lanes=*/1, /*max_tokens=*/4096);
  RunGated(&batcher, &calls, h);
  EXPECT_EQ(batcher.stats().batches, 2u);  // the first call, then the 6 queued ones at once
  EXPECT_EQ(batcher.stats().requests, 7u);
  // Each sequence alone, on one thread.
  core::ThreadPool one(1);
  for (const Call& c : calls) {
    ASSERT_TRUE(c.status.ok()) << c.status.ToString();
    for (size_t s = 0; s < c.ids.size(); ++s) {
      std::vector<float> want(h);
      ASSERT_TRUE(encoder->Encode({&c.ids[s]}, Pooling::kMean, true, &one, want.data()).ok());
      EXPECT_TRUE(std::equal(want.begin(), want.end(), c.out.begin() + s * h));
    }
  }
}

// One lane, at most 50 tokens a batch, and nine calls of one 20-token sequence each: run gated,
// the first call alone, then the 8 queued ones in batches of 2.
class TokenLimitBatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = test::DefaultModelDirOrFail();
    ASSERT_FALSE(dir.empty());
    encoder_ = LoadEncoder(dir);
    calls_.resize(9);
    for (size_t i = 0; i < calls_.size(); ++i) {
      calls_[i].ids.push_back(std::vector<int32_t>(20, 1000 + static_cast<int32_t>(i)));
    }
    batcher_ = std::make_unique<EncodeBatcher>(encoder_.get(), Pooling::kCls, false, /*lanes=*/1,
                                               /*max_tokens=*/50);
  }
  void Run(std::function<void(size_t)> also = nullptr) {
    RunGated(batcher_.get(), &calls_, encoder_->config().hidden, std::move(also));
    for (const Call& c : calls_) EXPECT_TRUE(c.status.ok());
  }

  std::unique_ptr<BertEncoder> encoder_;
  std::vector<Call> calls_;
  std::unique_ptr<EncodeBatcher> batcher_;
};

TEST_F(TokenLimitBatcherTest, MergedBatchesStopAtTheTokenLimit) {
  // 20 tokens a call, at most 50 a batch: the 8 queued calls run as 2 + 2 + 2 + 2.
  Run();
  EXPECT_EQ(batcher_->stats().batches, 5u);
  EXPECT_EQ(batcher_->stats().requests, 9u);
}

// A caller whose own call is done keeps its lane for up to two more of the queued batches (it is
// running, where a woken waiter would first wait for a CPU), then hands the lane to the oldest
// waiter, which does the same.
TEST_F(TokenLimitBatcherTest, AFinishedCallerServesTwoMoreBatchesThenHandsTheLaneOn) {
  std::mutex mu;
  std::vector<std::thread::id> ran_on;  // the thread of each batch, in order
  Run([&](size_t) {
    std::lock_guard<std::mutex> lock(mu);
    ran_on.push_back(std::this_thread::get_id());
  });
  ASSERT_EQ(ran_on.size(), 5u);
  EXPECT_EQ(ran_on[1], ran_on[0]);  // the first caller, its own call done, runs calls 1-2
  EXPECT_EQ(ran_on[2], ran_on[0]);  // and 3-4
  EXPECT_NE(ran_on[3], ran_on[0]);  // then wakes call 5's caller, which runs 5-6
  EXPECT_EQ(ran_on[4], ran_on[3]);  // and, done, 7-8
}

TEST(EncodeBatcher, ARefusedSequenceFailsOnlyItsCall) {
  const std::string dir = test::DefaultModelDirOrFail();
  ASSERT_FALSE(dir.empty());
  auto encoder = LoadEncoder(dir);
  const size_t h = encoder->config().hidden;
  std::vector<Call> calls(4);
  for (size_t i = 0; i < calls.size(); ++i) calls[i].ids.push_back({101, 2000 + int32_t(i), 102});
  calls[2].ids[0][1] = static_cast<int32_t>(encoder->config().vocab_size);  // out of range
  EncodeBatcher batcher(encoder.get(), Pooling::kMean, true, /*lanes=*/1, /*max_tokens=*/4096);
  RunGated(&batcher, &calls, h);
  EXPECT_EQ(batcher.stats().batches, 2u);
  core::ThreadPool one(1);
  for (size_t i = 0; i < calls.size(); ++i) {
    if (i == 2) {
      EXPECT_TRUE(calls[i].status.IsInvalidArgument()) << calls[i].status.ToString();
      continue;
    }
    ASSERT_TRUE(calls[i].status.ok()) << calls[i].status.ToString();
    std::vector<float> want(h);
    ASSERT_TRUE(encoder->Encode({&calls[i].ids[0]}, Pooling::kMean, true, &one, want.data()).ok());
    EXPECT_EQ(want, calls[i].out);
  }
}

// Many callers on two lanes with a token cap that splits the queue into several batches: each
// finished batch must hand its lane to the oldest waiter (and a lane freed twice before that
// waiter runs must be passed on), or calls would wait forever or rows would go to the wrong call.
TEST(EncodeBatcher, ManyCallersOnTwoLanesAllFinishWithTheirOwnRows) {
  const std::string dir = test::DefaultModelDirOrFail();
  ASSERT_FALSE(dir.empty());
  auto encoder = LoadEncoder(dir);
  const size_t h = encoder->config().hidden;
  constexpr int kCallers = 12, kCallsEach = 25;
  // Per caller a distinct 3-to-7-token sequence, and its vector alone on one thread.
  std::vector<std::vector<int32_t>> ids(kCallers);
  std::vector<std::vector<float>> want(kCallers, std::vector<float>(h));
  core::ThreadPool one(1);
  for (int c = 0; c < kCallers; ++c) {
    ids[c] = {101};
    for (int t = 0; t < 1 + c % 5; ++t) ids[c].push_back(2000 + 37 * c + t);
    ids[c].push_back(102);
    ASSERT_TRUE(encoder->Encode({&ids[c]}, Pooling::kMean, true, &one, want[c].data()).ok());
  }
  EncodeBatcher batcher(encoder.get(), Pooling::kMean, true, /*lanes=*/2, /*max_tokens=*/20);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kCallers; ++c) {
    threads.emplace_back([&, c] {
      std::vector<float> out(h);
      for (int i = 0; i < kCallsEach; ++i) {
        std::fill(out.begin(), out.end(), -1.0f);
        Status s = batcher.Encode({&ids[c]}, ids[c].size(), out.data());
        if (!s.ok() || out != want[c]) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(batcher.stats().requests, uint64_t{kCallers} * kCallsEach);
  EXPECT_EQ(batcher.queued(), 0u);
}

}  // namespace
}  // namespace embed
}  // namespace semble
