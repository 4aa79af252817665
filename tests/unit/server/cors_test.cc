#include "server/cors.h"

#include <gtest/gtest.h>

namespace s2lite::server {
namespace {

constexpr char kTwoRules[] = R"(<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <CORSRule>
    <ID>app</ID>
    <AllowedOrigin>https://*.example.com</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>content-type</AllowedHeader>
    <AllowedHeader>x-amz-*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
  </CORSRule>
</CORSConfiguration>)";

TEST(CorsTest, ParsesRulesAndRendersThemCanonically) {
  auto c = ParseCorsConfiguration(kTwoRules);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->rules.size(), 2u);
  EXPECT_EQ(c->rules[0].id, "app");
  EXPECT_EQ(c->rules[0].allowed_methods, (std::vector<std::string>{"PUT", "POST"}));
  EXPECT_EQ(c->rules[0].max_age_seconds, 3000);
  EXPECT_FALSE(c->rules[1].max_age_seconds);
  std::string xml = RenderCorsConfiguration(*c);
  EXPECT_EQ(xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><CORSRule>"
            "<ID>app</ID><AllowedHeader>content-type</AllowedHeader><AllowedHeader>x-amz-*"
            "</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST"
            "</AllowedMethod><AllowedOrigin>https://*.example.com</AllowedOrigin><ExposeHeader>"
            "ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule><CORSRule>"
            "<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>"
            "</CORSConfiguration>");
  // The canonical form parses back to itself.
  auto again = ParseCorsConfiguration(xml);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(RenderCorsConfiguration(*again), xml);
}

TEST(CorsTest, RefusesInvalidConfigurationsWithS3Errors) {
  struct Case {
    std::string body;
    ErrorCode code;
    std::string message;
  };
  auto rule = [](std::string inner) {
    return "<CORSConfiguration><CORSRule>" + inner + "</CORSRule></CORSConfiguration>";
  };
  std::string many = "<CORSConfiguration>";
  for (int i = 0; i < 101; ++i)
    many +=
        "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>";
  many += "</CORSConfiguration>";
  const Case cases[] = {
      {"not xml", ErrorCode::kMalformedXML, ""},
      {"<Other/>", ErrorCode::kMalformedXML, ""},
      {"<CORSConfiguration/>", ErrorCode::kMalformedXML, ""},
      {rule("<AllowedMethod>GET</AllowedMethod>"), ErrorCode::kMalformedXML, ""},
      {rule("<AllowedOrigin>*</AllowedOrigin>"), ErrorCode::kMalformedXML, ""},
      {rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><Bogus/>"),
       ErrorCode::kMalformedXML, ""},
      {rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
            "<MaxAgeSeconds>soon</MaxAgeSeconds>"),
       ErrorCode::kMalformedXML, ""},
      {rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>"),
       ErrorCode::kInvalidRequest,
       "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"},
      {rule("<AllowedOrigin>http://*.*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"),
       ErrorCode::kInvalidRequest,
       "AllowedOrigin \"http://*.*.com\" can not have more than one wildcard."},
      {rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
            "<AllowedHeader>x-*-*</AllowedHeader>"),
       ErrorCode::kInvalidRequest, "AllowedHeader \"x-*-*\" can not have more than one wildcard."},
      {rule("<ID>" + std::string(256, 'i') +
            "</ID><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"),
       ErrorCode::kInvalidRequest, "ID length should not exceed allowed limit of 255"},
      {many, ErrorCode::kMalformedXML, ""},
      {rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
            "<ExposeHeader>ETag&#13;&#10;Set-Cookie: x=1</ExposeHeader>"),
       ErrorCode::kMalformedXML, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 120));
    auto r = ParseCorsConfiguration(c.body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.code);
    if (!c.message.empty()) {
      EXPECT_EQ(r.status().message(), c.message);
    }
  }
}

