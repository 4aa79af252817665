// ListParts: GET /<key>?uploadId=ID[&max-parts=N][&part-number-marker=M]
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html
#include <climits>

#include "common/time.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/multipart_common.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

void WritePart(XmlWriter& w, const storage::PartInfo& part) {
  w.Open("Part");
  w.Element("PartNumber", static_cast<uint64_t>(part.part_number));
  w.Element("LastModified", common::FormatIso8601Millis(part.last_modified));
  w.Element("ETag", part.etag);
  w.Element("Size", part.blob.size);
  if (!part.checksum_algorithm.empty() && !part.checksum_value.empty())
    w.Element("Checksum" + part.checksum_algorithm, part.checksum_value);
  w.Close("Part");
}

// What the upload was initiated with, which S3's ListParts does not return:
// s2lite extension headers for the web console (README "Web console").
// ListParts is the bucket owner's, so they reveal nothing to anyone else.
void AddUploadHeaders(const RequestContext& ctx, const storage::UploadInfo& upload, Response& r) {
  r.AddHeader("x-s2lite-upload-initiated", common::FormatIso8601Millis(upload.created));
  r.AddHeader("x-s2lite-upload-content-type", upload.attrs.content_type);
  for (const auto& [name, value] : upload.attrs.metadata)
    r.AddHeader("x-s2lite-upload-meta-" + name, value);
  // The server-wide abort rule (--abort-incomplete-after), as S3 reports a
  // lifecycle AbortIncompleteMultipartUpload rule.
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html
  if (auto after = ctx.state->options.abort_incomplete_after; after.count() > 0) {
    r.AddHeader("x-amz-abort-date",
                common::FormatHttpDate(
                    (upload.created +
                     std::chrono::duration_cast<std::chrono::milliseconds>(after).count()) /
                    1000));
    r.AddHeader("x-amz-abort-rule-id", "s2lite-abort-incomplete-after");
  }
}

}  // namespace

Task<Response> HandleListParts(RequestContext& ctx) {
  Result<int> max_parts = ParseListArgument(ctx, "max-parts", kMaxListPage, kMaxListPage);
  if (!max_parts.ok()) co_return Response::Error(max_parts.status());
  Result<int> marker = ParseListArgument(ctx, "part-number-marker", 0, INT_MAX);
  if (!marker.ok()) co_return Response::Error(marker.status());
  Result<storage::UploadInfo> upload = co_await LoadUpload(ctx);
  if (!upload.ok()) co_return Response::Error(upload.status());

  bool truncated = false;
  auto parts =
      co_await ctx.state->store->ListParts(upload->upload_id, *marker, *max_parts, &truncated);
  if (!parts.ok()) co_return Response::Error(parts.status());

  XmlWriter w;
  w.Open("ListPartsResult", true);
  w.Element("Bucket", upload->bucket);
  w.Element("Key", upload->key);
  w.Element("UploadId", upload->upload_id);
  WriteOwner(w, "Initiator", upload->initiator);
  WriteOwner(w, "Owner", upload->owner);
  w.Element("StorageClass", upload->attrs.storage_class);
  w.Element("PartNumberMarker", static_cast<uint64_t>(*marker));
  // Present even when not truncated, as S3 sends it (0 when nothing is listed).
  int next = parts->empty() ? 0 : parts->back().part_number;
  w.Element("NextPartNumberMarker", static_cast<uint64_t>(next));
  w.Element("MaxParts", static_cast<uint64_t>(*max_parts));
  w.Element("IsTruncated", truncated ? "true" : "false");
  for (const storage::PartInfo& part : *parts) WritePart(w, part);
  if (!upload->attrs.checksum_algorithm.empty()) {
    w.Element("ChecksumAlgorithm", upload->attrs.checksum_algorithm);
    w.Element("ChecksumType", EffectiveChecksumType(upload->attrs));
  }
  w.Close("ListPartsResult");
  Response r = Response::Xml(w.Take());
  AddUploadHeaders(ctx, *upload, r);
  co_return r;
}

}  // namespace s2lite::server
