#pragma once

// What a request body goes through between the socket and the handler, free
// of Beast types: the signed payload's SHA-256 check, or aws-chunked decoding.

#include <cstdint>
#include <memory>

#include "s2lite/status.h"
#include "server/request.h"

namespace s2lite::server {

// Decodes and checks a request body on its way to the handler: verifies a
// signed payload's SHA-256 (x-amz-content-sha256) or decodes aws-chunked
// framing. Feeds decoded bytes to a BodySink or to RequestContext::body.
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

// For BodyMode::kXml: a pipeline appending the (checked) body to ctx.body.
// For BodyMode::kStream: one writing to `sink`. Errors: the payload encoding
// is not supported.
Result<std::unique_ptr<BodyPipeline>> MakeBodyPipeline(RequestContext& ctx, BodySink* sink,
                                                       uint64_t limit);

}  // namespace s2lite::server
