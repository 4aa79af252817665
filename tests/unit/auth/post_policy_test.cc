#include "auth/post_policy.h"

#include <gtest/gtest.h>

#include "common/crypto.h"

namespace s2lite::auth {
namespace {

using std::chrono::system_clock;

system_clock::time_point At(std::string_view iso) { return *ParseIso8601Utc(iso); }

// The policy boto3's generate_presigned_post writes, with a few more conditions.
const std::string kPolicy = R"({"expiration": "2026-12-06T15:00:00Z",
  "conditions": [
    {"bucket": "photos"},
    ["starts-with", "$key", "uploads/"],
    ["content-length-range", 10, "1048576"],
    ["starts-with", "$Content-Type", "image/"],
    {"x-amz-meta-tag": "holiday"},
    ["eq", "$success_action_status", "201"],
    {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
    {"x-amz-credential": "AKID/20261206/us-east-1/s3/aws4_request"},
    {"x-amz-date": "20261206T140000Z"}
  ]})";

FormFields GoodForm() {
  return {{"key", "uploads/${filename}"},
          {"content-type", "image/png"},
          {"x-amz-meta-tag", "holiday"},
          {"success_action_status", "201"},
          {"x-amz-algorithm", "AWS4-HMAC-SHA256"},
          {"x-amz-credential", "AKID/20261206/us-east-1/s3/aws4_request"},
          {"x-amz-date", "20261206T140000Z"},
          {"policy", "..."},
          {"x-amz-signature", "..."},
          {"x-ignore-note", "anything"}};
}

TEST(PostPolicyTest, ParsesExpirationAndConditions) {
  auto p = ParsePostPolicy(common::Base64Encode(kPolicy));
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->expiration, At("2026-12-06T15:00:00.000Z"));
  EXPECT_EQ(p->conditions.size(), 9u);
  ASSERT_TRUE(p->length_range);
  EXPECT_EQ(p->length_range->first, 10);
  EXPECT_EQ(p->length_range->second, 1048576);
  EXPECT_EQ(p->conditions[3].field, "content-type");  // field names are case-insensitive
}

