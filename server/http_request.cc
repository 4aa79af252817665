#include "server/http_request.h"

#include <string>
#include <string_view>

#include "auth/uri.h"
#include "server/strings.h"

namespace s2lite::server {

Status BuildView(const HeaderParser& hp, RequestContext& ctx, size_t max_fields) {
  namespace http = boost::beast::http;
  const auto& req = hp.get();
  // Counted before anything is copied: signature checks look headers up
  // linearly, so thousands of tiny fields would cost quadratic time.
  size_t fields = 0;
  for (auto it = req.begin(); it != req.end(); ++it) {
    if (++fields > max_fields) {
      return Status(ErrorCode::kRequestHeaderSectionTooLarge,
                    "Your request has more than " + std::to_string(max_fields) +
                        " header fields.")
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
    auto query = auth::ParseQuery(target.substr(q + 1));
    if (!query) return Status(ErrorCode::kInvalidURI);
    ctx.view.query = std::move(*query);
  }
  ctx.view.headers.reserve(fields);
  for (const auto& field : req) {
    ctx.view.headers.emplace_back(AsciiLower(field.name_string()), std::string(field.value()));
  }
  ctx.host = std::string(req[http::field::host]);
  if (auto len = hp.content_length()) ctx.content_length = *len;
  ctx.chunked = hp.chunked();
  return Status::Ok();
}

}  // namespace s2lite::server
