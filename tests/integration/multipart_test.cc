// The multipart lifecycle over real sockets: UploadPart, UploadPartCopy,
// CompleteMultipartUpload, AbortMultipartUpload, ListParts and
// ListMultipartUploads, their S3 errors, concurrency, and the stale-upload
// reaper.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <map>
#include <thread>

#include "auth/checksum.h"
#include "common/crypto.h"
#include "raw_socket.h"
#include "server_fixture.h"

namespace s2lite::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr uint64_t kMinPart = 1024;

std::string Md5Hex(std::string_view data) { return common::HexEncode(common::Md5(data)); }

// S3's multipart ETag, computed here from the parts' bytes: the MD5 of the
// concatenated binary MD5s, then "-N".
std::string MultipartEtag(const std::vector<std::string>& parts) {
  std::string digests;
  for (const std::string& p : parts) {
    common::Md5Digest d = common::Md5(p);
    digests.append(reinterpret_cast<const char*>(d.data()), d.size());
  }
  return "\"" + Md5Hex(digests) + "-" + std::to_string(parts.size()) + "\"";
}

std::string Bytes(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + static_cast<char>(i % 23));
  return s;
}

// Every <name>...</name> text in document order.
std::vector<std::string> XmlAll(const std::string& body, const std::string& name) {
  std::vector<std::string> out;
  std::string open = "<" + name + ">", close = "</" + name + ">";
  for (size_t at = body.find(open); at != std::string::npos; at = body.find(open, at)) {
    at += open.size();
    size_t end = body.find(close, at);
    if (end == std::string::npos) break;
    out.push_back(body.substr(at, end - at));
  }
  return out;
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

class MultipartTest : public ServerTest {
 protected:
  Options MakeOptions() override {
    Options o = ServerTest::MakeOptions();
    o.min_part_size = kMinPart;
    return o;
  }

  HttpResponse Send(const std::string& method, const std::string& target, std::string body = "",
                    Headers headers = {}, TestClient* client = nullptr) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return (client ? client : alice_.get())->Send(r);
  }

  static std::string Target(const std::string& key, const std::string& query) {
    return "/alice-bucket/" + key + "?" + query;
  }

  std::string Initiate(const std::string& key, Headers headers = {}) {
    HttpResponse r = Send("POST", Target(key, "uploads"), "", std::move(headers));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Xml("UploadId");
  }

  HttpResponse PutPart(const std::string& key, const std::string& id, const std::string& number,
                       std::string body, Headers headers = {}, TestClient* client = nullptr) {
    return Send("PUT", Target(key, "partNumber=" + number + "&uploadId=" + id), std::move(body),
                std::move(headers), client);
  }

  // Uploads `parts` as parts 1..N; returns their ETags (quoted).
  std::vector<std::string> PutParts(const std::string& key, const std::string& id,
                                    const std::vector<std::string>& parts) {
    std::vector<std::string> etags;
    for (size_t i = 0; i < parts.size(); ++i) {
      HttpResponse r = PutPart(key, id, std::to_string(i + 1), parts[i]);
      EXPECT_EQ(r.status, 200) << r.body;
      etags.push_back(r.Header("etag"));
    }
    return etags;
  }

  static std::string CompleteBody(const std::vector<std::pair<int, std::string>>& parts,
                                  const std::string& extra = "") {
    std::string xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
    for (const auto& [n, etag] : parts) {
      xml += "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" + etag + "</ETag>" +
             extra + "</Part>";
    }
    return xml + "</CompleteMultipartUpload>";
  }

  static std::vector<std::pair<int, std::string>> Numbered(const std::vector<std::string>& etags) {
    std::vector<std::pair<int, std::string>> out;
    for (size_t i = 0; i < etags.size(); ++i) out.emplace_back(static_cast<int>(i + 1), etags[i]);
    return out;
  }

  HttpResponse Complete(const std::string& key, const std::string& id, std::string body,
                        Headers headers = {}) {
    return Send("POST", Target(key, "uploadId=" + id), std::move(body), std::move(headers));
  }

  std::string ReadObject(const std::string& key) {
    auto bytes = server_->ReadObject("alice-bucket", key);
    EXPECT_TRUE(bytes.ok()) << bytes.status().message();
    return bytes.ok() ? *bytes : std::string();
  }

  size_t PendingUploads() {
    auto uploads = server_->ListUploads("alice-bucket");
    EXPECT_TRUE(uploads.ok());
    return uploads.ok() ? uploads->size() : 0;
  }

  void ExpectError(const HttpResponse& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Xml("Code"), code) << r.body;
  }
};

// --- lifecycle

