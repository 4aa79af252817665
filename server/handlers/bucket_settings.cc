// Bucket configuration sub-resources (?tagging, ?lifecycle, ?policy,
// ?encryption, ?ownershipControls, ?publicAccessBlock, ?versioning, ?acl,
// ?website, ?accelerate, ?requestPayment, ?logging, ?replication,
// ?object-lock): what infrastructure tools read and write.
//
// A bucket that was never configured answers as a new S3 bucket does: the
// "not configured" error, or the default document. What s2lite stores it
// returns; what it cannot honour (versioning Enabled, transitions, access
// logging, replication, ...) is refused with 501 NotImplemented, never
// silently accepted.
#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/ownership.h"
#include "server/handlers/tagging.h"
#include "server/lifecycle.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

constexpr size_t kMaxPolicyBytes = 20 * 1024;

Task<Result<std::optional<std::string>>> Get(RequestContext& ctx, const std::string& name) {
  co_return co_await ctx.state->store->GetBucketSetting(ctx.route.bucket, name);
}

Task<Response> Put(RequestContext& ctx, const std::string& name, std::optional<std::string> doc,
                   int status) {
  Status s = co_await ctx.state->store->PutBucketSetting(ctx.route.bucket, ctx.bucket_generation,
                                                         name, doc);
  if (!s.ok()) co_return Response::Error(std::move(s.With("BucketName", ctx.route.bucket)));
  Response r;
  r.status = status;
  co_return r;
}

Response NotConfigured(RequestContext& ctx, ErrorCode code) {
  return Response::Error(Status(code).With("BucketName", ctx.route.bucket));
}

Response Refuse(std::string message) {
  return Response::Error(Status(ErrorCode::kNotImplemented, std::move(message)));
}

// The stored document; else `fallback()` (S3's default document) when the
// setting was never stored, or `missing` when there is no default or it was
// deleted (stored as an empty document, so that the default does not return).
Task<Response> GetStored(RequestContext& ctx, const std::string& name, ErrorCode missing,
                         std::string (*fallback)()) {
  auto doc = co_await Get(ctx, name);
  if (!doc.ok()) co_return Response::Error(doc.status());
  if (!doc->has_value() && fallback) co_return Response::Xml(fallback());
  if (!doc->has_value() || (*doc)->empty()) co_return NotConfigured(ctx, missing);
  co_return Response::Xml(**doc);
}

// A document with one optional text element: <Root xmlns><Name>text</Name></Root>.
std::string SimpleDoc(std::string_view root, std::string_view name, std::string_view text) {
  XmlWriter w;
  w.Open(root, true);
  if (!text.empty()) w.Element(name, text);
  w.Close(root);
  return w.Take();
}

// The text of root/<name> in a body whose root must be `root`. Errors: kMalformedXML.
Result<std::string> SimpleField(std::string_view body, std::string_view root,
                                std::string_view name) {
  auto doc = ParseXmlTree(body);
  if (!doc.ok()) return doc.status();
  if (doc->name != root) return Status(ErrorCode::kMalformedXML);
  const XmlNode* n = doc->Child(name);
  return n ? n->text : std::string();
}

// --- policy: any JSON object with a Statement, up to 20 KB.

class JsonChecker {
 public:
  explicit JsonChecker(std::string_view s) : s_(s) {}
  // Whether the text is one JSON object; `top_keys` gets its member names.
  bool Object(std::vector<std::string>* top_keys) {
    Ws();
    if (!Value(0, top_keys) || !top_object_) return false;
    Ws();
    return i_ == s_.size();
  }

