#pragma once

// What a handler sees and returns. No Beast types: handlers are plain
// functions over these values, unit-testable without sockets.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/md5_batch.h"
#include "auth/request_view.h"
#include "auth/verifier.h"
#include "s2lite/options.h"
#include "s2lite/status.h"
#include "server/router.h"
#include "storage/task.h"

namespace s2lite::server {

using storage::Task;

struct ServerState;

struct RequestContext {
  auth::RequestView view;  // method, raw path, query, headers (lower-case names)
  std::string host;
  bool tls = false;  // arrived over HTTPS
  Route route;
  std::string request_id;
  std::chrono::system_clock::time_point now;
  const UserCredentials* user = nullptr;  // set once authenticated
  // The generation of route.bucket when the request was authorized against
  // it (0 before): writes pass it to the store, which re-checks it where
  // they commit, so a bucket deleted and re-created by another user meanwhile
  // is never written to.
  uint64_t bucket_generation = 0;
  // Answered by an operational endpoint (health, metrics): logged at debug.
  bool operational = false;
  // The S3 error code of an injected error fault that answered the request
  // (for the recent-requests list; the response carries it only in its body).
  std::string fault_code;
  auth::AuthResult auth;
  // Content-Length when given; nullopt for chunked or absent.
  std::optional<uint64_t> content_length;
  bool chunked = false;  // Transfer-Encoding: chunked
  // The whole body, for operations that take a small (XML) body.
  std::string body;
  // Trailing headers of an aws-chunked body (names lower-case), available
  // once the body has been read (BodySink::Finish).
  std::vector<std::pair<std::string, std::string>> trailers;
  // Decoded body size, once read.
  uint64_t body_bytes = 0;
  ServerState* state = nullptr;
  // The event loop's multi-buffer MD5 (ETags of the bodies streaming on this
  // thread, hashed together); null: each body alone.
  auth::Md5Batch* md5_batch = nullptr;

  const std::string* Header(std::string_view lower_name) const { return view.Header(lower_name); }
  std::string HeaderOr(std::string_view lower_name, std::string_view fallback = {}) const {
    const std::string* v = Header(lower_name);
    return v ? *v : std::string(fallback);
  }
  // A header, or else a trailer of the same name (checksums may come either way).
  const std::string* HeaderOrTrailer(std::string_view lower_name) const {
    if (const std::string* h = Header(lower_name)) return h;
    for (const auto& [n, v] : trailers)
      if (n == lower_name) return &v;
    return nullptr;
  }
  bool HasBody() const { return chunked || (content_length && *content_length > 0); }
};

// Streams a response body (GetObject). Read returns 0 at the end.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual Result<size_t> Read(char* data, size_t n) = 0;

  // For zero-copy sends (sendfile): the file and range holding the next at
  // most `max` bytes, without reading them; then Consume(n) for the n bytes
  // actually sent. fd -1: these bytes are not in a file, use Read.
  struct FileSpan {
    int fd = -1;
    uint64_t offset = 0;
    size_t length = 0;
  };
  virtual Result<FileSpan> NextFileSpan(size_t /*max*/) { return FileSpan{}; }
  virtual void Consume(size_t /*n*/) {}
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // used when `source` is null
  std::unique_ptr<BodySource> source;
  uint64_t source_length = 0;  // Content-Length when streaming
  // Non-OK: Finalize (server/pipeline.h) renders S3's XML error for it (status from the table).
  Status error;

  static Response Error(Status s) {
    Response r;
    r.error = std::move(s);
    return r;
  }
  static Response Xml(std::string body, int status = 200) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace_back("Content-Type", "application/xml");
    return r;
  }
  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// Receives a streamed request body (UploadPart, PutObject).
class BodySink {
 public:
  virtual ~BodySink() = default;
  // `data` must stay valid and unchanged until the next Write() or Finish(),
  // or the sink's destruction: its MD5 may be computed then, together with
  // other bodies' (auth/md5_batch.h).
  virtual Status Write(const char* data, size_t n) = 0;
  // Called once the whole body has been written; produces the answer (a
  // coroutine, as it stores what it received: see handlers.h).
  virtual Task<Response> Finish() = 0;
};

}  // namespace s2lite::server
