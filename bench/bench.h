#pragma once

// s2lite-bench: scenarios, the figures they produce, and the ceilings those
// figures are divided by.

#include <unistd.h>

#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/client.h"
#include "bench/daemon.h"

namespace s2lite::bench {

inline constexpr double kMiB = 1024.0 * 1024.0;
inline const double kNaN = std::nan("");

// What the command line asked for. Sizes shrink under --smoke.
struct Config {
  std::string daemon_path;
  std::string baseline_daemon_path;  // an earlier s2lite: A/B rows in the same run
  std::string endpoint;              // instead of spawning
  // A PostgreSQL connection string: the registry scenario compares a daemon
  // on it with one on SQLite.
  std::string registry;
  std::string nginx_url, s3rver_url;
  std::string s3rver_access_key = "S3RVER", s3rver_secret_key = "S3RVER";
  std::string access_key = "bench-access", secret_key = "bench-secret", region = "us-east-1";
  std::string work_dir = "/tmp";
  std::string json_path, markdown_path;
  std::vector<std::string> scenarios;
  std::vector<int> create_connections = {1, 16, 64, 256};
  double seconds = 3;
  int client_threads = 1;
  bool ceilings = false;
  bool smoke = false;
  std::string command_line;

  // Scenario sizes.
  size_t part_size = 8u << 20;  // upload-part
  std::vector<int> upload_part_connections = {1, 4};
  int upload_part_rounds = 3;  // each figure: the median of this many runs
  std::vector<int> complete_counts = {10, 100, 1000, 10000};
  size_t complete_small = 100, complete_large = 100000;  // bytes per part (1000x)
  int complete_big_count = 100;
  size_t complete_big = 5u << 20;  // the "100 x 5 MiB"
  size_t e2e_part_size = 64u << 20;
  int e2e_parts = 16;   // 1 GiB
  int e2e5_parts = 80;  // 5 GiB
  int e2e_connections = 4;
  int copy_parts = 16;  // copy: a source of copy_parts x e2e_part_size (1 GiB)
  int list_entries = 10000, list_page = 1000;
  int setup_connections = 64;  // uploading many small parts
  int cold_starts = 5;
};

// One figure: s2lite's value, the same figure for the peers, a ceiling.
struct Row {
  std::string scenario;  // "create"
  std::string figure;    // "c=64 req/s"
  std::string unit;      // "req/s", "MiB/s", "ms", "MiB"
  bool higher_better = true;
  double value = kNaN;  // s2lite
  double peak_rss_mib = kNaN;
  double nginx = kNaN, s3rver = kNaN;
  double ceiling = kNaN;
  std::string ceiling_name;
  std::string target;  // the target, in words
  // 1 met, 0 not met, 2 the measured half of a two-part target met, -1 not
  // judged (peer or ceiling not measured).
  int met = -1;
  std::string detail;                   // latency percentiles, errors, ...
  std::map<std::string, double> extra;  // goes to JSON only
};

struct Ceilings {
  int cores = 1;
  double md5_mib_s = kNaN, sha256_mib_s = kNaN;  // one core, 16 KiB blocks
  double disk_mib_s = kNaN;                      // dd ... conv=fdatasync
  double Md5All() const { return md5_mib_s * cores; }
  // MD5 and SHA-256 of every byte (a signed payload), all cores.
  double Md5Sha256All() const { return cores / (1 / md5_mib_s + 1 / sha256_mib_s); }
};

// A server under test for one scenario.
struct Server {
  std::string kind;  // "s2lite", "nginx", "s3rver"
  Target target;
  std::unique_ptr<Daemon> daemon;   // when spawned
  std::unique_ptr<RssSampler> rss;  // when the pid is known
  // Starts a measurement window: peak RSS, and the server's and this
  // process's CPU time (load-independent cost figures).
  void ResetPeak() {
    if (rss) rss->Reset();
    cpu_at_reset_ = daemon ? ReadCpuSeconds(daemon->pid()) : kNaN;
    client_cpu_at_reset_ = ReadCpuSeconds(getpid());
  }
  double PeakMiB() const { return rss ? rss->PeakMiB() : kNaN; }
  // CPU seconds since ResetPeak(): the server's (when spawned) and the load generator's.
  double ServerCpu() const { return daemon ? ReadCpuSeconds(daemon->pid()) - cpu_at_reset_ : kNaN; }
  double ClientCpu() const { return ReadCpuSeconds(getpid()) - client_cpu_at_reset_; }

 private:
  double cpu_at_reset_ = kNaN, client_cpu_at_reset_ = kNaN;
};

class Bench {
 public:
  explicit Bench(Config c);
  // Runs the selected scenarios; false when a scenario could not run at all.
  bool Run();
  const std::vector<Row>& rows() const { return rows_; }
  const Ceilings& ceilings() const { return ceil_; }
  const std::vector<std::string>& problems() const { return problems_; }
  const std::vector<std::string>& notes() const { return notes_; }
  const Config& config() const { return cfg_; }
  const std::string& load_at_start() const { return load_at_start_; }
  // The body of one CreateMultipartUpload answer (to make nginx answer the same bytes).
  std::optional<std::string> CreateResponseBody();

 private:
  bool Selected(const std::string& name) const;
  // A fresh s2lite (spawned, or the endpoint) with the benchmark's buckets.
  // `daemon_path`: another binary (the baseline) instead of the configured one.
  std::unique_ptr<Server> OpenS2lite(const std::vector<std::string>& extra_flags = {},
                                     const std::string& daemon_path = {});
  std::unique_ptr<Server> OpenPeer(const std::string& kind);
  bool EnsureBuckets(const Target& t);
  // A failure of s2lite (a problem: the run fails) or of a peer (`kind`
  // "nginx"/"s3rver": a note, e.g. s3rver lacks ListParts).
  void Problem(const std::string& kind, const std::string& scenario, const std::string& what,
               const std::optional<Failure>& f);

  void MeasureCeilings();
  void ScenarioStartup();
  void ScenarioCreate();
  void ScenarioChecksums();
  void ScenarioUploadPart();
  void ScenarioComplete();
  void ScenarioE2e(const std::string& name, int parts, bool get);
  void ScenarioList();
  void ScenarioCopy();
  void ScenarioRegistry();

  Row& Add(std::string scenario, std::string figure, std::string unit);

  Config cfg_;
  Ceilings ceil_;
  std::vector<Row> rows_;
  std::vector<std::string> problems_;
  std::vector<std::string> notes_;
  std::string load_at_start_;
};

// Prints the table (and problems) to stdout.
void PrintTable(const Bench& b);
// The table as Markdown (for bench/RESULTS.md); false on I/O error.
bool WriteMarkdown(const Bench& b, const std::string& path);
// Writes everything as JSON; false on I/O error.
bool WriteJson(const Bench& b, const std::string& path);
// "Intel(R) Xeon(R) ...", "6.1.0-...", nproc.
std::string CpuModel();
std::string Kernel();
// The 1-minute load average from /proc/loadavg (other work on the machine).
std::string LoadAverage();

}  // namespace s2lite::bench
