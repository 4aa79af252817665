#pragma once

// AWS Signature Version 2 (S3 "HMAC-SHA1" REST authentication).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html

#include <string>
#include <string_view>

#include "auth/request_view.h"
#include "s2lite/status.h"

namespace s2lite::auth {

struct SigV2Header {
  std::string access_key;
  std::string signature;  // base64
};

// Parses `AWS <access_key>:<signature>`. Errors: kInvalidArgument / kAccessDenied.
Result<SigV2Header> ParseSigV2Authorization(std::string_view header);

// StringToSign = Method \n Content-MD5 \n Content-Type \n Date \n
// CanonicalizedAmzHeaders CanonicalizedResource. `bucket` is the bucket the
// request addresses (empty for the service); `virtual_host` says whether it
// came from the Host header, in which case "/<bucket>" is prefixed to the path.
// `date_or_expires` replaces the Date line (presigned URLs put Expires there);
// when empty the Date header is used, or "" if x-amz-date is present.
std::string SigV2StringToSign(const RequestView& req, std::string_view bucket, bool virtual_host,
                              std::string_view date_or_expires = {});

// base64(HMAC-SHA1(secret, string_to_sign)).
std::string SigV2Signature(std::string_view secret, std::string_view string_to_sign);

}  // namespace s2lite::auth