TEST_F(MultipartTest, FullLifecycleBuildsTheObjectWithS3sEtag) {
  std::string id = Initiate("dir/movie.bin", {{"Content-Type", "video/mp4"}});
  std::vector<std::string> parts = {Bytes(kMinPart, 'a'), Bytes(kMinPart + 7, 'b'),
                                    Bytes(100, 'c')};
  std::vector<std::string> etags = PutParts("dir/movie.bin", id, parts);
  for (size_t i = 0; i < parts.size(); ++i) EXPECT_EQ(etags[i], "\"" + Md5Hex(parts[i]) + "\"");

  HttpResponse list = Send("GET", Target("dir/movie.bin", "uploadId=" + id));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find("<ListPartsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"),
            std::string::npos);
  EXPECT_EQ(XmlAll(list.body, "PartNumber"), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(XmlAll(list.body, "Size"), (std::vector<std::string>{"1024", "1031", "100"}));
  EXPECT_EQ(XmlAll(list.body, "ETag")[1], "&quot;" + Md5Hex(parts[1]) + "&quot;");

  HttpResponse done = Complete("dir/movie.bin", id, CompleteBody(Numbered(etags)));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Header("content-type"), "application/xml");
  EXPECT_NE(done.body.find("<CompleteMultipartUploadResult xmlns="), std::string::npos);
  EXPECT_EQ(done.Xml("Location"),
            "http://127.0.0.1:" + std::to_string(server_->port()) + "/alice-bucket/dir/movie.bin");
  EXPECT_EQ(done.Xml("Bucket"), "alice-bucket");
  EXPECT_EQ(done.Xml("Key"), "dir/movie.bin");
  std::string etag = MultipartEtag(parts);
  EXPECT_EQ(done.Xml("ETag"), "&quot;" + Unquote(etag) + "&quot;");

  EXPECT_EQ(ReadObject("dir/movie.bin"), parts[0] + parts[1] + parts[2]);
  auto objects = server_->ListObjects("alice-bucket");
  ASSERT_TRUE(objects.ok());
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ((*objects)[0].etag, etag);
  EXPECT_EQ((*objects)[0].size, parts[0].size() + parts[1].size() + parts[2].size());
  EXPECT_EQ((*objects)[0].parts_count, 3);
  EXPECT_EQ((*objects)[0].metadata.content_type, "video/mp4");
  EXPECT_EQ(PendingUploads(), 0u);
  ExpectError(Send("GET", Target("dir/movie.bin", "uploadId=" + id)), 404, "NoSuchUpload");
}

TEST_F(MultipartTest, SinglePartUploadMayBeSmallerThanTheMinimum) {
  std::string id = Initiate("tiny");
  std::vector<std::string> etags = PutParts("tiny", id, {"x"});
  HttpResponse done = Complete("tiny", id, CompleteBody(Numbered(etags)));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(ReadObject("tiny"), "x");
}

TEST_F(MultipartTest, VirtualHostedCompleteReportsVirtualHostedLocation) {
  std::string id = Initiate("a%20b.txt");
  std::vector<std::string> etags = PutParts("a%20b.txt", id, {"hello"});
  HttpRequest r;
  r.method = "POST";
  r.target = "/a%20b.txt?uploadId=" + id;
  r.host = "alice-bucket.localhost:" + std::to_string(server_->port());
  r.body = CompleteBody(Numbered(etags));
  HttpResponse done = alice_->Send(r);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Xml("Location"), "http://" + r.host + "/a%20b.txt");
  EXPECT_EQ(done.Xml("Key"), "a b.txt");
}

TEST_F(MultipartTest, SamePartNumberAgainReplacesThePart) {
  std::string id = Initiate("k");
  HttpResponse first = PutPart("k", id, "1", Bytes(kMinPart, 'a'));
  HttpResponse second = PutPart("k", id, "1", Bytes(kMinPart, 'z'));
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  ASSERT_NE(first.Header("etag"), second.Header("etag"));
  HttpResponse list = Send("GET", Target("k", "uploadId=" + id));
  EXPECT_EQ(XmlAll(list.body, "PartNumber").size(), 1u);
  EXPECT_EQ(list.Xml("ETag"), "&quot;" + Unquote(second.Header("etag")) + "&quot;");

  ExpectError(Complete("k", id, CompleteBody({{1, first.Header("etag")}})), 400, "InvalidPart");
  HttpResponse done = Complete("k", id, CompleteBody({{1, second.Header("etag")}}));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(ReadObject("k"), Bytes(kMinPart, 'z'));
}

TEST_F(MultipartTest, RetriedCompleteGetsTheSameAnswer) {
  std::string id = Initiate("k");
  std::vector<std::string> etags = PutParts("k", id, {Bytes(kMinPart, 'a'), "tail"});
  std::string body = CompleteBody(Numbered(etags));
  HttpResponse first = Complete("k", id, body);
  ASSERT_EQ(first.status, 200) << first.body;
  HttpResponse again = Complete("k", id, body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.Xml("ETag"), first.Xml("ETag"));
  EXPECT_EQ(again.Xml("Location"), first.Xml("Location"));
  // Another part list is not a retry.
  ExpectError(Complete("k", id, CompleteBody({{1, etags[0]}})), 404, "NoSuchUpload");
  // Nor is the same upload id addressed at another key.
  ExpectError(Complete("other", id, body), 404, "NoSuchUpload");
}

TEST_F(MultipartTest, CompleteAcceptsQuotEntitiesAndBareEtags) {
  std::string id = Initiate("k");
  std::vector<std::string> etags = PutParts("k", id, {Bytes(kMinPart, 'a'), "tail"});
  std::string body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;" +
                     Unquote(etags[0]) +
                     "&quot;</ETag></Part><Part><PartNumber>2</PartNumber>"
                     "<ETag>" +
                     Unquote(etags[1]) + "</ETag></Part></CompleteMultipartUpload>";
  HttpResponse done = Complete("k", id, body);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(ReadObject("k"), Bytes(kMinPart, 'a') + "tail");
}

