#include "auth/aws_chunked.h"

#include <algorithm>
#include <cstring>

#include "auth/sigv4.h"
#include "common/ascii.h"
#include "common/hex.h"

namespace s2lite::auth {
namespace {

// hex(sha256("")): the fixed fifth line of every chunk's string to sign.
constexpr std::string_view kEmptySha256Hex =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kChunkSignatureExt = "chunk-signature";
constexpr std::string_view kTrailerSignatureName = "x-amz-trailer-signature";
// Trailers are a handful of checksum headers; the bound keeps a hostile body
// from growing the vector without limit.
constexpr size_t kMaxTrailers = 64;

// S3 answers IncompleteBody for every malformed aws-chunked body (bad size,
// missing CRLF, truncation), not InvalidRequest; versitygw confirmed this
// against AWS (versity/versitygw#1666, #1685).
Status Malformed(std::string_view what) {
  return Status(ErrorCode::kIncompleteBody, "Invalid aws-chunked encoding: " + std::string(what));
}

Status SignatureMismatch() { return Status(ErrorCode::kSignatureDoesNotMatch); }

bool IsOws(char c) { return c == ' ' || c == '\t'; }

struct ChunkExtension {
  std::string_view name;
  std::string_view value;
};

// Splits `;name[=value]` extensions (RFC 9112 section 7.1.1). Quoted values
// may contain ';'. Returns false on an unterminated quote or an empty name.
bool ParseExtensions(std::string_view s, std::vector<ChunkExtension>& out) {
  while (!s.empty()) {
    if (s.front() != ';') return false;
    s.remove_prefix(1);
    size_t name_end = s.find_first_of("=;");
    ChunkExtension ext;
    ext.name = common::TrimOws(s.substr(0, name_end));
    if (ext.name.empty()) return false;
    s = name_end == std::string_view::npos ? std::string_view() : s.substr(name_end);
    if (!s.empty() && s.front() == '=') {
      s.remove_prefix(1);
      size_t start = 0;
      while (start < s.size() && IsOws(s[start])) ++start;
      size_t end = start;
      if (end < s.size() && s[end] == '"') {
        for (++end; end < s.size() && s[end] != '"'; ++end) {
          if (s[end] == '\\') ++end;
        }
        if (end >= s.size()) return false;
        ++end;
        ext.value = s.substr(start, end - start);
      } else {
        end = std::min(s.find(';', start), s.size());
        ext.value = common::TrimOws(s.substr(start, end - start));
      }
      s.remove_prefix(end);
      while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
    }
    out.push_back(ext);
  }
  return true;
}

}  // namespace

AwsChunkedDecoder::AwsChunkedDecoder(std::optional<ChunkSigning> signing, bool trailer_expected,
                                     size_t max_line)
    : signing_(std::move(signing)), trailer_expected_(trailer_expected), max_line_(max_line) {
  if (signing_) {
    previous_signature_ = signing_->seed_signature;
    chunk_hash_.emplace();
  }
}

Status AwsChunkedDecoder::Feed(const char* data, size_t n, const Output& out) {
  if (!failed_.ok()) return failed_;
  Status s = FeedUnchecked(data, n, out);
  if (!s.ok()) failed_ = s;
  return s;
}

Status AwsChunkedDecoder::FeedUnchecked(const char* data, size_t n, const Output& out) {
  const char* p = data;
  const char* const end = data + n;
  while (p < end) {
    switch (phase_) {
      case Phase::kChunkHeader:
      case Phase::kTrailer: {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
        size_t take = static_cast<size_t>((nl ? nl : end) - p);
        // +1: the line's '\r' is held until its '\n' arrives.
        if (line_.size() + take > max_line_ + 1) return Malformed("line too long");
        line_.append(p, take);
        if (nl == nullptr) return Status::Ok();
        p = nl + 1;
        std::string_view line = line_;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > max_line_) return Malformed("line too long");
        Status s = phase_ == Phase::kChunkHeader ? OnChunkHeader(line) : OnTrailerLine(line);
        line_.clear();
        if (!s.ok()) return s;
        break;
      }
      case Phase::kChunkData: {
        size_t take =
            static_cast<size_t>(std::min<uint64_t>(chunk_left_, static_cast<uint64_t>(end - p)));
        if (chunk_hash_) chunk_hash_->Update(p, take);
        if (Status s = out(p, take); !s.ok()) return s;
        decoded_ += take;
        chunk_left_ -= take;
        p += take;
        if (chunk_left_ == 0) {
          if (Status s = OnChunkDataEnd(); !s.ok()) return s;
        }
        break;
      }
      case Phase::kDataCr:
        if (*p++ != '\r') return Malformed("chunk data longer than its declared size");
        phase_ = Phase::kDataLf;
        break;
      case Phase::kDataLf:
        if (*p++ != '\n') return Malformed("chunk data not followed by CRLF");
        phase_ = Phase::kChunkHeader;
        break;
      case Phase::kDone:
        return Malformed("data after the end of the body");
    }
  }
  return Status::Ok();
}

