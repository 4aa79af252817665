#include "server/handlers/body_writer.h"

#include "common/ascii.h"
#include "server/state.h"

namespace s2lite::server {

Result<std::unique_ptr<BodyWriter>> BodyWriter::Start(RequestContext& ctx,
                                                      const std::string& default_algorithm) {
  const Options& o = ctx.state->options;
  std::optional<uint64_t> size = ctx.content_length;
  if (const std::string* d = ctx.Header("x-amz-decoded-content-length")) {
    try {
      size = std::stoull(*d);
    } catch (...) {
      return Status(ErrorCode::kInvalidArgument, "Invalid x-amz-decoded-content-length");
    }
  }
  if (!size && !ctx.chunked) return Status(ErrorCode::kMissingContentLength);
  if (size && *size > o.max_part_size) {
    return Status(ErrorCode::kEntityTooLarge)
        .With("ProposedSize", std::to_string(*size))
        .With("MaxSizeAllowed", std::to_string(o.max_part_size));
  }
  std::unique_ptr<BodyWriter> w(new BodyWriter());
  w->ctx_ = &ctx;
  w->md5_ = std::make_unique<auth::Md5Stream>(ctx.md5_batch);
  if (const std::string* md5 = ctx.Header("content-md5")) {
    auto raw = common::Base64Decode(*md5);
    if (!raw || raw->size() != 16) return Status(ErrorCode::kInvalidDigest);
    w->content_md5_raw_ = std::move(*raw);
  }
  if (Status s = w->ChooseChecksum(ctx, default_algorithm); !s.ok()) return s;
  if (w->algorithm_) w->checksummer_ = auth::NewChecksummer(*w->algorithm_);
  auto blob = ctx.state->store->NewBlob();
  if (!blob.ok()) return blob.status();
  w->blob_ = std::move(*blob);
  return w;
}

Status BodyWriter::ChooseChecksum(const RequestContext& ctx, const std::string& default_algorithm) {
  for (const auto& [name, value] : ctx.view.headers) {
    if (auto a = auth::ChecksumFromHeader(name)) {
      if (algorithm_ && *algorithm_ != *a)
        return Status(ErrorCode::kInvalidRequest, "Expecting a single x-amz-checksum- header");
      algorithm_ = a;
      expected_checksum_header_ = name;
    }
  }
  if (const std::string* trailer = ctx.Header("x-amz-trailer")) {
    std::string name = common::AsciiLower(*trailer);
    auto a = auth::ChecksumFromHeader(name);
    if (!a)
      return Status(ErrorCode::kInvalidRequest,
                    "The value specified in the x-amz-trailer header is not supported");
    if (algorithm_ && *algorithm_ != *a)
      return Status(ErrorCode::kInvalidRequest, "Expecting a single x-amz-checksum- header");
    algorithm_ = a;
    expected_checksum_header_ = name;
  }
  if (!algorithm_) {
    std::string hint = ctx.HeaderOr("x-amz-sdk-checksum-algorithm", default_algorithm);
    if (!hint.empty()) {
      algorithm_ = auth::ParseChecksumAlgorithm(hint);
      if (!algorithm_)
        return Status(ErrorCode::kInvalidRequest,
                      "Value for x-amz-sdk-checksum-algorithm header is invalid.");
    }
  }
  return Status::Ok();
}

Status BodyWriter::Write(const char* data, size_t n) {
  md5_->Update(data, n);
  if (checksummer_) checksummer_->Update(data, n);
  return blob_->Write(data, n);
}

Result<WrittenBody> BodyWriter::Finish() {
  WrittenBody out;
  common::Md5Digest md5 = md5_->Final();
  out.md5_hex = common::HexEncode(md5);
  if (!content_md5_raw_.empty() &&
      !common::ConstantTimeEquals(
          content_md5_raw_, std::string_view(reinterpret_cast<const char*>(md5.data()), 16))) {
    blob_->Abort();
    return Status(ErrorCode::kBadDigest)
        .With("ExpectedDigest", common::Base64Encode(content_md5_raw_))
        .With("CalculatedDigest", common::Base64Encode(std::string_view(
                                      reinterpret_cast<const char*>(md5.data()), 16)));
  }
  if (algorithm_) {
    out.checksum_algorithm = std::string(auth::ChecksumName(*algorithm_));
    out.checksum_raw = checksummer_->FinalRaw();
    out.checksum_value = common::Base64Encode(out.checksum_raw);
    if (!expected_checksum_header_.empty()) {
      const std::string* expected = ctx_->HeaderOrTrailer(expected_checksum_header_);
      if (!expected) {
        blob_->Abort();
        return Status(ErrorCode::kInvalidRequest,
                      "x-amz-trailer " + expected_checksum_header_ + " was not sent");
      }
      if (*expected != out.checksum_value) {
        blob_->Abort();
        return Status(ErrorCode::kBadDigest, "The " + out.checksum_algorithm +
                                                 " you specified did not match the calculated "
                                                 "checksum.");
      }
    }
  }
  auto blob = blob_->Commit();
  if (!blob.ok()) return blob.status();
  out.blob = *blob;
  return out;
}

void AddChecksumHeader(Response& r, const std::string& algorithm, const std::string& value) {
  if (algorithm.empty() || value.empty()) return;
  auto a = auth::ParseChecksumAlgorithm(algorithm);
  if (a) r.AddHeader(std::string(auth::ChecksumHeader(*a)), value);
}

}  // namespace s2lite::server
