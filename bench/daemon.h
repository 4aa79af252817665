#pragma once

// Spawning the s2lite daemon under test and watching its memory.

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace s2lite::bench {

struct DaemonOptions {
  std::string path;               // the s2lite binary
  std::string work_dir = "/tmp";  // parent of the daemon's temp dir
  std::string access_key, secret_key;
  std::vector<std::string> buckets;  // --bucket, created at start
  std::vector<std::string> extra;    // more flags (--min-part-size 1, --fsync, ...)
};

// A daemon started with `--listen 127.0.0.1:0 --ready-file --data-dir` in a
// temp dir of its own. The destructor stops it (SIGTERM, then SIGKILL) and
// removes the dir.
class Daemon {
 public:
  // nullptr and `*error` when it does not become ready within 10 s.
  static std::unique_ptr<Daemon> Spawn(const DaemonOptions& o, std::string* error);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& url() const { return url_; }
  const std::string& data_dir() const { return data_dir_; }
  // Spawn → ready file present, in milliseconds.
  double ready_ms() const { return ready_ms_; }
  // Graceful stop; true when it exited with status 0.
  bool Stop();
  // The last lines of its stderr (warnings and errors).
  std::string LogTail(size_t max_bytes = 4096) const;

 private:
  Daemon() = default;
  pid_t pid_ = -1;
  std::string dir_, data_dir_, url_;
  double ready_ms_ = 0;
};

// VmRSS of `pid` in KiB from /proc/<pid>/status; -1 if unreadable.
long ReadRssKib(pid_t pid);
// User + system CPU seconds used so far by `pid` (all threads), from
// /proc/<pid>/stat (10 ms resolution); NaN if unreadable.
double ReadCpuSeconds(pid_t pid);

// The CPU seconds of every live process named `comm` (e.g. "postgres": the
// database server's backends).
double ReadCommandCpuSeconds(const std::string& comm);

// Samples VmRSS every `interval_ms` on a thread of its own and keeps the peak
// since the last Reset(). (VmHWM is the peak over the whole process life, so
// it cannot give a per-scenario peak.)
class RssSampler {
 public:
  explicit RssSampler(pid_t pid, int interval_ms = 10);
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;
  void Reset();
  double PeakMiB() const;

 private:
  pid_t pid_;
  int interval_ms_;
  std::atomic<long> peak_kib_{-1};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace s2lite::bench
