// The s2lite daemon: load config, start the library's Server, wait for
// SIGINT/SIGTERM (or the parent's death), stop. `s2lite healthcheck [URL]`
// probes a running daemon instead (the container image's health check).
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string_view>

#include "config/config.h"
#include "s2lite/server.h"
#include "server/healthcheck.h"

namespace {

bool WriteReadyFile(const std::string& path, const std::string& url) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << url << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// `s2lite healthcheck [URL]`. Every failure exits 1: Docker reserves 2.
int RunHealthcheck(int argc, char** argv) {
  if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
    bool help =
        argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h");
    (help ? std::cout : std::cerr)
        << "Usage: s2lite healthcheck [URL]\n"
           "GETs URL/health/ready (URL: http://HOST[:PORT][/PATH]; default: S2LITE_LISTEN's\n"
           "address, a wildcard host probed on loopback, else http://127.0.0.1:9000) within 2 s;\n"
           "exits 0 on 200, 1 otherwise.\n";
    return help ? 0 : 1;
  }
  std::string url = argc == 2 ? argv[1] : s2lite::config::HealthcheckUrl([](const char* name) {
    return std::getenv(name);
  });
  if (url.empty()) {
    std::cerr << "s2lite healthcheck: invalid S2LITE_LISTEN; pass the URL\n";
    return 1;
  }
  return s2lite::daemon::Healthcheck(url, std::chrono::seconds(2), std::cout, std::cerr);
}

// Parses the --fault rules into cfg.options.faults; false (reported) on a bad one.
bool AddFaults(s2lite::config::DaemonConfig& cfg) {
  for (const std::string& spec : cfg.faults) {
    auto rule = s2lite::ParseFaultRule(spec);
    if (!rule.ok()) {
      std::cerr << "s2lite: invalid --fault '" << spec << "': " << rule.status().message() << "\n";
      return false;
    }
    cfg.options.faults.push_back(std::move(*rule));
  }
  return true;
}

// Blocks SIGINT and SIGTERM in this thread (and the threads it starts), for
// sigwait; ignores SIGPIPE. Returns the blocked set.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "healthcheck")
    return RunHealthcheck(argc - 1, argv + 1);
  auto parsed =
      s2lite::config::Parse(argc, argv, [](const char* name) { return std::getenv(name); });
  if (!parsed.help.empty()) {
    std::cout << parsed.help;
    return 0;
  }
  if (!parsed.config) {
    std::cerr << "s2lite: " << parsed.error << "\n";
    return 2;
  }
  s2lite::config::DaemonConfig& cfg = *parsed.config;
  if (!AddFaults(cfg)) return 2;
  pid_t parent = getppid();
  if (cfg.exit_with_parent) prctl(PR_SET_PDEATHSIG, SIGTERM);

  // Block the signals before the server's threads exist, so only sigwait sees them.
  sigset_t signals = BlockShutdownSignals();

  if (cfg.dev_credentials) {
    std::cerr << "s2lite: using development credentials: access key '"
              << s2lite::config::kDevAccessKey << "', secret key '" << s2lite::config::kDevSecretKey
              << "' (loopback only)\n";
  }
  s2lite::Server server(cfg.options);
  s2lite::Status status = server.Start();
  if (!status.ok()) {
    std::cerr << "s2lite: cannot start: " << status.message() << "\n";
    return 2;
  }
  if (cfg.exit_with_parent && getppid() != parent) {
    server.Stop();
    return 0;
  }
  // The bound address, then the URL a client uses (loopback for a wildcard
  // address); the URL stays the line's last word, which scripts read.
  std::string url = server.endpoint();
  std::cout << "s2lite listening on " << server.listen_address() << ", endpoint " << url
            << std::endl;
  if (!cfg.ready_file.empty() && !WriteReadyFile(cfg.ready_file, url)) {
    std::cerr << "s2lite: cannot write ready file '" << cfg.ready_file << "'\n";
    server.Stop();
    return 2;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "s2lite: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", shutting down\n";
  server.Stop();
  if (!cfg.ready_file.empty()) std::remove(cfg.ready_file.c_str());
  return 0;
}
