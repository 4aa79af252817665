// Load: many concurrent keep-alive connections issuing a mixed multipart
// workload (initiate, upload part, list parts, complete, get) against an
// in-process server on loopback. Passes with zero errors and bounded RSS;
// prints the figures.
//
// Usage: s2lite_load_test [--connections N] [--requests N] [--max-rss-mib N]
// Defaults: 1000 connections, 100000 requests, 1024 MiB.
#include <sys/resource.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../integration/test_client.h"
#include "s2lite/server.h"

namespace s2lite::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

long VmRssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string XmlText(const std::string& body, const std::string& name) {
  auto a = body.find("<" + name + ">");
  if (a == std::string::npos) return "";
  a += name.size() + 2;
  auto b = body.find("</" + name + ">", a);
  return b == std::string::npos ? "" : body.substr(a, b - a);
}

struct Stats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> connections_done{0};
  std::atomic<long> peak_rss_kib{0};
  std::mutex mu;
  std::string first_error;
  void Error(std::string what) {
    if (errors++ == 0) {
      std::lock_guard lock(mu);
      first_error = std::move(what);
    }
  }
};

// One connection: cycles of initiate, two parts, list parts, complete, get
// until `budget` requests are spent.
asio::awaitable<void> Client(uint16_t port, TestClient& signer, int id, int budget, Stats& st) {
  auto ex = co_await asio::this_coro::executor;
  tcp::socket socket(ex);
  try {
    co_await socket.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port),
                                  asio::use_awaitable);
    beast::flat_buffer buffer;
    auto send = [&](HttpRequest req, int expect) -> asio::awaitable<std::string> {
      std::string bytes = signer.Serialize(std::move(req));
      co_await asio::async_write(socket, asio::buffer(bytes), asio::use_awaitable);
      http::response_parser<http::string_body> p;
      p.body_limit(1 << 20);
      co_await http::async_read(socket, buffer, p, asio::use_awaitable);
      ++st.requests;
      if (p.get().result_int() != static_cast<unsigned>(expect) || !p.get().keep_alive()) {
        st.Error("conn " + std::to_string(id) + ": status " + std::to_string(p.get().result_int()) +
                 ": " + p.get().body().substr(0, 300));
      }
      co_return p.release().body();
    };
    for (int cycle = 0; budget > 0; ++cycle) {
      std::string key = "load/c" + std::to_string(id) + "/o" + std::to_string(cycle);
      std::string part1(1024, static_cast<char>('a' + cycle % 26));
      std::string part2 = "tail-" + key;
      HttpRequest init;
      init.method = "POST";
      init.target = "/load-bucket/" + key + "?uploads=";
      std::string body = co_await send(init, 200);
      --budget;
      std::string upload = XmlText(body, "UploadId");
      if (upload.empty() || budget <= 0) continue;
      std::string etags[2];
      for (int n = 1; n <= 2 && budget > 0; ++n, --budget) {
        HttpRequest part;
        part.method = "PUT";
        part.target =
            "/load-bucket/" + key + "?partNumber=" + std::to_string(n) + "&uploadId=" + upload;
        part.body = n == 1 ? part1 : part2;
        co_await send(part, 200);
      }
      if (budget <= 0) break;
      HttpRequest list;
      list.target = "/load-bucket/" + key + "?uploadId=" + upload;
      body = co_await send(list, 200);
      --budget;
      std::vector<std::string> tags;
      for (size_t a = body.find("<ETag>"); a != std::string::npos; a = body.find("<ETag>", a + 1))
        tags.push_back(body.substr(a + 6, body.find("</ETag>", a) - a - 6));
      if (tags.size() != 2) st.Error("list parts: " + std::to_string(tags.size()) + " parts");
      if (budget <= 0 || tags.size() != 2) break;
      HttpRequest complete;
      complete.method = "POST";
      complete.target = "/load-bucket/" + key + "?uploadId=" + upload;
      complete.body = "<CompleteMultipartUpload>";
      for (int n = 1; n <= 2; ++n) {
        complete.body += "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" +
                         tags[n - 1] + "</ETag></Part>";
      }
      complete.body += "</CompleteMultipartUpload>";
      co_await send(complete, 200);
      if (--budget <= 0) break;
      HttpRequest get;
      get.target = "/load-bucket/" + key;
      body = co_await send(get, 200);
      --budget;
      if (body != part1 + part2) st.Error("get " + key + ": wrong bytes");
    }
  } catch (const std::exception& e) {
    st.Error("conn " + std::to_string(id) + ": " + e.what());
  }
  ++st.connections_done;
}

