#include "server/leader.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "common/crypto.h"
#include "server/state.h"

namespace s2lite::server {
namespace asio = boost::asio;

namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Leader::Leader(storage::ObjectStore& store, std::shared_ptr<spdlog::logger> logger,
               LeaderOptions options)
    : store_(store), logger_(std::move(logger)), options_(std::move(options)) {
  if (options_.node_id.empty()) options_.node_id = NewNodeId();
  if (!options_.now) options_.now = SteadyMs;
  options_.ttl = std::max(options_.ttl, std::chrono::milliseconds(30));
}

Leader::~Leader() = default;

std::string Leader::NewNodeId() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, 8, "host");
  return std::string(host) + "-" + std::to_string(::getpid()) + "-" + common::RandomHex(4);
}

int64_t Leader::Now() const { return options_.now(); }

bool Leader::leader() const { return !store_.shared() || Now() < held_until_.load(); }

storage::Task<Status> Leader::Tick() {
  if (!store_.shared()) co_return Status::Ok();
  const int64_t ttl = options_.ttl.count();
  const int64_t asked = Now();
  Result<bool> held = co_await store_.AcquireLease(options_.lease, options_.node_id, ttl);
  Status status = held.status();
  if (!held.ok()) {
    // Still leading until the last renewal's time is up: it may come back.
    logger_->warn("leader: cannot renew the '{}' lease: {}", options_.lease,
                  held.status().message());
  } else {
    held_until_ = *held ? asked + ttl * 3 / 4 : 0;
  }
  const bool leading = leader();
  if (leading != leading_) {
    leading_ = leading;
    if (leading) {
      logger_->info("leader: {} now runs the background work (lease '{}', ttl {} ms)",
                    options_.node_id, options_.lease, ttl);
      next_sweep_ = 0;
    } else {
      logger_->info("leader: {} no longer runs the background work (lease '{}')", options_.node_id,
                    options_.lease);
    }
  }
  if (!leading || Now() < next_sweep_ || sweeping_) co_return status;
  next_sweep_ = Now() + std::clamp<int64_t>(options_.blob_grace.count() / 4, 100, 15 * 60 * 1000);
  sweeping_ = true;
  asio::any_io_executor here = co_await asio::this_coro::executor;
  asio::co_spawn(sweep_executor_ ? *sweep_executor_ : here, Sweep(), asio::detached);
  co_return status;
}

storage::Task<void> Leader::Sweep() {
  Result<storage::BlobSweep> swept = co_await store_.SweepBlobs(options_.blob_grace.count());
  if (!swept.ok()) {
    logger_->warn("blob sweep failed: {}", swept.status().message());
  } else if (swept->tombstoned + swept->orphans > 0) {
    logger_->info("blob sweep: removed {} freed and {} orphan blobs", swept->tombstoned,
                  swept->orphans);
  }
  sweeping_ = false;
}

storage::Task<Status> Leader::Release() {
  held_until_ = 0;
  if (!store_.shared()) co_return Status::Ok();
  Status s = co_await store_.ReleaseLease(options_.lease, options_.node_id);
  if (!s.ok()) {
    logger_->warn("leader: cannot release the '{}' lease: {}", options_.lease, s.message());
  } else if (leading_) {
    logger_->info("leader: {} released the '{}' lease", options_.node_id, options_.lease);
  }
  leading_ = false;
  co_return s;
}

std::chrono::milliseconds Leader::NextDelay() const {
  int64_t delay = options_.ttl.count() / 3;
  if (leader()) delay = std::min(delay, next_sweep_ - Now());
  return std::chrono::milliseconds(std::max<int64_t>(delay, 10));
}

void Leader::Start(const asio::any_io_executor& executor,
                   std::optional<asio::any_io_executor> sweep_executor) {
  if (!store_.shared()) return;
  sweep_executor_ = std::move(sweep_executor);
  timer_ = std::make_unique<asio::steady_timer>(executor);
  asio::co_spawn(executor, Run(), asio::detached);
}

void Leader::Cancel() {
  stopping_ = true;
  if (timer_) asio::post(timer_->get_executor(), [this] { timer_->cancel(); });
}

storage::Task<void> Leader::Run() {
  while (!stopping_) {
    static_cast<void>(co_await Tick());
    if (stopping_) co_return;
    timer_->expires_after(NextDelay());
    auto [ec] = co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

std::shared_ptr<Leader> StartLeader(ServerState& state, const asio::any_io_executor& executor,
                                    const asio::any_io_executor& sweep_executor) {
  LeaderOptions options;
  options.ttl = state.options.lease_ttl;
  options.blob_grace = state.options.blob_grace;
  auto leader = std::make_shared<Leader>(*state.store, state.logger, std::move(options));
  leader->Start(executor, sweep_executor);
  return leader;
}

}  // namespace s2lite::server
