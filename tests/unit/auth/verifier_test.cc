#include "auth/verifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "auth/sigv4.h"
#include "test_util.h"

namespace s2lite::auth {
namespace {

using testing::ParseHttpRequest;
using testing::RemoveHeader;
using testing::SetHeader;

constexpr std::string_view kEmptySha =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const UserCredentials kAlice{"alice", "AKIAIOSFODNN7EXAMPLE",
                             "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
const UserCredentials kBob{"bob", "AKIDBOB", "bob-secret"};

std::chrono::system_clock::time_point At(std::string_view amz_date, int plus_seconds = 0) {
  std::optional<long long> t = ParseAmzDate(amz_date);
  EXPECT_TRUE(t.has_value()) << amz_date;
  return std::chrono::system_clock::time_point(std::chrono::seconds(t.value_or(0) + plus_seconds));
}

VerifyContext Context(std::chrono::system_clock::time_point now) {
  VerifyContext ctx;
  ctx.region = "us-east-1";
  ctx.now = now;
  ctx.lookup = [](std::string_view access_key) -> const UserCredentials* {
    if (access_key == kAlice.access_key) return &kAlice;
    if (access_key == kBob.access_key) return &kBob;
    return nullptr;
  };
  return ctx;
}

RequestView GetObject(std::string path = "/bucket/photos/puppy.jpg") {
  RequestView req;
  req.method = "GET";
  req.raw_path = std::move(path);
  req.headers = {{"host", "localhost:9000"}, {"user-agent", "test"}};
  return req;
}

struct SignOptions {
  std::string amz_date = "20260101T120000Z";
  std::string region = "us-east-1";
  std::string payload_hash = std::string(kEmptySha);
  std::string access_key = kAlice.access_key;
  std::string secret = kAlice.secret_key;
};

std::string SignedHeaderList(const RequestView& req) {
  std::set<std::string> names;
  for (const auto& [name, value] : req.headers) {
    if (name != "authorization" && name != "user-agent") names.insert(name);
  }
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ";") + n;
  return out;
}

// Signs like an AWS SDK: x-amz-date and x-amz-content-sha256 added, every
// header but User-Agent signed.
void SignV4(RequestView& req, const SignOptions& o = {}) {
  SetHeader(req, "x-amz-date", o.amz_date);
  SetHeader(req, "x-amz-content-sha256", o.payload_hash);
  RemoveHeader(req, "authorization");
  std::string list = SignedHeaderList(req);
  std::vector<std::string> signed_headers;
  for (std::string_view rest = list; !rest.empty();) {
    size_t semi = rest.find(';');
    signed_headers.emplace_back(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? "" : rest.substr(semi + 1);
  }
  std::string date = o.amz_date.substr(0, 8);
  std::string scope = date + "/" + o.region + "/s3/aws4_request";
  std::string sts =
      StringToSign(o.amz_date, scope, CanonicalRequest(req, signed_headers, o.payload_hash));
  std::string signature = SignatureHex(SigningKey(o.secret, date, o.region, "s3"), sts);
  req.headers.emplace_back("authorization", "AWS4-HMAC-SHA256 Credential=" + o.access_key + "/" +
                                                scope + ", SignedHeaders=" + list +
                                                ", Signature=" + signature);
}

void PresignV4(RequestView& req, long long expires, const SignOptions& o = {}) {
  std::string date = o.amz_date.substr(0, 8);
  std::string scope = date + "/" + o.region + "/s3/aws4_request";
  req.query.push_back({"X-Amz-Algorithm", "AWS4-HMAC-SHA256", true});
  req.query.push_back({"X-Amz-Credential", o.access_key + "/" + scope, true});
  req.query.push_back({"X-Amz-Date", o.amz_date, true});
  req.query.push_back({"X-Amz-Expires", std::to_string(expires), true});
  req.query.push_back({"X-Amz-SignedHeaders", "host", true});
  std::string sts = StringToSign(
      o.amz_date, scope, CanonicalRequest(req, {"host"}, kUnsignedPayload, {.presigned = true}));
  req.query.push_back(
      {"X-Amz-Signature", SignatureHex(SigningKey(o.secret, date, o.region, "s3"), sts), true});
}

std::vector<std::string> ExtraNames(const Status& s) {
  std::vector<std::string> names;
  for (const auto& [name, value] : s.extra()) names.push_back(name);
  return names;
}

std::string Extra(const Status& s, std::string_view name) {
  for (const auto& [n, v] : s.extra()) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no extra element " << name;
  return {};
}

TEST(VerifySigV4Test, AcceptsSignedGetObject) {
  RequestView req = GetObject();
  SignV4(req);
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->user, &kAlice);
  EXPECT_EQ(result->scheme, AuthScheme::kSigV4Header);
  EXPECT_EQ(result->payload_hash, kEmptySha);
  EXPECT_EQ(result->scope, "20260101/us-east-1/s3/aws4_request");
  EXPECT_EQ(result->amz_date, "20260101T120000Z");
  EXPECT_EQ(result->signing_key, SigningKey(kAlice.secret_key, "20260101", "us-east-1", "s3"));
  Result<SigV4Header> auth = ParseSigV4Authorization(*req.Header("authorization"));
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(result->seed_signature, auth->signature);
}

TEST(VerifySigV4Test, AcceptsS3DocumentationGetObjectExample) {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
  auto req = ParseHttpRequest(
      "GET /test.txt HTTP/1.1\n"
      "Host: examplebucket.s3.amazonaws.com\n"
      "Authorization: AWS4-HMAC-SHA256 "
      "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41\n"
      "Range: bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date: 20130524T000000Z\n\n");
  Result<AuthResult> result = Verify(req.view, Context(At("20130524T000000Z", 300)));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->user, &kAlice);
}

TEST(VerifySigV4Test, AcceptsStreamingAndUnsignedPayloads) {
  for (const char* hash :
       {"UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"}) {
    SCOPED_TRACE(hash);
    RequestView req = GetObject();
    req.method = "PUT";
    SignV4(req, {.payload_hash = hash});
    Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_EQ(result->payload_hash, hash);
  }
}

TEST(VerifySigV4Test, SignsPayloadHashAsSentAndReportsItInLowerCase) {
  std::string upper = common::Sha256Hex("body");
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  RequestView req = GetObject();
  req.method = "PUT";
  SignV4(req, {.payload_hash = upper});
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->payload_hash, common::Sha256Hex("body"));
}

