#include "auth/sigv2.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "auth/verifier.h"
#include "test_util.h"

namespace s2lite::auth {
namespace {

using testing::ParseHttpRequest;
using testing::SetHeader;

// The credentials of the examples in "Signing and authenticating REST requests
// (AWS signature version 2)".
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
const UserCredentials kExample{"example", "AKIAIOSFODNN7EXAMPLE",
                               "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};

std::chrono::system_clock::time_point Epoch(long long seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

// Tue, 27 Mar 2007 19:36:42 +0000.
constexpr long long kExampleTime = 1175024202;

VerifyContext Context(std::chrono::system_clock::time_point now, std::string bucket,
                      bool virtual_host) {
  VerifyContext ctx;
  ctx.now = now;
  ctx.bucket = std::move(bucket);
  ctx.virtual_host = virtual_host;
  ctx.lookup = [](std::string_view access_key) -> const UserCredentials* {
    return access_key == kExample.access_key ? &kExample : nullptr;
  };
  return ctx;
}

std::string Extra(const Status& s, std::string_view name) {
  for (const auto& [n, v] : s.extra()) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no extra element " << name;
  return {};
}

struct DocExample {
  std::string name;
  std::string request;
  std::string bucket;
  bool virtual_host;
  std::string string_to_sign;
  std::string signature;
  long long signed_at;  // the request's Date, in epoch seconds
};

// The documented requests. The guide later renamed its bucket from "johnsmith"
// to "awsexamplebucket1" without recomputing the signatures, so these use the
// bucket the published signatures were computed for.
std::vector<DocExample> DocExamples() {
  return {
      {"object GET",
       "GET /photos/puppy.jpg HTTP/1.1\n"
       "Host: johnsmith.s3.amazonaws.com\n"
       "Date: Tue, 27 Mar 2007 19:36:42 +0000\n"
       "Authorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\n\n",
       "johnsmith", true, "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
       "bWq2s1WEIj+Ydj0vQ697zp+IXMU=", 1175024202},
      {"object PUT",
       "PUT /photos/puppy.jpg HTTP/1.1\n"
       "Content-Type: image/jpeg\n"
       "Content-Length: 94328\n"
       "Host: johnsmith.s3.amazonaws.com\n"
       "Date: Tue, 27 Mar 2007 21:15:45 +0000\n"
       "Authorization: AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg=\n\n",
       "johnsmith", true,
       "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
       "MyyxeRY7whkBe+bq8fHCL/2kKUg=", 1175030145},
      {"list",
       "GET /?prefix=photos&max-keys=50&marker=puppy HTTP/1.1\n"
       "User-Agent: Mozilla/5.0\n"
       "Host: johnsmith.s3.amazonaws.com\n"
       "Date: Tue, 27 Mar 2007 19:42:41 +0000\n"
       "Authorization: AWS AKIAIOSFODNN7EXAMPLE:htDYFYduRNen8P9ZfE/s9SuKy0U=\n\n",
       "johnsmith", true, "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
       "htDYFYduRNen8P9ZfE/s9SuKy0U=", 1175024561},
      {"fetch acl",
       "GET /?acl HTTP/1.1\n"
       "Host: johnsmith.s3.amazonaws.com\n"
       "Date: Tue, 27 Mar 2007 19:44:46 +0000\n"
       "Authorization: AWS AKIAIOSFODNN7EXAMPLE:c2WLPFtWHVgbEmeEG93a4cG37dM=\n\n",
       "johnsmith", true, "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
       "c2WLPFtWHVgbEmeEG93a4cG37dM=", 1175024686},
      {"upload with metadata to a CNAME bucket",
       "PUT /db-backup.dat.gz HTTP/1.1\n"
       "User-Agent: curl/7.15.5\n"
       "Host: static.johnsmith.net:8080\n"
       "Date: Tue, 27 Mar 2007 21:06:08 +0000\n"
       "x-amz-acl: public-read\n"
       "content-type: application/x-download\n"
       "Content-MD5: 4gJE4saaMU4BqNR0kLY+lw==\n"
       "X-Amz-Meta-ReviewedBy: joe@johnsmith.net\n"
       "X-Amz-Meta-ReviewedBy: jane@johnsmith.net\n"
       "X-Amz-Meta-FileChecksum: 0x02661779\n"
       "X-Amz-Meta-ChecksumAlgorithm: crc32\n"
       "Content-Disposition: attachment; filename=database.dat\n"
       "Content-Encoding: gzip\n"
       "Content-Length: 5913339\n"
       "Authorization: AWS AKIAIOSFODNN7EXAMPLE:ilyl83RwaSoYIEdixDQcA4OnAnc=\n\n",
       "static.johnsmith.net", true,
       "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n"
       "x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\n"
       "x-amz-meta-filechecksum:0x02661779\n"
       "x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n"
       "/static.johnsmith.net/db-backup.dat.gz",
       "ilyl83RwaSoYIEdixDQcA4OnAnc=", 1175029568},
      {"list all my buckets",
       "GET / HTTP/1.1\n"
       "Host: s3.amazonaws.com\n"
       "Date: Wed, 28 Mar 2007 01:29:59 +0000\n"
       "Authorization: AWS AKIAIOSFODNN7EXAMPLE:qGdzdERIC03wnaRNKh6OqZehG9s=\n\n",
       "", false, "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/",
       "qGdzdERIC03wnaRNKh6OqZehG9s=", 1175045399},
      {"unicode keys",
       "GET /dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re HTTP/1.1\n"
       "Host: s3.amazonaws.com\n"
       "Date: Wed, 28 Mar 2007 01:49:49 +0000\n"
       "Authorization: AWS AKIAIOSFODNN7EXAMPLE:DNEZGsoieTZ92F3bUfSPQcbGmlM=\n\n",
       "dictionary", false,
       "GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
       "DNEZGsoieTZ92F3bUfSPQcbGmlM=", 1175046589},
  };
}

TEST(SigV2Test, MatchesDocumentedStringsToSignAndSignatures) {
  for (const DocExample& e : DocExamples()) {
    SCOPED_TRACE(e.name);
    auto req = ParseHttpRequest(e.request);
    std::string sts = SigV2StringToSign(req.view, e.bucket, e.virtual_host);
    EXPECT_EQ(sts, e.string_to_sign);
    EXPECT_EQ(SigV2Signature(kExample.secret_key, sts), e.signature);
  }
}

TEST(SigV2Test, VerifyAcceptsDocumentedRequests) {
  for (const DocExample& e : DocExamples()) {
    SCOPED_TRACE(e.name);
    auto req = ParseHttpRequest(e.request);
    Result<AuthResult> result =
        Verify(req.view, Context(Epoch(e.signed_at + 60), e.bucket, e.virtual_host));
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_EQ(result->user, &kExample);
    EXPECT_EQ(result->scheme, AuthScheme::kSigV2Header);
    EXPECT_TRUE(result->payload_hash.empty());
  }
}

TEST(SigV2Test, AwsExampleBucketGetMatchesRecomputedSignature) {
  RequestView req;
  req.method = "GET";
  req.raw_path = "/photos/puppy.jpg";
  req.headers = {{"host", "awsexamplebucket1.us-west-1.s3.amazonaws.com"},
                 {"date", "Tue, 27 Mar 2007 19:36:42 +0000"}};
  std::string sts = SigV2StringToSign(req, "awsexamplebucket1", true);
  EXPECT_EQ(sts, "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg");
  EXPECT_EQ(SigV2Signature(kExample.secret_key, sts), "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=");

  RequestView path_style = req;
  path_style.raw_path = "/awsexamplebucket1/photos/puppy.jpg";
  EXPECT_EQ(SigV2StringToSign(path_style, "awsexamplebucket1", false), sts);
}

TEST(SigV2Test, StringToSignIncludesSubresourcesAndAmzHeaders) {
  auto req = ParseHttpRequest(
      "POST /bucket/big%20file.bin?uploads&prefix=ignored&versionId=3 HTTP/1.1\n"
      "Host: localhost:9000\n"
      "Date: Tue, 27 Mar 2007 19:36:42 +0000\n"
      "Content-Type:  text/plain \n"
      "X-Amz-Meta-Color: blue\n"
      "x-amz-meta-a:  first  \n"
      "x-amz-meta-a: second\n"
      "X-Amz-Storage-Class: STANDARD\n\n");
  EXPECT_EQ(SigV2StringToSign(req.view, "bucket", false),
            "POST\n\ntext/plain\nTue, 27 Mar 2007 19:36:42 +0000\n"
            "x-amz-meta-a:first,second\nx-amz-meta-color:blue\nx-amz-storage-class:STANDARD\n"
            "/bucket/big%20file.bin?uploads&versionId=3");
}

TEST(SigV2Test, SubresourcesAreSortedAndValuesSignedDecoded) {
  RequestView req;
  req.method = "GET";
  req.raw_path = "/key";
  req.query = {{"response-content-type", "text/plain; charset=utf-8", true},
               {"uploadId", "abc", true},
               {"partNumber", "2", true},
               {"max-keys", "5", true}};
  EXPECT_EQ(SigV2StringToSign(req, "b", true),
            "GET\n\n\n\n/b/key?partNumber=2&response-content-type=text/plain; "
            "charset=utf-8&uploadId=abc");
}

TEST(SigV2Test, DateLineIsEmptyWhenXAmzDateIsPresent) {
  RequestView req;
  req.method = "DELETE";
  req.raw_path = "/johnsmith/photos/puppy.jpg";
  req.headers = {{"date", "Tue, 27 Mar 2007 21:20:27 +0000"},
                 {"x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"}};
  EXPECT_EQ(SigV2StringToSign(req, "johnsmith", false),
            "DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n"
            "/johnsmith/photos/puppy.jpg");
}

TEST(SigV2Test, VirtualHostRootGetsSlash) {
  RequestView req;
  req.method = "GET";
  EXPECT_EQ(SigV2StringToSign(req, "bucket", true), "GET\n\n\n\n/bucket/");
  EXPECT_EQ(SigV2StringToSign(req, "", false), "GET\n\n\n\n/");
}

TEST(SigV2Test, ParsesAuthorizationHeader) {
  Result<SigV2Header> parsed = ParseSigV2Authorization("AWS AKID:c2ln+/=");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->access_key, "AKID");
  EXPECT_EQ(parsed->signature, "c2ln+/=");
  for (const char* bad : {"AWS AKID", "AWS :sig", "AWS AKID:", "AWS "}) {
    SCOPED_TRACE(bad);
    Result<SigV2Header> r = ParseSigV2Authorization(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(),
              "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature");
  }
}

TEST(SigV2Test, VerifyRejectsWrongSignatureWithS3Details) {
  auto req = ParseHttpRequest(DocExamples()[0].request);
  SetHeader(req.view, "authorization", "AWS AKIAIOSFODNN7EXAMPLE:AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  Result<AuthResult> result = Verify(req.view, Context(Epoch(kExampleTime), "johnsmith", true));
  ASSERT_FALSE(result.ok());
  const Status& s = result.status();
  EXPECT_EQ(s.code(), ErrorCode::kSignatureDoesNotMatch);
  std::vector<std::string> names;
  for (const auto& [n, v] : s.extra()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"AWSAccessKeyId", "StringToSign", "SignatureProvided",
                                             "StringToSignBytes"}));
  EXPECT_EQ(Extra(s, "StringToSign"), DocExamples()[0].string_to_sign);
  EXPECT_EQ(Extra(s, "SignatureProvided"), "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  EXPECT_EQ(Extra(s, "StringToSignBytes").substr(0, 11), "47 45 54 0a");
}

TEST(SigV2Test, VerifyRejectsTamperedRequest) {
  auto req = ParseHttpRequest(DocExamples()[0].request);
  req.view.raw_path = "/photos/kitten.jpg";
  Result<AuthResult> result = Verify(req.view, Context(Epoch(kExampleTime), "johnsmith", true));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV2Test, VerifyRejectsUnknownKeySkewAndMissingDate) {
  auto req = ParseHttpRequest(DocExamples()[0].request);
  VerifyContext ctx = Context(Epoch(kExampleTime), "johnsmith", true);

  RequestView unknown = req.view;
  SetHeader(unknown, "authorization", "AWS NOBODY:bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  Result<AuthResult> r1 = Verify(unknown, ctx);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.status().code(), ErrorCode::kInvalidAccessKeyId);
  EXPECT_EQ(Extra(r1.status(), "AWSAccessKeyId"), "NOBODY");

  Result<AuthResult> r2 = Verify(req.view, Context(Epoch(kExampleTime + 901), "johnsmith", true));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), ErrorCode::kRequestTimeTooSkewed);
  EXPECT_EQ(Extra(r2.status(), "RequestTime"), "Tue, 27 Mar 2007 19:36:42 +0000");
  EXPECT_EQ(Extra(r2.status(), "ServerTime"), "2007-03-27T19:51:43Z");

  RequestView no_date = req.view;
  testing::RemoveHeader(no_date, "date");
  Result<AuthResult> r3 = Verify(no_date, ctx);
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.status().code(), ErrorCode::kAccessDenied);
  EXPECT_EQ(r3.status().message(), "AWS authentication requires a valid Date or x-amz-date header");
}

TEST(SigV2Test, VerifyAcceptsEveryHttpDateForm) {
  for (const char* date : {"Tue, 27 Mar 2007 19:36:42 GMT", "Tuesday, 27-Mar-07 19:36:42 GMT",
                           "Tue Mar 27 19:36:42 2007", "Tue, 27 Mar 2007 21:36:42 +0200"}) {
    SCOPED_TRACE(date);
    RequestView req;
    req.method = "GET";
    req.raw_path = "/photos/puppy.jpg";
    req.headers = {{"host", "johnsmith.s3.amazonaws.com"}, {"date", date}};
    std::string sig =
        SigV2Signature(kExample.secret_key, SigV2StringToSign(req, "johnsmith", true));
    req.headers.emplace_back("authorization", "AWS " + kExample.access_key + ":" + sig);
    VerifyContext ctx = Context(Epoch(kExampleTime), "johnsmith", true);
    ctx.max_skew = std::chrono::seconds(0);
    Result<AuthResult> result = Verify(req, ctx);
    EXPECT_TRUE(result.ok()) << result.status().message();
  }
}

// The query-string example of the guide (bucket "johnsmith", as signed).
RequestView DocPresigned() {
  return ParseHttpRequest(
             "GET /photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&"
             "Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620 HTTP/1.1\n"
             "Host: johnsmith.s3.amazonaws.com\n\n")
      .view;
}

TEST(SigV2QueryTest, AcceptsDocumentedPresignedUrlBeforeExpiry) {
  RequestView req = DocPresigned();
  EXPECT_EQ(SigV2StringToSign(req, "johnsmith", true, "1175139620"),
            "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg");
  Result<AuthResult> result = Verify(req, Context(Epoch(1175139620), "johnsmith", true));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->user, &kExample);
  EXPECT_EQ(result->scheme, AuthScheme::kSigV2Query);
}

