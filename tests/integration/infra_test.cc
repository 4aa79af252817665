// What infrastructure tools need (issue #14): conditional writes, tagging,
// bucket settings, lifecycle rules on an injected clock.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "raw_socket.h"
#include "server_fixture.h"

namespace s2lite::testing {
namespace {

using namespace std::chrono_literals;

HttpResponse Call(TestClient& c, const std::string& method, const std::string& target,
                  std::string body = {},
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequest r;
  r.method = method;
  r.target = target;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return c.Send(r);
}

std::string Code(const HttpResponse& r) { return r.Xml("Code"); }

// PUT ?ownershipControls with one rule.
HttpResponse PutOwnership(TestClient& c, const std::string& bucket, const std::string& ownership) {
  return Call(c, "PUT", "/" + bucket + "?ownershipControls",
              "<OwnershipControls><Rule><ObjectOwnership>" + ownership +
                  "</ObjectOwnership></Rule></OwnershipControls>");
}

// --- conditional writes

class ConditionalWriteTest : public ServerTest {};

TEST_F(ConditionalWriteTest, IfNoneMatchCreatesOnlyWhenTheKeyIsFree) {
  HttpResponse first = Call(*alice_, "PUT", "/alice-bucket/lock", "one", {{"If-None-Match", "*"}});
  ASSERT_EQ(first.status, 200) << first.body;
  HttpResponse second = Call(*alice_, "PUT", "/alice-bucket/lock", "two", {{"If-None-Match", "*"}});
  EXPECT_EQ(second.status, 412);
  EXPECT_EQ(Code(second), "PreconditionFailed");
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket/lock").body, "one");
  // An entity tag is not what S3 takes in a write's If-None-Match.
  EXPECT_EQ(
      Call(*alice_, "PUT", "/alice-bucket/lock", "x", {{"If-None-Match", first.Header("etag")}})
          .status,
      501);
}

TEST_F(ConditionalWriteTest, IfMatchReplacesOnlyTheVersionTheWriterRead) {
  EXPECT_EQ(Code(Call(*alice_, "PUT", "/alice-bucket/doc", "v", {{"If-Match", "\"abc\""}})),
            "NoSuchKey");
  HttpResponse v1 = Call(*alice_, "PUT", "/alice-bucket/doc", "v1");
  HttpResponse v2 =
      Call(*alice_, "PUT", "/alice-bucket/doc", "v2", {{"If-Match", v1.Header("etag")}});
  ASSERT_EQ(v2.status, 200) << v2.body;
  HttpResponse stale =
      Call(*alice_, "PUT", "/alice-bucket/doc", "v3", {{"If-Match", v1.Header("etag")}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(Code(stale), "PreconditionFailed");
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket/doc").body, "v2");
}

TEST_F(ConditionalWriteTest, CompleteAndCopyHonourTheDestinationCondition) {
  ASSERT_EQ(Call(*alice_, "PUT", "/alice-bucket/taken", "old").status, 200);
  HttpResponse init = Call(*alice_, "POST", "/alice-bucket/taken?uploads");
  std::string id = init.Xml("UploadId");
  HttpResponse part =
      Call(*alice_, "PUT", "/alice-bucket/taken?partNumber=1&uploadId=" + id, "new");
  std::string complete = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                         part.Header("etag") + "</ETag></Part></CompleteMultipartUpload>";
  HttpResponse refused = Call(*alice_, "POST", "/alice-bucket/taken?uploadId=" + id, complete,
                              {{"If-None-Match", "*"}});
  EXPECT_EQ(refused.status, 412) << refused.body;
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket/taken").body, "old");
  // The upload is still pending: the same Complete without the condition works.
  HttpResponse done = Call(*alice_, "POST", "/alice-bucket/taken?uploadId=" + id, complete);
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket/taken").body, "new");

  std::vector<std::pair<std::string, std::string>> copy = {
      {"x-amz-copy-source", "/alice-bucket/taken"}, {"If-None-Match", "*"}};
  EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket/copy", "", copy).status, 200);
  HttpResponse again = Call(*alice_, "PUT", "/alice-bucket/copy", "", copy);
  EXPECT_EQ(again.status, 412);
  EXPECT_EQ(Code(again), "PreconditionFailed");
}

// A write that passed its check when it began loses to one that committed
// while its body streamed: 409 ConditionalRequestConflict, as S3 answers.
TEST_F(ConditionalWriteTest, AWriteOvertakenWhileItsBodyStreamsGetsConditionalRequestConflict) {
  const std::string body(64 * 1024, 'A');
  HttpRequest put;
  put.method = "PUT";
  put.target = "/alice-bucket/state.lock";
  put.body = body;
  put.headers = {{"Expect", "100-continue"}, {"If-None-Match", "*"}};
  std::string wire = alice_->Serialize(put);
  size_t end = wire.find("\r\n\r\n") + 4;
  RawSocket slow(server_->port());
  ASSERT_TRUE(slow.Send(wire.substr(0, end)));
  std::string got;
  for (int i = 0; i < 50 && got.find("100 Continue") == std::string::npos; ++i)
    slow.ReadFor(100ms, got);
  ASSERT_NE(got.find("100 Continue"), std::string::npos) << got;
  ASSERT_TRUE(slow.Send(wire.substr(end, body.size() / 2)));

  HttpResponse winner =
      Call(*alice_, "PUT", "/alice-bucket/state.lock", "winner", {{"If-None-Match", "*"}});
  ASSERT_EQ(winner.status, 200);

  ASSERT_TRUE(slow.Send(wire.substr(end + body.size() / 2)));
  got = slow.ReadResponse(5s);
  EXPECT_EQ(got.rfind("HTTP/1.1 409", 0), 0u) << got;
  EXPECT_NE(got.find("<Code>ConditionalRequestConflict</Code>"), std::string::npos) << got;
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket/state.lock").body, "winner");
}

TEST_F(ConditionalWriteTest, ConcurrentLockAttemptsHaveExactlyOneWinner) {
  constexpr int kClients = 8;
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      TestClient c(server_->port(), "AKIAALICE", "alice-secret");
      HttpResponse r = Call(c, "PUT", "/alice-bucket/race", std::string(100 * 1024, 'a' + i),
                            {{"If-None-Match", "*"}});
      if (r.status == 200) ++won;
      if (r.status == 412 || r.status == 409) ++lost;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), kClients - 1);
}

// --- tagging

class TaggingTest : public ServerTest {};

std::string TaggingXml(const std::vector<std::pair<std::string, std::string>>& tags) {
  std::string x = "<Tagging><TagSet>";
  for (const auto& [k, v] : tags) x += "<Tag><Key>" + k + "</Key><Value>" + v + "</Value></Tag>";
  return x + "</TagSet></Tagging>";
}

TEST_F(TaggingTest, ObjectTagsArePutReadCountedAndDeleted) {
  ASSERT_EQ(Call(*alice_, "PUT", "/alice-bucket/k", "bytes", {{"x-amz-tagging", "a=1"}}).status,
            200);
  EXPECT_EQ(Call(*alice_, "HEAD", "/alice-bucket/k").Header("x-amz-tagging-count"), "1");
  HttpResponse put = Call(*alice_, "PUT", "/alice-bucket/k?tagging",
                          TaggingXml({{"env", "prod"}, {"team", "a b"}}));
  ASSERT_EQ(put.status, 200) << put.body;
  HttpResponse get = Call(*alice_, "GET", "/alice-bucket/k?tagging");
  EXPECT_EQ(get.XmlAll("Key"), (std::vector<std::string>{"env", "team"}));
  EXPECT_EQ(get.XmlAll("Value"), (std::vector<std::string>{"prod", "a b"}));
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket/k").Header("x-amz-tagging-count"), "2");
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket/k").body, "bytes");
  EXPECT_EQ(Call(*alice_, "DELETE", "/alice-bucket/k?tagging").status, 204);
  EXPECT_TRUE(Call(*alice_, "GET", "/alice-bucket/k?tagging").XmlAll("Tag").empty());
  EXPECT_EQ(Call(*alice_, "HEAD", "/alice-bucket/k").Header("x-amz-tagging-count"), "");
  EXPECT_EQ(Code(Call(*alice_, "PUT", "/alice-bucket/none?tagging", TaggingXml({{"a", "b"}}))),
            "NoSuchKey");
  EXPECT_EQ(Call(*bob_, "GET", "/alice-bucket/k?tagging").status, 403);
}

TEST_F(TaggingTest, TagLimitsAreS3s) {
  ASSERT_EQ(Call(*alice_, "PUT", "/alice-bucket/k", "x").status, 200);
  std::vector<std::pair<std::string, std::string>> eleven;
  for (int i = 0; i < 11; ++i) eleven.emplace_back("k" + std::to_string(i), "v");
  struct Case {
    std::string body;
    int status;
    std::string code;
  } cases[] = {
      {TaggingXml(eleven), 400, "InvalidTag"},
      {TaggingXml({{"dup", "1"}, {"dup", "2"}}), 400, "InvalidTag"},
      {TaggingXml({{std::string(129, 'k'), "v"}}), 400, "InvalidTag"},
      {TaggingXml({{"k", std::string(257, 'v')}}), 400, "InvalidTag"},
      {"<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>", 400, "MalformedXML"},
      // 256 characters of 2 bytes each: the limit counts characters.
      {TaggingXml({{"k",
                    [] {
                      std::string s;
                      for (int i = 0; i < 256; ++i) s += "\xc3\xa9";
                      return s;
                    }()}}),
       200, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 80));
    HttpResponse r = Call(*alice_, "PUT", "/alice-bucket/k?tagging", c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(Code(r), c.code);
  }
  EXPECT_EQ(Code(Call(*alice_, "PUT", "/alice-bucket/h", "x", {{"x-amz-tagging", "a=1&a=2"}})),
            "InvalidArgument");
}

TEST_F(TaggingTest, CopyKeepsOrReplacesTagsByDirective) {
  ASSERT_EQ(Call(*alice_, "PUT", "/alice-bucket/src", "x", {{"x-amz-tagging", "a=1&b=2"}}).status,
            200);
  ASSERT_EQ(
      Call(*alice_, "PUT", "/alice-bucket/kept", "", {{"x-amz-copy-source", "/alice-bucket/src"}})
          .status,
      200);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket/kept?tagging").XmlAll("Key"),
            (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(Call(*alice_, "PUT", "/alice-bucket/replaced", "",
                 {{"x-amz-copy-source", "/alice-bucket/src"},
                  {"x-amz-tagging-directive", "REPLACE"},
                  {"x-amz-tagging", "c=3"}})
                .status,
            200);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket/replaced?tagging").XmlAll("Key"),
            (std::vector<std::string>{"c"}));
}

TEST_F(TaggingTest, BucketTagsAreStoredUpToFifty) {
  HttpResponse none = Call(*alice_, "GET", "/alice-bucket?tagging");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(Code(none), "NoSuchTagSet");
  std::vector<std::pair<std::string, std::string>> tags;
  for (int i = 0; i < 51; ++i) tags.emplace_back("k" + std::to_string(i), "v");
  EXPECT_EQ(Code(Call(*alice_, "PUT", "/alice-bucket?tagging", TaggingXml(tags))), "InvalidTag");
  tags.pop_back();
  EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket?tagging", TaggingXml(tags)).status, 204);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?tagging").XmlAll("Tag").size(), 50u);
  EXPECT_EQ(Call(*alice_, "DELETE", "/alice-bucket?tagging").status, 204);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?tagging").status, 404);
}

