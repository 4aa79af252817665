// PutObject, GetObject, HeadObject, DeleteObject(s) and CopyObject over real
// sockets: bytes, headers, ranges, conditionals and every error code.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <random>
#include <regex>
#include <thread>

#include "auth/checksum.h"
#include "common/crypto.h"
#include "common/uri.h"
#include "server_fixture.h"

namespace s2lite::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string RandomBytes(size_t n, uint32_t seed = 42) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

std::string Md5Hex(const std::string& data) { return common::HexEncode(common::Md5(data)); }

std::string Md5Base64(const std::string& data) {
  common::Md5Digest d = common::Md5(data);
  return common::Base64Encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

std::string Crc32(const std::string& data) {
  return auth::ChecksumBase64(auth::ChecksumAlgorithm::kCrc32, data);
}

std::string ObjectPath(const std::string& key, const std::string& bucket = "alice-bucket") {
  return "/" + bucket + "/" + common::UriEncode(key, true);
}

class ObjectTest : public ServerTest {
 protected:
  HttpResponse Send(const std::string& method, const std::string& target, Headers headers = {},
                    std::string body = "", TestClient* client = nullptr) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.headers = std::move(headers);
    r.body = std::move(body);
    return (client ? client : alice_.get())->Send(r);
  }
  HttpResponse Put(const std::string& key, std::string body, Headers headers = {}) {
    return Send("PUT", ObjectPath(key), std::move(headers), std::move(body));
  }
  HttpResponse Get(const std::string& key, Headers headers = {}, const std::string& query = "") {
    return Send("GET", ObjectPath(key) + query, std::move(headers));
  }
  HttpResponse Head(const std::string& key, Headers headers = {}, const std::string& query = "") {
    return Send("HEAD", ObjectPath(key) + query, std::move(headers));
  }
  HttpResponse Delete(const std::string& key) { return Send("DELETE", ObjectPath(key)); }
  HttpResponse Copy(const std::string& key, const std::string& source, Headers headers = {}) {
    headers.emplace_back("x-amz-copy-source", source);
    return Send("PUT", ObjectPath(key), std::move(headers));
  }
  HttpResponse DeleteMany(const std::string& xml, Headers headers) {
    return Send("POST", "/alice-bucket?delete", std::move(headers), xml);
  }
};

// --- PutObject / GetObject

TEST_F(ObjectTest, PutThenGetIsByteIdentical) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{3} << 20}) {
    SCOPED_TRACE(size);
    std::string body = RandomBytes(size, static_cast<uint32_t>(size));
    std::string key = "blob-" + std::to_string(size);
    HttpResponse put = Put(key, body);
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(put.Header("etag"), "\"" + Md5Hex(body) + "\"");
    HttpResponse get = Get(key);
    ASSERT_EQ(get.status, 200) << get.body;
    EXPECT_EQ(get.Header("content-length"), std::to_string(size));
    EXPECT_EQ(get.Header("etag"), put.Header("etag"));
    EXPECT_TRUE(get.body == body);
  }
}

TEST_F(ObjectTest, ReadsItsOwnWrites) {
  for (int i = 0; i < 5; ++i) {
    std::string body = "version " + std::to_string(i);
    ASSERT_EQ(Put("rw", body).status, 200);
    HttpResponse get = Get("rw");
    EXPECT_EQ(get.body, body);
    EXPECT_EQ(get.Header("etag"), "\"" + Md5Hex(body) + "\"");
  }
}

