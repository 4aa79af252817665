// AbortMultipartUpload: DELETE /<key>?uploadId=ID
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html
#include "server/handlers/handlers.h"
#include "server/handlers/multipart_common.h"
#include "server/state.h"

namespace s2lite::server {
Task<Response> HandleAbortMultipartUpload(RequestContext& ctx) {
  Result<storage::UploadInfo> upload = co_await LoadUpload(ctx);
  if (!upload.ok()) co_return Response::Error(upload.status());
  // A Complete that commits first wins: the abort then finds no pending
  // upload and answers NoSuchUpload.
  Status s = co_await ctx.state->store->AbortUpload(upload->upload_id);
  if (!s.ok()) co_return Response::Error(std::move(s));
  Response r;
  r.status = 204;
  co_return r;
}

}  // namespace s2lite::server
