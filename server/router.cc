#include "server/router.h"

#include <cctype>

#include "common/ascii.h"
#include "common/uri.h"

namespace s2lite::server {
namespace {

constexpr std::string_view kOpNames[] = {
#define S2LITE_OP_NAME(name) #name,
    S2LITE_OPERATIONS(S2LITE_OP_NAME)
#undef S2LITE_OP_NAME
};

// Sub-resources s2lite does not implement yet: a request naming one is
// answered 501 NotImplemented rather than mistaken for a plain object/bucket
// operation (a GET ?acl must never return the object's bytes).
constexpr std::string_view kUnimplementedSubresources[] = {"acl",
                                                           "tagging",
                                                           "versioning",
                                                           "policy",
                                                           "policyStatus",
                                                           "lifecycle",
                                                           "website",
                                                           "logging",
                                                           "notification",
                                                           "replication",
                                                           "encryption",
                                                           "object-lock",
                                                           "retention",
                                                           "legal-hold",
                                                           "torrent",
                                                           "requestPayment",
                                                           "accelerate",
                                                           "analytics",
                                                           "inventory",
                                                           "metrics",
                                                           "ownershipControls",
                                                           "publicAccessBlock",
                                                           "intelligent-tiering",
                                                           "select",
                                                           "restore",
                                                           "attributes",
                                                           "versions",
                                                           "session",
                                                           "renameObject"};

// Bucket sub-resources s2lite answers, by method; kUnsupported where a
// method is not implemented (the request then gets 501, as for the list
// above). Checked before kUnimplementedSubresources.
struct BucketSubresource {
  std::string_view query;
  Op get, put, del;
};
constexpr BucketSubresource kBucketSubresources[] = {
    {"tagging", Op::kGetBucketTagging, Op::kPutBucketTagging, Op::kDeleteBucketTagging},
    {"lifecycle", Op::kGetBucketLifecycleConfiguration, Op::kPutBucketLifecycleConfiguration,
     Op::kDeleteBucketLifecycle},
    {"policy", Op::kGetBucketPolicy, Op::kPutBucketPolicy, Op::kDeleteBucketPolicy},
    {"encryption", Op::kGetBucketEncryption, Op::kPutBucketEncryption, Op::kDeleteBucketEncryption},
    {"ownershipControls", Op::kGetBucketOwnershipControls, Op::kPutBucketOwnershipControls,
     Op::kDeleteBucketOwnershipControls},
    {"publicAccessBlock", Op::kGetPublicAccessBlock, Op::kPutPublicAccessBlock,
     Op::kDeletePublicAccessBlock},
    {"versioning", Op::kGetBucketVersioning, Op::kPutBucketVersioning, Op::kUnsupported},
    {"acl", Op::kGetBucketAcl, Op::kPutBucketAcl, Op::kUnsupported},
    {"website", Op::kGetBucketWebsite, Op::kUnsupported, Op::kDeleteBucketWebsite},
    {"accelerate", Op::kGetBucketAccelerateConfiguration, Op::kPutBucketAccelerateConfiguration,
     Op::kUnsupported},
    {"requestPayment", Op::kGetBucketRequestPayment, Op::kPutBucketRequestPayment,
     Op::kUnsupported},
    {"logging", Op::kGetBucketLogging, Op::kPutBucketLogging, Op::kUnsupported},
    {"replication", Op::kGetBucketReplication, Op::kUnsupported, Op::kDeleteBucketReplication},
    {"object-lock", Op::kGetObjectLockConfiguration, Op::kUnsupported, Op::kUnsupported},
    {"versions", Op::kListObjectVersions, Op::kUnsupported, Op::kUnsupported},
};

bool IsIpLiteral(std::string_view host) {
  if (!host.empty() && host.front() == '[') return true;  // IPv6
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return dots == 3;
}

std::string_view StripPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    auto end = host.find(']');
    return end == std::string_view::npos ? host : host.substr(0, end + 1);
  }
  auto colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

Op Unsupported(Route& r, std::string_view what, bool method_not_allowed = false) {
  r.unsupported_what = std::string(what);
  r.method_not_allowed = method_not_allowed;
  return Op::kUnsupported;
}

Op ServiceOp(const auth::RequestView& req, Route& r) {
  if (req.method == "GET") return Op::kListBuckets;
  return Unsupported(r, "service", true);
}

Op BucketOp(const auth::RequestView& req, Route& r) {
  const std::string& m = req.method;
  auto has = [&](std::string_view q) { return req.Query(q) != nullptr; };
  if (has("cors")) {
    if (m == "PUT") return Op::kPutBucketCors;
    if (m == "GET") return Op::kGetBucketCors;
    if (m == "DELETE") return Op::kDeleteBucketCors;
    return Unsupported(r, "cors", true);
  }
  for (const BucketSubresource& sub : kBucketSubresources) {
    if (!has(sub.query)) continue;
    Op op = m == "GET"      ? sub.get
            : m == "PUT"    ? sub.put
            : m == "DELETE" ? sub.del
                            : Op::kUnsupported;
    if (op != Op::kUnsupported) return op;
    return Unsupported(r, sub.query);
  }
  for (std::string_view sub : kUnimplementedSubresources)
    if (has(sub)) return Unsupported(r, sub);
  if (m == "GET") {
    if (has("uploads")) return Op::kListMultipartUploads;
    if (has("location")) return Op::kGetBucketLocation;
    if (const auto* lt = req.Query("list-type"); lt && lt->value == "2") return Op::kListObjectsV2;
    return Op::kListObjects;
  }
  if (m == "PUT") return Op::kCreateBucket;
  if (m == "HEAD") return Op::kHeadBucket;
  if (m == "DELETE") return Op::kDeleteBucket;
  if (m == "POST") {
    if (has("delete")) return Op::kDeleteObjects;
    return Op::kPostObject;
  }
  return Unsupported(r, "bucket", true);
}

Op ObjectOp(const auth::RequestView& req, Route& r) {
  const std::string& m = req.method;
  auto has = [&](std::string_view q) { return req.Query(q) != nullptr; };
  bool upload_id = has("uploadId");
  if (m == "POST") {
    if (has("uploads")) return Op::kCreateMultipartUpload;
    if (upload_id) return Op::kCompleteMultipartUpload;
  }
  if (has("tagging")) {
    if (m == "GET") return Op::kGetObjectTagging;
    if (m == "PUT") return Op::kPutObjectTagging;
    if (m == "DELETE") return Op::kDeleteObjectTagging;
  }
  for (std::string_view sub : kUnimplementedSubresources)
    if (has(sub)) return Unsupported(r, sub);
  if (m == "PUT") {
    bool copy = req.Header("x-amz-copy-source") != nullptr;
    if (has("partNumber") || upload_id) return copy ? Op::kUploadPartCopy : Op::kUploadPart;
    return copy ? Op::kCopyObject : Op::kPutObject;
  }
  if (m == "GET") return upload_id ? Op::kListParts : Op::kGetObject;
  if (m == "HEAD") return Op::kHeadObject;
  if (m == "DELETE") return upload_id ? Op::kAbortMultipartUpload : Op::kDeleteObject;
  if (m == "POST") return Unsupported(r, "POST object", true);
  return Unsupported(r, "object", true);
}

}  // namespace

