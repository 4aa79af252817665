#pragma once

// S3 Object Ownership and the ACL rules it sets. Since April 2023 a new S3
// bucket has ACLs disabled (BucketOwnerEnforced) until its ownership controls
// are changed or deleted; a bucket whose controls were deleted behaves as
// ObjectWriter (ACLs enabled), as S3's buckets from before ownership controls.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html

#include <string>
#include <string_view>

#include "s2lite/status.h"
#include "server/request.h"

namespace s2lite::server {

struct ServerState;

// The bucket setting that holds the OwnershipControls document. No row: the
// default (BucketOwnerEnforced); an empty document: deleted.
inline constexpr char kOwnershipSetting[] = "ownershipControls";
inline constexpr std::string_view kBucketOwnerEnforced = "BucketOwnerEnforced";

// Whether `value` is one of S3's three ObjectOwnership values.
bool IsObjectOwnership(std::string_view value);

// <OwnershipControls><Rule><ObjectOwnership>value</...></Rule></...>
std::string OwnershipControlsXml(std::string_view object_ownership);

// The bucket's effective ObjectOwnership: the stored rule's, else
// BucketOwnerEnforced when never set, ObjectWriter once deleted.
// Errors: the store's (kNoSuchBucket).
Task<Result<std::string>> BucketObjectOwnership(ServerState& state, const std::string& bucket);

// Whether the canned ACL grants anyone but the owner (public-read,
// authenticated-read, log-delivery-write, ...).
bool CannedAclGrantsOthers(std::string_view canned);

// Whether the request carries an ACL (x-amz-acl or an x-amz-grant-* header).
bool HasAclHeaders(const RequestContext& ctx);

// Whether the request's ACL headers grant nothing beyond what the bucket
// owner has anyway: none, or a canned "private" / "bucket-owner-full-control"
// with no grant header. (Every write in s2lite is the bucket owner's.)
bool OnlyOwnerAcl(const RequestContext& ctx);

// kAccessControlListNotSupported when `object_ownership` is
// BucketOwnerEnforced and the request's ACL is more than the owner's.
Status CheckAclAllowed(const RequestContext& ctx, std::string_view object_ownership);

// For a write that takes ACL headers (PutObject, CopyObject,
// CreateMultipartUpload, POST Object's acl field): kAccessControlListNotSupported
// when its bucket enforces ownership and the ACL is more than the owner's.
// Reads the bucket's setting only when the request has ACL headers.
Task<Status> CheckObjectAcl(const RequestContext& ctx);

}  // namespace s2lite::server