TEST_F(ObjectTest, MetadataAndContentHeadersRoundTrip) {
  HttpResponse put = Put("doc.txt", "hello",
                         {{"Content-Type", "text/plain; charset=utf-8"},
                          {"x-amz-meta-Color", "Blue"},
                          {"x-amz-meta-empty-ish", "a b  c"},
                          {"Cache-Control", "max-age=60"},
                          {"Content-Disposition", "attachment; filename=\"doc.txt\""},
                          {"Content-Encoding", "identity"},
                          {"Content-Language", "en-GB"},
                          {"Expires", "Thu, 01 Dec 2094 16:00:00 GMT"},
                          {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                          {"x-amz-tagging", "project=s2&team=core"},
                          {"x-amz-server-side-encryption", "AES256"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Header("x-amz-server-side-encryption"), "AES256");
  for (const std::string method : {"GET", "HEAD"}) {
    SCOPED_TRACE(method);
    HttpResponse r = Send(method, ObjectPath("doc.txt"));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(r.Header("x-amz-meta-color"), "Blue");
    EXPECT_EQ(r.Header("x-amz-meta-empty-ish"), "a b  c");
    EXPECT_EQ(r.Header("cache-control"), "max-age=60");
    EXPECT_EQ(r.Header("content-disposition"), "attachment; filename=\"doc.txt\"");
    EXPECT_EQ(r.Header("content-encoding"), "identity");
    EXPECT_EQ(r.Header("content-language"), "en-GB");
    EXPECT_EQ(r.Header("expires"), "Thu, 01 Dec 2094 16:00:00 GMT");
    EXPECT_EQ(r.Header("x-amz-storage-class"), "REDUCED_REDUNDANCY");
    EXPECT_EQ(r.Header("x-amz-tagging-count"), "2");
    EXPECT_EQ(r.Header("x-amz-server-side-encryption"), "AES256");
    EXPECT_EQ(r.Header("accept-ranges"), "bytes");
    EXPECT_EQ(r.Header("content-length"), "5");
    EXPECT_TRUE(std::regex_match(
        r.Header("last-modified"),
        std::regex(R"([A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT)")))
        << r.Header("last-modified");
  }
}

TEST_F(ObjectTest, DefaultsContentTypeAndOmitsStandardStorageClass) {
  ASSERT_EQ(Put("plain", "x").status, 200);
  HttpResponse r = Head("plain");
  EXPECT_EQ(r.Header("content-type"), "binary/octet-stream");
  EXPECT_EQ(r.Header("x-amz-storage-class"), "");
  EXPECT_EQ(r.Header("x-amz-tagging-count"), "");
  EXPECT_EQ(r.Header("x-amz-mp-parts-count"), "");
  EXPECT_EQ(r.Header("x-amz-checksum-crc32"), "");
}

TEST_F(ObjectTest, ChecksContentMd5) {
  const std::string body = "checked body";
  HttpResponse good = Put("md5", body, {{"Content-MD5", Md5Base64(body)}});
  EXPECT_EQ(good.status, 200) << good.body;

  HttpResponse bad = Put("md5-bad", body, {{"Content-MD5", Md5Base64("other")}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Xml("Code"), "BadDigest");
  EXPECT_EQ(Head("md5-bad").status, 404) << "a failed PUT stores nothing";

  for (const std::string value : {"not-base64!", "AAAA"}) {
    HttpResponse malformed = Put("md5-malformed", body, {{"Content-MD5", value}});
    EXPECT_EQ(malformed.status, 400) << value;
    EXPECT_EQ(malformed.Xml("Code"), "InvalidDigest") << value;
  }
}

TEST_F(ObjectTest, ChecksAndReturnsFlexibleChecksums) {
  const std::string body = RandomBytes(1000);
  HttpResponse put = Put("crc", body, {{"x-amz-checksum-crc32", Crc32(body)}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Header("x-amz-checksum-crc32"), Crc32(body));

  HttpResponse plain = Get("crc");
  EXPECT_EQ(plain.Header("x-amz-checksum-crc32"), "") << "only with x-amz-checksum-mode";
  HttpResponse enabled = Get("crc", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(enabled.Header("x-amz-checksum-crc32"), Crc32(body));
  EXPECT_EQ(enabled.Header("x-amz-checksum-type"), "FULL_OBJECT");
  HttpResponse ranged = Get("crc", {{"x-amz-checksum-mode", "ENABLED"}, {"Range", "bytes=0-9"}});
  EXPECT_EQ(ranged.Header("x-amz-checksum-crc32"), "") << "not for a part of the object";

  HttpResponse wrong = Put("crc-bad", body, {{"x-amz-checksum-crc32", Crc32("other")}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.Xml("Code"), "BadDigest");
}

TEST_F(ObjectTest, RequiresContentLength) {
  HttpRequest r;
  r.method = "PUT";
  r.target = ObjectPath("no-length");
  std::string wire = alice_->Serialize(r);
  auto at = wire.find("Content-Length: 0\r\n");
  ASSERT_NE(at, std::string::npos);
  wire.erase(at, std::string("Content-Length: 0\r\n").size());
  std::vector<HttpResponse> out = SendRaw(server_->port(), wire, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, 411);
  EXPECT_EQ(out[0].Xml("Code"), "MissingContentLength");
}

// An aws-chunked body with an unsigned payload and a CRC32 trailer:
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
HttpRequest ChunkedPut(const std::string& key, const std::string& payload, const std::string& crc32,
                       const std::string& content_encoding) {
  HttpRequest r;
  r.method = "PUT";
  r.target = ObjectPath(key);
  r.payload_hash = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  r.headers = {{"Content-Encoding", content_encoding},
               {"x-amz-trailer", "x-amz-checksum-crc32"},
               {"x-amz-decoded-content-length", std::to_string(payload.size())}};
  const size_t kChunk = 64 * 1024;
  for (size_t at = 0; at < payload.size(); at += kChunk) {
    std::string chunk = payload.substr(at, kChunk);
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx", chunk.size());
    r.body += std::string(hex) + "\r\n" + chunk + "\r\n";
  }
  r.body += "0\r\nx-amz-checksum-crc32:" + crc32 + "\r\n\r\n";
  return r;
}

// aws-chunked framing in segments of its own, as the JS SDK sends it (size
// line, data and CRLF in separate writes): a read that hands no payload on
// must not land on the payload whose MD5 is still pending (the ETag).
TEST_F(ObjectTest, AwsChunkedFramingInSeparateSegmentsKeepsTheEtag) {
  namespace asio = boost::asio;
  const std::string payload = RandomBytes(300 * 1024, 11);
  const std::string wire =
      alice_->Serialize(ChunkedPut("segmented", payload, Crc32(payload), "aws-chunked"));
  // The head, then the body cut after every CRLF of the framing.
  std::vector<std::string> pieces;
  size_t at = wire.find("\r\n\r\n") + 4;
  pieces.push_back(wire.substr(0, at));
  while (at < wire.size()) {
    size_t line_end = wire.find("\r\n", at) + 2;  // a size line
    pieces.push_back(wire.substr(at, line_end - at));
    size_t size = std::stoul(pieces.back(), nullptr, 16);
    at = line_end;
    if (size == 0) {
      pieces.push_back(wire.substr(at));  // the trailer
      break;
    }
    pieces.push_back(wire.substr(at, size));  // the data
    pieces.push_back("\r\n");
    at += size + 2;
  }
  asio::io_context ioc;
  asio::ip::tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  s.set_option(asio::ip::tcp::no_delay(true));
  for (const std::string& piece : pieces) {
    asio::write(s, asio::buffer(piece));
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  std::string answer;
  char buf[4096];
  boost::system::error_code ec;
  while (answer.find("\r\n\r\n") == std::string::npos && !ec) {
    answer.append(buf, s.read_some(asio::buffer(buf), ec));
  }
  EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"" + Md5Hex(payload) + "\""), std::string::npos) << answer;
  EXPECT_TRUE(Get("segmented").body == payload);
}

TEST_F(ObjectTest, StoresOnlyThePayloadOfAnAwsChunkedBody) {
  const std::string payload = RandomBytes(150 * 1024, 7);
  HttpResponse put = alice_->Send(ChunkedPut("chunked", payload, Crc32(payload), "aws-chunked"));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Header("etag"), "\"" + Md5Hex(payload) + "\"");
  EXPECT_EQ(put.Header("x-amz-checksum-crc32"), Crc32(payload));
  HttpResponse get = Get("chunked", {{"x-amz-checksum-mode", "ENABLED"}});
  ASSERT_EQ(get.status, 200);
  EXPECT_TRUE(get.body == payload);
  EXPECT_EQ(get.Header("content-encoding"), "") << "aws-chunked is not stored";
  EXPECT_EQ(get.Header("x-amz-checksum-crc32"), Crc32(payload));

  HttpResponse gzip =
      alice_->Send(ChunkedPut("chunked-gz", payload, Crc32(payload), "gzip, aws-chunked"));
  ASSERT_EQ(gzip.status, 200) << gzip.body;
  EXPECT_EQ(Head("chunked-gz").Header("content-encoding"), "gzip");
  HttpResponse first =
      alice_->Send(ChunkedPut("chunked-first", payload, Crc32(payload), "aws-chunked,br"));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Head("chunked-first").Header("content-encoding"), "br");
}

TEST_F(ObjectTest, RejectsAnAwsChunkedBodyWithAWrongTrailer) {
  const std::string payload = RandomBytes(1000, 8);
  HttpResponse put = alice_->Send(ChunkedPut("chunked-bad", payload, Crc32("x"), "aws-chunked"));
  EXPECT_EQ(put.status, 400);
  EXPECT_EQ(put.Xml("Code"), "BadDigest");
  EXPECT_EQ(Head("chunked-bad").status, 404);
}

// --- keys

TEST_F(ObjectTest, StoresTrickyKeysByteExactAndNeverAsFileNames) {
  const std::vector<std::string> keys = {
      "dots/../evil-name", "slashes//weird-name",       "../../etc/s2passwd", "./dot-name",
      "sp ace+plus%pct",   "\xE2\x82\xAC-unicode-name", "trailing/",          "a/./b/.."};
  for (const std::string& key : keys) {
    SCOPED_TRACE(key);
    ASSERT_EQ(Put(key, "body of " + key).status, 200);
  }
  for (const std::string& key : keys) {
    SCOPED_TRACE(key);
    HttpResponse get = Get(key);
    ASSERT_EQ(get.status, 200);
    EXPECT_EQ(get.body, "body of " + key);
  }
  HttpResponse list = Send("GET", "/alice-bucket?list-type=2");
  std::vector<std::string> listed = list.XmlAll("Key");
  std::vector<std::string> want = keys;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(listed, want);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    std::string name = entry.path().filename().string();
    for (const std::string part :
         {"evil-name", "weird-name", "s2passwd", "dot-name", "unicode", "etc", "sp ace"}) {
      EXPECT_EQ(name.find(part), std::string::npos) << entry.path();
    }
  }
}

// --- ranges

TEST_F(ObjectTest, ServesByteRanges) {
  const std::string body = "0123456789";
  ASSERT_EQ(Put("digits", body).status, 200);
  struct Case {
    std::string range;
    int status;
    std::string content;
    std::string content_range;
  };
  const Case cases[] = {
      {"bytes=0-0", 206, "0", "bytes 0-0/10"},
      {"bytes=2-5", 206, "2345", "bytes 2-5/10"},
      {"bytes=7-", 206, "789", "bytes 7-9/10"},
      {"bytes=-3", 206, "789", "bytes 7-9/10"},
      {"bytes=-100", 206, body, "bytes 0-9/10"},
      {"bytes=8-1000", 206, "89", "bytes 8-9/10"},
      {"bytes=9-9", 206, "9", "bytes 9-9/10"},
      // Several ranges, malformed ones and other units are ignored, as S3 does.
      {"bytes=0-1,4-5", 200, body, ""},
      {"bytes=abc", 200, body, ""},
      {"bytes=5-2", 200, body, ""},
      {"items=0-1", 200, body, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.range);
    HttpResponse r = Get("digits", {{"Range", c.range}});
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.body, c.content);
    EXPECT_EQ(r.Header("content-range"), c.content_range);
    EXPECT_EQ(r.Header("content-length"), std::to_string(c.content.size()));
    EXPECT_EQ(r.Header("etag"), "\"" + Md5Hex(body) + "\"");
    HttpResponse h = Head("digits", {{"Range", c.range}});
    EXPECT_EQ(h.status, c.status);
    EXPECT_EQ(h.Header("content-length"), std::to_string(c.content.size()));
    EXPECT_EQ(h.Header("content-range"), c.content_range);
  }
}

TEST_F(ObjectTest, RefusesUnsatisfiableRanges) {
  ASSERT_EQ(Put("digits", "0123456789").status, 200);
  ASSERT_EQ(Put("empty", "").status, 200);
  for (const auto& [key, range] :
       std::vector<std::pair<std::string, std::string>>{{"digits", "bytes=10-"},
                                                        {"digits", "bytes=10-20"},
                                                        {"digits", "bytes=-0"},
                                                        {"empty", "bytes=0-"},
                                                        {"empty", "bytes=-1"}}) {
    SCOPED_TRACE(key + " " + range);
    HttpResponse r = Get(key, {{"Range", range}});
    EXPECT_EQ(r.status, 416);
    EXPECT_EQ(r.Xml("Code"), "InvalidRange");
    EXPECT_EQ(r.Xml("RangeRequested"), range);
    EXPECT_EQ(r.Xml("ActualObjectSize"), key == "empty" ? "0" : "10");
    EXPECT_EQ(Head(key, {{"Range", range}}).status, 416);
  }
}

TEST_F(ObjectTest, ServesRangesOfLargeObjects) {
  const std::string body = RandomBytes(3 << 20, 3);
  ASSERT_EQ(Put("big", body).status, 200);
  HttpResponse r = Get("big", {{"Range", "bytes=1048570-2097160"}});
  ASSERT_EQ(r.status, 206);
  EXPECT_TRUE(r.body == body.substr(1048570, 2097160 - 1048570 + 1));
  EXPECT_EQ(r.Header("content-range"), "bytes 1048570-2097160/3145728");
}

// --- conditionals

TEST_F(ObjectTest, EvaluatesConditionalHeadersAsS3Does) {
  ASSERT_EQ(Put("cond", "conditional").status, 200);
  HttpResponse head = Head("cond");
  const std::string etag = head.Header("etag");
  const std::string modified = head.Header("last-modified");
  const std::string past = "Mon, 01 Jan 2001 00:00:00 GMT";
  const std::string future = "Fri, 01 Jan 2100 00:00:00 GMT";
  struct Case {
    Headers headers;
    int status;
    std::string condition;
  };
  const Case cases[] = {
      {{{"If-Match", etag}}, 200, ""},
      {{{"If-Match", "\"other\", " + etag}}, 200, ""},
      {{{"If-Match", "*"}}, 200, ""},
      {{{"If-Match", "\"0123\""}}, 412, "If-Match"},
      {{{"If-Unmodified-Since", future}}, 200, ""},
      {{{"If-Unmodified-Since", modified}}, 200, ""},
      {{{"If-Unmodified-Since", past}}, 412, "If-Unmodified-Since"},
      {{{"If-None-Match", etag}}, 304, ""},
      {{{"If-None-Match", "\"other\""}}, 200, ""},
      {{{"If-Modified-Since", future}}, 304, ""},
      {{{"If-Modified-Since", modified}}, 304, ""},
      {{{"If-Modified-Since", past}}, 200, ""},
      {{{"If-Modified-Since", "not a date"}}, 200, ""},
      // If-Match decides over If-Unmodified-Since, If-None-Match over If-Modified-Since.
      {{{"If-Match", etag}, {"If-Unmodified-Since", past}}, 200, ""},
      {{{"If-None-Match", etag}, {"If-Modified-Since", past}}, 304, ""},
      {{{"If-None-Match", "\"other\""}, {"If-Modified-Since", future}}, 200, ""},
      // Failed first-pair conditions win over 304.
      {{{"If-Match", "\"x\""}, {"If-None-Match", etag}}, 412, "If-Match"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.headers[0].first + ": " + c.headers[0].second +
                 (c.headers.size() > 1 ? " + " + c.headers[1].first : ""));
    HttpResponse get = Get("cond", c.headers);
    EXPECT_EQ(get.status, c.status);
    if (c.status == 200) {
      EXPECT_EQ(get.body, "conditional");
    }
    if (c.status == 412) {
      EXPECT_EQ(get.Xml("Code"), "PreconditionFailed");
      EXPECT_EQ(get.Xml("Condition"), c.condition);
    }
    if (c.status == 304) {
      EXPECT_EQ(get.body, "");
      EXPECT_EQ(get.Header("etag"), etag);
      EXPECT_EQ(get.Header("last-modified"), modified);
    }
    HttpResponse h = Head("cond", c.headers);
    EXPECT_EQ(h.status, c.status);
    EXPECT_EQ(h.body, "");
  }
}

// --- response overrides, HEAD, missing keys

TEST_F(ObjectTest, AppliesResponseHeaderOverrides) {
  ASSERT_EQ(Put("ov", "data", {{"Content-Type", "text/plain"}}).status, 200);
  const std::string query =
      "?response-cache-control=no-cache"
      "&response-content-disposition=attachment%3B%20filename%3D%22x.txt%22"
      "&response-content-encoding=gzip&response-content-language=fr"
      "&response-content-type=application%2Fjson"
      "&response-expires=Wed%2C%2021%20Oct%202065%2007%3A28%3A00%20GMT";
  for (const std::string method : {"GET", "HEAD"}) {
    SCOPED_TRACE(method);
    HttpResponse r = Send(method, ObjectPath("ov") + query);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("cache-control"), "no-cache");
    EXPECT_EQ(r.Header("content-disposition"), "attachment; filename=\"x.txt\"");
    EXPECT_EQ(r.Header("content-encoding"), "gzip");
    EXPECT_EQ(r.Header("content-language"), "fr");
    EXPECT_EQ(r.Header("content-type"), "application/json");
    EXPECT_EQ(r.Header("expires"), "Wed, 21 Oct 2065 07:28:00 GMT");
  }
  EXPECT_EQ(Head("ov").Header("content-type"), "text/plain") << "overrides are not stored";
}

TEST_F(ObjectTest, HeadReturnsHeadersWithoutBody) {
  const std::string body = RandomBytes(12345);
  ASSERT_EQ(Put("headed", body, {{"x-amz-meta-k", "v"}}).status, 200);
  HttpResponse r = Head("headed");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Header("content-length"), "12345");
  EXPECT_EQ(r.Header("etag"), "\"" + Md5Hex(body) + "\"");
  EXPECT_EQ(r.Header("x-amz-meta-k"), "v");
  EXPECT_FALSE(r.Header("x-amz-request-id").empty());
}

