#pragma once

// The last requests one Server answered (operation, bucket, key, status,
// duration), kept in a small fixed-size ring for the web console's Activity
// page: GET /_s2lite/requests, admin users only. Thread-safe.

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace s2lite::server {

struct RequestRecord {
  int64_t time_ms = 0;  // when the request arrived (RequestContext::now), Unix epoch ms
  std::string request_id;
  std::string operation;
  std::string method;
  std::string bucket;
  std::string key;
  std::string user;  // "" when not authenticated
  int status = 0;
  std::string error_code;  // "" for a success
  double duration_ms = 0;
  uint64_t bytes_in = 0, bytes_out = 0;
};

class RequestRing {
 public:
  static constexpr size_t kCapacity = 100;
  // Keeps `r`, dropping the oldest record once kCapacity are kept.
  void Record(RequestRecord r);
  // The records, newest first, as a JSON array of objects with the fields above
  // ("time_ms", "request_id", "operation", ..., "bytes_out").
  std::string ToJson() const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::vector<RequestRecord> records_;  // ring storage, at most kCapacity
  size_t next_ = 0;                     // slot the next record goes to once full
};

struct ServerState;
struct RequestContext;
struct Response;

// Keeps one answered request in `state`'s ring (called with the access log
// line): S3 and fault-admin requests, not health probes, metrics scrapes,
// console files or the ring's own reads, which would crowd out the rest.
void RecordRecentRequest(ServerState& state, const RequestContext& ctx, const Response& r,
                         uint64_t bytes_in, uint64_t bytes_out, double duration_ms);

}  // namespace s2lite::server
