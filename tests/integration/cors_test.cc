// CORS over sockets: ?cors CRUD, the unsigned OPTIONS preflight, and the
// Access-Control-* headers on actual (success and error) responses.
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "server_fixture.h"

namespace s2lite::testing {
namespace {

constexpr char kRules[] = R"(<CORSConfiguration>
  <CORSRule>
    <ID>app</ID>
    <AllowedOrigin>http://*.app.test</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedHeader>content-type</AllowedHeader>
    <AllowedHeader>x-amz-*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>600</MaxAgeSeconds>
  </CORSRule>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>HEAD</AllowedMethod>
  </CORSRule>
</CORSConfiguration>)";

std::string ContentMd5(const std::string& body) {
  auto d = common::Md5(body);
  return common::Base64Encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

class CorsTest : public ServerTest {
 protected:
  HttpResponse PutCors(TestClient& c, const std::string& body, bool md5 = true) {
    HttpRequest r;
    r.method = "PUT";
    r.target = "/alice-bucket?cors";
    r.body = body;
    if (md5) r.headers.emplace_back("Content-MD5", ContentMd5(body));
    return c.Send(r);
  }
  HttpResponse Preflight(const std::string& target,
                         std::vector<std::pair<std::string, std::string>> h) {
    HttpRequest r;
    r.method = "OPTIONS";
    r.target = target;
    r.sign = Sign::kNone;
    r.headers = std::move(h);
    return alice_->Send(r);
  }
};

TEST_F(CorsTest, PutGetDeleteConfiguration) {
  HttpRequest get;
  get.target = "/alice-bucket?cors";
  HttpResponse none = alice_->Send(get);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.Xml("Code"), "NoSuchCORSConfiguration");
  EXPECT_EQ(none.Xml("BucketName"), "alice-bucket");

  EXPECT_EQ(PutCors(*alice_, kRules).status, 200);
  HttpResponse got = alice_->Send(get);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.XmlAll("CORSRule").size(), 2u);
  EXPECT_EQ(got.Xml("ID"), "app");
  EXPECT_EQ(got.XmlAll("AllowedMethod"), (std::vector<std::string>{"PUT", "GET", "HEAD"}));
  EXPECT_EQ(got.Xml("MaxAgeSeconds"), "600");

  HttpRequest del;
  del.method = "DELETE";
  del.target = "/alice-bucket?cors";
  EXPECT_EQ(alice_->Send(del).status, 204);
  EXPECT_EQ(alice_->Send(get).status, 404);
}

TEST_F(CorsTest, PutValidatesLikeS3) {
  HttpResponse r = PutCors(*alice_, kRules, /*md5=*/false);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "InvalidRequest");
  EXPECT_EQ(r.XmlText("Message"), "Missing required header for this request: Content-MD5");

  r = PutCors(*alice_,
              "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
              "<AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "InvalidRequest");
  EXPECT_EQ(r.XmlText("Message"),
            "Found unsupported HTTP method in CORS config. Unsupported method is PATCH");

  r = PutCors(*alice_,
              "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
              "</CORSRule></CORSConfiguration>");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "MalformedXML");
}

TEST_F(CorsTest, OnlyTheOwnerReadsOrWritesTheConfiguration) {
  HttpResponse r = PutCors(*bob_, kRules);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Xml("Code"), "AccessDenied");
  HttpRequest get;
  get.target = "/alice-bucket?cors";
  EXPECT_EQ(bob_->Send(get).status, 403);
  get.sign = Sign::kNone;
  EXPECT_EQ(alice_->Send(get).status, 403);  // anonymous
}