// --- bucket settings

class BucketSettingsTest : public ServerTest {};

TEST_F(BucketSettingsTest, ANewBucketAnswersEveryReadAsANewS3BucketDoes) {
  struct Case {
    std::string query;
    int status;
    std::string code_or_element;
  } cases[] = {
      {"acl", 200, "AccessControlPolicy"},
      {"website", 404, "NoSuchWebsiteConfiguration"},
      {"versioning", 200, "VersioningConfiguration"},
      {"accelerate", 200, "AccelerateConfiguration"},
      {"requestPayment", 200, "RequestPaymentConfiguration"},
      {"logging", 200, "BucketLoggingStatus"},
      {"lifecycle", 404, "NoSuchLifecycleConfiguration"},
      {"replication", 404, "ReplicationConfigurationNotFoundError"},
      {"encryption", 200, "ServerSideEncryptionConfiguration"},
      {"object-lock", 404, "ObjectLockConfigurationNotFoundError"},
      {"policy", 404, "NoSuchBucketPolicy"},
      {"tagging", 404, "NoSuchTagSet"},
      {"ownershipControls", 200, "OwnershipControls"},
      {"publicAccessBlock", 200, "PublicAccessBlockConfiguration"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query);
    HttpResponse r = Call(*alice_, "GET", "/alice-bucket?" + c.query);
    EXPECT_EQ(r.status, c.status) << r.body;
    if (c.status == 404) {
      EXPECT_EQ(Code(r), c.code_or_element);
    } else {
      EXPECT_NE(r.body.find("<" + c.code_or_element + " xmlns="), std::string::npos) << r.body;
    }
  }
  HttpResponse acl = Call(*alice_, "GET", "/alice-bucket?acl");
  EXPECT_EQ(acl.Xml("Permission"), "FULL_CONTROL");
  EXPECT_EQ(acl.Xml("DisplayName"), "alice");
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?requestPayment").Xml("Payer"), "BucketOwner");
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?encryption").Xml("SSEAlgorithm"), "AES256");
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?versioning").Xml("Status"), "");
  EXPECT_EQ(Call(*bob_, "GET", "/alice-bucket?policy").status, 403);
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html:
// since April 2023 a new bucket has ACLs disabled (BucketOwnerEnforced) and all
// four Block Public Access settings on, until they are changed or deleted.
TEST_F(BucketSettingsTest, OwnershipAndPublicAccessBlockHaveS3sDefaultsUntilDeleted) {
  HttpResponse own = Call(*alice_, "GET", "/alice-bucket?ownershipControls");
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OwnershipControls "
            "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule><ObjectOwnership>"
            "BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>");
  HttpResponse pab = Call(*alice_, "GET", "/alice-bucket?publicAccessBlock");
  ASSERT_EQ(pab.status, 200) << pab.body;
  for (const char* flag :
       {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"}) {
    SCOPED_TRACE(flag);
    EXPECT_EQ(pab.Xml(flag), "true");
  }

  EXPECT_EQ(PutOwnership(*alice_, "alice-bucket", "ObjectWriter").status, 200);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?ownershipControls").Xml("ObjectOwnership"),
            "ObjectWriter");
  EXPECT_EQ(Code(Call(*alice_, "PUT", "/alice-bucket?ownershipControls",
                      "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership>"
                      "</Rule><Rule><ObjectOwnership>BucketOwnerPreferred</ObjectOwnership>"
                      "</Rule></OwnershipControls>")),
            "MalformedXML");
  EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket?publicAccessBlock",
                 "<PublicAccessBlockConfiguration><BlockPublicAcls>false</BlockPublicAcls>"
                 "</PublicAccessBlockConfiguration>")
                .status,
            200);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?publicAccessBlock").Xml("BlockPublicPolicy"),
            "false");

  // Deleted, they are gone (S3's 404s), and stay gone across a restart;
  // deleting again is still 204.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Call(*alice_, "DELETE", "/alice-bucket?ownershipControls").status, 204);
    EXPECT_EQ(Call(*alice_, "DELETE", "/alice-bucket?publicAccessBlock").status, 204);
  }
  RestartServer();
  HttpResponse gone = Call(*alice_, "GET", "/alice-bucket?ownershipControls");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(Code(gone), "OwnershipControlsNotFoundError");
  EXPECT_EQ(gone.Xml("BucketName"), "alice-bucket");
  gone = Call(*alice_, "GET", "/alice-bucket?publicAccessBlock");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(Code(gone), "NoSuchPublicAccessBlockConfiguration");

  // Put again after a delete.
  EXPECT_EQ(PutOwnership(*alice_, "alice-bucket", "BucketOwnerPreferred").status, 200);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?ownershipControls").Xml("ObjectOwnership"),
            "BucketOwnerPreferred");
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html: the
// x-amz-object-ownership header, and no ACL but the owner's under the default
// BucketOwnerEnforced.
TEST_F(BucketSettingsTest, CreateBucketTakesObjectOwnershipAndRefusesAclsItDisables) {
  EXPECT_EQ(Call(*alice_, "PUT", "/writer-bucket", "", {{"x-amz-object-ownership", "ObjectWriter"}})
                .status,
            200);
  EXPECT_EQ(Call(*alice_, "GET", "/writer-bucket?ownershipControls").Xml("ObjectOwnership"),
            "ObjectWriter");
  EXPECT_EQ(Call(*alice_, "PUT", "/enforced-bucket", "",
                 {{"x-amz-object-ownership", "BucketOwnerEnforced"}, {"x-amz-acl", "private"}})
                .status,
            200);
  EXPECT_EQ(Call(*alice_, "GET", "/enforced-bucket?ownershipControls").Xml("ObjectOwnership"),
            "BucketOwnerEnforced");

  HttpResponse bad =
      Call(*alice_, "PUT", "/bad-bucket", "", {{"x-amz-object-ownership", "RandomValue"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Code(bad), "InvalidArgument");
  EXPECT_EQ(bad.XmlText("Message"), "Invalid x-amz-object-ownership header: RandomValue");
  EXPECT_EQ(bad.Xml("ArgumentName"), "x-amz-object-ownership");

  struct Case {
    std::string name;
    std::vector<std::pair<std::string, std::string>> headers;
  } refused[] = {
      {"public-read", {{"x-amz-acl", "public-read"}}},
      {"explicit enforced",
       {{"x-amz-acl", "authenticated-read"}, {"x-amz-object-ownership", "BucketOwnerEnforced"}}},
      {"grant", {{"x-amz-grant-read", "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\""}}},
  };
  for (const Case& c : refused) {
    SCOPED_TRACE(c.name);
    HttpResponse r = Call(*alice_, "PUT", "/acl-bucket", "", c.headers);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(Code(r), "InvalidBucketAclWithObjectOwnership");
    EXPECT_EQ(r.XmlText("Message"),
              "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
  }
  EXPECT_EQ(Call(*alice_, "HEAD", "/acl-bucket").status, 404) << "no bucket made by a refusal";
  EXPECT_EQ(Call(*alice_, "HEAD", "/bad-bucket").status, 404);
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html
TEST_F(BucketSettingsTest, BucketOwnerEnforcedRefusesAclsOtherThanTheOwners) {
  const std::string refusal = "The bucket does not allow ACLs";
  struct Case {
    std::string name, method, target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
  } refused[] = {
      {"put public-read", "PUT", "/alice-bucket/k", {{"x-amz-acl", "public-read"}}, "x"},
      {"put grant", "PUT", "/alice-bucket/k", {{"x-amz-grant-read", "id=\"someone\""}}, "x"},
      {"initiate", "POST", "/alice-bucket/k?uploads", {{"x-amz-acl", "authenticated-read"}}, ""},
      {"copy",
       "PUT",
       "/alice-bucket/k",
       {{"x-amz-copy-source", "/alice-bucket/src"}, {"x-amz-acl", "public-read-write"}},
       ""},
      {"bucket acl private", "PUT", "/alice-bucket?acl", {{"x-amz-acl", "private"}}, ""},
      {"bucket acl document",
       "PUT",
       "/alice-bucket?acl",
       {},
       "<AccessControlPolicy><AccessControlList/></AccessControlPolicy>"},
  };
  ASSERT_EQ(Call(*alice_, "PUT", "/alice-bucket/src", "source").status, 200);
  for (const Case& c : refused) {
    SCOPED_TRACE(c.name);
    HttpResponse r = Call(*alice_, c.method, c.target, c.body, c.headers);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(Code(r), "AccessControlListNotSupported");
    EXPECT_EQ(r.XmlText("Message"), refusal);
  }
  EXPECT_EQ(Call(*alice_, "HEAD", "/alice-bucket/k").status, 404) << "nothing written";
  // The owner's own ACLs are what the bucket does anyway: accepted.
  for (const char* acl : {"bucket-owner-full-control", "private"}) {
    SCOPED_TRACE(acl);
    EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket/k", "x", {{"x-amz-acl", acl}}).status, 200);
  }
  // A bucket ACL granting others cannot be turned into BucketOwnerEnforced.
  ASSERT_EQ(Call(*alice_, "PUT", "/shared-bucket", "",
                 {{"x-amz-object-ownership", "ObjectWriter"}, {"x-amz-acl", "public-read"}})
                .status,
            200);
  HttpResponse enforce = PutOwnership(*alice_, "shared-bucket", "BucketOwnerEnforced");
  EXPECT_EQ(enforce.status, 400) << enforce.body;
  EXPECT_EQ(Code(enforce), "InvalidBucketAclWithObjectOwnership");
  // With ACLs enabled, object ACLs are taken (and stored) as before.
  ASSERT_EQ(PutOwnership(*alice_, "alice-bucket", "ObjectWriter").status, 200);
  EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket/k", "x", {{"x-amz-acl", "public-read"}}).status,
            200);
  EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket?acl", "", {{"x-amz-acl", "private"}}).status, 200);
}

TEST_F(BucketSettingsTest, VersioningCanBeSuspendedButNotEnabled) {
  auto doc = [](const std::string& status) {
    return "<VersioningConfiguration><Status>" + status + "</Status></VersioningConfiguration>";
  };
  HttpResponse enabled = Call(*alice_, "PUT", "/alice-bucket?versioning", doc("Enabled"));
  EXPECT_EQ(enabled.status, 501);
  EXPECT_EQ(Code(enabled), "NotImplemented");
  EXPECT_NE(enabled.Xml("Message").find("versioning is not supported"), std::string::npos);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?versioning").Xml("Status"), "");
  EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket?versioning", doc("Suspended")).status, 200);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?versioning").Xml("Status"), "Suspended");
  EXPECT_EQ(Code(Call(*alice_, "PUT", "/alice-bucket?versioning", doc("On"))), "MalformedXML");
}

TEST_F(BucketSettingsTest, PolicyEncryptionOwnershipAndPublicAccessBlockRoundTrip) {
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",)"
      R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::alice-bucket/*"}]})";
  EXPECT_EQ(Code(Call(*alice_, "PUT", "/alice-bucket?policy", "{not json")), "MalformedPolicy");
  EXPECT_EQ(Code(Call(*alice_, "PUT", "/alice-bucket?policy", R"({"Version":"2012-10-17"})")),
            "MalformedPolicy");
  EXPECT_EQ(Code(Call(*alice_, "PUT", "/alice-bucket?policy",
                      R"({"Statement":[],"Pad":")" + std::string(21 * 1024, 'x') + "\"}")),
            "MalformedPolicy");
  EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket?policy", policy).status, 204);
  HttpResponse got = Call(*alice_, "GET", "/alice-bucket?policy");
  EXPECT_EQ(got.body, policy);
  EXPECT_EQ(got.Header("content-type"), "application/json");
  EXPECT_EQ(Call(*alice_, "DELETE", "/alice-bucket?policy").status, 204);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?policy").status, 404);

  const std::string kms =
      "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
      "<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>key-1</KMSMasterKeyID>"
      "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule>"
      "</ServerSideEncryptionConfiguration>";
  EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket?encryption", kms).status, 200);
  HttpResponse enc = Call(*alice_, "GET", "/alice-bucket?encryption");
  EXPECT_EQ(enc.Xml("SSEAlgorithm"), "aws:kms");
  EXPECT_EQ(enc.Xml("KMSMasterKeyID"), "key-1");
  EXPECT_EQ(enc.Xml("BucketKeyEnabled"), "true");
  EXPECT_EQ(Call(*alice_, "DELETE", "/alice-bucket?encryption").status, 204);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?encryption").Xml("SSEAlgorithm"), "AES256");

  EXPECT_EQ(PutOwnership(*alice_, "alice-bucket", "BucketOwnerEnforced").status, 200);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?ownershipControls").Xml("ObjectOwnership"),
            "BucketOwnerEnforced");
  EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket?publicAccessBlock",
                 "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
                 "</PublicAccessBlockConfiguration>")
                .status,
            200);
  HttpResponse pab = Call(*alice_, "GET", "/alice-bucket?publicAccessBlock");
  EXPECT_EQ(pab.Xml("BlockPublicAcls"), "true");
  EXPECT_EQ(pab.Xml("RestrictPublicBuckets"), "false");
  // Settings survive a restart and go with the bucket.
  RestartServer();
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?publicAccessBlock").status, 200);
  EXPECT_EQ(Call(*alice_, "DELETE", "/alice-bucket?publicAccessBlock").status, 204);
  EXPECT_EQ(Call(*alice_, "GET", "/alice-bucket?publicAccessBlock").status, 404);
}

TEST_F(BucketSettingsTest, WhatCannotBeHonouredIsRefused) {
  // ACLs enabled, so that what is refused is refused for being unsupported
  // (501) rather than disabled (BucketOwnerEnforced's 400).
  ASSERT_EQ(PutOwnership(*alice_, "alice-bucket", "ObjectWriter").status, 200);
  struct Case {
    std::string target, body;
    std::vector<std::pair<std::string, std::string>> headers;
  } cases[] = {
      {"/alice-bucket?accelerate",
       "<AccelerateConfiguration><Status>Enabled</Status></AccelerateConfiguration>",
       {}},
      {"/alice-bucket?requestPayment",
       "<RequestPaymentConfiguration><Payer>Requester</Payer></RequestPaymentConfiguration>",
       {}},
      {"/alice-bucket?logging",
       "<BucketLoggingStatus><LoggingEnabled><TargetBucket>alice-bucket</TargetBucket>"
       "<TargetPrefix>l/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>",
       {}},
      {"/alice-bucket?acl", "", {{"x-amz-acl", "public-read"}}},
      {"/alice-bucket?website", "<WebsiteConfiguration/>", {}},
      {"/alice-bucket?replication", "<ReplicationConfiguration/>", {}},
      {"/alice-bucket?lifecycle",
       "<LifecycleConfiguration><Rule><ID>t</ID><Filter/><Status>Enabled</Status><Transition>"
       "<Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>"
       "</LifecycleConfiguration>",
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    HttpResponse r = Call(*alice_, "PUT", c.target, c.body, c.headers);
    EXPECT_EQ(r.status, 501) << r.body;
    EXPECT_EQ(Code(r), "NotImplemented");
  }
  EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket?acl", "", {{"x-amz-acl", "private"}}).status, 200);
  EXPECT_EQ(Call(*alice_, "PUT", "/alice-bucket?accelerate",
                 "<AccelerateConfiguration><Status>Suspended</Status></AccelerateConfiguration>")
                .status,
            200);
}

TEST_F(BucketSettingsTest, ListObjectVersionsListsCurrentObjectsAsNullVersions) {
  for (std::string key : {"a", "b/c", "d"})
    ASSERT_EQ(Call(*alice_, "PUT", "/alice-bucket/" + key, "x").status, 200);
  HttpResponse r = Call(*alice_, "GET", "/alice-bucket?versions&max-keys=2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.XmlAll("Key"), (std::vector<std::string>{"a", "b/c"}));
  EXPECT_EQ(r.XmlAll("VersionId"), (std::vector<std::string>{"null", "null"}));
  EXPECT_EQ(r.XmlAll("IsLatest"), (std::vector<std::string>{"true", "true"}));
  EXPECT_EQ(r.Xml("IsTruncated"), "true");
  EXPECT_EQ(r.Xml("NextKeyMarker"), "b/c");
  HttpResponse rest =
      Call(*alice_, "GET", "/alice-bucket?versions&key-marker=b%2Fc&version-id-marker=null");
  EXPECT_EQ(rest.XmlAll("Key"), (std::vector<std::string>{"d"}));
  HttpResponse grouped = Call(*alice_, "GET", "/alice-bucket?versions&delimiter=%2F");
  EXPECT_EQ(grouped.XmlAll("Prefix"), (std::vector<std::string>{"", "b/"}));
}

// --- lifecycle, on a clock the test moves

class LifecycleTest : public ServerTest {
 protected:
  Options MakeOptions() override {
    Options o = ServerTest::MakeOptions();
    o.clock = [this] { return std::chrono::system_clock::now() + offset_.load(); };
    o.lifecycle_interval = 20ms;
    return o;
  }
  std::chrono::system_clock::time_point Now() const {
    return std::chrono::system_clock::now() + offset_.load();
  }
  HttpResponse At(const std::string& method, const std::string& target, std::string body = {},
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.time = Now();
    return alice_->Send(r);
  }
  std::atomic<std::chrono::system_clock::duration> offset_{std::chrono::system_clock::duration(0)};
};

const char kRules[] =
    "<LifecycleConfiguration>"
    "<Rule><ID>abort-tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status>"
    "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
    "</AbortIncompleteMultipartUpload></Rule>"
    "<Rule><ID>expire-logs</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>temp</Key>"
    "<Value>yes</Value></Tag></And></Filter><Status>Enabled</Status>"
    "<Expiration><Days>2</Days></Expiration></Rule>"
    "</LifecycleConfiguration>";

TEST_F(LifecycleTest, RulesAreValidatedAsS3Does) {
  struct Case {
    std::string body, code;
  } cases[] = {
      {"<LifecycleConfiguration></LifecycleConfiguration>", "MalformedXML"},
      {"<LifecycleConfiguration><Rule><ID>x</ID><Filter/><Status>On</Status><Expiration><Days>1"
       "</Days></Expiration></Rule></LifecycleConfiguration>",
       "MalformedXML"},
      {"<LifecycleConfiguration><Rule><ID>x</ID><Filter/><Status>Enabled</Status><Expiration>"
       "<Days>0</Days></Expiration></Rule></LifecycleConfiguration>",
       "InvalidArgument"},
      {"<LifecycleConfiguration><Rule><ID>x</ID><Filter/><Status>Enabled</Status></Rule>"
       "</LifecycleConfiguration>",
       "InvalidRequest"},
      {"<LifecycleConfiguration><Rule><ID>x</ID><Filter/><Status>Enabled</Status><Expiration>"
       "<Days>1</Days></Expiration></Rule><Rule><ID>x</ID><Filter/><Status>Enabled</Status>"
       "<Expiration><Days>2</Days></Expiration></Rule></LifecycleConfiguration>",
       "InvalidArgument"},
      {"<LifecycleConfiguration><Rule><ID>x</ID><Prefix>a</Prefix><Filter/><Status>Enabled"
       "</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>",
       "MalformedXML"},
      {"<LifecycleConfiguration><Rule><ID>x</ID><Filter><Tag><Key>a</Key><Value>b</Value></Tag>"
       "</Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1"
       "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>",
       "InvalidRequest"},
      {"<LifecycleConfiguration><Rule><ID>x</ID><Filter/><Status>Enabled</Status><Expiration>"
       "<Date>2030-01-01T12:00:00Z</Date></Expiration></Rule></LifecycleConfiguration>",
       "InvalidArgument"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    HttpResponse r = At("PUT", "/alice-bucket?lifecycle", c.body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(Code(r), c.code);
  }
  EXPECT_EQ(At("GET", "/alice-bucket?lifecycle").status, 404);
  ASSERT_EQ(At("PUT", "/alice-bucket?lifecycle", kRules).status, 200);
  HttpResponse got = At("GET", "/alice-bucket?lifecycle");
  EXPECT_EQ(got.XmlAll("ID"), (std::vector<std::string>{"abort-tmp", "expire-logs"}));
  EXPECT_EQ(got.Xml("DaysAfterInitiation"), "1");
  EXPECT_EQ(got.Xml("Days"), "2");
  EXPECT_EQ(At("DELETE", "/alice-bucket?lifecycle").status, 204);
  EXPECT_EQ(At("GET", "/alice-bucket?lifecycle").status, 404);
}

TEST_F(LifecycleTest, DueUploadsAreAbortedAndExpiredObjectsDeleted) {
  // Start just after a midnight UTC, so that the due dates are easy to state.
  auto real = std::chrono::system_clock::now();
  auto day = std::chrono::hours(24);
  auto midnight = std::chrono::floor<std::chrono::days>(real) + day;
  offset_ = midnight + std::chrono::hours(1) - real;
  ASSERT_EQ(At("PUT", "/alice-bucket?lifecycle", kRules).status, 200);

  HttpResponse init = At("POST", "/alice-bucket/tmp/upload?uploads");
  ASSERT_EQ(init.status, 200);
  std::string id = init.Xml("UploadId");
  // Initiated at 01:00 on day D, abort after 1 day: rounded up to 00:00 on D+2.
  auto due = midnight + 2 * day;
  std::time_t t = std::chrono::system_clock::to_time_t(due);
  char expect[64];
  std::strftime(expect, sizeof expect, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&t));
  EXPECT_EQ(init.Header("x-amz-abort-date"), expect);
  EXPECT_EQ(init.Header("x-amz-abort-rule-id"), "abort-tmp");
  HttpResponse part = At("PUT", "/alice-bucket/tmp/upload?partNumber=1&uploadId=" + id, "p");
  EXPECT_EQ(part.Header("x-amz-abort-date"), expect);
  HttpResponse other = At("POST", "/alice-bucket/keep/upload?uploads");
  EXPECT_EQ(other.Header("x-amz-abort-date"), "");

  ASSERT_EQ(At("PUT", "/alice-bucket/logs/old", "x", {{"x-amz-tagging", "temp=yes"}}).status, 200);
  ASSERT_EQ(At("PUT", "/alice-bucket/logs/kept", "x").status, 200);
  std::time_t e = std::chrono::system_clock::to_time_t(midnight + 3 * day);
  char expiry[64];
  std::strftime(expiry, sizeof expiry, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&e));
  EXPECT_EQ(At("HEAD", "/alice-bucket/logs/old").Header("x-amz-expiration"),
            std::string("expiry-date=\"") + expiry + "\", rule-id=\"expire-logs\"");
  EXPECT_EQ(At("HEAD", "/alice-bucket/logs/kept").Header("x-amz-expiration"), "");

  // At noon on D+2 the upload is due, the object not yet.
  offset_ = offset_.load() + std::chrono::hours(47);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(Code(At("GET", "/alice-bucket/tmp/upload?uploadId=" + id)), "NoSuchUpload");
  EXPECT_EQ(At("GET", "/alice-bucket/keep/upload?uploadId=" + other.Xml("UploadId")).status, 200);
  EXPECT_EQ(At("HEAD", "/alice-bucket/logs/old").status, 200);
  // A day on, the tagged log has expired; the untagged one stays.
  offset_ = offset_.load() + std::chrono::hours(24);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(At("HEAD", "/alice-bucket/logs/old").status, 404);
  EXPECT_EQ(At("HEAD", "/alice-bucket/logs/kept").status, 200);
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (and
// CopyObject, CompleteMultipartUpload): a write answers x-amz-expiration when
// a rule will expire what it wrote; the rule id is URL-encoded.
TEST_F(LifecycleTest, WritesAnswerTheExpirationOfWhatTheyWrote) {
  auto real = std::chrono::system_clock::now();
  auto day = std::chrono::hours(24);
  auto midnight = std::chrono::floor<std::chrono::days>(real) + day;
  offset_ = midnight + std::chrono::hours(1) - real;
  ASSERT_EQ(At("PUT", "/alice-bucket?lifecycle",
               "<LifecycleConfiguration><Rule><ID>expire temp logs</ID><Filter><And><Prefix>logs/"
               "</Prefix><Tag><Key>temp</Key><Value>yes</Value></Tag></And></Filter>"
               "<Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>"
               "</LifecycleConfiguration>")
                .status,
            200);
  std::time_t e = std::chrono::system_clock::to_time_t(midnight + 3 * day);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&e));
  const std::string expiry =
      std::string("expiry-date=\"") + date + "\", rule-id=\"expire%20temp%20logs\"";

  HttpResponse put = At("PUT", "/alice-bucket/logs/a", "x", {{"x-amz-tagging", "temp=yes"}});
  ASSERT_EQ(put.status, 200);
  EXPECT_EQ(put.Header("x-amz-expiration"), expiry);
  EXPECT_EQ(At("HEAD", "/alice-bucket/logs/a").Header("x-amz-expiration"), expiry);
  HttpResponse untagged = At("PUT", "/alice-bucket/logs/b", "x");
  ASSERT_EQ(untagged.status, 200);
  EXPECT_EQ(untagged.Header("x-amz-expiration"), "");

  HttpResponse copy =
      At("PUT", "/alice-bucket/logs/c", "", {{"x-amz-copy-source", "/alice-bucket/logs/a"}});
  ASSERT_EQ(copy.status, 200) << copy.body;
  EXPECT_EQ(copy.Header("x-amz-expiration"), expiry);
  HttpResponse retagged = At("PUT", "/alice-bucket/logs/d", "",
                             {{"x-amz-copy-source", "/alice-bucket/logs/a"},
                              {"x-amz-tagging-directive", "REPLACE"},
                              {"x-amz-tagging", "temp=no"}});
  ASSERT_EQ(retagged.status, 200) << retagged.body;
  EXPECT_EQ(retagged.Header("x-amz-expiration"), "");

  HttpResponse init =
      At("POST", "/alice-bucket/logs/mp?uploads", "", {{"x-amz-tagging", "temp=yes"}});
  ASSERT_EQ(init.status, 200);
  const std::string id = init.Xml("UploadId");
  HttpResponse part = At("PUT", "/alice-bucket/logs/mp?partNumber=1&uploadId=" + id, "part");
  ASSERT_EQ(part.status, 200);
  EXPECT_EQ(part.Header("x-amz-expiration"), "") << "UploadPart does not answer it";
  HttpResponse done = At("POST", "/alice-bucket/logs/mp?uploadId=" + id,
                         "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                             part.Header("etag") + "</ETag></Part></CompleteMultipartUpload>");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Header("x-amz-expiration"), expiry);
}

// --- seeding

class SeedTest : public ServerTest {
 protected:
  Options MakeOptions() override {
    Options o = ServerTest::MakeOptions();
    o.seed_dir = seed_.path();
    o.log_level = LogLevel::kInfo;
    o.log_sink = [this](LogLevel, std::string_view line) {
      std::lock_guard lock(mu_);
      log_ += std::string(line) + "\n";
    };
    return o;
  }
  void Write(const std::string& rel, const std::string& bytes) {
    std::filesystem::path p = std::filesystem::path(seed_.path()) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
  }
  std::string Log() {
    std::lock_guard lock(mu_);
    return log_;
  }
  void SetUp() override {
    Write("fixtures/a.json", "{\"a\":1}");
    Write("fixtures/deep/dir/b.bin", std::string(3 * 1024 * 1024 + 5, 'b'));
    Write("assets/index.html", "<html></html>");
    ServerTest::SetUp();
  }
  TempDir seed_;
  std::mutex mu_;
  std::string log_;
};

TEST_F(SeedTest, FilesBecomeObjectsOwnedByTheFirstUserOnceAcrossRestarts) {
  HttpResponse a = Call(*alice_, "GET", "/fixtures/a.json");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "{\"a\":1}");
  EXPECT_EQ(a.Header("content-type"), "application/json");
  HttpResponse b = Call(*alice_, "HEAD", "/fixtures/deep/dir/b.bin");
  EXPECT_EQ(b.Header("content-length"), std::to_string(3 * 1024 * 1024 + 5));
  EXPECT_EQ(Call(*alice_, "GET", "/assets/index.html").Header("content-type"), "text/html");
  EXPECT_EQ(Call(*bob_, "GET", "/fixtures/a.json").status, 403);
  EXPECT_NE(Log().find("3 objects uploaded, 0 unchanged"), std::string::npos) << Log();

  RestartServer();
  EXPECT_NE(Log().find("0 objects uploaded, 3 unchanged"), std::string::npos) << Log();
  EXPECT_EQ(Call(*alice_, "GET", "/fixtures/a.json").body, "{\"a\":1}");

  Write("fixtures/a.json", "{\"a\":22}");
  RestartServer();
  EXPECT_NE(Log().find("1 objects uploaded, 2 unchanged"), std::string::npos) << Log();
  EXPECT_EQ(Call(*alice_, "GET", "/fixtures/a.json").body, "{\"a\":22}");
}

TEST(SeedStartTest, AnInvalidBucketDirectoryStopsTheStart) {
  TempDir seed, data;
  std::filesystem::create_directories(std::filesystem::path(seed.path()) / "Not_A_Bucket");
  Options o;
  o.data_dir = data.path();
  o.users = {Alice()};
  o.seed_dir = seed.path();
  o.log_level = LogLevel::kOff;
  Server server(o);
  Status s = server.Start();
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("Not_A_Bucket"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace s2lite::testing
