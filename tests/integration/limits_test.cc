// Limits that stop abuse: every oversized or too-slow request gets S3's error
// or a clean close, never unbounded memory or a stuck connection; hostile keys
// are stored byte-exact or refused, and never become paths.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "raw_socket.h"
#include "server_fixture.h"

namespace s2lite::testing {
namespace {

using namespace std::chrono_literals;

std::string Request(const std::string& line, const std::string& extra_headers = "") {
  return line + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
}

int StatusOf(const std::string& response) {
  if (response.size() < 12 || response.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string CodeOf(const std::string& response) {
  auto a = response.find("<Code>");
  auto b = response.find("</Code>");
  return a == std::string::npos || b == std::string::npos ? "" : response.substr(a + 6, b - a - 6);
}

// PUT of `body` at /alice-bucket/<key>, signed with UNSIGNED-PAYLOAD (so it
// can be sent in pieces).
HttpRequest UnsignedPut(const std::string& key, std::string body) {
  HttpRequest req;
  req.method = "PUT";
  req.target = "/alice-bucket/" + key;
  req.body = std::move(body);
  req.unsigned_payload = true;
  return req;
}

HttpRequest Head(const std::string& key) {
  HttpRequest req;
  req.method = "HEAD";
  req.target = "/alice-bucket/" + key;
  return req;
}

// Short timeouts so the slow-client tests run in about a second.
class LimitsTest : public ServerTest {
 protected:
  Options MakeOptions() override {
    Options o = ServerTest::MakeOptions();
    o.read_timeout = 600ms;
    o.idle_timeout = 5s;
    o.max_xml_body = 16 * 1024;
    return o;
  }
};

TEST_F(LimitsTest, HeaderSectionOverTheLimitIsRefusedAndClosed) {
  RawSocket s(server_->port());
  ASSERT_TRUE(s.connected());
  s.Send(Request("GET /alice-bucket/k", "X-Big: " + std::string(70 * 1024, 'a') + "\r\n"));
  std::string got;
  EXPECT_TRUE(s.WaitClosed(5s, &got));
  EXPECT_EQ(StatusOf(got), 400);
  EXPECT_EQ(CodeOf(got), "RequestHeaderSectionTooLarge");
}

TEST_F(LimitsTest, RequestLineOverTheHeaderLimitIsRefused) {
  // Beast's header_limit counts the request line: a 70 KiB URL is refused
  // the same way, before anything is routed or allocated per request.
  RawSocket s(server_->port());
  s.Send(Request("GET /alice-bucket/" + std::string(70 * 1024, 'k')));
  std::string got;
  EXPECT_TRUE(s.WaitClosed(5s, &got));
  EXPECT_EQ(StatusOf(got), 400);
  EXPECT_EQ(CodeOf(got), "RequestHeaderSectionTooLarge");
}

TEST_F(LimitsTest, TooManyHeaderFieldsAreRefusedAndClosed) {
  std::string many;
  for (int i = 0; i < 150; ++i) many += "x-f" + std::to_string(i) + ": v\r\n";
  RawSocket s(server_->port());
  s.Send(Request("GET /alice-bucket/k", many));
  std::string got;
  EXPECT_TRUE(s.WaitClosed(5s, &got));
  EXPECT_EQ(StatusOf(got), 400);
  EXPECT_EQ(CodeOf(got), "RequestHeaderSectionTooLarge");

  // Under the cap, a signed request with many (signed) headers is served.
  HttpRequest ok;
  ok.method = "PUT";
  ok.target = "/alice-bucket/many-headers";
  ok.body = "x";
  for (int i = 0; i < 80; ++i) ok.headers.emplace_back("x-amz-meta-m" + std::to_string(i), "v");
  EXPECT_EQ(alice_->Send(ok).status, 200);
}

TEST_F(LimitsTest, XmlBodyOverTheLimitIsMaxMessageLengthExceeded) {
  std::string xml = "<Delete>";
  while (xml.size() < 20 * 1024) xml += "<Object><Key>some/key/name</Key></Object>";
  xml += "</Delete>";
  HttpRequest req;
  req.method = "POST";
  req.target = "/alice-bucket?delete=";
  req.body = xml;
  HttpResponse r = alice_->Send(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "MaxMessageLengthExceeded");
  // Streamed without Content-Length, the limit holds while reading.
  req.headers.emplace_back("Transfer-Encoding", "chunked");
  char size[16];
  std::snprintf(size, sizeof size, "%zx", xml.size());
  req.body = std::string(size) + "\r\n" + xml + "\r\n0\r\n\r\n";
  req.unsigned_payload = true;
  r = alice_->Send(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "MaxMessageLengthExceeded");
}

TEST_F(ServerTest, CompleteWithMoreThanTenThousandPartsIsMalformedXml) {
  HttpRequest init;
  init.method = "POST";
  init.target = "/alice-bucket/many-parts?uploads=";
  HttpResponse ir = alice_->Send(init);
  ASSERT_EQ(ir.status, 200);
  std::string id = ir.Xml("UploadId");
  std::string xml = "<CompleteMultipartUpload>";
  for (int i = 1; i <= 10001; ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i) +
           "</PartNumber><ETag>\"d41d8cd98f00b204e9800998ecf8427e\"</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  HttpRequest complete;
  complete.method = "POST";
  complete.target = "/alice-bucket/many-parts?uploadId=" + id;
  complete.body = xml;
  HttpResponse r = alice_->Send(complete);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "MalformedXML");
  // The upload is untouched.
  HttpRequest list;
  list.target = "/alice-bucket/many-parts?uploadId=" + id;
  EXPECT_EQ(alice_->Send(list).status, 200);
}

TEST_F(LimitsTest, SlowlorisHeadersAreCutAtTheReadTimeoutThoughBytesKeepComing) {
  RawSocket s(server_->port());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(s.Send("GET /alice-bucket/k HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  bool closed = false;
  // One header byte every 50 ms: the idle timeout (5 s) would never fire.
  for (int i = 0; i < 200 && !closed; ++i) {
    if (!s.Send("x")) closed = true;
    std::string got;
    if (s.ReadFor(50ms, got)) closed = true;
  }
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_LT(took, 3s) << "header deadline is not absolute";
  EXPECT_GE(took, 500ms);
}

TEST_F(LimitsTest, IdleKeepAliveConnectionWaitsIdleTimeoutNotReadTimeout) {
  HttpRequest req;
  req.target = "/alice-bucket?list-type=2";
  ASSERT_EQ(alice_->Send(req, true).status, 200);
  std::this_thread::sleep_for(1200ms);  // twice the read timeout, well under idle
  EXPECT_EQ(alice_->Send(req, true).status, 200);
}

TEST_F(LimitsTest, StalledBodyIsRequestTimeoutAndClosed) {
  HttpRequest req = UnsignedPut("stalled", std::string(1000, 'b'));
  std::string bytes = alice_->Serialize(req);
  RawSocket s(server_->port());
  ASSERT_TRUE(s.Send(std::string_view(bytes).substr(0, bytes.size() - 900)));
  std::string got;
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(s.WaitClosed(5s, &got));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  // S3's answer, then the connection closes (the rest of the body would be
  // taken for the next request).
  EXPECT_EQ(StatusOf(got), 400) << got;
  EXPECT_EQ(CodeOf(got), "RequestTimeout") << got;
  EXPECT_NE(got.find("<Message>Your socket connection to the server was not read from or written "
                     "to within the timeout period. Idle connections will be closed.</Message>"),
            std::string::npos)
      << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
  EXPECT_EQ(alice_->Send(Head("stalled")).status, 404);
}

// Its own read timeout, with a wide margin over the send interval, so a loaded
// (or sanitized) machine does not turn scheduling delays into stalls.
class SlowBodyTest : public ServerTest {
 protected:
  Options MakeOptions() override {
    Options o = ServerTest::MakeOptions();
    o.read_timeout = 1500ms;
    return o;
  }
};

TEST_F(SlowBodyTest, SlowButSteadyBodyIsNotAStall) {
  // 3 s in all (twice the read timeout), but never 1.5 s without a byte.
  HttpRequest req = UnsignedPut("trickled", std::string(1200, 't'));
  std::string bytes = alice_->Serialize(req);
  RawSocket s(server_->port());
  size_t head = bytes.size() - req.body.size();
  ASSERT_TRUE(s.Send(std::string_view(bytes).substr(0, head)));
  for (size_t off = head; off < bytes.size(); off += 100) {
    std::this_thread::sleep_for(250ms);
    ASSERT_TRUE(s.Send(std::string_view(bytes).substr(off, 100)));
  }
  std::string got = s.ReadResponse(5s);
  EXPECT_EQ(StatusOf(got), 200) << got;
  HttpRequest get;
  get.target = "/alice-bucket/trickled";
  EXPECT_EQ(alice_->Send(get).body, req.body);
}

TEST_F(LimitsTest, ReaderThatStopsReadingIsCutOffAfterTheReadTimeout) {
  // Bigger than what loopback socket buffers absorb, so the send blocks.
  HttpRequest put = UnsignedPut("big", std::string(48 << 20, 'g'));
  ASSERT_EQ(alice_->Send(put).status, 200);
  HttpRequest get;
  get.target = "/alice-bucket/big";
  RawSocket s(server_->port());
  ASSERT_TRUE(s.Send(alice_->Serialize(get)));
  std::this_thread::sleep_for(2s);  // reads nothing: over three read timeouts
  std::string got;
  EXPECT_TRUE(s.WaitClosed(5s, &got)) << "a stalled reader kept the connection";
  EXPECT_EQ(StatusOf(got), 200);
  EXPECT_LT(got.size(), put.body.size());
  // The server goes on serving.
  EXPECT_EQ(alice_->Send(Head("big")).status, 200);
}

class IdleTimeoutTest : public ServerTest {
 protected:
  Options MakeOptions() override {
    Options o = ServerTest::MakeOptions();
    o.idle_timeout = 300ms;
    return o;
  }
};

TEST_F(IdleTimeoutTest, SilentConnectionIsClosedAfterIdleTimeout) {
  RawSocket s(server_->port());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(s.WaitClosed(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

class MaxConnectionsTest : public ServerTest {
 protected:
  Options MakeOptions() override {
    Options o = ServerTest::MakeOptions();
    o.max_connections = 4;
    return o;
  }
};

TEST_F(MaxConnectionsTest, ConnectionsOverTheCapAreClosedAtOnce) {
  const std::string health = Request("GET /_s2lite/health/live");
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawSocket>(server_->port()));
    ASSERT_TRUE(held.back()->Send(health));
    EXPECT_EQ(StatusOf(held.back()->ReadResponse(5s)), 200) << i;
  }
  for (int i = 0; i < 3; ++i) {
    RawSocket extra(server_->port());
    std::string got;
    extra.Send(health);
    EXPECT_TRUE(extra.WaitClosed(5s, &got));
    EXPECT_EQ(got, "") << "served over the cap";
  }
  // The held connections still work; freeing one admits a new one.
  ASSERT_TRUE(held[0]->Send(health));
  EXPECT_EQ(StatusOf(held[0]->ReadResponse(5s)), 200);
  held.pop_back();
  bool admitted = false;
  for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
    RawSocket again(server_->port());
    again.Send(health);
    admitted = StatusOf(again.ReadResponse(2s)) == 200;
    if (!admitted) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(admitted);
}

// Keys that look like paths or are odd bytes are S3 keys, stored and returned
// byte-exact; never files.
TEST_F(ServerTest, HostileKeysAreStoredByteExactAndNeverBecomePaths) {
  std::mt19937_64 rng(std::random_device{}());
  std::string marker = "s2lite-escape-" + std::to_string(rng());
  struct KeyCase {
    std::string wire;     // %-encoded, as sent
    std::string decoded;  // the key S3 stores
  };
  std::vector<KeyCase> keys = {
      {"..", ".."},
      {"../../../../../../tmp/" + marker, "../../../../../../tmp/" + marker},
      {"a/../../" + marker, "a/../../" + marker},
      {"%2E%2E%2F%2E%2E%2F" + marker, "../../" + marker},
      {"//a///b////", "//a///b////"},
      {"a%00b" + marker, std::string("a\0b", 3) + marker},
      {"%F0%9F%98%80/%C3%A9", "\xF0\x9F\x98\x80/\xC3\xA9"},
      {std::string(1024, 'k'), std::string(1024, 'k')},
  };
  for (const auto& k : keys) {
    SCOPED_TRACE(k.wire.substr(0, 60));
    std::string body = "body of " + k.wire;
    HttpRequest put;
    put.method = "PUT";
    put.target = "/alice-bucket/" + k.wire;
    put.body = body;
    ASSERT_EQ(alice_->Send(put).status, 200);
    HttpRequest get;
    get.target = "/alice-bucket/" + k.wire;
    HttpResponse g = alice_->Send(get);
    EXPECT_EQ(g.status, 200);
    EXPECT_EQ(g.body, body);
    auto stored = server_->ReadObject("alice-bucket", k.decoded);
    ASSERT_TRUE(stored.ok()) << stored.status().message();
    EXPECT_EQ(*stored, body);
  }
  // Every key is listed exactly as stored (url-encoded listing: NUL is not XML).
  auto objects = server_->ListObjects("alice-bucket");
  ASSERT_TRUE(objects.ok());
  EXPECT_EQ(objects->size(), keys.size());

  // Refused with S3's errors: not UTF-8, over 1024 bytes.
  for (auto [wire, code] : std::vector<std::pair<std::string, std::string>>{
           {"bad%FF%FE", "InvalidURI"},
           {"bad%C0%AF", "InvalidURI"},
           {std::string(1025, 'k'), "KeyTooLongError"}}) {
    HttpRequest put;
    put.method = "PUT";
    put.target = "/alice-bucket/" + wire;
    put.body = "x";
    HttpResponse r = alice_->Send(put);
    EXPECT_EQ(r.status, 400) << wire.substr(0, 20);
    EXPECT_EQ(r.Xml("Code"), code);
  }

  // Nothing escaped the data dir, and no file is named after a key.
  EXPECT_FALSE(std::filesystem::exists("/tmp/" + marker));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(dir_.path()).parent_path() / marker));
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    std::string name = entry.path().filename().string();
    EXPECT_EQ(name.find(marker), std::string::npos) << entry.path();
    EXPECT_EQ(name.find("kkkkkkkk"), std::string::npos) << entry.path();
    EXPECT_NE(name, "..");
  }
}

}  // namespace
}  // namespace s2lite::testing
