#include "server/lifecycle.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <set>

#include "common/crypto.h"
#include "common/time.h"
#include "common/uri.h"
#include "server/handlers/common.h"
#include "server/request.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

constexpr storage::TimeMs kDayMs = 24LL * 3600 * 1000;
constexpr size_t kMaxRules = 1000;

Status Malformed() { return Status(ErrorCode::kMalformedXML); }

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// `element` of `action`, a positive number of days.
Result<int> PositiveDays(const XmlNode* n, std::string_view element, std::string_view action) {
  auto v = n ? ParseInt(n->text) : std::nullopt;
  if (!v) return Malformed();
  if (*v <= 0 || *v > 2147483647) {
    return Status(ErrorCode::kInvalidArgument, "'" + std::string(element) + "' for " +
                                                   std::string(action) +
                                                   " action must be a positive integer");
  }
  return static_cast<int>(*v);
}

Result<uint64_t> Size(const XmlNode& n) {
  auto v = ParseInt(n.text);
  if (!v || *v < 0) return Malformed();
  return static_cast<uint64_t>(*v);
}

Status AddTag(const XmlNode& tag, LifecycleRule& rule) {
  const XmlNode* key = tag.Child("Key");
  const XmlNode* value = tag.Child("Value");
  if (!key || !value) return Malformed();
  rule.tags.emplace_back(key->text, value->text);
  return Status::Ok();
}

// <Filter>: at most one of Prefix, Tag, ObjectSize*, or an <And> of several.
Status ParseFilter(const XmlNode& filter, LifecycleRule& rule) {
  if (filter.children.size() > 1) return Malformed();
  if (filter.children.empty()) return Status::Ok();
  const XmlNode& c = filter.children.front();
  auto apply = [&](const XmlNode& n) -> Status {
    if (n.name == "Prefix") {
      rule.prefix = n.text;
    } else if (n.name == "Tag") {
      return AddTag(n, rule);
    } else if (n.name == "ObjectSizeGreaterThan") {
      auto v = Size(n);
      if (!v.ok()) return v.status();
      rule.size_greater_than = *v;
    } else if (n.name == "ObjectSizeLessThan") {
      auto v = Size(n);
      if (!v.ok()) return v.status();
      rule.size_less_than = *v;
    } else {
      return Malformed();
    }
    return Status::Ok();
  };
  if (c.name != "And") return apply(c);
  for (const XmlNode& n : c.children) {
    if (Status s = apply(n); !s.ok()) return s;
  }
  return Status::Ok();
}

Status ParseExpiration(const XmlNode& e, LifecycleRule& rule) {
  const XmlNode* days = e.Child("Days");
  const XmlNode* date = e.Child("Date");
  const XmlNode* marker = e.Child("ExpiredObjectDeleteMarker");
  if ((days != nullptr) + (date != nullptr) + (marker != nullptr) != 1) return Malformed();
  if (days) {
    auto d = PositiveDays(days, "Days", "Expiration");
    if (!d.ok()) return d.status();
    rule.expiration_days = *d;
  } else if (date) {
    auto when = common::ParseIso8601Millis(date->text);
    if (!when) return Status(ErrorCode::kInvalidArgument, "Invalid Date value");
    if (*when % kDayMs != 0)
      return Status(ErrorCode::kInvalidArgument, "'Date' must be at midnight GMT");
    rule.expiration_date = *when;
  } else {
    if (marker->text != "true" && marker->text != "false") return Malformed();
    rule.expired_object_delete_marker = marker->text == "true";
  }
  return Status::Ok();
}

