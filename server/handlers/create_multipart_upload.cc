// CreateMultipartUpload: POST /<key>?uploads
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html
#include "auth/crypto.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

// 192 random bits, base64url: unguessable, URL-safe, unique. Never starting
// with '-' or '_': command lines take "--upload-id -x..." for an option
// (aws-cli refuses it).
std::string NewUploadId() {
  for (;;) {
    std::string id = auth::RandomUrlSafe(24);
    if (id.front() != '-' && id.front() != '_') return id;
  }
}

}  // namespace

Response HandleCreateMultipartUpload(RequestContext& ctx) {
  auto attrs = ParseObjectAttrs(ctx);
  if (!attrs.ok()) return Response::Error(attrs.status());

  storage::UploadInfo upload;
  upload.upload_id = NewUploadId();
  upload.bucket = ctx.route.bucket;
  upload.key = ctx.route.key;
  upload.initiator = ctx.user->name;
  upload.owner = ctx.user->name;
  upload.created = ToTimeMs(ctx.now);
  upload.attrs = std::move(*attrs);
  Status s = ctx.state->store->CreateUpload(upload);
  if (!s.ok()) return Response::Error(std::move(s));

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
  return r;
}

}  // namespace s2lite::server