TEST(VerifySigV4Test, AcceptsPathsThatS3DoesNotNormalize) {
  for (const char* path : {"/bucket/a/../b", "/bucket//double", "/bucket/%7Etilde",
                           "/bucket/sp%20ace+plus", "/bucket/caf%C3%A9", ""}) {
    SCOPED_TRACE(path);
    RequestView req = GetObject(path);
    SignV4(req);
    EXPECT_TRUE(Verify(req, Context(At("20260101T120000Z"))).ok());
  }
}

TEST(VerifySigV4Test, EquivalentPathEncodingsVerify) {
  RequestView req = GetObject("/bucket/~user");
  SignV4(req);
  req.raw_path = "/bucket/%7Euser";
  EXPECT_TRUE(Verify(req, Context(At("20260101T120000Z"))).ok());
}

TEST(VerifySigV4Test, AcceptsDateHeaderWhenXAmzDateIsAbsent) {
  RequestView req = GetObject();
  req.headers.emplace_back("date", "Thu, 01 Jan 2026 12:00:00 GMT");
  SignV4(req);
  // Re-sign without x-amz-date: the timestamp comes from Date.
  RemoveHeader(req, "x-amz-date");
  RemoveHeader(req, "authorization");
  std::string scope = "20260101/us-east-1/s3/aws4_request";
  std::vector<std::string> signed_headers = {"date", "host", "x-amz-content-sha256"};
  std::string sts =
      StringToSign("20260101T120000Z", scope, CanonicalRequest(req, signed_headers, kEmptySha));
  req.headers.emplace_back(
      "authorization",
      "AWS4-HMAC-SHA256 Credential=" + kAlice.access_key + "/" + scope +
          ", SignedHeaders=date;host;x-amz-content-sha256, Signature=" +
          SignatureHex(SigningKey(kAlice.secret_key, "20260101", "us-east-1", "s3"), sts));
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->amz_date, "20260101T120000Z");
}

