// GET /_s2lite/requests -> the last requests this server answered, newest
// first, as JSON (server/request_ring.h). Signed like any S3 request, by an
// admin user: the keys and users of everyone's requests are server-wide
// information.
#include "server/handlers/handlers.h"
#include "server/state.h"

namespace s2lite::server {

Task<Response> HandleAdminRequests(RequestContext& ctx) {
  if (!ctx.user || !ctx.user->admin) {
    co_return Response::Error(
        Status(ErrorCode::kAccessDenied, "Only an admin user may read the recent requests"));
  }
  if (ctx.view.method != "GET" && ctx.view.method != "HEAD") {
    co_return Response::Error(Status(ErrorCode::kMethodNotAllowed)
                                  .With("Method", ctx.view.method)
                                  .With("ResourceType", "SERVICE"));
  }
  Response r;
  r.body = ctx.state->recent_requests.ToJson();
  r.AddHeader("Content-Type", "application/json");
  r.AddHeader("Cache-Control", "no-store");
  co_return r;
}

}  // namespace s2lite::server
