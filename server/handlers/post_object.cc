// PostObject: POST /<bucket> with a multipart/form-data body (browser uploads).
// https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
// The request carries no signed header: the form's policy is signed (SigV4:
// x-amz-credential/-date/-signature; SigV2: AWSAccessKeyId/signature), and
// the fields before the file are checked against it before a byte of the
// file is stored. The file streams into a blob like a PutObject body.
#include "auth/post_policy.h"
#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "common/ascii.h"
#include "common/crypto.h"
#include "common/uri.h"
#include "server/form_parser.h"
#include "server/handlers/body_writer.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/object_common.h"
#include "server/handlers/ownership.h"
#include "server/handlers/tagging.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

// S3's bound on the form fields before the file.
constexpr size_t kMaxPreFileBytes = 20 * 1024;

Status MissingField(std::string_view name) {
  return Status(ErrorCode::kInvalidArgument,
                "Bucket POST must contain a field named '" + std::string(name) +
                    "'.  If it is specified, please check the order of the fields.")
      .With("ArgumentName", std::string(name))
      .With("ArgumentValue", "");
}

// The tagging field: a Tagging document, its tags validated as
// PutObjectTagging's. S3 answers MalformedXML to a value that is not XML, and
// ignores a well-formed document whose root is not Tagging.
Result<TagSet> ParseFormTagging(std::string_view value) {
  auto root = ParseXmlTree(value);
  if (!root.ok()) return root.status();
  if (root->name != "Tagging") return TagSet{};
  return ParseTaggingXml(value, kMaxObjectTags);
}

class PostObjectSink final : public BodySink, public FormHandler {
 public:
  // `bucket`: the addressed bucket as the store had it when the request came,
  // and its ObjectOwnership (read before the body, as parsing the form cannot
  // wait for the store).
  PostObjectSink(RequestContext& ctx, std::string boundary, Result<storage::BucketInfo> bucket,
                 std::string object_ownership)
      : ctx_(ctx),
        parser_(std::move(boundary), *this, kMaxPreFileBytes),
        bucket_(std::move(bucket)),
        object_ownership_(std::move(object_ownership)) {}

  // A refused form is still read to its end before the answer, so that a
  // browser, still sending, sees the error rather than a reset connection.
  Status Write(const char* data, size_t n) override {
    if (!error_.ok()) return Status::Ok();
    if (Status s = parser_.Feed(data, n); !s.ok()) {
      error_ = std::move(s);
      writer_.reset();  // discards the partial blob
    }
    return Status::Ok();
  }
  Task<Response> Finish() override;

  Status OnField(std::string_view name, std::string_view value) override {
    std::string lower = common::AsciiLower(name);
    if (Field(lower))
      return Status(ErrorCode::kInvalidArgument, "Duplicate form field: " + std::string(name))
          .With("ArgumentName", std::string(name));
    fields_.emplace_back(std::move(lower), std::string(value));
    return Status::Ok();
  }
  Status OnFileStart(std::string_view filename) override;
  Status OnFileData(const char* data, size_t n) override {
    size_ += n;
    if (policy_.length_range && static_cast<int64_t>(size_) > policy_.length_range->second) {
      return Status(ErrorCode::kEntityTooLarge)
          .With("ProposedSize", std::to_string(size_))
          .With("MaxSizeAllowed", std::to_string(policy_.length_range->second));
    }
    return writer_->Write(data, n);
  }
  Status OnFileEnd() override { return Status::Ok(); }

 private:
  const std::string* Field(std::string_view name) const {
    for (const auto& [n, v] : fields_)
      if (n == name) return &v;
    return nullptr;
  }
  Status Authenticate();
  // The SigV4 form fields: sets `user` and the signature `expected` of the
  // policy and the one `given`.
  Status CheckSigV4Fields(const std::string& policy, const UserCredentials*& user,
                          std::string& expected, std::string& given);
  Status CheckBucketOwner();
  Status SetKeyAndAttrs(std::string_view filename);
  Response Success(const storage::ObjectInfo& object);