TEST(CorsTest, WildcardMatchesOneRun) {
  EXPECT_TRUE(CorsWildcardMatch("*", "http://anything", false));
  EXPECT_TRUE(CorsWildcardMatch("https://*.example.com", "https://app.example.com", false));
  EXPECT_FALSE(CorsWildcardMatch("https://*.example.com", "https://example.com", false));
  EXPECT_FALSE(CorsWildcardMatch("https://*.example.com", "http://app.example.com", false));
  EXPECT_TRUE(CorsWildcardMatch("http://localhost:*", "http://localhost:5173", false));
  EXPECT_FALSE(CorsWildcardMatch("http://a.com", "http://A.com", false));
  EXPECT_TRUE(CorsWildcardMatch("X-Amz-*", "x-amz-date", true));
  EXPECT_FALSE(CorsWildcardMatch("ab*ba", "aba", false));  // head and tail may not overlap
}

TEST(CorsTest, MatchesOriginMethodAndEveryRequestedHeader) {
  auto c = ParseCorsConfiguration(kTwoRules);
  ASSERT_TRUE(c.ok());
  const CorsRule* r =
      MatchCorsRule(*c, "https://app.example.com", "PUT", {"content-type", "x-amz-meta-a"});
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id, "app");
  // A header no AllowedHeader covers: the first rule fails, the second has no PUT.
  EXPECT_EQ(MatchCorsRule(*c, "https://app.example.com", "PUT", {"authorization"}), nullptr);
  EXPECT_EQ(MatchCorsRule(*c, "https://app.example.com", "DELETE", {}), nullptr);
  // Falls through to the second rule.
  r = MatchCorsRule(*c, "https://elsewhere.org", "GET", {});
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->id.empty());
  EXPECT_EQ(MatchCorsRule(*c, "https://elsewhere.org", "GET", {"x-custom"}), nullptr);
}

TEST(CorsTest, ResponseHeadersFollowS3) {
  auto c = ParseCorsConfiguration(kTwoRules);
  ASSERT_TRUE(c.ok());
  auto h = CorsResponseHeaders(c->rules[0], "https://app.example.com", "Content-Type, x-amz-date");
  auto get = [&](std::string_view name) -> std::string {
    for (const auto& [n, v] : h)
      if (n == name) return v;
    return "<absent>";
  };
  EXPECT_EQ(get("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(get("Access-Control-Allow-Methods"), "PUT, POST");
  EXPECT_EQ(get("Access-Control-Allow-Headers"), "content-type, x-amz-date");
  EXPECT_EQ(get("Access-Control-Expose-Headers"), "ETag");
  EXPECT_EQ(get("Access-Control-Max-Age"), "3000");
  EXPECT_EQ(get("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(get("Vary"), "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");

  // A rule for exactly "*" answers "*" without credentials.
  h = CorsResponseHeaders(c->rules[1], "https://elsewhere.org", "");
  EXPECT_EQ(get("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(get("Access-Control-Allow-Credentials"), "<absent>");
  EXPECT_EQ(get("Access-Control-Allow-Headers"), "<absent>");
  EXPECT_EQ(get("Access-Control-Max-Age"), "<absent>");
}

TEST(CorsTest, DefaultRuleAllowsEveryMethodAndHeaderAndExposesETag) {
  CorsConfiguration c = DefaultCorsConfiguration({"http://localhost:*"});
  const CorsRule* r =
      MatchCorsRule(c, "http://localhost:3000", "DELETE", {"authorization", "x-amz-date"});
  ASSERT_NE(r, nullptr);
  EXPECT_NE(std::find(r->expose_headers.begin(), r->expose_headers.end(), "ETag"),
            r->expose_headers.end());
  EXPECT_EQ(MatchCorsRule(c, "http://evil.test", "GET", {}), nullptr);
  // The default renders as a valid configuration.
  EXPECT_TRUE(ParseCorsConfiguration(RenderCorsConfiguration(c)).ok());
}

TEST(CorsTest, SplitsHeaderLists) {
  EXPECT_EQ(SplitCorsHeaderList(" Content-Type ,x-amz-date,, X-Amz-Meta-A "),
            (std::vector<std::string>{"content-type", "x-amz-date", "x-amz-meta-a"}));
  EXPECT_TRUE(SplitCorsHeaderList("").empty());
}

}  // namespace
}  // namespace s2lite::server
