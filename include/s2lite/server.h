#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "s2lite/inspect.h"
#include "s2lite/options.h"
#include "s2lite/status.h"

namespace s2lite {

// An S3-compatible server. Thread-safe: start()/stop() may be called from any
// thread, but not concurrently with each other. Many Servers may run in one
// process; they share no state.
class Server {
 public:
  explicit Server(Options options);
  // Stops the server if running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the store, creates the configured buckets, binds the listener and
  // starts the worker threads. Returns once connections are accepted, or the
  // reason it could not start (bad options, port in use, unreadable data dir).
  Status Start();

  // Graceful shutdown: stops accepting, lets in-flight requests finish (up to
  // a few seconds), closes the store. Idempotent.
  void Stop();

  // The bound port (useful with listen_port = 0). 0 before Start().
  uint16_t port() const;
  // The address the listener is bound to, "HOST:PORT" ("0.0.0.0:9000",
  // "[::1]:41234"). Empty before Start().
  std::string listen_address() const;
  // "http://HOST:PORT", usable as an S3 endpoint URL.
  std::string endpoint() const;

  const Options& options() const;

  // --- Inspection for tests (no HTTP). Valid while started; thread-safe.

  // Pending multipart uploads, in one bucket or ("") all, sorted by bucket, key, time.
  Result<std::vector<UploadSnapshot>> ListUploads(const std::string& bucket = {}) const;
  // Objects of a bucket, sorted by key.
  Result<std::vector<ObjectSnapshot>> ListObjects(const std::string& bucket) const;
  // An object's bytes (tests: keep objects small). kNoSuchBucket / kNoSuchKey.
  Result<std::string> ReadObject(const std::string& bucket, const std::string& key) const;
  // Creates a bucket owned by users[0] (OK if it exists).
  Status CreateBucket(const std::string& bucket);
  // --- Fault injection (see faults.h). Thread-safe, any time.
  // Adds a rule; returns its id.
  int AddFault(FaultRule rule);
  // Removes the rule with this id; false when there is none.
  bool RemoveFault(int id);
  void ClearFaults();
  // How many times faults have fired since start.
  uint64_t FaultsFired() const;

  // Empties the store (every bucket, object, upload), then re-creates
  // options().buckets: a fresh store between tests, without a restart.
  Status Reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace s2lite
