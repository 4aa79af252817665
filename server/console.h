#pragma once

// The web console (console/ in the repository, embedded in the binary), served
// anonymously under /_s2lite/console/ for GET and HEAD. Only its static files
// are anonymous: the page signs every other request (S3 API, admin endpoints)
// with the user's keys in the browser.

#include <optional>
#include <string_view>

#include "server/request.h"

namespace s2lite::server {

// Answers a path-style GET/HEAD of `path` (the raw path after "/_s2lite",
// e.g. "/console/app.js") when it belongs to the console: the file with its
// Content-Type and security headers (strict Content-Security-Policy,
// X-Content-Type-Options: nosniff, no framing); 404 NoSuchKey for an unknown
// file or when Options::console is off; a redirect from "/console" to
// "/console/". nullopt when `path` is not the console's.
std::optional<Response> ServeConsole(const RequestContext& ctx, std::string_view path);

}  // namespace s2lite::server
