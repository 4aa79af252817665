#pragma once

#include <cstdint>
#include <memory>
#include <string>

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
  // "http://HOST:PORT", usable as an S3 endpoint URL.
  std::string endpoint() const;

  const Options& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace s2lite
