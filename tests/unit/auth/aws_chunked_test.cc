#include "auth/aws_chunked.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "auth/checksum.h"
#include "auth/sigv4.h"
#include "common/crypto.h"

namespace s2lite::auth {
namespace {

using Trailers = std::vector<std::pair<std::string, std::string>>;

// The example credentials, date and scope of AWS's streaming pages.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kAmzDate[] = "20130524T000000Z";
constexpr char kScope[] = "20130524/us-east-1/s3/aws4_request";

constexpr char kSeed[] = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr char kChunk1Sig[] = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
constexpr char kChunk2Sig[] = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
constexpr char kFinalSig[] = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

constexpr char kTrailerSeed[] = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
constexpr char kTrailerChunk1Sig[] =
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2";
constexpr char kTrailerChunk2Sig[] =
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7";
constexpr char kTrailerFinalSig[] =
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992";
constexpr char kTrailerSig[] = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435";

ChunkSigning ExampleSigning(std::string seed) {
  return ChunkSigning{SigningKey(kSecret, "20130524", "us-east-1", "s3"), kAmzDate, kScope,
                      std::move(seed)};
}

// 66560 bytes of 'a' as a 64 KiB chunk, a 1 KiB chunk and the final chunk.
std::string AwsExampleBody() {
  return std::string("10000;chunk-signature=") + kChunk1Sig + "\r\n" + std::string(65536, 'a') +
         "\r\n" + "400;chunk-signature=" + kChunk2Sig + "\r\n" + std::string(1024, 'a') + "\r\n" +
         "0;chunk-signature=" + kFinalSig + "\r\n\r\n";
}

std::string AwsTrailerExampleBody() {
  return std::string("10000;chunk-signature=") + kTrailerChunk1Sig + "\r\n" +
         std::string(65536, 'a') + "\r\n" + "400;chunk-signature=" + kTrailerChunk2Sig + "\r\n" +
         std::string(1024, 'a') + "\r\n" + "0;chunk-signature=" + kTrailerFinalSig + "\r\n" +
         "x-amz-checksum-crc32c:sOO8/Q==\r\n" + "x-amz-trailer-signature:" + kTrailerSig +
         "\r\n\r\n";
}

// An independent signer, written from the AWS pages, for bodies of any shape.
std::string Hmac(const ChunkSigning& s, const std::string& sts) {
  return common::HexEncode(common::HmacSha256(
      std::string_view(reinterpret_cast<const char*>(s.signing_key.data()), 32), sts));
}

struct SignedBody {
  std::string body;
  std::vector<std::string> signatures;
};

SignedBody SignBody(const ChunkSigning& s, const std::vector<std::string>& chunks,
                    const Trailers& trailers = {}) {
  SignedBody out;
  std::string prev = s.seed_signature;
  std::vector<std::string> all = chunks;
  all.emplace_back();
  for (const std::string& data : all) {
    std::string sig =
        Hmac(s, "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amz_date + "\n" + s.scope + "\n" + prev + "\n" +
                    common::Sha256Hex("") + "\n" + common::Sha256Hex(data));
    char size[32];
    snprintf(size, sizeof(size), "%zx", data.size());
    out.body += std::string(size) + ";chunk-signature=" + sig + "\r\n" + data;
    if (!data.empty()) out.body += "\r\n";
    out.signatures.push_back(sig);
    prev = sig;
  }
  if (!trailers.empty()) {
    std::string canonical;
    for (const auto& [name, value] : trailers) {
      out.body += name + ":" + value + "\r\n";
      canonical += name + ":" + value + "\n";
    }
    std::string sig = Hmac(s, "AWS4-HMAC-SHA256-TRAILER\n" + s.amz_date + "\n" + s.scope + "\n" +
                                  prev + "\n" + common::Sha256Hex(canonical));
    out.body += "x-amz-trailer-signature:" + sig + "\r\n";
  }
  out.body += "\r\n";
  return out;
}

// The framing boto3 (botocore's AwsChunkedWrapper), the JS SDK v3 and the
// Go SDK v2 send for STREAMING-UNSIGNED-PAYLOAD-TRAILER.
std::string UnsignedBody(const std::vector<std::string>& chunks, const Trailers& trailers) {
  std::string body;
  for (const std::string& data : chunks) {
    char size[32];
    snprintf(size, sizeof(size), "%zx", data.size());
    body += std::string(size) + "\r\n" + data + "\r\n";
  }
  body += "0\r\n";
  for (const auto& [name, value] : trailers) body += name + ":" + value + "\r\n";
  body += "\r\n";
  return body;
}

enum class Split { kWhole, kBytewise, kRandom };

std::string SplitName(Split s) {
  switch (s) {
    case Split::kWhole:
      return "whole";
    case Split::kBytewise:
      return "bytewise";
    case Split::kRandom:
      return "random";
  }
  return "";
}

constexpr Split kSplits[] = {Split::kWhole, Split::kBytewise, Split::kRandom};

struct Decoded {
  Status status;  // the first error, from Feed or Finish
  bool failed_in_feed = false;
  std::string data;
  Trailers trailers;
  uint64_t decoded_bytes = 0;
};

Decoded Decode(std::optional<ChunkSigning> signing, bool trailer, std::string_view body,
               Split split = Split::kWhole, uint32_t seed = 1, size_t max_line = 4096) {
  AwsChunkedDecoder decoder(std::move(signing), trailer, max_line);
  Decoded d;
  auto out = [&d](const char* p, size_t n) {
    d.data.append(p, n);
    return Status::Ok();
  };
  std::mt19937 rng(seed);
  size_t pos = 0;
  while (pos < body.size()) {
    size_t n = body.size() - pos;
    if (split == Split::kBytewise) n = 1;
    if (split == Split::kRandom) n = std::min<size_t>(n, rng() % 200 == 0 ? 70000 : rng() % 97);
    Status s = decoder.Feed(body.data() + pos, n, out);
    pos += n;
    if (!s.ok()) {
      d.status = s;
      d.failed_in_feed = true;
      return d;
    }
  }
  d.status = decoder.Finish();
  d.trailers = decoder.trailers();
  d.decoded_bytes = decoder.decoded_bytes();
  return d;
}

TEST(AwsChunkedTest, DecodesAwsStreamingExampleSplitAnywhere) {
  const std::string body = AwsExampleBody();
  for (Split split : kSplits) {
    for (uint32_t seed : {1u, 2u, 3u}) {
      if (split != Split::kRandom && seed > 1) continue;
      SCOPED_TRACE(SplitName(split) + " seed " + std::to_string(seed));
      Decoded d = Decode(ExampleSigning(kSeed), false, body, split, seed);
      ASSERT_TRUE(d.status.ok()) << d.status.message();
      EXPECT_EQ(d.data, std::string(66560, 'a'));
      EXPECT_EQ(d.decoded_bytes, 66560u);
      EXPECT_TRUE(d.trailers.empty());
    }
  }
}

TEST(AwsChunkedTest, TestSignerReproducesAwsExampleSignatures) {
  SignedBody b = SignBody(ExampleSigning(kSeed), {std::string(65536, 'a'), std::string(1024, 'a')});
  EXPECT_EQ(b.signatures, (std::vector<std::string>{kChunk1Sig, kChunk2Sig, kFinalSig}));
  EXPECT_EQ(b.body, AwsExampleBody());
}

TEST(AwsChunkedTest, RejectsAnyTamperedByteOrSignature) {
  const std::string body = AwsExampleBody();
  struct Case {
    std::string name;
    size_t offset;
    char replacement;
  };
  const size_t chunk1_data = body.find("\r\n") + 2;
  const size_t chunk2_header = body.find("400;");
  const size_t chunk2_data = body.find("\r\n", chunk2_header) + 2;
  const size_t final_header = body.find("\r\n0;") + 2;
  const std::string sig_key = "chunk-signature=";
  const Case cases[] = {
      {"first data byte", chunk1_data, 'b'},
      {"last byte of chunk 1", chunk1_data + 65535, 'b'},
      {"byte in chunk 2", chunk2_data + 500, 'A'},
      {"chunk 1 signature", body.find(sig_key) + sig_key.size(), 'b'},
      {"chunk 2 signature", body.find(sig_key, chunk2_header) + sig_key.size() + 63, '0'},
      {"final signature", body.find(sig_key, final_header) + sig_key.size() + 10, 'f'},
  };
  for (const Case& c : cases) {
    for (Split split : {Split::kWhole, Split::kRandom}) {
      SCOPED_TRACE(c.name + ", " + SplitName(split));
      std::string tampered = body;
      ASSERT_NE(tampered[c.offset], c.replacement);
      tampered[c.offset] = c.replacement;
      Decoded d = Decode(ExampleSigning(kSeed), false, tampered, split);
      EXPECT_EQ(d.status.code(), ErrorCode::kSignatureDoesNotMatch);
      EXPECT_TRUE(d.failed_in_feed);
    }
  }
}

TEST(AwsChunkedTest, RejectsWrongSeedAndReorderedChunks) {
  Decoded wrong_seed =
      Decode(ExampleSigning(std::string(64, '0')), false, AwsExampleBody(), Split::kWhole);
  EXPECT_EQ(wrong_seed.status.code(), ErrorCode::kSignatureDoesNotMatch);

  // Two valid chunks sent in the wrong order: each signature chains to the
  // previous one, so the swap is caught even though each chunk is intact.
  ChunkSigning s = ExampleSigning(kSeed);
  SignedBody b = SignBody(s, {std::string(10, 'x'), std::string(10, 'y')});
  std::string first =
      "a;chunk-signature=" + b.signatures[0] + "\r\n" + std::string(10, 'x') + "\r\n";
  std::string second =
      "a;chunk-signature=" + b.signatures[1] + "\r\n" + std::string(10, 'y') + "\r\n";
  std::string swapped = b.body;
  swapped.replace(0, first.size() + second.size(), second + first);
  ASSERT_NE(swapped, b.body);
  EXPECT_TRUE(Decode(s, false, b.body).status.ok());
  EXPECT_EQ(Decode(s, false, swapped).status.code(), ErrorCode::kSignatureDoesNotMatch);
}

TEST(AwsChunkedTest, TruncatedBodyFailsAtFinish) {
  const std::string body = AwsExampleBody();
  std::vector<size_t> cuts = {0, 1, 10, 87, 88, 89, 65624, 65625, 65626, 65627, 66000};
  // Every cut through the final chunk's header line.
  for (size_t cut = body.size() - 90; cut < body.size() - 2; ++cut) cuts.push_back(cut);
  for (size_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(body.size()));
    Decoded d = Decode(ExampleSigning(kSeed), false, std::string_view(body).substr(0, cut));
    EXPECT_FALSE(d.failed_in_feed) << d.status.message();
    EXPECT_EQ(d.status.code(), ErrorCode::kIncompleteBody);
  }
}

TEST(AwsChunkedTest, AcceptsBodyWithoutClosingBlankLine) {
  // Everything is signed and verified by the final chunk; only the closing
  // CRLF is missing, which some writers omit.
  const std::string body = AwsExampleBody();
  Decoded d = Decode(ExampleSigning(kSeed), false, body.substr(0, body.size() - 2));
  EXPECT_TRUE(d.status.ok()) << d.status.message();
  EXPECT_EQ(d.data.size(), 66560u);
}

TEST(AwsChunkedTest, MissingFinalChunkIsIncompleteBody) {
  std::string body = AwsExampleBody();
  body.resize(body.find("\r\n0;chunk-signature") + 2);
  Decoded d = Decode(ExampleSigning(kSeed), false, body);
  EXPECT_FALSE(d.failed_in_feed);
  EXPECT_EQ(d.status.code(), ErrorCode::kIncompleteBody);
  EXPECT_EQ(d.data.size(), 66560u);  // streamed, but the caller must not commit

  Decoded unsigned_body = Decode(std::nullopt, true, "5\r\nhello\r\n");
  EXPECT_EQ(unsigned_body.status.code(), ErrorCode::kIncompleteBody);
}

TEST(AwsChunkedTest, DecodesAwsTrailerExampleSplitAnywhere) {
  const std::string body = AwsTrailerExampleBody();
  EXPECT_EQ(body.size(), 66946u);  // as the trailers page counts it
  for (Split split : kSplits) {
    SCOPED_TRACE(SplitName(split));
    Decoded d = Decode(ExampleSigning(kTrailerSeed), true, body, split);
    ASSERT_TRUE(d.status.ok()) << d.status.message();
    EXPECT_EQ(d.data, std::string(66560, 'a'));
    EXPECT_EQ(d.trailers, (Trailers{{"x-amz-checksum-crc32c", "sOO8/Q=="}}));
    EXPECT_EQ(ChecksumBase64(ChecksumAlgorithm::kCrc32c, d.data), "sOO8/Q==");
  }
}

TEST(AwsChunkedTest, TestSignerReproducesAwsTrailerExample) {
  SignedBody b =
      SignBody(ExampleSigning(kTrailerSeed), {std::string(65536, 'a'), std::string(1024, 'a')},
               {{"x-amz-checksum-crc32c", "sOO8/Q=="}});
  EXPECT_EQ(b.signatures,
            (std::vector<std::string>{kTrailerChunk1Sig, kTrailerChunk2Sig, kTrailerFinalSig}));
  EXPECT_EQ(b.body, AwsTrailerExampleBody());
}

TEST(AwsChunkedTest, RejectsTamperedOrUnsignedTrailers) {
  const std::string body = AwsTrailerExampleBody();
  struct Case {
    std::string name;
    std::string from;
    std::string to;
  };
  const Case cases[] = {
      {"changed value", "sOO8/Q==", "sOO8/Q=A"},
      {"changed name", "x-amz-checksum-crc32c:", "x-amz-checksum-crc32:"},
      {"changed signature", std::string("signature:") + kTrailerSig,
       std::string("signature:") + std::string(64, 'e')},
      {"signature removed", std::string("x-amz-trailer-signature:") + kTrailerSig + "\r\n", ""},
      {"extra unsigned trailer",
       "x-amz-trailer-signature:", "x-amz-meta-extra:1\r\nx-amz-trailer-signature:"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string tampered = body;
    size_t at = tampered.find(c.from);
    ASSERT_NE(at, std::string::npos);
    tampered.replace(at, c.from.size(), c.to);
    Decoded d = Decode(ExampleSigning(kTrailerSeed), true, tampered);
    EXPECT_EQ(d.status.code(), ErrorCode::kSignatureDoesNotMatch);
  }
}

TEST(AwsChunkedTest, VerifiesSeveralSignedTrailersInSortedOrder) {
  ChunkSigning s = ExampleSigning(kTrailerSeed);
  std::string data = "some payload";
  Trailers trailers = {{"x-amz-checksum-crc32", ChecksumBase64(ChecksumAlgorithm::kCrc32, data)},
                       {"x-amz-checksum-sha256", ChecksumBase64(ChecksumAlgorithm::kSha256, data)}};
  for (bool reversed : {false, true}) {
    SCOPED_TRACE(reversed ? "sent and signed in reverse order" : "sorted");
    Trailers sent = trailers;
    if (reversed) std::reverse(sent.begin(), sent.end());
    SignedBody b = SignBody(s, {data}, sent);
    Decoded d = Decode(s, true, b.body, Split::kBytewise);
    ASSERT_TRUE(d.status.ok()) << d.status.message();
    EXPECT_EQ(d.data, data);
    EXPECT_EQ(d.trailers, sent);
  }
}

TEST(AwsChunkedTest, SignedBodyWithoutTrailersWhenTrailerExpectedLeavesCheckToCaller) {
  // No trailer lines at all: nothing unsigned is accepted, and the caller
  // reports the promised-but-missing checksum.
  ChunkSigning s = ExampleSigning(kTrailerSeed);
  SignedBody b = SignBody(s, {"abc"});
  Decoded d = Decode(s, true, b.body);
  EXPECT_TRUE(d.status.ok()) << d.status.message();
  EXPECT_TRUE(d.trailers.empty());
}

TEST(AwsChunkedTest, DecodesUnsignedTrailerBodiesAsSdksSendThem) {
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + 7);
  struct Case {
    std::string name;
    std::vector<std::string> chunks;
    ChecksumAlgorithm algorithm;
  };
  const Case cases[] = {
      {"empty object", {}, ChecksumAlgorithm::kCrc32},
      {"hello world", {"hello world"}, ChecksumAlgorithm::kCrc32},
      // botocore's default chunk size is 1 MiB.
      {"1 MiB chunks",
       {big.substr(0, 1 << 20), big.substr(1 << 20, 1 << 20), big.substr(2 << 20, 1 << 20),
        big.substr(3 << 20)},
       ChecksumAlgorithm::kCrc64Nvme},
      {"binary with CRLFs", {"\r\n0\r\n\r\n", "\n\n"}, ChecksumAlgorithm::kCrc32c},
  };
  for (const Case& c : cases) {
    std::string data;
    for (const std::string& chunk : c.chunks) data += chunk;
    std::string header(ChecksumHeader(c.algorithm));
    std::string value = ChecksumBase64(c.algorithm, data);
    std::string body = UnsignedBody(c.chunks, {{header, value}});
    for (Split split : kSplits) {
      if (split == Split::kBytewise && body.size() > 100000) continue;
      SCOPED_TRACE(c.name + ", " + SplitName(split));
      Decoded d = Decode(std::nullopt, true, body, split);
      ASSERT_TRUE(d.status.ok()) << d.status.message();
      EXPECT_TRUE(d.data == data);
      EXPECT_EQ(d.decoded_bytes, data.size());
      EXPECT_EQ(d.trailers, (Trailers{{header, value}}));
    }
  }
}

TEST(AwsChunkedTest, AcceptsFramingVariantsOfRealClients) {
  struct Case {
    std::string name;
    std::string body;
    std::string data;
    Trailers trailers;
  };
  const Case cases[] = {
      {"upper-case hex",
       "A\r\n0123456789\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
       "0123456789",
       {{"x-amz-checksum-crc32", "AAAAAA=="}}},
      {"leading zeros",
       "0005\r\nhello\r\n000\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
       "hello",
       {{"x-amz-checksum-crc32", "AAAAAA=="}}},
      {"LF-only trailer lines",
       "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\n\n",
       "hello",
       {{"x-amz-checksum-crc32", "AAAAAA=="}}},
      {"LF-only header lines",
       "5\nhello\r\n0\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
       "hello",
       {{"x-amz-checksum-crc32", "AAAAAA=="}}},
      {"mixed-case trailer name, spaces",
       "5\r\nhello\r\n0\r\nX-Amz-Checksum-CRC32 :  AAAAAA== \r\n\r\n",
       "hello",
       {{"x-amz-checksum-crc32", "AAAAAA=="}}},
      {"extensions ignored when unsigned",
       "5;foo=bar;chunk-signature=xyz\r\nhello\r\n0;ext=\"a;b\"\r\nx-amz-checksum-crc32:AAAAAA=="
       "\r\n\r\n",
       "hello",
       {{"x-amz-checksum-crc32", "AAAAAA=="}}},
      {"unsigned trailer signature dropped",
       "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:00\r\n\r\n",
       "hello",
       {{"x-amz-checksum-crc32", "AAAAAA=="}}},
      {"no closing blank line",
       "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n",
       "hello",
       {{"x-amz-checksum-crc32", "AAAAAA=="}}},
  };
  for (const Case& c : cases) {
    for (Split split : kSplits) {
      SCOPED_TRACE(c.name + ", " + SplitName(split));
      Decoded d = Decode(std::nullopt, true, c.body, split);
      ASSERT_TRUE(d.status.ok()) << d.status.message();
      EXPECT_EQ(d.data, c.data);
      EXPECT_EQ(d.trailers, c.trailers);
    }
  }
}

TEST(AwsChunkedTest, RejectsMalformedFraming) {
  ChunkSigning s = ExampleSigning(kSeed);
  const std::string sig(64, 'a');
  struct Case {
    std::string name;
    bool is_signed;
    bool trailer;
    std::string body;
  };
  const Case cases[] = {
      {"data longer than declared", false, true, "5\r\nhelloX\r\n0\r\n\r\n"},
      {"data shorter than declared", false, true, "6\r\nhello\r\n0\r\n\r\n"},
      {"data followed by LF only", false, true, "5\r\nhello\n0\r\n\r\n"},
      {"non-hex size", false, true, "zz\r\nhello\r\n0\r\n\r\n"},
      {"empty size line", false, true, "\r\nhello\r\n0\r\n\r\n"},
      {"negative size", false, true, "-5\r\nhello\r\n0\r\n\r\n"},
      {"junk after size", false, true, "5 x\r\nhello\r\n0\r\n\r\n"},
      {"size overflows 64 bits", false, true, "10000000000000000\r\nhello\r\n"},
      {"empty extension", false, true, "5;\r\nhello\r\n0\r\n\r\n"},
      {"unterminated quoted extension", false, true, "5;a=\"x\r\nhello\r\n0\r\n\r\n"},
      {"data after the end", false, true, "5\r\nhello\r\n0\r\n\r\nmore"},
      {"trailer without colon", false, true, "0\r\nx-amz-checksum-crc32\r\n\r\n"},
      {"trailer without name", false, true, "0\r\n:AAAAAA==\r\n\r\n"},
      {"trailer not announced", false, false, "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"},
      {"signed chunk without signature", true, false, "0\r\n\r\n"},
      {"signed chunk with another extension", true, false,
       "0;chunk-signature=" + sig + ";x=1\r\n\r\n"},
      {"signed chunk with misspelt extension", true, false, "0;chunk-signatur=" + sig + "\r\n\r\n"},
  };
  for (const Case& c : cases) {
    for (Split split : kSplits) {
      SCOPED_TRACE(c.name + ", " + SplitName(split));
      std::optional<ChunkSigning> signing;
      if (c.is_signed) signing = s;
      Decoded d = Decode(signing, c.trailer, c.body, split);
      EXPECT_EQ(d.status.code(), ErrorCode::kIncompleteBody) << d.status.message();
    }
  }
}

TEST(AwsChunkedTest, BoundsLineLength) {
  // A size line that never ends fails once it passes max_line, without
  // buffering the rest.
  std::string endless(1 << 20, '1');
  AwsChunkedDecoder decoder(std::nullopt, true, /*max_line=*/64);
  auto out = [](const char*, size_t) { return Status::Ok(); };
  Status s = decoder.Feed(endless.data(), endless.size(), out);
  EXPECT_EQ(s.code(), ErrorCode::kIncompleteBody);

  std::string ok_line = "5;x=" + std::string(56, 'y') + "\r\nhello\r\n0\r\n\r\n";  // 60 chars
  EXPECT_TRUE(Decode(std::nullopt, true, ok_line, Split::kBytewise, 1, 64).status.ok());
  std::string long_line = "5;x=" + std::string(61, 'y') + "\r\nhello\r\n0\r\n\r\n";  // 65 chars
  EXPECT_EQ(Decode(std::nullopt, true, long_line, Split::kBytewise, 1, 64).status.code(),
            ErrorCode::kIncompleteBody);
  std::string long_trailer = "0\r\nx-amz-checksum-crc32:" + std::string(100, 'A') + "\r\n\r\n";
  EXPECT_EQ(Decode(std::nullopt, true, long_trailer, Split::kRandom, 1, 64).status.code(),
            ErrorCode::kIncompleteBody);
}

TEST(AwsChunkedTest, BoundsTrailerCount) {
  std::string body = "0\r\n";
  for (int i = 0; i < 1000; ++i) body += "x-amz-meta-" + std::to_string(i) + ":v\r\n";
  body += "\r\n";
  EXPECT_EQ(Decode(std::nullopt, true, body).status.code(), ErrorCode::kIncompleteBody);
}

TEST(AwsChunkedTest, StreamsChunkDataBeforeTheChunkEnds) {
  AwsChunkedDecoder decoder(std::nullopt, true);
  std::string got;
  auto out = [&got](const char* p, size_t n) {
    got.append(p, n);
    return Status::Ok();
  };
  std::string part = "100000\r\n" + std::string(1000, 'z');  // a 1 MiB chunk, begun
  ASSERT_TRUE(decoder.Feed(part.data(), part.size(), out).ok());
  EXPECT_EQ(got, std::string(1000, 'z'));
  EXPECT_EQ(decoder.decoded_bytes(), 1000u);
  EXPECT_EQ(decoder.Finish().code(), ErrorCode::kIncompleteBody);
}

TEST(AwsChunkedTest, PropagatesOutputErrorsAndStaysFailed) {
  AwsChunkedDecoder decoder(std::nullopt, true);
  size_t calls = 0;
  auto out = [&calls](const char*, size_t) {
    ++calls;
    return Status(ErrorCode::kEntityTooLarge);
  };
  std::string body = UnsignedBody({"hello"}, {{"x-amz-checksum-crc32", "AAAAAA=="}});
  EXPECT_EQ(decoder.Feed(body.data(), body.size(), out).code(), ErrorCode::kEntityTooLarge);
  EXPECT_EQ(decoder.decoded_bytes(), 0u);
  EXPECT_EQ(decoder.Feed(body.data(), body.size(), out).code(), ErrorCode::kEntityTooLarge);
  EXPECT_EQ(decoder.Finish().code(), ErrorCode::kEntityTooLarge);
  EXPECT_EQ(calls, 1u);
}

TEST(AwsChunkedTest, SignatureFailureIsSticky) {
  std::string body = AwsExampleBody();
  body[200] = 'b';
  AwsChunkedDecoder decoder(ExampleSigning(kSeed), false);
  auto out = [](const char*, size_t) { return Status::Ok(); };
  EXPECT_EQ(decoder.Feed(body.data(), body.size(), out).code(), ErrorCode::kSignatureDoesNotMatch);
  EXPECT_EQ(decoder.Feed("0", 1, out).code(), ErrorCode::kSignatureDoesNotMatch);
  EXPECT_EQ(decoder.Finish().code(), ErrorCode::kSignatureDoesNotMatch);
}

TEST(AwsChunkedTest, TrailerExpectedButBodyEndsAfterFinalChunk) {
  EXPECT_EQ(Decode(std::nullopt, true, "5\r\nhello\r\n0\r\n").status.code(),
            ErrorCode::kIncompleteBody);
  ChunkSigning s = ExampleSigning(kTrailerSeed);
  SignedBody b = SignBody(s, {"abc"}, {{"x-amz-checksum-crc32", "NSRBwg=="}});
  // Cut before the trailer signature line: the unsigned trailer is not enough.
  std::string cut = b.body.substr(0, b.body.find("x-amz-trailer-signature"));
  EXPECT_EQ(Decode(s, true, cut).status.code(), ErrorCode::kIncompleteBody);
  // Cut after it: only the closing blank line is missing.
  EXPECT_TRUE(Decode(s, true, b.body.substr(0, b.body.size() - 2)).status.ok());
}

}  // namespace
}  // namespace s2lite::auth
