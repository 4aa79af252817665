// DeleteObject: DELETE /<bucket>/<key>; DeleteObjects: POST /<bucket>?delete
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
#include <spdlog/spdlog.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <string>
#include <vector>

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

namespace {

// DeleteObjects deletes its keys in four lanes: concurrent store calls share
// commits (one fsync for several keys under --fsync; several PostgreSQL
// connections at once) where one key at a time would wait for each in turn.
// One lane: takes the next key not yet taken until none is left. The lanes
// run on the request's executor (one thread), so `next` needs no lock.
Task<void> DeleteLane(RequestContext& ctx, const std::vector<std::string>& keys, size_t& next,
                      std::vector<Status>& results) {
  while (next < keys.size()) {
    const size_t i = next++;
    const std::string& key = keys[i];
    if (key.empty()) {
      results[i] = Status(ErrorCode::kInvalidArgument);
    } else if (key.size() > kMaxKeyBytes) {
      results[i] = Status(ErrorCode::kKeyTooLongError);
    } else {
      results[i] =
          co_await ctx.state->store->DeleteObject(ctx.route.bucket, key, ctx.bucket_generation);
    }
  }
}

void WriteDeleteError(XmlWriter& w, const std::string& key, const Status& s) {
  w.Open("Error");
  w.Element("Key", key);
  if (key.empty()) {
    // Never a silent success: an empty key names no object.
    w.Element("Code", "InvalidArgument");
    w.Element("Message", "The key of an object to delete must not be empty");
  } else {
    const ErrorInfo& info = LookupError(s.code());
    w.Element("Code", info.code);
    w.Element("Message", info.message);
  }
  w.Close("Error");
}

}  // namespace

Task<Response> HandleDeleteObjects(RequestContext& ctx) {
  using namespace boost::asio::experimental::awaitable_operators;
  if (Status s = CheckXmlBodyDigest(ctx); !s.ok()) co_return Response::Error(std::move(s));
  auto request = ParseDelete(ctx.body);
  if (!request.ok()) co_return Response::Error(request.status());
  const std::vector<std::string>& keys = request->keys;
  std::vector<Status> results(keys.size());
  size_t next = 0;
  co_await (DeleteLane(ctx, keys, next, results) && DeleteLane(ctx, keys, next, results) &&
            DeleteLane(ctx, keys, next, results) && DeleteLane(ctx, keys, next, results));

  XmlWriter w;
  w.Open("DeleteResult", true);
  for (size_t i = 0; i < keys.size(); ++i) {
    const Status& s = results[i];
    if (s.ok()) {
      // Quiet mode reports only the failures.
      if (request->quiet) continue;
      w.Open("Deleted");
      w.Element("Key", keys[i]);
      w.Close("Deleted");
      continue;
    }
    if (s.code() == ErrorCode::kInternalError)
      ctx.state->logger->error("request {}: delete failed: {}", ctx.request_id, s.message());
    WriteDeleteError(w, keys[i], s);
  }
  w.Close("DeleteResult");
  co_return Response::Xml(w.Take());
}

}  // namespace s2lite::server
