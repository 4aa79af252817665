// GetObject and HeadObject: GET|HEAD /<bucket>/<key>
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
#include <charconv>
#include <optional>

#include "common/ascii.h"
#include "common/time.h"
#include "common/uri.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/object_common.h"
#include "server/handlers/preconditions.h"
#include "server/lifecycle.h"
#include "server/state.h"

namespace s2lite::server {
namespace {

// The bytes a response carries.
struct Slice {
  uint64_t first = 0;
  uint64_t length = 0;
  bool partial = false;  // 206 with Content-Range
};

std::optional<uint64_t> ParseDigits(std::string_view s) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// One "bytes=first-last", "bytes=first-" or "bytes=-suffix" range. A header
// that is not one valid range (several ranges included) is ignored, as S3
// does: https://www.rfc-editor.org/rfc/rfc9110#section-14.2
struct RangeSpec {
  std::optional<uint64_t> first, last;  // both unset: suffix form
  uint64_t suffix = 0;
};

std::optional<RangeSpec> ParseRange(std::string_view header) {
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size() || header.substr(0, kUnit.size()) != kUnit) return std::nullopt;
  std::string_view spec = header.substr(kUnit.size());
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos)
    return std::nullopt;
  RangeSpec r;
  if (dash == 0) {
    auto suffix = ParseDigits(spec.substr(1));
    if (!suffix) return std::nullopt;
    r.suffix = *suffix;
    return r;
  }
  r.first = ParseDigits(spec.substr(0, dash));
  if (!r.first) return std::nullopt;
  if (dash + 1 < spec.size()) {
    r.last = ParseDigits(spec.substr(dash + 1));
    if (!r.last || *r.last < *r.first) return std::nullopt;
  }
  return r;
}

Result<Slice> ResolveRange(const RangeSpec& r, uint64_t size, const std::string& header) {
  bool satisfiable = r.first ? *r.first < size : (r.suffix > 0 && size > 0);
  if (!satisfiable) {
    return Status(ErrorCode::kInvalidRange)
        .With("RangeRequested", header)
        .With("ActualObjectSize", std::to_string(size));
  }
  if (!r.first) return Slice{size - std::min(r.suffix, size), std::min(r.suffix, size), true};
  uint64_t last = r.last ? std::min(*r.last, size - 1) : size - 1;
  return Slice{*r.first, last - *r.first + 1, true};
}

// ?partNumber=N reads part N of a multipart object (one manifest blob per
// part); a single-part object has exactly one part.
Result<Slice> PartSlice(const storage::ObjectInfo& o, const std::string& value) {
  auto n = ParseDigits(value);
  if (!n || *n < 1 || *n > 10000) {
    return Status(ErrorCode::kInvalidArgument,
                  "Part number must be an integer between 1 and 10000, inclusive")
        .With("ArgumentName", "partNumber")
        .With("ArgumentValue", value);
  }
  uint64_t parts = o.parts_count > 0 ? static_cast<uint64_t>(o.parts_count) : 1;
  if (*n > parts || (o.parts_count > 0 && *n > o.manifest.size())) {
    return Status(ErrorCode::kInvalidPartNumber)
        .With("PartNumberRequested", value)
        .With("ActualPartCount", std::to_string(parts));
  }
  if (o.parts_count == 0) return Slice{0, o.size, o.size > 0};
  uint64_t first = 0;
  for (uint64_t i = 0; i + 1 < *n; ++i) first += o.manifest[i].size;
  uint64_t length = o.manifest[*n - 1].size;
  return Slice{first, length, length > 0};
}

void SetHeader(Response& r, std::string_view name, std::string value) {
  for (auto& [n, v] : r.headers) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  r.AddHeader(std::string(name), std::move(value));
}

int TagCount(const std::string& tagging) {
  if (tagging.empty()) return 0;
  auto tags = common::ParseQuery(tagging);
  return tags ? static_cast<int>(tags->size()) : 0;
}

void AddObjectHeaders(Response& r, const storage::ObjectInfo& o) {
  const storage::ObjectAttrs& a = o.attrs;
  r.AddHeader("Accept-Ranges", "bytes");
  r.AddHeader("Last-Modified", common::FormatHttpDate(o.last_modified / 1000));
  r.AddHeader("ETag", o.etag);
  if (!a.cache_control.empty()) r.AddHeader("Cache-Control", a.cache_control);
  if (!a.content_disposition.empty()) r.AddHeader("Content-Disposition", a.content_disposition);
  if (!a.content_encoding.empty()) r.AddHeader("Content-Encoding", a.content_encoding);
  if (!a.content_language.empty()) r.AddHeader("Content-Language", a.content_language);
  r.AddHeader("Content-Type", a.content_type);
  if (!a.expires.empty()) r.AddHeader("Expires", a.expires);
  for (const auto& [name, value] : a.metadata) r.AddHeader("x-amz-meta-" + name, value);
  if (!a.sse.empty()) r.AddHeader("x-amz-server-side-encryption", a.sse);
  if (!a.sse_kms_key_id.empty())
    r.AddHeader("x-amz-server-side-encryption-aws-kms-key-id", a.sse_kms_key_id);
  // S3 omits the storage class header for STANDARD objects:
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
  if (a.storage_class != "STANDARD") r.AddHeader("x-amz-storage-class", a.storage_class);
  if (int tags = TagCount(a.tagging); tags > 0)
    r.AddHeader("x-amz-tagging-count", std::to_string(tags));
}