 private:
  void Ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool Lit(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool String(std::string* out) {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    for (++i_; i_ < s_.size(); ++i_) {
      char c = s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c == '\\') {
        if (++i_ >= s_.size()) return false;
        if (s_[i_] == 'u') {
          for (int k = 0; k < 4; ++k)
            if (++i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_])))
              return false;
        } else if (std::string_view("\"\\/bfnrt").find(s_[i_]) == std::string_view::npos) {
          return false;
        }
        continue;
      }
      if (out) *out += c;
    }
    return false;
  }
  bool Number() {
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' ||
                              s_[i_] == 'e' || s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-'))
      ++i_;
    return i_ > start;
  }
  bool Value(int depth, std::vector<std::string>* keys) {
    if (depth > 32 || i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '{') {
      if (depth == 0) top_object_ = true;
      ++i_;
      Ws();
      if (Lit("}")) return true;
      for (;;) {
        std::string key;
        Ws();
        if (!String(&key)) return false;
        if (keys && depth == 0) keys->push_back(key);
        Ws();
        if (!Lit(":")) return false;
        Ws();
        if (!Value(depth + 1, nullptr)) return false;
        Ws();
        if (Lit("}")) return true;
        if (!Lit(",")) return false;
      }
    }
    if (c == '[') {
      ++i_;
      Ws();
      if (Lit("]")) return true;
      for (;;) {
        Ws();
        if (!Value(depth + 1, nullptr)) return false;
        Ws();
        if (Lit("]")) return true;
        if (!Lit(",")) return false;
      }
    }
    if (c == '"') return String(nullptr);
    if (Lit("true") || Lit("false") || Lit("null")) return true;
    return Number();
  }

  std::string_view s_;
  size_t i_ = 0;
  bool top_object_ = false;
};

Task<Response> PutPolicy(RequestContext& ctx) {
  if (ctx.body.size() > kMaxPolicyBytes) {
    co_return Response::Error(
        Status(ErrorCode::kMalformedPolicy, "Policy exceeds the maximum allowed document size."));
  }
  std::vector<std::string> keys;
  if (!JsonChecker(ctx.body).Object(&keys)) {
    co_return Response::Error(Status(ErrorCode::kMalformedPolicy,
                                     "Policies must be valid JSON and the first byte must be '{'"));
  }
  if (std::find(keys.begin(), keys.end(), "Statement") == keys.end())
    co_return Response::Error(
        Status(ErrorCode::kMalformedPolicy, "Missing required field Statement"));
  co_return co_await Put(ctx, "policy", ctx.body, 204);
}

Task<Response> GetPolicy(RequestContext& ctx) {
  auto doc = co_await Get(ctx, "policy");
  if (!doc.ok()) co_return Response::Error(doc.status());
  if (!doc->has_value()) co_return NotConfigured(ctx, ErrorCode::kNoSuchBucketPolicy);
  Response r;
  r.body = std::move(**doc);
  r.AddHeader("Content-Type", "application/json");
  co_return r;
}

// --- encryption: stored and echoed; objects are not encrypted at rest.

std::string EncryptionXml(std::string_view algorithm, std::string_view kms_key, bool bucket_key) {
  XmlWriter w;
  w.Open("ServerSideEncryptionConfiguration", true);
  w.Open("Rule");
  w.Open("ApplyServerSideEncryptionByDefault");
  w.Element("SSEAlgorithm", algorithm);
  if (!kms_key.empty()) w.Element("KMSMasterKeyID", kms_key);
  w.Close("ApplyServerSideEncryptionByDefault");
  w.Element("BucketKeyEnabled", bucket_key ? "true" : "false");
  w.Close("Rule");
  w.Close("ServerSideEncryptionConfiguration");
  return w.Take();
}

Task<Response> PutEncryption(RequestContext& ctx) {
  auto doc = ParseXmlTree(ctx.body);
  if (!doc.ok()) co_return Response::Error(doc.status());
  const XmlNode* rule = doc->Child("Rule");
  const XmlNode* def = rule ? rule->Child("ApplyServerSideEncryptionByDefault") : nullptr;
  const XmlNode* alg = def ? def->Child("SSEAlgorithm") : nullptr;
  if (doc->name != "ServerSideEncryptionConfiguration" || !alg)
    co_return Response::Error(Status(ErrorCode::kMalformedXML));
  if (alg->text != "AES256" && alg->text != "aws:kms" && alg->text != "aws:kms:dsse")
    co_return Response::Error(Status(ErrorCode::kMalformedXML));
  const XmlNode* key = def->Child("KMSMasterKeyID");
  if (key && alg->text == "AES256") {
    co_return Response::Error(
        Status(ErrorCode::kInvalidArgument,
               "a KMSMasterKeyID is not applicable if the default sse algorithm "
               "is not aws:kms or aws:kms:dsse"));
  }
  const XmlNode* bucket_key = rule->Child("BucketKeyEnabled");
  // Built before the co_await: no conditional temporaries in a suspending
  // expression (GCC 12).
  std::string kms_key;
  if (key) kms_key = key->text;
  std::string xml = EncryptionXml(alg->text, kms_key, bucket_key && bucket_key->text == "true");
  co_return co_await Put(ctx, "encryption", std::move(xml), 200);
}

