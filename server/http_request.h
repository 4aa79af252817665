#pragma once

// The bridge from a parsed HTTP header (Beast) to the Beast-free request
// context, shared by the session (session.cc) and the fuzz targets (fuzz/).

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>

#include "server/request.h"

namespace s2lite::server {

using HeaderParser = boost::beast::http::request_parser<boost::beast::http::empty_body>;

// Fills ctx.view (method, raw path, decoded query, lower-cased headers),
// ctx.host, ctx.content_length and ctx.chunked from a parsed header.
// Errors: kInvalidURI (malformed %-escape in the query),
// kRequestHeaderSectionTooLarge (more than `max_fields` header fields),
// kInvalidRequest (ambiguous framing: Transfer-Encoding with Content-Length,
// a final coding other than chunked, conflicting Content-Lengths),
// kNotImplemented (a transfer coding other than chunked), kInvalidArgument (a
// header the operation acts on, or Host, given twice). After any error the
// connection must close: the body cannot be delimited safely.
Status BuildView(const HeaderParser& hp, RequestContext& ctx, size_t max_fields);

}  // namespace s2lite::server