TEST_F(MultipartTest, AbortRemovesTheUploadAndItsParts) {
  std::string id = Initiate("k");
  PutParts("k", id, {Bytes(kMinPart, 'a')});
  HttpResponse r = Send("DELETE", Target("k", "uploadId=" + id));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(PendingUploads(), 0u);
  ExpectError(Send("DELETE", Target("k", "uploadId=" + id)), 404, "NoSuchUpload");
  ExpectError(PutPart("k", id, "2", "late"), 404, "NoSuchUpload");
}

TEST_F(MultipartTest, ServerSideEncryptionIsEchoed) {
  std::string id = Initiate("k", {{"x-amz-server-side-encryption", "AES256"}});
  HttpResponse part = PutPart("k", id, "1", "data");
  ASSERT_EQ(part.status, 200);
  EXPECT_EQ(part.Header("x-amz-server-side-encryption"), "AES256");
  HttpResponse done = Complete("k", id, CompleteBody({{1, part.Header("etag")}}));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Header("x-amz-server-side-encryption"), "AES256");
}

// --- errors

TEST_F(MultipartTest, PartNumbersOutsideOneToTenThousandAreInvalidArguments) {
  std::string id = Initiate("k");
  for (std::string n : {"0", "10001", "abc", "-1", "1.5", ""}) {
    SCOPED_TRACE(n);
    HttpResponse r = PutPart("k", id, n, "data");
    ExpectError(r, 400, "InvalidArgument");
    EXPECT_EQ(r.Xml("Message"), "Part number must be an integer between 1 and 10000, inclusive");
    EXPECT_EQ(r.Xml("ArgumentName"), "partNumber");
    EXPECT_EQ(r.Xml("ArgumentValue"), n);
  }
  EXPECT_EQ(PutPart("k", id, "10000", "data").status, 200);
}

TEST_F(MultipartTest, UnknownOrForeignUploadIdsAreNoSuchUpload) {
  std::string id = Initiate("mine");
  const std::vector<std::pair<std::string, std::string>> addressed = {{"mine", "bogus-id"},
                                                                      {"other-key", id}};
  for (const auto& [key, upload] : addressed) {
    SCOPED_TRACE(key + " " + upload);
    HttpResponse r = PutPart(key, upload, "1", "data");
    ExpectError(r, 404, "NoSuchUpload");
    EXPECT_EQ(r.Xml("UploadId"), upload);
    ExpectError(Send("GET", Target(key, "uploadId=" + upload)), 404, "NoSuchUpload");
    ExpectError(Send("DELETE", Target(key, "uploadId=" + upload)), 404, "NoSuchUpload");
    ExpectError(Complete(key, upload, CompleteBody({{1, "\"00\""}})), 404, "NoSuchUpload");
  }
  EXPECT_EQ(PendingUploads(), 1u);
  // Another user's bucket is refused before the upload is looked at.
  ExpectError(PutPart("mine", id, "1", "data", {}, bob_.get()), 403, "AccessDenied");
}

TEST_F(MultipartTest, PartWithoutContentLengthIsRefused) {
  std::string id = Initiate("k");
  HttpRequest r;
  r.method = "PUT";
  r.target = Target("k", "partNumber=1&uploadId=" + id);
  r.headers.emplace_back("x-filler", "1");
  std::string bytes = alice_->Serialize(r);
  size_t at = bytes.find("Content-Length: 0\r\n");
  ASSERT_NE(at, std::string::npos);
  bytes.erase(at, std::string("Content-Length: 0\r\n").size());
  auto responses = SendRaw(server_->port(), bytes, 1);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 411) << responses[0].body;
  EXPECT_EQ(responses[0].Xml("Code"), "MissingContentLength");
}

