#include "storage/group_committer.h"

#include <algorithm>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <utility>

namespace s2lite::storage {

namespace asio = boost::asio;

GroupCommitter::GroupCommitter(std::function<Status()> commit,
                               std::function<std::optional<Status>(uint64_t)> ended, bool in_turn,
                               std::function<bool()> slow)
    : commit_(std::move(commit)),
      ended_(std::move(ended)),
      in_turn_(in_turn),
      slow_(std::move(slow)) {
  thread_ = std::thread([this] { Run(); });
}

void GroupCommitter::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void GroupCommitter::Call::Leave() {
  if (left_) return;
  left_ = true;
  --c_.in_flight_;
}

Task<Status> GroupCommitter::Call::Committed(uint64_t id) {
  Leave();
  if (id == 0) co_return Status::Ok();
  if (std::optional<Status> done = c_.ended_(id)) co_return std::move(*done);
  if (c_.in_turn_) co_return co_await c_.CommitInTurn(id);
  {
    // Nobody else is in the store, nobody waits, and nobody was lately:
    // commit on the caller's thread, sparing two thread hand-offs (a lone
    // client's sequential requests). With others about, that would block a
    // thread they need and shrink the groups to one call each.
    constexpr int64_t kQuietNs = 5'000'000;
    std::unique_lock lock(c_.mu_);
    if (c_.active_.load() == 1 && c_.waiters_.empty() &&
        NowNs() - c_.last_concurrent_.load() > kQuietNs) {
      lock.unlock();
      static_cast<void>(c_.commit_());
      co_return c_.EndOf(id);
    }
  }
  co_return co_await c_.Wait(id, false);
}

Task<Status> GroupCommitter::Wait(uint64_t id, bool follows_leader) {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Status)>(
      [this, id, follows_leader](auto handler) {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        Enqueue(Waiter{id, std::move(work), std::move(handler)}, follows_leader);
      },
      asio::use_awaitable);
}

void GroupCommitter::Enqueue(Waiter w, bool follows_leader) {
  std::lock_guard lock(mu_);
  waiters_.push_back(std::move(w));
  // Without in_turn, only the first waiter wakes the committer; while it
  // gathers it waits for calls in flight to get here, not for each waiter.
  // With in_turn, a turn's leader takes the waiters that follow it; the
  // thread is woken for anyone else (a slow commit, or a follower that came
  // after the leader took the others: it is completed after a commit, so its
  // group has ended whichever commit ended it).
  const bool wake = in_turn_ ? !(follows_leader && leader_) : waiters_.size() == 1;
  if (!wake) return;
  wake_thread_ = true;
  cv_.notify_one();
}

// Whoever waits first in a turn leads: it yields once (to the back of its
// executor's queue, behind the requests its loop already had ready), then
// commits the open group for everyone waiting. A write made after the leader
// stops leading goes to the next group, and its caller waits for the next
// leader: every waiter the leader takes belongs to a group its commit ends.
Task<Status> GroupCommitter::CommitInTurn(uint64_t id) {
  bool lead = false;
  {
    std::lock_guard lock(mu_);
    lead = !leader_;
    leader_ = true;
  }
  if (!lead) co_return co_await Wait(id, /*follows_leader=*/true);
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  std::vector<Waiter> batch;
  bool slow = slow_ && slow_();
  {
    std::lock_guard lock(mu_);
    leader_ = false;
    if (!slow) batch.swap(waiters_);
  }
  if (slow) co_return co_await Wait(id, false);  // with the others, on the thread
  static_cast<void>(commit_());
  CompleteBatch(batch);
  co_return EndOf(id);
}

Status GroupCommitter::EndOf(uint64_t id) {
  return ended_(id).value_or(Status(ErrorCode::kInternalError, "registry group not committed"));
}

// Sleeps until a call waits, then gathers: while more calls keep arriving
// (or are applying their writes), it gives them a moment to join, up to
// kGather in all. Then one commit for all of them.
void GroupCommitter::Run() {
  constexpr auto kGather = std::chrono::microseconds(200);
  constexpr auto kQuiet = std::chrono::microseconds(15);
  for (;;) {
    std::vector<Waiter> batch;
    bool last = false;
    {
      std::unique_lock lock(mu_);
      // With in_turn, the waiters belong to a turn's leader unless the
      // thread was asked (a slow commit, a call the leader missed).
      cv_.wait(lock, [this] { return stop_ || (in_turn_ ? wake_thread_ : !waiters_.empty()); });
      wake_thread_ = false;
      const auto deadline = std::chrono::steady_clock::now() + kGather;
      size_t seen = 0;
      while (!stop_ && (waiters_.size() != seen || in_flight_ > 0) &&
             std::chrono::steady_clock::now() < deadline) {
        seen = waiters_.size();
        cv_.wait_for(lock, kQuiet, [this] { return stop_; });
      }
      batch.swap(waiters_);
      last = stop_ && batch.empty();
    }
    static_cast<void>(commit_());
    CompleteBatch(batch);
    if (last) return;
  }
}

// One hand-off per executor, not per call: each post from this thread may
// have to wake an I/O thread out of epoll_wait.
void GroupCommitter::CompleteBatch(std::vector<Waiter>& batch) {
  struct Completions {
    asio::any_io_executor executor;
    std::vector<std::pair<asio::any_completion_handler<void(Status)>, Status>> handlers;
  };
  std::vector<Completions> by_executor;
  for (Waiter& w : batch) {
    auto ex = w.work.get_executor();
    auto it = std::find_if(by_executor.begin(), by_executor.end(),
                           [&](const Completions& c) { return c.executor == ex; });
    if (it == by_executor.end()) it = by_executor.insert(by_executor.end(), Completions{ex, {}});
    it->handlers.emplace_back(std::move(w.handler), EndOf(w.id));
  }
  for (Completions& c : by_executor) {
    asio::post(c.executor, [handlers = std::move(c.handlers)]() mutable {
      for (auto& [handler, status] : handlers) std::move(handler)(std::move(status));
    });
  }
  batch.clear();  // the work guards go once every post is queued
}

}  // namespace s2lite::storage