TEST(VerifySigV4Test, RejectsWrongSecretWithS3Details) {
  RequestView req = GetObject();
  SignV4(req, {.secret = "not-the-secret"});
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_FALSE(result.ok());
  const Status& s = result.status();
  EXPECT_EQ(s.code(), ErrorCode::kSignatureDoesNotMatch);
  EXPECT_EQ(s.message(),
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.");
  EXPECT_EQ(ExtraNames(s), (std::vector<std::string>{"AWSAccessKeyId", "StringToSign",
                                                     "SignatureProvided", "StringToSignBytes",
                                                     "CanonicalRequest", "CanonicalRequestBytes"}));
  EXPECT_EQ(Extra(s, "AWSAccessKeyId"), kAlice.access_key);
  std::string sts = Extra(s, "StringToSign");
  EXPECT_EQ(sts.substr(0, 52), "AWS4-HMAC-SHA256\n20260101T120000Z\n20260101/us-east-1");
  EXPECT_EQ(Extra(s, "StringToSignBytes").substr(0, 23), "41 57 53 34 2d 48 4d 41");
  EXPECT_EQ(Extra(s, "StringToSignBytes").size(), sts.size() * 3 - 1);
  EXPECT_EQ(Extra(s, "CanonicalRequest").substr(0, 29), "GET\n/bucket/photos/puppy.jpg\n");
  EXPECT_EQ(Extra(s, "SignatureProvided"),
            ParseSigV4Authorization(*req.Header("authorization"))->signature);
}

TEST(VerifySigV4Test, RejectsAnyTamperedSignedPart) {
  struct Case {
    std::string what;
    std::function<void(RequestView&)> tamper;
  };
  std::vector<Case> cases = {
      {"method", [](RequestView& r) { r.method = "DELETE"; }},
      {"path", [](RequestView& r) { r.raw_path = "/bucket/photos/kitten.jpg"; }},
      {"query",
       [](RequestView& r) {
         r.query.push_back({"versionId", "1", true});
       }},
      {"host", [](RequestView& r) { SetHeader(r, "host", "evil:9000"); }},
      {"payload hash",
       [](RequestView& r) { SetHeader(r, "x-amz-content-sha256", "UNSIGNED-PAYLOAD"); }},
      {"date", [](RequestView& r) { SetHeader(r, "x-amz-date", "20260101T120001Z"); }},
      {"signed meta header", [](RequestView& r) { SetHeader(r, "x-amz-meta-a", "2"); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    RequestView req = GetObject();
    req.headers.emplace_back("x-amz-meta-a", "1");
    SignV4(req);
    c.tamper(req);
    Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), ErrorCode::kSignatureDoesNotMatch);
  }
}

TEST(VerifySigV4Test, UnsignedHeadersDoNotAffectSignature) {
  RequestView req = GetObject();
  SignV4(req);
  SetHeader(req, "user-agent", "changed");
  req.headers.emplace_back("accept", "*/*");
  EXPECT_TRUE(Verify(req, Context(At("20260101T120000Z"))).ok());
}

TEST(VerifySigV4Test, RejectsUnknownAccessKey) {
  RequestView req = GetObject();
  SignV4(req, {.access_key = "AKIDNOBODY"});
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidAccessKeyId);
  EXPECT_EQ(result.status().message(),
            "The AWS Access Key Id you provided does not exist in our records.");
  EXPECT_EQ(ExtraNames(result.status()), std::vector<std::string>{"AWSAccessKeyId"});
  EXPECT_EQ(Extra(result.status(), "AWSAccessKeyId"), "AKIDNOBODY");
}

