#pragma once

// Helpers shared by handlers: header parsing into object attributes, time
// formats, canonical user ids.

#include <string>

#include "s2lite/status.h"
#include "server/request.h"
#include "storage/types.h"

namespace s2lite::server {

// Maximum total size of user metadata (names without the x-amz-meta- prefix,
// plus values), as S3 enforces.
inline constexpr size_t kMaxUserMetadataBytes = 2 * 1024;

// Reads Content-Type (default binary/octet-stream), the content headers,
// x-amz-meta-*, storage class, tagging, canned ACL, checksum algorithm/type
// and SSE headers. Errors: kMetadataTooLarge, kInvalidStorageClass,
// kInvalidArgument (ACL, SSE, tagging), kInvalidRequest (checksum algorithm).
Result<storage::ObjectAttrs> ParseObjectAttrs(const RequestContext& ctx);

// The body digest S3 requires on an XML PUT/POST (DeleteObjects,
// PutBucketCors): Content-MD5 or a flexible checksum (header or trailer),
// whichever is given must match ctx.body. Errors: kInvalidRequest (neither
// given), kInvalidDigest, kBadDigest.
Status CheckXmlBodyDigest(const RequestContext& ctx);

// Valid canned ACL name ("private", "public-read", ...).
bool IsCannedAcl(std::string_view acl);

storage::TimeMs ToTimeMs(std::chrono::system_clock::time_point t);

// A stable 64-hex-char canonical user id for a user name (S3 Owner/ID).
std::string CanonicalUserId(std::string_view user_name);

// The <Owner> (or <Initiator>) element: ID + DisplayName.
class XmlWriter;
void WriteOwner(XmlWriter& w, std::string_view element, std::string_view user_name);

}  // namespace s2lite::server
