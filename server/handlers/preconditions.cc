#include "server/handlers/preconditions.h"

#include "common/ascii.h"
#include "common/time.h"

namespace s2lite::server {
namespace {

std::string_view Unquote(std::string_view tag) {
  tag = common::TrimOws(tag);
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
    tag = tag.substr(1, tag.size() - 2);
  return tag;
}

}  // namespace

bool EtagListMatches(std::string_view list, std::string_view etag) {
  if (common::TrimOws(list) == "*") return true;
  std::string_view want = Unquote(etag);
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (Unquote(list.substr(0, comma)) == want) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

PreconditionResult EvaluatePreconditions(const RequestContext& ctx, std::string_view prefix,
                                         std::string_view etag, storage::TimeMs last_modified) {
  auto header = [&](std::string_view name) {
    return ctx.Header(std::string(prefix) + std::string(name));
  };
  auto label = [&](std::string_view name) { return std::string(prefix) + std::string(name); };
  const int64_t modified = last_modified / 1000;  // HTTP dates have one-second resolution

  if (const std::string* v = header("if-match")) {
    if (!EtagListMatches(*v, etag)) return {Precondition::kFailed, label("If-Match")};
  } else if (const std::string* v = header("if-unmodified-since")) {
    auto t = common::ParseHttpDate(common::TrimOws(*v));
    if (t && modified > *t) return {Precondition::kFailed, label("If-Unmodified-Since")};
  }
  if (const std::string* v = header("if-none-match")) {
    if (EtagListMatches(*v, etag)) return {Precondition::kNotModified, label("If-None-Match")};
  } else if (const std::string* v = header("if-modified-since")) {
    auto t = common::ParseHttpDate(common::TrimOws(*v));
    if (t && modified <= *t) return {Precondition::kNotModified, label("If-Modified-Since")};
  }
  return {};
}

Status PreconditionFailedError(const PreconditionResult& result) {
  return Status(ErrorCode::kPreconditionFailed).With("Condition", result.condition);
}

}  // namespace s2lite::server