TEST_F(CorsTest, PreflightWithoutAConfigurationIsForbidden) {
  HttpResponse r = Preflight("/alice-bucket/k", {{"Origin", "http://a.app.test"},
                                                 {"Access-Control-Request-Method", "PUT"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Xml("Code"), "AccessForbidden");
  EXPECT_EQ(r.XmlText("Message"), "CORSResponse: CORS is not enabled for this bucket.");
  EXPECT_EQ(r.Xml("Method"), "PUT");
  EXPECT_EQ(r.Xml("ResourceType"), "OBJECT");
}

TEST_F(CorsTest, PreflightIsAnsweredWithoutASignature) {
  ASSERT_EQ(PutCors(*alice_, kRules).status, 200);
  HttpResponse r = Preflight("/alice-bucket/photo.png",
                             {{"Origin", "http://www.app.test"},
                              {"Access-Control-Request-Method", "PUT"},
                              {"Access-Control-Request-Headers", "Content-Type, X-Amz-Date"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("access-control-allow-origin"), "http://www.app.test");
  EXPECT_EQ(r.Header("access-control-allow-methods"), "PUT, GET");
  EXPECT_EQ(r.Header("access-control-allow-headers"), "content-type, x-amz-date");
  EXPECT_EQ(r.Header("access-control-expose-headers"), "ETag");
  EXPECT_EQ(r.Header("access-control-max-age"), "600");
  EXPECT_EQ(r.Header("access-control-allow-credentials"), "true");
  EXPECT_NE(r.Header("vary").find("Origin"), std::string::npos);
  EXPECT_TRUE(r.body.empty());

  // The "*" rule answers "*" and no credentials.
  r = Preflight("/alice-bucket",
                {{"Origin", "http://anyone.test"}, {"Access-Control-Request-Method", "HEAD"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("access-control-allow-origin"), "*");
  EXPECT_EQ(r.Header("access-control-allow-credentials"), "");
}

TEST_F(CorsTest, PreflightThatNoRuleAllowsIsForbidden) {
  ASSERT_EQ(PutCors(*alice_, kRules).status, 200);
  const std::string msg =
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
      "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
      "are not whitelisted by the resource's CORS spec.";
  struct Case {
    std::string origin, method, headers;
  };
  for (const Case& c :
       {Case{"http://evil.test", "PUT", ""}, Case{"http://www.app.test", "DELETE", ""},
        Case{"http://www.app.test", "PUT", "authorization"}}) {
    SCOPED_TRACE(c.origin + " " + c.method + " " + c.headers);
    std::vector<std::pair<std::string, std::string>> h = {
        {"Origin", c.origin}, {"Access-Control-Request-Method", c.method}};
    if (!c.headers.empty()) h.emplace_back("Access-Control-Request-Headers", c.headers);
    HttpResponse r = Preflight("/alice-bucket/k", h);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.Xml("Code"), "AccessForbidden");
    EXPECT_EQ(r.XmlText("Message"), msg);
    EXPECT_EQ(r.Header("access-control-allow-origin"), "");
  }
}

TEST_F(CorsTest, PreflightNeedsOriginAndMethod) {
  ASSERT_EQ(PutCors(*alice_, kRules).status, 200);
  HttpResponse r = Preflight("/alice-bucket/k", {{"Access-Control-Request-Method", "PUT"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "BadRequest");
  EXPECT_EQ(r.XmlText("Message"), "Insufficient information. Origin request header needed.");
  r = Preflight("/alice-bucket/k", {{"Origin", "http://www.app.test"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "BadRequest");
}

TEST_F(CorsTest, ActualResponsesCarryTheHeadersErrorsToo) {
  ASSERT_EQ(PutCors(*alice_, kRules).status, 200);
  HttpRequest put;
  put.method = "PUT";
  put.target = "/alice-bucket/k";
  put.body = "hello";
  put.headers = {{"Origin", "http://www.app.test"}};
  HttpResponse r = alice_->Send(put);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("access-control-allow-origin"), "http://www.app.test");
  EXPECT_EQ(r.Header("access-control-expose-headers"), "ETag");
  EXPECT_NE(r.Header("vary").find("Origin"), std::string::npos);

  HttpRequest get;
  get.target = "/alice-bucket/missing";
  get.headers = {{"Origin", "http://www.app.test"}};
  r = alice_->Send(get);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("access-control-allow-origin"), "http://www.app.test");

  // Not allowed: no headers (DELETE is in no rule; another origin).
  HttpRequest del;
  del.method = "DELETE";
  del.target = "/alice-bucket/k";
  del.headers = {{"Origin", "http://www.app.test"}};
  EXPECT_EQ(alice_->Send(del).Header("access-control-allow-origin"), "");
  get.headers = {{"Origin", "http://evil.test"}};
  EXPECT_EQ(alice_->Send(get).Header("access-control-allow-origin"), "");
  // No Origin: no CORS headers.
  get.headers.clear();
  EXPECT_EQ(alice_->Send(get).Header("access-control-allow-origin"), "");
}

class CorsDefaultTest : public CorsTest {
 protected:
  Options MakeOptions() override {
    Options o = ServerTest::MakeOptions();
    o.cors_allow_origins = {"http://localhost:*"};
    return o;
  }
};

TEST_F(CorsDefaultTest, TheFlagAllowsItsOriginOnBucketsWithoutAConfiguration) {
  HttpResponse r = Preflight("/alice-bucket/k",
                             {{"Origin", "http://localhost:5173"},
                              {"Access-Control-Request-Method", "DELETE"},
                              {"Access-Control-Request-Headers", "authorization,x-amz-date"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("access-control-allow-origin"), "http://localhost:5173");
  EXPECT_NE(r.Header("access-control-expose-headers").find("ETag"), std::string::npos);
  r = Preflight("/alice-bucket/k",
                {{"Origin", "http://other.test"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(r.status, 403);

  // GetBucketCors still reports the bucket's own (absent) configuration.
  HttpRequest get;
  get.target = "/alice-bucket?cors";
  EXPECT_EQ(alice_->Send(get).status, 404);

  // A bucket's own configuration replaces the default.
  ASSERT_EQ(PutCors(*alice_, kRules).status, 200);
  r = Preflight("/alice-bucket/k",
                {{"Origin", "http://localhost:5173"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(r.status, 403);
}

}  // namespace
}  // namespace s2lite::testing
