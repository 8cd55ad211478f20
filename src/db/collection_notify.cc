// Copyright 2026 The semble Authors.
//
// Collection::NotifyWhenApplied: callbacks for "mutation N has been applied", so that a server can
// answer `info?waitForMutation=` when the write lands instead of polling on a blocked thread.
//
// Registration reads the applied watermark and inserts the callback under notify_mu_, and the
// leader runs RunAppliedNotifications after every applied group, which takes notify_mu_ too: a
// mutation applied between the two steps is seen by one of them, never by neither.

#include <utility>
#include <vector>

#include "db/collection.h"

namespace semble {

// Indexes that cannot notify (a remote index) say so; callers fall back or refuse.
Result<uint64_t> Index::NotifyWhenApplied(const std::string&, std::function<void()>) {
  return Status::FailedPrecondition("this index cannot notify when a mutation is applied");
}

void Index::CancelNotify(uint64_t) {}

namespace db {

Result<uint64_t> Collection::NotifyWhenApplied(const std::string& mutation_id,
                                               std::function<void()> applied) {
  std::unique_lock lock(notify_mu_);
  {
    std::shared_lock state(state_mu_);
    SEMBLE_RETURN_IF_ERROR(ReadableLocked());
    if (applied_seq_ > 0 && mutation_id <= MutationIdLocked(applied_seq_)) {
      state.unlock();
      lock.unlock();
      applied();
      return uint64_t{0};
    }
  }
  const uint64_t ticket = next_notify_ticket_++;
  notifications_.emplace(mutation_id, AppliedNotification{ticket, std::move(applied)});
  return ticket;
}

void Collection::CancelNotify(uint64_t ticket) {
  if (ticket == 0) return;
  std::lock_guard lock(notify_mu_);
  for (auto it = notifications_.begin(); it != notifications_.end(); ++it) {
    if (it->second.ticket == ticket) {
      notifications_.erase(it);
      return;
    }
  }
}

void Collection::RunAppliedNotifications() {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(notify_mu_);
    if (notifications_.empty()) return;
    std::string watermark;
    {
      std::shared_lock state(state_mu_);
      if (applied_seq_ == 0) return;
      watermark = MutationIdLocked(applied_seq_);
    }
    const auto end = notifications_.upper_bound(watermark);
    for (auto it = notifications_.begin(); it != end; ++it)
      ready.push_back(std::move(it->second.fn));
    notifications_.erase(notifications_.begin(), end);
  }
  // Outside notify_mu_: a callback may register or cancel another notification.
  for (auto& fn : ready) fn();
}

}  // namespace db
}  // namespace semble
