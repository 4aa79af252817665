// Fault injection over HTTP, for tests in other languages:
//   POST   /_s2lite/faults  {"operation":"UploadPart","action":"error","code":"SlowDown","status":503,"times":1}
//   GET    /_s2lite/faults  -> the rules as JSON
//   DELETE /_s2lite/faults  -> removes every rule
// Signed like any S3 request, by a configured user.
#include "server/handlers/handlers.h"
#include "server/state.h"

namespace s2lite::server {

Response HandleAdminFaults(RequestContext& ctx) {
  FaultSet& faults = ctx.state->faults;
  Response r;
  r.AddHeader("Content-Type", "application/json");
  const std::string& m = ctx.view.method;
  if (m == "GET") {
    r.body = faults.ToJson();
  } else if (m == "POST") {
    auto rule = ParseFaultRuleJson(ctx.body);
    if (!rule.ok()) return Response::Error(rule.status());
    r.body = "{\"id\":" + std::to_string(faults.Add(std::move(*rule))) + "}";
  } else if (m == "DELETE") {
    faults.Clear();
    r.status = 204;
  } else {
    return Response::Error(Status(ErrorCode::kMethodNotAllowed));
  }
  return r;
}

}  // namespace s2lite::server
