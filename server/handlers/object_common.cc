#include "server/handlers/object_common.h"

#include <algorithm>
#include <cctype>

#include "auth/checksum.h"
#include "auth/crypto.h"
#include "server/handlers/common.h"
#include "storage/errors.h"

namespace s2lite::server {
namespace {

constexpr size_t kCopyBuffer = 1 << 20;

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Status BrokenManifest(const std::string& blob_id) {
  return Status(ErrorCode::kInternalError, "blob " + blob_id + " is shorter than its manifest");
}

}  // namespace

Status NoSuchKeyError(const std::string& key) { return storage::NoSuchKeyError().With("Key", key); }

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html: objects
// of a bucket that never had versioning enabled have the version id "null".
Status CheckNullVersionId(const RequestContext& ctx) {
  const auth::QueryParam* v = ctx.view.Query("versionId");
  if (!v || v->value == "null") return Status::Ok();
  return Status(ErrorCode::kInvalidArgument, "Invalid version id specified")
      .With("ArgumentName", "versionId")
      .With("ArgumentValue", v->value);
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html: "aws-chunked"
// describes the transfer only; S3 stores the encodings that remain.
std::string StripAwsChunked(std::string_view content_encoding) {
  std::string out;
  while (!content_encoding.empty()) {
    size_t comma = content_encoding.find(',');
    std::string_view item = TrimSpaces(content_encoding.substr(0, comma));
    content_encoding =
        comma == std::string_view::npos ? std::string_view() : content_encoding.substr(comma + 1);
    if (item.empty() || EqualsIgnoreCase(item, "aws-chunked")) continue;
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

Result<storage::ObjectAttrs> ParseWriteAttrs(const RequestContext& ctx) {
  auto attrs = ParseObjectAttrs(ctx);
  if (!attrs.ok()) return attrs;
  attrs->content_encoding = StripAwsChunked(attrs->content_encoding);
  return attrs;
}

ManifestReader::ManifestReader(storage::ObjectStore* store, std::vector<storage::BlobRef> manifest,
                               uint64_t offset, uint64_t length)
    : store_(store), manifest_(std::move(manifest)), blob_offset_(offset), left_(length) {
  while (index_ < manifest_.size() && blob_offset_ >= manifest_[index_].size) {
    blob_offset_ -= manifest_[index_].size;
    ++index_;
  }
}

Status ManifestReader::Open() { return left_ == 0 ? Status::Ok() : Advance(); }

Status ManifestReader::Advance() {
  while (index_ < manifest_.size() && blob_offset_ >= manifest_[index_].size) {
    blob_offset_ = 0;
    ++index_;
    reader_.reset();
  }
  if (index_ == manifest_.size()) return Status(ErrorCode::kInternalError, "manifest too short");
  if (reader_) return Status::Ok();
  auto reader = store_->OpenBlob(manifest_[index_].blob_id);
  if (!reader.ok()) return reader.status();
  reader_ = std::move(*reader);
  return Status::Ok();
}

Result<size_t> ManifestReader::Read(char* data, size_t n) {
  if (left_ == 0 || n == 0) return size_t{0};
  if (Status s = Advance(); !s.ok()) return s;
  const storage::BlobRef& blob = manifest_[index_];
  n = static_cast<size_t>(std::min<uint64_t>({n, left_, blob.size - blob_offset_}));
  auto got = reader_->ReadAt(blob_offset_, data, n);
  if (!got.ok()) return got.status();
  if (*got == 0) return BrokenManifest(blob.blob_id);
  blob_offset_ += *got;
  left_ -= *got;
  return *got;
}

Result<WrittenBody> CopyManifestRange(storage::ObjectStore* store,
                                      const std::vector<storage::BlobRef>& manifest,
                                      uint64_t offset, uint64_t length,
                                      const std::string& checksum_algorithm) {
  ManifestReader reader(store, manifest, offset, length);
  if (Status s = reader.Open(); !s.ok()) return s;
  std::unique_ptr<auth::Checksummer> checksummer;
  std::optional<auth::ChecksumAlgorithm> algorithm;
  if (!checksum_algorithm.empty()) {
    algorithm = auth::ParseChecksumAlgorithm(checksum_algorithm);
    if (!algorithm) return Status(ErrorCode::kInvalidRequest, "Invalid checksum algorithm");
    checksummer = auth::NewChecksummer(*algorithm);
  }
  auto blob = store->NewBlob();
  if (!blob.ok()) return blob.status();
  auth::Md5Hasher md5;
  std::unique_ptr<char[]> buffer(new char[kCopyBuffer]);
  for (;;) {
    auto got = reader.Read(buffer.get(), kCopyBuffer);
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    md5.Update(buffer.get(), *got);
    if (checksummer) checksummer->Update(buffer.get(), *got);
    if (Status s = (*blob)->Write(buffer.get(), *got); !s.ok()) return s;
  }
  WrittenBody out;
  out.md5_hex = auth::HexEncode(md5.Final());
  if (algorithm) {
    out.checksum_algorithm = std::string(auth::ChecksumName(*algorithm));
    out.checksum_raw = checksummer->FinalRaw();
    out.checksum_value = auth::Base64Encode(out.checksum_raw);
  }
  auto committed = (*blob)->Commit();
  if (!committed.ok()) return committed.status();
  out.blob = *committed;
  return out;
}

}  // namespace s2lite::server