Task<Response> GetEncryption(RequestContext& ctx) {
  auto doc = co_await Get(ctx, "encryption");
  if (!doc.ok()) co_return Response::Error(doc.status());
  // Every S3 bucket has SSE-S3 (AES256) default encryption since January 2023:
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html
  co_return Response::Xml(doc->has_value() ? **doc : EncryptionXml("AES256", "", false));
}

// --- ownership controls and public access block: stored and echoed; a new
// bucket has S3's defaults (BucketOwnerEnforced, every block on) until they
// are deleted. Ownership decides which ACLs are taken (handlers/ownership.h);
// s2lite grants no public access, so the public access block only records.

std::string DefaultOwnershipControls() { return OwnershipControlsXml(kBucketOwnerEnforced); }

Task<Response> PutOwnershipControls(RequestContext& ctx) {
  auto doc = ParseXmlTree(ctx.body);
  if (!doc.ok()) co_return Response::Error(doc.status());
  const auto rules = doc->Children("Rule");
  const XmlNode* own = rules.size() == 1 ? rules[0]->Child("ObjectOwnership") : nullptr;
  if (doc->name != "OwnershipControls" || !own || !IsObjectOwnership(own->text))
    co_return Response::Error(Status(ErrorCode::kMalformedXML));
  if (own->text == kBucketOwnerEnforced) {
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html
    auto bucket = co_await ctx.state->store->GetBucket(ctx.route.bucket);
    if (!bucket.ok()) co_return Response::Error(bucket.status());
    if (CannedAclGrantsOthers(bucket->acl))
      co_return Response::Error(Status(ErrorCode::kInvalidBucketAclWithObjectOwnership));
  }
  co_return co_await Put(ctx, kOwnershipSetting, OwnershipControlsXml(own->text), 200);
}

constexpr std::string_view kPublicAccessBlocks[] = {"BlockPublicAcls", "IgnorePublicAcls",
                                                    "BlockPublicPolicy", "RestrictPublicBuckets"};

std::string DefaultPublicAccessBlock() {
  XmlWriter w;
  w.Open("PublicAccessBlockConfiguration", true);
  for (std::string_view field : kPublicAccessBlocks) w.Element(field, "true");
  w.Close("PublicAccessBlockConfiguration");
  return w.Take();
}

Task<Response> PutPublicAccessBlock(RequestContext& ctx) {
  auto doc = ParseXmlTree(ctx.body);
  if (!doc.ok()) co_return Response::Error(doc.status());
  if (doc->name != "PublicAccessBlockConfiguration")
    co_return Response::Error(Status(ErrorCode::kMalformedXML));
  XmlWriter w;
  w.Open("PublicAccessBlockConfiguration", true);
  for (std::string_view field : kPublicAccessBlocks) {
    const XmlNode* n = doc->Child(field);
    if (n && n->text != "true" && n->text != "false")
      co_return Response::Error(Status(ErrorCode::kMalformedXML));
    w.Element(field, n ? n->text : "false");
  }
  w.Close("PublicAccessBlockConfiguration");
  co_return co_await Put(ctx, "publicAccessBlock", w.Take(), 200);
}

// --- versioning: never enabled; Suspended is what an unversioned bucket does.