Status AwsChunkedDecoder::OnChunkHeader(std::string_view line) {
  size_t digits = 0;
  uint64_t size = 0;
  for (; digits < line.size(); ++digits) {
    int v = common::HexDigitValue(line[digits]);
    if (v < 0) break;
    if (size > (UINT64_MAX >> 4)) return Malformed("chunk size too large");
    size = (size << 4) | static_cast<uint64_t>(v);
  }
  if (digits == 0) return Malformed("missing chunk size");
  std::string_view rest = line.substr(digits);
  while (!rest.empty() && IsOws(rest.front())) rest.remove_prefix(1);
  std::vector<ChunkExtension> extensions;
  if (!ParseExtensions(rest, extensions)) return Malformed("bad chunk extension");

  if (signing_) {
    // A signed chunk carries exactly its signature: anything else would be
    // unsigned data riding in the framing.
    if (extensions.size() != 1 || extensions[0].name != kChunkSignatureExt) {
      return Malformed("signed chunk without exactly one chunk-signature");
    }
    chunk_signature_ = std::string(extensions[0].value);
  }
  if (size == 0) {
    if (signing_) {
      if (Status s = VerifyChunkSignature(kEmptySha256Hex); !s.ok()) return s;
    }
    phase_ = Phase::kTrailer;
    return Status::Ok();
  }
  chunk_left_ = size;
  phase_ = Phase::kChunkData;
  return Status::Ok();
}

Status AwsChunkedDecoder::OnChunkDataEnd() {
  if (signing_) {
    common::Sha256Digest digest = chunk_hash_->Final();
    if (Status s = VerifyChunkSignature(common::HexEncode(digest)); !s.ok()) return s;
  }
  phase_ = Phase::kDataCr;
  return Status::Ok();
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html#sigv4-chunked-body-definition
Status AwsChunkedDecoder::VerifyChunkSignature(std::string_view data_sha256_hex) {
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n";
  sts += signing_->amz_date;
  sts += '\n';
  sts += signing_->scope;
  sts += '\n';
  sts += previous_signature_;
  sts += '\n';
  sts += kEmptySha256Hex;
  sts += '\n';
  sts += data_sha256_hex;
  std::string expected = SignatureHex(signing_->signing_key, sts);
  if (!common::ConstantTimeEquals(expected, chunk_signature_)) return SignatureMismatch();
  previous_signature_ = std::move(expected);
  return Status::Ok();
}

Status AwsChunkedDecoder::OnTrailerLine(std::string_view line) {
  if (line.empty()) return OnTrailersEnd();
  if (!trailer_expected_) return Malformed("trailer without x-amz-trailer");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return Malformed("trailer line without ':'");
  std::string name = common::AsciiLower(common::TrimOws(line.substr(0, colon)));
  std::string_view value = common::TrimOws(line.substr(colon + 1));
  if (name.empty()) return Malformed("trailer without a name");
  if (name == kTrailerSignatureName) {
    // Unsigned payloads have nothing to check it against; it is dropped.
    if (signing_) {
      if (trailer_signature_) return Malformed("repeated x-amz-trailer-signature");
      trailer_signature_ = std::string(value);
    }
    return Status::Ok();
  }
  if (trailers_.size() >= kMaxTrailers) return Malformed("too many trailers");
  trailers_.emplace_back(std::move(name), std::string(value));
  return Status::Ok();
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
// The signed bytes are the trailers as "name:value\n" lines. SDKs send them
// sorted by name (the .NET SDK sorts explicitly), so the sorted form is
// canonical; the order received is tried too, as both name the same headers.
Status AwsChunkedDecoder::OnTrailersEnd() {
  phase_ = Phase::kDone;
  if (!signing_ || (trailers_.empty() && !trailer_signature_)) return Status::Ok();
  // Trailers in a signed body count only when signed.
  if (!trailer_signature_) return SignatureMismatch();
  auto signature_over = [this](const std::vector<std::pair<std::string, std::string>>& lines) {
    std::string canonical;
    for (const auto& [name, value] : lines) {
      canonical += name;
      canonical += ':';
      canonical += value;
      canonical += '\n';
    }
    std::string sts = "AWS4-HMAC-SHA256-TRAILER\n";
    sts += signing_->amz_date;
    sts += '\n';
    sts += signing_->scope;
    sts += '\n';
    sts += previous_signature_;
    sts += '\n';
    sts += common::Sha256Hex(canonical);
    return SignatureHex(signing_->signing_key, sts);
  };
  auto sorted = trailers_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (common::ConstantTimeEquals(signature_over(sorted), *trailer_signature_)) return Status::Ok();
  if (sorted != trailers_ &&
      common::ConstantTimeEquals(signature_over(trailers_), *trailer_signature_)) {
    return Status::Ok();
  }
  return SignatureMismatch();
}

Status AwsChunkedDecoder::Finish() {
  if (!failed_.ok()) return failed_;
  if (phase_ == Phase::kDone) return Status::Ok();
  // Be liberal about the blank line that closes the body: some writers omit
  // it. Everything signed has been verified by then, so only completeness is
  // at stake: the final chunk must have arrived, and so must a trailer when
  // one was promised.
  bool trailer_complete = signing_ ? trailer_signature_.has_value() : !trailers_.empty();
  if (phase_ == Phase::kTrailer && line_.empty() && (!trailer_expected_ || trailer_complete)) {
    failed_ = OnTrailersEnd();
    return failed_;
  }
  failed_ = Status(ErrorCode::kIncompleteBody, "The request body terminated unexpectedly");
  return failed_;
}

}  // namespace s2lite::auth