std::string_view OpName(Op op) { return kOpNames[static_cast<size_t>(op)]; }

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i - 1 < n) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

bool IsValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!alnum(c) && c != '-' && c != '.') return false;
    if (c == '.' && i + 1 < name.size() && (name[i + 1] == '.' || name[i + 1] == '-')) return false;
    if (c == '-' && i + 1 < name.size() && name[i + 1] == '.') return false;
  }
  if (IsIpLiteral(name)) return false;
  if (name.rfind("xn--", 0) == 0 || name.rfind("sthree-", 0) == 0) return false;
  auto ends_with = [&](std::string_view s) {
    return name.size() >= s.size() && name.substr(name.size() - s.size()) == s;
  };
  if (ends_with("-s3alias") || ends_with("--ol-s3")) return false;
  return true;
}

std::string HostName(std::string_view host) {
  std::string h = common::AsciiLower(StripPort(host));
  if (!h.empty() && h.back() == '.') h.pop_back();
  return h;
}

std::optional<std::string> VirtualHostBucket(std::string_view host,
                                             const std::vector<std::string>& domains) {
  std::string h = HostName(host);
  if (IsIpLiteral(h)) return std::nullopt;
  for (const std::string& d : domains) {
    if (h.size() > d.size() + 1 && h.compare(h.size() - d.size(), d.size(), d) == 0 &&
        h[h.size() - d.size() - 1] == '.') {
      return h.substr(0, h.size() - d.size() - 1);
    }
  }
  return std::nullopt;
}