Task<Response> PutVersioning(RequestContext& ctx) {
  auto doc = ParseXmlTree(ctx.body);
  if (!doc.ok()) co_return Response::Error(doc.status());
  if (doc->name != "VersioningConfiguration")
    co_return Response::Error(Status(ErrorCode::kMalformedXML));
  const XmlNode* status = doc->Child("Status");
  const XmlNode* mfa = doc->Child("MfaDelete");
  if (mfa && mfa->text == "Enabled") co_return Refuse("MFA delete is not supported by s2lite.");
  if (status && status->text == "Enabled") {
    co_return Refuse(
        "Bucket versioning is not supported yet: s2lite keeps one version of each object. "
        "Leave versioning unset or Suspended.");
  }
  if (status && status->text != "Suspended")
    co_return Response::Error(Status(ErrorCode::kMalformedXML));
  if (!status) co_return Response();  // nothing to change
  co_return co_await Put(ctx, "versioning", std::string("Suspended"), 200);
}

Task<Response> GetVersioning(RequestContext& ctx) {
  auto doc = co_await Get(ctx, "versioning");
  if (!doc.ok()) co_return Response::Error(doc.status());
  co_return Response::Xml(SimpleDoc("VersioningConfiguration", "Status", doc->value_or("")));
}

// --- ACL: every bucket is its owner's alone.

std::string AclXml(const std::string& owner, const std::string& canned) {
  XmlWriter w;
  w.Open("AccessControlPolicy", true);
  WriteOwner(w, "Owner", owner);
  w.Open("AccessControlList");
  auto grant_open = [&](std::string_view type) {
    w.Open("Grant");
    w.Open(std::string("Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                       "xsi:type=\"") +
           std::string(type) + "\"");
  };
  grant_open("CanonicalUser");
  w.Element("ID", CanonicalUserId(owner));
  w.Element("DisplayName", owner);
  w.Close("Grantee");
  w.Element("Permission", "FULL_CONTROL");
  w.Close("Grant");
  for (std::string_view perm : {"READ", "WRITE"}) {
    if (canned != "public-read" && canned != "public-read-write") break;
    if (perm == "WRITE" && canned != "public-read-write") break;
    grant_open("Group");
    w.Element("URI", "http://acs.amazonaws.com/groups/global/AllUsers");
    w.Close("Grantee");
    w.Element("Permission", perm);
    w.Close("Grant");
  }
  w.Close("AccessControlList");
  w.Close("AccessControlPolicy");
  return w.Take();
}

Task<Response> GetAcl(RequestContext& ctx) {
  auto bucket = co_await ctx.state->store->GetBucket(ctx.route.bucket);
  if (!bucket.ok()) co_return Response::Error(bucket.status());
  co_return Response::Xml(AclXml(bucket->owner, bucket->acl));
}

// With ACLs disabled (BucketOwnerEnforced) every ACL is refused, as S3 does.
// Otherwise only the owner-only ACL (canned "private", or a policy granting
// the owner FULL_CONTROL and nobody else anything) is what s2lite does; it is
// accepted.
Task<Response> PutAcl(RequestContext& ctx) {
  const std::string* acl = ctx.Header("x-amz-acl");
  if (acl && !IsCannedAcl(*acl)) {
    co_return Response::Error(Status(ErrorCode::kInvalidArgument)
                                  .With("ArgumentName", "x-amz-acl")
                                  .With("ArgumentValue", *acl));
  }
  auto ownership = co_await BucketObjectOwnership(*ctx.state, ctx.route.bucket);
  if (!ownership.ok()) co_return Response::Error(ownership.status());
  if (*ownership == kBucketOwnerEnforced)
    co_return Response::Error(Status(ErrorCode::kAccessControlListNotSupported));
  const std::string refusal =
      "s2lite serves every bucket to its owner only: ACLs granting access to others are not "
      "supported.";
  if (!OnlyOwnerAcl(ctx) || (acl && *acl != "private")) co_return Refuse(refusal);
  if (acl) co_return Response();
  auto doc = ParseXmlTree(ctx.body);
  if (!doc.ok()) co_return Response::Error(doc.status());
  const XmlNode* list = doc->Child("AccessControlList");
  if (doc->name != "AccessControlPolicy" || !list)
    co_return Response::Error(Status(ErrorCode::kMalformedXML));
  const std::string owner_id = CanonicalUserId(ctx.user->name);
  for (const XmlNode* grant : list->Children("Grant")) {
    const XmlNode* grantee = grant->Child("Grantee");
    const XmlNode* id = grantee ? grantee->Child("ID") : nullptr;
    const XmlNode* perm = grant->Child("Permission");
    if (!id || id->text != owner_id || !perm || perm->text != "FULL_CONTROL")
      co_return Refuse(refusal);
  }
  co_return Response();
}