TEST(PostPolicyTest, AcceptsAFormThatMeetsEveryCondition) {
  auto p = ParsePostPolicy(common::Base64Encode(kPolicy));
  ASSERT_TRUE(p.ok());
  Status s = CheckPostPolicy(*p, GoodForm(), "photos", At("2026-12-06T14:30:00Z"));
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(PostPolicyTest, RefusesEachViolationWithS3sMessage) {
  auto p = ParsePostPolicy(common::Base64Encode(kPolicy));
  ASSERT_TRUE(p.ok());
  struct Case {
    std::string name;
    std::string bucket = "photos";
    std::string now = "2026-12-06T14:30:00Z";
    std::pair<std::string, std::string> change;  // field -> value ("" value: removed)
    bool remove = false;
    std::string message;
  };
  const Case cases[] = {
      {"expired",
       "photos",
       "2026-12-06T15:00:00Z",
       {},
       false,
       "Invalid according to Policy: Policy expired."},
      {"other bucket",
       "videos",
       "2026-12-06T14:30:00Z",
       {},
       false,
       "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$bucket\", "
       "\"photos\"]"},
      {"key prefix",
       "photos",
       "2026-12-06T14:30:00Z",
       {"key", "private/x"},
       false,
       "Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$key\", "
       "\"uploads/\"]"},
      {"content type",
       "photos",
       "2026-12-06T14:30:00Z",
       {"content-type", "text/html"},
       false,
       "Invalid according to Policy: Policy Condition failed: [\"starts-with\", "
       "\"$Content-Type\", \"image/\"]"},
      {"meta missing",
       "photos",
       "2026-12-06T14:30:00Z",
       {"x-amz-meta-tag", ""},
       true,
       "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$x-amz-meta-tag\", "
       "\"holiday\"]"},
      {"status",
       "photos",
       "2026-12-06T14:30:00Z",
       {"success_action_status", "200"},
       false,
       "Invalid according to Policy: Policy Condition failed: [\"eq\", "
       "\"$success_action_status\", \"201\"]"},
      {"extra field",
       "photos",
       "2026-12-06T14:30:00Z",
       {"x-amz-meta-other", "x"},
       false,
       "Invalid according to Policy: Extra input fields: x-amz-meta-other"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FormFields form = GoodForm();
    if (!c.change.first.empty()) {
      bool found = false;
      for (auto it = form.begin(); it != form.end(); ++it) {
        if (it->first != c.change.first) continue;
        found = true;
        if (c.remove)
          form.erase(it);
        else
          it->second = c.change.second;
        break;
      }
      if (!found) form.emplace_back(c.change);
    }
    Status s = CheckPostPolicy(*p, form, c.bucket, At(c.now));
    EXPECT_EQ(s.code(), ErrorCode::kAccessDenied);
    EXPECT_EQ(s.message(), c.message);
  }
}

TEST(PostPolicyTest, StartsWithAnEmptyPrefixAllowsAnyValue) {
  auto p = ParsePostPolicy(common::Base64Encode(
      R"({"expiration":"2030-01-01T00:00:00Z","conditions":[["starts-with","$key",""]]})"));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(CheckPostPolicy(*p, {{"key", "anything"}}, "b", At("2029-01-01T00:00:00Z")).ok());
}

TEST(PostPolicyTest, RefusesInvalidDocuments) {
  struct Case {
    std::string policy;  // raw, unless base64 is false
    std::string message;
    bool encode = true;
  };
  const Case cases[] = {
      {"%%%", "Invalid Policy: Invalid Base64 Encoding.", false},
      {"{not json", "Invalid Policy: Invalid JSON."},
      {"[1]", "Invalid Policy: Invalid JSON."},
      {R"({"conditions":[]})", "Invalid Policy: Policy missing expiration."},
      {R"({"expiration":"2030-01-01T00:00:00Z"})", "Invalid Policy: Policy missing conditions."},
      {R"({"expiration":"tomorrow","conditions":[]})",
       "Invalid Policy: Invalid 'expiration' value: \"tomorrow\""},
      {R"({"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","key","v"]]})",
       "Invalid Policy: Invalid Condition: field name must start with '$': \"key\"."},
      {R"({"expiration":"2030-01-01T00:00:00Z","conditions":[["like","$key","v"]]})",
       "Invalid Policy: Invalid Condition: unknown operator \"like\"."},
      {R"({"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",1]]})",
       "Invalid Policy: Invalid Condition: array must have 3 items."},
      {R"({"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range","a",1]]})",
       "Invalid Policy: Invalid content-length-range: bounds must be integers."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.policy);
    auto p = ParsePostPolicy(c.encode ? common::Base64Encode(c.policy) : c.policy);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), ErrorCode::kInvalidPolicyDocument);
    EXPECT_EQ(p.status().message(), c.message);
  }
}

TEST(PostPolicyTest, ParsesJsonEscapes) {
  auto p = ParsePostPolicy(common::Base64Encode(
      R"({"expiration":"2030-01-01T00:00:00Z","conditions":[{"key":"a\"b\\c\u00e9\ud83d\ude00"}]})"));
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->conditions[0].value, "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(PostPolicyTest, ParsesIso8601) {
  EXPECT_TRUE(ParseIso8601Utc("2026-12-06T14:00:00Z"));
  EXPECT_TRUE(ParseIso8601Utc("2026-12-06T14:00:00.123Z"));
  EXPECT_FALSE(ParseIso8601Utc("2026-12-06 14:00:00Z"));
  EXPECT_FALSE(ParseIso8601Utc("2026-12-06T14:00:00"));
  EXPECT_FALSE(ParseIso8601Utc("2026-13-06T14:00:00Z"));
  EXPECT_EQ(system_clock::to_time_t(*ParseIso8601Utc("1970-01-02T00:00:00Z")), 86400);
}

}  // namespace
}  // namespace s2lite::auth
