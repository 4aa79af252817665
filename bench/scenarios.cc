// The scenarios of s2lite-bench. Each runs against s2lite, then against the
// peers given (nginx answering the same bytes, s3rver), and adds rows.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <thread>
#include <tuple>

#include "auth/checksum.h"
#include "auth/crc.h"
#include "auth/sigv4.h"
#include "bench/bench.h"
#include "common/crypto.h"

namespace s2lite::bench {
namespace {

constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string Fmt(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Fmt(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return std::string(buf, static_cast<size_t>(std::clamp(n, 0, static_cast<int>(sizeof buf) - 1)));
}

double Median(std::vector<double> v) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Bodies are prefixes of one pseudo-random buffer (incompressible), made on
// first use at the largest size any scenario needs (SetMax), so views taken
// earlier stay valid; the SHA-256 of each prefix length is computed once.
class Bodies {
 public:
  void SetMax(size_t n) { max_ = n; }
  std::string_view Get(size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    if (data_.size() < n) {
      if (!data_.empty()) std::abort();  // would move the views handed out
      data_.resize(std::max(n, max_));
      uint64_t x = 0x9E3779B97F4A7C15ull;
      for (size_t i = 0; i < data_.size(); i += 8) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        std::memcpy(&data_[i], &x, std::min<size_t>(8, data_.size() - i));
      }
    }
    return std::string_view(data_).substr(0, n);
  }
  const std::string& Sha256(size_t n) {
    std::string_view body = Get(n);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = hashes_.find(n);
    if (it == hashes_.end()) it = hashes_.emplace(n, common::Sha256Hex(body)).first;
    return it->second;
  }
  // The ETag S3 gives a part of the prefix: "<hex MD5>".
  const std::string& Etag(size_t n) {
    std::string_view body = Get(n);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = etags_.find(n);
    if (it == etags_.end()) {
      it = etags_.emplace(n, "\"" + common::HexEncode(common::Md5(body)) + "\"").first;
    }
    return it->second;
  }
  // Base64 CRC32 of the prefix, as x-amz-checksum-crc32 carries it.
  const std::string& Crc32(size_t n) {
    std::string_view body = Get(n);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = crc32s_.find(n);
    if (it == crc32s_.end()) {
      it = crc32s_.emplace(n, auth::ChecksumBase64(auth::ChecksumAlgorithm::kCrc32, body)).first;
    }
    return it->second;
  }
  // The prefix in aws-chunked framing with a CRC32 trailer, as SDKs send an
  // unsigned payload over HTTPS (botocore: 1 MiB chunks).
  // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
  std::string_view Crc32Trailer(size_t n) {
    std::string_view body = Get(n);
    const std::string& crc = Crc32(n);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = trailers_.find(n);
    if (it == trailers_.end()) {
      constexpr size_t kChunk = 1 << 20;
      std::string framed;
      framed.reserve(n + n / kChunk * 16 + 128);
      for (size_t at = 0; at < n; at += kChunk) {
        std::string_view chunk = body.substr(at, kChunk);
        framed += Fmt("%zx\r\n", chunk.size());
        framed += chunk;
        framed += "\r\n";
      }
      framed += "0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n";
      it = trailers_.emplace(n, std::move(framed)).first;
    }
    return it->second;
  }

 private:
  std::mutex mu_;
  size_t max_ = 0;
  std::string data_;
  std::map<size_t, std::string> hashes_, crc32s_, etags_;
  std::map<size_t, std::string> trailers_;  // node-based: views stay valid
};

Bodies& TheBodies() {
  static Bodies b;
  return b;
}

Request Create(const std::string& bucket, const std::string& key) {
  Request r;
  r.method = "POST";
  r.path = "/" + bucket + "/" + key;
  r.Query("uploads");
  r.headers = {{"content-type", "application/octet-stream"},
               {"x-amz-meta-foo1", "value1"},
               {"x-amz-meta-foo2", "value2"}};
  r.payload_hash = kEmptySha256;
  return r;
}

// How an UploadPart's payload is sent.
enum class PayloadMode {
  kUnsigned,              // UNSIGNED-PAYLOAD
  kUnsignedCrc32Trailer,  // aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER, CRC32 trailer
  kSigned,                // x-amz-content-sha256: the body's SHA-256
  kSignedCrc32,           // the same plus an x-amz-checksum-crc32 header
};
constexpr PayloadMode kPayloadModes[] = {PayloadMode::kUnsigned, PayloadMode::kUnsignedCrc32Trailer,
                                         PayloadMode::kSigned, PayloadMode::kSignedCrc32};

const char* PayloadModeName(PayloadMode m) {
  switch (m) {
    case PayloadMode::kUnsigned:
      return "unsigned";
    case PayloadMode::kUnsignedCrc32Trailer:
      return "unsigned + CRC32 trailer";
    case PayloadMode::kSigned:
      return "signed";
    case PayloadMode::kSignedCrc32:
      return "signed + CRC32";
  }
  return "";
}

bool IsSigned(PayloadMode m) { return m == PayloadMode::kSigned || m == PayloadMode::kSignedCrc32; }

// Fills `r` as UploadPart of `body` (a prefix of TheBodies()).
void UploadPart(Request& r, const std::string& bucket, const std::string& key,
                const std::string& upload_id, int part, std::string_view body, PayloadMode mode) {
  r.method = "PUT";
  r.path = "/" + bucket + "/" + key;
  r.Query("partNumber", std::to_string(part));
  r.Query("uploadId", upload_id);
  r.body = body;
  switch (mode) {
    case PayloadMode::kUnsigned:
      r.payload_hash = std::string(auth::kUnsignedPayload);
      break;
    case PayloadMode::kUnsignedCrc32Trailer:
      r.body = TheBodies().Crc32Trailer(body.size());
      r.payload_hash = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
      r.headers = {{"content-encoding", "aws-chunked"},
                   {"x-amz-decoded-content-length", std::to_string(body.size())},
                   {"x-amz-sdk-checksum-algorithm", "CRC32"},
                   {"x-amz-trailer", "x-amz-checksum-crc32"}};
      break;
    case PayloadMode::kSigned:
      r.payload_hash = TheBodies().Sha256(body.size());
      break;
    case PayloadMode::kSignedCrc32:
      r.payload_hash = TheBodies().Sha256(body.size());
      r.headers = {{"x-amz-checksum-crc32", TheBodies().Crc32(body.size())},
                   {"x-amz-sdk-checksum-algorithm", "CRC32"}};
      break;
  }
}

std::string CompleteXml(const std::vector<std::string>& etags) {
  std::string xml = "<CompleteMultipartUpload>";
  xml.reserve(etags.size() * 90 + 64);
  for (size_t i = 0; i < etags.size(); ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] +
           "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  return xml;
}

std::string Describe(const Failure& f) {
  std::string s = f.status ? "HTTP " + std::to_string(f.status) : "transport";
  s += ": " + f.response;
  if (!f.request.empty()) s += "\n      request:\n        " + f.request;
  size_t at = 0;
  while ((at = s.find("\r\n", at)) != std::string::npos) s.replace(at, 2, "\n        ");
  return s;
}

// Outcome of one multipart upload made for a scenario.
struct Upload {
  std::string id;
  std::vector<std::string> etags;
  LoadResult parts;
  std::optional<Failure> failure;
  bool ok() const { return !failure && parts.errors == 0; }
};

std::optional<std::string> StartUpload(const Target& t, const std::string& bucket,
                                       const std::string& key, std::optional<Failure>* failure) {
  Single s = RoundTrip(t, Create(bucket, key));
  if (s.failure) {
    *failure = s.failure;
    return std::nullopt;
  }
  std::string id = XmlValue(s.response.body, "UploadId");
  if (id.empty()) {
    *failure = Failure{"POST /" + bucket + "/" + key + "?uploads", s.response.status,
                       "no UploadId in: " + s.response.body.substr(0, 1024)};
    return std::nullopt;
  }
  return id;
}

// Initiates an upload and uploads `n` parts of `size` bytes (signed payload)
// over up to `connections` connections.
Upload MakeUpload(const Target& t, const std::string& bucket, const std::string& key, int n,
                  size_t size, int connections, int threads) {
  Upload u;
  auto id = StartUpload(t, bucket, key, &u.failure);
  if (!id) return u;
  u.id = *id;
  u.etags.assign(static_cast<size_t>(n), "");
  std::string_view body = TheBodies().Get(size);
  TheBodies().Sha256(size);
  LoadSpec spec;
  spec.connections = std::min(connections, n);
  spec.threads = threads;
  spec.total_requests = static_cast<uint64_t>(n);
  spec.hard_timeout = std::chrono::seconds(300);
  spec.keep_latencies = false;
  u.parts = RunLoad(
      t, spec,
      [&](int, uint64_t seq, Request& r) {
        UploadPart(r, bucket, key, u.id, static_cast<int>(seq) + 1, body, PayloadMode::kSigned);
        return true;
      },
      [&](int, uint64_t seq, const Response& resp) {
        u.etags[seq] = resp.etag;
        return !resp.etag.empty();
      });
  if (u.parts.errors) u.failure = u.parts.first_failure;
  return u;
}

Request CompleteRequest(const std::string& bucket, const std::string& key, const std::string& id,
                        const std::string& xml) {
  Request r;
  r.method = "POST";
  r.path = "/" + bucket + "/" + key;
  r.Query("uploadId", id);
  r.headers = {{"content-type", "application/xml"}};
  r.body = xml;
  return r;
}

void AbortUpload(const Target& t, const std::string& bucket, const std::string& key,
                 const std::string& id) {
  Request r;
  r.method = "DELETE";
  r.path = "/" + bucket + "/" + key;
  r.Query("uploadId", id);
  r.payload_hash = kEmptySha256;
  RoundTrip(t, r);
}

// Both halves of a target: 1 met, 0 not met, 2 the measured half met (the
// other not measured), -1 nothing measured.
int MetBoth(int a, int b) {
  if (a == 0 || b == 0) return 0;
  if (a == 1 && b == 1) return 1;
  return a == 1 || b == 1 ? 2 : -1;
}

int Met(double value, double bound, bool at_least) {
  if (std::isnan(value) || std::isnan(bound)) return -1;
  return (at_least ? value >= bound : value <= bound) ? 1 : 0;
}

}  // namespace

Bench::Bench(Config c) : cfg_(std::move(c)) {
  ceil_.cores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
}

bool Bench::Selected(const std::string& name) const {
  return std::find(cfg_.scenarios.begin(), cfg_.scenarios.end(), name) != cfg_.scenarios.end();
}

Row& Bench::Add(std::string scenario, std::string figure, std::string unit) {
  Row& r = rows_.emplace_back();
  r.scenario = std::move(scenario);
  r.figure = std::move(figure);
  r.unit = std::move(unit);
  return r;
}

void Bench::Problem(const std::string& kind, const std::string& scenario, const std::string& what,
                    const std::optional<Failure>& f) {
  std::string s = scenario + ": " + what;
  if (f) s += "\n      " + Describe(*f);
  // s2lite's own failures (also with other flags) fail the run; peers' are notes.
  const bool ours = kind == "s2lite" || kind == "single-md5";
  (ours ? problems_ : notes_).push_back(s);
  std::fprintf(stderr, "  %s %s\n", ours ? "!" : "-", s.c_str());
}

bool Bench::EnsureBuckets(const Target& t) {
  for (const char* bucket : {"bench", "list"}) {
    Request r;
    r.method = "PUT";
    r.path = std::string("/") + bucket;
    r.payload_hash = kEmptySha256;
    Single s = RoundTrip(t, r);
    bool ok = s.response.status == 200 || s.response.status == 409;
    if (!ok) {
      Problem(t.name, "setup", t.name + ": cannot create bucket " + bucket, s.failure);
      return false;
    }
  }
  return true;
}

std::unique_ptr<Server> Bench::OpenS2lite(const std::vector<std::string>& extra_flags,
                                          const std::string& daemon_path) {
  auto srv = std::make_unique<Server>();
  srv->kind = daemon_path.empty() ? "s2lite" : "baseline";
  srv->target.name = srv->kind;
  srv->target.access_key = cfg_.access_key;
  srv->target.secret_key = cfg_.secret_key;
  srv->target.region = cfg_.region;
  std::string url = cfg_.endpoint;
  if (url.empty()) {
    DaemonOptions o;
    o.path = daemon_path.empty() ? cfg_.daemon_path : daemon_path;
    o.work_dir = cfg_.work_dir;
    o.access_key = cfg_.access_key;
    o.secret_key = cfg_.secret_key;
    o.buckets = {"bench", "list"};
    o.extra = extra_flags;
    std::string error;
    srv->daemon = Daemon::Spawn(o, &error);
    if (!srv->daemon) {
      Problem("s2lite", "setup", "cannot start s2lite: " + error, std::nullopt);
      return nullptr;
    }
    url = srv->daemon->url();
    srv->rss = std::make_unique<RssSampler>(srv->daemon->pid());
  }
  auto hp = ParseHttpUrl(url);
  if (!hp) {
    Problem("s2lite", "setup", "bad s2lite URL '" + url + "'", std::nullopt);
    return nullptr;
  }
  srv->target.host = hp->first;
  srv->target.port = hp->second;
  if (!cfg_.endpoint.empty() && !EnsureBuckets(srv->target)) return nullptr;
  return srv;
}

std::unique_ptr<Server> Bench::OpenPeer(const std::string& kind) {
  const std::string& url = kind == "nginx" ? cfg_.nginx_url : cfg_.s3rver_url;
  if (url.empty()) return nullptr;
  auto hp = ParseHttpUrl(url);
  if (!hp) {
    Problem(kind, "setup", "bad " + kind + " URL '" + url + "'", std::nullopt);
    return nullptr;
  }
  auto srv = std::make_unique<Server>();
  srv->kind = kind;
  srv->target.name = kind;
  srv->target.host = hp->first;
  srv->target.port = hp->second;
  srv->target.region = cfg_.region;
  srv->target.access_key = kind == "s3rver" ? cfg_.s3rver_access_key : cfg_.access_key;
  srv->target.secret_key = kind == "s3rver" ? cfg_.s3rver_secret_key : cfg_.secret_key;
  if (kind == "s3rver" && !EnsureBuckets(srv->target)) return nullptr;
  return srv;
}

std::optional<std::string> Bench::CreateResponseBody() {
  auto srv = OpenS2lite();
  if (!srv) return std::nullopt;
  Single s = RoundTrip(srv->target, Create("bench", Fmt("create/%03d/%010llu", 0, 0ull)));
  if (s.failure) {
    Problem("s2lite", "create", "CreateMultipartUpload failed", s.failure);
    return std::nullopt;
  }
  return s.response.body;
}

bool Bench::Run() {
  load_at_start_ = LoadAverage();
  TheBodies().SetMax(std::max(
      {cfg_.part_size, cfg_.e2e_part_size, cfg_.complete_big, cfg_.complete_large, size_t{1}}));
  if (cfg_.ceilings) MeasureCeilings();
  if (Selected("startup") && cfg_.endpoint.empty()) ScenarioStartup();
  if (Selected("create")) ScenarioCreate();
  if (Selected("checksums")) ScenarioChecksums();
  if (Selected("upload-part")) ScenarioUploadPart();
  if (Selected("complete")) ScenarioComplete();
  if (Selected("e2e")) ScenarioE2e("e2e", cfg_.e2e_parts, true);
  if (Selected("e2e-5g")) ScenarioE2e("e2e-5g", cfg_.e2e5_parts, false);
  if (Selected("list")) ScenarioList();
  if (Selected("copy")) ScenarioCopy();
  if (Selected("registry")) ScenarioRegistry();
  return problems_.empty();
}

// ---------------------------------------------------------------- ceilings

namespace {

// Bytes per second for `alg` in `openssl speed` output (the last column,
// "123456.78k" = thousands of bytes per second); NaN if absent.
double ParseOpensslSpeed(const std::string& out, const std::string& alg) {
  size_t at = 0;
  while ((at = out.find(alg, at)) != std::string::npos) {
    bool line_start = at == 0 || out[at - 1] == '\n';
    size_t eol = out.find('\n', at);
    std::string line = out.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
    at += alg.size();
    if (!line_start || line.size() <= alg.size() || line[alg.size()] != ' ') continue;
    size_t k = line.rfind('k');
    size_t sp = line.rfind(' ', k);
    if (k == std::string::npos || sp == std::string::npos) continue;
    return std::strtod(line.substr(sp + 1, k - sp - 1).c_str(), nullptr) * 1000.0;
  }
  return kNaN;
}

std::string Capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

}  // namespace

void Bench::MeasureCeilings() {
  std::fprintf(stderr, "ceilings: openssl speed, dd\n");
  ceil_.cores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  std::string out = Capture("openssl speed -seconds 1 -bytes 16384 md5 sha256 2>/dev/null");
  if (out.find("md5") == std::string::npos)  // older openssl: no -bytes
    out = Capture("openssl speed -seconds 1 md5 sha256 2>/dev/null");
  ceil_.md5_mib_s = ParseOpensslSpeed(out, "md5") / kMiB;
  ceil_.sha256_mib_s = ParseOpensslSpeed(out, "sha256") / kMiB;
  std::string file = cfg_.work_dir + "/s2lite-bench-dd-" + std::to_string(getpid());
  int blocks = cfg_.smoke ? 64 : 1024;
  auto t0 = Clock::now();
  std::string dd = Capture("dd if=/dev/zero of='" + file +
                           "' bs=1M count=" + std::to_string(blocks) + " conv=fdatasync 2>&1");
  double secs = Seconds(t0, Clock::now());
  std::error_code ec;
  std::filesystem::remove(file, ec);
  if (dd.find("copied") != std::string::npos) ceil_.disk_mib_s = blocks / secs;
  if (std::isnan(ceil_.md5_mib_s) || std::isnan(ceil_.sha256_mib_s))
    Problem("s2lite", "ceilings", "cannot parse `openssl speed` output:\n" + out, std::nullopt);
  if (std::isnan(ceil_.disk_mib_s)) Problem("s2lite", "ceilings", "dd failed: " + dd, std::nullopt);
}

// ---------------------------------------------------------------- startup

void Bench::ScenarioStartup() {
  std::fprintf(stderr, "startup: %d cold starts\n", cfg_.cold_starts);
  std::vector<double> ready, idle;
  for (int i = 0; i < cfg_.cold_starts; ++i) {
    DaemonOptions o;
    o.path = cfg_.daemon_path;
    o.work_dir = cfg_.work_dir;
    o.access_key = cfg_.access_key;
    o.secret_key = cfg_.secret_key;
    o.buckets = {"bench"};
    std::string error;
    auto d = Daemon::Spawn(o, &error);
    if (!d) {
      Problem("s2lite", "startup", "cannot start s2lite: " + error, std::nullopt);
      return;
    }
    ready.push_back(d->ready_ms());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    idle.push_back(static_cast<double>(ReadRssKib(d->pid())) / 1024.0);
    if (!d->Stop())
      Problem("s2lite", "startup", "s2lite did not exit 0 on SIGTERM: " + d->LogTail(),
              std::nullopt);
  }
  auto [mn, mx] = std::minmax_element(ready.begin(), ready.end());
  Row& r = Add("startup", "cold start to ready", "ms");
  r.higher_better = false;
  r.value = Median(ready);
  r.target = "<= 20 ms";
  r.met = Met(r.value, 20, false);
  r.detail = Fmt("median of %d; min %.1f max %.1f", cfg_.cold_starts, *mn, *mx);
  Row& m = Add("startup", "idle RSS", "MiB");
  m.higher_better = false;
  m.value = Median(idle);
  m.target = "<= 10 MiB";
  m.met = Met(m.value, 10, false);
  m.detail = "200 ms after ready";
}

// ---------------------------------------------------------------- create

namespace {

struct RateFigure {
  double rate = kNaN, p50 = kNaN, p99 = kNaN, p999 = kNaN, peak = kNaN;
  double server_us = kNaN, client_us = kNaN;  // CPU time per request
  uint64_t errors = 0;
};

// "server CPU 150 us/req (6.7k req/s per core), load generator 30 us/req".
std::string CpuPerRequest(double server_us, double client_us) {
  std::string s;
  if (!std::isnan(server_us))
    s += Fmt("server CPU %.0f us/req (%.1fk req/s per core)", server_us, 1e3 / server_us);
  if (!std::isnan(client_us))
    s += Fmt("%sload generator %.0f us/req", s.empty() ? "" : ", ", client_us);
  return s;
}

RateFigure CreateLoad(Server& srv, int conns, const Config& cfg, std::optional<Failure>* failure) {
  LoadSpec spec;
  spec.connections = conns;
  spec.threads = cfg.client_threads;
  spec.duration = std::chrono::nanoseconds(static_cast<int64_t>(cfg.seconds * 1e9));
  srv.ResetPeak();
  LoadResult r = RunLoad(
      srv.target, spec,
      [](int conn, uint64_t seq, Request& req) {
        req =
            Create("bench", Fmt("create/%03d/%010llu", conn, static_cast<unsigned long long>(seq)));
        return true;
      },
      [](int, uint64_t, const Response& resp) {
        return resp.body.find("<UploadId>") != std::string::npos;
      });
  RateFigure f;
  f.peak = srv.PeakMiB();
  f.errors = r.errors;
  if (r.requests > 0) {
    f.server_us = srv.ServerCpu() / static_cast<double>(r.requests) * 1e6;
    f.client_us = srv.ClientCpu() / static_cast<double>(r.requests) * 1e6;
    f.rate = r.Rate();
    f.p50 = r.PercentileMs(0.5);
    f.p99 = r.PercentileMs(0.99);
    f.p999 = r.PercentileMs(0.999);
  }
  if (r.errors) *failure = r.first_failure;
  return f;
}

}  // namespace

void Bench::ScenarioCreate() {
  std::map<std::string, std::map<int, RateFigure>> figs;
  for (const char* kind : {"s2lite", "nginx", "s3rver"}) {
    auto srv = std::string(kind) == "s2lite" ? OpenS2lite() : OpenPeer(kind);
    if (!srv) continue;
    for (int c : cfg_.create_connections) {
      std::fprintf(stderr, "create: %s, %d connections\n", kind, c);
      std::optional<Failure> failure;
      figs[kind][c] = CreateLoad(*srv, c, cfg_, &failure);
      if (failure)
        Problem(kind, "create",
                Fmt("%s c=%d: %llu errors", kind, c,
                    static_cast<unsigned long long>(figs[kind][c].errors)),
                failure);
    }
  }
  // The same at 64 connections with --fsync (power-loss durability).
  RateFigure fsync;
  int fsync_conns = cfg_.smoke ? 16 : 64;
  if (cfg_.endpoint.empty()) {
    if (auto srv = OpenS2lite({"--fsync"})) {
      std::fprintf(stderr, "create: s2lite --fsync, %d connections\n", fsync_conns);
      std::optional<Failure> failure;
      fsync = CreateLoad(*srv, fsync_conns, cfg_, &failure);
      if (failure) Problem("s2lite", "create", "--fsync: errors", failure);
    }
  }
  auto get = [&](const char* kind, int c) -> RateFigure {
    auto it = figs.find(kind);
    if (it == figs.end()) return {};
    auto jt = it->second.find(c);
    return jt == it->second.end() ? RateFigure{} : jt->second;
  };
  for (int c : cfg_.create_connections) {
    RateFigure s = get("s2lite", c), n = get("nginx", c), s3 = get("s3rver", c);
    Row& r = Add("create", Fmt("c=%d", c), "req/s");
    r.value = s.rate;
    r.peak_rss_mib = s.peak;
    r.nginx = n.rate;
    r.s3rver = s3.rate;
    r.detail = Fmt("p50 %.2f p99 %.2f p99.9 %.2f ms; ", s.p50, s.p99, s.p999) +
               CpuPerRequest(s.server_us, s.client_us);
    if (!std::isnan(n.client_us)) r.detail += Fmt(" (%.0f against nginx)", n.client_us);
    if (s.errors) r.detail += Fmt("; %llu errors", static_cast<unsigned long long>(s.errors));
    r.extra = {{"p50_ms", s.p50},
               {"p99_ms", s.p99},
               {"p999_ms", s.p999},
               {"server_cpu_us_per_req", s.server_us},
               {"client_cpu_us_per_req", s.client_us},
               {"nginx_client_cpu_us_per_req", n.client_us},
               {"nginx_p50_ms", n.p50},
               {"nginx_p99_ms", n.p99},
               {"nginx_p999_ms", n.p999},
               {"s3rver_p50_ms", s3.p50},
               {"s3rver_p99_ms", s3.p99},
               {"s3rver_p999_ms", s3.p999},
               {"errors", static_cast<double>(s.errors)}};
    if (c == 64) {
      r.target = ">= 1/3 nginx, >= 10x s3rver";
      r.met = MetBoth(Met(s.rate, n.rate / 3, true), Met(s.rate, s3.rate * 10, true));
      Row& l = Add("create", "c=64 p99 latency", "ms");
      l.higher_better = false;
      l.value = s.p99;
      l.nginx = n.p99;
      l.s3rver = s3.p99;
      l.target = "<= 10 ms";
      l.met = Met(s.p99, 10, false);
    }
  }
  if (!std::isnan(fsync.rate)) {
    Row& r = Add("create", Fmt("c=%d --fsync", fsync_conns), "req/s");
    r.value = fsync.rate;
    r.peak_rss_mib = fsync.peak;
    r.nginx = get("nginx", fsync_conns).rate;
    r.detail = Fmt("p50 %.2f p99 %.2f p99.9 %.2f ms (power-loss durable); ", fsync.p50, fsync.p99,
                   fsync.p999) +
               CpuPerRequest(fsync.server_us, fsync.client_us);
    r.extra = {{"p50_ms", fsync.p50},
               {"p99_ms", fsync.p99},
               {"p999_ms", fsync.p999},
               {"server_cpu_us_per_req", fsync.server_us}};
  }
}

// ---------------------------------------------------------------- checksums

namespace {

// GB/s of `fn` over a 1 MiB buffer (L2-resident, as a body chunk is), per
// second of this thread's CPU time (other work on the machine then counts
// only through caches): the best of 5 runs of ~seconds/5.
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

template <typename Fn>
double HashGbPerSecond(std::string_view data, double seconds, Fn fn) {
  double best = 0;
  uint64_t sink = 0;
  for (int run = 0; run < 5; ++run) {
    const double t0 = ThreadCpuSeconds();
    uint64_t bytes = 0;
    double spent = 0;
    while ((spent = ThreadCpuSeconds() - t0) < seconds / 5) {
      for (int i = 0; i < 8; ++i) sink += fn(data);
      bytes += 8 * data.size();
    }
    best = std::max(best, static_cast<double>(bytes) / (ThreadCpuSeconds() - t0) / 1e9);
  }
  if (sink == 42) std::fprintf(stderr, " ");  // keeps the calls
  return best;
}

}  // namespace

void Bench::ScenarioChecksums() {
  std::fprintf(stderr, "checksums: CRCs (dispatched and slice-by-8), MD5, SHA-256\n");
  std::string_view data = TheBodies().Get(1 << 20);
  const double secs = cfg_.smoke ? 0.1 : 1.0;
  struct Case {
    const char* name;
    std::string impl;
    double gb_s, portable_gb_s;
  };
  auto crc = [&](auto fast, auto portable) {
    return std::pair{HashGbPerSecond(data, secs,
                                     [&](std::string_view d) -> uint64_t {
                                       return fast(0, d.data(), d.size());
                                     }),
                     HashGbPerSecond(data, secs, [&](std::string_view d) -> uint64_t {
                       return portable(0, d.data(), d.size());
                     })};
  };
  auto [crc32, crc32_portable] = crc(&auth::Crc32, &auth::Crc32Portable);
  auto [crc32c, crc32c_portable] = crc(&auth::Crc32c, &auth::Crc32cPortable);
  auto [crc64, crc64_portable] = crc(&auth::Crc64Nvme, &auth::Crc64NvmePortable);
  const Case cases[] = {
      {"CRC32", "isa-l crc32_gzip_refl", crc32, crc32_portable},
      {"CRC32C", "isa-l crc32_iscsi (sse4.2)", crc32c, crc32c_portable},
      {"CRC64NVME", std::string(auth::Crc64NvmeImplementation()), crc64, crc64_portable},
      {"MD5", "openssl",
       HashGbPerSecond(data, secs,
                       [](std::string_view d) -> uint64_t { return common::Md5(d)[0]; }),
       kNaN},
      {"SHA-256", "openssl",
       HashGbPerSecond(data, secs,
                       [](std::string_view d) -> uint64_t { return common::Sha256(d)[0]; }),
       kNaN},
  };
  for (const Case& c : cases) {
    Row& r = Add("checksums", Fmt("%s, 1 MiB buffer, one core", c.name), "GB/s");
    r.value = c.gb_s;
    r.detail = Fmt("%s %s: %.2f GB/s", c.name, c.impl.c_str(), c.gb_s);
    r.extra["gb_s"] = c.gb_s;
    if (!std::isnan(c.portable_gb_s)) {
      r.extra["slice_by_8_gb_s"] = c.portable_gb_s;
      r.detail += Fmt("; slice-by-8 (the portable fallback): %.2f GB/s (x%.1f)", c.portable_gb_s,
                      c.gb_s / c.portable_gb_s);
    }
  }
}

// ---------------------------------------------------------------- upload-part

void Bench::ScenarioUploadPart() {
  struct Key {
    std::string kind;
    int conns;
    PayloadMode mode;
    bool operator<(const Key& o) const {
      return std::tie(kind, conns, mode) < std::tie(o.kind, o.conns, o.mode);
    }
  };
  struct Fig {
    double mib_s = kNaN, peak = kNaN;
    double server_mib_per_cpu_s = kNaN;  // load-independent cost
  };
  std::map<Key, Fig> figs;
  const size_t size = cfg_.part_size;
  TheBodies().Sha256(size);
  TheBodies().Crc32Trailer(size);
  TheBodies().Etag(size);
  // "single-md5": the same daemon with --md5-lanes=false (each body's MD5
  // alone), to show what the multi-buffer MD5 brings.
  std::vector<std::string> kinds = {"s2lite"};
  if (cfg_.endpoint.empty()) kinds.push_back("single-md5");
  if (!cfg_.baseline_daemon_path.empty()) kinds.push_back("baseline");
  kinds.insert(kinds.end(), {"nginx", "s3rver"});
  // All servers run at once and take turns on each figure, each round, so
  // that other work on the machine weighs on all of them alike; each figure
  // is the median of its rounds.
  std::map<std::string, std::unique_ptr<Server>> servers;
  for (const std::string& kind : kinds) {
    std::unique_ptr<Server> srv = kind == "s2lite"       ? OpenS2lite()
                                  : kind == "single-md5" ? OpenS2lite({"--md5-lanes=false"})
                                  : kind == "baseline"   ? OpenS2lite({}, cfg_.baseline_daemon_path)
                                                         : OpenPeer(kind);
    if (srv) servers[kind] = std::move(srv);
  }
  // One run of `c` connections uploading parts in `mode` for cfg_.seconds.
  auto load = [&](Server& srv, const std::string& kind, int c,
                  PayloadMode mode) -> std::optional<Fig> {
    std::vector<std::string> keys, ids;
    std::optional<Failure> failure;
    for (int i = 0; i < c; ++i) {
      keys.push_back(Fmt("part/%d-%d-%d", c, static_cast<int>(mode), i));
      auto id = StartUpload(srv.target, "bench", keys.back(), &failure);
      if (!id) break;
      ids.push_back(*id);
    }
    if (failure) {
      Problem(kind, "upload-part", kind + ": CreateMultipartUpload failed", failure);
      return std::nullopt;
    }
    std::vector<int> next_part(static_cast<size_t>(c), 0);
    std::string_view body = TheBodies().Get(size);
    const std::string& etag = TheBodies().Etag(size);
    LoadSpec spec;
    spec.connections = c;
    spec.threads = cfg_.client_threads;
    spec.duration = std::chrono::nanoseconds(static_cast<int64_t>(cfg_.seconds * 1e9));
    spec.keep_latencies = false;
    srv.ResetPeak();
    LoadResult r = RunLoad(
        srv.target, spec,
        [&](int conn, uint64_t, Request& req) {
          int& n = next_part[static_cast<size_t>(conn)];
          n = n % 10000 + 1;
          UploadPart(req, "bench", keys[static_cast<size_t>(conn)], ids[static_cast<size_t>(conn)],
                     n, body, mode);
          return true;
        },
        // The ETag is the part's MD5 (the multi-buffer MD5 checked under
        // load); nginx answers a fixed one.
        [&](int, uint64_t, const Response& resp) {
          return kind == "nginx" ? !resp.etag.empty() : resp.etag == etag;
        });
    Fig f;
    f.peak = srv.PeakMiB();
    if (r.errors)
      Problem(kind, "upload-part",
              Fmt("%s c=%d %s: %llu errors", kind.c_str(), c, PayloadModeName(mode),
                  static_cast<unsigned long long>(r.errors)),
              r.first_failure);
    if (r.requests) {
      // Payload bytes (not aws-chunked framing), so that modes compare.
      double payload = static_cast<double>(r.requests) * static_cast<double>(size);
      f.mib_s = payload / kMiB / r.seconds;
      f.server_mib_per_cpu_s = payload / kMiB / srv.ServerCpu();
    }
    for (size_t i = 0; i < ids.size(); ++i) AbortUpload(srv.target, "bench", keys[i], ids[i]);
    return f;
  };
  std::map<Key, std::vector<Fig>> rounds;
  for (int round = 0; round < cfg_.upload_part_rounds; ++round) {
    for (int c : cfg_.upload_part_connections) {
      for (PayloadMode mode : kPayloadModes) {
        for (const std::string& kind : kinds) {
          auto it = servers.find(kind);
          if (it == servers.end()) continue;
          // s3rver stores aws-chunked framing as data: only the plain modes.
          if (kind == "s3rver" && mode != PayloadMode::kUnsigned && mode != PayloadMode::kSigned)
            continue;
          std::fprintf(stderr, "upload-part: round %d, %s, %d connections, %s\n", round + 1,
                       kind.c_str(), c, PayloadModeName(mode));
          if (std::optional<Fig> f = load(*it->second, kind, c, mode)) {
            rounds[{kind, c, mode}].push_back(*f);
          }
        }
      }
    }
  }
  for (auto& [key, figures] : rounds) {
    std::vector<double> mib_s, cpu, peak;
    for (const Fig& f : figures) {
      mib_s.push_back(f.mib_s);
      cpu.push_back(f.server_mib_per_cpu_s);
      peak.push_back(f.peak);
    }
    figs[key] = Fig{Median(mib_s), *std::max_element(peak.begin(), peak.end()), Median(cpu)};
  }
  auto get = [&](const std::string& kind, int c, PayloadMode m) {
    auto it = figs.find({kind, c, m});
    return it == figs.end() ? Fig{} : it->second;
  };
  for (int c : cfg_.upload_part_connections) {
    for (PayloadMode m : kPayloadModes) {
      const bool s = IsSigned(m);
      Fig f = get("s2lite", c, m);
      const double mib_s = f.mib_s;
      Row& r =
          Add("upload-part", Fmt("%zu MiB c=%d %s", size >> 20, c, PayloadModeName(m)), "MiB/s");
      r.value = mib_s;
      r.peak_rss_mib = f.peak;
      r.nginx = get("nginx", c, m).mib_s;
      r.s3rver = get("s3rver", c, m).mib_s;
      r.ceiling = ceil_.Md5All();
      r.ceiling_name = "md5 x cores";
      r.extra["md5_sha256_ceiling_mib_s"] = ceil_.Md5Sha256All();
      r.extra["server_mib_per_cpu_second"] = f.server_mib_per_cpu_s;
      r.detail = Fmt("server %.0f MiB per CPU-second", f.server_mib_per_cpu_s);
      if (!std::isnan(ceil_.md5_mib_s)) {
        // The hashing one core can do for this payload mode, per CPU-second.
        double per_core = s ? 1 / (1 / ceil_.md5_mib_s + 1 / ceil_.sha256_mib_s) : ceil_.md5_mib_s;
        r.detail += Fmt(" (%s per core: %.0f; openssl speed md5 per core: %.0f)",
                        s ? "md5+sha256" : "md5", per_core, ceil_.md5_mib_s);
        if (s)
          r.detail += Fmt("; md5+sha256 ceiling x cores %.0f MiB/s: %.2f", ceil_.Md5Sha256All(),
                          mib_s / ceil_.Md5Sha256All());
      }
      if (Fig one = get("single-md5", c, m); !std::isnan(one.server_mib_per_cpu_s)) {
        r.extra["single_md5_mib_s"] = one.mib_s;
        r.extra["single_md5_server_mib_per_cpu_second"] = one.server_mib_per_cpu_s;
        r.detail += Fmt("; --md5-lanes=false %.0f MiB/s, %.0f MiB per CPU-second (lanes %+.1f%%)",
                        one.mib_s, one.server_mib_per_cpu_s,
                        100 * (f.server_mib_per_cpu_s / one.server_mib_per_cpu_s - 1));
      }
      if (Fig b = get("baseline", c, m); !std::isnan(b.server_mib_per_cpu_s)) {
        r.extra["baseline_mib_s"] = b.mib_s;
        r.extra["baseline_server_mib_per_cpu_second"] = b.server_mib_per_cpu_s;
        r.detail += Fmt("; baseline %.0f MiB/s, %.0f MiB per CPU-second (now %+.1f%%)", b.mib_s,
                        b.server_mib_per_cpu_s,
                        100 * (f.server_mib_per_cpu_s / b.server_mib_per_cpu_s - 1));
      }
      if (m == PayloadMode::kUnsignedCrc32Trailer || m == PayloadMode::kSignedCrc32) {
        // The CPU a CRC32 adds per byte, against the same upload without one.
        Fig plain = get("s2lite", c, s ? PayloadMode::kSigned : PayloadMode::kUnsigned);
        double extra_cpu = plain.server_mib_per_cpu_s / f.server_mib_per_cpu_s - 1;
        r.extra["crc32_cpu_per_byte_vs_no_checksum"] = extra_cpu;
        r.detail += Fmt("; CPU per byte %+.1f%% vs %s", 100 * extra_cpu, s ? "signed" : "unsigned");
        if (m == PayloadMode::kUnsignedCrc32Trailer) {
          r.target = "CPU per byte <= 5% over unsigned";
          r.met = std::isnan(extra_cpu) ? -1 : extra_cpu <= 0.05 ? 1 : 0;
        }
      }
      if (c == 4 && (m == PayloadMode::kUnsigned || m == PayloadMode::kSigned)) {
        r.target = ">= 75% md5 ceiling, >= 3x s3rver";
        r.met = MetBoth(Met(mib_s, 0.75 * r.ceiling, true), Met(mib_s, 3 * r.s3rver, true));
      }
    }
  }
}

// ---------------------------------------------------------------- complete

void Bench::ScenarioComplete() {
  struct Case {
    int parts;
    size_t size;
  };
  std::vector<Case> cases;
  for (int n : cfg_.complete_counts) {
    cases.push_back({n, cfg_.complete_small});
    cases.push_back({n, cfg_.complete_large});
  }
  cases.push_back({cfg_.complete_big_count, cfg_.complete_big});
  struct Fig {
    double ms = kNaN, peak = kNaN, upload_rate = kNaN;
  };
  std::map<std::string, std::map<std::pair<int, size_t>, Fig>> figs;
  for (const char* kind : {"s2lite", "s3rver"}) {
    auto srv =
        std::string(kind) == "s2lite" ? OpenS2lite({"--min-part-size", "1"}) : OpenPeer(kind);
    if (!srv) continue;
    for (const Case& cs : cases) {
      int reps = cs.parts <= 1000 && !cfg_.smoke ? 3 : 1;
      std::vector<double> times;
      Fig f;
      for (int rep = 0; rep < reps; ++rep) {
        std::fprintf(stderr, "complete: %s, %d parts x %zu B (%d/%d)\n", kind, cs.parts, cs.size,
                     rep + 1, reps);
        std::string key = Fmt("complete/%d-%zu-%d", cs.parts, cs.size, rep);
        Upload u = MakeUpload(srv->target, "bench", key, cs.parts, cs.size, cfg_.setup_connections,
                              cfg_.client_threads);
        if (!u.ok()) {
          Problem(kind, "complete",
                  Fmt("%s: uploading %d parts x %zu B failed", kind, cs.parts, cs.size), u.failure);
          break;
        }
        f.upload_rate = u.parts.Rate();
        std::string xml = CompleteXml(u.etags);
        srv->ResetPeak();
        Single s = RoundTrip(srv->target, CompleteRequest("bench", key, u.id, xml));
        f.peak = srv->PeakMiB();
        if (!s.failure &&
            s.response.body.find("<CompleteMultipartUploadResult") == std::string::npos)
          s.failure = Failure{
              "POST /bench/" + key + "?uploadId=" + u.id, s.response.status,
              "200 without CompleteMultipartUploadResult: " + s.response.body.substr(0, 1024)};
        if (s.failure) {
          Problem(kind, "complete", Fmt("%s: Complete of %d parts failed", kind, cs.parts),
                  s.failure);
          break;
        }
        times.push_back(s.ms);
      }
      if (!times.empty()) f.ms = Median(times);
      figs[kind][{cs.parts, cs.size}] = f;
    }
  }
  auto get = [&](const char* kind, int n, size_t size) {
    auto it = figs.find(kind);
    if (it == figs.end()) return Fig{};
    auto jt = it->second.find({n, size});
    return jt == it->second.end() ? Fig{} : jt->second;
  };
  auto size_name = [](size_t s) {
    if (s >= (1u << 20) && s % (1u << 20) == 0) return Fmt("%zu MiB", s >> 20);
    if (s >= 1000 && s % 1000 == 0) return Fmt("%zu kB", s / 1000);
    return Fmt("%zu B", s);
  };
  for (const Case& cs : cases) {
    Fig s = get("s2lite", cs.parts, cs.size), s3 = get("s3rver", cs.parts, cs.size);
    Row& r = Add("complete", Fmt("%d parts x %s", cs.parts, size_name(cs.size).c_str()), "ms");
    r.higher_better = false;
    r.value = s.ms;
    r.peak_rss_mib = s.peak;
    r.s3rver = s3.ms;
    r.extra = {{"parts_uploaded_per_s", s.upload_rate},
               {"total_bytes", static_cast<double>(cs.size) * cs.parts}};
    r.detail = Fmt("parts uploaded at %.0f req/s", s.upload_rate);
    if (cs.size == cfg_.complete_large) {
      double small = get("s2lite", cs.parts, cfg_.complete_small).ms;
      r.detail +=
          Fmt("; %.2fx the time of %s parts", s.ms / small, size_name(cfg_.complete_small).c_str());
      r.extra["ratio_to_small_parts"] = s.ms / small;
      if (cs.parts == 10000) {
        r.target = "<= 200 ms, same as small parts";
        // "Same time": within 1.5x (or 5 ms) of the small-part Complete.
        r.met = MetBoth(Met(s.ms, 200, false), Met(s.ms, std::max(1.5 * small, small + 5), false));
      }
    } else if (cs.parts == 10000 && cs.size == cfg_.complete_small) {
      r.target = "<= 200 ms";
      r.met = Met(s.ms, 200, false);
    }
  }
}

// ---------------------------------------------------------------- e2e

void Bench::ScenarioE2e(const std::string& name, int parts, bool get) {
  const size_t size = cfg_.e2e_part_size;
  const std::string key = name == "e2e" ? "e2e/big.bin" : "e2e5/big.bin";
  const double total_mib = static_cast<double>(size) * parts / kMiB;
  std::string_view body = TheBodies().Get(size);
  TheBodies().Sha256(size);
  struct Fig {
    double up = kNaN, up_peak = kNaN, get = kNaN, get_peak = kNaN;
    double up_cpu = kNaN, get_cpu = kNaN;  // server MiB per CPU-second
  };
  std::map<std::string, Fig> figs;
  for (const char* kind : {"s2lite", "nginx", "s3rver"}) {
    if (std::string(kind) == "s3rver" && name != "e2e") continue;  // 5 GiB through s3rver: too slow
    auto srv = std::string(kind) == "s2lite" ? OpenS2lite() : OpenPeer(kind);
    if (!srv) continue;
    const bool is_nginx = srv->kind == "nginx";
    std::fprintf(stderr, "%s: %s, %.0f MiB upload in %d parts over %d connections\n", name.c_str(),
                 kind, total_mib, parts, cfg_.e2e_connections);
    Fig f;
    srv->ResetPeak();
    auto t0 = Clock::now();
    Upload u;
    u.etags.assign(static_cast<size_t>(parts), "");
    auto id = StartUpload(srv->target, "bench", key, &u.failure);
    if (!id) {
      Problem(kind, name, std::string(kind) + ": CreateMultipartUpload failed", u.failure);
      continue;
    }
    u.id = *id;
    LoadSpec spec;
    spec.connections = std::min(cfg_.e2e_connections, parts);
    spec.threads = cfg_.client_threads;
    spec.total_requests = static_cast<uint64_t>(parts);
    spec.hard_timeout = std::chrono::seconds(600);
    LoadResult r = RunLoad(
        srv->target, spec,
        [&](int, uint64_t seq, Request& req) {
          UploadPart(req, "bench", key, u.id, static_cast<int>(seq) + 1, body,
                     PayloadMode::kSigned);
          return true;
        },
        [&](int, uint64_t seq, const Response& resp) {
          u.etags[seq] = resp.etag;
          return is_nginx || !resp.etag.empty();
        });
    if (r.errors) {
      Problem(kind, name, std::string(kind) + ": UploadPart failed", r.first_failure);
      continue;
    }
    std::string xml = CompleteXml(u.etags);
    Single c = RoundTrip(srv->target, CompleteRequest("bench", key, u.id, xml));
    auto t1 = Clock::now();
    f.up_peak = srv->PeakMiB();
    if (!c.failure && !is_nginx &&
        c.response.body.find("<CompleteMultipartUploadResult") == std::string::npos)
      c.failure = Failure{"POST /bench/" + key + "?uploadId=" + u.id, c.response.status,
                          c.response.body.substr(0, 1024)};
    if (c.failure) {
      Problem(kind, name, std::string(kind) + ": CompleteMultipartUpload failed", c.failure);
      continue;
    }
    f.up = total_mib / Seconds(t0, t1);
    f.up_cpu = total_mib / srv->ServerCpu();
    if (get) {
      std::fprintf(stderr, "%s: %s, GET %.0f MiB\n", name.c_str(), kind, total_mib);
      LoadSpec gs;
      gs.connections = 1;
      gs.total_requests = 1;
      gs.discard_body = true;
      gs.hard_timeout = std::chrono::seconds(600);
      srv->ResetPeak();
      LoadResult g = RunLoad(
          srv->target, gs,
          [&](int, uint64_t, Request& req) {
            req.method = "GET";
            req.path = "/bench/" + key;
            req.payload_hash = kEmptySha256;
            return true;
          },
          [&](int, uint64_t, const Response& resp) {
            return resp.body_bytes == static_cast<uint64_t>(size) * parts;
          });
      f.get_peak = srv->PeakMiB();
      if (g.errors)
        Problem(kind, name, std::string(kind) + ": GET failed or short", g.first_failure);
      else
        f.get = static_cast<double>(g.bytes_received) / kMiB / g.seconds;
      f.get_cpu = static_cast<double>(g.bytes_received) / kMiB / srv->ServerCpu();
    }
    figs[kind] = f;
  }
  auto fig = [&](const char* kind) {
    auto it = figs.find(kind);
    return it == figs.end() ? Fig{} : it->second;
  };
  Fig s = fig("s2lite"), n = fig("nginx"), s3 = fig("s3rver");
  std::string size_label =
      total_mib >= 1024 ? Fmt("%.0f GiB", total_mib / 1024) : Fmt("%.0f MiB", total_mib);
  Row& up = Add(name,
                Fmt("%s upload, %d x %zu MiB, c=%d", size_label.c_str(), parts, size >> 20,
                    cfg_.e2e_connections),
                "MiB/s");
  up.value = s.up;
  up.peak_rss_mib = s.up_peak;
  up.nginx = n.up;
  up.s3rver = s3.up;
  up.ceiling = ceil_.disk_mib_s;
  up.ceiling_name = "dd fdatasync";
  up.detail =
      Fmt("initiate + parts (signed payload) + complete; server %.0f MiB per CPU-second", s.up_cpu);
  up.extra["server_mib_per_cpu_second"] = s.up_cpu;
  if (name == "e2e") {
    up.target = ">= 5x s3rver";
    up.met = Met(s.up, 5 * s3.up, true);
  }
  Row& rss = Add(name, size_label + " upload peak RSS", "MiB");
  rss.higher_better = false;
  rss.value = s.up_peak;
  rss.target = "<= 32 MiB, flat";
  rss.met = Met(s.up_peak, 32, false);
  if (get) {
    Row& g = Add(name, size_label + " GET", "MiB/s");
    g.value = s.get;
    g.peak_rss_mib = s.get_peak;
    g.nginx = n.get;
    g.s3rver = s3.get;
    g.target = ">= 80% nginx";
    g.met = Met(s.get, 0.8 * n.get, true);
    g.detail = Fmt("one connection, body discarded; server %.0f MiB per CPU-second", s.get_cpu);
    g.extra["server_mib_per_cpu_second"] = s.get_cpu;
  }
}

// ---------------------------------------------------------------- registry

namespace {

struct PartFigure {
  double mib_s = kNaN, server_mib_per_cpu_s = kNaN, server_us = kNaN;
  uint64_t errors = 0;
};

// `c` connections uploading unsigned parts of `size` bytes, each to an
// upload of its own, for cfg.seconds.
PartFigure PartLoad(Server& srv, int c, size_t size, const Config& cfg,
                    std::optional<Failure>* failure) {
  PartFigure f;
  std::vector<std::string> keys, ids;
  for (int i = 0; i < c; ++i) {
    keys.push_back(Fmt("registry/%d-%d", c, i));
    auto id = StartUpload(srv.target, "bench", keys.back(), failure);
    if (!id) return f;
    ids.push_back(*id);
  }
  std::vector<int> next_part(static_cast<size_t>(c), 0);
  std::string_view body = TheBodies().Get(size);
  const std::string& etag = TheBodies().Etag(size);
  LoadSpec spec;
  spec.connections = c;
  spec.threads = cfg.client_threads;
  spec.duration = std::chrono::nanoseconds(static_cast<int64_t>(cfg.seconds * 1e9));
  spec.keep_latencies = false;
  srv.ResetPeak();
  LoadResult r = RunLoad(
      srv.target, spec,
      [&](int conn, uint64_t, Request& req) {
        int& n = next_part[static_cast<size_t>(conn)];
        n = n % 10000 + 1;
        UploadPart(req, "bench", keys[static_cast<size_t>(conn)], ids[static_cast<size_t>(conn)], n,
                   body, PayloadMode::kUnsigned);
        return true;
      },
      [&](int, uint64_t, const Response& resp) { return resp.etag == etag; });
  f.errors = r.errors;
  if (r.errors) *failure = r.first_failure;
  if (r.requests) {
    const double payload = static_cast<double>(r.requests) * static_cast<double>(size);
    f.mib_s = payload / kMiB / r.seconds;
    f.server_mib_per_cpu_s = payload / kMiB / srv.ServerCpu();
    f.server_us = srv.ServerCpu() / static_cast<double>(r.requests) * 1e6;
  }
  for (size_t i = 0; i < ids.size(); ++i) AbortUpload(srv.target, "bench", keys[i], ids[i]);
  return f;
}

}  // namespace

// The PostgreSQL registry (--registry) against the SQLite one, one daemon
// each, taking turns on each figure (median of --rounds runs): create at 64
// connections and 8 MiB UploadPart at 4, with the server CPU per request.
void Bench::ScenarioRegistry() {
  if (cfg_.registry.empty() || !cfg_.endpoint.empty()) return;
  const int create_conns = cfg_.smoke ? 16 : 64;
  const int part_conns = cfg_.smoke ? 2 : 4;
  const size_t size = cfg_.part_size;
  TheBodies().Etag(size);
  std::map<std::string, std::unique_ptr<Server>> servers;
  servers["sqlite"] = OpenS2lite();
  servers["postgres"] = OpenS2lite({"--registry", cfg_.registry});
  // A second daemon on the same database, for creates split between two.
  servers["postgres-2"] = OpenS2lite({"--registry", cfg_.registry});
  if (!servers["sqlite"] || !servers["postgres"] || !servers["postgres-2"]) return;
  std::vector<RateFigure> pair_creates;
  std::vector<double> pair_db_us;
  std::map<std::string, std::vector<RateFigure>> creates;
  std::map<std::string, std::vector<PartFigure>> parts;
  std::map<std::string, std::vector<double>> db_create_us, db_part_us;
  for (int round = 0; round < cfg_.upload_part_rounds; ++round) {
    for (const char* kind : {"sqlite", "postgres"}) {
      std::fprintf(stderr, "registry: round %d, %s, create c=%d, UploadPart c=%d\n", round + 1,
                   kind, create_conns, part_conns);
      // The database server's CPU counts too (its backends: "postgres").
      std::optional<Failure> failure;
      double db0 = ReadCommandCpuSeconds("postgres");
      RateFigure cf = CreateLoad(*servers[kind], create_conns, cfg_, &failure);
      double requests = cf.rate * cfg_.seconds;
      db_create_us[kind].push_back((ReadCommandCpuSeconds("postgres") - db0) / requests * 1e6);
      creates[kind].push_back(cf);
      if (failure) Problem("s2lite", "registry", std::string(kind) + " create: errors", failure);
      failure.reset();
      db0 = ReadCommandCpuSeconds("postgres");
      PartFigure pf = PartLoad(*servers[kind], part_conns, size, cfg_, &failure);
      requests = pf.mib_s * cfg_.seconds * kMiB / static_cast<double>(size);
      db_part_us[kind].push_back((ReadCommandCpuSeconds("postgres") - db0) / requests * 1e6);
      parts[kind].push_back(pf);
      if (failure)
        Problem("s2lite", "registry", std::string(kind) + " upload-part: errors", failure);
    }
    // Both PostgreSQL daemons at once, half the connections each: the
    // rates add up, the CPU per request is both daemons' over both's requests.
    std::fprintf(stderr, "registry: round %d, two PostgreSQL daemons, create c=%d\n", round + 1,
                 create_conns);
    std::optional<Failure> fa, fb;
    RateFigure a, b;
    const double db0 = ReadCommandCpuSeconds("postgres");
    std::thread other([&] { b = CreateLoad(*servers["postgres-2"], create_conns / 2, cfg_, &fb); });
    a = CreateLoad(*servers["postgres"], create_conns - create_conns / 2, cfg_, &fa);
    other.join();
    RateFigure sum;
    sum.rate = a.rate + b.rate;
    sum.server_us = (a.server_us * a.rate + b.server_us * b.rate) / sum.rate;
    sum.p99 = std::max(a.p99, b.p99);
    pair_creates.push_back(sum);
    pair_db_us.push_back((ReadCommandCpuSeconds("postgres") - db0) / (sum.rate * cfg_.seconds) *
                         1e6);
    if (fa || fb) Problem("s2lite", "registry", "two daemons create: errors", fa ? fa : fb);
  }
  auto median = [](const auto& figures, auto field) {
    std::vector<double> v;
    for (const auto& f : figures) v.push_back(f.*field);
    return Median(v);
  };
  const double sq_rate = median(creates["sqlite"], &RateFigure::rate);
  const double pg_rate = median(creates["postgres"], &RateFigure::rate);
  const double sq_us = median(creates["sqlite"], &RateFigure::server_us);
  const double pg_us = median(creates["postgres"], &RateFigure::server_us);
  const double pg_p99 = median(creates["postgres"], &RateFigure::p99);
  const double db_us = Median(db_create_us["postgres"]);
  Row& c = Add("registry", Fmt("create c=%d, PostgreSQL", create_conns), "req/s");
  c.value = pg_rate;
  c.detail =
      Fmt("x%.2f the SQLite daemon (%.0f req/s); p99 %.2f ms; server CPU %.0f us/req "
          "+ PostgreSQL %.0f us/req (SQLite daemon %.0f)",
          pg_rate / sq_rate, sq_rate, pg_p99, pg_us, db_us, sq_us);
  c.extra = {{"sqlite_req_s", sq_rate},
             {"ratio_to_sqlite", pg_rate / sq_rate},
             {"p99_ms", pg_p99},
             {"server_cpu_us_per_req", pg_us},
             {"postgres_cpu_us_per_req", db_us},
             {"sqlite_server_cpu_us_per_req", sq_us}};
  const double sq_mib = median(parts["sqlite"], &PartFigure::mib_s);
  const double pg_mib = median(parts["postgres"], &PartFigure::mib_s);
  const double sq_part_us = median(parts["sqlite"], &PartFigure::server_us);
  const double pg_part_us = median(parts["postgres"], &PartFigure::server_us);
  {
    const double rate = median(pair_creates, &RateFigure::rate);
    const double us = median(pair_creates, &RateFigure::server_us);
    const double db = Median(pair_db_us);
    Row& p =
        Add("registry", Fmt("create c=%d, two daemons on one PostgreSQL", create_conns), "req/s");
    p.value = rate;
    p.detail =
        Fmt("x%.2f the SQLite daemon, x%.2f one PostgreSQL daemon; p99 %.2f ms; daemons' "
            "CPU %.0f us/req + PostgreSQL %.0f us/req",
            rate / sq_rate, rate / pg_rate, median(pair_creates, &RateFigure::p99), us, db);
    p.extra = {{"ratio_to_sqlite", rate / sq_rate},
               {"ratio_to_one_postgres_daemon", rate / pg_rate},
               {"server_cpu_us_per_req", us},
               {"postgres_cpu_us_per_req", db}};
  }
  const double db_part = Median(db_part_us["postgres"]);
  Row& u =
      Add("registry", Fmt("UploadPart %zu MiB c=%d, PostgreSQL", size >> 20, part_conns), "MiB/s");
  u.value = pg_mib;
  u.detail =
      Fmt("x%.2f the SQLite daemon (%.0f MiB/s); server CPU %.0f us/req + PostgreSQL "
          "%.0f us/req (SQLite daemon %.0f)",
          pg_mib / sq_mib, sq_mib, pg_part_us, db_part, sq_part_us);
  u.extra = {{"sqlite_mib_s", sq_mib},
             {"ratio_to_sqlite", pg_mib / sq_mib},
             {"server_cpu_us_per_req", pg_part_us},
             {"postgres_cpu_us_per_req", db_part},
             {"sqlite_server_cpu_us_per_req", sq_part_us}};
}

// ---------------------------------------------------------------- list

void Bench::ScenarioList() {
  struct Fig {
    double parts_ms = kNaN, uploads_ms = kNaN, peak = kNaN;
    size_t parts = 0, uploads = 0;
    int parts_pages = 0, uploads_pages = 0;
  };
  std::map<std::string, Fig> figs;
  const int n = cfg_.list_entries;
  const std::string page = std::to_string(cfg_.list_page);
  for (const char* kind : {"s2lite", "s3rver"}) {
    auto srv = std::string(kind) == "s2lite" ? OpenS2lite() : OpenPeer(kind);
    if (!srv) continue;
    Fig f;
    std::fprintf(stderr, "list: %s, uploading %d parts\n", kind, n);
    const std::string key = "listparts/key";
    Upload u =
        MakeUpload(srv->target, "list", key, n, 1, cfg_.setup_connections, cfg_.client_threads);
    if (!u.ok()) {
      Problem(kind, "list", std::string(kind) + ": uploading parts failed", u.failure);
      continue;
    }
    srv->ResetPeak();
    std::fprintf(stderr, "list: %s, ListParts\n", kind);
    auto t0 = Clock::now();
    std::string marker;
    for (int guard = 0; guard < n / cfg_.list_page + 5; ++guard) {
      Request r;
      r.method = "GET";
      r.path = "/list/" + key;
      r.Query("uploadId", u.id);
      r.Query("max-parts", page);
      if (!marker.empty()) r.Query("part-number-marker", marker);
      r.payload_hash = kEmptySha256;
      Single s = RoundTrip(srv->target, r);
      if (s.failure) {
        Problem(kind, "list", std::string(kind) + ": ListParts failed", s.failure);
        break;
      }
      ++f.parts_pages;
      f.parts += XmlCount(s.response.body, "Part");
      marker = XmlValue(s.response.body, "NextPartNumberMarker");
      if (XmlValue(s.response.body, "IsTruncated") != "true") {
        f.parts_ms = Seconds(t0, Clock::now()) * 1000;
        break;
      }
    }
    if (f.parts != static_cast<size_t>(n))
      Problem(kind, "list", Fmt("%s: ListParts listed %zu parts, expected %d", kind, f.parts, n),
              std::nullopt);

    std::fprintf(stderr, "list: %s, creating %d uploads\n", kind, n);
    LoadSpec spec;
    spec.connections = cfg_.setup_connections;
    spec.threads = cfg_.client_threads;
    spec.total_requests = static_cast<uint64_t>(n);
    spec.keep_latencies = false;
    LoadResult c = RunLoad(
        srv->target, spec,
        [](int, uint64_t seq, Request& r) {
          r = Create("list", Fmt("uploads/%06llu", static_cast<unsigned long long>(seq)));
          return true;
        },
        [](int, uint64_t, const Response& resp) {
          return resp.body.find("<UploadId>") != std::string::npos;
        });
    if (c.errors) {
      Problem(kind, "list", std::string(kind) + ": creating uploads failed", c.first_failure);
      figs[kind] = f;
      continue;
    }
    std::fprintf(stderr, "list: %s, ListMultipartUploads\n", kind);
    t0 = Clock::now();
    std::string key_marker, id_marker;
    for (int guard = 0; guard < n / cfg_.list_page + 5; ++guard) {
      Request r;
      r.method = "GET";
      r.path = "/list";
      r.Query("uploads");
      r.Query("max-uploads", page);
      if (!key_marker.empty()) {
        r.Query("key-marker", key_marker);
        r.Query("upload-id-marker", id_marker);
      }
      r.payload_hash = kEmptySha256;
      Single s = RoundTrip(srv->target, r);
      if (s.failure) {
        Problem(kind, "list", std::string(kind) + ": ListMultipartUploads failed", s.failure);
        break;
      }
      ++f.uploads_pages;
      f.uploads += XmlCount(s.response.body, "Upload");
      key_marker = XmlValue(s.response.body, "NextKeyMarker");
      id_marker = XmlValue(s.response.body, "NextUploadIdMarker");
      if (XmlValue(s.response.body, "IsTruncated") != "true") {
        f.uploads_ms = Seconds(t0, Clock::now()) * 1000;
        break;
      }
    }
    f.peak = srv->PeakMiB();
    if (f.uploads != static_cast<size_t>(n) + 1)
      Problem(
          kind, "list",
          Fmt("%s: ListMultipartUploads listed %zu uploads, expected %d", kind, f.uploads, n + 1),
          std::nullopt);
    figs[kind] = f;
  }
  Fig s = figs.count("s2lite") ? figs["s2lite"] : Fig{};
  Fig s3 = figs.count("s3rver") ? figs["s3rver"] : Fig{};
  Row& p = Add("list", Fmt("ListParts %d parts, pages of %d", n, cfg_.list_page), "ms");
  p.higher_better = false;
  p.value = s.parts_ms;
  p.peak_rss_mib = s.peak;
  p.s3rver = s3.parts_ms;
  p.detail = Fmt("%d pages, %zu parts listed", s.parts_pages, s.parts);
  Row& m =
      Add("list", Fmt("ListMultipartUploads %d uploads, pages of %d", n + 1, cfg_.list_page), "ms");
  m.higher_better = false;
  m.value = s.uploads_ms;
  m.peak_rss_mib = s.peak;
  m.s3rver = s3.uploads_ms;
  m.detail = Fmt("%d pages, %zu uploads listed", s.uploads_pages, s.uploads);
}

// A large CopyObject on one connection while another keeps asking HeadBucket,
// all on one I/O thread (--threads 1): the probes' latency shows whether the
// copy holds the event loop (it should run on the worker pool).
void Bench::ScenarioCopy() {
  auto srv = OpenS2lite({"--threads", "1"});
  if (!srv) return;
  const size_t part = cfg_.e2e_part_size;
  const int parts = cfg_.copy_parts;
  const double mib = static_cast<double>(part) * parts / kMiB;
  std::fprintf(stderr, "copy: uploading a %.0f MiB source\n", mib);
  Upload u = MakeUpload(srv->target, "bench", "copy/source", parts, part, cfg_.e2e_connections,
                        cfg_.client_threads);
  if (!u.ok()) return Problem("s2lite", "copy", "uploading the source failed", u.failure);
  std::string xml = "<CompleteMultipartUpload>";
  for (int i = 0; i < parts; ++i)
    xml += Fmt("<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i + 1,
               u.etags[static_cast<size_t>(i)].c_str());
  xml += "</CompleteMultipartUpload>";
  Single done = RoundTrip(srv->target, CompleteRequest("bench", "copy/source", u.id, xml));
  if (done.failure) return Problem("s2lite", "copy", "completing the source failed", done.failure);

  std::fprintf(stderr, "copy: CopyObject with HeadBucket probes alongside\n");
  std::atomic<bool> copying{true};
  Single copy;
  std::thread copier([&] {
    Request r;
    r.method = "PUT";
    r.path = "/bench/copy/target";
    r.headers = {{"x-amz-copy-source", "/bench/copy/source"}};
    r.payload_hash = kEmptySha256;
    copy = RoundTrip(srv->target, r);
    copying = false;
  });
  std::vector<double> probes;
  while (copying) {
    Request r;
    r.method = "HEAD";
    r.path = "/bench";
    r.payload_hash = kEmptySha256;
    // Connect to answer: a probe stuck behind the copy counts in full.
    auto t0 = Clock::now();
    Single s = RoundTrip(srv->target, r, true);
    if (s.failure) {
      Problem("s2lite", "copy", "a probe failed", s.failure);
      break;
    }
    probes.push_back(Seconds(t0, Clock::now()) * 1000);
    // Another client's steady traffic, not a flood that takes the copy's CPU.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  copier.join();
  if (copy.failure) return Problem("s2lite", "copy", "CopyObject failed", copy.failure);
  std::sort(probes.begin(), probes.end());
  auto pct = [&](double q) {
    if (probes.empty()) return kNaN;
    return probes[std::min(probes.size() - 1, static_cast<size_t>(q * probes.size()))];
  };
  Row& p =
      Add("copy", Fmt("HeadBucket p99 during a %.0f MiB CopyObject (1 I/O thread)", mib), "ms");
  p.higher_better = false;
  p.value = pct(0.99);
  p.target = "p99 < 20 ms";
  p.met = Met(p.value, 20, false);
  p.detail = Fmt("%zu probes, p50 %.2f ms, max %.2f ms", probes.size(), pct(0.5),
                 probes.empty() ? kNaN : probes.back());
  Row& c = Add("copy", Fmt("CopyObject %.0f MiB", mib), "MiB/s");
  c.value = copy.ms > 0 ? mib / (copy.ms / 1000) : kNaN;
  c.detail = Fmt("%.0f ms", copy.ms);
}

}  // namespace s2lite::bench
