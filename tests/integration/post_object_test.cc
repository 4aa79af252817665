// Browser form uploads (POST Object) over sockets: SigV4 and SigV2 policies,
// each policy violation's S3 error, the success_action_* answers.
#include <gtest/gtest.h>

#include <chrono>

#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "common/crypto.h"
#include "common/time.h"
#include "server_fixture.h"

namespace s2lite::testing {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// A policy's expiration, as S3's examples write it ("2026-12-06T15:00:00Z").
std::string Iso(std::chrono::system_clock::time_point t) {
  return common::FormatIso8601(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

class PostObjectTest : public ServerTest {
 protected:
  // A policy for `conditions` (JSON array items), expiring in an hour
  // unless `expiration` is given, and the SigV4 fields that sign it.
  Fields SignedV4(const std::string& conditions, std::string expiration = "",
                  const std::string& access_key = "AKIAALICE",
                  const std::string& secret = "alice-secret") {
    auto now = std::chrono::system_clock::now();
    if (expiration.empty()) expiration = Iso(now + std::chrono::hours(1));
    std::string amz_date = AmzDate(now);
    std::string date = amz_date.substr(0, 8);
    std::string credential = access_key + "/" + date + "/us-east-1/s3/aws4_request";
    std::string policy = "{\"expiration\": \"" + expiration + "\", \"conditions\": [" + conditions +
                         (conditions.empty() ? "" : ", ") +
                         "{\"x-amz-algorithm\": \"AWS4-HMAC-SHA256\"}, {\"x-amz-credential\": \"" +
                         credential + "\"}, {\"x-amz-date\": \"" + amz_date + "\"}]}";
    std::string b64 = common::Base64Encode(policy);
    std::string sig = auth::SignatureHex(auth::SigningKey(secret, date, "us-east-1", "s3"), b64);
    return {{"x-amz-algorithm", "AWS4-HMAC-SHA256"},
            {"x-amz-credential", credential},
            {"x-amz-date", amz_date},
            {"policy", b64},
            {"x-amz-signature", sig}};
  }

  HttpResponse Post(const Fields& fields, const std::string& file,
                    const std::string& bucket = "alice-bucket",
                    const std::string& filename = "photo.png") {
    const std::string b = "----s2liteFormBoundary7MA4YWxk";
    std::string body;
    for (const auto& [n, v] : fields)
      body +=
          "--" + b + "\r\nContent-Disposition: form-data; name=\"" + n + "\"\r\n\r\n" + v + "\r\n";
    body += "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
            "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + file + "\r\n--" + b +
            "\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\nignored\r\n--" + b +
            "--\r\n";
    HttpRequest r;
    r.method = "POST";
    r.target = "/" + bucket;
    r.sign = Sign::kNone;
    r.body = std::move(body);
    r.headers = {{"Content-Type", "multipart/form-data; boundary=" + b}};
    return alice_->Send(r);
  }

  HttpResponse Head(const std::string& key) {
    HttpRequest r;
    r.method = "GET";
    r.target = "/alice-bucket/" + key;
    return alice_->Send(r);
  }

  static Fields With(Fields f, const Fields& more) {
    f.insert(f.begin(), more.begin(), more.end());
    return f;
  }
};

TEST_F(PostObjectTest, SigV4FormUploadStoresTheFileWithItsFields) {
  Fields f = With(
      SignedV4(R"({"bucket": "alice-bucket"}, ["starts-with", "$key", "up/"],
      ["starts-with", "$Content-Type", "image/"], {"x-amz-meta-album": "summer"},
      ["content-length-range", 1, 1048576])"),
      {{"key", "up/${filename}"}, {"Content-Type", "image/png"}, {"x-amz-meta-album", "summer"}});
  std::string file(70000, 'x');
  for (size_t i = 0; i < file.size(); i += 97) file[i] = '\r';  // near-delimiters
  HttpResponse r = Post(f, file);
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.Header("etag"), "\"" + common::HexEncode(common::Md5(file)) + "\"");
  EXPECT_NE(r.Header("location").find("/alice-bucket/up/photo.png"), std::string::npos);
  HttpResponse got = Head("up/photo.png");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, file);
  EXPECT_EQ(got.Header("content-type"), "image/png");
  EXPECT_EQ(got.Header("x-amz-meta-album"), "summer");
}

TEST_F(PostObjectTest, SigV2FormUploadWorks) {
  std::string policy = common::Base64Encode(
      "{\"expiration\": \"" + Iso(std::chrono::system_clock::now() + std::chrono::hours(1)) +
      "\", \"conditions\": [{\"bucket\": \"alice-bucket\"}, {\"key\": \"v2.txt\"}]}");
  Fields f = {{"key", "v2.txt"},
              {"AWSAccessKeyId", "AKIAALICE"},
              {"policy", policy},
              {"signature", auth::SigV2Signature("alice-secret", policy)}};
  HttpResponse r = Post(f, "v2 body");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Head("v2.txt").body, "v2 body");

