#include "server/handlers/conditional_write.h"

#include "common/ascii.h"
#include "server/handlers/object_common.h"
#include "server/state.h"

namespace s2lite::server {
namespace {

std::string_view Unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
    etag = etag.substr(1, etag.size() - 2);
  return etag;
}

Status Failed(std::string_view header) {
  return Status(ErrorCode::kPreconditionFailed).With("Condition", std::string(header));
}

}  // namespace

Result<storage::WriteCondition> ParseWriteCondition(const RequestContext& ctx) {
  storage::WriteCondition c;
  if (const std::string* inm = ctx.Header("if-none-match")) {
    if (*inm != "*")
      return Status(ErrorCode::kNotImplemented,
                    "A header you provided implies functionality that is not implemented")
          .With("Header", "If-None-Match");
    c.if_none_match = true;
  }
  if (const std::string* im = ctx.Header("if-match")) {
    // Stored ETags are quoted lower-case hex; a client may send either form.
    c.if_match = common::AsciiLower(Unquoted(*im));
    if (c.if_match.empty()) return Failed("If-Match");
  }
  return c;
}

Task<Status> PrecheckWriteCondition(const RequestContext& ctx,
                                    const storage::WriteCondition& condition) {
  if (condition.empty()) co_return Status::Ok();
  auto current = co_await ctx.state->store->GetObject(ctx.route.bucket, ctx.route.key);
  if (!current.ok() && current.status().code() != ErrorCode::kNoSuchKey) co_return current.status();
  if (condition.if_none_match && current.ok()) co_return Failed("If-None-Match");
  if (!condition.if_match.empty()) {
    if (!current.ok()) co_return NoSuchKeyError(ctx.route.key);
    if (common::AsciiLower(Unquoted(current->etag)) != condition.if_match)
      co_return Failed("If-Match");
  }
  co_return Status::Ok();
}

Status ConditionalCommitError(Status s, const storage::WriteCondition& condition) {
  bool lost = s.code() == ErrorCode::kPreconditionFailed ||
              (s.code() == ErrorCode::kNoSuchKey && !condition.if_match.empty());
  if (!lost || condition.empty()) return s;
  return Status(ErrorCode::kConditionalRequestConflict);
}

}  // namespace s2lite::server