TEST_F(MultipartTest, ContentMd5AndChecksumsAreVerified) {
  std::string id = Initiate("k");
  std::string data = "the part";
  auto md5_of = [](std::string_view s) {
    common::Md5Digest d = common::Md5(s);
    return common::Base64Encode(std::string_view(reinterpret_cast<const char*>(d.data()), 16));
  };
  ExpectError(PutPart("k", id, "1", data, {{"Content-MD5", md5_of("other")}}), 400, "BadDigest");
  ExpectError(PutPart("k", id, "1", data, {{"Content-MD5", "not-base64!"}}), 400, "InvalidDigest");
  ExpectError(PutPart("k", id, "1", data,
                      {{"x-amz-checksum-crc32",
                        auth::ChecksumBase64(auth::ChecksumAlgorithm::kCrc32, "other")}}),
              400, "BadDigest");
  HttpResponse ok = PutPart("k", id, "1", data, {{"Content-MD5", md5_of(data)}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  HttpResponse list = Send("GET", Target("k", "uploadId=" + id));
  EXPECT_EQ(XmlAll(list.body, "Part").size(), 1u) << "refused parts are not recorded";
}

TEST_F(MultipartTest, CompleteRefusesBadPartListsAndKeepsTheUpload) {
  std::string id = Initiate("k");
  std::vector<std::string> etags =
      PutParts("k", id, {"small", Bytes(kMinPart, 'b'), Bytes(kMinPart, 'c')});
  struct Case {
    std::string name, body, code;
  };
  std::vector<Case> cases = {
      {"wrong etag", CompleteBody({{1, "\"" + Md5Hex("nope") + "\""}}), "InvalidPart"},
      {"missing part", CompleteBody({{2, etags[1]}, {4, etags[2]}}), "InvalidPart"},
      {"descending", CompleteBody({{3, etags[2]}, {2, etags[1]}}), "InvalidPartOrder"},
      {"duplicate", CompleteBody({{2, etags[1]}, {2, etags[1]}}), "InvalidPartOrder"},
      {"too small", CompleteBody(Numbered(etags)), "EntityTooSmall"},
      {"not xml", "this is not xml", "MalformedXML"},
      {"wrong root", "<Complete><Part><PartNumber>1</PartNumber></Part></Complete>",
       "MalformedXML"},
      {"no etag",
       "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>"
       "</CompleteMultipartUpload>",
       "MalformedXML"},
      {"empty list", "<CompleteMultipartUpload></CompleteMultipartUpload>", "InvalidRequest"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExpectError(Complete("k", id, c.body), 400, c.code);
  }
  HttpResponse r = Complete("k", id, CompleteBody({{1, "\"" + Md5Hex("nope") + "\""}}));
  EXPECT_EQ(r.Xml("UploadId"), id);
  EXPECT_EQ(r.Xml("PartNumber"), "1");
  EXPECT_EQ(PendingUploads(), 1u);
  HttpResponse done = Complete("k", id, CompleteBody({{2, etags[1]}, {3, etags[2]}}));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(ReadObject("k"), Bytes(kMinPart, 'b') + Bytes(kMinPart, 'c'));
}

// --- Expect: 100-continue

class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : socket_(ioc_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }
  void Write(std::string_view bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
  std::string ReadSome() {
    std::string got(8192, '\0');
    got.resize(socket_.read_some(boost::asio::buffer(got)));
    return got;
  }
  // One whole response (headers and a Content-Length body), however it is segmented.
  std::string ReadResponse() {
    std::string got;
    for (;;) {
      size_t end = got.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t at = got.find("Content-Length: ");
        size_t length = at < end ? std::stoul(got.substr(at + 16)) : 0;
        if (got.size() >= end + 4 + length) return got;
      }
      got += ReadSome();
    }
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
};

TEST_F(MultipartTest, ExpectContinueIsAnsweredBeforeThePartIsSent) {
  std::string id = Initiate("k");
  HttpRequest r;
  r.method = "PUT";
  r.target = Target("k", "partNumber=1&uploadId=" + id);
  r.headers.emplace_back("Expect", "100-continue");
  r.body = Bytes(5000, 'e');
  std::string bytes = alice_->Serialize(r);
  size_t header_end = bytes.find("\r\n\r\n") + 4;
  RawConnection c(server_->port());
  c.Write(std::string_view(bytes).substr(0, header_end));
  EXPECT_EQ(c.ReadSome(), "HTTP/1.1 100 Continue\r\n\r\n");
  c.Write(std::string_view(bytes).substr(header_end));
  std::string answer = c.ReadResponse();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find(Md5Hex(r.body)), std::string::npos) << answer;
}

TEST_F(MultipartTest, ExpectContinueForAnUnknownUploadIsRefusedWithoutTheBody) {
  HttpRequest r;
  r.method = "PUT";
  r.target = Target("k", "partNumber=1&uploadId=nope");
  r.headers.emplace_back("Expect", "100-continue");
  r.body = Bytes(5000, 'e');
  std::string bytes = alice_->Serialize(r);
  RawConnection c(server_->port());
  c.Write(std::string_view(bytes).substr(0, bytes.find("\r\n\r\n") + 4));
  std::string answer = c.ReadResponse();
  EXPECT_EQ(answer.rfind("HTTP/1.1 404", 0), 0u) << answer;
  EXPECT_NE(answer.find("<Code>NoSuchUpload</Code>"), std::string::npos) << answer;
}

// --- concurrency

TEST_F(MultipartTest, PartsUploadedFromEightConnectionsAtOnceAllLand) {
  std::string id = Initiate("big");
  constexpr int kThreads = 8, kPerThread = 4;
  std::vector<std::string> parts(kThreads * kPerThread);
  for (size_t i = 0; i < parts.size(); ++i)
    parts[i] = Bytes(kMinPart + i, static_cast<char>('A' + i));
  std::vector<std::string> etags(parts.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestClient c(server_->port(), "AKIAALICE", "alice-secret");
      for (int i = t; i < kThreads * kPerThread; i += kThreads) {
        HttpResponse r = PutPart("big", id, std::to_string(i + 1), parts[i], {}, &c);
        if (r.status == 200) etags[i] = r.Header("etag");
      }
    });
  }
  for (auto& th : threads) th.join();
  for (size_t i = 0; i < parts.size(); ++i)
    EXPECT_EQ(etags[i], "\"" + Md5Hex(parts[i]) + "\"") << "part " << i + 1;
  HttpResponse list = Send("GET", Target("big", "uploadId=" + id));
  EXPECT_EQ(XmlAll(list.body, "Part").size(), parts.size());
  HttpResponse done = Complete("big", id, CompleteBody(Numbered(etags)));
  ASSERT_EQ(done.status, 200) << done.body;
  std::string all;
  for (const std::string& p : parts) all += p;
  EXPECT_EQ(ReadObject("big"), all);
  EXPECT_EQ(done.Xml("ETag"), "&quot;" + Unquote(MultipartEtag(parts)) + "&quot;");
}

