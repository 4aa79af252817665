// ListParts: GET /<key>?uploadId=ID[&max-parts=N][&part-number-marker=M]
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html
#include <climits>

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
  w.Element("LastModified", FormatIso8601(part.last_modified));
  w.Element("ETag", part.etag);
  w.Element("Size", part.blob.size);
  if (!part.checksum_algorithm.empty() && !part.checksum_value.empty())
    w.Element("Checksum" + part.checksum_algorithm, part.checksum_value);
  w.Close("Part");
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
  co_return Response::Xml(w.Take());
}

}  // namespace s2lite::server
