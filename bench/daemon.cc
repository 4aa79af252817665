#include "bench/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace s2lite::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Waits up to `ms` for `pid` to exit; true with its status when it did.
bool WaitExit(pid_t pid, int ms, int* status) {
  auto until = Clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0) return true;  // not our child any more
    if (Clock::now() >= until) return false;
    usleep(1000);
  }
}

}  // namespace

std::unique_ptr<Daemon> Daemon::Spawn(const DaemonOptions& o, std::string* error) {
  std::string tmpl = o.work_dir + "/s2lite-bench-XXXXXX";
  if (!mkdtemp(tmpl.data())) {
    *error = "mkdtemp in " + o.work_dir + ": " + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<Daemon> d(new Daemon());
  d->dir_ = tmpl;
  d->data_dir_ = d->dir_ + "/data";
  const std::string ready = d->dir_ + "/ready";
  const std::string log = d->dir_ + "/daemon.log";

  std::vector<std::string> args = {o.path,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--data-dir",
                                   d->data_dir_,
                                   "--ready-file",
                                   ready,
                                   "--log-level",
                                   "warn",
                                   "--user",
                                   "bench:" + o.access_key + ":" + o.secret_key,
                                   "--exit-with-parent"};
  for (const auto& b : o.buckets) args.insert(args.end(), {"--bucket", b});
  args.insert(args.end(), o.extra.begin(), o.extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const auto t0 = Clock::now();
  int rc = posix_spawn(&d->pid_, o.path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    d->pid_ = -1;
    *error = "cannot spawn " + o.path + ": " + std::strerror(rc);
    return nullptr;
  }
  // The daemon writes the ready file with a rename: present means complete.
  struct stat st {};
  for (;;) {
    if (stat(ready.c_str(), &st) == 0) break;
    int status = 0;
    if (waitpid(d->pid_, &status, WNOHANG) == d->pid_) {
      d->pid_ = -1;
      *error = "daemon exited before ready: " + d->LogTail();
      return nullptr;
    }
    if (Clock::now() - t0 > std::chrono::seconds(10)) {
      *error = "daemon not ready after 10 s: " + d->LogTail();
      return nullptr;
    }
    usleep(100);
  }
  d->ready_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  d->url_ = ReadAll(ready);
  while (!d->url_.empty() && (d->url_.back() == '\n' || d->url_.back() == '\r')) d->url_.pop_back();
  return d;
}

bool Daemon::Stop() {
  if (pid_ <= 0) return true;
  int status = 0;
  kill(pid_, SIGTERM);
  bool exited = WaitExit(pid_, 10000, &status);
  if (!exited) {
    kill(pid_, SIGKILL);
    WaitExit(pid_, 5000, &status);
  }
  pid_ = -1;
  return exited && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

Daemon::~Daemon() {
  Stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string Daemon::LogTail(size_t max_bytes) const {
  std::string s = ReadAll(dir_ + "/daemon.log");
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

long ReadRssKib(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  const char* at = std::strstr(buf, "VmRSS:");
  if (!at) return -1;
  return std::strtol(at + 6, nullptr, 10);
}

double ReadCpuSeconds(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  std::string stat = ReadAll(path);
  // Fields after the command name (which may hold spaces), which ends at the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nan("");
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double ReadCommandCpuSeconds(const std::string& comm) {
  double total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = ReadAll(e.path().string() + "/stat");
    size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    if (stat.substr(open + 1, close - open - 1) != comm) continue;
    double cpu = ReadCpuSeconds(static_cast<pid_t>(std::atoi(name.c_str())));
    if (!std::isnan(cpu)) total += cpu;
  }
  return total;
}

RssSampler::RssSampler(pid_t pid, int interval_ms) : pid_(pid), interval_ms_(interval_ms) {
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      long kib = ReadRssKib(pid_);
      long peak = peak_kib_.load();
      while (kib > peak && !peak_kib_.compare_exchange_weak(peak, kib)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms_));
    }
  });
}

RssSampler::~RssSampler() {
  stop_ = true;
  thread_.join();
}

void RssSampler::Reset() { peak_kib_ = ReadRssKib(pid_); }

double RssSampler::PeakMiB() const {
  long kib = peak_kib_.load();
  return kib < 0 ? std::nan("") : static_cast<double>(kib) / 1024.0;
}

}  // namespace s2lite::bench