TEST(VerifySigV4Test, RejectsRequestTooFarFromServerTime) {
  for (int offset : {-901, 901, 86400}) {
    SCOPED_TRACE(offset);
    RequestView req = GetObject();
    SignV4(req);
    Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z", offset)));
    ASSERT_FALSE(result.ok());
    const Status& s = result.status();
    EXPECT_EQ(s.code(), ErrorCode::kRequestTimeTooSkewed);
    EXPECT_EQ(s.message(),
              "The difference between the request time and the current time is too large.");
    EXPECT_EQ(ExtraNames(s), (std::vector<std::string>{"RequestTime", "ServerTime",
                                                       "MaxAllowedSkewMilliseconds"}));
    EXPECT_EQ(Extra(s, "RequestTime"), "20260101T120000Z");
    EXPECT_EQ(Extra(s, "MaxAllowedSkewMilliseconds"), "900000");
  }
  RequestView req = GetObject();
  SignV4(req);
  Result<AuthResult> late = Verify(req, Context(At("20260101T120000Z", 1800)));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(Extra(late.status(), "ServerTime"), "2026-01-01T12:30:00Z");
  EXPECT_TRUE(Verify(req, Context(At("20260101T120000Z", 900))).ok());
  EXPECT_TRUE(Verify(req, Context(At("20260101T120000Z", -900))).ok());
}

TEST(VerifySigV4Test, HonoursConfiguredMaxSkew) {
  RequestView req = GetObject();
  SignV4(req);
  VerifyContext ctx = Context(At("20260101T120000Z", 61));
  ctx.max_skew = std::chrono::seconds(60);
  Result<AuthResult> result = Verify(req, ctx);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(Extra(result.status(), "MaxAllowedSkewMilliseconds"), "60000");
}

TEST(VerifySigV4Test, RejectsCredentialForAnotherRegion) {
  RequestView req = GetObject();
  SignV4(req, {.region = "eu-west-1"});
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kAuthorizationHeaderMalformed);
  EXPECT_EQ(result.status().message(),
            "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting "
            "'us-east-1'");
  EXPECT_EQ(ExtraNames(result.status()), std::vector<std::string>{"Region"});
  EXPECT_EQ(Extra(result.status(), "Region"), "us-east-1");
}

TEST(VerifySigV4Test, RejectsAnonymousRequest) {
  Result<AuthResult> result = Verify(GetObject(), Context(At("20260101T120000Z")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kAccessDenied);
  EXPECT_EQ(result.status().message(), "Access Denied");
}

TEST(VerifySigV4Test, RejectsMalformedRequests) {
  struct Case {
    std::string what;
    std::function<void(RequestView&)> mutate;
    ErrorCode code;
    std::string message;
  };
  auto replace_auth = [](std::string from, std::string to) {
    return [from, to](RequestView& r) {
      for (auto& [n, v] : r.headers) {
        if (n == "authorization") v.replace(v.find(from), from.size(), to);
      }
    };
  };
  const std::string kMalformed = "The authorization header is malformed; ";
  std::vector<Case> cases = {
      {"no components", [](RequestView& r) { SetHeader(r, "authorization", "AWS4-HMAC-SHA256"); },
       ErrorCode::kAuthorizationHeaderMalformed,
       kMalformed +
           "the authorization header requires three components: Credential, SignedHeaders, and "
           "Signature."},
      {"short credential", replace_auth("/s3/aws4_request", "/s3"),
       ErrorCode::kAuthorizationHeaderMalformed,
       kMalformed + "the Credential is mal-formed; expecting "
                    "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."},
      {"service", replace_auth("/s3/", "/ec2/"), ErrorCode::kAuthorizationHeaderMalformed,
       kMalformed + "incorrect service \"ec2\". This endpoint belongs to \"s3\"."},
      {"terminator", replace_auth("aws4_request", "aws5_request"),
       ErrorCode::kAuthorizationHeaderMalformed,
       kMalformed + "incorrect terminal \"aws5_request\". This endpoint uses \"aws4_request\"."},
      {"credential date", replace_auth("/20260101/", "/20260102/"),
       ErrorCode::kAuthorizationHeaderMalformed,
       kMalformed + "Invalid credential date. Date is not the same as X-Amz-Date."},
      {"missing content sha", [](RequestView& r) { RemoveHeader(r, "x-amz-content-sha256"); },
       ErrorCode::kInvalidRequest,
       "Missing required header for this request: x-amz-content-sha256"},
      {"bad content sha", [](RequestView& r) { SetHeader(r, "x-amz-content-sha256", "abc"); },
       ErrorCode::kInvalidArgument,
       "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
       "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
       "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER "
       "or a valid sha256 value."},
      {"missing date", [](RequestView& r) { RemoveHeader(r, "x-amz-date"); },
       ErrorCode::kAccessDenied, "AWS authentication requires a valid Date or x-amz-date header"},
      {"bad date", [](RequestView& r) { SetHeader(r, "x-amz-date", "yesterday"); },
       ErrorCode::kAccessDenied, "AWS authentication requires a valid Date or x-amz-date header"},
      {"host not signed", replace_auth("SignedHeaders=host;", "SignedHeaders="),
       ErrorCode::kAccessDenied, "There were headers present in the request which were not signed"},
      {"unsigned x-amz header", [](RequestView& r) { r.headers.emplace_back("x-amz-acl", "x"); },
       ErrorCode::kAccessDenied, "There were headers present in the request which were not signed"},
      {"unsupported scheme", [](RequestView& r) { SetHeader(r, "authorization", "Bearer token"); },
       ErrorCode::kInvalidArgument, "Unsupported Authorization Type"},
      {"two mechanisms",
       [](RequestView& r) {
         r.query.push_back({"X-Amz-Algorithm", "AWS4-HMAC-SHA256", true});
       },
       ErrorCode::kInvalidArgument,
       "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
       "string parameter or the Authorization header should be specified"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    RequestView req = GetObject();
    SignV4(req);
    c.mutate(req);
    Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), c.code);
    EXPECT_EQ(result.status().message(), c.message);
  }
}

