#pragma once

// Writes a finalized Response to the session's stream: header and a small
// body in one gather write; a streamed body with sendfile on plain TCP (from
// the page cache to the socket), else read and written in chunks.

#include "server/net.h"
#include "server/request.h"

namespace s2lite::server {

// Writes `r` with "Connection: keep-alive" or "close". `truncate` (an
// injected fault): the headers and half the body only. Returns false when the
// write failed or was cut short: the connection cannot be used any more.
template <class Stream>
Task<bool> WriteResponse(Stream& stream, const RequestContext& ctx, Response& r, bool keep_alive,
                         bool truncate);

extern template Task<bool> WriteResponse(PlainStream&, const RequestContext&, Response&, bool,
                                         bool);
extern template Task<bool> WriteResponse(TlsStream&, const RequestContext&, Response&, bool, bool);

}  // namespace s2lite::server