// --- settings with a fixed answer (accelerate, request payment, logging).

Task<Response> PutAccelerate(RequestContext& ctx) {
  auto status = SimpleField(ctx.body, "AccelerateConfiguration", "Status");
  if (!status.ok()) co_return Response::Error(status.status());
  if (*status == "Enabled") co_return Refuse("Transfer acceleration is not supported by s2lite.");
  if (*status != "Suspended") co_return Response::Error(Status(ErrorCode::kMalformedXML));
  co_return co_await Put(ctx, "accelerate", std::string("Suspended"), 200);
}

Task<Response> GetAccelerate(RequestContext& ctx) {
  auto doc = co_await Get(ctx, "accelerate");
  if (!doc.ok()) co_return Response::Error(doc.status());
  co_return Response::Xml(SimpleDoc("AccelerateConfiguration", "Status", doc->value_or("")));
}

Task<Response> PutRequestPayment(RequestContext& ctx) {
  auto payer = SimpleField(ctx.body, "RequestPaymentConfiguration", "Payer");
  if (!payer.ok()) co_return Response::Error(payer.status());
  if (*payer == "Requester") co_return Refuse("Requester Pays is not supported by s2lite.");
  if (*payer != "BucketOwner") co_return Response::Error(Status(ErrorCode::kMalformedXML));
  co_return Response();
}

Task<Response> PutLogging(RequestContext& ctx) {
  auto doc = ParseXmlTree(ctx.body);
  if (!doc.ok()) co_return Response::Error(doc.status());
  if (doc->name != "BucketLoggingStatus")
    co_return Response::Error(Status(ErrorCode::kMalformedXML));
  if (doc->Child("LoggingEnabled"))
    co_return Refuse("Server access logging is not supported by s2lite.");
  co_return Response();
}

// --- tagging and lifecycle.

Task<Response> GetBucketTagging(RequestContext& ctx) {
  auto doc = co_await Get(ctx, "tagging");
  if (!doc.ok()) co_return Response::Error(doc.status());
  if (!doc->has_value()) co_return NotConfigured(ctx, ErrorCode::kNoSuchTagSet);
  co_return Response::Xml(TaggingXml(DecodeTags(**doc)));
}

Task<Response> PutBucketTagging(RequestContext& ctx) {
  auto tags = ParseTaggingXml(ctx.body, kMaxBucketTags);
  if (!tags.ok()) co_return Response::Error(tags.status());
  co_return co_await Put(ctx, "tagging", EncodeTags(*tags), 204);
}

Task<Response> PutLifecycle(RequestContext& ctx) {
  auto rules = ParseLifecycle(ctx.body);
  if (!rules.ok()) co_return Response::Error(rules.status());
  co_return co_await Put(ctx, "lifecycle", LifecycleXml(*rules), 200);
}

// The operations that answer from, or change, one stored setting through
// a function of their own.
constexpr std::pair<Op, Task<Response> (*)(RequestContext&)> kSettingHandlers[] = {
    {Op::kGetBucketTagging, GetBucketTagging},
    {Op::kPutBucketTagging, PutBucketTagging},
    {Op::kPutBucketLifecycleConfiguration, PutLifecycle},
    {Op::kGetBucketPolicy, GetPolicy},
    {Op::kPutBucketPolicy, PutPolicy},
    {Op::kGetBucketEncryption, GetEncryption},
    {Op::kPutBucketEncryption, PutEncryption},
    {Op::kPutBucketOwnershipControls, PutOwnershipControls},
    {Op::kPutPublicAccessBlock, PutPublicAccessBlock},
    {Op::kGetBucketVersioning, GetVersioning},
    {Op::kPutBucketVersioning, PutVersioning},
    {Op::kGetBucketAcl, GetAcl},
    {Op::kPutBucketAcl, PutAcl},
    {Op::kGetBucketAccelerateConfiguration, GetAccelerate},
    {Op::kPutBucketAccelerateConfiguration, PutAccelerate},
    {Op::kPutBucketRequestPayment, PutRequestPayment},
    {Op::kPutBucketLogging, PutLogging},
};

