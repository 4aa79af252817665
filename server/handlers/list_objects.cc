// ListObjects: GET /<bucket>; ListObjectsV2: GET /<bucket>?list-type=2
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
#include <algorithm>

#include "common/crypto.h"
#include "common/time.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/listing.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

// Pages through the store's objects in key order for GroupByDelimiter.
class ObjectCursor {
 public:
  ObjectCursor(storage::ObjectStore* store, const std::string& bucket, const GroupParams& p)
      : store_(store), after_(p.marker) {
    query_.bucket = bucket;
    query_.prefix = p.prefix;
    // One more than a page, to tell whether the listing is truncated in one query.
    query_.max_keys = std::min(p.max_keys, kMaxListKeys) + 1;
  }

  Task<Result<const storage::ObjectInfo*>> Next() {
    if (pos_ == page_.size()) {
      if (exhausted_) co_return static_cast<const storage::ObjectInfo*>(nullptr);
      query_.start_after = after_;
      auto page = co_await store_->ListObjects(query_);
      if (!page.ok()) co_return page.status();
      page_ = std::move(page->objects);
      pos_ = 0;
      exhausted_ = !page->truncated;
      if (page_.empty()) co_return static_cast<const storage::ObjectInfo*>(nullptr);
    }
    const storage::ObjectInfo* o = &page_[pos_++];
    after_ = o->key;
    co_return o;
  }

  void SkipPast(const std::string& bound) {
    while (pos_ < page_.size() && page_[pos_].key <= bound) ++pos_;
    if (pos_ == page_.size()) after_ = std::max(after_, bound);
  }

 private:
  storage::ObjectStore* store_;
  storage::ListObjectsQuery query_;
  std::string after_;
  std::vector<storage::ObjectInfo> page_;
  size_t pos_ = 0;
  bool exhausted_ = false;
};

// What v1 and v2 share: prefix, delimiter, max-keys, encoding-type.
struct ListRequest {
  GroupParams group;
  int max_keys = kMaxListKeys;  // as requested, echoed in MaxKeys
  bool url = false;
};

Result<ListRequest> ParseListRequest(const RequestContext& ctx) {
  ListRequest r;
  if (const auth::QueryParam* q = ctx.view.Query("prefix")) r.group.prefix = q->value;
  if (const auth::QueryParam* q = ctx.view.Query("delimiter")) r.group.delimiter = q->value;
  auto max_keys = ParseMaxKeys(ctx, "max-keys");
  if (!max_keys.ok()) return max_keys.status();
  r.max_keys = *max_keys;
  r.group.max_keys = std::min(*max_keys, kMaxListKeys);
  auto url = ParseEncodingType(ctx);
  if (!url.ok()) return url.status();
  r.url = *url;
  return r;
}

Task<Result<Grouped<storage::ObjectInfo>>> List(RequestContext& ctx, const GroupParams& p) {
  ObjectCursor cursor(ctx.state->store.get(), ctx.route.bucket, p);
  co_return co_await GroupByDelimiter<storage::ObjectInfo>(
      p, cursor, [](const storage::ObjectInfo& o) -> const std::string& { return o.key; });
}

void WriteEntries(XmlWriter& w, const Grouped<storage::ObjectInfo>& list, bool url, bool owner) {
  for (const storage::ObjectInfo& o : list.entries) {
    w.Open("Contents");
    w.Element("Key", ListingEncode(o.key, url));
    w.Element("LastModified", common::FormatIso8601Millis(o.last_modified));
    w.Element("ETag", o.etag);
    if (!o.attrs.checksum_algorithm.empty()) {
      w.Element("ChecksumAlgorithm", o.attrs.checksum_algorithm);
      if (!o.attrs.checksum_type.empty()) w.Element("ChecksumType", o.attrs.checksum_type);
    }
    w.Element("Size", o.size);
    w.Element("StorageClass", o.attrs.storage_class);
    if (owner) WriteOwner(w, "Owner", o.owner);
    w.Close("Contents");
  }
  for (const std::string& prefix : list.common_prefixes) {
    w.Open("CommonPrefixes");
    w.Element("Prefix", ListingEncode(prefix, url));
    w.Close("CommonPrefixes");
  }
}

// Opens ListBucketResult with Name and Prefix, which v1 and v2 write alike.
void OpenResult(XmlWriter& w, const std::string& bucket, const ListRequest& req) {
  w.Open("ListBucketResult", true);
  w.Element("Name", bucket);
  w.Element("Prefix", ListingEncode(req.group.prefix, req.url));
}

// The rest, also alike: MaxKeys, Delimiter, EncodingType, IsTruncated, the
// entries and common prefixes.
Response FinishResult(XmlWriter& w, const ListRequest& req,
                      const Grouped<storage::ObjectInfo>& list, bool owner) {
  w.Element("MaxKeys", static_cast<uint64_t>(req.max_keys));
  if (!req.group.delimiter.empty())
    w.Element("Delimiter", ListingEncode(req.group.delimiter, req.url));
  if (req.url) w.Element("EncodingType", "url");
  w.Element("IsTruncated", list.truncated ? "true" : "false");
  WriteEntries(w, list, req.url, owner);
  w.Close("ListBucketResult");
  return Response::Xml(w.Take());
}

