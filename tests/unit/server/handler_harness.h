#pragma once

// Calls S3 handlers without sockets: a RequestContext over an in-memory store,
// the route parsed as the server parses it, the bucket checked as the request
// pipeline checks it (exists, belongs to the caller), the XML body or streamed
// body handed over as the session would, and the handler run to completion.
// Authentication is not simulated: the caller is `user()`.

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/ascii.h"
#include "common/uri.h"
#include "server/handlers/handlers.h"
#include "server/router.h"
#include "server/state.h"
#include "storage/task.h"

namespace s2lite::server::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

class HandlerHarness {
 public:
  explicit HandlerHarness(Options options = {}) {
    state_.options = std::move(options);
    state_.options.in_memory = true;
    storage::StoreOptions so;
    so.in_memory = true;
    if (state_.options.clock) {
      so.now = [clock = state_.options.clock] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(clock().time_since_epoch())
            .count();
      };
    }
    auto store = storage::OpenObjectStore(so);
    if (store.ok()) state_.store = std::move(*store);
    state_.logger = std::make_shared<spdlog::logger>("handler-harness");  // no sinks
    state_.host_id = "harness";
    user_ = {"alice", "AKALICE", "secret-alice", false};
  }

  ServerState& state() { return state_; }
  const UserCredentials& user() const { return user_; }
  void set_user(UserCredentials user) { user_ = std::move(user); }

  // `target` is the request-target as sent: "/bucket/key?query".
  Response Do(const std::string& method, const std::string& target, std::string body = {},
              const Headers& headers = {}) {
    RequestContext ctx;
    ctx.state = &state_;
    ctx.user = &user_;
    ctx.request_id = "HARNESS";
    ctx.now = state_.Now();
    ctx.host = "localhost";
    size_t q = target.find('?');
    ctx.view.method = method;
    ctx.view.raw_path = target.substr(0, q);
    if (q != std::string::npos) {
      auto query = common::ParseQuery(std::string_view(target).substr(q + 1));
      if (!query) return Response::Error(Status(ErrorCode::kInvalidURI));
      ctx.view.query = std::move(*query);
    }
    ctx.view.headers.emplace_back("host", "localhost");
    for (const auto& [name, value] : headers) {
      ctx.view.headers.emplace_back(common::AsciiLower(name), value);
    }
    ctx.content_length = body.size();
    Result<Route> route = ParseRoute(ctx.view, ctx.host, state_.options.domains);
    if (!route.ok()) return Response::Error(route.status());
    ctx.route = std::move(*route);
    const OpHandler* handler = FindHandler(ctx.route.op);
    if (handler == nullptr) return Response::Error(Status(ErrorCode::kNotImplemented));
    if (handler->needs_bucket) {
      auto bucket = storage::Sync(state_.store->GetBucket(ctx.route.bucket));
      if (!bucket.ok()) return Response::Error(bucket.status());
      if (bucket->owner != user_.name) return Response::Error(Status(ErrorCode::kAccessDenied));
      ctx.bucket_generation = bucket->generation;
    }
    if (handler->mode != BodyMode::kStream) {
      ctx.body = std::move(body);
      ctx.body_bytes = ctx.body.size();
      return storage::Sync(handler->handle(ctx));
    }
    auto sink = storage::Sync(handler->begin(ctx));
    if (!sink.ok()) return Response::Error(sink.status());
    if (Status s = (*sink)->Write(body.data(), body.size()); !s.ok()) return Response::Error(s);
    ctx.body_bytes = body.size();
    return storage::Sync((*sink)->Finish());
  }

  // The response's body, streamed or not.
  static std::string Body(Response& r) {
    if (!r.source) return r.body;
    std::string out;
    char buf[4096];
    for (;;) {
      Result<size_t> n = r.source->Read(buf, sizeof buf);
      if (!n.ok() || *n == 0) return out;
      out.append(buf, *n);
    }
  }

  static const std::string* Header(const Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (common::EqualsIgnoreCase(n, name)) return &v;
    }
    return nullptr;
  }

 private:
  ServerState state_;
  UserCredentials user_;
};

}  // namespace s2lite::server::testing
