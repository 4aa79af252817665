#pragma once

// The request pipeline between the HTTP session and the handlers, free of
// Beast types: route -> authenticate -> check the bucket -> handler, then the
// common response headers and the XML error rendering.

#include <memory>

#include "s2lite/faults.h"
#include "server/handlers/handlers.h"
#include "server/request.h"

namespace s2lite::server {

// Decodes and checks a request body on its way to the handler: verifies a
// signed payload's SHA-256 (x-amz-content-sha256) and, later, aws-chunked
// framing. Feeds decoded bytes to `out` (a BodySink or a string).
class BodyPipeline {
 public:
  virtual ~BodyPipeline() = default;
  // Payload bytes reach the sink straight from `data` (BodySink's contract:
  // valid until the sink's next Write()); framing is copied as needed.
  virtual Status Write(const char* data, size_t n) = 0;
  // All bytes received: final checks.
  virtual Status End() = 0;
  // Payload bytes handed on so far (after aws-chunked decoding). A Write()
  // that leaves it unchanged handed nothing on from its `data`.
  virtual uint64_t payload_bytes() const = 0;
};

struct Prepared {
  // When set, the request is answered with `response` without reading the body.
  bool done = false;
  Response response;
  const OpHandler* handler = nullptr;
};

// Routes, authenticates and checks the bucket. ctx.view, ctx.host,
// ctx.content_length, ctx.chunked, ctx.now, ctx.request_id and ctx.state must be set.
Task<Prepared> Prepare(RequestContext& ctx);

// For BodyMode::kXml: a pipeline appending the (checked) body to ctx.body.
// For BodyMode::kStream: one writing to `sink`. Errors: the payload encoding
// is not supported.
Result<std::unique_ptr<BodyPipeline>> MakeBodyPipeline(RequestContext& ctx, BodySink* sink,
                                                       uint64_t limit);

// Runs a kNone/kXml handler, catching escaped exceptions as InternalError.
Task<Response> Run(RequestContext& ctx, const OpHandler& handler);

// An injected error fault's answer (FaultAction::kError): its S3 code and
// HTTP status, whatever the error table says. Decided before the handler
// runs, in place of it.
Response FaultResponse(const RequestContext& ctx, const FaultRule& fault);

// Adds Date, x-amz-request-id, x-amz-id-2, x-amz-s2-requester; renders
// `response.error` as S3's XML error (no body for HEAD).
Task<void> Finalize(RequestContext& ctx, Response& response);

}  // namespace s2lite::server