TEST_F(ObjectTest, AnswersNoSuchKey) {
  HttpResponse get = Get("missing/key");
  EXPECT_EQ(get.status, 404);
  EXPECT_EQ(get.Xml("Code"), "NoSuchKey");
  EXPECT_EQ(get.Xml("Key"), "missing/key");
  HttpResponse head = Head("missing/key");
  EXPECT_EQ(head.status, 404);
  EXPECT_EQ(head.body, "");
  HttpResponse bucket = Send("GET", "/no-such-bucket/key");
  EXPECT_EQ(bucket.status, 404);
  EXPECT_EQ(bucket.Xml("Code"), "NoSuchBucket");
}

TEST_F(ObjectTest, OtherUsersCannotReadOrWrite) {
  ASSERT_EQ(Put("private", "mine").status, 200);
  EXPECT_EQ(Send("GET", ObjectPath("private"), {}, "", bob_.get()).status, 403);
  EXPECT_EQ(Send("PUT", ObjectPath("x"), {}, "theirs", bob_.get()).status, 403);
  EXPECT_EQ(Send("DELETE", ObjectPath("private"), {}, "", bob_.get()).status, 403);
}

TEST_F(ObjectTest, RefusesBodiesAboveTheLimit) {
  server_.reset();
  Options o = MakeOptions();
  o.max_part_size = 1024;
  server_ = std::make_unique<Server>(o);
  ASSERT_TRUE(server_->Start().ok());
  alice_ = std::make_unique<TestClient>(server_->port(), "AKIAALICE", "alice-secret");
  HttpResponse r = Put("too-big", std::string(1025, 'x'));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "EntityTooLarge");
  EXPECT_EQ(Put("fits", std::string(1024, 'x')).status, 200);
}

