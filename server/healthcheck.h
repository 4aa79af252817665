#pragma once

// `s2lite healthcheck [URL]`: the daemon's own health probe, so a container
// image needs no HTTP client (Dockerfile HEALTHCHECK, compose healthcheck).

#include <chrono>
#include <iosfwd>
#include <string>

namespace s2lite::daemon {

// GETs `url` ("http://HOST[:PORT][/PATH]", PATH "/health/ready" when absent
// or "/", PORT 80 when absent) with a Host header and no credentials, as one
// request bounded by `timeout` (resolve, connect, write, read). Returns the
// exit code Docker expects of a health check: 0 when the answer is 200, 1
// otherwise (malformed or https URL, refused, timed out, any other status).
// Writes one line to `out` on success, to `err` on failure.
int Healthcheck(const std::string& url, std::chrono::milliseconds timeout, std::ostream& out,
                std::ostream& err);

}  // namespace s2lite::daemon
