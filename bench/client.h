#pragma once

// The load generator's HTTP side: a SigV4 signer built on the project's own
// auth/ functions, a keep-alive Beast connection driven by C++20 coroutines,
// and a closed-loop runner (N connections spread over a few single-threaded
// io_contexts) that measures rate, bytes and latency.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/request_view.h"
#include "common/crypto.h"

namespace s2lite::bench {

using Clock = std::chrono::steady_clock;

// Where requests go and how they are signed.
struct Target {
  std::string name;  // "s2lite", "nginx", "s3rver"
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string access_key, secret_key, region = "us-east-1";
};

// "http://HOST:PORT[/]" -> host and port; nullopt otherwise.
std::optional<std::pair<std::string, uint16_t>> ParseHttpUrl(std::string_view url);

// One request before signing. Header names are lower-case.
struct Request {
  std::string method;
  std::string path;                     // "/bucket/key", already URI-encoded
  std::vector<auth::QueryParam> query;  // decoded; encoded when serialized
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;  // not owned
  // Hex SHA-256 of the body or "UNSIGNED-PAYLOAD"; empty = hash the body now.
  std::string payload_hash;

  void Clear();
  void Query(std::string name) { query.push_back({std::move(name), "", false}); }
  void Query(std::string name, std::string value) {
    query.push_back({std::move(name), std::move(value), true});
  }
};

// SigV4 (S3 flavour). The signing key is derived once per UTC day and reused;
// the x-amz-date string is formatted once per second. Not thread-safe: one per
// connection.
class Signer {
 public:
  explicit Signer(const Target& t);
  // Adds host, x-amz-date, x-amz-content-sha256 and Authorization, then
  // returns the serialized request head (request line, headers, blank line).
  std::string SignAndSerialize(Request& r);

 private:
  const std::string& AmzDate();

  std::string host_, access_key_, secret_key_, region_;
  std::string day_;  // YYYYMMDD of key_
  common::Sha256Digest key_{};
  int64_t date_second_ = -1;
  std::string amz_date_;
  uint64_t key_derivations_ = 0;

 public:
  uint64_t key_derivations() const { return key_derivations_; }
};

struct Response {
  int status = 0;
  std::string body;  // empty when the body was discarded
  uint64_t body_bytes = 0;
  std::string etag;
  std::string request_id;
  bool keep_alive = true;
};

// Text between <name> and </name> in `xml`, starting at `from` ("" if absent).
std::string XmlValue(std::string_view xml, std::string_view name, size_t from = 0);
// Number of <name> elements in `xml`.
size_t XmlCount(std::string_view xml, std::string_view name);

// The first failure of a run, kept to report it as request + response.
struct Failure {
  std::string request;   // request line and headers
  int status = 0;        // 0 = transport error
  std::string response;  // body (truncated) or error message
};

struct LoadSpec {
  int connections = 1;
  int threads = 1;                      // client io_contexts (one thread each)
  std::chrono::nanoseconds duration{};  // > 0: time-bounded
  uint64_t total_requests = 0;          // > 0: work-bounded (shared counter)
  std::chrono::seconds hard_timeout{120};
  bool discard_body = false;  // read bodies into a scratch buffer (large GETs)
  bool keep_latencies = true;
};

struct LoadResult {
  uint64_t requests = 0;  // completed round trips with the expected answer
  uint64_t errors = 0;
  uint64_t bytes_sent = 0, bytes_received = 0;  // bodies only
  double seconds = 0;
  bool timed_out = false;
  std::vector<uint64_t> latencies_ns;  // sorted
  std::optional<Failure> first_failure;

  double Rate() const { return seconds > 0 ? requests / seconds : 0; }
  // Latency percentile in milliseconds (q in [0,1]); NaN when empty.
  double PercentileMs(double q) const;
};

// Fills the request for connection `conn`, request number `seq` (global,
// dense). Return false to stop this connection.
using MakeFn = std::function<bool(int conn, uint64_t seq, Request& req)>;
// Judges a response; false counts an error. Called on the connection's thread.
using CheckFn = std::function<bool(int conn, uint64_t seq, const Response& resp)>;

// Closed loop: every connection sends one request, waits for the answer,
// sends the next. Connections are opened before the clock starts.
LoadResult RunLoad(const Target& target, const LoadSpec& spec, const MakeFn& make,
                   const CheckFn& check);

// One request on a fresh connection (setup steps, Complete timing).
struct Single {
  Response response;
  double ms = 0;  // request written → response read
  std::optional<Failure> failure;
};
Single RoundTrip(const Target& target, Request req, bool discard_body = false,
                 std::chrono::seconds timeout = std::chrono::seconds(300));

}  // namespace s2lite::bench