TEST(SigV2QueryTest, AcceptsUnescapedPlusInSignature) {
  RequestView req = ParseHttpRequest(
                        "GET /photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&"
                        "Signature=NpgCjnDzrM+WFzoENXmpNDUsSn8=&Expires=1175139620 HTTP/1.1\n"
                        "Host: johnsmith.s3.amazonaws.com\n\n")
                        .view;
  EXPECT_TRUE(Verify(req, Context(Epoch(1175139000), "johnsmith", true)).ok());
}

TEST(SigV2QueryTest, RejectsExpiredPresignedUrl) {
  Result<AuthResult> result = Verify(DocPresigned(), Context(Epoch(1175139621), "johnsmith", true));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kAccessDenied);
  EXPECT_EQ(result.status().message(), "Request has expired");
  EXPECT_EQ(Extra(result.status(), "Expires"), "2007-03-29T03:40:20Z");
  EXPECT_EQ(Extra(result.status(), "ServerTime"), "2007-03-29T03:40:21Z");
}

TEST(SigV2QueryTest, RejectsTamperedAndIncompletePresignedUrls) {
  RequestView tampered = DocPresigned();
  for (QueryParam& q : tampered.query) {
    if (q.name == "Expires") q.value = "1175139999";
  }
  Result<AuthResult> r1 = Verify(tampered, Context(Epoch(1175139000), "johnsmith", true));
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.status().code(), ErrorCode::kSignatureDoesNotMatch);
  EXPECT_EQ(Extra(r1.status(), "StringToSign"), "GET\n\n\n1175139999\n/johnsmith/photos/puppy.jpg");

  RequestView incomplete = DocPresigned();
  testing::RemoveQuery(incomplete, "Expires");
  Result<AuthResult> r2 = Verify(incomplete, Context(Epoch(1175139000), "johnsmith", true));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), ErrorCode::kAccessDenied);

  RequestView bad_expires = DocPresigned();
  for (QueryParam& q : bad_expires.query) {
    if (q.name == "Expires") q.value = "tomorrow";
  }
  Result<AuthResult> r3 = Verify(bad_expires, Context(Epoch(1175139000), "johnsmith", true));
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.status().code(), ErrorCode::kAccessDenied);
}

}  // namespace
}  // namespace s2lite::auth
