// The embedding API: in-memory servers, inspection, reset, the GoogleTest
// fixture, health and metrics.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <regex>
#include <thread>

#include "s2lite/testing/gtest.h"
#include "test_client.h"

namespace s2lite::testing {
namespace {

class FixtureTest : public S3Test {
 protected:
  TestClient Client() { return TestClient(server().port(), access_key(), secret_key()); }
  HttpResponse Initiate(TestClient& c, const std::string& key,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest r;
    r.method = "POST";
    r.target = "/" + bucket() + "/" + key + "?uploads";
    r.headers = std::move(headers);
    return c.Send(r);
  }
};

TEST_F(FixtureTest, GivesARunningServerWithBucketAndCredentials) {
  TestClient c = Client();
  HttpResponse r = Initiate(c, "a.txt", {{"Content-Type", "text/plain"}, {"x-amz-meta-k", "v"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto uploads = server().ListUploads();
  ASSERT_TRUE(uploads.ok());
  ASSERT_EQ(uploads->size(), 1u);
  const UploadSnapshot& u = uploads->front();
  EXPECT_EQ(u.upload_id, r.Xml("UploadId"));
  EXPECT_EQ(u.bucket, "test-bucket");
  EXPECT_EQ(u.key, "a.txt");
  EXPECT_EQ(u.initiator, "tester");
  EXPECT_EQ(u.metadata.content_type, "text/plain");
  ASSERT_EQ(u.metadata.user.size(), 1u);
  EXPECT_EQ(u.metadata.user[0], (std::pair<std::string, std::string>{"k", "v"}));
}

TEST_F(FixtureTest, ResetEmptiesTheStoreAndKeepsConfiguredBuckets) {
  TestClient c = Client();
  ASSERT_EQ(Initiate(c, "x").status, 200);
  ASSERT_TRUE(server().CreateBucket("extra-bucket").ok());
  ASSERT_TRUE(server().Reset().ok());
  EXPECT_TRUE(server().ListUploads()->empty());
  EXPECT_TRUE(server().ListObjects("test-bucket").ok());
  EXPECT_EQ(server().ListObjects("extra-bucket").status().code(), ErrorCode::kNoSuchBucket);
  EXPECT_EQ(Initiate(c, "after-reset").status, 200);
}

TEST_F(FixtureTest, ReadObjectOfMissingKeyIsNoSuchKey) {
  EXPECT_EQ(server().ReadObject("test-bucket", "nope").status().code(), ErrorCode::kNoSuchKey);
  EXPECT_EQ(server().ReadObject("nope-bucket", "nope").status().code(), ErrorCode::kNoSuchBucket);
}

TEST(InMemoryTest, LeavesNoFilesBehind) {
  std::string dir = std::filesystem::temp_directory_path() / "s2lite-inmemory-must-not-exist";
  std::filesystem::remove_all(dir);
  {
    Options o = DefaultTestOptions();
    o.data_dir = dir;  // ignored in memory
    Server s(o);
    ASSERT_TRUE(s.Start().ok());
    TestClient c(s.port(), o.users[0].access_key, o.users[0].secret_key);
    HttpRequest r;
    r.method = "POST";
    r.target = "/test-bucket/k?uploads";
    EXPECT_EQ(c.Send(r).status, 200);
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(InMemoryTest, SeveralServersSideBySideAreIsolated) {
  std::vector<std::unique_ptr<Server>> servers;
  for (int i = 0; i < 4; ++i) {
    servers.push_back(std::make_unique<Server>(DefaultTestOptions()));
    ASSERT_TRUE(servers.back()->Start().ok());
  }
  Options o = DefaultTestOptions();
  TestClient c(servers[0]->port(), o.users[0].access_key, o.users[0].secret_key);
  HttpRequest r;
  r.method = "POST";
  r.target = "/test-bucket/only-on-0?uploads";
  ASSERT_EQ(c.Send(r).status, 200);
  EXPECT_EQ(servers[0]->ListUploads()->size(), 1u);
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(servers[i]->ListUploads()->empty());
}

TEST(InMemoryTest, StartReportsAPortInUse) {
  Server a(DefaultTestOptions());
  ASSERT_TRUE(a.Start().ok());
  Options o = DefaultTestOptions();
  o.listen_port = a.port();
  Server b(o);
  Status s = b.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot listen"), std::string::npos) << s.message();
}

// Stop() closes the listener while, on another worker thread, the accept
// loop may be arming its next accept for a connection that just arrived: the
// two must be serialized (TSan found a crash in CI before they were).
TEST(InMemoryTest, StopWhileClientsKeepConnecting) {
  for (int round = 0; round < 50; ++round) {
    Options o = DefaultTestOptions();
    o.threads = 4;
    Server s(o);
    ASSERT_TRUE(s.Start().ok());
    const uint16_t port = s.port();
    std::atomic<bool> done{false};
    std::atomic<int> connected{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 2; ++t) {
      clients.emplace_back([&] {
        boost::asio::io_context io;
        while (!done) {
          boost::asio::ip::tcp::socket sock(io);
          boost::system::error_code ec;
          sock.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
          if (!ec) ++connected;
        }
      });
    }
    while (connected < 20) std::this_thread::yield();
    s.Stop();
    done = true;
    for (auto& t : clients) t.join();
  }
}

class OperationalTest : public FixtureTest {};

TEST_F(OperationalTest, HealthEndpointsAnswerAnonymously) {
  TestClient c = Client();
  HttpRequest live;
  live.target = "/health/live";
  live.sign = Sign::kNone;
  EXPECT_EQ(c.Send(live).status, 200);
  HttpRequest ready = live;
  ready.target = "/_s2lite/health/ready";
  EXPECT_EQ(c.Send(ready).status, 200);
}

TEST_F(OperationalTest, MetricsParseAndCountRequests) {
  TestClient c = Client();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Initiate(c, "m").status, 200);
  HttpRequest m;
  m.target = "/metrics";
  m.sign = Sign::kNone;
  HttpResponse r = c.Send(m);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.Header("content-type").find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(
      r.body.find("s2lite_requests_total{operation=\"CreateMultipartUpload\",status=\"200\"} 3"),
      std::string::npos)
      << r.body;
  // Every non-comment line is `name{labels} value` (Prometheus text format).
  std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? [-+0-9.eE]+(Inf)?$)");
  size_t start = 0;
  while (start < r.body.size()) {
    size_t end = r.body.find('\n', start);
    std::string line = r.body.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
  }
  ASSERT_EQ(Initiate(c, "m").status, 200);
  EXPECT_NE(c.Send(m).body.find("operation=\"CreateMultipartUpload\",status=\"200\"} 4"),
            std::string::npos);
}

TEST_F(OperationalTest, SignedRequestsToHealthStillReachTheBucket) {
  TestClient c = Client();
  HttpRequest r;
  r.method = "PUT";
  r.target = "/health";
  EXPECT_EQ(c.Send(r).status, 200);  // CreateBucket "health", not the probe
}

}  // namespace
}  // namespace s2lite::testing
