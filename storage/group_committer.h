#pragma once

// Group commit's waiting room, a detail of the SQLite backend: a call whose
// write joined (or whose read saw) the open group waits here, without
// holding its thread, until that group is committed; one commit serves
// everyone who finished meanwhile, made by the committer's thread (when it
// syncs) or by the first caller at the end of its event loop's turn (when it
// does not: see the constructor). Each registry has its own (no state is
// shared between two stores in one process).

#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "s2lite/status.h"
#include "storage/task.h"

namespace s2lite::storage {

class GroupCommitter {
 public:
  // `commit` commits the open group (OK when none is open); `ended` says how
  // group `id` ended, nullopt while it has not. Both are called from the
  // committer's thread and, for a lone caller, from the caller's.
  //
  // With `in_turn` (a commit that needs no sync, cheap next to the requests
  // it serves), groups are committed by the callers themselves, at the end
  // of their event loop's turn: the first caller to wait yields once, so
  // that every request its loop had ready joins the group, then commits for
  // all of them and completes the others; no thread hand-off, no wake-up.
  // `slow` (may be null) says the next commit would not be cheap (it
  // rewinds the WAL, syncing the database): that one goes to the thread.
  // Without `in_turn`, the thread commits every group.
  GroupCommitter(std::function<Status()> commit,
                 std::function<std::optional<Status>(uint64_t)> ended, bool in_turn = false,
                 std::function<bool()> slow = nullptr);
  ~GroupCommitter() { Stop(); }
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Commits what is left and completes every waiter (their handlers run when
  // their executors do, or are destroyed with them).
  void Stop();

  // One registry call, from its start until it knows its group's fate. While
  // calls are in flight (not yet waiting), the committer gives them a moment
  // to join the group it is about to commit.
  class Call {
   public:
    explicit Call(GroupCommitter& c) : c_(c) {
      if (++c_.active_ > 1) c_.last_concurrent_ = NowNs();
      ++c_.in_flight_;
    }
    ~Call() {
      Leave();
      --c_.active_;
    }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;
    // Completes with how group `id` ended, once it has (OK at once for 0).
    Task<Status> Committed(uint64_t id);

   private:
    void Leave();
    GroupCommitter& c_;
    bool left_ = false;
  };

 private:
  struct Waiter {
    uint64_t id;
    boost::asio::executor_work_guard<boost::asio::any_io_executor> work;
    boost::asio::any_completion_handler<void(Status)> handler;
  };
  // Completes once group `id` has ended; `follows_leader`: a turn's leader
  // (in_turn) is to take this waiter.
  Task<Status> Wait(uint64_t id, bool follows_leader);
  // `in_turn`: as the turn's leader, or as a waiter when another leads.
  Task<Status> CommitInTurn(uint64_t id);
  void Enqueue(Waiter w, bool follows_leader);
  Status EndOf(uint64_t id);
  void Run();
  void CompleteBatch(std::vector<Waiter>& batch);

  std::function<Status()> commit_;
  std::function<std::optional<Status>(uint64_t)> ended_;
  const bool in_turn_;
  std::function<bool()> slow_;
  std::mutex mu_;
  bool leader_ = false;       // a caller will commit at the end of its turn (mu_)
  bool wake_thread_ = false;  // in_turn: the thread is asked to commit (mu_)
  std::condition_variable cv_;
  std::vector<Waiter> waiters_;
  std::atomic<int> in_flight_{0};  // calls not yet waiting
  std::atomic<int> active_{0};     // calls not yet completed
  // When a call last started while another was active (steady clock, ns):
  // a caller commits on its own thread only after a quiet spell.
  std::atomic<int64_t> last_concurrent_{0};
  static int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace s2lite::storage