Status InvalidToken(const std::string& token) {
  return Status(ErrorCode::kInvalidArgument, "The continuation token provided is incorrect")
      .With("ArgumentName", "continuation-token")
      .With("ArgumentValue", token);
}

}  // namespace

Task<Response> HandleListObjects(RequestContext& ctx) {
  auto req = ParseListRequest(ctx);
  if (!req.ok()) co_return Response::Error(req.status());
  if (const auth::QueryParam* q = ctx.view.Query("marker")) req->group.marker = q->value;
  auto list = co_await List(ctx, req->group);
  if (!list.ok()) co_return Response::Error(list.status());

  XmlWriter w;
  OpenResult(w, ctx.route.bucket, *req);
  w.Element("Marker", ListingEncode(req->group.marker, req->url));
  // S3 sends NextMarker only with a delimiter; otherwise the last Key is the next marker.
  if (list->truncated && !req->group.delimiter.empty())
    w.Element("NextMarker", ListingEncode(list->last, req->url));
  co_return FinishResult(w, *req, *list, true);
}

Task<Response> HandleListObjectsV2(RequestContext& ctx) {
  auto req = ParseListRequest(ctx);
  if (!req.ok()) co_return Response::Error(req.status());
  const auth::QueryParam* start_after = ctx.view.Query("start-after");
  const auth::QueryParam* token = ctx.view.Query("continuation-token");
  if (token) {
    // The token is opaque to clients: base64 of the last key or prefix returned.
    auto marker = common::Base64Decode(token->value);
    if (token->value.empty() || !marker) co_return Response::Error(InvalidToken(token->value));
    req->group.marker = std::move(*marker);
  } else if (start_after) {
    req->group.marker = start_after->value;
  }
  const auth::QueryParam* fetch_owner = ctx.view.Query("fetch-owner");
  auto list = co_await List(ctx, req->group);
  if (!list.ok()) co_return Response::Error(list.status());

  XmlWriter w;
  OpenResult(w, ctx.route.bucket, *req);
  if (start_after) w.Element("StartAfter", ListingEncode(start_after->value, req->url));
  if (token) w.Element("ContinuationToken", token->value);
  if (list->truncated) w.Element("NextContinuationToken", common::Base64Encode(list->last));
  w.Element("KeyCount", static_cast<uint64_t>(list->entries.size() + list->common_prefixes.size()));
  co_return FinishResult(w, *req, *list, fetch_owner && fetch_owner->value == "true");
}

}  // namespace s2lite::server

namespace s2lite::server {

// ListObjectVersions: GET /<bucket>?versions. Buckets are unversioned: each
// current object is its only version, "null", and the latest. Tools list
// versions to empty a bucket before deleting it.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
Task<Response> HandleListObjectVersions(RequestContext& ctx) {
  auto req = ParseListRequest(ctx);
  if (!req.ok()) co_return Response::Error(req.status());
  const auth::QueryParam* key_marker = ctx.view.Query("key-marker");
  const auth::QueryParam* version_marker = ctx.view.Query("version-id-marker");
  if (key_marker) req->group.marker = key_marker->value;
  // With "null" (or none) as the version marker, the marker key's only
  // version was returned already; anything else names no version.
  if (version_marker && !version_marker->value.empty() && version_marker->value != "null") {
    co_return Response::Error(Status(ErrorCode::kInvalidArgument, "Invalid version id specified")
                                  .With("ArgumentName", "version-id-marker")
                                  .With("ArgumentValue", version_marker->value));
  }
  auto list = co_await List(ctx, req->group);
  if (!list.ok()) co_return Response::Error(list.status());

  XmlWriter w;
  w.Open("ListVersionsResult", true);
  w.Element("Name", ctx.route.bucket);
  w.Element("Prefix", ListingEncode(req->group.prefix, req->url));
  w.Element("KeyMarker", ListingEncode(req->group.marker, req->url));
  w.Element("VersionIdMarker", version_marker ? version_marker->value : "");
  if (list->truncated) {
    w.Element("NextKeyMarker", ListingEncode(list->last, req->url));
    w.Element("NextVersionIdMarker", "null");
  }
  w.Element("MaxKeys", static_cast<uint64_t>(req->max_keys));
  if (!req->group.delimiter.empty())
    w.Element("Delimiter", ListingEncode(req->group.delimiter, req->url));
  if (req->url) w.Element("EncodingType", "url");
  w.Element("IsTruncated", list->truncated ? "true" : "false");
  for (const storage::ObjectInfo& o : list->entries) {
    w.Open("Version");
    w.Element("Key", ListingEncode(o.key, req->url));
    w.Element("VersionId", "null");
    w.Element("IsLatest", "true");
    w.Element("LastModified", common::FormatIso8601Millis(o.last_modified));
    w.Element("ETag", o.etag);
    w.Element("Size", o.size);
    w.Element("StorageClass", o.attrs.storage_class);
    WriteOwner(w, "Owner", o.owner);
    w.Close("Version");
  }
  for (const std::string& prefix : list->common_prefixes) {
    w.Open("CommonPrefixes");
    w.Element("Prefix", ListingEncode(prefix, req->url));
    w.Close("CommonPrefixes");
  }
  w.Close("ListVersionsResult");
  co_return Response::Xml(w.Take());
}

}  // namespace s2lite::server
