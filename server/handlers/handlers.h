#pragma once

// One handler per S3 operation. Each reads: validate -> call the store ->
// map the error -> build the response.

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
  Response (*handle)(RequestContext&) = nullptr;
  Result<std::unique_ptr<BodySink>> (*begin)(RequestContext&) = nullptr;
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
Response HandleListBuckets(RequestContext& ctx);
Response HandleCreateBucket(RequestContext& ctx);
Response HandleHeadBucket(RequestContext& ctx);
Response HandleDeleteBucket(RequestContext& ctx);
Response HandleGetBucketLocation(RequestContext& ctx);
Response HandleCreateMultipartUpload(RequestContext& ctx);

// Multipart (one file per operation: upload_part.cc, complete_multipart_upload.cc, ...).
Result<std::unique_ptr<BodySink>> BeginUploadPart(RequestContext& ctx);
Response HandleUploadPartCopy(RequestContext& ctx);
Response HandleCompleteMultipartUpload(RequestContext& ctx);
Response HandleAbortMultipartUpload(RequestContext& ctx);
Response HandleListParts(RequestContext& ctx);
Response HandleListMultipartUploads(RequestContext& ctx);

// CORS (bucket_cors.cc): ?cors, and the unsigned OPTIONS preflight.
Response HandlePutBucketCors(RequestContext& ctx);
Response HandleGetBucketCors(RequestContext& ctx);
Response HandleDeleteBucketCors(RequestContext& ctx);
Response HandleCorsPreflight(RequestContext& ctx);
// The Access-Control-* headers of an actual (non-preflight) response, when
// the request has an Origin a rule of its bucket allows (cors headers are
// added to error responses too, so a page can read the error).
void AddCorsHeaders(RequestContext& ctx, Response& response);

// Browser form uploads (post_object.cc): authenticated by the form's signed
// policy, not by a header.
Result<std::unique_ptr<BodySink>> BeginPostObject(RequestContext& ctx);

// s2lite's admin API: GET/POST/DELETE /_s2lite/faults (JSON).
Response HandleAdminFaults(RequestContext& ctx);
// GET /_s2lite/requests: the last requests answered (JSON), admin users only.
Response HandleAdminRequests(RequestContext& ctx);

// Objects (put_object.cc, get_object.cc, list_objects.cc, ...).
Result<std::unique_ptr<BodySink>> BeginPutObject(RequestContext& ctx);
Response HandleGetObject(RequestContext& ctx);
Response HandleHeadObject(RequestContext& ctx);
Response HandleDeleteObject(RequestContext& ctx);
Response HandleDeleteObjects(RequestContext& ctx);
Response HandleCopyObject(RequestContext& ctx);
Response HandleListObjects(RequestContext& ctx);
Response HandleListObjectsV2(RequestContext& ctx);
Response HandleListObjectVersions(RequestContext& ctx);

// Object tags (object_tagging.cc).
Response HandleGetObjectTagging(RequestContext& ctx);
Response HandlePutObjectTagging(RequestContext& ctx);
Response HandleDeleteObjectTagging(RequestContext& ctx);

// Every bucket configuration op, GET/PUT/DELETE ?tagging, ?lifecycle,
// ?policy, ... (bucket_settings.cc); dispatches on ctx.route.op.
Response HandleBucketSetting(RequestContext& ctx);

}  // namespace s2lite::server
