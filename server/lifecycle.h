#pragma once

// Bucket lifecycle rules, as far as s2lite honours them: Expiration (Days or
// Date) of current objects and AbortIncompleteMultipartUpload, filtered by
// prefix, tags and object size. Transitions are refused (501): there is one
// storage tier. Noncurrent-version actions are accepted and have nothing to
// act on (buckets are unversioned).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s2lite/status.h"
#include "server/handlers/tagging.h"
#include "server/request.h"
#include "storage/types.h"

namespace s2lite::server {

struct ServerState;

struct LifecycleRule {
  std::string id;
  bool enabled = true;
  bool legacy_prefix = false;  // <Prefix> directly in the rule, not in <Filter>
  std::string prefix;
  TagSet tags;
  std::optional<uint64_t> size_greater_than, size_less_than;
  int expiration_days = 0;  // 0 = none
  std::optional<storage::TimeMs> expiration_date;
  bool expired_object_delete_marker = false;
  int abort_days = 0;       // AbortIncompleteMultipartUpload; 0 = none
  int noncurrent_days = 0;  // NoncurrentVersionExpiration (nothing to act on)
  std::optional<int> newer_noncurrent_versions;
};

// A validated LifecycleConfiguration body. Errors as S3's: kMalformedXML,
// kInvalidArgument, kInvalidRequest; kNotImplemented for transitions.
Result<std::vector<LifecycleRule>> ParseLifecycle(std::string_view body);
// The LifecycleConfiguration document of `rules` (GET ?lifecycle; stored).
std::string LifecycleXml(const std::vector<LifecycleRule>& rules);

// When something made at `created` is due after `days` days: S3 adds the
// days and rounds up to the next midnight UTC.
storage::TimeMs LifecycleDue(storage::TimeMs created, int days);

// The earliest expiration an enabled rule gives `object`, with its rule id.
struct LifecycleDate {
  storage::TimeMs when = 0;
  std::string rule_id;
};
std::optional<LifecycleDate> ObjectExpiration(const std::vector<LifecycleRule>& rules,
                                              const storage::ObjectInfo& object);
// The earliest abort date an enabled rule gives a pending upload.
std::optional<LifecycleDate> UploadAbortDate(const std::vector<LifecycleRule>& rules,
                                             const storage::UploadInfo& upload);

// The rules stored for `bucket` (empty when none or unreadable).
Task<std::vector<LifecycleRule>> BucketLifecycle(ServerState& state, const std::string& bucket);

// "Fri, 23 Dec 2012 00:00:00 GMT" forms for x-amz-expiration / x-amz-abort-date.
std::string ExpirationHeader(const LifecycleDate& d);

// x-amz-expiration when a rule of its bucket will expire `object` (GetObject,
// HeadObject, and the writes that answer it: PutObject, CopyObject,
// CompleteMultipartUpload). An object the store has not stamped yet
// (last_modified 0) is taken as made now.
Task<void> AddExpirationHeader(Response& r, ServerState& state, const storage::ObjectInfo& object);

// x-amz-abort-date and x-amz-abort-rule-id when a rule of the upload's
// bucket will abort it (CreateMultipartUpload, UploadPart).
Task<void> AddAbortDateHeaders(Response& r, const RequestContext& ctx,
                               const storage::UploadInfo& upload);

// Applies every bucket's rules at `now`: aborts due uploads, deletes expired
// objects. Returns how many uploads and objects went.
struct LifecycleSweep {
  int uploads_aborted = 0;
  int objects_expired = 0;
};
Task<Result<LifecycleSweep>> ApplyLifecycle(ServerState& state, storage::TimeMs now);

}  // namespace s2lite::server
