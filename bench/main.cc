// s2lite-bench: a load generator for s2lite in the spirit of MinIO's warp.
// Every request is SigV4-signed with the project's own signer; the daemon is
// spawned (or an endpoint given); each scenario is bounded in time or work.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "bench/bench.h"

namespace {

using s2lite::bench::Config;

constexpr const char* kAllScenarios =
    "startup,create,checksums,upload-part,complete,e2e,e2e-5g,list,copy,registry";

void Usage(FILE* out) {
  std::fprintf(out, R"(usage: s2lite-bench [options]

  --daemon PATH           s2lite binary to spawn (default: ../server/s2lite next to this tool)
  --baseline PATH         an earlier s2lite binary: upload-part also runs it (A/B in one run)
  --endpoint URL          benchmark a running s2lite instead (its credentials: --access-key/--secret-key)
  --registry CONNINFO     PostgreSQL: the registry scenario runs a daemon on it against one on SQLite
  --access-key AK --secret-key SK --region R   credentials (default bench-access/bench-secret/us-east-1)
  --nginx URL             nginx answering the same bytes (see bench/run.sh): every figure also as a ratio
  --s3rver URL            s3rver (npm s3rver@3): the same scenarios, as ratios
  --s3rver-access-key AK --s3rver-secret-key SK   (default S3RVER/S3RVER)
  --scenarios LIST        comma list of %s (default: all)
  --seconds S             duration of each time-bounded run (default 3)
  --connections LIST      create scenario connection counts (default 1,16,64,256)
  --part-connections LIST upload-part connection counts (default 1,4)
  --rounds N              upload-part: runs per figure, servers taking turns; the median (default 3)
  --client-threads N      load generator threads (default 1: the server gets the other cores)
  --ceilings              measure the hashing (openssl speed) and disk (dd fdatasync) ceilings
  --work-dir DIR          where daemons' temp dirs go (default $TMPDIR or /tmp)
  --json FILE             write every figure as JSON
  --markdown FILE         write the table as Markdown (for bench/RESULTS.md)
  --smoke                 tiny sizes and 0.3 s runs (CI: proves the tool and the server work)
  --print-create-response print one CreateMultipartUpload answer body and exit (for nginx)
)",
               kAllScenarios);
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string DefaultDaemon() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "s2lite";
  return (self.parent_path() / ".." / "server" / "s2lite").lexically_normal().string();
}

void ApplySmoke(Config& c) {
  c.seconds = 0.3;
  c.create_connections = {1, 16};
  c.part_size = 1u << 20;
  c.upload_part_connections = {1, 4};
  c.upload_part_rounds = 1;
  c.complete_counts = {10, 100};
  c.complete_big_count = 10;
  c.complete_big = 1u << 20;
  c.e2e_part_size = 5u << 20;
  c.e2e_parts = 4;
  c.e2e5_parts = 8;
  c.copy_parts = 4;
  c.list_entries = 300;
  c.list_page = 100;
  c.setup_connections = 16;
  c.cold_starts = 2;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  Config c;
  c.daemon_path = DefaultDaemon();
  if (const char* t = std::getenv("TMPDIR"); t && *t) c.work_dir = t;
  c.scenarios = Split(kAllScenarios);
  bool print_create = false;
  std::string connections, part_connections;
  for (int i = 0; i < argc; ++i) {
    if (i) c.command_line += ' ';
    c.command_line += argv[i];
  }
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "s2lite-bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      Usage(stdout);
      return 0;
    } else if (a == "--daemon")
      c.daemon_path = value();
    else if (a == "--baseline")
      c.baseline_daemon_path = value();
    else if (a == "--endpoint")
      c.endpoint = value();
    else if (a == "--registry")
      c.registry = value();
    else if (a == "--access-key")
      c.access_key = value();
    else if (a == "--secret-key")
      c.secret_key = value();
    else if (a == "--region")
      c.region = value();
    else if (a == "--nginx")
      c.nginx_url = value();
    else if (a == "--s3rver")
      c.s3rver_url = value();
    else if (a == "--s3rver-access-key")
      c.s3rver_access_key = value();
    else if (a == "--s3rver-secret-key")
      c.s3rver_secret_key = value();
    else if (a == "--scenarios")
      c.scenarios = Split(value());
    else if (a == "--seconds")
      c.seconds = std::atof(value().c_str());
    else if (a == "--part-connections")
      part_connections = value();
    else if (a == "--rounds")
      c.upload_part_rounds = std::atoi(value().c_str());
    else if (a == "--connections")
      connections = value();
    else if (a == "--client-threads")
      c.client_threads = std::atoi(value().c_str());
    else if (a == "--ceilings")
      c.ceilings = true;
    else if (a == "--work-dir")
      c.work_dir = value();
    else if (a == "--json")
      c.json_path = value();
    else if (a == "--markdown")
      c.markdown_path = value();
    else if (a == "--smoke")
      c.smoke = true;
    else if (a == "--print-create-response")
      print_create = true;
    else {
      std::fprintf(stderr, "s2lite-bench: unknown option '%s'\n", a.c_str());
      Usage(stderr);
      return 2;
    }
  }
  double seconds = c.seconds;
  if (c.smoke) {
    ApplySmoke(c);
    for (int i = 1; i < argc; ++i)
      if (std::string(argv[i]) == "--seconds") c.seconds = seconds;
  }
  if (!connections.empty()) {
    c.create_connections.clear();
    for (const auto& s : Split(connections)) c.create_connections.push_back(std::atoi(s.c_str()));
  }
  if (!part_connections.empty()) {
    c.upload_part_connections.clear();
    for (const auto& s : Split(part_connections)) {
      c.upload_part_connections.push_back(std::atoi(s.c_str()));
    }
  }
  for (const auto& s : c.scenarios) {
    std::string all = std::string(",") + kAllScenarios + ",";
    if (all.find("," + s + ",") == std::string::npos) {
      std::fprintf(stderr, "s2lite-bench: unknown scenario '%s' (have %s)\n", s.c_str(),
                   kAllScenarios);
      return 2;
    }
  }
  if (c.seconds <= 0 || c.client_threads < 1 || c.upload_part_rounds < 1) {
    std::fprintf(stderr,
                 "s2lite-bench: --seconds, --client-threads and --rounds must be positive\n");
    return 2;
  }
  if (c.endpoint.empty() && access(c.daemon_path.c_str(), X_OK) != 0) {
    std::fprintf(stderr,
                 "s2lite-bench: no daemon at %s (build it, or pass --daemon / --endpoint)\n",
                 c.daemon_path.c_str());
    return 2;
  }

  s2lite::bench::Bench bench(c);
  if (print_create) {
    auto body = bench.CreateResponseBody();
    if (!body) return 1;
    std::fwrite(body->data(), 1, body->size(), stdout);
    return 0;
  }
  bench.Run();
  s2lite::bench::PrintTable(bench);
  if (!c.json_path.empty()) {
    if (!s2lite::bench::WriteJson(bench, c.json_path)) {
      std::fprintf(stderr, "s2lite-bench: cannot write %s\n", c.json_path.c_str());
      return 1;
    }
    std::printf("JSON: %s\n", c.json_path.c_str());
  }
  if (!c.markdown_path.empty() && !s2lite::bench::WriteMarkdown(bench, c.markdown_path)) {
    std::fprintf(stderr, "s2lite-bench: cannot write %s\n", c.markdown_path.c_str());
    return 1;
  }
  return bench.problems().empty() ? 0 : 1;
}