// Buckets are unversioned: a request naming another version must never be
// served or applied to the current object (the router answers 501 for
// ?versionId today; the handlers refuse any id but "null" with 400).
TEST_F(ObjectTest, NeverAppliesAVersionIdToTheCurrentObject) {
  ASSERT_EQ(Put("v", "versioned?").status, 200);
  for (const std::string method : {"GET", "HEAD", "DELETE"}) {
    SCOPED_TRACE(method);
    HttpResponse r = Send(method, ObjectPath("v") + "?versionId=3HL4kqtJlcpXroDTDmJ");
    EXPECT_GE(r.status, 400);
  }
  EXPECT_EQ(Get("v").body, "versioned?");
}

// --- DeleteObject / DeleteObjects

TEST_F(ObjectTest, DeletesObjectsAndMissingKeys) {
  ASSERT_EQ(Put("doomed", "x").status, 200);
  HttpResponse del = Delete("doomed");
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(del.body, "");
  EXPECT_EQ(Get("doomed").status, 404);
  EXPECT_EQ(Delete("doomed").status, 204);
  EXPECT_EQ(Delete("never-was").status, 204);
}

std::string DeleteXml(const std::vector<std::string>& keys, bool quiet = false) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete>";
  if (quiet) xml += "<Quiet>true</Quiet>";
  for (const auto& k : keys) xml += "<Object><Key>" + k + "</Key></Object>";
  return xml + "</Delete>";
}

