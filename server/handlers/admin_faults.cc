// Fault injection over HTTP, for tests in other languages:
//   POST   /_s2lite/faults
//   {"operation":"UploadPart","action":"error","code":"SlowDown","status":503,"times":1} GET
//   /_s2lite/faults  -> the rules as JSON DELETE /_s2lite/faults  -> removes every rule DELETE
//   /_s2lite/faults/<id> -> removes one rule
// Signed like any S3 request, by an admin user: fault rules are server-wide
// state, so another user could otherwise break everyone's requests.
#include <charconv>

#include "server/handlers/handlers.h"
#include "server/state.h"

namespace s2lite::server {
Task<Response> HandleAdminFaults(RequestContext& ctx) {
  if (!ctx.user || !ctx.user->admin) {
    co_return Response::Error(
        Status(ErrorCode::kAccessDenied, "Only an admin user may read or change fault rules"));
  }
  FaultSet& faults = ctx.state->faults;
  Response r;
  r.AddHeader("Content-Type", "application/json");
  const std::string& m = ctx.view.method;
  // route.key: "" for the collection, "/<id>" for one rule.
  const std::string& one = ctx.route.key;
  if (!one.empty()) {
    int id = 0;
    std::string_view digits = std::string_view(one).substr(1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      co_return Response::Error(
          Status(ErrorCode::kInvalidArgument, "Fault rule id must be a number"));
    }
    if (m != "DELETE") co_return Response::Error(Status(ErrorCode::kMethodNotAllowed));
    if (!faults.Remove(id)) {
      co_return Response::Error(Status(ErrorCode::kInvalidArgument, "No fault rule with this id")
                                    .With("ArgumentName", "id")
                                    .With("ArgumentValue", std::string(digits)));
    }
    r.status = 204;
    co_return r;
  }
  if (m == "GET") {
    r.body = faults.ToJson();
  } else if (m == "POST") {
    auto rule = ParseFaultRuleJson(ctx.body);
    if (!rule.ok()) co_return Response::Error(rule.status());
    r.body = "{\"id\":" + std::to_string(faults.Add(std::move(*rule))) + "}";
  } else if (m == "DELETE") {
    faults.Clear();
    r.status = 204;
  } else {
    co_return Response::Error(Status(ErrorCode::kMethodNotAllowed));
  }
  co_return r;
}

}  // namespace s2lite::server
