#include "server/body_reader.h"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "common/ascii.h"
#include "server/state.h"

namespace s2lite::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Whether the client waits for "100 Continue" before sending its body.
bool ExpectsContinue(const http::request_header<>& h) {
  auto it = h.find(http::field::expect);
  return it != h.end() && common::EqualsIgnoreCase(it->value(), "100-continue");
}

}  // namespace

template <class Stream>
Task<Status> BodyReader<Stream>::Read(RequestContext& ctx, BodySink* sink, uint64_t limit) {
  auto pipe = MakeBodyPipeline(ctx, sink, limit);
  if (!pipe.ok()) co_return pipe.status();
  const ErrorCode too_large =
      sink ? ErrorCode::kEntityTooLarge : ErrorCode::kMaxMessageLengthExceeded;
  consumed_ = false;
  BodyParser bp(std::move(hp_));
  bp.body_limit(limit);
  // Not one conditional expression of two co_awaits: GCC 12 destroys its
  // temporaries twice.
  Status s;
  // Header-first reading lets us answer Expect: 100-continue only once we
  // know we want the body (boto3 waits for it before sending parts).
  if (!bp.is_done() && ExpectsContinue(bp.get())) {
    if (co_await WriteContinue()) s = Status(ErrorCode::kIncompleteBody);
  }
  if (s.ok()) {
    // A body that stops arriving for read_timeout gets S3's 400 RequestTimeout.
    // Beast's own deadline would close the socket before we could answer, so
    // body reads run without it and a watchdog cancels the read instead.
    beast::get_lowest_layer(stream_).expires_never();
    StallWatchdog watchdog(stream_.get_executor(), &beast::get_lowest_layer(stream_).socket(),
                           read_timeout_);
    if (auto length = bp.content_length(); length && !bp.chunked()) {
      s = co_await ReadSized(*length, **pipe, limit, too_large, watchdog);
    } else {
      s = co_await ReadChunked(bp, **pipe, too_large, watchdog);
    }
  }
  bytes_in_ = sink ? ctx.content_length.value_or(0) : ctx.body.size();
  if (!s.ok()) co_return s;
  consumed_ = true;
  co_return (*pipe)->End();
}

// One copy of the body: read straight from the socket into one chunk and
// handed on from there (hashes, then the blob file) while it is in cache.
// Beast's buffer_body would copy every byte once more, from the connection
// buffer into the body buffer. Bytes that arrived with the header go first,
// from the connection buffer; no read goes past the body, so a pipelined
// next request stays in the connection buffer.
template <class Stream>
Task<Status> BodyReader<Stream>::ReadSized(uint64_t length, BodyPipeline& pipe, uint64_t limit,
                                           ErrorCode too_large, StallWatchdog& watchdog) {
  if (length > limit) co_return Status(too_large);
  uint64_t left = length;
  if (buffer_.size() > 0 && left > 0) {
    size_t k = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), left));
    if (Status s = pipe.Write(static_cast<const char*>(buffer_.data().data()), k); !s.ok())
      co_return s;
    buffer_.consume(k);
    left -= k;
  }
  if (left == 0) co_return Status::Ok();
  const size_t chunk_size = static_cast<size_t>(std::min<uint64_t>(left, kBodyChunk));
  while (left > 0) {
    watchdog.Progress();
    char* chunk = chunks_.Next(chunk_size);
    size_t want = static_cast<size_t>(std::min<uint64_t>(left, chunk_size));
    // read_some: returns after each recv, so every byte counts as progress.
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(chunk, want), kTuple);
    if (watchdog.fired()) co_return Status(ErrorCode::kRequestTimeout);
    if (ec) co_return Status(ErrorCode::kIncompleteBody);
    if (Status s = chunks_.Hand(pipe, chunk, n); !s.ok()) co_return s;
    left -= n;
  }
  co_return Status::Ok();
}

// Beast's parser takes the framing apart.
template <class Stream>
Task<Status> BodyReader<Stream>::ReadChunked(BodyParser& bp, BodyPipeline& pipe,
                                             ErrorCode too_large, StallWatchdog& watchdog) {
  // The connection's buffer starts at 4 KiB, and Beast reads no more than its
  // free capacity per recv(): large bodies get room for 256 KiB reads while
  // they stream, then the buffer shrinks back.
  buffer_.reserve(kBodyChunk);
  struct Shrink {
    beast::flat_buffer& b;
    ~Shrink() { b.shrink_to_fit(); }
  } shrink{buffer_};
  while (!bp.is_done()) {
    char* chunk = chunks_.Next(kBodyChunk);
    bp.get().body().data = chunk;
    bp.get().body().size = kBodyChunk;
    watchdog.Progress();
    auto [ec, n] = co_await http::async_read_some(stream_, buffer_, bp, kTuple);
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) co_return Status(too_large);
    if (watchdog.fired()) co_return Status(ErrorCode::kRequestTimeout);
    if (ec) co_return Status(ErrorCode::kIncompleteBody);
    size_t got = kBodyChunk - bp.get().body().size;
    if (got > 0) {
      if (Status s = chunks_.Hand(pipe, chunk, got); !s.ok()) co_return s;
    }
  }
  co_return Status::Ok();
}

template <class Stream>
Task<boost::system::error_code> BodyReader<Stream>::WriteContinue() {
  http::response<http::empty_body> cont{http::status::continue_, 11};
  beast::get_lowest_layer(stream_).expires_after(read_timeout_);
  auto [ec, n] = co_await http::async_write(stream_, cont, kTuple);
  co_return ec;
}

template <class Stream>
Task<void> BodyReader<Stream>::Reset() {
  beast::error_code ec;
  if (!hp_.is_done()) {
    if (ExpectsContinue(hp_.get())) co_await WriteContinue();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    co_await stream_.async_read_some(buffer_.prepare(64 * 1024), kTuple);
  }
  beast::get_lowest_layer(stream_).socket().set_option(asio::socket_base::linger(true, 0), ec);
  beast::get_lowest_layer(stream_).socket().close(ec);
}

template class BodyReader<PlainStream>;
template class BodyReader<TlsStream>;

}  // namespace s2lite::server
