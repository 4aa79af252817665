// Raw bytes -> Beast header parser with the server's limits -> the request
// view the session builds (framing and repeated-header checks) -> the router. Whatever the bytes,
// nothing may crash, leak or read out of bounds.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "fuzz/fuzz_util.h"
#include "s2lite/options.h"
#include "server/http_request.h"
#include "server/router.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s2lite;
  static const Options defaults;
  static const std::vector<std::string> domains = {"localhost", "s3.example.com"};
  server::HeaderParser hp;
  hp.header_limit(defaults.max_header_bytes);
  hp.body_limit(boost::none);
  hp.eager(false);
  boost::beast::error_code ec;
  // The session hands Beast everything buffered so far; a header is parsed
  // from one contiguous buffer.
  std::string_view in = fuzz::AsView(data, size);
  hp.put(boost::asio::buffer(in.data(), in.size()), ec);
  if (ec) return 0;
  if (!hp.is_header_done()) return 0;
  server::RequestContext ctx;
  if (!server::BuildView(hp, ctx, defaults.max_header_fields).ok()) return 0;
  // What BuildView lets through is unambiguous: at most one copy source,
  // and never both framings.
  int copy_sources = 0;
  bool te = false, cl = false;
  for (const auto& [name, value] : ctx.view.headers) {
    copy_sources += name == "x-amz-copy-source";
    te |= name == "transfer-encoding";
    cl |= name == "content-length";
  }
  if (copy_sources > 1 || (te && cl)) __builtin_trap();
  (void)server::IsLocalHost(ctx.host, domains);
  (void)server::VirtualHostBucket(ctx.host, domains);
  auto route = server::ParseRoute(ctx.view, ctx.host, domains);
  if (route.ok()) {
    (void)server::OpName(route->op);
    if (route->key.size() > server::kMaxKeyBytes) __builtin_trap();
  }
  return 0;
}
