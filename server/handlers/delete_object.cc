// DeleteObject: DELETE /<bucket>/<key>; DeleteObjects: POST /<bucket>?delete
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
#include <spdlog/spdlog.h>

#include "auth/checksum.h"
#include "common/crypto.h"
#include "server/errors.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/object_common.h"
#include "server/router.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {

// Deleting a key that does not exist succeeds too.
Task<Response> HandleDeleteObject(RequestContext& ctx) {
  if (Status s = CheckNullVersionId(ctx); !s.ok()) co_return Response::Error(std::move(s));
  Status s = co_await ctx.state->store->DeleteObject(ctx.route.bucket, ctx.route.key,
                                                     ctx.bucket_generation);
  if (!s.ok()) co_return Response::Error(std::move(s));
  Response r;
  r.status = 204;
  co_return r;
}

Task<Response> HandleDeleteObjects(RequestContext& ctx) {
  if (Status s = CheckXmlBodyDigest(ctx); !s.ok()) co_return Response::Error(std::move(s));
  auto request = ParseDelete(ctx.body);
  if (!request.ok()) co_return Response::Error(request.status());

  XmlWriter w;
  w.Open("DeleteResult", true);
  for (const std::string& key : request->keys) {
    if (key.empty()) {
      // Never a silent success: an empty key names no object.
      w.Open("Error");
      w.Element("Key", key);
      w.Element("Code", "InvalidArgument");
      w.Element("Message", "The key of an object to delete must not be empty");
      w.Close("Error");
      continue;
    }
    Status s(ErrorCode::kKeyTooLongError);
    if (key.size() <= kMaxKeyBytes) {
      s = co_await ctx.state->store->DeleteObject(ctx.route.bucket, key, ctx.bucket_generation);
    }
    if (s.ok()) {
      // Quiet mode reports only the failures.
      if (request->quiet) continue;
      w.Open("Deleted");
      w.Element("Key", key);
      w.Close("Deleted");
      continue;
    }
    if (s.code() == ErrorCode::kInternalError)
      ctx.state->logger->error("request {}: delete failed: {}", ctx.request_id, s.message());
    const ErrorInfo& info = LookupError(s.code());
    w.Open("Error");
    w.Element("Key", key);
    w.Element("Code", info.code);
    w.Element("Message", info.message);
    w.Close("Error");
  }
  w.Close("DeleteResult");
  co_return Response::Xml(w.Take());
}

}  // namespace s2lite::server