// x-amz-checksum-mode: ENABLED returns the stored checksum, for whole-object reads only.
void AddChecksum(Response& r, const RequestContext& ctx, const storage::ObjectInfo& o) {
  const std::string* mode = ctx.Header("x-amz-checksum-mode");
  if (!mode || *mode != "ENABLED" || o.checksum_value.empty()) return;
  AddChecksumHeader(r, o.attrs.checksum_algorithm, o.checksum_value);
  std::string type = o.attrs.checksum_type;
  // A composite checksum reads "<checksum of checksums>-<parts>".
  if (type.empty())
    type = o.checksum_value.find('-') != std::string::npos ? "COMPOSITE" : "FULL_OBJECT";
  r.AddHeader("x-amz-checksum-type", type);
}

// response-* query parameters override the stored headers (signed requests only,
// which all s2lite requests are).
Status ApplyOverrides(Response& r, const RequestContext& ctx) {
  static constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
      {"response-cache-control", "Cache-Control"},
      {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"},
      {"response-content-language", "Content-Language"},
      {"response-content-type", "Content-Type"},
      {"response-expires", "Expires"}};
  for (const auto& [param, header] : kOverrides) {
    const auth::QueryParam* q = ctx.view.Query(param);
    if (!q) continue;
    // Percent-decoded: a CR LF here would otherwise split the response.
    if (common::HasControlChars(q->value)) {
      return Status(ErrorCode::kInvalidArgument, "Header value contains control characters")
          .With("ArgumentName", std::string(param));
    }
    SetHeader(r, header, q->value);
  }
  return Status::Ok();
}

Response NotModified(const storage::ObjectInfo& o) {
  Response r;
  r.status = 304;
  r.AddHeader("ETag", o.etag);
  r.AddHeader("Last-Modified", common::FormatHttpDate(o.last_modified / 1000));
  return r;
}

Result<Slice> SelectBytes(const RequestContext& ctx, const storage::ObjectInfo& o) {
  const auth::QueryParam* part = ctx.view.Query("partNumber");
  const std::string* range = ctx.Header("range");
  if (part && range) {
    return Status(ErrorCode::kInvalidRequest,
                  "Cannot specify both Range header and partNumber query parameter");
  }
  if (part) return PartSlice(o, part->value);
  if (range) {
    if (auto spec = ParseRange(*range)) return ResolveRange(*spec, o.size, *range);
  }
  return Slice{0, o.size, false};
}

Task<Response> ReadObject(RequestContext& ctx, bool head) {
  if (Status s = CheckNullVersionId(ctx); !s.ok()) co_return Response::Error(std::move(s));
  // The lease keeps the blobs a GET streams readable should the object be
  // overwritten meanwhile (a HEAD's goes when it returns).
  auto object = co_await ctx.state->store->GetObjectForRead(ctx.route.bucket, ctx.route.key);
  if (!object.ok()) {
    Status s = object.status();
    co_return Response::Error(s.code() == ErrorCode::kNoSuchKey ? NoSuchKeyError(ctx.route.key)
                                                                : s);
  }
  const storage::ObjectInfo& o = object->info;
  PreconditionResult pre = EvaluatePreconditions(ctx, "", o.etag, o.last_modified);
  if (pre.outcome == Precondition::kFailed) co_return Response::Error(PreconditionFailedError(pre));
  if (pre.outcome == Precondition::kNotModified) co_return NotModified(o);
  auto slice = SelectBytes(ctx, o);
  if (!slice.ok()) co_return Response::Error(slice.status());

  Response r;
  AddObjectHeaders(r, o);
  co_await AddExpirationHeader(r, *ctx.state, o);
  const bool by_part = ctx.view.Query("partNumber") != nullptr;
  if (!slice->partial && !by_part) AddChecksum(r, ctx, o);
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html: PartsCount is
  // "only returned if you specify partNumber" and the object is multipart.
  if (by_part && o.parts_count > 0)
    r.AddHeader("x-amz-mp-parts-count", std::to_string(o.parts_count));
  if (slice->partial) {
    r.status = 206;
    r.AddHeader("Content-Range", "bytes " + std::to_string(slice->first) + "-" +
                                     std::to_string(slice->first + slice->length - 1) + "/" +
                                     std::to_string(o.size));
  }
  if (Status s = ApplyOverrides(r, ctx); !s.ok()) co_return Response::Error(std::move(s));
  if (head) {
    r.AddHeader("Content-Length", std::to_string(slice->length));
    co_return r;
  }
  if (slice->length > 0) {
    auto reader = std::make_unique<storage::ObjectReader>(*ctx.state->store, std::move(*object),
                                                          slice->first, slice->length);
    if (Status s = reader->Open(); !s.ok()) co_return Response::Error(std::move(s));
    r.source = std::make_unique<ObjectBody>(std::move(reader));
    r.source_length = slice->length;
  }
  co_return r;
}

}  // namespace

Task<Response> HandleGetObject(RequestContext& ctx) { co_return co_await ReadObject(ctx, false); }
Task<Response> HandleHeadObject(RequestContext& ctx) { co_return co_await ReadObject(ctx, true); }

}  // namespace s2lite::server
