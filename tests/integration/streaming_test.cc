// SigV4 streaming uploads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) through the
// real server: chunk signatures chained from the seed signature are checked;
// a tampered chunk stores nothing.
#include <gtest/gtest.h>

#include "auth/sigv4.h"
#include "common/crypto.h"
#include "s2lite/testing/gtest.h"
#include "test_client.h"

namespace s2lite::testing {
namespace {

constexpr size_t kChunk = 64 * 1024;

class StreamingTest : public S3Test {
 protected:
  // Encodes `data` as signed aws-chunked, chaining from `seed`.
  static std::string Chunked(const std::string& data, const std::string& seed,
                             const std::string& secret, const std::string& amz_date, bool tamper) {
    std::string date = amz_date.substr(0, 8);
    std::string scope = date + "/us-east-1/s3/aws4_request";
    auto key = auth::SigningKey(secret, date, "us-east-1", "s3");
    std::string prev = seed, out;
    auto chunk = [&](std::string_view payload) {
      std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + amz_date + "\n" + scope + "\n" + prev +
                        "\n" + common::Sha256Hex("") + "\n" + common::Sha256Hex(payload);
      prev = auth::SignatureHex(key, sts);
      char size[32];
      std::snprintf(size, sizeof size, "%zx", payload.size());
      std::string body(payload);
      if (tamper && !body.empty()) body[body.size() / 2] ^= 1;  // after signing
      out += std::string(size) + ";chunk-signature=" + prev + "\r\n" + body + "\r\n";
    };
    for (size_t off = 0; off < data.size(); off += kChunk)
      chunk(std::string_view(data).substr(off, kChunk));
    chunk("");
    return out;
  }

  // Sends a PutObject whose body is signed chunk by chunk.
  HttpResponse PutStreaming(const std::string& key, const std::string& data, bool tamper) {
    // The framing's length does not depend on the signatures (64 hex each), so
    // a placeholder body fixes Content-Length before the seed signature exists.
    std::string placeholder = Chunked(data, std::string(64, '0'), "x", "20260101T000000Z", false);
    HttpRequest r;
    r.method = "PUT";
    r.target = "/" + bucket() + "/" + key;
    r.payload_hash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    r.headers = {{"Content-Encoding", "aws-chunked"},
                 {"x-amz-decoded-content-length", std::to_string(data.size())},
                 {"Content-Length", std::to_string(placeholder.size())}};
    r.body = placeholder;
    TestClient c(server().port(), access_key(), secret_key());
    std::string bytes = c.Serialize(r);
    auto sig_at = bytes.find("Signature=") + 10;
    std::string seed = bytes.substr(sig_at, 64);
    auto date_at = bytes.find("x-amz-date: ") + 12;
    std::string amz_date = bytes.substr(date_at, 16);
    std::string body = Chunked(data, seed, secret_key(), amz_date, tamper);
    EXPECT_EQ(body.size(), placeholder.size());
    bytes.replace(bytes.size() - placeholder.size(), placeholder.size(), body);
    return SendRaw(server().port(), bytes, 1).at(0);
  }
};

TEST_F(StreamingTest, SignedChunksAreVerifiedAndOnlyPayloadIsStored) {
  std::string data(200 * 1024 + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 % 251);
  HttpResponse r = PutStreaming("streamed.bin", data, false);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("etag"), "\"" + common::HexEncode(common::Md5(data)) + "\"");
  EXPECT_EQ(*server().ReadObject(bucket(), "streamed.bin"), data);
  auto objects = server().ListObjects(bucket());
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ(objects->front().metadata.content_encoding, "") << "aws-chunked is not stored";
}

TEST_F(StreamingTest, TamperedChunkIsRefusedAndNothingIsStored) {
  std::string data(150 * 1024, 'z');
  HttpResponse r = PutStreaming("tampered.bin", data, true);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Xml("Code"), "SignatureDoesNotMatch");
  EXPECT_EQ(server().ReadObject(bucket(), "tampered.bin").status().code(), ErrorCode::kNoSuchKey);
}

TEST_F(StreamingTest, SignedPayloadHashMismatchIsRefused) {
  HttpRequest r;
  r.method = "PUT";
  r.target = "/" + bucket() + "/hashed.bin";
  r.body = "actual body";
  r.payload_hash = common::Sha256Hex("another body");
  TestClient c(server().port(), access_key(), secret_key());
  HttpResponse resp = c.Send(r);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.Xml("Code"), "XAmzContentSHA256Mismatch");
  EXPECT_EQ(server().ReadObject(bucket(), "hashed.bin").status().code(), ErrorCode::kNoSuchKey);
}

}  // namespace
}  // namespace s2lite::testing
