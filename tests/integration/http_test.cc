// HTTP behaviour: keep-alive, pipelining, 100-continue, limits, unknown
// operations, shutdown.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "common/crypto.h"
#include "server_fixture.h"

namespace s2lite::testing {
namespace {

using HttpTest = ServerTest;

TEST_F(HttpTest, PipelinedRequestsAreAnsweredInOrder) {
  HttpRequest a;
  a.method = "POST";
  a.target = "/alice-bucket/first?uploads";
  HttpRequest b = a;
  b.target = "/alice-bucket/second?uploads";
  HttpRequest c;
  c.target = "/";
  std::string bytes = alice_->Serialize(a) + alice_->Serialize(b) + alice_->Serialize(c);
  auto responses = SendRaw(server_->port(), bytes, 3);
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_EQ(responses[0].Xml("Key"), "first");
  EXPECT_EQ(responses[1].Xml("Key"), "second");
  EXPECT_NE(responses[2].body.find("ListAllMyBucketsResult"), std::string::npos);
}

// Bodies read straight from the socket stop at Content-Length: the bytes of
// the next request, sent in the same segment, stay for it.
TEST_F(HttpTest, PipelinedBodiesEndAtTheirContentLength) {
  HttpRequest a;
  a.method = "PUT";
  a.target = "/alice-bucket/pipelined-a";
  a.body = "first body";
  HttpRequest b = a;
  b.target = "/alice-bucket/pipelined-b";
  b.body = std::string(300000, 'b');  // more than one read
  HttpRequest c;
  c.target = "/alice-bucket/pipelined-a";
  std::string bytes = alice_->Serialize(a) + alice_->Serialize(b) + alice_->Serialize(c);
  auto responses = SendRaw(server_->port(), bytes, 3);
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].Header("etag"), "\"" + common::HexEncode(common::Md5(a.body)) + "\"");
  EXPECT_EQ(responses[1].status, 200);
  EXPECT_EQ(responses[1].Header("etag"), "\"" + common::HexEncode(common::Md5(b.body)) + "\"");
  EXPECT_EQ(responses[2].status, 200);
  EXPECT_EQ(responses[2].body, "first body");
}

TEST_F(HttpTest, KeepAliveServesManyRequestsOnOneConnection) {
  for (int i = 0; i < 20; ++i) {
    HttpRequest r;
    r.method = "POST";
    r.target = "/alice-bucket/k?uploads";
    ASSERT_EQ(alice_->Send(r, true).status, 200);
  }
}

TEST_F(HttpTest, AnswersExpectContinueBeforeTheBody) {
  namespace asio = boost::asio;
  HttpRequest r;
  r.method = "PUT";
  r.target = "/continue-bucket";
  r.headers.emplace_back("Expect", "100-continue");
  r.body =
      "<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint>"
      "</CreateBucketConfiguration>";
  std::string bytes = alice_->Serialize(r);
  size_t header_end = bytes.find("\r\n\r\n") + 4;
  asio::io_context ioc;
  asio::ip::tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  asio::write(s, asio::buffer(bytes.data(), header_end));
  std::string got(512, '\0');
  got.resize(s.read_some(asio::buffer(got)));
  EXPECT_EQ(got, "HTTP/1.1 100 Continue\r\n\r\n");
  asio::write(s, asio::buffer(bytes.data() + header_end, bytes.size() - header_end));
  std::string answer(4096, '\0');
  answer.resize(s.read_some(asio::buffer(answer)));
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
}

TEST_F(HttpTest, UnimplementedOperationIs501AndWrongMethodIs405) {
  HttpRequest acl;
  acl.target = "/alice-bucket/k?acl";
  HttpResponse r = alice_->Send(acl);
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(r.Xml("Code"), "NotImplemented");
  HttpRequest patch;
  patch.method = "PATCH";
  patch.target = "/alice-bucket/k";
  r = alice_->Send(patch);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Xml("Code"), "MethodNotAllowed");
}

TEST_F(HttpTest, OversizedHeadersAreRefusedAndServerStaysUp) {
  HttpRequest r;
  r.target = "/";
  r.headers.emplace_back("x-filler", std::string(100 * 1024, 'x'));
  r.sign = Sign::kNone;
  HttpResponse resp = alice_->Send(r);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.Xml("Code"), "RequestHeaderSectionTooLarge");
  HttpRequest ok;
  ok.target = "/";
  EXPECT_EQ(alice_->Send(ok).status, 200);
}

TEST_F(HttpTest, GarbageIsAnsweredWith400) {
  auto responses = SendRaw(server_->port(), "NOT HTTP AT ALL\r\n\r\n", 1);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 400);
}

TEST_F(HttpTest, StopClosesIdleKeepAliveConnections) {
  HttpRequest r;
  r.target = "/";
  ASSERT_EQ(alice_->Send(r, true).status, 200);  // connection left open
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(HttpTest, ManyServersRunInOneProcess) {
  TempDir other_dir;
  Options o = MakeOptions();
  o.data_dir = other_dir.path();
  // On PostgreSQL, a database of its own too.
  const char* admin = ::getenv("S2LITE_TEST_REGISTRY");
  storage::testing::TempDatabase other_database(admin != nullptr ? admin : "");
  if (!o.registry.empty()) o.registry = other_database.conninfo();
  Server other(o);
  ASSERT_TRUE(other.Start().ok());
  EXPECT_NE(other.port(), server_->port());
  TestClient c(other.port(), "AKIAALICE", "alice-secret");
  HttpRequest r;
  r.method = "PUT";
  r.target = "/only-on-other";
  EXPECT_EQ(c.Send(r).status, 200);
  HttpRequest head;
  head.method = "HEAD";
  head.target = "/only-on-other";
  EXPECT_EQ(alice_->Send(head).status, 404);
}

}  // namespace
}  // namespace s2lite::testing