TEST_F(MultipartTest, CompleteRacingAbortHasExactlyOneWinner) {
  int completes = 0, aborts = 0;
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE(round);
    std::string key = "race-" + std::to_string(round);
    std::string id = Initiate(key);
    std::vector<std::string> parts = {Bytes(kMinPart, 'r'), "end"};
    std::string body = CompleteBody(Numbered(PutParts(key, id, parts)));
    HttpResponse complete, abort;
    std::barrier start(2);
    std::thread a([&] {
      TestClient c(server_->port(), "AKIAALICE", "alice-secret");
      start.arrive_and_wait();
      complete = Send("POST", Target(key, "uploadId=" + id), body, {}, &c);
    });
    std::thread b([&] {
      TestClient c(server_->port(), "AKIAALICE", "alice-secret");
      start.arrive_and_wait();
      abort = Send("DELETE", Target(key, "uploadId=" + id), "", {}, &c);
    });
    a.join();
    b.join();
    bool completed = complete.status == 200;
    bool aborted = abort.status == 204;
    ASSERT_NE(completed, aborted) << complete.body << abort.body;
    if (completed) {
      ++completes;
      ExpectError(abort, 404, "NoSuchUpload");
      EXPECT_EQ(ReadObject(key), parts[0] + parts[1]);
    } else {
      ++aborts;
      ExpectError(complete, 404, "NoSuchUpload");
      EXPECT_EQ(server_->ReadObject("alice-bucket", key).status().code(), ErrorCode::kNoSuchKey);
    }
    EXPECT_EQ(PendingUploads(), 0u);
  }
  RecordProperty("completes", completes);
  RecordProperty("aborts", aborts);
}

// --- ListParts

TEST_F(MultipartTest, ListPartsPagesWithMarkers) {
  std::string id = Initiate("k", {{"x-amz-storage-class", "STANDARD_IA"}});
  HttpResponse empty = Send("GET", Target("k", "uploadId=" + id));
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.Xml("NextPartNumberMarker"), "0");
  EXPECT_EQ(empty.Xml("PartNumberMarker"), "0");
  EXPECT_EQ(empty.Xml("MaxParts"), "1000");
  EXPECT_EQ(empty.Xml("IsTruncated"), "false");
  EXPECT_EQ(empty.Xml("StorageClass"), "STANDARD_IA");
  EXPECT_EQ(empty.Xml("UploadId"), id);
  EXPECT_NE(empty.body.find("<Initiator><ID>"), std::string::npos);
  EXPECT_NE(empty.body.find("<DisplayName>alice</DisplayName></Owner>"), std::string::npos);

  for (int n : {5, 1, 3, 2, 4}) PutPart("k", id, std::to_string(n), "p" + std::to_string(n));
  std::vector<std::string> seen;
  std::string marker = "0";
  for (int page = 0; page < 3; ++page) {
    HttpResponse r =
        Send("GET", Target("k", "uploadId=" + id + "&max-parts=2&part-number-marker=" + marker));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Xml("PartNumberMarker"), marker);
    EXPECT_EQ(r.Xml("MaxParts"), "2");
    for (const std::string& n : XmlAll(r.body, "PartNumber")) seen.push_back(n);
    EXPECT_EQ(r.Xml("IsTruncated"), page < 2 ? "true" : "false");
    marker = r.Xml("NextPartNumberMarker");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(marker, "5");

  HttpResponse capped = Send("GET", Target("k", "uploadId=" + id + "&max-parts=5000"));
  EXPECT_EQ(capped.Xml("MaxParts"), "1000");
  for (std::string bad : {"max-parts=-1", "max-parts=abc", "part-number-marker=x"}) {
    SCOPED_TRACE(bad);
    ExpectError(Send("GET", Target("k", "uploadId=" + id + "&" + bad)), 400, "InvalidArgument");
  }
}

// --- ListMultipartUploads

TEST_F(MultipartTest, ListMultipartUploadsPagesByKeyThenInitiation) {
  std::vector<std::pair<std::string, std::string>> made;  // key, id in expected order
  for (std::string key : {"b", "a", "c", "a", "b"}) {
    made.emplace_back(key, Initiate(key));
    // Initiation times have millisecond resolution; ties are ordered by id.
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  std::stable_sort(made.begin(), made.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });

  HttpResponse all = Send("GET", "/alice-bucket?uploads");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_NE(all.body.find("<KeyMarker></KeyMarker>"), std::string::npos) << all.body;
  EXPECT_NE(all.body.find("<UploadIdMarker></UploadIdMarker>"), std::string::npos);
  EXPECT_EQ(all.Xml("MaxUploads"), "1000");
  EXPECT_EQ(all.Xml("IsTruncated"), "false");
  EXPECT_EQ(XmlAll(all.body, "UploadId").size(), made.size());
  EXPECT_NE(all.body.find("<Initiated>"), std::string::npos);
  EXPECT_NE(all.body.find("<StorageClass>STANDARD</StorageClass>"), std::string::npos);

  std::vector<std::pair<std::string, std::string>> paged;
  std::string key_marker, id_marker;
  for (int page = 0; page < 3; ++page) {
    HttpResponse r = Send("GET", "/alice-bucket?uploads&max-uploads=2&key-marker=" + key_marker +
                                     "&upload-id-marker=" + id_marker);
    ASSERT_EQ(r.status, 200) << r.body;
    std::vector<std::string> keys = XmlAll(r.body, "Key"), ids = XmlAll(r.body, "UploadId");
    ASSERT_EQ(keys.size(), ids.size());
    for (size_t i = 0; i < keys.size(); ++i) paged.emplace_back(keys[i], ids[i]);
    EXPECT_EQ(r.Xml("IsTruncated"), page < 2 ? "true" : "false");
    key_marker = r.Xml("NextKeyMarker");
    id_marker = r.Xml("NextUploadIdMarker");
  }
  EXPECT_EQ(paged, made);
  ExpectError(Send("GET", "/alice-bucket?uploads&max-uploads=-3"), 400, "InvalidArgument");
}

