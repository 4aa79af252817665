// AbortMultipartUpload: DELETE /<key>?uploadId=ID
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html
#include "server/handlers/handlers.h"
#include "server/handlers/multipart_common.h"
#include "server/state.h"

namespace s2lite::server {

Response HandleAbortMultipartUpload(RequestContext& ctx) {
  Result<storage::UploadInfo> upload = LoadUpload(ctx);
  if (!upload.ok()) return Response::Error(upload.status());
  // A Complete that commits first wins: the abort then finds no pending
  // upload and answers NoSuchUpload.
  Status s = ctx.state->store->AbortUpload(upload->upload_id);
  if (!s.ok()) return Response::Error(std::move(s));
  Response r;
  r.status = 204;
  return r;
}

}  // namespace s2lite::server
