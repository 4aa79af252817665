#pragma once

// The state one Server shares between its sessions and handlers. One per
// Server instance: s2lite has no process globals.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "s2lite/options.h"
#include "server/faults.h"
#include "server/metrics.h"
#include "server/request_ring.h"
#include "storage/object_store.h"

namespace spdlog {
class logger;
}
namespace boost::asio {
class thread_pool;
}

namespace s2lite::server {

class Leader;

struct ServerState {
  Options options;
  std::unique_ptr<storage::ObjectStore> store;
  std::unordered_map<std::string, UserCredentials> users_by_access_key;
  std::shared_ptr<spdlog::logger> logger;
  std::string host_id;            // x-amz-id-2
  std::string request_id_prefix;  // random per server
  std::atomic<uint64_t> request_counter{0};
  Metrics metrics;
  FaultSet faults;
  RequestRing recent_requests;     // GET /_s2lite/requests (the console's Activity page)
  std::atomic<bool> ready{false};  // false while starting and stopping
  // Runs the handlers that would hold an I/O thread for long (copies);
  // owned by Server::Impl, set while running.
  boost::asio::thread_pool* workers = nullptr;
  // Whether this daemon runs the background work (server/leader.h); set while running.
  std::shared_ptr<Leader> leader;

  // Options::clock, or the system clock.
  std::chrono::system_clock::time_point Now() const {
    return options.clock ? options.clock() : std::chrono::system_clock::now();
  }
  const UserCredentials* FindUser(std::string_view access_key) const {
    auto it = users_by_access_key.find(std::string(access_key));
    return it == users_by_access_key.end() ? nullptr : &it->second;
  }
  // Unique per request: random server prefix + counter, 16 upper-case hex chars.
  std::string NextRequestId();
};

}  // namespace s2lite::server