TEST_F(MultipartTest, ListMultipartUploadsRollsKeysUpIntoCommonPrefixes) {
  for (std::string key : {"a/1", "a/2", "b/x/1", "c", "d/e/f", "d/g"}) Initiate(key);
  HttpResponse r = Send("GET", "/alice-bucket?uploads&delimiter=/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(XmlAll(r.body, "Key"), (std::vector<std::string>{"c"}));
  EXPECT_EQ(XmlAll(r.body, "Prefix"), (std::vector<std::string>{"", "a/", "b/", "d/"}));
  EXPECT_EQ(r.Xml("Delimiter"), "/");

  // Each common prefix counts once against max-uploads.
  HttpResponse first = Send("GET", "/alice-bucket?uploads&delimiter=/&max-uploads=2");
  EXPECT_EQ(XmlAll(first.body, "Prefix"), (std::vector<std::string>{"", "a/", "b/"}));
  EXPECT_EQ(first.Xml("IsTruncated"), "true");
  EXPECT_EQ(first.Xml("NextKeyMarker"), "b/");
  HttpResponse second =
      Send("GET", "/alice-bucket?uploads&delimiter=/&max-uploads=2&key-marker=b/");
  EXPECT_EQ(XmlAll(second.body, "Key"), (std::vector<std::string>{"c"}));
  EXPECT_EQ(XmlAll(second.body, "Prefix"), (std::vector<std::string>{"", "d/"}));
  EXPECT_EQ(second.Xml("IsTruncated"), "false");

  HttpResponse nested = Send("GET", "/alice-bucket?uploads&delimiter=/&prefix=d/");
  EXPECT_EQ(XmlAll(nested.body, "Key"), (std::vector<std::string>{"d/g"}));
  EXPECT_EQ(XmlAll(nested.body, "Prefix"), (std::vector<std::string>{"d/", "d/e/"}));
  HttpResponse prefixed = Send("GET", "/alice-bucket?uploads&prefix=a/");
  EXPECT_EQ(XmlAll(prefixed.body, "Key"), (std::vector<std::string>{"a/1", "a/2"}));
}

TEST_F(MultipartTest, ListMultipartUploadsUrlEncodesWhenAsked) {
  Initiate("dir%20one/k%2By%C3%BC");
  HttpResponse r =
      Send("GET", "/alice-bucket?uploads&encoding-type=url&delimiter=%2B&prefix=dir%20one/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Xml("EncodingType"), "url");
  EXPECT_EQ(r.Xml("Delimiter"), "%2B");
  EXPECT_EQ(XmlAll(r.body, "Prefix"), (std::vector<std::string>{"dir%20one/", "dir%20one/k%2B"}));
  HttpResponse plain = Send("GET", "/alice-bucket?uploads");
  EXPECT_EQ(plain.Xml("Key"), "dir one/k+y\xC3\xBC");
  HttpResponse encoded = Send("GET", "/alice-bucket?uploads&encoding-type=url");
  EXPECT_EQ(encoded.Xml("Key"), "dir%20one/k%2By%C3%BC");
  ExpectError(Send("GET", "/alice-bucket?uploads&encoding-type=base64"), 400, "InvalidArgument");
}

// --- checksums

TEST_F(MultipartTest, CompositeChecksumIsComputedValidatedAndReturned) {
  using auth::ChecksumAlgorithm;
  std::string id = Initiate("k", {{"x-amz-checksum-algorithm", "CRC32"}});
  std::vector<std::string> parts = {Bytes(kMinPart, 'a'), Bytes(10, 'b')};
  std::vector<std::string> sums, etags;
  for (size_t i = 0; i < parts.size(); ++i) {
    HttpResponse r = PutPart("k", id, std::to_string(i + 1), parts[i]);
    ASSERT_EQ(r.status, 200) << r.body;
    sums.push_back(r.Header("x-amz-checksum-crc32"));
    EXPECT_EQ(sums.back(), auth::ChecksumBase64(ChecksumAlgorithm::kCrc32, parts[i]));
    etags.push_back(r.Header("etag"));
  }
  ExpectError(PutPart("k", id, "3", "x", {{"x-amz-sdk-checksum-algorithm", "SHA1"}}), 400,
              "InvalidRequest");
  HttpResponse list = Send("GET", Target("k", "uploadId=" + id));
  EXPECT_EQ(XmlAll(list.body, "ChecksumCRC32"), sums);
  EXPECT_EQ(list.Xml("ChecksumAlgorithm"), "CRC32");

  auto body = [&](const std::string& second_checksum_element) {
    return "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etags[0] +
           "</ETag><ChecksumCRC32>" + sums[0] +
           "</ChecksumCRC32></Part><Part><PartNumber>2"
           "</PartNumber><ETag>" +
           etags[1] + "</ETag>" + second_checksum_element + "</Part></CompleteMultipartUpload>";
  };
  std::string wrong_crc = auth::ChecksumBase64(ChecksumAlgorithm::kCrc32, "nope");
  std::string sha = auth::ChecksumBase64(ChecksumAlgorithm::kSha256, parts[1]);
  ExpectError(Complete("k", id, body("<ChecksumCRC32>" + wrong_crc + "</ChecksumCRC32>")), 400,
              "InvalidPart");
  ExpectError(Complete("k", id, body("<ChecksumSHA256>" + sha + "</ChecksumSHA256>")), 400,
              "BadDigest");
  ExpectError(Complete("k", id, body("")), 400, "InvalidRequest");
  ExpectError(Complete("k", id, body("<ChecksumCRC32>%%%</ChecksumCRC32>")), 400,
              "InvalidArgument");

  std::vector<std::string> raws = {auth::ChecksumRaw(ChecksumAlgorithm::kCrc32, parts[0]),
                                   auth::ChecksumRaw(ChecksumAlgorithm::kCrc32, parts[1])};
  std::string expected =
      common::Base64Encode(auth::ChecksumRaw(ChecksumAlgorithm::kCrc32, raws[0] + raws[1])) + "-2";
  HttpResponse done = Complete("k", id, body("<ChecksumCRC32>" + sums[1] + "</ChecksumCRC32>"));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Xml("ChecksumCRC32"), expected);
  EXPECT_EQ(done.Xml("ChecksumType"), "COMPOSITE");
  HttpResponse retry = Complete("k", id, body("<ChecksumCRC32>" + sums[1] + "</ChecksumCRC32>"));
  EXPECT_EQ(retry.Xml("ChecksumCRC32"), expected);
}

TEST_F(MultipartTest, FullObjectCrcEqualsTheCrcOfTheWholeObject) {
  using auth::ChecksumAlgorithm;
  std::string id = Initiate(
      "k", {{"x-amz-checksum-algorithm", "CRC32C"}, {"x-amz-checksum-type", "FULL_OBJECT"}});
  std::vector<std::string> parts = {Bytes(kMinPart + 3, 'q'), Bytes(kMinPart, 'r'), "end"};
  std::vector<std::string> etags = PutParts("k", id, parts);
  std::string whole = parts[0] + parts[1] + parts[2];
  std::string expected = auth::ChecksumBase64(ChecksumAlgorithm::kCrc32c, whole);
  ExpectError(Complete("k", id, CompleteBody(Numbered(etags)),
                       {{"x-amz-checksum-crc32c",
                         auth::ChecksumBase64(ChecksumAlgorithm::kCrc32c, "other")}}),
              400, "BadDigest");
  HttpResponse done =
      Complete("k", id, CompleteBody(Numbered(etags)), {{"x-amz-checksum-crc32c", expected}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Xml("ChecksumCRC32C"), expected);
  EXPECT_EQ(done.Xml("ChecksumType"), "FULL_OBJECT");
  EXPECT_EQ(ReadObject("k"), whole);
}

// --- UploadPartCopy

class UploadPartCopyTest : public MultipartTest {
 protected:
  void SetUp() override {
    MultipartTest::SetUp();
    source_ = Bytes(3000, 's');
    HttpResponse put = Send("PUT", "/alice-bucket/source", source_);
    ASSERT_EQ(put.status, 200) << put.body;
    source_etag_ = put.Header("etag");
  }
  HttpResponse CopyPart(const std::string& id, const std::string& number, Headers headers) {
    return Send("PUT", Target("dest", "partNumber=" + number + "&uploadId=" + id), "",
                std::move(headers));
  }
  std::string source_, source_etag_;
};

TEST_F(UploadPartCopyTest, CopiesWholeObjectsAndRangesIntoParts) {
  std::string id = Initiate("dest");
  HttpResponse whole = CopyPart(id, "1", {{"x-amz-copy-source", "/alice-bucket/source"}});
  ASSERT_EQ(whole.status, 200) << whole.body;
  EXPECT_NE(whole.body.find("<CopyPartResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"),
            std::string::npos);
  EXPECT_EQ(whole.Xml("ETag"), "&quot;" + Md5Hex(source_) + "&quot;");
  EXPECT_FALSE(whole.Xml("LastModified").empty());
  HttpResponse range = CopyPart(
      id, "2",
      {{"x-amz-copy-source", "alice-bucket/source"}, {"x-amz-copy-source-range", "bytes=100-199"}});
  ASSERT_EQ(range.status, 200) << range.body;
  std::string slice = source_.substr(100, 100);
  EXPECT_EQ(range.Xml("ETag"), "&quot;" + Md5Hex(slice) + "&quot;");

  HttpResponse done = Complete(
      "dest", id,
      CompleteBody({{1, "\"" + Md5Hex(source_) + "\""}, {2, "\"" + Md5Hex(slice) + "\""}}));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(ReadObject("dest"), source_ + slice);
}

TEST_F(UploadPartCopyTest, RefusesBadSourcesRangesAndFailedConditions) {
  std::string id = Initiate("dest");
  ASSERT_EQ(Send("PUT", "/bob-bucket", "", {}, bob_.get()).status, 200);
  struct Case {
    std::string name;
    Headers headers;
    int status;
    std::string code;
  };
  const std::string src = "/alice-bucket/source";
  std::vector<Case> cases = {
      {"no key", {{"x-amz-copy-source", "alice-bucket"}}, 400, "InvalidArgument"},
      {"missing key", {{"x-amz-copy-source", "/alice-bucket/nope"}}, 404, "NoSuchKey"},
      {"missing bucket", {{"x-amz-copy-source", "/no-such-bucket/k"}}, 404, "NoSuchBucket"},
      {"someone else's bucket", {{"x-amz-copy-source", "/bob-bucket/k"}}, 403, "AccessDenied"},
      {"range past the end",
       {{"x-amz-copy-source", src}, {"x-amz-copy-source-range", "bytes=0-3000"}},
       400,
       "InvalidArgument"},
      {"malformed range",
       {{"x-amz-copy-source", src}, {"x-amz-copy-source-range", "bytes=9-2"}},
       400,
       "InvalidArgument"},
      {"if-match",
       {{"x-amz-copy-source", src}, {"x-amz-copy-source-if-match", "\"abc\""}},
       412,
       "PreconditionFailed"},
      {"if-none-match",
       {{"x-amz-copy-source", src}, {"x-amz-copy-source-if-none-match", source_etag_}},
       412,
       "PreconditionFailed"},
      {"if-unmodified-since",
       {{"x-amz-copy-source", src},
        {"x-amz-copy-source-if-unmodified-since", "Mon, 01 Jan 2001 00:00:00 GMT"}},
       412,
       "PreconditionFailed"},
      {"if-modified-since",
       {{"x-amz-copy-source", src},
        {"x-amz-copy-source-if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT"}},
       412,
       "PreconditionFailed"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExpectError(CopyPart(id, "1", c.headers), c.status, c.code);
  }
  HttpResponse matched =
      CopyPart(id, "1",
               {{"x-amz-copy-source", src},
                {"x-amz-copy-source-if-match", source_etag_},
                {"x-amz-copy-source-if-unmodified-since", "Mon, 01 Jan 2001 00:00:00 GMT"}});
  EXPECT_EQ(matched.status, 200) << "if-match wins over if-unmodified-since: " << matched.body;
  ExpectError(CopyPart("nope", "1", {{"x-amz-copy-source", src}}), 404, "NoSuchUpload");
  ExpectError(CopyPart(id, "0", {{"x-amz-copy-source", src}}), 400, "InvalidArgument");
}

// --- stale uploads

class StaleUploadTest : public MultipartTest {
 protected:
  Options MakeOptions() override {
    Options o = MultipartTest::MakeOptions();
    o.abort_incomplete_after = std::chrono::seconds(1);
    return o;
  }
};

TEST_F(StaleUploadTest, UploadsPendingPastTheAgeAreAborted) {
  std::string id = Initiate("stale");
  ASSERT_EQ(PutPart("stale", id, "1", "bytes").status, 200);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (PendingUploads() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(PendingUploads(), 0u);
  ExpectError(PutPart("stale", id, "2", "late"), 404, "NoSuchUpload");
  // Fresh uploads are left alone until they age.
  std::string fresh = Initiate("fresh");
  EXPECT_EQ(PutPart("fresh", fresh, "1", "bytes").status, 200);
}

TEST_F(StaleUploadTest, StopIsPromptWithTheReaperRunning) {
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

// S3 finishes a GET that started before an overwrite with the old bytes. The
// parts of the old object are removed only when that GET is done with them.
TEST_F(MultipartTest, GetInFlightSurvivesAnOverwriteOfItsObject) {
  // 8 parts of 4 MiB: far more than loopback socket buffers hold, so most
  // parts are still unopened when the overwrite commits.
  std::vector<std::string> parts;
  for (int i = 0; i < 8; ++i) parts.push_back(Bytes(4 << 20, static_cast<char>('a' + i)));
  std::string id = Initiate("busy");
  std::vector<std::string> etags = PutParts("busy", id, parts);
  ASSERT_EQ(Complete("busy", id, CompleteBody(Numbered(etags))).status, 200);
  std::string old;
  for (const std::string& p : parts) old += p;

  HttpRequest get;
  get.target = "/alice-bucket/busy";
  RawSocket reader(server_->port());
  ASSERT_TRUE(reader.Send(alice_->Serialize(get)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // headers out, sends blocked

  ASSERT_EQ(Send("PUT", "/alice-bucket/busy", "new").status, 200);
  // The replaced parts' files would be gone by now without the GET's lease.

  std::string got = reader.ReadResponse(std::chrono::seconds(30));
  size_t body = got.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 200");
  EXPECT_TRUE(got.compare(body + 4, std::string::npos, old) == 0)
      << "GET cut short or corrupted: " << got.size() - body - 4 << " of " << old.size()
      << " bytes";
  EXPECT_EQ(ReadObject("busy"), "new");
  // Once the GET is done, the old parts go: only the new object's blob is left.
  auto blob_files = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.path() + "/blobs")) {
      if (e.is_regular_file() && e.path().parent_path().filename() != "tmp") ++n;
    }
    return n;
  };
  if (database_) {
    // Several daemons share the blobs: the old parts are tombstoned, for
    // the leader's sweeper to remove after a grace period.
    EXPECT_EQ(database_->Query("SELECT count(*) FROM blob_tombstones"),
              std::to_string(blob_files() - 1));
    return;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (blob_files() != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(blob_files(), 1u);
}

}  // namespace
}  // namespace s2lite::testing