int Main(int argc, char** argv) {
  int connections = 1000, requests = 100000;
  long max_rss_mib = 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--connections"))
      connections = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--requests"))
      requests = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--max-rss-mib"))
      max_rss_mib = std::atol(argv[i + 1]);
  }
  // Both ends of every connection live in this process.
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rlim_t want = static_cast<rlim_t>(connections) * 2 + 256;
  if (rl.rlim_cur < want) {
    rl.rlim_cur = std::min(want, rl.rlim_max);
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < want) {
    std::fprintf(stderr, "fd limit %lu is below the %lu needed\n",
                 static_cast<unsigned long>(rl.rlim_cur), static_cast<unsigned long>(want));
    return 1;
  }

  TempDir dir;
  Options o;
  o.data_dir = dir.path();
  o.users = {Alice()};
  o.buckets = {"load-bucket"};
  o.min_part_size = 1;
  o.threads = 2;
  o.log_level = LogLevel::kWarn;
  o.max_connections = static_cast<uint32_t>(connections) + 16;
  Server server(o);
  if (Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "start: %s\n", s.message().c_str());
    return 1;
  }
  long rss_start = VmRssKiB();
  TestClient signer(server.port(), "AKIAALICE", "alice-secret");
  Stats st;
  asio::io_context ioc;
  int per = requests / connections, extra = requests % connections;
  for (int c = 0; c < connections; ++c)
    asio::co_spawn(ioc, Client(server.port(), signer, c, per + (c < extra ? 1 : 0), st),
                   asio::detached);
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    for (int tick = 1; !done; ++tick) {
      long rss = VmRssKiB();
      if (rss > st.peak_rss_kib) st.peak_rss_kib = rss;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (tick % 100 == 0) {
        std::printf("load: ... %llu requests, %llu connections finished, RSS %ld MiB\n",
                    static_cast<unsigned long long>(st.requests.load()),
                    static_cast<unsigned long long>(st.connections_done.load()), rss / 1024);
        std::fflush(stdout);
      }
    }
  });
  auto start = std::chrono::steady_clock::now();
  std::thread second([&] { ioc.run(); });
  ioc.run();
  second.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  done = true;
  sampler.join();
  long rss_end = VmRssKiB();
  server.Stop();

  std::printf("load: %d connections, %llu requests in %.1f s (%.0f req/s), %llu errors\n",
              connections, static_cast<unsigned long long>(st.requests.load()), secs,
              st.requests / secs, static_cast<unsigned long long>(st.errors.load()));
  std::printf("load: RSS (client + server) start %ld MiB, peak %ld MiB, end %ld MiB\n",
              rss_start / 1024, st.peak_rss_kib.load() / 1024, rss_end / 1024);
  if (st.errors) std::printf("load: first error: %s\n", st.first_error.c_str());
  bool ok = st.errors == 0 && st.requests == static_cast<uint64_t>(requests) &&
            st.peak_rss_kib / 1024 < max_rss_mib;
  std::printf("load: %s\n", ok ? "PASS" : "FAIL");
  std::fflush(stdout);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace s2lite::testing

int main(int argc, char** argv) { return s2lite::testing::Main(argc, argv); }