  RequestContext& ctx_;
  FormParser parser_;
  auth::FormFields fields_;
  auth::PostPolicy policy_;
  storage::ObjectAttrs attrs_;
  std::unique_ptr<BodyWriter> writer_;
  uint64_t size_ = 0;
  Status error_;
  Result<storage::BucketInfo> bucket_;
  std::string object_ownership_;
};

// Finds the user and checks the policy's signature (SigV4 or SigV2).
Status PostObjectSink::Authenticate() {
  const std::string* policy = Field("policy");
  bool v4 = Field("x-amz-signature") || Field("x-amz-credential") || Field("x-amz-algorithm");
  bool v2 = !v4 && (Field("awsaccesskeyid") || Field("signature"));
  if (!v4 && !v2) {
    if (policy) return MissingField("x-amz-signature");
    return Status(ErrorCode::kAccessDenied);  // anonymous: no bucket is public-write here
  }
  if (!policy) return MissingField("policy");
  const UserCredentials* user = nullptr;
  std::string expected, given;
  if (v4) {
    if (Status s = CheckSigV4Fields(*policy, user, expected, given); !s.ok()) return s;
  } else {
    if (!Field("awsaccesskeyid")) return MissingField("AWSAccessKeyId");
    if (!Field("signature")) return MissingField("Signature");
    user = ctx_.state->FindUser(*Field("awsaccesskeyid"));
    if (!user) {
      return Status(ErrorCode::kInvalidAccessKeyId)
          .With("AWSAccessKeyId", *Field("awsaccesskeyid"));
    }
    expected = auth::SigV2Signature(user->secret_key, *policy);
    given = *Field("signature");
  }
  if (!common::ConstantTimeEquals(expected, given)) {
    return Status(ErrorCode::kSignatureDoesNotMatch)
        .With("AWSAccessKeyId", user->access_key)
        .With("StringToSign", *policy)
        .With("SignatureProvided", given);
  }
  auto parsed = auth::ParsePostPolicy(*policy);
  if (!parsed.ok()) return parsed.status();
  policy_ = std::move(*parsed);
  ctx_.user = user;
  return Status::Ok();
}

