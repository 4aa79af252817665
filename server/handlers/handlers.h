#pragma once

// One handler per S3 operation. Each reads: validate -> call the store ->
// map the error -> build the response.
//
// Handlers are coroutines (Task<Response>) because store calls are:
// `co_await ctx.state->store->PutObject(o)` suspends the handler until the
// write is committed (storage/object_store.h) without holding the I/O
// thread. A handler that calls no store method is a coroutine all the same
// (`co_return` its response), so that every handler has one type.

#include <memory>

#include "s2lite/status.h"
#include "server/request.h"

namespace s2lite::server {

enum class BodyMode {
  kNone,    // no body expected (a body is refused with the op's error or ignored)
  kXml,     // small body read whole into RequestContext::body (max_xml_body)
  kStream,  // body streamed into the BodySink returned by `begin`
};

struct OpHandler {
  BodyMode mode = BodyMode::kNone;
  Task<Response> (*handle)(RequestContext&) = nullptr;
  Task<Result<std::unique_ptr<BodySink>>> (*begin)(RequestContext&) = nullptr;
  // Whether the addressed bucket must exist and belong to the caller before
  // the handler runs (every op but ListBuckets and CreateBucket).
  bool needs_bucket = true;
  // Runs long without yielding (copies whole objects): run on the server's
  // worker pool, not on an I/O thread, so the other connections of that
  // thread keep being served.
  bool off_loop = false;
};

// The handler for `op`, or nullptr when not implemented.
const OpHandler* FindHandler(Op op);

// Handlers (server/handlers/<snake_case_name>.cc).
Task<Response> HandleListBuckets(RequestContext& ctx);
Task<Response> HandleCreateBucket(RequestContext& ctx);
Task<Response> HandleHeadBucket(RequestContext& ctx);
Task<Response> HandleDeleteBucket(RequestContext& ctx);
Task<Response> HandleGetBucketLocation(RequestContext& ctx);
Task<Response> HandleCreateMultipartUpload(RequestContext& ctx);

// Multipart (one file per operation: upload_part.cc, complete_multipart_upload.cc, ...).
Task<Result<std::unique_ptr<BodySink>>> BeginUploadPart(RequestContext& ctx);
Task<Response> HandleUploadPartCopy(RequestContext& ctx);
Task<Response> HandleCompleteMultipartUpload(RequestContext& ctx);
Task<Response> HandleAbortMultipartUpload(RequestContext& ctx);
Task<Response> HandleListParts(RequestContext& ctx);
Task<Response> HandleListMultipartUploads(RequestContext& ctx);

// CORS (bucket_cors.cc): ?cors, and the unsigned OPTIONS preflight.
Task<Response> HandlePutBucketCors(RequestContext& ctx);
Task<Response> HandleGetBucketCors(RequestContext& ctx);
Task<Response> HandleDeleteBucketCors(RequestContext& ctx);
Task<Response> HandleCorsPreflight(RequestContext& ctx);
// The Access-Control-* headers of an actual (non-preflight) response, when
// the request has an Origin a rule of its bucket allows (cors headers are
// added to error responses too, so a page can read the error).
Task<void> AddCorsHeaders(RequestContext& ctx, Response& response);

// Browser form uploads (post_object.cc): authenticated by the form's signed
// policy, not by a header.
Task<Result<std::unique_ptr<BodySink>>> BeginPostObject(RequestContext& ctx);

// s2lite's admin API: GET/POST/DELETE /_s2lite/faults (JSON).
Task<Response> HandleAdminFaults(RequestContext& ctx);
// GET /_s2lite/requests: the last requests answered (JSON), admin users only.
Task<Response> HandleAdminRequests(RequestContext& ctx);

// Objects (put_object.cc, get_object.cc, list_objects.cc, ...).
Task<Result<std::unique_ptr<BodySink>>> BeginPutObject(RequestContext& ctx);
Task<Response> HandleGetObject(RequestContext& ctx);
Task<Response> HandleHeadObject(RequestContext& ctx);
Task<Response> HandleDeleteObject(RequestContext& ctx);
Task<Response> HandleDeleteObjects(RequestContext& ctx);
Task<Response> HandleCopyObject(RequestContext& ctx);
Task<Response> HandleListObjects(RequestContext& ctx);
Task<Response> HandleListObjectsV2(RequestContext& ctx);
Task<Response> HandleListObjectVersions(RequestContext& ctx);

// Object tags (object_tagging.cc).
Task<Response> HandleGetObjectTagging(RequestContext& ctx);
Task<Response> HandlePutObjectTagging(RequestContext& ctx);
Task<Response> HandleDeleteObjectTagging(RequestContext& ctx);

// Every bucket configuration op, GET/PUT/DELETE ?tagging, ?lifecycle,
// ?policy, ... (bucket_settings.cc); dispatches on ctx.route.op.
Task<Response> HandleBucketSetting(RequestContext& ctx);

}  // namespace s2lite::server
