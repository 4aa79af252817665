// CreateMultipartUpload: POST /<key>?uploads
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html
#include <chrono>
#include <cstdint>

#include "common/crypto.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/ownership.h"
#include "server/lifecycle.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

// A time prefix, then 144 random bits (base64url): unguessable, URL-safe,
// unique. The prefix (microseconds, 9 digits of an ASCII-ordered alphabet)
// makes new ids sort after older ones, so the registry's id index grows at
// its right edge instead of dirtying a random page per insert. It starts
// with a letter or digit: command lines take "--upload-id -x..." for an
// option (aws-cli refuses it).
std::string NewUploadId() {
  static constexpr char kOrdered[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  constexpr int kDigits = 9;  // 62^9 us: until the year 2398
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  uint64_t t = us > 0 ? static_cast<uint64_t>(us) : 0;
  std::string id(kDigits, '0');
  for (int i = kDigits - 1; i >= 0; --i) {
    id[static_cast<size_t>(i)] = kOrdered[t % 62];
    t /= 62;
  }
  return id + common::RandomUrlSafe(18);
}

}  // namespace

Task<Response> HandleCreateMultipartUpload(RequestContext& ctx) {
  auto attrs = ParseObjectAttrs(ctx);
  if (!attrs.ok()) co_return Response::Error(attrs.status());
  if (Status s = co_await CheckObjectAcl(ctx); !s.ok()) co_return Response::Error(std::move(s));

  storage::UploadInfo upload;
  upload.upload_id = NewUploadId();
  upload.bucket = ctx.route.bucket;
  upload.key = ctx.route.key;
  upload.initiator = ctx.user->name;
  upload.owner = ctx.user->name;
  upload.created = ToTimeMs(ctx.now);
  upload.attrs = std::move(*attrs);
  upload.bucket_generation = ctx.bucket_generation;
  Status s = co_await ctx.state->store->CreateUpload(upload);
  if (!s.ok()) co_return Response::Error(std::move(s));

  XmlWriter w;
  w.Open("InitiateMultipartUploadResult", true);
  w.Element("Bucket", upload.bucket);
  w.Element("Key", upload.key);
  w.Element("UploadId", upload.upload_id);
  w.Close("InitiateMultipartUploadResult");
  Response r = Response::Xml(w.Take());
  const storage::ObjectAttrs& a = upload.attrs;
  if (!a.sse.empty()) r.AddHeader("x-amz-server-side-encryption", a.sse);
  if (!a.sse_kms_key_id.empty())
    r.AddHeader("x-amz-server-side-encryption-aws-kms-key-id", a.sse_kms_key_id);
  if (!a.checksum_algorithm.empty()) r.AddHeader("x-amz-checksum-algorithm", a.checksum_algorithm);
  if (!a.checksum_type.empty()) r.AddHeader("x-amz-checksum-type", a.checksum_type);
  co_await AddAbortDateHeaders(r, ctx, upload);
  co_return r;
}

}  // namespace s2lite::server
