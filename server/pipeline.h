#pragma once

// The request pipeline, free of Beast types: one straight function from a
// parsed header to a finalized response. The session supplies the body (and
// the connection reset of a fault) through RequestBody.

#include <cstdint>

#include "s2lite/faults.h"
#include "server/handlers/handlers.h"
#include "server/request.h"

namespace s2lite::server {

// The connection's side of one request, as the pipeline needs it: the
// session implements it over its stream (server/body_reader.h).
class RequestBody {
 public:
  // Reads the whole body through MakeBodyPipeline(ctx, sink, limit) (to
  // `sink`, or to ctx.body when null) and runs its final checks. Errors:
  // the payload encoding, the size limit, a stalled or broken body.
  virtual Task<Status> Read(RequestContext& ctx, BodySink* sink, uint64_t limit) = 0;
  // An injected connection reset (FaultAction::kReset): take some of the
  // body, so the client is mid-upload, then close with RST.
  virtual Task<void> Reset() = 0;

 protected:
  ~RequestBody() = default;
};

// What the pipeline decided for one request.
struct Outcome {
  Response response;  // finalized (common headers, XML error)
  // An injected fault: send the headers and half the body, then close.
  bool truncate = false;
  // An injected fault reset the connection: nothing is left to write.
  bool reset = false;
};

// The whole request after its header: the Host check, operational endpoints
// (health, metrics, console), route, authentication, the bucket's owner, the
// fault decision, the handler (reading the body through `body`), finalize.
// ctx.view, ctx.host, ctx.content_length, ctx.chunked, ctx.now,
// ctx.request_id and ctx.state must be set.
Task<void> RunPipeline(RequestContext& ctx, RequestBody& body, Outcome& out);

// Adds Date, x-amz-request-id, x-amz-id-2, x-amz-s2-requester; renders
// `response.error` as S3's XML error (no body for HEAD). For answers given
// outside RunPipeline (a header that could not be parsed).
Task<void> Finalize(RequestContext& ctx, Response& response);

}  // namespace s2lite::server
