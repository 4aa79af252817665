#include "server/metrics.h"

#include <cstdio>

namespace s2lite::server {

void Metrics::Observe(Op op, int status, uint64_t bytes_in, uint64_t bytes_out, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{op, status}];
  Latency& l = latency_[op];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++l.buckets[i];
  ++l.count;
  l.sum += seconds;
  bytes_in_ += bytes_in;
  bytes_out_ += bytes_out;
}

std::string Metrics::Render(const StoreGauges& g) const {
  std::string out;
  char line[512];
  std::lock_guard lock(mu_);
  out += "# HELP s2lite_requests_total S3 requests answered, by operation and HTTP status.\n";
  out += "# TYPE s2lite_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    std::snprintf(line, sizeof line, "s2lite_requests_total{operation=\"%s\",status=\"%d\"} %llu\n",
                  std::string(OpName(key.first)).c_str(), key.second,
                  static_cast<unsigned long long>(n));
    out += line;
  }
  out += "# HELP s2lite_request_duration_seconds Time from request headers to response sent.\n";
  out += "# TYPE s2lite_request_duration_seconds histogram\n";
  for (const auto& [op, l] : latency_) {
    std::string name(OpName(op));
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      std::snprintf(line, sizeof line,
                    "s2lite_request_duration_seconds_bucket{operation=\"%s\",le=\"%g\"} %llu\n",
                    name.c_str(), kBuckets[i], static_cast<unsigned long long>(l.buckets[i]));
      out += line;
    }
    std::snprintf(line, sizeof line,
                  "s2lite_request_duration_seconds_bucket{operation=\"%s\",le=\"+Inf\"} %llu\n"
                  "s2lite_request_duration_seconds_sum{operation=\"%s\"} %.6f\n"
                  "s2lite_request_duration_seconds_count{operation=\"%s\"} %llu\n",
                  name.c_str(), static_cast<unsigned long long>(l.count), name.c_str(), l.sum,
                  name.c_str(), static_cast<unsigned long long>(l.count));
    out += line;
  }
  out +=
      "# HELP s2lite_received_bytes_total Request body bytes received.\n"
      "# TYPE s2lite_received_bytes_total counter\n"
      "s2lite_received_bytes_total " +
      std::to_string(bytes_in_) + "\n";
  out +=
      "# HELP s2lite_sent_bytes_total Response body bytes sent.\n"
      "# TYPE s2lite_sent_bytes_total counter\n"
      "s2lite_sent_bytes_total " +
      std::to_string(bytes_out_) + "\n";
  auto gauge = [&](const char* name, const char* help, int64_t v) {
    if (v < 0) return;
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name,
                  name, static_cast<long long>(v));
    out += line;
  };
  gauge("s2lite_buckets", "Buckets in the store.", g.buckets);
  gauge("s2lite_pending_uploads", "Multipart uploads initiated and not yet completed or aborted.",
        g.pending_uploads);
  gauge("s2lite_parts", "Parts of pending uploads.", g.parts);
  gauge("s2lite_objects", "Objects in the store.", g.objects);
  return out;
}

}  // namespace s2lite::server
