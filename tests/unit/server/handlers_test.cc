// Handlers called directly, without sockets (tests/unit/server/handler_harness.h).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/crypto.h"
#include "tests/unit/server/handler_harness.h"

namespace s2lite::server {
namespace {

using testing::HandlerHarness;

std::string ContentMd5(const std::string& body) {
  common::Md5Digest d = common::Md5(body);
  return common::Base64Encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

class HandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(h_.state().store, nullptr);
    Response r = h_.Do("PUT", "/photos");
    ASSERT_TRUE(r.error.ok()) << r.error;
    ASSERT_EQ(r.status, 200);
  }
  HandlerHarness h_;
};

TEST_F(HandlersTest, PutThenGetReturnsTheBytesAndTheirEtag) {
  Response put = h_.Do("PUT", "/photos/a/b.txt", "hello world", {{"Content-Type", "text/plain"}});
  ASSERT_TRUE(put.error.ok()) << put.error;
  const std::string* etag = HandlerHarness::Header(put, "ETag");
  ASSERT_NE(etag, nullptr);
  EXPECT_EQ(*etag, "\"" + common::HexEncode(common::Md5("hello world")) + "\"");

  Response get = h_.Do("GET", "/photos/a/b.txt");
  ASSERT_TRUE(get.error.ok()) << get.error;
  EXPECT_EQ(HandlerHarness::Body(get), "hello world");
  ASSERT_NE(HandlerHarness::Header(get, "Content-Type"), nullptr);
  EXPECT_EQ(*HandlerHarness::Header(get, "Content-Type"), "text/plain");

  Response missing = h_.Do("GET", "/photos/nope");
  EXPECT_EQ(missing.error.code(), ErrorCode::kNoSuchKey);
}

TEST_F(HandlersTest, ListObjectsV2GroupsByDelimiter) {
  for (const char* key : {"a/1", "a/2", "b"}) {
    ASSERT_TRUE(h_.Do("PUT", std::string("/photos/") + key, "x").error.ok());
  }
  Response list = h_.Do("GET", "/photos?list-type=2&delimiter=%2F");
  ASSERT_TRUE(list.error.ok()) << list.error;
  const std::string xml = HandlerHarness::Body(list);
  EXPECT_NE(xml.find("<CommonPrefixes><Prefix>a/</Prefix></CommonPrefixes>"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<Key>b</Key>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<Key>a/1</Key>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<KeyCount>2</KeyCount>"), std::string::npos) << xml;
}

TEST_F(HandlersTest, IfNoneMatchStarRefusesASecondCreate) {
  Response first = h_.Do("PUT", "/photos/lock", "1", {{"If-None-Match", "*"}});
  ASSERT_TRUE(first.error.ok()) << first.error;
  Response second = h_.Do("PUT", "/photos/lock", "2", {{"If-None-Match", "*"}});
  EXPECT_EQ(second.error.code(), ErrorCode::kPreconditionFailed);
  Response get = h_.Do("GET", "/photos/lock");
  EXPECT_EQ(HandlerHarness::Body(get), "1");
}

TEST_F(HandlersTest, BucketTaggingRoundTripsAndIsAbsentBeforehand) {
  EXPECT_EQ(h_.Do("GET", "/photos?tagging").error.code(), ErrorCode::kNoSuchTagSet);
  const std::string xml =
      "<Tagging><TagSet><Tag><Key>team</Key><Value>core</Value></Tag></TagSet></Tagging>";
  Response put = h_.Do("PUT", "/photos?tagging", xml, {{"Content-MD5", ContentMd5(xml)}});
  ASSERT_TRUE(put.error.ok()) << put.error;
  Response get = h_.Do("GET", "/photos?tagging");
  ASSERT_TRUE(get.error.ok()) << get.error;
  const std::string body = HandlerHarness::Body(get);
  EXPECT_NE(body.find("<Key>team</Key>"), std::string::npos) << body;
  EXPECT_NE(body.find("<Value>core</Value>"), std::string::npos) << body;
}

TEST_F(HandlersTest, MalformedCorsConfigurationIsRefused) {
  const std::string xml = "<CORSConfiguration><CORSRule></CORSRule></CORSConfiguration>";
  Response put = h_.Do("PUT", "/photos?cors", xml, {{"Content-MD5", ContentMd5(xml)}});
  EXPECT_EQ(put.error.code(), ErrorCode::kMalformedXML);
  EXPECT_EQ(h_.Do("GET", "/photos?cors").error.code(), ErrorCode::kNoSuchCORSConfiguration);
}

// A new bucket: ACLs disabled (BucketOwnerEnforced) until its ownership
// controls are deleted, after which GET is S3's 404 and ACLs are taken.
TEST_F(HandlersTest, OwnershipDefaultsToEnforcedAndDeletingItEnablesAcls) {
  Response own = h_.Do("GET", "/photos?ownershipControls");
  ASSERT_TRUE(own.error.ok()) << own.error;
  EXPECT_NE(HandlerHarness::Body(own).find("<ObjectOwnership>BucketOwnerEnforced<"),
            std::string::npos);
  EXPECT_EQ(h_.Do("PUT", "/photos/a", "x", {{"x-amz-acl", "public-read"}}).error.code(),
            ErrorCode::kAccessControlListNotSupported);
  EXPECT_TRUE(
      h_.Do("PUT", "/photos/a", "x", {{"x-amz-acl", "bucket-owner-full-control"}}).error.ok());
  EXPECT_EQ(h_.Do("PUT", "/photos?acl", "", {{"x-amz-acl", "private"}}).error.code(),
            ErrorCode::kAccessControlListNotSupported);

  Response del = h_.Do("DELETE", "/photos?ownershipControls");
  ASSERT_TRUE(del.error.ok()) << del.error;
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(h_.Do("GET", "/photos?ownershipControls").error.code(),
            ErrorCode::kOwnershipControlsNotFoundError);
  EXPECT_TRUE(h_.Do("PUT", "/photos/a", "x", {{"x-amz-acl", "public-read"}}).error.ok());
  EXPECT_TRUE(h_.Do("PUT", "/photos?acl", "", {{"x-amz-acl", "private"}}).error.ok());
}

TEST_F(HandlersTest, AnotherUsersBucketIsRefusedBeforeTheHandler) {
  h_.set_user({"mallory", "AKM", "secret-m", false});
  EXPECT_EQ(h_.Do("GET", "/photos?list-type=2").error.code(), ErrorCode::kAccessDenied);
  EXPECT_EQ(h_.Do("PUT", "/photos/x", "evil").error.code(), ErrorCode::kAccessDenied);
}

TEST(HandlerHarnessClockTest, DatesComeFromTheInjectedClock) {
  Options options;
  const auto fixed = std::chrono::system_clock::time_point(std::chrono::seconds(1798761600));
  options.clock = [fixed] { return fixed; };  // 2027-01-01T00:00:00Z
  HandlerHarness h(options);
  ASSERT_TRUE(h.Do("PUT", "/dated").error.ok());
  Response list = h.Do("GET", "/");
  ASSERT_TRUE(list.error.ok()) << list.error;
  EXPECT_NE(
      HandlerHarness::Body(list).find("<CreationDate>2027-01-01T00:00:00.000Z</CreationDate>"),
      std::string::npos)
      << HandlerHarness::Body(list);
}

}  // namespace
}  // namespace s2lite::server
