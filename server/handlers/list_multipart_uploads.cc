// ListMultipartUploads: GET /?uploads[&prefix][&delimiter][&key-marker][&upload-id-marker]
//                                    [&max-uploads][&encoding-type=url]
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html
#include <variant>

#include "common/time.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/listing.h"
#include "server/handlers/multipart_common.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

struct ListRequest {
  std::string prefix, delimiter, key_marker, upload_id_marker;
  int max_uploads = kMaxListPage;
  bool url_encode = false;
};

// One listed entry: an upload, or a common prefix standing for every upload
// whose key shares it.
using Entry = std::variant<storage::UploadInfo, std::string>;

struct Listing {
  std::vector<Entry> entries;
  bool truncated = false;
};

Result<ListRequest> ParseRequest(const RequestContext& ctx) {
  ListRequest req;
  auto param = [&ctx](std::string_view name) {
    const auth::QueryParam* q = ctx.view.Query(name);
    return q ? q->value : std::string();
  };
  req.prefix = param("prefix");
  req.delimiter = param("delimiter");
  req.key_marker = param("key-marker");
  req.upload_id_marker = param("upload-id-marker");
  Result<bool> url_encode = ParseEncodingType(ctx);
  if (!url_encode.ok()) return url_encode.status();
  req.url_encode = *url_encode;
  Result<int> max = ParseListArgument(ctx, "max-uploads", kMaxListPage, kMaxListPage);
  if (!max.ok()) return max.status();
  req.max_uploads = *max;
  return req;
}

// Pages through the store, rolling keys up into common prefixes; each
// prefix counts once against max-uploads, as S3 counts it. Keys are UTF-8, so
// a common prefix's SkipBound jumps past all its uploads at once.
// Not GroupByDelimiter: it drops groups <= key-marker and calls max-uploads=0 untruncated.
Task<Result<Listing>> Collect(storage::ObjectStore& store, const std::string& bucket,
                              const ListRequest& req) {
  storage::ListUploadsQuery q;
  q.bucket = bucket;
  q.prefix = req.prefix;
  q.key_marker = req.key_marker;
  q.upload_id_marker = req.upload_id_marker;
  q.max_uploads = kMaxListPage;
  // A marker that is itself a common prefix (a previous page's NextKeyMarker)
  // resumes after everything it rolled up.
  if (!req.key_marker.empty() &&
      CommonPrefixOf(req.key_marker, req.prefix, req.delimiter) == req.key_marker &&
      req.key_marker.rfind(req.prefix, 0) == 0) {
    q.key_marker = SkipBound(req.key_marker);
    q.upload_id_marker.clear();
  }
  Listing out;
  const size_t max = static_cast<size_t>(req.max_uploads);
  for (;;) {
    Result<storage::ListUploadsResult> page = co_await store.ListUploads(q);
    if (!page.ok()) co_return page.status();
    bool jumped = false;
    for (storage::UploadInfo& upload : page->uploads) {
      if (out.entries.size() == max) {
        out.truncated = true;
        co_return out;
      }
      std::string common = CommonPrefixOf(upload.key, req.prefix, req.delimiter);
      if (common.empty()) {
        out.entries.emplace_back(std::move(upload));
        continue;
      }
      out.entries.emplace_back(common);
      q.key_marker = SkipBound(common);
      q.upload_id_marker.clear();
      jumped = true;
      break;
    }
    if (jumped) continue;
    if (!page->truncated || page->uploads.empty()) co_return out;
    q.key_marker = page->uploads.back().key;
    q.upload_id_marker = page->uploads.back().upload_id;
  }
}

void WriteUpload(XmlWriter& w, const storage::UploadInfo& u, bool url_encode) {
  w.Open("Upload");
  w.Element("Key", ListingEncode(u.key, url_encode));
  w.Element("UploadId", u.upload_id);
  WriteOwner(w, "Initiator", u.initiator);
  WriteOwner(w, "Owner", u.owner);
  w.Element("StorageClass", u.attrs.storage_class);
  w.Element("Initiated", common::FormatIso8601Millis(u.created));
  if (!u.attrs.checksum_algorithm.empty()) {
    w.Element("ChecksumAlgorithm", u.attrs.checksum_algorithm);
    w.Element("ChecksumType", EffectiveChecksumType(u.attrs));
  }
  w.Close("Upload");
}

std::string Render(const std::string& bucket, const ListRequest& req, const Listing& listing) {
  auto enc = [&req](const std::string& s) { return ListingEncode(s, req.url_encode); };
  std::string next_key, next_id;
  if (!listing.entries.empty()) {
    const Entry& last = listing.entries.back();
    if (const auto* u = std::get_if<storage::UploadInfo>(&last)) {
      next_key = u->key;
      next_id = u->upload_id;
    } else {
      next_key = std::get<std::string>(last);
    }
  }
  XmlWriter w;
  w.Open("ListMultipartUploadsResult", true);
  w.Element("Bucket", bucket);
  w.Element("KeyMarker", enc(req.key_marker));
  w.Element("UploadIdMarker", req.upload_id_marker);
  w.Element("NextKeyMarker", enc(next_key));
  w.Element("NextUploadIdMarker", next_id);
  if (!req.delimiter.empty()) w.Element("Delimiter", enc(req.delimiter));
  w.Element("Prefix", enc(req.prefix));
  w.Element("MaxUploads", static_cast<uint64_t>(req.max_uploads));
  if (req.url_encode) w.Element("EncodingType", "url");
  w.Element("IsTruncated", listing.truncated ? "true" : "false");
  for (const Entry& e : listing.entries) {
    if (const auto* u = std::get_if<storage::UploadInfo>(&e)) WriteUpload(w, *u, req.url_encode);
  }
  for (const Entry& e : listing.entries) {
    if (const auto* p = std::get_if<std::string>(&e)) {
      w.Open("CommonPrefixes");
      w.Element("Prefix", enc(*p));
      w.Close("CommonPrefixes");
    }
  }
  w.Close("ListMultipartUploadsResult");
  return w.Take();
}

}  // namespace

Task<Response> HandleListMultipartUploads(RequestContext& ctx) {
  Result<ListRequest> req = ParseRequest(ctx);
  if (!req.ok()) co_return Response::Error(req.status());
  Result<Listing> listing = co_await Collect(*ctx.state->store, ctx.route.bucket, *req);
  if (!listing.ok()) co_return Response::Error(listing.status());
  co_return Response::Xml(Render(ctx.route.bucket, *req, *listing));
}

}  // namespace s2lite::server