Result<LifecycleRule> ParseRule(const XmlNode& r) {
  LifecycleRule rule;
  const XmlNode* status = r.Child("Status");
  if (!status || (status->text != "Enabled" && status->text != "Disabled")) return Malformed();
  rule.enabled = status->text == "Enabled";
  if (const XmlNode* id = r.Child("ID")) rule.id = id->text;
  if (rule.id.size() > 255)
    return Status(ErrorCode::kInvalidArgument, "ID length should not exceed allowed limit of 255");
  if (rule.id.empty()) rule.id = common::RandomHex(20);
  const XmlNode* prefix = r.Child("Prefix");
  const XmlNode* filter = r.Child("Filter");
  if (prefix && filter) return Malformed();
  if (prefix) {
    rule.legacy_prefix = true;
    rule.prefix = prefix->text;
  } else if (filter) {
    if (Status s = ParseFilter(*filter, rule); !s.ok()) return s;
  }
  if (r.Child("Transition") || r.Child("NoncurrentVersionTransition")) {
    return Status(ErrorCode::kNotImplemented,
                  "Lifecycle transitions are not supported: s2lite has a single storage class");
  }
  bool action = false;
  if (const XmlNode* e = r.Child("Expiration")) {
    if (Status s = ParseExpiration(*e, rule); !s.ok()) return s;
    action = true;
  }
  if (const XmlNode* a = r.Child("AbortIncompleteMultipartUpload")) {
    if (!rule.tags.empty() || rule.size_greater_than || rule.size_less_than) {
      return Status(ErrorCode::kInvalidRequest,
                    "AbortIncompleteMultipartUpload cannot be specified with tags or object size "
                    "filters.");
    }
    auto d = PositiveDays(a->Child("DaysAfterInitiation"), "DaysAfterInitiation",
                          "AbortIncompleteMultipartUpload");
    if (!d.ok()) return d.status();
    rule.abort_days = *d;
    action = true;
  }
  if (const XmlNode* n = r.Child("NoncurrentVersionExpiration")) {
    if (const XmlNode* d = n->Child("NoncurrentDays")) {
      auto days = PositiveDays(d, "NoncurrentDays", "NoncurrentVersionExpiration");
      if (!days.ok()) return days.status();
      rule.noncurrent_days = *days;
    }
    if (const XmlNode* v = n->Child("NewerNoncurrentVersions")) {
      auto count = ParseInt(v->text);
      if (!count || *count <= 0 || *count > 100) return Malformed();
      rule.newer_noncurrent_versions = static_cast<int>(*count);
    }
    action = true;
  }
  if (!action) {
    return Status(ErrorCode::kInvalidRequest,
                  "At least one action needs to be specified in a rule");
  }
  return rule;
}

bool HasPrefix(std::string_view key, std::string_view prefix) {
  return key.substr(0, prefix.size()) == prefix;
}

bool ObjectMatches(const LifecycleRule& rule, const storage::ObjectInfo& o) {
  if (!rule.enabled || !HasPrefix(o.key, rule.prefix)) return false;
  if (rule.size_greater_than && !(o.size > *rule.size_greater_than)) return false;
  if (rule.size_less_than && !(o.size < *rule.size_less_than)) return false;
  if (!rule.tags.empty()) {
    TagSet have = DecodeTags(o.attrs.tagging);
    for (const auto& want : rule.tags) {
      bool found = false;
      for (const auto& t : have) found = found || t == want;
      if (!found) return false;
    }
  }
  return true;
}

void WriteFilter(XmlWriter& w, const LifecycleRule& r) {
  int conditions = (r.prefix.empty() ? 0 : 1) + static_cast<int>(r.tags.size()) +
                   (r.size_greater_than ? 1 : 0) + (r.size_less_than ? 1 : 0);
  w.Open("Filter");
  if (conditions > 1) w.Open("And");
  if (!r.prefix.empty() || conditions == 0) w.Element("Prefix", r.prefix);
  for (const auto& [key, value] : r.tags) {
    w.Open("Tag");
    w.Element("Key", key);
    w.Element("Value", value);
    w.Close("Tag");
  }
  if (r.size_greater_than) w.Element("ObjectSizeGreaterThan", *r.size_greater_than);
  if (r.size_less_than) w.Element("ObjectSizeLessThan", *r.size_less_than);
  if (conditions > 1) w.Close("And");
  w.Close("Filter");
}

}  // namespace

Result<std::vector<LifecycleRule>> ParseLifecycle(std::string_view body) {
  auto root = ParseXmlTree(body);
  if (!root.ok()) return root.status();
  if (root->name != "LifecycleConfiguration") return Malformed();
  std::vector<const XmlNode*> rules = root->Children("Rule");
  if (rules.empty() || rules.size() > kMaxRules) return Malformed();
  std::vector<LifecycleRule> out;
  std::set<std::string> ids;
  for (const XmlNode* r : rules) {
    auto rule = ParseRule(*r);
    if (!rule.ok()) return rule.status();
    if (!ids.insert(rule->id).second) {
      return Status(ErrorCode::kInvalidArgument,
                    "Rule ID must be unique. Found same ID for more than one rule");
    }
    out.push_back(std::move(*rule));
  }
  return out;
}