TEST(VerifySigV4Test, ReportsWhichHeadersWereNotSigned) {
  RequestView req = GetObject();
  SignV4(req);
  req.headers.emplace_back("x-amz-acl", "public-read");
  req.headers.emplace_back("x-amz-meta-a", "1");
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(Extra(result.status(), "HeadersNotSigned"), "x-amz-acl, x-amz-meta-a");
}

TEST(VerifySigV4Test, InvalidContentShaReportsArgument) {
  RequestView req = GetObject();
  SignV4(req, {.payload_hash = "xyz"});
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(Extra(result.status(), "ArgumentName"), "x-amz-content-sha256");
  EXPECT_EQ(Extra(result.status(), "ArgumentValue"), "xyz");
}

TEST(VerifySigV4QueryTest, AcceptsPresignedGet) {
  RequestView req = GetObject();
  PresignV4(req, 3600);
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z", 3599)));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->user, &kAlice);
  EXPECT_EQ(result->scheme, AuthScheme::kSigV4Query);
  EXPECT_EQ(result->payload_hash, kUnsignedPayload);
  EXPECT_EQ(result->scope, "20260101/us-east-1/s3/aws4_request");
  EXPECT_EQ(result->amz_date, "20260101T120000Z");
  EXPECT_EQ(result->seed_signature, req.Query("X-Amz-Signature")->value);
}

TEST(VerifySigV4QueryTest, AcceptsS3DocumentationPresignedExample) {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
  auto req = ParseHttpRequest(
      "GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F"
      "20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1\n"
      "Host: examplebucket.s3.amazonaws.com\n\n");
  Result<AuthResult> result = Verify(req.view, Context(At("20130524T000000Z", 80000)));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->user, &kAlice);
}

TEST(VerifySigV4QueryTest, UsesContentShaHeaderWhenPresent) {
  RequestView req = GetObject();
  req.method = "PUT";
  req.headers.emplace_back("x-amz-content-sha256", std::string(kEmptySha));
  std::string scope = "20260101/us-east-1/s3/aws4_request";
  req.query = {{"X-Amz-Algorithm", "AWS4-HMAC-SHA256", true},
               {"X-Amz-Credential", kAlice.access_key + "/" + scope, true},
               {"X-Amz-Date", "20260101T120000Z", true},
               {"X-Amz-Expires", "60", true},
               {"X-Amz-SignedHeaders", "host", true}};
  std::string sts = StringToSign("20260101T120000Z", scope,
                                 CanonicalRequest(req, {"host"}, kEmptySha, {.presigned = true}));
  req.query.push_back(
      {"X-Amz-Signature",
       SignatureHex(SigningKey(kAlice.secret_key, "20260101", "us-east-1", "s3"), sts), true});
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->payload_hash, kEmptySha);
}