TEST_F(ObjectTest, DeletesManyObjects) {
  ASSERT_EQ(Put("m1", "1").status, 200);
  ASSERT_EQ(Put("m2", "2").status, 200);
  std::string xml = DeleteXml({"m1", "m2", "m-missing", "a&amp;b"});
  HttpResponse r = DeleteMany(xml, {{"Content-MD5", Md5Base64(xml)}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"),
            std::string::npos);
  EXPECT_EQ(r.XmlAll("Key"), (std::vector<std::string>{"m1", "m2", "m-missing", "a&amp;b"}));
  EXPECT_EQ(r.XmlAll("Error").size(), 0u);
  EXPECT_EQ(Get("m1").status, 404);
  EXPECT_EQ(Get("m2").status, 404);
}

// The keys are deleted several at a time; the answer still lists them in the
// request's order, each with its own outcome, and every existing one is gone.
TEST_F(ObjectTest, DeletesAThousandKeysAnsweringInRequestOrder) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) {
    std::string key = "many/" + std::to_string(i);
    if (i % 3 == 0) {
      ASSERT_EQ(Put(key, "x").status, 200) << key;
    }
    if (i == 500) key = std::string(1100, 'k');  // too long (never written): an error in place
    keys.push_back(key);
  }
  std::string xml = DeleteXml(keys);
  HttpResponse r = DeleteMany(xml, {{"Content-MD5", Md5Base64(xml)}});
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
  EXPECT_EQ(r.XmlAll("Key"), keys);
  EXPECT_EQ(r.XmlAll("Deleted").size(), 999u);
  ASSERT_EQ(r.XmlAll("Error").size(), 1u);
  EXPECT_EQ(r.Xml("Code"), "KeyTooLongError");
  auto left = server_->ListObjects("alice-bucket");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << left->size() << " objects left";
}

