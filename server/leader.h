#pragma once

// One leader for background work among daemons sharing a registry: the
// stale-upload reaper, the lifecycle sweep and the blob sweeper run on the
// daemon holding the registry's lease "background" (Registry::AcquireLease),
// renewed every ttl/3. A holder that dies stops renewing, and another daemon
// takes the lease over once it has expired: within ttl + ttl/3. A daemon
// that cannot renew (the registry is unreachable) stops leading 3/4 ttl after
// its last renewal, before anyone else may take over. With a single-process
// registry the daemon always leads.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "storage/object_store.h"
#include "storage/task.h"

namespace spdlog {
class logger;
}

namespace s2lite::server {

struct LeaderOptions {
  std::string lease = "background";
  // This daemon in the lease row and the logs; NewNodeId() when empty.
  std::string node_id;
  std::chrono::milliseconds ttl{15'000};
  // Freed and orphan blobs go this long after (ObjectStore::SweepBlobs); the
  // sweep runs every grace/4 (at least 100 ms, at most 15 min).
  std::chrono::milliseconds blob_grace{3'600'000};
  // A monotonic clock in ms. Default: std::chrono::steady_clock.
  std::function<int64_t()> now;
};

class Leader {
 public:
  // `store` must outlive the Leader.
  Leader(storage::ObjectStore& store, std::shared_ptr<spdlog::logger> logger,
         LeaderOptions options);
  ~Leader();

  // hostname-pid-random: unique among the daemons of a cluster.
  static std::string NewNodeId();
  const std::string& node_id() const { return options_.node_id; }

  // Whether this daemon may run background work now. Thread-safe.
  bool leader() const;

  // One round: acquires or renews the lease (a change is logged) and, while
  // leading, starts a blob sweep when one is due and none is running (on the
  // sweep executor, so renewals go on meanwhile). Returns the registry's
  // error (logged too), if any.
  storage::Task<Status> Tick();
  // Gives the lease up (a clean stop hands the work over at once).
  storage::Task<Status> Release();
  // How long until the next Tick is due.
  std::chrono::milliseconds NextDelay() const;

  // Ticks on `executor` until Cancel(). Blob sweeps list and remove files,
  // which blocks: they run on `sweep_executor` (a thread pool), else on the
  // executor Tick runs on.
  void Start(const boost::asio::any_io_executor& executor,
             std::optional<boost::asio::any_io_executor> sweep_executor = std::nullopt);
  // Stops the ticking (thread-safe); the lease stays until Release().
  void Cancel();

 private:
  storage::Task<void> Run();
  storage::Task<void> Sweep();
  int64_t Now() const;

  storage::ObjectStore& store_;
  std::shared_ptr<spdlog::logger> logger_;
  LeaderOptions options_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<boost::asio::steady_timer> timer_;
  bool leading_ = false;  // as last logged; Tick's own
  // Local monotonic ms until which the lease is surely this daemon's.
  std::atomic<int64_t> held_until_{0};
  int64_t next_sweep_ = 0;  // local monotonic ms
  std::optional<boost::asio::any_io_executor> sweep_executor_;
  std::atomic<bool> sweeping_{false};
};

struct ServerState;
// The Server's leader, from state.options (lease_ttl, blob_grace), ticking on
// `executor`, sweeping on `sweep_executor` (state.store must be open).
std::shared_ptr<Leader> StartLeader(ServerState& state,
                                    const boost::asio::any_io_executor& executor,
                                    const boost::asio::any_io_executor& sweep_executor);

}  // namespace s2lite::server
