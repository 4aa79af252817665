#pragma once

// Authenticates a request: picks the scheme (SigV4 header, SigV2 header,
// presigned SigV4/SigV2 query, or anonymous), finds the user, checks time and
// signature. Pure: the clock and the credential lookup are passed in.

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "auth/request_view.h"
#include "common/crypto.h"
#include "s2lite/options.h"
#include "s2lite/status.h"

namespace s2lite::auth {

enum class AuthScheme { kSigV4Header, kSigV2Header, kSigV4Query, kSigV2Query };

struct VerifyContext {
  // Server region: a SigV4 credential scoped to another region gets
  // AuthorizationHeaderMalformed, as S3 answers.
  std::string region = "us-east-1";
  // Bucket addressed by the request ("" for the service) and whether it came
  // from the Host header (SigV2 resource).
  std::string bucket;
  bool virtual_host = false;
  std::chrono::system_clock::time_point now;
  std::chrono::seconds max_skew{15 * 60};
  // access key -> user, or nullptr.
  std::function<const UserCredentials*(std::string_view access_key)> lookup;
};

// What the body reader must still check after a successful verification.
struct AuthResult {
  const UserCredentials* user = nullptr;
  AuthScheme scheme = AuthScheme::kSigV4Header;
  // The x-amz-content-sha256 value for SigV4 ("UNSIGNED-PAYLOAD",
  // "STREAMING-...", or a hex SHA-256 the body must match). Empty for SigV2.
  std::string payload_hash;
  // For SigV4 streaming payloads: seed signature, signing key, scope and date.
  std::string seed_signature;
  common::Sha256Digest signing_key{};
  std::string scope;
  std::string amz_date;
};

// Errors (with S3's extra elements): kAccessDenied (anonymous / expired),
// kInvalidAccessKeyId, kSignatureDoesNotMatch (StringToSign, CanonicalRequest,
// SignatureProvided, AWSAccessKeyId), kRequestTimeTooSkewed (RequestTime,
// ServerTime, MaxAllowedSkewMilliseconds), kAuthorizationHeaderMalformed,
// kMissingSecurityHeader, kInvalidArgument.
Result<AuthResult> Verify(const RequestView& req, const VerifyContext& ctx);

}  // namespace s2lite::auth
