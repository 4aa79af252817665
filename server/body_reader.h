#pragma once

// Reads a request's body from the session's stream: Content-Length bodies
// straight from the socket, chunked ones through Beast's parser, both into
// one BodyPipeline; answers Expect: 100-continue; a stalled body gets S3's
// RequestTimeout.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "server/body_pipeline.h"
#include "server/http_request.h"
#include "server/net.h"
#include "server/pipeline.h"

namespace s2lite::server {

// The two buffers a streamed body is read into. The sink may still need the
// payload it was last handed (its MD5 may be pending until its next Write:
// BodySink's contract), so a read never goes into the buffer that payload is
// in: after a read that handed payload on, the next goes into the other
// buffer; after one that handed none on (only aws-chunked framing, which the
// decoder copies), into the same one again. They outlive the body's sink.
struct BodyChunks {
  std::unique_ptr<char[]> chunk[2];
  size_t size = 0;
  int current = 0;
  // The buffer to read into next, of `n` bytes (the same n every time).
  char* Next(size_t n) {
    if (size != n) {
      chunk[0].reset(new char[n]);
      chunk[1].reset(new char[n]);
      size = n;
    }
    return chunk[current].get();
  }
  // Hands `n` bytes just read into Next() to `pipe`.
  Status Hand(BodyPipeline& pipe, const char* data, size_t n) {
    const uint64_t before = pipe.payload_bytes();
    Status s = pipe.Write(data, n);
    if (pipe.payload_bytes() != before) current ^= 1;
    return s;
  }
};

// One request's body on `Stream` (PlainStream or TlsStream). Lives in the
// session's frame for the request, so its buffers outlive the body's sink.
template <class Stream>
class BodyReader final : public RequestBody {
 public:
  // `hp` has read the request's header from `stream`; `buffer` holds what
  // arrived after it.
  BodyReader(Stream& stream, boost::beast::flat_buffer& buffer, HeaderParser& hp,
             std::chrono::milliseconds read_timeout)
      : stream_(stream),
        buffer_(buffer),
        hp_(hp),
        read_timeout_(read_timeout),
        consumed_(hp.is_done()) {}

  Task<Status> Read(RequestContext& ctx, BodySink* sink, uint64_t limit) override;
  Task<void> Reset() override;

  // Whether the body was read to its end (or there was none): only then can
  // the connection carry another request.
  bool consumed() const { return consumed_; }
  // Body bytes received, for metrics and the access log: the Content-Length
  // of a streamed body, the size of a whole (XML) one.
  uint64_t bytes_in() const { return bytes_in_; }

 private:
  using BodyParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

  // "HTTP/1.1 100 Continue"; returns the write's error.
  Task<boost::system::error_code> WriteContinue();
  // The usual upload: a Content-Length body.
  Task<Status> ReadSized(uint64_t length, BodyPipeline& pipe, uint64_t limit, ErrorCode too_large,
                         StallWatchdog& watchdog);
  // Transfer-Encoding: chunked (or a body delimited by the connection's end).
  Task<Status> ReadChunked(BodyParser& bp, BodyPipeline& pipe, ErrorCode too_large,
                           StallWatchdog& watchdog);

  Stream& stream_;
  boost::beast::flat_buffer& buffer_;
  HeaderParser& hp_;
  std::chrono::milliseconds read_timeout_;
  BodyChunks chunks_;
  bool consumed_;
  uint64_t bytes_in_ = 0;
};

extern template class BodyReader<PlainStream>;
extern template class BodyReader<TlsStream>;

}  // namespace s2lite::server