Status PostObjectSink::CheckSigV4Fields(const std::string& policy, const UserCredentials*& user,
                                        std::string& expected, std::string& given) {
  for (std::string_view f :
       {"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"})
    if (!Field(f)) return MissingField(f);
  if (*Field("x-amz-algorithm") != auth::kSigV4Algorithm) {
    return Status(ErrorCode::kInvalidArgument, "Unsupported x-amz-algorithm")
        .With("ArgumentName", "x-amz-algorithm")
        .With("ArgumentValue", *Field("x-amz-algorithm"));
  }
  // AKID/YYYYMMDD/region/s3/aws4_request
  std::vector<std::string> scope;
  std::string_view cred = *Field("x-amz-credential");
  for (size_t start = 0;;) {
    size_t slash = cred.find('/', start);
    scope.emplace_back(cred.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (scope.size() != 5 || scope[3] != "s3" || scope[4] != "aws4_request" || scope[1].size() != 8 ||
      Field("x-amz-date")->compare(0, 8, scope[1]) != 0) {
    return Status(ErrorCode::kInvalidArgument, "Invalid x-amz-credential")
        .With("ArgumentName", "x-amz-credential")
        .With("ArgumentValue", std::string(cred));
  }
  if (scope[2] != ctx_.state->options.region) {
    return Status(ErrorCode::kAuthorizationQueryParametersError,
                  "Error parsing the X-Amz-Credential parameter; the region '" + scope[2] +
                      "' is wrong; expecting '" + ctx_.state->options.region + "'");
  }
  user = ctx_.state->FindUser(scope[0]);
  if (!user) return Status(ErrorCode::kInvalidAccessKeyId).With("AWSAccessKeyId", scope[0]);
  expected =
      auth::SignatureHex(auth::SigningKey(user->secret_key, scope[1], scope[2], scope[3]), policy);
  given = common::AsciiLower(*Field("x-amz-signature"));
  return Status::Ok();
}

Status PostObjectSink::CheckBucketOwner() {
  const Result<storage::BucketInfo>& bucket = bucket_;
  if (!bucket.ok()) {
    Status s = bucket.status();
    if (s.code() == ErrorCode::kNoSuchBucket) s.With("BucketName", ctx_.route.bucket);
    return s;
  }
  if (bucket->owner != ctx_.user->name) return Status(ErrorCode::kAccessDenied);
  ctx_.bucket_generation = bucket->generation;
  return Status::Ok();
}

// The key (with ${filename}) and the object's attributes from the form's
// Content-Type, Cache-Control, ..., x-amz-meta-*, acl fields, validated as
// their PutObject headers are.
Status PostObjectSink::SetKeyAndAttrs(std::string_view filename) {
  std::string key = *Field("key");
  if (auto slash = filename.find_last_of("/\\"); slash != std::string_view::npos)
    filename.remove_prefix(slash + 1);
  for (size_t at; (at = key.find("${filename}")) != std::string::npos;)
    key.replace(at, 11, filename);
  if (!IsValidUtf8(key)) {
    return Status(ErrorCode::kInvalidArgument, "Key is not valid UTF-8")
        .With("ArgumentName", "key")
        .With("ArgumentValue", "");
  }
  if (key.empty()) {
    return Status(ErrorCode::kInvalidArgument, "User key must have a length greater than 0.")
        .With("ArgumentName", "key")
        .With("ArgumentValue", "");
  }
  if (key.size() > kMaxKeyBytes) {
    return Status(ErrorCode::kKeyTooLongError)
        .With("Size", std::to_string(key.size()))
        .With("MaxSizeAllowed", std::to_string(kMaxKeyBytes));
  }
  ctx_.route.key = std::move(key);
  RequestContext as_headers;
  for (const auto& [name, value] : fields_) {
    if (name == "acl")
      as_headers.view.headers.emplace_back("x-amz-acl", value);
    else if (name == "content-type" || name == "cache-control" || name == "content-disposition" ||
             name == "content-encoding" || name == "expires" || name == "x-amz-storage-class" ||
             name.rfind("x-amz-meta-", 0) == 0 ||
             name.rfind("x-amz-server-side-encryption", 0) == 0)
      as_headers.view.headers.emplace_back(name, value);
  }
  auto attrs = ParseObjectAttrs(as_headers);
  if (!attrs.ok()) return attrs.status();
  if (Status s = CheckAclAllowed(as_headers, object_ownership_); !s.ok()) return s;
  if (const std::string* tagging = Field("tagging")) {
    auto tags = ParseFormTagging(*tagging);
    if (!tags.ok()) return tags.status();
    attrs->tagging = EncodeTags(*tags);
  }
  attrs_ = std::move(*attrs);
  return Status::Ok();
}

Status PostObjectSink::OnFileStart(std::string_view filename) {
  if (!Field("key")) return MissingField("key");
  if (Status s = Authenticate(); !s.ok()) return s;
  if (Status s = auth::CheckPostPolicy(policy_, fields_, ctx_.route.bucket, ctx_.now); !s.ok())
    return s;
  if (Status s = CheckBucketOwner(); !s.ok()) return s;
  if (Status s = SetKeyAndAttrs(filename); !s.ok()) return s;
  auto writer = BodyWriter::Start(ctx_);
  if (!writer.ok()) return writer.status();
  writer_ = std::move(*writer);
  return Status::Ok();
}

Task<Response> PostObjectSink::Finish() {
  if (error_.ok()) error_ = parser_.Finish();
  if (!error_.ok()) co_return Response::Error(std::move(error_));
  if (!parser_.file_seen()) {
    co_return Response::Error(
        Status(ErrorCode::kInvalidArgument, "POST requires exactly one file upload per request.")
            .With("ArgumentName", "file")
            .With("ArgumentValue", "0"));
  }
  if (policy_.length_range && static_cast<int64_t>(size_) < policy_.length_range->first) {
    co_return Response::Error(
        Status(ErrorCode::kEntityTooSmall)
            .With("ProposedSize", std::to_string(size_))
            .With("MinSizeAllowed", std::to_string(policy_.length_range->first)));
  }
  auto body = writer_->Finish();
  if (!body.ok()) co_return Response::Error(body.status());
  storage::ObjectInfo object = SinglePartObject(ctx_, *body, std::move(attrs_));
  Status s = co_await ctx_.state->store->PutObject(object);
  if (!s.ok()) co_return Response::Error(std::move(s));
  co_return Success(object);
}

// success_action_redirect (303 to it, with bucket, key and etag), else
// success_action_status: 200, 201 (a PostResponse document) or 204 (default).
Response PostObjectSink::Success(const storage::ObjectInfo& object) {
  const std::string& bucket = ctx_.route.bucket;
  const std::string& key = ctx_.route.key;
  std::string location = std::string(ctx_.tls ? "https://" : "http://") + ctx_.host +
                         (ctx_.route.virtual_host ? "" : "/" + common::UriEncode(bucket, false)) +
                         "/" + common::UriEncode(key, true);
  const std::string* redirect = Field("success_action_redirect");
  if (!redirect) redirect = Field("redirect");
  if (redirect && (redirect->rfind("http://", 0) == 0 || redirect->rfind("https://", 0) == 0) &&
      !common::HasControlChars(*redirect)) {
    Response r;
    r.status = 303;
    r.AddHeader("Location", *redirect + (redirect->find('?') == std::string::npos ? "?" : "&") +
                                "bucket=" + common::UriEncode(bucket, false) +
                                "&key=" + common::UriEncode(key, false) +
                                "&etag=" + common::UriEncode(object.etag, false));
    r.AddHeader("ETag", object.etag);
    return r;
  }
  std::string status = Field("success_action_status") ? *Field("success_action_status") : "";
  Response r;
  if (status == "201") {
    XmlWriter w;
    w.Open("PostResponse");
    w.Element("Location", location);
    w.Element("Bucket", bucket);
    w.Element("Key", key);
    w.Element("ETag", object.etag);
    w.Close("PostResponse");
    r = Response::Xml(w.Take(), 201);
  } else {
    r.status = status == "200" ? 200 : 204;
  }
  r.AddHeader("ETag", object.etag);
  r.AddHeader("Location", location);
  AddSseHeaders(r, object.attrs);
  return r;
}

}  // namespace

Task<Result<std::unique_ptr<BodySink>>> BeginPostObject(RequestContext& ctx) {
  auto boundary = FormDataBoundary(ctx.HeaderOr("content-type"));
  if (!boundary) {
    co_return Status(ErrorCode::kPreconditionFailed)
        .With("Condition", "Bucket POST must be of the enclosure-type multipart/form-data");
  }
  Result<storage::BucketInfo> bucket = co_await ctx.state->store->GetBucket(ctx.route.bucket);
  std::string ownership(kBucketOwnerEnforced);
  if (bucket.ok()) {
    auto got = co_await BucketObjectOwnership(*ctx.state, ctx.route.bucket);
    if (!got.ok()) co_return got.status();
    ownership = std::move(*got);
  }
  co_return std::unique_ptr<BodySink>(std::make_unique<PostObjectSink>(
      ctx, std::move(*boundary), std::move(bucket), std::move(ownership)));
}

}  // namespace s2lite::server
