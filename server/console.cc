#include "server/console.h"

#include <string>

#include "server/console_assets.h"
#include "server/state.h"

namespace s2lite::server {
namespace {

constexpr std::string_view kPrefix = "/console";

// The page loads nothing but its own files and talks only to this server;
// no inline script or style, no plugins, no framing, no form posts elsewhere.
constexpr std::string_view kPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

std::string_view ContentType(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

void AddSecurityHeaders(Response& r) {
  r.AddHeader("Content-Security-Policy", std::string(kPolicy));
  r.AddHeader("X-Content-Type-Options", "nosniff");
  r.AddHeader("X-Frame-Options", "DENY");
  r.AddHeader("Referrer-Policy", "no-referrer");
  r.AddHeader("Cross-Origin-Opener-Policy", "same-origin");
  r.AddHeader("Cross-Origin-Resource-Policy", "same-origin");
  r.AddHeader("Cache-Control", "no-cache");
}

Response Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.AddHeader("Content-Type", "text/plain; charset=utf-8");
  AddSecurityHeaders(r);
  return r;
}

}  // namespace

std::optional<Response> ServeConsole(const RequestContext& ctx, std::string_view path) {
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = path.substr(kPrefix.size());
  if (!rest.empty() && rest[0] != '/' && rest[0] != '?') return std::nullopt;
  if (!ctx.state->options.console) return Text(404, "Not Found: the web console is disabled\n");
  if (size_t q = rest.find('?'); q != std::string_view::npos) rest = rest.substr(0, q);
  if (rest.empty()) {
    Response r = Text(301, "Moved: /_s2lite/console/\n");
    r.AddHeader("Location", "/_s2lite/console/");
    return r;
  }
  std::string_view file = rest.substr(1);
  if (file.empty()) file = "index.html";
  for (const ConsoleAsset& a : ConsoleAssets()) {
    if (a.path != file) continue;
    Response r;
    r.body = std::string(a.bytes);
    r.AddHeader("Content-Type", std::string(ContentType(file)));
    AddSecurityHeaders(r);
    return r;
  }
  return Text(404, "Not Found\n");
}

}  // namespace s2lite::server
