// DeleteObject: DELETE /<bucket>/<key>; DeleteObjects: POST /<bucket>?delete
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
#include <spdlog/spdlog.h>

#include "auth/checksum.h"
#include "auth/crypto.h"
#include "server/errors.h"
#include "server/handlers/handlers.h"
#include "server/handlers/object_common.h"
#include "server/router.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

Status CheckChecksum(auth::ChecksumAlgorithm algorithm, const std::string& expected,
                     const std::string& body) {
  if (auth::ChecksumBase64(algorithm, body) == expected) return Status::Ok();
  return Status(ErrorCode::kBadDigest, "The " + std::string(auth::ChecksumName(algorithm)) +
                                           " you specified did not match the calculated "
                                           "checksum.");
}

// S3 refuses a multi-object delete whose body carries neither Content-MD5
// nor a flexible checksum (header or trailer); whichever is given must match.
Status CheckBodyDigest(const RequestContext& ctx) {
  bool checked = false;
  if (const std::string* md5 = ctx.Header("content-md5")) {
    auto raw = auth::Base64Decode(*md5);
    if (!raw || raw->size() != 16) return Status(ErrorCode::kInvalidDigest);
    auth::Md5Digest got = auth::Md5(ctx.body);
    std::string_view got_raw(reinterpret_cast<const char*>(got.data()), got.size());
    if (!auth::ConstantTimeEquals(*raw, got_raw)) {
      return Status(ErrorCode::kBadDigest)
          .With("ExpectedDigest", *md5)
          .With("CalculatedDigest", auth::Base64Encode(got_raw));
    }
    checked = true;
  }
  for (const auto* fields : {&ctx.view.headers, &ctx.trailers}) {
    for (const auto& [name, value] : *fields) {
      auto algorithm = auth::ChecksumFromHeader(name);
      if (!algorithm) continue;
      if (Status s = CheckChecksum(*algorithm, value, ctx.body); !s.ok()) return s;
      checked = true;
    }
  }
  if (!checked) {
    return Status(ErrorCode::kInvalidRequest,
                  "Missing required header for this request: Content-MD5");
  }
  return Status::Ok();
}

}  // namespace

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
  if (Status s = CheckBodyDigest(ctx); !s.ok()) co_return Response::Error(std::move(s));
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