std::string LifecycleXml(const std::vector<LifecycleRule>& rules) {
  XmlWriter w;
  w.Open("LifecycleConfiguration", true);
  for (const LifecycleRule& r : rules) {
    w.Open("Rule");
    w.Element("ID", r.id);
    if (r.legacy_prefix) {
      w.Element("Prefix", r.prefix);
    } else {
      WriteFilter(w, r);
    }
    w.Element("Status", r.enabled ? "Enabled" : "Disabled");
    if (r.expiration_days > 0 || r.expiration_date || r.expired_object_delete_marker) {
      w.Open("Expiration");
      if (r.expiration_days > 0) {
        w.Element("Days", static_cast<uint64_t>(r.expiration_days));
      } else if (r.expiration_date) {
        std::string iso = common::FormatIso8601Millis(*r.expiration_date);  // "...T00:00:00.000Z"
        w.Element("Date", iso.substr(0, 19) + "Z");
      } else {
        w.Element("ExpiredObjectDeleteMarker", "true");
      }
      w.Close("Expiration");
    }
    if (r.noncurrent_days > 0 || r.newer_noncurrent_versions) {
      w.Open("NoncurrentVersionExpiration");
      if (r.noncurrent_days > 0)
        w.Element("NoncurrentDays", static_cast<uint64_t>(r.noncurrent_days));
      if (r.newer_noncurrent_versions)
        w.Element("NewerNoncurrentVersions", static_cast<uint64_t>(*r.newer_noncurrent_versions));
      w.Close("NoncurrentVersionExpiration");
    }
    if (r.abort_days > 0) {
      w.Open("AbortIncompleteMultipartUpload");
      w.Element("DaysAfterInitiation", static_cast<uint64_t>(r.abort_days));
      w.Close("AbortIncompleteMultipartUpload");
    }
    w.Close("Rule");
  }
  w.Close("LifecycleConfiguration");
  return w.Take();
}

storage::TimeMs LifecycleDue(storage::TimeMs created, int days) {
  storage::TimeMs day_start = created - ((created % kDayMs) + kDayMs) % kDayMs;
  return day_start + (static_cast<storage::TimeMs>(days) + 1) * kDayMs;
}

namespace {

std::optional<LifecycleDate> ExpirationOf(const std::vector<LifecycleRule>& rules,
                                          const storage::ObjectInfo& object,
                                          storage::TimeMs created) {
  std::optional<LifecycleDate> best;
  for (const LifecycleRule& r : rules) {
    if (!ObjectMatches(r, object)) continue;
    std::optional<storage::TimeMs> when;
    if (r.expiration_days > 0) when = LifecycleDue(created, r.expiration_days);
    if (r.expiration_date) when = *r.expiration_date;
    if (when && (!best || *when < best->when)) best = LifecycleDate{*when, r.id};
  }
  return best;
}

}  // namespace

std::optional<LifecycleDate> ObjectExpiration(const std::vector<LifecycleRule>& rules,
                                              const storage::ObjectInfo& object) {
  return ExpirationOf(rules, object, object.last_modified);
}

std::optional<LifecycleDate> UploadAbortDate(const std::vector<LifecycleRule>& rules,
                                             const storage::UploadInfo& upload) {
  std::optional<LifecycleDate> best;
  for (const LifecycleRule& r : rules) {
    if (!r.enabled || r.abort_days <= 0 || !HasPrefix(upload.key, r.prefix)) continue;
    storage::TimeMs when = LifecycleDue(upload.created, r.abort_days);
    if (!best || when < best->when) best = LifecycleDate{when, r.id};
  }
  return best;
}

