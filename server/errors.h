#pragma once

// The one table from ErrorCode to {S3 code, HTTP status, message}, and the
// one renderer of S3's XML error document.

#include <string>
#include <string_view>

#include "s2lite/status.h"

namespace s2lite::server {

struct ErrorInfo {
  std::string_view code;     // S3's code string, e.g. "NoSuchBucket"
  int http_status;           // e.g. 404
  std::string_view message;  // S3's default message
};

const ErrorInfo& LookupError(ErrorCode code);

// <?xml ...?><Error><Code/><Message/>[extra...]<Resource/><RequestId/><HostId/></Error>
// S3 error documents carry no XML namespace.
std::string RenderErrorXml(const Status& status, std::string_view resource,
                           std::string_view request_id, std::string_view host_id);
// The same document for an arbitrary code (injected faults).
std::string RenderErrorXml(std::string_view code, std::string_view message,
                           std::string_view resource, std::string_view request_id,
                           std::string_view host_id);

}  // namespace s2lite::server

namespace s2lite::server {
// S3's code string for a non-OK status ("NoSuchBucket").
inline std::string_view LookupErrorCode(const Status& s) { return LookupError(s.code()).code; }
}  // namespace s2lite::server
