// UploadPartCopy: PUT /<key>?partNumber=N&uploadId=ID with x-amz-copy-source
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
#include <charconv>

#include "common/time.h"
#include "server/handlers/body_writer.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/multipart_common.h"
#include "server/handlers/object_common.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

// "bytes=first-last", both inclusive and within the object.
Result<ByteRange> ParseRange(const RequestContext& ctx, uint64_t size) {
  const std::string* h = ctx.Header("x-amz-copy-source-range");
  if (!h) return ByteRange{0, size};
  auto invalid = [h](std::string message) {
    return Status(ErrorCode::kInvalidArgument, std::move(message))
        .With("ArgumentName", "x-amz-copy-source-range")
        .With("ArgumentValue", *h);
  };
  std::string_view v = *h;
  size_t dash = v.find('-');
  uint64_t first = 0, last = 0;
  bool ok = v.rfind("bytes=", 0) == 0 && dash != std::string_view::npos && dash > 6 &&
            dash + 1 < v.size();
  if (ok) {
    std::string_view a = v.substr(6, dash - 6), b = v.substr(dash + 1);
    ok = std::from_chars(a.data(), a.data() + a.size(), first).ptr == a.data() + a.size() &&
         std::from_chars(b.data(), b.data() + b.size(), last).ptr == b.data() + b.size() &&
         first <= last;
  }
  if (!ok) {
    return invalid(
        "The x-amz-copy-source-range value must be of the form bytes=first-last where first "
        "and last are the zero-based offsets of the first and last bytes to copy");
  }
  if (last >= size)
    return invalid("Range specified is not valid for source object of size: " +
                   std::to_string(size));
  return ByteRange{first, last - first + 1};
}

Response CopyPartResult(const storage::PartInfo& part, const storage::UploadInfo& upload) {
  XmlWriter w;
  w.Open("CopyPartResult", true);
  w.Element("LastModified", common::FormatIso8601Millis(part.last_modified));
  w.Element("ETag", part.etag);
  if (!part.checksum_algorithm.empty())
    w.Element("Checksum" + part.checksum_algorithm, part.checksum_value);
  w.Close("CopyPartResult");
  return XmlWithSseHeaders(w.Take(), upload.attrs);
}

}  // namespace

Task<Response> HandleUploadPartCopy(RequestContext& ctx) {
  Result<int> part_number = ParsePartNumber(ctx);
  if (!part_number.ok()) co_return Response::Error(part_number.status());
  Result<storage::UploadInfo> upload = co_await LoadUpload(ctx);
  if (!upload.ok()) co_return Response::Error(upload.status());
  Result<CopySource> source = ParseCopySource(ctx.HeaderOr("x-amz-copy-source"));
  if (!source.ok()) co_return Response::Error(source.status());
  std::shared_ptr<const void> lease;  // held until the copy is written
  Result<storage::ObjectInfo> src = co_await LoadCopySource(ctx, *source, &lease);
  if (!src.ok()) co_return Response::Error(src.status());
  if (Status s = CheckCopySourceConditions(ctx, *src); !s.ok())
    co_return Response::Error(std::move(s));
  Result<ByteRange> range = ParseRange(ctx, src->size);
  if (!range.ok()) co_return Response::Error(range.status());
  if (Status s = CheckCopySize(ctx, range->length); !s.ok())
    co_return Response::Error(std::move(s));

  storage::ObjectStore& store = *ctx.state->store;
  storage::ObjectReader reader(store, {*src, std::move(lease)}, range->first, range->length);
  Result<WrittenBody> body = CopyObjectBytes(store, reader, upload->attrs.checksum_algorithm);
  if (!body.ok()) co_return Response::Error(body.status());
  storage::PartInfo part = MakePart(*part_number, *body, ToTimeMs(ctx.now));
  if (Status s = co_await store.PutPart(upload->upload_id, part); !s.ok())
    co_return Response::Error(std::move(s));
  co_return CopyPartResult(part, *upload);
}

}  // namespace s2lite::server
