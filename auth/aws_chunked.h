#pragma once

// Incremental decoder for `Content-Encoding: aws-chunked` bodies:
//   <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
//   [<trailer-name>:<value>\r\n ... [x-amz-trailer-signature:<sig>\r\n]]\r\n
// with SigV4 chunk signatures chained from the seed signature
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) or unsigned
// (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "s2lite/status.h"

namespace s2lite::auth {

struct ChunkSigning {
  common::Sha256Digest signing_key{};
  std::string amz_date;        // 20130524T000000Z
  std::string scope;           // 20130524/us-east-1/s3/aws4_request
  std::string seed_signature;  // the Authorization header's signature
};

class AwsChunkedDecoder {
 public:
  using Output = std::function<Status(const char* data, size_t n)>;

  // `signing`: verify chunk (and trailer) signatures; nullopt for unsigned
  // payloads. `trailer_expected`: x-amz-trailer was given, so trailers follow
  // the final chunk. `max_line`: bound on a chunk header/trailer line.
  AwsChunkedDecoder(std::optional<ChunkSigning> signing, bool trailer_expected,
                    size_t max_line = 4096);

  // Feeds raw body bytes, split anywhere; decoded payload bytes go to `out` as
  // they are available (before their chunk's signature is checked: callers
  // commit only after Finish() succeeds). Errors: kSignatureDoesNotMatch (bad
  // chunk or trailer signature, or trailers without a signature in a signed
  // body), kIncompleteBody (bad framing, as S3 answers it), or whatever `out`
  // returns. After an error every later call returns the same error.
  Status Feed(const char* data, size_t n, const Output& out);

  // All bytes received: the final chunk (and trailers) must have been seen.
  // The blank line that closes the body may be missing. kIncompleteBody otherwise.
  Status Finish();

  // Trailing headers (names lower-case), without x-amz-trailer-signature.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }
  uint64_t decoded_bytes() const { return decoded_; }

 private:
  enum class Phase { kChunkHeader, kChunkData, kDataCr, kDataLf, kTrailer, kDone };

  Status FeedUnchecked(const char* data, size_t n, const Output& out);
  Status OnChunkHeader(std::string_view line);
  Status OnChunkDataEnd();
  Status OnTrailerLine(std::string_view line);
  Status OnTrailersEnd();
  Status VerifyChunkSignature(std::string_view data_sha256_hex);

  std::optional<ChunkSigning> signing_;
  bool trailer_expected_;
  size_t max_line_;
  std::vector<std::pair<std::string, std::string>> trailers_;
  uint64_t decoded_ = 0;
  Phase phase_ = Phase::kChunkHeader;
  std::string line_;             // the partial header/trailer line
  uint64_t chunk_left_ = 0;      // data bytes still due in the current chunk
  std::string chunk_signature_;  // as claimed by the current chunk's header
  std::string previous_signature_;
  std::optional<common::Sha256Hasher> chunk_hash_;  // signed payloads only
  std::optional<std::string> trailer_signature_;
  Status failed_;  // sticky: once framing or a signature fails, every call fails
};

}  // namespace s2lite::auth
