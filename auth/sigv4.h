#pragma once

// AWS Signature Version 4, S3 flavour. Parsing (what the client claims) is
// kept apart from computing (what the signature must be); both are pure.
//
// S3's URI-encoding quirk: unlike every other AWS service, S3 does not
// normalize the path ("/a/../b" is a key, not "/b") and encodes it once, not
// twice. The canonical URI is built by decoding the path as received and
// re-encoding every byte outside A-Za-z0-9-_.~ (keeping '/'), so "%7E" and "~"
// sign the same. Generic-service normalization is available only for the AWS
// test-suite vectors (`normalize_path`).
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html

#include <string>
#include <string_view>
#include <vector>

#include "auth/request_view.h"
#include "common/crypto.h"
#include "s2lite/status.h"

namespace s2lite::auth {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// The parsed `Credential=AK/20150830/us-east-1/s3/aws4_request` scope.
struct CredentialScope {
  std::string access_key;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;     // "s3"
  std::string terminator;  // "aws4_request"
  // "20150830/us-east-1/s3/aws4_request"
  std::string Scope() const;
};

struct SigV4Header {
  CredentialScope credential;
  std::vector<std::string> signed_headers;  // lower-case, as listed
  std::string signature;                    // lower-case hex, 64 chars
};

// Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`
// (any order, optional spaces after commas). Errors:
// kAuthorizationHeaderMalformed (with S3's message).
Result<SigV4Header> ParseSigV4Authorization(std::string_view header);

// Presigned-URL form (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature).
struct SigV4Query {
  SigV4Header auth;
  std::string amz_date;  // YYYYMMDD'T'HHMMSS'Z'
  long long expires_seconds = 0;
};
// Errors: kAuthorizationQueryParametersError.
Result<SigV4Query> ParseSigV4Query(const RequestView& req);

struct CanonicalOptions {
  bool normalize_path = false;  // generic services only (test vectors)
  bool presigned = false;       // drop X-Amz-Signature from the query
};

// The canonical request (method, URI, query, headers, signed headers, payload hash).
std::string CanonicalRequest(const RequestView& req, const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, CanonicalOptions opts = {});
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// Cached per thread: derived once per (secret, date, region, service).
common::Sha256Digest SigningKey(std::string_view secret, std::string_view date,
                                std::string_view region, std::string_view service);
// Lower-case hex HMAC-SHA256(key, string_to_sign).
std::string SignatureHex(const common::Sha256Digest& signing_key, std::string_view string_to_sign);

// Parses "20150830T123600Z" into seconds since the epoch; nullopt if malformed.
std::optional<long long> ParseAmzDate(std::string_view s);

}  // namespace s2lite::auth
