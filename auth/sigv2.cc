#include "auth/sigv2.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/ascii.h"
#include "common/crypto.h"

namespace s2lite::auth {
namespace {

// Query parameters S3 treats as sub-resources in the canonicalized resource:
// the list in the SigV2 guide, extended with those later operations added
// (botocore's HmacV1Auth.QSAOfInterest and S3's newer bucket sub-resources).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#ConstructingTheCanonicalizedResourceElement
const std::set<std::string, std::less<>>& SubResources() {
  static const std::set<std::string, std::less<>> kSet = {
      "accelerate",
      "acl",
      "analytics",
      "cors",
      "delete",
      "encryption",
      "intelligent-tiering",
      "inventory",
      "legal-hold",
      "lifecycle",
      "location",
      "logging",
      "metrics",
      "notification",
      "object-lock",
      "ownershipControls",
      "partNumber",
      "policy",
      "publicAccessBlock",
      "replication",
      "requestPayment",
      "response-cache-control",
      "response-content-disposition",
      "response-content-encoding",
      "response-content-language",
      "response-content-type",
      "response-expires",
      "restore",
      "retention",
      "select",
      "select-type",
      "storageClass",
      "tagging",
      "torrent",
      "uploadId",
      "uploads",
      "versionId",
      "versioning",
      "versions",
      "website",
  };
  return kSet;
}

std::string_view HeaderOrEmpty(const RequestView& req, std::string_view name) {
  const std::string* v = req.Header(name);
  return v ? common::TrimWhitespace(*v) : std::string_view();
}

std::string CanonicalizedAmzHeaders(const RequestView& req) {
  std::map<std::string, std::string> merged;
  for (const auto& [name, value] : req.headers) {
    if (name.size() < 6 || name.compare(0, 6, "x-amz-") != 0) continue;
    auto [it, inserted] = merged.try_emplace(name, std::string(common::TrimWhitespace(value)));
    if (!inserted) {
      it->second += ',';
      it->second += common::TrimWhitespace(value);
    }
  }
  std::string out;
  for (const auto& [name, value] : merged) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  return out;
}

std::string CanonicalizedResource(const RequestView& req, std::string_view bucket,
                                  bool virtual_host) {
  std::string out;
  if (virtual_host && !bucket.empty()) {
    out += '/';
    out += bucket;
  }
  out += req.raw_path.empty() ? std::string_view("/") : std::string_view(req.raw_path);
  // A path-style request for the bucket itself ("/bucket") is signed as
  // "/bucket/", as S3 canonicalizes it (botocore signs that form).
  if (!virtual_host && !bucket.empty() && out.size() > 1 && out.find('/', 1) == std::string::npos)
    out += '/';

  std::vector<const QueryParam*> subresources;
  for (const QueryParam& q : req.query) {
    if (SubResources().count(q.name)) subresources.push_back(&q);
  }
  std::stable_sort(subresources.begin(), subresources.end(),
                   [](const QueryParam* a, const QueryParam* b) { return a->name < b->name; });
  for (size_t i = 0; i < subresources.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += subresources[i]->name;
    // Values are signed decoded; an empty value signs as a bare name.
    if (!subresources[i]->value.empty()) {
      out += '=';
      out += subresources[i]->value;
    }
  }
  return out;
}

}  // namespace

Result<SigV2Header> ParseSigV2Authorization(std::string_view header) {
  auto invalid = [&] {
    return Status(ErrorCode::kInvalidArgument,
                  "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")
        .With("ArgumentName", "Authorization")
        .With("ArgumentValue", std::string(header));
  };
  std::string_view rest = common::TrimWhitespace(header);
  if (rest == "AWS") return invalid();
  if (rest.substr(0, 4) != "AWS ") {
    return Status(ErrorCode::kInvalidArgument, "Unsupported Authorization Type")
        .With("ArgumentName", "Authorization")
        .With("ArgumentValue", std::string(header));
  }
  rest = common::TrimWhitespace(rest.substr(4));
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return invalid();
  SigV2Header out;
  out.access_key = std::string(common::TrimWhitespace(rest.substr(0, colon)));
  out.signature = std::string(common::TrimWhitespace(rest.substr(colon + 1)));
  if (out.access_key.empty() || out.signature.empty()) return invalid();
  return out;
}

std::string SigV2StringToSign(const RequestView& req, std::string_view bucket, bool virtual_host,
                              std::string_view date_or_expires) {
  std::string out;
  out += req.method;
  out += '\n';
  out += HeaderOrEmpty(req, "content-md5");
  out += '\n';
  out += HeaderOrEmpty(req, "content-type");
  out += '\n';
  if (!date_or_expires.empty()) {
    out += date_or_expires;
  } else if (req.Header("x-amz-date") == nullptr) {
    // With x-amz-date present the Date line is empty; x-amz-date is signed
    // among the x-amz-* headers instead.
    out += HeaderOrEmpty(req, "date");
  }
  out += '\n';
  out += CanonicalizedAmzHeaders(req);
  out += CanonicalizedResource(req, bucket, virtual_host);
  return out;
}

std::string SigV2Signature(std::string_view secret, std::string_view string_to_sign) {
  auto mac = common::HmacSha1(secret, string_to_sign);
  return common::Base64Encode(
      std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

}  // namespace s2lite::auth