  f[3].second = auth::SigV2Signature("wrong-secret", policy);
  r = Post(f, "v2 body");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Xml("Code"), "SignatureDoesNotMatch");
}

TEST_F(PostObjectTest, SuccessActionStatusAndRedirect) {
  Fields f = With(SignedV4(R"({"bucket": "alice-bucket"}, {"key": "s.txt"},
      ["starts-with", "$success_action_status", ""])"),
                  {{"key", "s.txt"}, {"success_action_status", "201"}});
  HttpResponse r = Post(f, "created");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Xml("Bucket"), "alice-bucket");
  EXPECT_EQ(r.Xml("Key"), "s.txt");
  EXPECT_EQ(r.XmlText("ETag"),
            "\"" + common::HexEncode(common::Md5(std::string("created"))) + "\"");
  EXPECT_NE(r.Xml("Location").find("/alice-bucket/s.txt"), std::string::npos);

  f = With(SignedV4(R"({"bucket": "alice-bucket"}, {"key": "s.txt"},
      ["starts-with", "$success_action_status", ""])"),
           {{"key", "s.txt"}, {"success_action_status", "200"}});
  r = Post(f, "ok");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());

  f = With(SignedV4(R"({"bucket": "alice-bucket"}, {"key": "r.txt"},
      {"success_action_redirect": "http://app.test/done?x=1"})"),
           {{"key", "r.txt"}, {"success_action_redirect", "http://app.test/done?x=1"}});
  r = Post(f, "redirected");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.Header("location"),
            "http://app.test/done?x=1&bucket=alice-bucket&key=r.txt&etag=%22" +
                common::HexEncode(common::Md5(std::string("redirected"))) + "%22");
}

TEST_F(PostObjectTest, EachViolationGetsS3sError) {
  const std::string base = R"({"bucket": "alice-bucket"}, ["starts-with", "$key", "up/"],
      ["content-length-range", 5, 10])";
  struct Case {
    std::string name;
    Fields fields;
    std::string file;
    int status;
    std::string code, message;
  };
  std::vector<Case> cases = {
      {"expired", With(SignedV4(base, "2020-01-01T00:00:00Z"), {{"key", "up/a"}}), "123456", 403,
       "AccessDenied", "Invalid according to Policy: Policy expired."},
      {"key condition", With(SignedV4(base), {{"key", "down/a"}}), "123456", 403, "AccessDenied",
       "Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$key\", "
       "\"up/\"]"},
      {"extra field", With(SignedV4(base), {{"key", "up/a"}, {"x-amz-meta-x", "1"}}), "123456", 403,
       "AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-x"},
      {"too small", With(SignedV4(base), {{"key", "up/a"}}), "1234", 400, "EntityTooSmall", ""},
      {"too large", With(SignedV4(base), {{"key", "up/a"}}), "12345678901", 400, "EntityTooLarge",
       ""},
      {"key not utf-8", With(SignedV4(base), {{"key", "up/\xff"}}), "123456", 400,
       "InvalidArgument", "Key is not valid UTF-8"},
      {"no key", SignedV4(base), "123456", 400, "InvalidArgument",
       "Bucket POST must contain a field named 'key'.  If it is specified, please check the "
       "order of the fields."},
      {"bad signature",
       With(SignedV4(base, "", "AKIAALICE", "not-alice-secret"), {{"key", "up/a"}}), "123456", 403,
       "SignatureDoesNotMatch", ""},
      {"unknown key", With(SignedV4(base, "", "AKIANOBODY"), {{"key", "up/a"}}), "123456", 403,
       "InvalidAccessKeyId", ""},
      {"anonymous", {{"key", "up/a"}}, "123456", 403, "AccessDenied", ""},
      {"invalid policy",
       {{"key", "up/a"},
        {"AWSAccessKeyId", "AKIAALICE"},
        {"policy", common::Base64Encode("{oops")},
        {"signature", auth::SigV2Signature("alice-secret", common::Base64Encode("{oops"))}},
       "123456",
       400,
       "InvalidPolicyDocument",
       "Invalid Policy: Invalid JSON."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HttpResponse r = Post(c.fields, c.file);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.Xml("Code"), c.code);
    if (!c.message.empty()) {
      EXPECT_EQ(r.XmlText("Message"), c.message);
    }
  }
  EXPECT_EQ(Head("up/a").status, 404) << "nothing stored by a refused form";
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html: the
// tagging field is a Tagging document, its tags validated as PutObjectTagging's.
TEST_F(PostObjectTest, TheTaggingFieldTagsTheObject) {
  const std::string policy =
      R"({"bucket": "alice-bucket"}, ["starts-with", "$key", "t/"], ["starts-with", "$tagging", ""])";
  auto tagging = [](const std::string& tags) {
    return "<Tagging><TagSet>" + tags + "</TagSet></Tagging>";
  };
  auto tag = [](const std::string& k, const std::string& v) {
    return "<Tag><Key>" + k + "</Key><Value>" + v + "</Value></Tag>";
  };
  HttpResponse r =
      Post(With(SignedV4(policy),
                {{"key", "t/tagged"},
                 {"tagging", tagging(tag("project", "blue") + tag("team", "web ui"))}}),
           "body");
  ASSERT_EQ(r.status, 204) << r.body;
  HttpResponse got = Head("t/tagged?tagging");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.XmlAll("Key"), (std::vector<std::string>{"project", "team"}));
  EXPECT_EQ(got.XmlAll("Value"), (std::vector<std::string>{"blue", "web ui"}));
  EXPECT_EQ(Head("t/tagged").Header("x-amz-tagging-count"), "2");

  // S3 ignores a well-formed document that is not a Tagging one.
  r = Post(With(SignedV4(policy), {{"key", "t/other"}, {"tagging", "<Other></Other>"}}), "body");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(Head("t/other?tagging").XmlAll("Tag").empty());

  std::string eleven;
  for (int i = 0; i < 11; ++i) eleven += tag("k" + std::to_string(i), "v");
  struct Case {
    std::string name, tagging, code;
  } cases[] = {
      {"not xml", "project=blue", "MalformedXML"},
      {"no tag set", "<Tagging></Tagging>", "MalformedXML"},
      {"aws: prefix", tagging(tag("aws:x", "1")), "InvalidTag"},
      {"duplicate key", tagging(tag("a", "1") + tag("a", "2")), "InvalidTag"},
      {"eleven tags", tagging(eleven), "InvalidTag"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    r = Post(With(SignedV4(policy), {{"key", "t/refused"}, {"tagging", c.tagging}}), "body");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Xml("Code"), c.code);
  }
  EXPECT_EQ(Head("t/refused").status, 404) << "nothing stored by a refused form";
}

