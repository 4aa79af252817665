#include "auth/sigv4.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <utility>

#include "common/ascii.h"
#include "common/uri.h"

namespace s2lite::auth {
namespace {

constexpr std::string_view kHeaderMalformed = "The authorization header is malformed; ";
constexpr std::string_view kCredentialParamError = "Error parsing the X-Amz-Credential parameter; ";
constexpr std::string_view kAwsTerminator = "aws4_request";

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t pos = s.find(sep);
    parts.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return parts;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int ToInt(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

bool IsValidYmd(std::string_view s) {
  if (s.size() != 8 || !AllDigits(s)) return false;
  std::chrono::year_month_day ymd{std::chrono::year{ToInt(s.substr(0, 4))},
                                  std::chrono::month{static_cast<unsigned>(ToInt(s.substr(4, 2)))},
                                  std::chrono::day{static_cast<unsigned>(ToInt(s.substr(6, 2)))}};
  return ymd.ok();
}

// The header and the presigned query report the same credential problems with
// different codes and message prefixes.
struct CredentialErrors {
  ErrorCode code;
  std::string_view prefix;
};

Result<CredentialScope> ParseCredential(std::string_view value, const CredentialErrors& errors) {
  auto fail = [&](std::string detail) {
    return Status(errors.code, std::string(errors.prefix) + detail);
  };
  std::vector<std::string_view> parts = Split(value, '/');
  if (parts.size() != 5 ||
      std::any_of(parts.begin(), parts.end(), [](std::string_view p) { return p.empty(); })) {
    return fail(
        "the Credential is mal-formed; expecting "
        "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  }
  CredentialScope scope{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                        std::string(parts[3]), std::string(parts[4])};
  if (!IsValidYmd(scope.date)) {
    return fail("incorrect date format \"" + scope.date +
                "\". This date in the credential must be in the format \"yyyyMMdd\".");
  }
  if (scope.terminator != kAwsTerminator) {
    return fail("incorrect terminal \"" + scope.terminator +
                "\". This endpoint uses \"aws4_request\".");
  }
  return scope;
}

std::vector<std::string> ParseSignedHeaderList(std::string_view value) {
  std::vector<std::string> names;
  for (std::string_view name : Split(value, ';')) names.push_back(common::AsciiLower(Trim(name)));
  return names;
}

// Trims and collapses each run of inner whitespace to one space, as SigV4
// canonical header values require.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : Trim(value)) {
    if (IsSpace(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

// RFC 3986 section 5.2.4 dot-segment removal plus collapsing of empty
// segments: what generic AWS services (never S3) sign.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> stack;
  std::vector<std::string_view> segments = Split(path, '/');
  bool trailing_slash = false;
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string_view seg = segments[i];
    bool last = i + 1 == segments.size();
    if (seg.empty() || seg == ".") {
      if (last) trailing_slash = true;
      continue;
    }
    if (seg == "..") {
      if (!stack.empty()) stack.pop_back();
      if (last) trailing_slash = true;
      continue;
    }
    stack.push_back(seg);
  }
  std::string out = "/";
  for (size_t i = 0; i < stack.size(); ++i) {
    if (i > 0) out += '/';
    out += stack[i];
  }
  if (trailing_slash && !stack.empty()) out += '/';
  return out;
}

std::string CanonicalUri(std::string_view raw_path, bool normalize) {
  if (normalize) {
    // Generic services encode the already-encoded path once more.
    return common::UriEncode(NormalizePath(raw_path), /*keep_slash=*/true);
  }
  if (raw_path.empty()) return "/";
  std::optional<std::string> decoded = common::PercentDecode(raw_path);
  return common::UriEncode(decoded ? *decoded : std::string(raw_path), /*keep_slash=*/true);
}

std::string CanonicalQuery(const std::vector<QueryParam>& query, bool presigned) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const QueryParam& q : query) {
    if (presigned && q.name == "X-Amz-Signature") continue;
    encoded.emplace_back(common::UriEncode(q.name, false), common::UriEncode(q.value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (i > 0) out += '&';
    out += encoded[i].first;
    out += '=';
    out += encoded[i].second;
  }
  return out;
}

}  // namespace

std::string CredentialScope::Scope() const {
  return date + "/" + region + "/" + service + "/" + terminator;
}

Result<SigV4Header> ParseSigV4Authorization(std::string_view header) {
  auto malformed = [](std::string detail) {
    return Status(ErrorCode::kAuthorizationHeaderMalformed, std::string(kHeaderMalformed) + detail);
  };
  const std::string kMissing =
      "the authorization header requires three components: Credential, SignedHeaders, and "
      "Signature.";
  header = Trim(header);
  if (header.substr(0, kSigV4Algorithm.size()) != kSigV4Algorithm) return malformed(kMissing);
  std::string_view rest = Trim(header.substr(kSigV4Algorithm.size()));
  if (rest.empty()) return malformed(kMissing);

  std::optional<std::string_view> credential, signed_headers, signature;
  for (std::string_view raw : Split(rest, ',')) {
    std::string_view component = Trim(raw);
    size_t eq = component.find('=');
    std::string_view key = eq == std::string_view::npos ? component : component.substr(0, eq);
    std::optional<std::string_view>* slot = nullptr;
    if (key == "Credential") slot = &credential;
    if (key == "SignedHeaders") slot = &signed_headers;
    if (key == "Signature") slot = &signature;
    if (eq == std::string_view::npos || slot == nullptr || slot->has_value() ||
        Trim(component.substr(eq + 1)).empty()) {
      return malformed("the authorization component \"" + std::string(component) +
                       "\" is malformed.");
    }
    *slot = Trim(component.substr(eq + 1));
  }
  if (!credential || !signed_headers || !signature) return malformed(kMissing);

  Result<CredentialScope> scope =
      ParseCredential(*credential, {ErrorCode::kAuthorizationHeaderMalformed, kHeaderMalformed});
  if (!scope) return scope.status();
  SigV4Header out;
  out.credential = std::move(*scope);
  out.signed_headers = ParseSignedHeaderList(*signed_headers);
  out.signature = common::AsciiLower(*signature);
  return out;
}

Result<SigV4Query> ParseSigV4Query(const RequestView& req) {
  auto fail = [](std::string message) {
    return Status(ErrorCode::kAuthorizationQueryParametersError, std::move(message));
  };
  const QueryParam* algorithm = req.Query("X-Amz-Algorithm");
  const QueryParam* credential = req.Query("X-Amz-Credential");
  const QueryParam* signature = req.Query("X-Amz-Signature");
  const QueryParam* date = req.Query("X-Amz-Date");
  const QueryParam* signed_headers = req.Query("X-Amz-SignedHeaders");
  const QueryParam* expires = req.Query("X-Amz-Expires");
  if (!algorithm || !credential || !signature || !date || !signed_headers || !expires) {
    return fail(
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
        "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  }
  if (algorithm->value != kSigV4Algorithm) {
    return fail("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  Result<CredentialScope> scope = ParseCredential(
      credential->value, {ErrorCode::kAuthorizationQueryParametersError, kCredentialParamError});
  if (!scope) return scope.status();
  if (!ParseAmzDate(date->value)) {
    return fail("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  std::string_view expires_text = expires->value;
  bool negative = !expires_text.empty() && expires_text.front() == '-';
  if (negative) expires_text.remove_prefix(1);
  long long expires_seconds = 0;
  auto [end, ec] = std::from_chars(expires_text.data(), expires_text.data() + expires_text.size(),
                                   expires_seconds);
  if (expires_text.empty() || ec == std::errc::invalid_argument ||
      end != expires_text.data() + expires_text.size()) {
    return fail("X-Amz-Expires should be a number");
  }
  if (negative && (expires_seconds != 0 || ec == std::errc::result_out_of_range)) {
    return fail("X-Amz-Expires must be non-negative");
  }
  if (ec == std::errc::result_out_of_range || expires_seconds > 604800) {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
    return fail(
        "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires "
        "must be less than 604800 seconds");
  }
  if (date->value.substr(0, 8) != scope->date) {
    return fail("Invalid credential date \"" + scope->date +
                "\". This date is not the same as X-Amz-Date: \"" + date->value.substr(0, 8) +
                "\".");
  }
  if (signed_headers->value.empty()) return fail("X-Amz-SignedHeaders must not be empty");

  SigV4Query out;
  out.auth.credential = std::move(*scope);
  out.auth.signed_headers = ParseSignedHeaderList(signed_headers->value);
  out.auth.signature = common::AsciiLower(signature->value);
  out.amz_date = date->value;
  out.expires_seconds = expires_seconds;
  return out;
}

std::string CanonicalRequest(const RequestView& req, const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, CanonicalOptions opts) {
  std::string out;
  out += req.method;
  out += '\n';
  out += CanonicalUri(req.raw_path, opts.normalize_path);
  out += '\n';
  out += CanonicalQuery(req.query, opts.presigned);
  out += '\n';
  for (const std::string& name : signed_headers) {
    out += name;
    out += ':';
    bool first = true;
    for (const auto& [header_name, value] : req.headers) {
      if (header_name != name) continue;
      if (!first) out += ',';
      first = false;
      out += CanonicalHeaderValue(value);
    }
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += signed_headers[i];
  }
  out += '\n';
  out += payload_hash;
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out;
  out += kSigV4Algorithm;
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += common::Sha256Hex(canonical_request);
  return out;
}

namespace {

common::Sha256Digest DeriveSigningKey(std::string_view secret, std::string_view date,
                                      std::string_view region, std::string_view service) {
  auto as_view = [](const common::Sha256Digest& d) {
    return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
  };
  common::Sha256Digest k_date = common::HmacSha256("AWS4" + std::string(secret), date);
  common::Sha256Digest k_region = common::HmacSha256(as_view(k_date), region);
  common::Sha256Digest k_service = common::HmacSha256(as_view(k_region), service);
  return common::HmacSha256(as_view(k_service), kAwsTerminator);
}

}  // namespace

// The key changes once a day per (secret, region, service): four HMACs saved
// on nearly every request. A few entries per thread, no locks.
common::Sha256Digest SigningKey(std::string_view secret, std::string_view date,
                                std::string_view region, std::string_view service) {
  struct Entry {
    std::string secret, date, region, service;
    common::Sha256Digest key{};
    bool used = false;
  };
  constexpr size_t kEntries = 8;
  thread_local std::array<Entry, kEntries> cache;
  thread_local size_t next = 0;
  for (const Entry& e : cache) {
    if (e.used && e.date == date && e.region == region && e.service == service &&
        e.secret == secret) {
      return e.key;
    }
  }
  Entry& e = cache[next];
  next = (next + 1) % kEntries;
  e.secret.assign(secret);
  e.date.assign(date);
  e.region.assign(region);
  e.service.assign(service);
  e.key = DeriveSigningKey(secret, date, region, service);
  e.used = true;
  return e.key;
}

std::string SignatureHex(const common::Sha256Digest& signing_key, std::string_view string_to_sign) {
  std::string_view key(reinterpret_cast<const char*>(signing_key.data()), signing_key.size());
  return common::HexEncode(common::HmacSha256(key, string_to_sign));
}

std::optional<long long> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  if (!IsValidYmd(s.substr(0, 8)) || !AllDigits(s.substr(9, 6))) return std::nullopt;
  int hour = ToInt(s.substr(9, 2));
  int minute = ToInt(s.substr(11, 2));
  int second = ToInt(s.substr(13, 2));
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{ToInt(s.substr(0, 4))},
                                  std::chrono::month{static_cast<unsigned>(ToInt(s.substr(4, 2)))},
                                  std::chrono::day{static_cast<unsigned>(ToInt(s.substr(6, 2)))}};
  long long days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

}  // namespace s2lite::auth
