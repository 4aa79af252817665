#pragma once

// Prometheus metrics of one Server: requests by operation and status, a
// latency histogram per operation, bytes in/out. Thread-safe.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "server/router.h"

namespace s2lite::server {

struct StoreGauges {
  int64_t buckets = -1, pending_uploads = -1, parts = -1, objects = -1;  // -1 = unknown
};

class Metrics {
 public:
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  void Observe(Op op, int status, uint64_t bytes_in, uint64_t bytes_out, double seconds);
  // Prometheus text exposition format 0.0.4.
  std::string Render(const StoreGauges& gauges) const;

 private:
  struct Latency {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<Op, int>, uint64_t> requests_;
  std::map<Op, Latency> latency_;
  uint64_t bytes_in_ = 0, bytes_out_ = 0;
};

}  // namespace s2lite::server
