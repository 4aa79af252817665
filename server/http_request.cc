#include "server/http_request.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ascii.h"
#include "common/uri.h"

namespace s2lite::server {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// RFC 9112 §6: a body's length comes from Transfer-Encoding or Content-Length,
// never both, and chunked must be the final (here: the only) coding. Anything
// else would let a proxy in front of us and us disagree on where this request
// ends and the next begins (request smuggling).
Status CheckFraming(const Headers& headers) {
  std::vector<std::string_view> codings;
  std::optional<std::string_view> length;
  bool has_te = false;
  for (const auto& [name, value] : headers) {
    if (name == "transfer-encoding") {
      has_te = true;
      std::string_view rest = value;
      while (!rest.empty()) {
        size_t comma = rest.find(',');
        std::string_view item = common::TrimOws(rest.substr(0, comma));
        if (!item.empty()) codings.push_back(item);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    } else if (name == "content-length") {
      std::string_view v = common::TrimOws(value);
      if (length && *length != v) {
        return Status(ErrorCode::kInvalidRequest, "Conflicting Content-Length header values");
      }
      length = v;
    }
  }
  if (!has_te) return Status::Ok();
  if (length) {
    return Status(ErrorCode::kInvalidRequest,
                  "Transfer-Encoding and Content-Length must not be sent together");
  }
  if (codings.empty() || !common::EqualsIgnoreCase(codings.back(), "chunked")) {
    return Status(ErrorCode::kInvalidRequest,
                  "The final Transfer-Encoding of a request must be chunked");
  }
  if (codings.size() > 1) {
    return Status(ErrorCode::kNotImplemented,
                  "A header you provided implies functionality that is not implemented")
        .With("Header", "Transfer-Encoding");
  }
  return Status::Ok();
}

bool IsActionHeader(std::string_view name) {
  static constexpr std::string_view kNames[] = {"host",
                                                "range",
                                                "content-md5",
                                                "x-amz-content-sha256",
                                                "x-amz-date",
                                                "x-amz-trailer",
                                                "x-amz-decoded-content-length",
                                                "x-amz-copy-source",
                                                "x-amz-copy-source-range",
                                                "x-amz-metadata-directive",
                                                "x-amz-tagging-directive",
                                                "x-amz-sdk-checksum-algorithm",
                                                "x-amz-checksum-algorithm",
                                                "x-amz-checksum-type",
                                                "content-type",
                                                "expect"};
  for (std::string_view n : kNames)
    if (n == name) return true;
  // x-amz-checksum-crc32..., If-Match/None-Match/(Un)Modified-Since, and the
  // same conditions on a copy source.
  return name.rfind("x-amz-checksum-", 0) == 0 || name.rfind("if-", 0) == 0 ||
         name.rfind("x-amz-copy-source-if-", 0) == 0;
}

// A header the operation acts on, given twice, is signed as the two values
// joined by a comma but would be read as one of them: what was signed would
// not be what runs.
Status CheckRepeatedHeaders(const Headers& headers) {
  for (size_t i = 0; i < headers.size(); ++i) {
    if (!IsActionHeader(headers[i].first)) continue;
    for (size_t j = i + 1; j < headers.size(); ++j) {
      if (headers[j].first == headers[i].first) {
        return Status(ErrorCode::kInvalidArgument,
                      "Header " + headers[i].first + " must not be given more than once")
            .With("ArgumentName", headers[i].first);
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status BuildView(const HeaderParser& hp, RequestContext& ctx, size_t max_fields) {
  namespace http = boost::beast::http;
  const auto& req = hp.get();
  // Counted before anything is copied: signature checks look headers up
  // linearly, so thousands of tiny fields would cost quadratic time.
  size_t fields = 0;
  for (auto it = req.begin(); it != req.end(); ++it) {
    if (++fields > max_fields) {
      return Status(ErrorCode::kRequestHeaderSectionTooLarge,
                    "Your request has more than " + std::to_string(max_fields) + " header fields.")
          .With("MaxFieldsAllowed", std::to_string(max_fields));
    }
  }
  ctx.view.method = std::string(req.method_string());
  std::string_view target = req.target();
  // Absolute-form targets ("http://host/path") are allowed by HTTP/1.1.
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
    auto slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  auto q = target.find('?');
  ctx.view.raw_path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    auto query = common::ParseQuery(target.substr(q + 1));
    if (!query) return Status(ErrorCode::kInvalidURI);
    ctx.view.query = std::move(*query);
  }
  ctx.view.headers.reserve(fields);
  for (const auto& field : req) {
    ctx.view.headers.emplace_back(common::AsciiLower(field.name_string()),
                                  std::string(field.value()));
  }
  if (Status s = CheckFraming(ctx.view.headers); !s.ok()) return s;
  if (Status s = CheckRepeatedHeaders(ctx.view.headers); !s.ok()) return s;
  ctx.host = std::string(req[http::field::host]);
  if (auto len = hp.content_length()) ctx.content_length = *len;
  ctx.chunked = hp.chunked();
  return Status::Ok();
}

}  // namespace s2lite::server