// The Delete* operations (204): each removes its stored document, or, for a
// setting a new bucket has by default, stores an empty one, which GET
// answers as not configured.
struct DeletedSetting {
  Op op;
  const char* name;
  bool has_default;
};
constexpr DeletedSetting kDeletedSettings[] = {
    {Op::kDeleteBucketTagging, "tagging", false},
    {Op::kDeleteBucketLifecycle, "lifecycle", false},
    {Op::kDeleteBucketPolicy, "policy", false},
    {Op::kDeleteBucketEncryption, "encryption", false},
    {Op::kDeleteBucketOwnershipControls, kOwnershipSetting, true},
    {Op::kDeletePublicAccessBlock, "publicAccessBlock", true},
};

// The Get* operations that answer the stored document as it is; else the
// default document of a new S3 bucket (`fallback`, when there is one), or
// `missing`.
struct StoredGet {
  Op op;
  const char* name;
  ErrorCode missing;
  std::string (*fallback)();
};
constexpr StoredGet kStoredGets[] = {
    {Op::kGetBucketLifecycleConfiguration, "lifecycle", ErrorCode::kNoSuchLifecycleConfiguration,
     nullptr},
    {Op::kGetBucketOwnershipControls, kOwnershipSetting, ErrorCode::kOwnershipControlsNotFoundError,
     DefaultOwnershipControls},
    {Op::kGetPublicAccessBlock, "publicAccessBlock",
     ErrorCode::kNoSuchPublicAccessBlockConfiguration, DefaultPublicAccessBlock},
};

// Settings s2lite never configures: S3's "not configured" error.
constexpr std::pair<Op, ErrorCode> kNeverConfigured[] = {
    {Op::kGetBucketWebsite, ErrorCode::kNoSuchWebsiteConfiguration},
    {Op::kGetBucketReplication, ErrorCode::kReplicationConfigurationNotFoundError},
    {Op::kGetObjectLockConfiguration, ErrorCode::kObjectLockConfigurationNotFoundError},
};

}  // namespace

Task<Response> HandleBucketSetting(RequestContext& ctx) {
  const Op op = ctx.route.op;
  for (const auto& [o, handle] : kSettingHandlers)
    if (o == op) co_return co_await handle(ctx);
  for (const DeletedSetting& d : kDeletedSettings) {
    if (d.op != op) continue;
    std::optional<std::string> removed;
    if (d.has_default) removed.emplace();
    co_return co_await Put(ctx, d.name, std::move(removed), 204);
  }
  for (const StoredGet& g : kStoredGets)
    if (g.op == op) co_return co_await GetStored(ctx, g.name, g.missing, g.fallback);
  for (const auto& [o, code] : kNeverConfigured)
    if (o == op) co_return NotConfigured(ctx, code);
  switch (op) {
    case Op::kGetBucketRequestPayment:
      co_return Response::Xml(SimpleDoc("RequestPaymentConfiguration", "Payer", "BucketOwner"));
    case Op::kGetBucketLogging:
      co_return Response::Xml(SimpleDoc("BucketLoggingStatus", "", ""));
    case Op::kDeleteBucketWebsite:
    case Op::kDeleteBucketReplication: {
      Response r;  // nothing was ever configured
      r.status = 204;
      co_return r;
    }
    default:
      co_return Response::Error(Status(ErrorCode::kInternalError, "not a bucket setting"));
  }
}

}  // namespace s2lite::server
