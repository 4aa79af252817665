#pragma once

// Routing is data: every S3 operation is one enum value, parsed from the
// method, the query keyword (uploads, uploadId, partNumber, ...) and headers
// (x-amz-copy-source), most specific first; path and virtual-host style alike.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/request_view.h"
#include "s2lite/status.h"

namespace s2lite::server {

#define S2LITE_OPERATIONS(X)          \
  X(ListBuckets)                      \
  X(CreateBucket)                     \
  X(HeadBucket)                       \
  X(DeleteBucket)                     \
  X(GetBucketLocation)                \
  X(ListObjects)                      \
  X(ListObjectsV2)                    \
  X(ListMultipartUploads)             \
  X(DeleteObjects)                    \
  X(CreateMultipartUpload)            \
  X(UploadPart)                       \
  X(UploadPartCopy)                   \
  X(CompleteMultipartUpload)          \
  X(AbortMultipartUpload)             \
  X(ListParts)                        \
  X(PutObject)                        \
  X(CopyObject)                       \
  X(GetObject)                        \
  X(HeadObject)                       \
  X(DeleteObject)                     \
  X(GetObjectTagging)                 \
  X(PutObjectTagging)                 \
  X(DeleteObjectTagging)              \
  X(ListObjectVersions)               \
  X(GetBucketTagging)                 \
  X(PutBucketTagging)                 \
  X(DeleteBucketTagging)              \
  X(GetBucketLifecycleConfiguration)  \
  X(PutBucketLifecycleConfiguration)  \
  X(DeleteBucketLifecycle)            \
  X(GetBucketPolicy)                  \
  X(PutBucketPolicy)                  \
  X(DeleteBucketPolicy)               \
  X(GetBucketEncryption)              \
  X(PutBucketEncryption)              \
  X(DeleteBucketEncryption)           \
  X(GetBucketOwnershipControls)       \
  X(PutBucketOwnershipControls)       \
  X(DeleteBucketOwnershipControls)    \
  X(GetPublicAccessBlock)             \
  X(PutPublicAccessBlock)             \
  X(DeletePublicAccessBlock)          \
  X(GetBucketVersioning)              \
  X(PutBucketVersioning)              \
  X(GetBucketAcl)                     \
  X(PutBucketAcl)                     \
  X(GetBucketWebsite)                 \
  X(DeleteBucketWebsite)              \
  X(GetBucketAccelerateConfiguration) \
  X(PutBucketAccelerateConfiguration) \
  X(GetBucketRequestPayment)          \
  X(PutBucketRequestPayment)          \
  X(GetBucketLogging)                 \
  X(PutBucketLogging)                 \
  X(GetBucketReplication)             \
  X(DeleteBucketReplication)          \
  X(GetObjectLockConfiguration)       \
  X(PutBucketCors)                    \
  X(GetBucketCors)                    \
  X(DeleteBucketCors)                 \
  X(CorsPreflight)                    \
  X(PostObject)                       \
  X(AdminFaults)                      \
  X(AdminRequests)                    \
  X(Unsupported)

enum class Op {
#define S2LITE_OP_ENUM(name) k##name,
  S2LITE_OPERATIONS(S2LITE_OP_ENUM)
#undef S2LITE_OP_ENUM
};

std::string_view OpName(Op op);

struct Route {
  Op op = Op::kUnsupported;
  std::string bucket;  // "" for the service
  std::string key;     // percent-decoded; "" for bucket/service requests
  bool virtual_host = false;
  // For kUnsupported: the sub-resource or reason, and whether the method is
  // simply not allowed on this resource (405) rather than not implemented (501).
  std::string unsupported_what;
  bool method_not_allowed = false;
};

inline constexpr size_t kMaxKeyBytes = 1024;

// `host` is the Host header (may include ":port"). Errors: kInvalidURI
// (bad %-encoding), kKeyTooLongError (with the key's size).
Result<Route> ParseRoute(const auth::RequestView& req, std::string_view host,
                         const std::vector<std::string>& domains);

// The bucket a virtual-hosted-style Host names (`<bucket>.<domain>[:port]`
// for one of `domains`), or nullopt for a path-style request.
std::optional<std::string> VirtualHostBucket(std::string_view host,
                                             const std::vector<std::string>& domains);

// Whether `host` (a Host header) is `localhost`, a loopback IP, one of
// `domains` or a bucket subdomain of one: the only names the public
// development credentials answer (Options::local_hosts_only).
bool IsLocalHost(std::string_view host, const std::vector<std::string>& domains);

// Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF): S3
// answers a key that is not with 400 InvalidURI (path) or InvalidArgument (form).
bool IsValidUtf8(std::string_view s);

// S3 bucket naming rules (3-63 chars, lower-case letters, digits, '.', '-',
// begins and ends with a letter or digit, not an IP address, no "..",
// reserved prefixes/suffixes).
bool IsValidBucketName(std::string_view name);

}  // namespace s2lite::server