// A new bucket's BucketOwnerEnforced takes no ACL but the owner's, from a
// form's acl field as from PutObject's header.
TEST_F(PostObjectTest, AnAclFieldBeyondTheOwnersIsRefusedWhileAclsAreDisabled) {
  const std::string policy = R"({"bucket": "alice-bucket"}, ["starts-with", "$key", "a/"],
      ["starts-with", "$acl", ""])";
  HttpResponse r = Post(With(SignedV4(policy), {{"key", "a/public"}, {"acl", "public-read"}}), "x");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Xml("Code"), "AccessControlListNotSupported");
  EXPECT_EQ(Head("a/public").status, 404);
  r = Post(With(SignedV4(policy), {{"key", "a/private"}, {"acl", "private"}}), "x");
  EXPECT_EQ(r.status, 204) << r.body;
}

TEST_F(PostObjectTest, OnlyTheBucketOwnerUploads) {
  Fields f =
      With(SignedV4(R"({"bucket": "alice-bucket"}, {"key": "b.txt"})", "", "AKIABOB", "bob-secret"),
           {{"key", "b.txt"}});
  HttpResponse r = Post(f, "from bob");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Xml("Code"), "AccessDenied");
  EXPECT_EQ(Head("b.txt").status, 404);
}

TEST_F(PostObjectTest, RefusesNonFormBodiesAndFormsWithoutAFile) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/alice-bucket";
  r.sign = Sign::kNone;
  r.body = "key=x";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  HttpResponse resp = alice_->Send(r);
  EXPECT_EQ(resp.status, 412);
  EXPECT_EQ(resp.Xml("Code"), "PreconditionFailed");

  r.headers = {{"Content-Type", "multipart/form-data; boundary=b"}};
  r.body = "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--b--\r\n";
  resp = alice_->Send(r);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.Xml("Code"), "InvalidArgument");
  EXPECT_EQ(resp.XmlText("Message"), "POST requires exactly one file upload per request.");

  r.body = "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--b";
  resp = alice_->Send(r);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.Xml("Code"), "MalformedPOSTRequest");
}

}  // namespace
}  // namespace s2lite::testing
