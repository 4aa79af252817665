// CreateBucket / HeadBucket / ListBuckets / DeleteBucket ownership rules.
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace s2lite::testing {
namespace {

class BucketTest : public ServerTest {
 protected:
  HttpResponse Do(TestClient& c, std::string method, std::string target, std::string body = "") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    return c.Send(r);
  }
};

TEST_F(BucketTest, CreateListHeadDelete) {
  EXPECT_EQ(Do(*bob_, "PUT", "/bob-bucket").status, 200);
  HttpResponse list = Do(*bob_, "GET", "/");
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("<Name>bob-bucket</Name>"), std::string::npos);
  EXPECT_EQ(list.body.find("alice-bucket"), std::string::npos) << "only the caller's buckets";
  EXPECT_EQ(list.Xml("DisplayName"), "bob");
  EXPECT_EQ(Do(*bob_, "HEAD", "/bob-bucket").status, 200);
  EXPECT_EQ(Do(*bob_, "DELETE", "/bob-bucket").status, 204);
  EXPECT_EQ(Do(*bob_, "HEAD", "/bob-bucket").status, 404);
}

TEST_F(BucketTest, RecreatingOwnBucketInUsEast1Succeeds) {
  EXPECT_EQ(Do(*alice_, "PUT", "/alice-bucket").status, 200);
}

TEST_F(BucketTest, SomeoneElsesBucketAlreadyExists) {
  HttpResponse r = Do(*bob_, "PUT", "/alice-bucket");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.Xml("Code"), "BucketAlreadyExists");
  EXPECT_EQ(Do(*bob_, "HEAD", "/alice-bucket").status, 403);
}

TEST_F(BucketTest, InvalidNamesAreRefused) {
  for (std::string name : std::vector<std::string>{"ab", "Upper-Case", "under_score", "-dash",
                                                   "192.168.1.1", "a..b", std::string(64, 'a')}) {
    SCOPED_TRACE(name);
    HttpResponse r = Do(*alice_, "PUT", "/" + name);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.Xml("Code"), "InvalidBucketName");
  }
}

TEST_F(BucketTest, LocationConstraintForAnotherRegionIsRefused) {
  std::string body =
      "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>"
      "</CreateBucketConfiguration>";
  HttpResponse r = Do(*alice_, "PUT", "/elsewhere", body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "IllegalLocationConstraintException");
  EXPECT_EQ(Do(*alice_, "PUT", "/elsewhere", "<CreateBucketConfiguration").Xml("Code"),
            "MalformedXML");
}

TEST_F(BucketTest, BucketsSurviveRestart) {
  ASSERT_EQ(Do(*bob_, "PUT", "/bob-durable").status, 200);
  RestartServer();
  EXPECT_EQ(Do(*bob_, "HEAD", "/bob-durable").status, 200);
}

class OtherRegionTest : public BucketTest {
 protected:
  Options MakeOptions() override {
    Options o = BucketTest::MakeOptions();
    o.region = "eu-central-1";
    return o;
  }
};

TEST_F(OtherRegionTest, RecreatingOwnBucketOutsideUsEast1Conflicts) {
  TestClient alice(server_->port(), "AKIAALICE", "alice-secret", "eu-central-1");
  HttpResponse r = Do(alice, "PUT", "/alice-bucket");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.Xml("Code"), "BucketAlreadyOwnedByYou");
  // A credential scoped to another region is refused.
  HttpResponse wrong = Do(*alice_, "GET", "/");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.Xml("Code"), "AuthorizationHeaderMalformed");
}

}  // namespace
}  // namespace s2lite::testing
