#include "server/body_pipeline.h"

#include <optional>
#include <string>

#include "auth/aws_chunked.h"
#include "common/ascii.h"
#include "common/crypto.h"

namespace s2lite::server {
namespace {

// Hashes the body and compares it with the signed x-amz-content-sha256.
class PayloadPipeline final : public BodyPipeline {
 public:
  PayloadPipeline(RequestContext& ctx, std::string expected_sha256, BodySink* sink, uint64_t limit)
      : ctx_(ctx), expected_(std::move(expected_sha256)), sink_(sink), limit_(limit) {}

  Status Write(const char* data, size_t n) override {
    received_ += n;
    if (received_ > limit_)
      return Status(sink_ ? ErrorCode::kEntityTooLarge : ErrorCode::kMaxMessageLengthExceeded);
    if (!expected_.empty()) hasher_.Update(data, n);
    if (sink_) return sink_->Write(data, n);
    ctx_.body.append(data, n);
    return Status::Ok();
  }

  Status End() override {
    ctx_.body_bytes = received_;
    if (expected_.empty()) return Status::Ok();
    std::string got = common::HexEncode(hasher_.Final());
    if (!common::ConstantTimeEquals(got, expected_)) {
      return Status(ErrorCode::kXAmzContentSHA256Mismatch)
          .With("ClientComputedContentSHA256", expected_)
          .With("S3ComputedContentSHA256", got);
    }
    return Status::Ok();
  }

  uint64_t payload_bytes() const override { return received_; }

 private:
  RequestContext& ctx_;
  std::string expected_;
  BodySink* sink_;
  uint64_t limit_;
  uint64_t received_ = 0;
  common::Sha256Hasher hasher_;
};

// Decodes aws-chunked framing (signed chunks or unsigned with trailers),
// passing only payload bytes on: framing is never stored as data.
class ChunkedPipeline final : public BodyPipeline {
 public:
  ChunkedPipeline(RequestContext& ctx, std::optional<auth::ChunkSigning> signing, bool trailer,
                  BodySink* sink, uint64_t limit)
      : ctx_(ctx), decoder_(std::move(signing), trailer), sink_(sink), limit_(limit) {}

  Status Write(const char* data, size_t n) override {
    return decoder_.Feed(data, n, [this](const char* p, size_t k) -> Status {
      if (decoder_.decoded_bytes() + k > limit_) return Status(ErrorCode::kEntityTooLarge);
      if (sink_) return sink_->Write(p, k);
      ctx_.body.append(p, k);
      return Status::Ok();
    });
  }

  Status End() override {
    if (Status s = decoder_.Finish(); !s.ok()) return s;
    ctx_.trailers = decoder_.trailers();
    ctx_.body_bytes = decoder_.decoded_bytes();
    if (const std::string* d = ctx_.Header("x-amz-decoded-content-length")) {
      if (*d != std::to_string(decoder_.decoded_bytes())) return Status(ErrorCode::kIncompleteBody);
    }
    return Status::Ok();
  }

  uint64_t payload_bytes() const override { return decoder_.decoded_bytes(); }

 private:
  RequestContext& ctx_;
  auth::AwsChunkedDecoder decoder_;
  BodySink* sink_;
  uint64_t limit_;
};

}  // namespace

Result<std::unique_ptr<BodyPipeline>> MakeBodyPipeline(RequestContext& ctx, BodySink* sink,
                                                       uint64_t limit) {
  const std::string& hash = ctx.auth.payload_hash;
  if (hash.rfind("STREAMING-", 0) == 0) {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
    bool trailer = hash.size() > 8 && hash.compare(hash.size() - 8, 8, "-TRAILER") == 0;
    std::optional<auth::ChunkSigning> signing;
    if (hash.rfind("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", 0) == 0) {
      signing = auth::ChunkSigning{ctx.auth.signing_key, ctx.auth.amz_date, ctx.auth.scope,
                                   ctx.auth.seed_signature};
    } else if (hash != "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
      return Status(ErrorCode::kInvalidArgument, "Unsupported x-amz-content-sha256: " + hash);
    }
    return std::unique_ptr<BodyPipeline>(
        std::make_unique<ChunkedPipeline>(ctx, std::move(signing), trailer, sink, limit));
  }
  std::string expected = hash.size() == 64 ? hash : std::string();
  return std::unique_ptr<BodyPipeline>(
      std::make_unique<PayloadPipeline>(ctx, std::move(expected), sink, limit));
}

}  // namespace s2lite::server
