#include "server/router.h"

#include <gtest/gtest.h>

#include "common/uri.h"

namespace s2lite::server {
namespace {

auth::RequestView View(std::string method, std::string target,
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
  auth::RequestView v;
  v.method = std::move(method);
  auto q = target.find('?');
  v.raw_path = target.substr(0, q);
  if (q != std::string::npos) v.query = *common::ParseQuery(target.substr(q + 1));
  v.headers = std::move(headers);
  return v;
}

struct RouteCase {
  std::string method, target, host;
  Op op;
  std::string bucket, key;
  std::vector<std::pair<std::string, std::string>> headers = {};
};

TEST(RouterTest, ParsesEveryOperationPathAndVirtualStyle) {
  const std::vector<std::string> domains = {"localhost", "s3.example.com"};
  std::vector<RouteCase> cases = {
      {"GET", "/", "localhost:9000", Op::kListBuckets, "", ""},
      {"PUT", "/b1", "127.0.0.1:9000", Op::kCreateBucket, "b1", ""},
      {"PUT", "/", "b1.localhost:9000", Op::kCreateBucket, "b1", ""},
      {"HEAD", "/b1/", "localhost", Op::kHeadBucket, "b1", ""},
      {"GET", "/b1?uploads", "localhost", Op::kListMultipartUploads, "b1", ""},
      {"GET", "/b1?list-type=2", "localhost", Op::kListObjectsV2, "b1", ""},
      {"GET", "/b1?location", "localhost", Op::kGetBucketLocation, "b1", ""},
      {"POST", "/b1?delete", "localhost", Op::kDeleteObjects, "b1", ""},
      {"POST", "/b1/a/b.txt?uploads", "localhost", Op::kCreateMultipartUpload, "b1", "a/b.txt"},
      {"POST", "/a/b.txt?uploads", "b1.s3.example.com", Op::kCreateMultipartUpload, "b1",
       "a/b.txt"},
      {"POST", "/a/b.txt?uploads=", "B1.LOCALHOST:80", Op::kCreateMultipartUpload, "b1", "a/b.txt"},
      {"PUT", "/b1/k?partNumber=1&uploadId=x", "localhost", Op::kUploadPart, "b1", "k"},
      {"PUT",
       "/b1/k?partNumber=1&uploadId=x",
       "localhost",
       Op::kUploadPartCopy,
       "b1",
       "k",
       {{"x-amz-copy-source", "/b1/src"}}},
      {"POST", "/b1/k?uploadId=x", "localhost", Op::kCompleteMultipartUpload, "b1", "k"},
      {"DELETE", "/b1/k?uploadId=x", "localhost", Op::kAbortMultipartUpload, "b1", "k"},
      {"GET", "/b1/k?uploadId=x", "localhost", Op::kListParts, "b1", "k"},
      {"PUT", "/b1/k", "localhost", Op::kPutObject, "b1", "k"},
      {"PUT", "/b1/k", "localhost", Op::kCopyObject, "b1", "k", {{"x-amz-copy-source", "b1/s"}}},
      {"GET", "/b1/k", "localhost", Op::kGetObject, "b1", "k"},
      {"HEAD", "/b1/k", "localhost", Op::kHeadObject, "b1", "k"},
      {"DELETE", "/b1/k", "localhost", Op::kDeleteObject, "b1", "k"},
      {"GET", "/b1/k?acl", "localhost", Op::kUnsupported, "b1", "k"},
      {"PUT", "/b1?cors", "localhost", Op::kPutBucketCors, "b1", ""},
      {"GET", "/?cors", "b1.localhost", Op::kGetBucketCors, "b1", ""},
      {"DELETE", "/b1?cors", "localhost", Op::kDeleteBucketCors, "b1", ""},
      {"OPTIONS", "/b1", "localhost", Op::kCorsPreflight, "b1", ""},
      {"OPTIONS", "/b1/k?uploadId=x&partNumber=1", "localhost", Op::kCorsPreflight, "b1", "k"},
      {"POST", "/b1", "localhost", Op::kPostObject, "b1", ""},
      {"POST", "/", "b1.localhost", Op::kPostObject, "b1", ""},
      {"GET", "/b1/dir//x/../y", "s2lite:9000", Op::kGetObject, "b1", "dir//x/../y"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.host + c.target);
    auto r = ParseRoute(View(c.method, c.target, c.headers), c.host, domains);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->op, c.op) << OpName(r->op);
    EXPECT_EQ(r->bucket, c.bucket);
    EXPECT_EQ(r->key, c.key);
  }
}

TEST(RouterTest, IpHostIsNeverVirtual) {
  auto r = ParseRoute(View("GET", "/b1/k"), "127.0.0.1:9000", {"0.0.1"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bucket, "b1");
  EXPECT_FALSE(r->virtual_host);
}

TEST(RouterTest, RefusesBadEncodingAndLongKeys) {
  EXPECT_EQ(ParseRoute(View("GET", "/b1/%zz"), "localhost", {"localhost"}).status().code(),
            ErrorCode::kInvalidURI);
  auto longkey = ParseRoute(View("GET", "/b1/" + std::string(1025, 'a')), "localhost", {});
  EXPECT_EQ(longkey.status().code(), ErrorCode::kKeyTooLongError);
  // 1024 bytes of UTF-8 after decoding is fine even though the wire form is longer.
  std::string euro;
  for (int i = 0; i < 341; ++i) euro += "%E2%82%AC";
  EXPECT_TRUE(ParseRoute(View("GET", "/b1/" + euro), "localhost", {}).ok());
}

TEST(RouterTest, RefusesKeysThatAreNotUtf8AndKeepsOddButValidOnes) {
  for (std::string bad : {"%FF", "a%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%E2%82", "%80x"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(ParseRoute(View("GET", "/b1/" + bad), "localhost", {}).status().code(),
              ErrorCode::kInvalidURI);
  }
  for (std::string good :
       {"..", "a/../../etc/passwd", "a//b///c", "a%00b", "%F0%9F%98%80", "%C3%A9", "%EF%BF%BD"}) {
    SCOPED_TRACE(good);
    EXPECT_TRUE(ParseRoute(View("GET", "/b1/" + good), "localhost", {}).ok());
  }
}

TEST(RouterTest, MethodNotAllowedIsDistinguishedFromNotImplemented) {
  auto patch = ParseRoute(View("PATCH", "/b1/k"), "localhost", {});
  ASSERT_TRUE(patch.ok());
  EXPECT_TRUE(patch->method_not_allowed);
  auto website = ParseRoute(View("PUT", "/b1?website"), "localhost", {});
  ASSERT_TRUE(website.ok());
  EXPECT_EQ(website->op, Op::kUnsupported);
  EXPECT_EQ(website->unsupported_what, "website");
  EXPECT_FALSE(website->method_not_allowed);
}

TEST(RouterTest, BucketAndObjectSubresourcesMapToTheirOperations) {
  struct Case {
    std::string method, target;
    Op op;
  } cases[] = {
      {"GET", "/b1?tagging", Op::kGetBucketTagging},
      {"PUT", "/b1?tagging", Op::kPutBucketTagging},
      {"DELETE", "/b1?tagging", Op::kDeleteBucketTagging},
      {"GET", "/b1/k?tagging", Op::kGetObjectTagging},
      {"PUT", "/b1/k?tagging", Op::kPutObjectTagging},
      {"DELETE", "/b1/k?tagging", Op::kDeleteObjectTagging},
      {"PUT", "/b1?lifecycle", Op::kPutBucketLifecycleConfiguration},
      {"DELETE", "/b1?lifecycle", Op::kDeleteBucketLifecycle},
      {"GET", "/b1?versioning", Op::kGetBucketVersioning},
      {"DELETE", "/b1?versioning", Op::kUnsupported},
      {"GET", "/b1?object-lock", Op::kGetObjectLockConfiguration},
      {"PUT", "/b1?object-lock", Op::kUnsupported},
      {"GET", "/b1?versions", Op::kListObjectVersions},
      {"GET", "/b1?publicAccessBlock", Op::kGetPublicAccessBlock},
      {"GET", "/b1/k?acl", Op::kUnsupported},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target);
    auto r = ParseRoute(View(c.method, c.target), "localhost", {});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->op, c.op) << OpName(r->op);
  }
}

TEST(BucketNameTest, FollowsS3Rules) {
  for (std::string ok :
       std::vector<std::string>{"abc", "my-bucket", "my.bucket.1", std::string(63, 'a')}) {
    SCOPED_TRACE(ok);
    EXPECT_TRUE(IsValidBucketName(ok));
  }
  for (std::string bad :
       std::vector<std::string>{"ab", "ABC", "a_b", "-ab", "ab-", "a..b", "a.-b", "10.0.0.1",
                                "xn--abc", "abc-s3alias", std::string(64, 'a')}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(IsValidBucketName(bad));
  }
}

}  // namespace
}  // namespace s2lite::server
