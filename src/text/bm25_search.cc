// Copyright 2026 The semble Authors.
//
// Bm25Index::Search: document-at-a-time over the query terms' posting lists with MaxScore.
//
// Each term's contribution to any document is below ub(t) = qtf·idf·(k1 + 1), since
// tf/(tf + K) < 1. With the terms sorted by ub, the shortest prefix of them whose bounds sum to no
// more than the current k-th score θ is "non-essential": a document that holds only those terms
// cannot enter the top k. Candidates therefore come from the essential lists alone, and the
// non-essential lists are probed (binary search forward) for a candidate only while its score plus
// their remaining bounds could still pass θ. Documents are visited in increasing slot order, so a
// later document that only ties θ loses the tie (ties go to the smaller slot) and pruning with
// "≤ θ" is exact. The same argument lets a lone essential list skip blocks by their stored bounds
// (block-max, as in Ding & Suel's BMW).

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "core/top_k.h"
#include "text/bm25_index.h"

namespace semble::text {

namespace {

// Bounds are compared with scores rounded to float; a little slack keeps that rounding from
// pruning a document whose true score reaches θ.
constexpr double kBoundSlack = 1.0 + 1e-6;

}  // namespace

std::vector<Hit> Bm25Index::Search(std::string_view query, size_t k,
                                   const SlotFilter& allow) const {
  std::vector<std::string> terms;
  analyzer_.Analyze(query, &terms);
  return SearchTerms(terms, k, allow);
}

std::vector<Hit> Bm25Index::SearchTerms(std::span<const std::string> terms, size_t k,
                                        const SlotFilter& allow) const {
  if (k == 0 || terms.empty()) return {};
  std::vector<std::string_view> sorted(terms.begin(), terms.end());
  std::sort(sorted.begin(), sorted.end());

  struct Cursor {
    const Posting* pos;
    const Posting* end;
    const Posting* begin;
    const BlockBound* blocks;
    size_t n_blocks;  // 0: the list keeps no bounds (it is one block long)
    double weight;    // qtf · idf
    double ub;        // weight · (k1 + 1)
  };
  std::shared_lock<std::shared_mutex> lock(mu_);
  const double n_docs = static_cast<double>(docs_.size());
  if (docs_.size() == 0) return {};
  const double k1 = options_.k1, b = options_.b;
  const double avgdl = static_cast<double>(total_length_) / n_docs;

  std::vector<Cursor> cursors;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    auto it = term_ids_.find(sorted[i]);
    if (it != term_ids_.end()) {
      const PostingList& list = lists_[it->second];
      const double n = list.live;
      const double idf = std::log(1.0 + (n_docs - n + 0.5) / (n + 0.5));
      const double weight = static_cast<double>(j - i) * idf;
      const Posting* begin = list.postings.data();
      cursors.push_back({begin, begin + list.postings.size(), begin, list.blocks.data(),
                         list.blocks.size(), weight, weight * (k1 + 1.0)});
    }
    i = j;
  }
  if (cursors.empty()) return {};
  std::sort(cursors.begin(), cursors.end(),
            [](const Cursor& x, const Cursor& y) { return x.ub < y.ub; });
  std::vector<double> prefix(cursors.size());  // Σ ub of cursors[0..i], with slack
  double sum = 0;
  for (size_t i = 0; i < cursors.size(); ++i) {
    sum += cursors[i].ub;
    prefix[i] = sum * kBoundSlack;
  }

  auto contribution = [&](const Cursor& c, const Posting& p) {
    const double tf = p.tf;
    const double norm = k1 * (1.0 - b + b * static_cast<double>(p.length) / avgdl);
    return c.weight * tf * (k1 + 1.0) / (tf + norm);
  };

  core::TopK top(k);
  size_t first_essential = 0;
  const size_t n_cursors = cursors.size();
  // The block of the lone essential list last found able to pass θ, and that θ.
  size_t open_block = std::numeric_limits<size_t>::max();
  double open_theta = 0;
  for (;;) {
    // With one essential list left, whole blocks of it whose bound, with every non-essential
    // term's, cannot pass θ are skipped: the single common term query no longer scores every
    // posting. (With several essential lists a block's bound would have to be combined with the
    // others' blocks around the same slots; not done.)
    // A block found able to pass θ is not checked again for its next postings until θ rises.
    if (first_essential + 1 == n_cursors) {
      const double theta = top.threshold();
      const double rest = first_essential > 0 ? prefix[first_essential - 1] : 0.0;
      Cursor& c = cursors[first_essential];
      while (c.pos < c.end) {
        const size_t block = static_cast<size_t>(c.pos - c.begin) / kBlockSize;
        if (block >= c.n_blocks || (block == open_block && theta == open_theta)) break;
        const BlockBound& bound = c.blocks[block];
        const double most = c.ub * bound.max_saturation * std::max(1.0, avgdl / bound.avgdl_ref);
        if (most * kBoundSlack + rest > theta) {
          open_block = block;
          open_theta = theta;
          break;
        }
        c.pos = std::min(c.end, c.begin + (block + 1) * kBlockSize);
      }
    }
    // The next candidate: the smallest live slot under an essential cursor.
    uint32_t doc = std::numeric_limits<uint32_t>::max();
    bool any = false;
    for (size_t i = first_essential; i < n_cursors; ++i) {
      Cursor& c = cursors[i];
      while (c.pos < c.end && c.pos->tf == 0) ++c.pos;
      if (c.pos < c.end && c.pos->slot <= doc) {
        doc = c.pos->slot;
        any = true;
      }
    }
    if (!any) break;
    const bool allowed = !allow || allow(doc);
    double score = 0;
    for (size_t i = first_essential; i < n_cursors; ++i) {
      Cursor& c = cursors[i];
      if (c.pos < c.end && c.pos->slot == doc) {
        if (allowed) score += contribution(c, *c.pos);
        ++c.pos;
      }
    }
    if (!allowed) continue;
    const double theta = top.threshold();
    bool pruned = false;
    for (size_t i = first_essential; i-- > 0;) {
      if (score + prefix[i] <= theta) {
        pruned = true;
        break;
      }
      Cursor& c = cursors[i];
      c.pos = std::lower_bound(c.pos, c.end, doc,
                               [](const Posting& p, uint32_t s) { return p.slot < s; });
      if (c.pos < c.end && c.pos->slot == doc && c.pos->tf > 0) score += contribution(c, *c.pos);
    }
    if (pruned) continue;
    top.Push(static_cast<float>(score), doc);
    const double new_theta = top.threshold();
    while (first_essential < n_cursors && prefix[first_essential] <= new_theta) ++first_essential;
  }

  std::vector<core::ScoredSlot> best = top.Take();
  std::vector<Hit> hits;
  hits.reserve(best.size());
  for (const core::ScoredSlot& s : best) hits.push_back({s.slot, s.key});
  return hits;
}

}  // namespace semble::text