TEST_F(ObjectTest, DeletesManyObjectsQuietly) {
  ASSERT_EQ(Put("q1", "1").status, 200);
  std::string xml = DeleteXml({"q1", std::string(1100, 'k')}, true);
  HttpResponse r = DeleteMany(xml, {{"Content-MD5", Md5Base64(xml)}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.XmlAll("Deleted").size(), 0u);
  ASSERT_EQ(r.XmlAll("Error").size(), 1u) << "quiet mode still reports failures";
  EXPECT_EQ(r.Xml("Code"), "KeyTooLongError");
  EXPECT_EQ(Get("q1").status, 404);
}

TEST_F(ObjectTest, DeleteObjectsRequiresAnIntactBody) {
  ASSERT_EQ(Put("keep", "1").status, 200);
  std::string xml = DeleteXml({"keep"});
  HttpResponse none = DeleteMany(xml, {});
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(none.Xml("Code"), "InvalidRequest");
  HttpResponse bad = DeleteMany(xml, {{"Content-MD5", Md5Base64("other")}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Xml("Code"), "BadDigest");
  HttpResponse malformed = DeleteMany(xml, {{"Content-MD5", "zz"}});
  EXPECT_EQ(malformed.Xml("Code"), "InvalidDigest");
  HttpResponse bad_crc = DeleteMany(xml, {{"x-amz-checksum-crc32", Crc32("other")}});
  EXPECT_EQ(bad_crc.Xml("Code"), "BadDigest");
  EXPECT_EQ(Get("keep").status, 200);
  // Current SDKs send a flexible checksum instead of Content-MD5.
  HttpResponse crc = DeleteMany(xml, {{"x-amz-checksum-crc32", Crc32(xml)}});
  EXPECT_EQ(crc.status, 200) << crc.body;
  EXPECT_EQ(Get("keep").status, 404);
}

TEST_F(ObjectTest, DeleteObjectsRefusesMalformedXml) {
  std::vector<std::string> many(1001, "k");
  for (const std::string& xml : {DeleteXml(many), std::string("<Delete><Object>"),
                                 std::string("<Other/>"), std::string("<Delete></Delete>")}) {
    HttpResponse r = DeleteMany(xml, {{"Content-MD5", Md5Base64(xml)}});
    EXPECT_EQ(r.status, 400) << xml.substr(0, 40);
    EXPECT_EQ(r.Xml("Code"), "MalformedXML") << xml.substr(0, 40);
  }
  std::vector<std::string> max(1000, "k");
  std::string xml = DeleteXml(max, true);
  EXPECT_EQ(DeleteMany(xml, {{"Content-MD5", Md5Base64(xml)}}).status, 200);
}

// --- CopyObject

TEST_F(ObjectTest, CopyKeepsMetadataByDefault) {
  ASSERT_EQ(
      Put("src", "copied bytes",
          {{"Content-Type", "text/x-src"}, {"x-amz-meta-origin", "src"}, {"x-amz-tagging", "a=1"}})
          .status,
      200);
  HttpResponse r = Copy("dst", "/alice-bucket/src");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<CopyObjectResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"),
            std::string::npos);
  EXPECT_EQ(r.Xml("ETag"), "&quot;" + Md5Hex("copied bytes") + "&quot;");
  EXPECT_TRUE(std::regex_match(r.Xml("LastModified"),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  HttpResponse get = Get("dst");
  EXPECT_EQ(get.body, "copied bytes");
  EXPECT_EQ(get.Header("content-type"), "text/x-src");
  EXPECT_EQ(get.Header("x-amz-meta-origin"), "src");
  EXPECT_EQ(get.Header("x-amz-tagging-count"), "1");
  EXPECT_EQ(Get("src").body, "copied bytes") << "the source stays";
}

TEST_F(ObjectTest, CopyReplacesMetadataWhenAsked) {
  ASSERT_EQ(
      Put("src", "abc", {{"Content-Type", "text/x-src"}, {"x-amz-meta-origin", "src"}}).status,
      200);
  HttpResponse r = Copy("dst", "alice-bucket/src",
                        {{"x-amz-metadata-directive", "REPLACE"},
                         {"Content-Type", "text/x-new"},
                         {"x-amz-meta-fresh", "yes"},
                         {"x-amz-storage-class", "STANDARD_IA"}});
  ASSERT_EQ(r.status, 200) << r.body;
  HttpResponse get = Get("dst");
  EXPECT_EQ(get.Header("content-type"), "text/x-new");
  EXPECT_EQ(get.Header("x-amz-meta-fresh"), "yes");
  EXPECT_EQ(get.Header("x-amz-meta-origin"), "");
  EXPECT_EQ(get.Header("x-amz-storage-class"), "STANDARD_IA");
  HttpResponse bad = Copy("dst", "alice-bucket/src", {{"x-amz-metadata-directive", "MERGE"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Xml("Code"), "InvalidArgument");
}

TEST_F(ObjectTest, CopyOntoItselfMustChangeSomething) {
  ASSERT_EQ(Put("self", "same", {{"x-amz-meta-v", "1"}}).status, 200);
  HttpResponse r = Copy("self", "/alice-bucket/self");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "InvalidRequest");
  EXPECT_EQ(r.Xml("Message"),
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object&apos;s metadata, storage class, website redirect "
            "location or encryption attributes.");
  HttpResponse replaced = Copy("self", "/alice-bucket/self",
                               {{"x-amz-metadata-directive", "REPLACE"}, {"x-amz-meta-v", "2"}});
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  HttpResponse get = Get("self");
  EXPECT_EQ(get.body, "same");
  EXPECT_EQ(get.Header("x-amz-meta-v"), "2");
}

TEST_F(ObjectTest, CopyDecodesTheSourceAndIgnoresANullVersion) {
  const std::string key = "dir/sp ace+\xE2\x82\xAC";
  ASSERT_EQ(Put(key, "unicode").status, 200);
  HttpResponse r = Copy("dst", "/alice-bucket/" + common::UriEncode(key, true) + "?versionId=null");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Get("dst").body, "unicode");
  HttpResponse version =
      Copy("dst", "/alice-bucket/" + common::UriEncode(key, true) + "?versionId=abc");
  EXPECT_EQ(version.status, 400);
  EXPECT_EQ(version.Xml("Code"), "InvalidArgument");
  for (const std::string bad : {"alice-bucket", "/alice-bucket/", "nokey"}) {
    HttpResponse b = Copy("dst", bad);
    EXPECT_EQ(b.status, 400) << bad;
    EXPECT_EQ(b.Xml("Code"), "InvalidArgument") << bad;
  }
}

TEST_F(ObjectTest, CopyReportsMissingOrForeignSources) {
  HttpResponse key = Copy("dst", "/alice-bucket/absent");
  EXPECT_EQ(key.status, 404);
  EXPECT_EQ(key.Xml("Code"), "NoSuchKey");
  EXPECT_EQ(key.Xml("Key"), "absent");
  HttpResponse bucket = Copy("dst", "/no-such-bucket/k");
  EXPECT_EQ(bucket.status, 404);
  EXPECT_EQ(bucket.Xml("Code"), "NoSuchBucket");
  EXPECT_EQ(bucket.Xml("BucketName"), "no-such-bucket");

  ASSERT_EQ(Send("PUT", "/bob-bucket", {}, "", bob_.get()).status, 200);
  ASSERT_EQ(Send("PUT", "/bob-bucket/secret", {}, "bob's", bob_.get()).status, 200);
  HttpResponse foreign = Copy("dst", "/bob-bucket/secret");
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.Xml("Code"), "AccessDenied");
  EXPECT_EQ(Get("dst").status, 404);
}

TEST_F(ObjectTest, CopyHonoursSourceConditions) {
  ASSERT_EQ(Put("src", "cond").status, 200);
  const std::string etag = Head("src").Header("etag");
  const std::string past = "Mon, 01 Jan 2001 00:00:00 GMT";
  const std::string future = "Fri, 01 Jan 2100 00:00:00 GMT";
  const std::pair<Headers, int> cases[] = {
      {{{"x-amz-copy-source-if-match", etag}}, 200},
      {{{"x-amz-copy-source-if-match", "\"nope\""}}, 412},
      {{{"x-amz-copy-source-if-none-match", etag}}, 412},
      {{{"x-amz-copy-source-if-none-match", "\"nope\""}}, 200},
      {{{"x-amz-copy-source-if-modified-since", future}}, 412},
      {{{"x-amz-copy-source-if-modified-since", past}}, 200},
      {{{"x-amz-copy-source-if-unmodified-since", past}}, 412},
      {{{"x-amz-copy-source-if-unmodified-since", future}}, 200},
      {{{"x-amz-copy-source-if-match", etag}, {"x-amz-copy-source-if-unmodified-since", past}},
       200},
  };
  for (const auto& [headers, status] : cases) {
    SCOPED_TRACE(headers[0].first + ": " + headers[0].second);
    HttpResponse r = Copy("dst", "/alice-bucket/src", headers);
    EXPECT_EQ(r.status, status) << r.body;
    if (status == 412) {
      EXPECT_EQ(r.Xml("Code"), "PreconditionFailed");
    }
  }
}

TEST_F(ObjectTest, CopiesLargeObjects) {
  const std::string body = RandomBytes(3 << 20, 11);
  ASSERT_EQ(Put("big", body).status, 200);
  HttpResponse r = Copy("big-copy", "/alice-bucket/big", {{"x-amz-checksum-algorithm", "CRC32"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Xml("ChecksumCRC32"), Crc32(body));
  HttpResponse get = Get("big-copy", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_TRUE(get.body == body);
  EXPECT_EQ(get.Header("etag"), "\"" + Md5Hex(body) + "\"");
  EXPECT_EQ(get.Header("x-amz-checksum-crc32"), Crc32(body));
}

// --- multipart objects (parts through the multipart API)

class ObjectMultipartTest : public ObjectTest {
 protected:
  Options MakeOptions() override {
    Options o = ObjectTest::MakeOptions();
    o.min_part_size = 1;
    return o;
  }
  // Uploads `parts` as one multipart object; returns its ETag.
  std::string PutMultipart(const std::string& key, const std::vector<std::string>& parts) {
    HttpResponse init = Send("POST", ObjectPath(key) + "?uploads");
    EXPECT_EQ(init.status, 200) << init.body;
    std::string id = init.Xml("UploadId");
    std::string xml = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < parts.size(); ++i) {
      std::string n = std::to_string(i + 1);
      HttpResponse up =
          Send("PUT", ObjectPath(key) + "?partNumber=" + n + "&uploadId=" + id, {}, parts[i]);
      EXPECT_EQ(up.status, 200) << up.body;
      xml +=
          "<Part><PartNumber>" + n + "</PartNumber><ETag>" + up.Header("etag") + "</ETag></Part>";
    }
    xml += "</CompleteMultipartUpload>";
    HttpResponse done = Send("POST", ObjectPath(key) + "?uploadId=" + id, {}, xml);
    EXPECT_EQ(done.status, 200) << done.body;
    return Head(key).Header("etag");
  }
};

TEST_F(ObjectMultipartTest, ServesPartsByNumber) {
  const std::vector<std::string> parts = {RandomBytes(3000, 1), RandomBytes(5000, 2),
                                          RandomBytes(1000, 3)};
  std::string etag = PutMultipart("mp", parts);
  ASSERT_TRUE(etag.size() > 3 && etag.substr(etag.size() - 3) == "-3\"") << etag;

  HttpResponse whole = Get("mp");
  ASSERT_EQ(whole.status, 200);
  EXPECT_TRUE(whole.body == parts[0] + parts[1] + parts[2]);
  EXPECT_EQ(whole.Header("x-amz-mp-parts-count"), "") << "only with partNumber";

  const struct {
    int n;
    uint64_t first;
  } cases[] = {{1, 0}, {2, 3000}, {3, 8000}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.n);
    const std::string& part = parts[c.n - 1];
    std::string range = "bytes " + std::to_string(c.first) + "-" +
                        std::to_string(c.first + part.size() - 1) + "/9000";
    HttpResponse get = Get("mp", {}, "?partNumber=" + std::to_string(c.n));
    ASSERT_EQ(get.status, 206) << get.body;
    EXPECT_TRUE(get.body == part);
    EXPECT_EQ(get.Header("content-range"), range);
    EXPECT_EQ(get.Header("x-amz-mp-parts-count"), "3");
    EXPECT_EQ(get.Header("etag"), etag);
    HttpResponse head = Head("mp", {}, "?partNumber=" + std::to_string(c.n));
    EXPECT_EQ(head.status, 206);
    EXPECT_EQ(head.Header("content-length"), std::to_string(part.size()));
    EXPECT_EQ(head.Header("content-range"), range);
  }
  HttpResponse beyond = Get("mp", {}, "?partNumber=4");
  EXPECT_EQ(beyond.status, 416);
  EXPECT_EQ(beyond.Xml("Code"), "InvalidPartNumber");
  EXPECT_EQ(beyond.Xml("ActualPartCount"), "3");
  for (const std::string bad : {"0", "10001", "x", "-1"}) {
    HttpResponse r = Get("mp", {}, "?partNumber=" + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.Xml("Code"), "InvalidArgument") << bad;
  }
  HttpResponse both = Get("mp", {{"Range", "bytes=0-1"}}, "?partNumber=1");
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(both.Xml("Code"), "InvalidRequest");
  HttpResponse ranged = Get("mp", {{"Range", "bytes=2990-3009"}});
  ASSERT_EQ(ranged.status, 206);
  EXPECT_TRUE(ranged.body == (parts[0] + parts[1]).substr(2990, 20)) << "a range across parts";
}

TEST_F(ObjectMultipartTest, TreatsASinglePartObjectAsOnePart) {
  ASSERT_EQ(Put("single", "0123456789").status, 200);
  HttpResponse one = Get("single", {}, "?partNumber=1");
  EXPECT_EQ(one.status, 206);
  EXPECT_EQ(one.body, "0123456789");
  EXPECT_EQ(one.Header("content-range"), "bytes 0-9/10");
  EXPECT_EQ(one.Header("x-amz-mp-parts-count"), "");
  HttpResponse two = Get("single", {}, "?partNumber=2");
  EXPECT_EQ(two.status, 416);
  EXPECT_EQ(two.Xml("Code"), "InvalidPartNumber");
}

TEST_F(ObjectMultipartTest, CopyOfAMultipartObjectGetsAnMd5Etag) {
  const std::vector<std::string> parts = {RandomBytes(2000, 4), RandomBytes(100, 5)};
  PutMultipart("mp-src", parts);
  HttpResponse r = Copy("mp-copy", "/alice-bucket/mp-src");
  ASSERT_EQ(r.status, 200) << r.body;
  HttpResponse get = Get("mp-copy");
  EXPECT_TRUE(get.body == parts[0] + parts[1]);
  EXPECT_EQ(get.Header("etag"), "\"" + Md5Hex(parts[0] + parts[1]) + "\"");
  EXPECT_EQ(Get("mp-copy", {}, "?partNumber=2").status, 416) << "the copy is one part";
}

}  // namespace
}  // namespace s2lite::testing
