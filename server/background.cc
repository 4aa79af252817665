// Background work: the stale-upload and lifecycle sweep, on the first
// worker's event loop, until Stop cancels its timer.
#include <spdlog/logger.h>

#include <algorithm>
#include <chrono>

#include "server/handlers/common.h"
#include "server/leader.h"
#include "server/lifecycle.h"
#include "server/server_impl.h"

namespace s2lite {

namespace asio = boost::asio;
using server::kTuple;

// Aborts uploads pending longer than abort_incomplete_after (when set) and
// applies the buckets' lifecycle rules.
asio::awaitable<void> Server::Impl::SweepOnce() {
  if (!state->leader->leader()) co_return;  // another daemon on the registry runs it
  const std::chrono::milliseconds age = options.abort_incomplete_after;
  Result<int> aborted = 0;
  if (age.count() > 0)
    aborted = co_await state->store->AbortUploadsOlderThan(server::ToTimeMs(state->Now() - age));
  auto swept = co_await server::ApplyLifecycle(*state, server::ToTimeMs(state->Now()));
  if (!aborted.ok()) {
    state->logger->warn("stale upload sweep failed: {}", aborted.status().message());
  } else if (*aborted > 0) {
    state->logger->info("aborted {} multipart uploads pending over {} s", *aborted,
                        age.count() / 1000);
  }
  if (!swept.ok()) {
    state->logger->warn("lifecycle sweep failed: {}", swept.status().message());
  } else if (swept->uploads_aborted + swept->objects_expired > 0) {
    state->logger->info("lifecycle: aborted {} multipart uploads, expired {} objects",
                        swept->uploads_aborted, swept->objects_expired);
  }
}

// Sweeps at start and then every min(abort_incomplete_after / 4, 60 s,
// lifecycle_interval), until Stop cancels the timer.
asio::awaitable<void> Server::Impl::ReapStaleUploads() {
  using std::chrono::milliseconds;
  const milliseconds age = options.abort_incomplete_after;
  milliseconds every = std::max(options.lifecycle_interval, milliseconds(10));
  if (age.count() > 0)
    every = std::min(every, std::clamp(age / 4, milliseconds(10), milliseconds(60'000)));
  while (!stopping) {
    co_await SweepOnce();
    if (stopping) co_return;
    reaper->expires_after(every);
    auto [ec] = co_await reaper->async_wait(kTuple);
    if (ec) co_return;
  }
}

}  // namespace s2lite