TEST(VerifySigV4QueryTest, RejectsExpiredPresignedUrl) {
  RequestView req = GetObject();
  PresignV4(req, 3600);
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z", 3601)));
  ASSERT_FALSE(result.ok());
  const Status& s = result.status();
  EXPECT_EQ(s.code(), ErrorCode::kAccessDenied);
  EXPECT_EQ(s.message(), "Request has expired");
  EXPECT_EQ(ExtraNames(s), (std::vector<std::string>{"X-Amz-Expires", "Expires", "ServerTime"}));
  EXPECT_EQ(Extra(s, "X-Amz-Expires"), "3600");
  EXPECT_EQ(Extra(s, "Expires"), "2026-01-01T13:00:00Z");
  EXPECT_EQ(Extra(s, "ServerTime"), "2026-01-01T13:00:01Z");
}

TEST(VerifySigV4QueryTest, RejectsPresignedUrlDatedInTheFuture) {
  RequestView req = GetObject();
  PresignV4(req, 3600);
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z", -901)));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kRequestTimeTooSkewed);
  EXPECT_TRUE(Verify(req, Context(At("20260101T120000Z", -900))).ok());
}

TEST(VerifySigV4QueryTest, RejectsExpiresOverAWeek) {
  RequestView req = GetObject();
  PresignV4(req, 604801);
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kAuthorizationQueryParametersError);
}

TEST(VerifySigV4QueryTest, RejectsWrongRegionWithRegionElement) {
  RequestView req = GetObject();
  PresignV4(req, 60, {.region = "eu-west-1"});
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kAuthorizationQueryParametersError);
  EXPECT_EQ(result.status().message(),
            "Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; "
            "expecting 'us-east-1'");
  EXPECT_EQ(Extra(result.status(), "Region"), "us-east-1");
}

TEST(VerifySigV4QueryTest, RejectsTamperedPresignedUrl) {
  RequestView req = GetObject();
  PresignV4(req, 3600);
  req.raw_path = "/bucket/photos/other.jpg";
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kSignatureDoesNotMatch);
  EXPECT_EQ(Extra(result.status(), "CanonicalRequest").substr(0, 29),
            "GET\n/bucket/photos/other.jpg\n");
}

TEST(VerifySigV4QueryTest, RejectsUnknownAccessKey) {
  RequestView req = GetObject();
  PresignV4(req, 3600, {.access_key = "AKIDNOBODY"});
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidAccessKeyId);
}

TEST(VerifySigV4Test, DistinguishesUsersByAccessKey) {
  RequestView req = GetObject();
  SignV4(req, {.access_key = kBob.access_key, .secret = kBob.secret_key});
  Result<AuthResult> result = Verify(req, Context(At("20260101T120000Z")));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->user, &kBob);
}

}  // namespace
}  // namespace s2lite::auth

namespace s2lite::auth {
namespace {

TEST(VerifyTest, RefusesDuplicateAuthorizationHeaders) {
  RequestView req = GetObject();
  SignV4(req);
  ASSERT_TRUE(Verify(req, Context(At("20260101T120000Z"))).ok());
  // A valid header followed by another (and the reverse): neither is trusted.
  RequestView twice = req;
  twice.headers.emplace_back("authorization", "AWS AKIAALICE:forged");
  EXPECT_EQ(Verify(twice, Context(At("20260101T120000Z"))).status().code(),
            ErrorCode::kInvalidArgument);
  RequestView reversed = req;
  reversed.headers.insert(reversed.headers.begin(), {"authorization", "AWS AKIAALICE:forged"});
  EXPECT_EQ(Verify(reversed, Context(At("20260101T120000Z"))).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace s2lite::auth
