#include "auth/verifier.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <vector>

#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "common/ascii.h"
#include "common/hex.h"
#include "common/time.h"

namespace s2lite::auth {
namespace {

constexpr std::string_view kAmzContentSha256 = "x-amz-content-sha256";

// ---------------------------------------------------------------------------
// Time. All times are whole seconds since the Unix epoch (UTC).

long long ToEpochSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

// ---------------------------------------------------------------------------
// Errors, with S3's messages and extra elements.

Status AccessDenied(std::string message = "Access Denied") {
  return Status(ErrorCode::kAccessDenied, std::move(message));
}

Status MissingDate() {
  return AccessDenied("AWS authentication requires a valid Date or x-amz-date header");
}

Status TooSkewed(std::string_view request_time, long long now, const VerifyContext& ctx) {
  return Status(ErrorCode::kRequestTimeTooSkewed,
                "The difference between the request time and the current time is too large.")
      .With("RequestTime", std::string(request_time))
      .With("ServerTime", common::FormatIso8601(now))
      .With("MaxAllowedSkewMilliseconds",
            std::to_string(std::chrono::milliseconds(ctx.max_skew).count()));
}

Status UnknownAccessKey(std::string_view access_key) {
  return Status(ErrorCode::kInvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records.")
      .With("AWSAccessKeyId", std::string(access_key));
}

std::string SpacedHexBytes(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (i > 0) out += ' ';
    out += common::kLowerHexDigits[c >> 4];
    out += common::kLowerHexDigits[c & 15];
  }
  return out;
}

Status SignatureMismatch(std::string_view access_key, std::string_view string_to_sign,
                         std::string_view provided) {
  return Status(ErrorCode::kSignatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.")
      .With("AWSAccessKeyId", std::string(access_key))
      .With("StringToSign", std::string(string_to_sign))
      .With("SignatureProvided", std::string(provided))
      .With("StringToSignBytes", SpacedHexBytes(string_to_sign));
}

const UserCredentials* Lookup(const VerifyContext& ctx, std::string_view access_key) {
  return ctx.lookup ? ctx.lookup(access_key) : nullptr;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Header values arrive untrimmed; optional whitespace around them is not part
// of the value (RFC 7230 section 3.2).
std::optional<std::string> HeaderValue(const RequestView& req, std::string_view name) {
  const std::string* v = req.Header(name);
  if (v == nullptr) return std::nullopt;
  std::string_view s = *v;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// ---------------------------------------------------------------------------
// SigV4.

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
Status CheckPayloadHash(std::string_view value) {
  static constexpr std::array<std::string_view, 6> kSpecial = {
      "UNSIGNED-PAYLOAD",
      "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
      "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
      "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
  };
  if (IsHex64(value) || std::find(kSpecial.begin(), kSpecial.end(), value) != kSpecial.end()) {
    return Status::Ok();
  }
  return Status(
             ErrorCode::kInvalidArgument,
             "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
             "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
             "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, "
             "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
      .With("ArgumentName", std::string(kAmzContentSha256))
      .With("ArgumentValue", std::string(value));
}

// S3 rejects requests whose host or x-amz-* headers are left out of the
// signature (x-amz-content-sha256 excepted), so they cannot be altered in flight.
Status CheckSignedHeaders(const RequestView& req, const std::vector<std::string>& signed_headers) {
  auto is_signed = [&](std::string_view name) {
    return std::find(signed_headers.begin(), signed_headers.end(), name) != signed_headers.end();
  };
  std::vector<std::string> unsigned_names;
  if (!is_signed("host")) unsigned_names.push_back("host");
  for (const auto& [name, value] : req.headers) {
    if (!StartsWith(name, "x-amz-") || name == kAmzContentSha256 || is_signed(name)) continue;
    if (std::find(unsigned_names.begin(), unsigned_names.end(), name) == unsigned_names.end()) {
      unsigned_names.push_back(name);
    }
  }
  if (unsigned_names.empty()) return Status::Ok();
  std::string list;
  for (const std::string& n : unsigned_names) {
    if (!list.empty()) list += ", ";
    list += n;
  }
  return AccessDenied("There were headers present in the request which were not signed")
      .With("HeadersNotSigned", list);
}

struct ScopeErrors {
  ErrorCode code;
  std::string_view prefix;
};

Status CheckScope(const CredentialScope& scope, const VerifyContext& ctx, const ScopeErrors& e) {
  if (scope.service != "s3") {
    return Status(e.code, std::string(e.prefix) + "incorrect service \"" + scope.service +
                              "\". This endpoint belongs to \"s3\".");
  }
  if (scope.region != ctx.region) {
    return Status(e.code, std::string(e.prefix) + "the region '" + scope.region +
                              "' is wrong; expecting '" + ctx.region + "'")
        .With("Region", ctx.region);
  }
  return Status::Ok();
}

// Computes the signature the client should have sent and compares it.
Result<AuthResult> FinishSigV4(const RequestView& req, const VerifyContext& ctx,
                               const SigV4Header& auth, std::string_view amz_date,
                               std::string payload_hash, AuthScheme scheme) {
  const UserCredentials* user = Lookup(ctx, auth.credential.access_key);
  if (user == nullptr) return UnknownAccessKey(auth.credential.access_key);

  CanonicalOptions opts;
  opts.presigned = scheme == AuthScheme::kSigV4Query;
  std::string canonical = CanonicalRequest(req, auth.signed_headers, payload_hash, opts);
  std::string scope = auth.credential.Scope();
  std::string string_to_sign = StringToSign(amz_date, scope, canonical);
  common::Sha256Digest key = SigningKey(user->secret_key, auth.credential.date,
                                        auth.credential.region, auth.credential.service);
  std::string expected = SignatureHex(key, string_to_sign);
  if (!common::ConstantTimeEquals(expected, auth.signature)) {
    return SignatureMismatch(auth.credential.access_key, string_to_sign, auth.signature)
        .With("CanonicalRequest", canonical)
        .With("CanonicalRequestBytes", SpacedHexBytes(canonical));
  }
  AuthResult result;
  result.user = user;
  result.scheme = scheme;
  // The canonical request signs the hash as sent; the body check wants one spelling.
  if (IsHex64(payload_hash)) {
    payload_hash = common::AsciiLower(payload_hash);
  }
  result.payload_hash = std::move(payload_hash);
  result.seed_signature = auth.signature;
  result.signing_key = key;
  result.scope = std::move(scope);
  result.amz_date = std::string(amz_date);
  return result;
}

Result<AuthResult> VerifySigV4Header(const RequestView& req, std::string_view authorization,
                                     const VerifyContext& ctx) {
  Result<SigV4Header> auth = ParseSigV4Authorization(authorization);
  if (!auth) return auth.status();
  Status scope_ok = CheckScope(
      auth->credential, ctx,
      {ErrorCode::kAuthorizationHeaderMalformed, "The authorization header is malformed; "});
  if (!scope_ok.ok()) return scope_ok;

  std::optional<std::string> content_sha = HeaderValue(req, kAmzContentSha256);
  if (!content_sha) {
    return Status(ErrorCode::kInvalidRequest,
                  "Missing required header for this request: x-amz-content-sha256");
  }
  Status payload_ok = CheckPayloadHash(*content_sha);
  if (!payload_ok.ok()) return payload_ok;

  // The x-amz-date header wins over Date; the signed timestamp is ISO 8601 either way.
  std::string amz_date;
  std::string request_time;
  long long t = 0;
  if (std::optional<std::string> x_amz_date = HeaderValue(req, "x-amz-date")) {
    std::optional<long long> parsed = ParseAmzDate(*x_amz_date);
    if (!parsed) return MissingDate();
    t = *parsed;
    amz_date = *x_amz_date;
    request_time = *x_amz_date;
  } else if (std::optional<std::string> date = HeaderValue(req, "date")) {
    std::optional<long long> parsed =
        common::ParseHttpDate(*date, common::HttpDateZones::kAlsoNumeric);
    if (!parsed) return MissingDate();
    t = *parsed;
    amz_date = common::FormatAmzDate(t);
    request_time = *date;
  } else {
    return MissingDate();
  }
  if (amz_date.substr(0, 8) != auth->credential.date) {
    return Status(ErrorCode::kAuthorizationHeaderMalformed,
                  "The authorization header is malformed; Invalid credential date. Date is not "
                  "the same as X-Amz-Date.");
  }
  long long now = ToEpochSeconds(ctx.now);
  long long skew = now > t ? now - t : t - now;
  if (skew > ctx.max_skew.count()) return TooSkewed(request_time, now, ctx);

  Status headers_ok = CheckSignedHeaders(req, auth->signed_headers);
  if (!headers_ok.ok()) return headers_ok;
  return FinishSigV4(req, ctx, *auth, amz_date, std::move(*content_sha), AuthScheme::kSigV4Header);
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
Result<AuthResult> VerifySigV4Query(const RequestView& req, const VerifyContext& ctx) {
  Result<SigV4Query> query = ParseSigV4Query(req);
  if (!query) return query.status();
  Status scope_ok = CheckScope(query->auth.credential, ctx,
                               {ErrorCode::kAuthorizationQueryParametersError,
                                "Error parsing the X-Amz-Credential parameter; "});
  if (!scope_ok.ok()) return scope_ok;

  long long t = ParseAmzDate(query->amz_date).value_or(0);
  long long now = ToEpochSeconds(ctx.now);
  if (t - now > ctx.max_skew.count()) return TooSkewed(query->amz_date, now, ctx);
  if (now > t + query->expires_seconds) {
    return AccessDenied("Request has expired")
        .With("X-Amz-Expires", std::to_string(query->expires_seconds))
        .With("Expires", common::FormatIso8601(t + query->expires_seconds))
        .With("ServerTime", common::FormatIso8601(now));
  }

  std::string payload_hash(kUnsignedPayload);
  if (std::optional<std::string> content_sha = HeaderValue(req, kAmzContentSha256)) {
    Status payload_ok = CheckPayloadHash(*content_sha);
    if (!payload_ok.ok()) return payload_ok;
    payload_hash = std::move(*content_sha);
  }
  Status headers_ok = CheckSignedHeaders(req, query->auth.signed_headers);
  if (!headers_ok.ok()) return headers_ok;
  return FinishSigV4(req, ctx, query->auth, query->amz_date, std::move(payload_hash),
                     AuthScheme::kSigV4Query);
}

// ---------------------------------------------------------------------------
// SigV2. https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html

Result<AuthResult> FinishSigV2(const RequestView& req, const VerifyContext& ctx,
                               std::string_view access_key, std::string_view provided,
                               std::string_view date_or_expires, AuthScheme scheme) {
  const UserCredentials* user = Lookup(ctx, access_key);
  if (user == nullptr) return UnknownAccessKey(access_key);
  std::string string_to_sign =
      SigV2StringToSign(req, ctx.bucket, ctx.virtual_host, date_or_expires);
  std::string expected = SigV2Signature(user->secret_key, string_to_sign);
  if (!common::ConstantTimeEquals(expected, provided)) {
    return SignatureMismatch(access_key, string_to_sign, provided);
  }
  AuthResult result;
  result.user = user;
  result.scheme = scheme;
  return result;
}

Result<AuthResult> VerifySigV2Header(const RequestView& req, std::string_view authorization,
                                     const VerifyContext& ctx) {
  Result<SigV2Header> auth = ParseSigV2Authorization(authorization);
  if (!auth) return auth.status();
  std::optional<std::string> date = HeaderValue(req, "x-amz-date");
  if (!date) date = HeaderValue(req, "date");
  if (!date) return MissingDate();
  std::optional<long long> t = common::ParseHttpDate(*date, common::HttpDateZones::kAlsoNumeric);
  if (!t) return MissingDate();
  long long now = ToEpochSeconds(ctx.now);
  long long skew = now > *t ? now - *t : *t - now;
  if (skew > ctx.max_skew.count()) return TooSkewed(*date, now, ctx);
  return FinishSigV2(req, ctx, auth->access_key, auth->signature, {}, AuthScheme::kSigV2Header);
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#RESTAuthenticationQueryStringAuth
Result<AuthResult> VerifySigV2Query(const RequestView& req, const VerifyContext& ctx) {
  const QueryParam* access_key = req.Query("AWSAccessKeyId");
  const QueryParam* expires = req.Query("Expires");
  const QueryParam* signature = req.Query("Signature");
  if (!access_key || !expires || !signature) {
    return AccessDenied(
        "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
        "parameters");
  }
  long long expires_at = 0;
  const std::string& text = expires->value;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), expires_at);
  // Checked before any date arithmetic: from_chars refuses what overflows a
  // long long, and times outside years 1970..9999 are no date S3 signs.
  constexpr long long kLastSecondOf9999 = 253402300799;
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || expires_at < 0 ||
      expires_at > kLastSecondOf9999) {
    return AccessDenied("Invalid date (should be seconds since epoch): " + text);
  }
  long long now = ToEpochSeconds(ctx.now);
  if (now > expires_at) {
    return AccessDenied("Request has expired")
        .With("Expires", common::FormatIso8601(expires_at))
        .With("ServerTime", common::FormatIso8601(now));
  }
  // Clients that leave '+' unescaped in the query make it a space; base64 has none.
  std::string provided = signature->value;
  std::replace(provided.begin(), provided.end(), ' ', '+');
  return FinishSigV2(req, ctx, access_key->value, provided, text, AuthScheme::kSigV2Query);
}

}  // namespace

Result<AuthResult> Verify(const RequestView& req, const VerifyContext& ctx) {
  bool v4_query = req.Query("X-Amz-Algorithm") != nullptr;
  bool v2_query = req.Query("Signature") != nullptr || req.Query("AWSAccessKeyId") != nullptr;
  if (std::optional<std::string> authorization = HeaderValue(req, "authorization")) {
    // Two Authorization headers: which one a proxy and which one we would
    // check could differ, so neither is trusted.
    if (std::count_if(req.headers.begin(), req.headers.end(),
                      [](const auto& h) { return h.first == "authorization"; }) > 1) {
      return Status(ErrorCode::kInvalidArgument,
                    "Only one auth mechanism allowed; the Authorization header was given "
                    "more than once")
          .With("ArgumentName", "Authorization");
    }
    if (v4_query || req.Query("Signature") != nullptr) {
      return Status(ErrorCode::kInvalidArgument,
                    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                    "Signature query string parameter or the Authorization header should be "
                    "specified")
          .With("ArgumentName", "Authorization")
          .With("ArgumentValue", *authorization);
    }
    if (StartsWith(*authorization, kSigV4Algorithm)) {
      return VerifySigV4Header(req, *authorization, ctx);
    }
    if (StartsWith(*authorization, "AWS ")) return VerifySigV2Header(req, *authorization, ctx);
    return Status(ErrorCode::kInvalidArgument, "Unsupported Authorization Type")
        .With("ArgumentName", "Authorization")
        .With("ArgumentValue", *authorization);
  }
  if (v4_query) return VerifySigV4Query(req, ctx);
  if (v2_query) return VerifySigV2Query(req, ctx);
  return AccessDenied();
}

}  // namespace s2lite::auth