bool IsLocalHost(std::string_view host, const std::vector<std::string>& domains) {
  std::string h = HostName(host);
  if (h == "localhost" || h == "[::1]") return true;
  if (IsIpLiteral(h) && h.rfind("127.", 0) == 0) return true;
  for (const std::string& d : domains)
    if (h == d) return true;
  return VirtualHostBucket(h, domains).has_value();
}

Result<Route> ParseRoute(const auth::RequestView& req, std::string_view host,
                         const std::vector<std::string>& domains) {
  Route r;
  // Virtual-hosted style: <bucket>.<domain> for a configured base domain.
  if (auto bucket = VirtualHostBucket(host, domains)) {
    r.bucket = std::move(*bucket);
    r.virtual_host = true;
  }
  std::string_view path = req.raw_path;
  if (path.empty() || path.front() != '/') return Status(ErrorCode::kInvalidURI);
  // s2lite's own admin API lives under "/_s2lite/": '_' is invalid in bucket
  // names, so it can never shadow a bucket.
  if (!r.virtual_host && (path == "/_s2lite/faults" || path.rfind("/_s2lite/faults/", 0) == 0)) {
    r.op = Op::kAdminFaults;
    r.key = std::string(path.substr(std::string_view("/_s2lite/faults").size()));
    return r;
  }
  if (!r.virtual_host && path == "/_s2lite/requests") {
    r.op = Op::kAdminRequests;
    return r;
  }
  path.remove_prefix(1);
  std::string_view raw_key;
  if (r.virtual_host) {
    raw_key = path;
  } else {
    auto slash = path.find('/');
    std::string_view raw_bucket = path.substr(0, slash);
    auto bucket = common::PercentDecode(raw_bucket);
    if (!bucket) return Status(ErrorCode::kInvalidURI);
    r.bucket = std::move(*bucket);
    if (slash != std::string_view::npos) raw_key = path.substr(slash + 1);
  }
  auto key = common::PercentDecode(raw_key);
  // S3 answers a key that is not UTF-8 with 400 InvalidURI; storing it would
  // also make every listing that contains it an ill-formed XML document.
  if (!key || !IsValidUtf8(*key)) return Status(ErrorCode::kInvalidURI);
  r.key = std::move(*key);
  if (r.key.size() > kMaxKeyBytes) {
    return Status(ErrorCode::kKeyTooLongError)
        .With("Size", std::to_string(r.key.size()))
        .With("MaxSizeAllowed", std::to_string(kMaxKeyBytes));
  }
  if (req.method == "OPTIONS" && !r.bucket.empty()) {
    // A browser's CORS preflight, for the bucket or any key in it.
    r.op = Op::kCorsPreflight;
  } else if (r.bucket.empty()) {
    r.op = ServiceOp(req, r);
  } else if (r.key.empty()) {
    r.op = BucketOp(req, r);
  } else {
    r.op = ObjectOp(req, r);
  }
  return r;
}

}  // namespace s2lite::server
