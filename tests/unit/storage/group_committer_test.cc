// GroupCommitter on its own, over a fake registry: a counter of groups. A
// call "writes" by joining the open group, then waits until that group has
// ended; the commit ends the open group.
#include "storage/group_committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace s2lite::storage {
namespace {

namespace asio = boost::asio;

class FakeGroups {
 public:
  // The open group's id, which a write joins.
  uint64_t Join() {
    std::lock_guard lock(mu_);
    return open_;
  }
  Status Commit() {
    std::lock_guard lock(mu_);
    ++commits_;
    committers_.insert(std::this_thread::get_id());
    ended_ = open_++;
    return Status::Ok();
  }
  std::optional<Status> Ended(uint64_t id) {
    std::lock_guard lock(mu_);
    if (id > ended_) return std::nullopt;
    return Status::Ok();
  }
  int commits() {
    std::lock_guard lock(mu_);
    return commits_;
  }
  std::set<std::thread::id> committers() {
    std::lock_guard lock(mu_);
    return committers_;
  }

 private:
  std::mutex mu_;
  uint64_t open_ = 1, ended_ = 0;
  int commits_ = 0;
  std::set<std::thread::id> committers_;
};

// Spawns `n` calls on `io`; each counts itself in `done` once its group has
// ended, checking that it has.
void SpawnCalls(asio::io_context& io, GroupCommitter& c, FakeGroups& g, int n,
                std::atomic<int>& done, std::atomic<int>& wrong) {
  for (int i = 0; i < n; ++i) {
    asio::co_spawn(
        io,
        [&]() -> Task<void> {
          GroupCommitter::Call call(c);
          const uint64_t id = g.Join();
          Status s = co_await call.Committed(id);
          if (!s.ok() || !g.Ended(id)) ++wrong;
          ++done;
        },
        asio::detached);
  }
}

// `loops` threads, each running `rounds` event loops of `each` calls.
void RunLoops(GroupCommitter& c, FakeGroups& g, int loops, int rounds, int each,
              std::atomic<int>& done, std::atomic<int>& wrong) {
  std::vector<std::thread> threads;
  for (int t = 0; t < loops; ++t) {
    threads.emplace_back([&] {
      for (int r = 0; r < rounds; ++r) {
        asio::io_context io(1);
        SpawnCalls(io, c, g, each, done, wrong);
        io.run();
      }
    });
  }
  for (auto& t : threads) t.join();
}

TEST(GroupCommitterTest, CallsReadyInOneTurnShareOneCommitOnTheirOwnThread) {
  FakeGroups g;
  GroupCommitter c([&] { return g.Commit(); }, [&](uint64_t id) { return g.Ended(id); },
                   /*in_turn=*/true);
  asio::io_context io(1);
  std::atomic<int> done{0}, wrong{0};
  SpawnCalls(io, c, g, 50, done, wrong);
  io.run();
  EXPECT_EQ(done.load(), 50);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(g.commits(), 1) << "the turn's 50 calls were not committed together";
  EXPECT_EQ(g.committers(), std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST(GroupCommitterTest, CallsOnSeveralLoopsEachEndCommitted) {
  FakeGroups g;
  GroupCommitter c([&] { return g.Commit(); }, [&](uint64_t id) { return g.Ended(id); },
                   /*in_turn=*/true);
  constexpr int kLoops = 4, kRounds = 200, kEach = 5;
  std::atomic<int> done{0}, wrong{0};
  RunLoops(c, g, kLoops, kRounds, kEach, done, wrong);
  EXPECT_EQ(done.load(), kLoops * kRounds * kEach);
  EXPECT_EQ(wrong.load(), 0);
}

// A commit known to be slow (a WAL rewind, with a database sync) is not made
// on the callers' event loops.
TEST(GroupCommitterTest, ASlowCommitGoesToTheCommitterThread) {
  FakeGroups g;
  std::atomic<bool> slow{true};
  GroupCommitter c([&] { return g.Commit(); }, [&](uint64_t id) { return g.Ended(id); },
                   /*in_turn=*/true, [&] { return slow.load(); });
  asio::io_context io(1);
  std::atomic<int> done{0}, wrong{0};
  SpawnCalls(io, c, g, 20, done, wrong);
  io.run();
  EXPECT_EQ(done.load(), 20);
  EXPECT_EQ(wrong.load(), 0);
  ASSERT_GE(g.commits(), 1);
  EXPECT_EQ(g.committers().count(std::this_thread::get_id()), 0u);
}

// Without in_turn (fsync mode), the thread commits every group.
TEST(GroupCommitterTest, WithoutInTurnTheThreadCommitsForConcurrentCalls) {
  FakeGroups g;
  GroupCommitter c([&] { return g.Commit(); }, [&](uint64_t id) { return g.Ended(id); });
  std::atomic<int> done{0}, wrong{0};
  RunLoops(c, g, 4, 50, 5, done, wrong);
  EXPECT_EQ(done.load(), 4 * 50 * 5);
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace s2lite::storage
