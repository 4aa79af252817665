#include "auth/sigv4.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace s2lite::auth {
namespace {

using testing::ParseHttpRequest;

constexpr std::string_view kEmptySha =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(SigV4ParseTest, ParsesAuthorizationWithAndWithoutSpaces) {
  for (const char* header :
       {"AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=ABCDEF0123",
        "AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;x-amz-date,Signature=abcdef0123",
        "AWS4-HMAC-SHA256 Signature=abcdef0123, SignedHeaders=host;x-amz-date, "
        "Credential=AKID/20130524/us-east-1/s3/aws4_request"}) {
    SCOPED_TRACE(header);
    Result<SigV4Header> parsed = ParseSigV4Authorization(header);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(parsed->credential.access_key, "AKID");
    EXPECT_EQ(parsed->credential.date, "20130524");
    EXPECT_EQ(parsed->credential.region, "us-east-1");
    EXPECT_EQ(parsed->credential.service, "s3");
    EXPECT_EQ(parsed->credential.terminator, "aws4_request");
    EXPECT_EQ(parsed->credential.Scope(), "20130524/us-east-1/s3/aws4_request");
    EXPECT_EQ(parsed->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
    EXPECT_EQ(parsed->signature, "abcdef0123");
  }
}

TEST(SigV4ParseTest, RejectsMalformedAuthorizationWithS3Messages) {
  const std::string kPrefix = "The authorization header is malformed; ";
  const std::string kThree =
      "the authorization header requires three components: Credential, SignedHeaders, and "
      "Signature.";
  const std::string kMalformedCredential =
      "the Credential is mal-formed; expecting "
      "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
  struct Case {
    std::string header;
    std::string message;
  };
  const std::string kTail = ", SignedHeaders=host, Signature=abc";
  std::vector<Case> cases = {
      {"AWS4-HMAC-SHA256", kThree},
      {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host",
       kThree},
      {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, Signature=abc", kThree},
      {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3" + kTail, kMalformedCredential},
      {"AWS4-HMAC-SHA256 Credential=/20130524/us-east-1/s3/aws4_request" + kTail,
       kMalformedCredential},
      {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request/x" + kTail,
       kMalformedCredential},
      {"AWS4-HMAC-SHA256 Credential=AK/2013052/us-east-1/s3/aws4_request" + kTail,
       "incorrect date format \"2013052\". This date in the credential must be in the format "
       "\"yyyyMMdd\"."},
      {"AWS4-HMAC-SHA256 Credential=AK/20131324/us-east-1/s3/aws4_request" + kTail,
       "incorrect date format \"20131324\". This date in the credential must be in the format "
       "\"yyyyMMdd\"."},
      {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_reques" + kTail,
       "incorrect terminal \"aws4_reques\". This endpoint uses \"aws4_request\"."},
      {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, Foo=bar" + kTail,
       "the authorization component \"Foo=bar\" is malformed."},
      {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders, "
       "Signature=abc",
       "the authorization component \"SignedHeaders\" is malformed."},
      {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, "
       "Signature=",
       "the authorization component \"Signature=\" is malformed."},
      {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request" + kTail +
           ", Signature=def",
       "the authorization component \"Signature=def\" is malformed."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.header);
    Result<SigV4Header> parsed = ParseSigV4Authorization(c.header);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), ErrorCode::kAuthorizationHeaderMalformed);
    EXPECT_EQ(parsed.status().message(), kPrefix + c.message);
  }
}

RequestView PresignedQuery(std::vector<QueryParam> extra, std::string_view skip = {}) {
  RequestView req;
  req.method = "GET";
  req.raw_path = "/bucket/key";
  std::vector<QueryParam> params = {
      {"X-Amz-Algorithm", "AWS4-HMAC-SHA256", true},
      {"X-Amz-Credential", "AK/20130524/us-east-1/s3/aws4_request", true},
      {"X-Amz-Date", "20130524T000000Z", true},
      {"X-Amz-Expires", "86400", true},
      {"X-Amz-SignedHeaders", "host", true},
      {"X-Amz-Signature", "abc", true},
  };
  for (QueryParam& p : params) {
    for (QueryParam& e : extra) {
      if (e.name == p.name) p = e;
    }
    if (p.name != skip) req.query.push_back(p);
  }
  return req;
}

TEST(SigV4ParseTest, ParsesPresignedQuery) {
  Result<SigV4Query> parsed = ParseSigV4Query(PresignedQuery({}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->auth.credential.Scope(), "20130524/us-east-1/s3/aws4_request");
  EXPECT_EQ(parsed->auth.signed_headers, std::vector<std::string>{"host"});
  EXPECT_EQ(parsed->auth.signature, "abc");
  EXPECT_EQ(parsed->amz_date, "20130524T000000Z");
  EXPECT_EQ(parsed->expires_seconds, 86400);
}

TEST(SigV4ParseTest, RejectsBadPresignedQueryWithS3Messages) {
  struct Case {
    std::string what;
    RequestView req;
    std::string message;
  };
  const std::string kMissing =
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
      "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";
  std::vector<Case> cases = {
      {"missing signature", PresignedQuery({}, "X-Amz-Signature"), kMissing},
      {"missing expires", PresignedQuery({}, "X-Amz-Expires"), kMissing},
      {"algorithm", PresignedQuery({{"X-Amz-Algorithm", "AWS4-HMAC-SHA1", true}}),
       "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""},
      {"credential", PresignedQuery({{"X-Amz-Credential", "AK/20130524/us-east-1", true}}),
       "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "
       "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."},
      {"date", PresignedQuery({{"X-Amz-Date", "2013-05-24T00:00:00Z", true}}),
       "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""},
      {"expires not a number", PresignedQuery({{"X-Amz-Expires", "soon", true}}),
       "X-Amz-Expires should be a number"},
      {"expires negative", PresignedQuery({{"X-Amz-Expires", "-1", true}}),
       "X-Amz-Expires must be non-negative"},
      {"expires over a week", PresignedQuery({{"X-Amz-Expires", "604801", true}}),
       "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires "
       "must be less than 604800 seconds"},
      {"credential date", PresignedQuery({{"X-Amz-Date", "20130525T000000Z", true}}),
       "Invalid credential date \"20130524\". This date is not the same as X-Amz-Date: "
       "\"20130525\"."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Result<SigV4Query> parsed = ParseSigV4Query(c.req);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), ErrorCode::kAuthorizationQueryParametersError);
    EXPECT_EQ(parsed.status().message(), c.message);
  }
}

TEST(SigV4ParseTest, AcceptsExpiresOfExactlyOneWeek) {
  EXPECT_TRUE(ParseSigV4Query(PresignedQuery({{"X-Amz-Expires", "604800", true}})).ok());
}

TEST(SigV4ParseTest, ParsesAmzDate) {
  EXPECT_EQ(ParseAmzDate("19700101T000000Z"), 0);
  EXPECT_EQ(ParseAmzDate("20150830T123600Z"), 1440938160);
  EXPECT_EQ(ParseAmzDate("20240229T235959Z"), 1709251199);
  for (const char* bad :
       {"", "20150830T123600", "20150830 123600Z", "20150230T000000Z", "20150830T243600Z",
        "20150830T126000Z", "2015083OT123600Z", "20150830T123600Z0"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ParseAmzDate(bad).has_value());
  }
}

// "Examples of how to derive a signing key for Signature Version 4", AWS General Reference.
TEST(SigV4ParseTest, SigningKeyMatchesAwsDerivationExample) {
  EXPECT_EQ(common::HexEncode(SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                         "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4CanonicalTest, S3DoesNotNormalizePath) {
  RequestView req;
  req.method = "GET";
  req.raw_path = "/bucket/a/../b//./c";
  EXPECT_EQ(CanonicalRequest(req, {}, kEmptySha),
            "GET\n/bucket/a/../b//./c\n\n\n\n" + std::string(kEmptySha));
}

TEST(SigV4CanonicalTest, S3DecodesThenEncodesPathOnce) {
  RequestView encoded;
  encoded.method = "GET";
  encoded.raw_path = "/bucket/%7Euser/a%20b/%E1%88%B4/x+y/%2A";
  RequestView raw = encoded;
  raw.raw_path = "/bucket/~user/a b/\xe1\x88\xb4/x+y/*";
  std::string expected_uri = "/bucket/~user/a%20b/%E1%88%B4/x%2By/%2A";
  EXPECT_EQ(CanonicalRequest(encoded, {}, kEmptySha),
            "GET\n" + expected_uri + "\n\n\n\n" + std::string(kEmptySha));
  EXPECT_EQ(CanonicalRequest(raw, {}, kEmptySha), CanonicalRequest(encoded, {}, kEmptySha));
}

TEST(SigV4CanonicalTest, EmptyPathIsSlash) {
  RequestView req;
  req.method = "GET";
  EXPECT_EQ(CanonicalRequest(req, {}, kEmptySha), "GET\n/\n\n\n\n" + std::string(kEmptySha));
}

TEST(SigV4CanonicalTest, QueryIsEncodedAndSortedAndBareParamsGetEquals) {
  RequestView req;
  req.method = "GET";
  req.raw_path = "/";
  req.query = {{"uploads", "", false},
               {"prefix", "a b/c", true},
               {"b", "2", true},
               {"b", "1", true},
               {"X-Amz-Signature", "dropped-when-presigned", true}};
  EXPECT_EQ(
      CanonicalRequest(req, {}, kEmptySha),
      "GET\n/\nX-Amz-Signature=dropped-when-presigned&b=1&b=2&prefix=a%20b%2Fc&uploads=\n\n\n" +
          std::string(kEmptySha));
  EXPECT_EQ(CanonicalRequest(req, {}, kEmptySha, {.presigned = true}),
            "GET\n/\nb=1&b=2&prefix=a%20b%2Fc&uploads=\n\n\n" + std::string(kEmptySha));
}

TEST(SigV4CanonicalTest, HeaderValuesAreTrimmedCollapsedAndJoined) {
  RequestView req;
  req.method = "PUT";
  req.raw_path = "/k";
  req.headers = {{"host", " h "},
                 {"x-amz-meta-a", "  one   two\tthree "},
                 {"x-amz-meta-a", "four"},
                 {"x-amz-meta-b", ""}};
  EXPECT_EQ(CanonicalRequest(req, {"host", "x-amz-meta-a", "x-amz-meta-b", "x-amz-missing"},
                             "UNSIGNED-PAYLOAD"),
            "PUT\n/k\n\nhost:h\nx-amz-meta-a:one two three,four\nx-amz-meta-b:\n"
            "x-amz-missing:\n\nhost;x-amz-meta-a;x-amz-meta-b;x-amz-missing\nUNSIGNED-PAYLOAD");
}

// The worked examples of the S3 SigV4 documentation, signed for service "s3".
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
struct S3DocExample {
  std::string name;
  std::string request;
  std::string signature;
};

TEST(SigV4CanonicalTest, MatchesS3DocumentationExamples) {
  const std::string kCred =
      "Authorization: AWS4-HMAC-SHA256 "
      "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,";
  std::vector<S3DocExample> examples = {
      {"GET object",
       "GET /test.txt HTTP/1.1\n"
       "Host: examplebucket.s3.amazonaws.com\n" +
           kCred +
           "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=x\n"
           "Range: bytes=0-9\n"
           "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
           "x-amz-date: 20130524T000000Z\n\n",
       "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
      {"PUT object",
       "PUT /test$file.text HTTP/1.1\n"
       "Host: examplebucket.s3.amazonaws.com\n"
       "Date: Fri, 24 May 2013 00:00:00 GMT\n" +
           kCred +
           "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
           "Signature=x\n"
           "x-amz-date: 20130524T000000Z\n"
           "x-amz-storage-class: REDUCED_REDUNDANCY\n"
           "x-amz-content-sha256: "
           "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n\n"
           "Welcome to Amazon S3.",
       "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
      {"GET bucket lifecycle",
       "GET /?lifecycle HTTP/1.1\n"
       "Host: examplebucket.s3.amazonaws.com\n" +
           kCred +
           "SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=x\n"
           "x-amz-date: 20130524T000000Z\n"
           "x-amz-content-sha256: "
           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\n",
       "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
      {"list objects",
       "GET /?max-keys=2&prefix=J HTTP/1.1\n"
       "Host: examplebucket.s3.amazonaws.com\n" +
           kCred +
           "SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=x\n"
           "x-amz-date: 20130524T000000Z\n"
           "x-amz-content-sha256: "
           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\n",
       "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
  };
  for (const S3DocExample& e : examples) {
    SCOPED_TRACE(e.name);
    auto req = ParseHttpRequest(e.request);
    Result<SigV4Header> auth = ParseSigV4Authorization(*req.view.Header("authorization"));
    ASSERT_TRUE(auth.ok()) << auth.status().message();
    std::string canonical =
        CanonicalRequest(req.view, auth->signed_headers, common::Sha256Hex(req.body));
    std::string sts = StringToSign("20130524T000000Z", auth->credential.Scope(), canonical);
    common::Sha256Digest key =
        SigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
    EXPECT_EQ(SignatureHex(key, sts), e.signature) << canonical;
  }
}

}  // namespace
}  // namespace s2lite::auth