Task<std::vector<LifecycleRule>> BucketLifecycle(ServerState& state, const std::string& bucket) {
  auto doc = co_await state.store->GetBucketSetting(bucket, "lifecycle");
  if (!doc.ok() || !doc->has_value()) co_return std::vector<LifecycleRule>{};
  auto rules = ParseLifecycle(**doc);
  if (!rules.ok()) co_return std::vector<LifecycleRule>{};
  co_return std::move(*rules);
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html: "The value
// of the rule-id is URL-encoded" (which also keeps quotes and control
// characters of an id out of the header).
std::string ExpirationHeader(const LifecycleDate& d) {
  return "expiry-date=\"" + common::FormatHttpDate(d.when / 1000) + "\", rule-id=\"" +
         common::UriEncode(d.rule_id, false) + "\"";
}

Task<void> AddExpirationHeader(Response& r, ServerState& state, const storage::ObjectInfo& object) {
  const std::vector<LifecycleRule> rules = co_await BucketLifecycle(state, object.bucket);
  if (rules.empty()) co_return;
  const storage::TimeMs created =
      object.last_modified != 0 ? object.last_modified : ToTimeMs(state.Now());
  if (auto expiry = ExpirationOf(rules, object, created))
    r.AddHeader("x-amz-expiration", ExpirationHeader(*expiry));
}

Task<void> AddAbortDateHeaders(Response& r, const RequestContext& ctx,
                               const storage::UploadInfo& upload) {
  const std::vector<LifecycleRule> rules = co_await BucketLifecycle(*ctx.state, upload.bucket);
  auto due = UploadAbortDate(rules, upload);
  if (!due) co_return;
  r.AddHeader("x-amz-abort-date", common::FormatHttpDate(due->when / 1000));
  r.AddHeader("x-amz-abort-rule-id", due->rule_id);
}

namespace {

Task<Result<int>> AbortDueUploads(ServerState& state, const std::string& bucket,
                                  const std::vector<LifecycleRule>& rules, storage::TimeMs now) {
  int aborted = 0;
  storage::ListUploadsQuery q;
  q.bucket = bucket;
  for (;;) {
    auto page = co_await state.store->ListUploads(q);
    if (!page.ok()) co_return page.status();
    for (const storage::UploadInfo& u : page->uploads) {
      auto due = UploadAbortDate(rules, u);
      if (!due || due->when > now) continue;
      Status s = co_await state.store->AbortUpload(u.upload_id);
      if (s.ok()) ++aborted;
      if (!s.ok() && s.code() != ErrorCode::kNoSuchUpload) co_return s;  // else finished meanwhile
    }
    if (!page->truncated || page->uploads.empty()) co_return aborted;
    q.key_marker = page->uploads.back().key;
    q.upload_id_marker = page->uploads.back().upload_id;
  }
}

Task<Result<int>> DeleteExpiredObjects(ServerState& state, const std::string& bucket,
                                       const std::vector<LifecycleRule>& rules,
                                       storage::TimeMs now) {
  int expired = 0;
  storage::ListObjectsQuery q;
  q.bucket = bucket;
  for (;;) {
    auto page = co_await state.store->ListObjects(q);
    if (!page.ok()) co_return page.status();
    for (const storage::ObjectInfo& o : page->objects) {
      auto due = ObjectExpiration(rules, o);
      if (!due || due->when > now) continue;
      if (Status s = co_await state.store->DeleteObject(bucket, o.key); !s.ok()) co_return s;
      ++expired;
    }
    if (!page->truncated || page->objects.empty()) co_return expired;
    q.start_after = page->objects.back().key;
  }
}

}  // namespace

Task<Result<LifecycleSweep>> ApplyLifecycle(ServerState& state, storage::TimeMs now) {
  LifecycleSweep sweep;
  auto configured = co_await state.store->ListBucketSettings("lifecycle");
  if (!configured.ok()) co_return configured.status();
  for (const auto& [bucket, doc] : *configured) {
    auto rules = ParseLifecycle(doc);
    if (!rules.ok()) continue;  // stored documents were validated; never happens
    bool aborts = false, expires = false;
    for (const LifecycleRule& r : *rules) {
      aborts = aborts || (r.enabled && r.abort_days > 0);
      expires = expires || (r.enabled && (r.expiration_days > 0 || r.expiration_date));
    }
    if (aborts) {
      auto n = co_await AbortDueUploads(state, bucket, *rules, now);
      if (!n.ok()) co_return n.status();
      sweep.uploads_aborted += *n;
    }
    if (expires) {
      auto n = co_await DeleteExpiredObjects(state, bucket, *rules, now);
      if (!n.ok()) co_return n.status();
      sweep.objects_expired += *n;
    }
  }
  co_return sweep;
}

}  // namespace s2lite::server
