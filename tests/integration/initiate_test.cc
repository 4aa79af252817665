// CreateMultipartUpload over real sockets: the seed's answer, the recorded
// metadata, and every error case with its S3 code.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <regex>
#include <set>
#include <thread>

#include "server_fixture.h"
#include "storage/object_store.h"
#include "storage/task.h"

namespace s2lite::testing {
namespace {

class InitiateTest : public ServerTest {
 protected:
  HttpResponse Initiate(const std::string& target,
                        std::vector<std::pair<std::string, std::string>> headers = {},
                        Sign sign = Sign::kV4, std::string host = "") {
    HttpRequest r;
    r.method = "POST";
    r.target = target;
    r.headers = std::move(headers);
    r.sign = sign;
    r.host = std::move(host);
    return alice_->Send(r);
  }
  storage::UploadInfo LoadUpload(const std::string& id) {
    server_.reset();  // release the registry, read it as a second process would
    storage::StoreOptions options{dir_.path(), false, false};
    options.registry = Registry();
    auto store = storage::OpenObjectStore(options);
    EXPECT_TRUE(store.ok());
    auto up = storage::Sync((*store)->GetUpload(id));
    EXPECT_TRUE(up.ok()) << up.status().message();
    return up.ok() ? *up : storage::UploadInfo{};
  }
};

TEST_F(InitiateTest, AnswersTheSeedDocumentPathStyle) {
  HttpResponse r = Initiate("/alice-bucket/path/to/my/file.txt?uploads",
                            {{"Content-Type", "text/plain"}, {"x-amz-meta-foo1", "value1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/xml");
  EXPECT_EQ(r.Header("connection"), "keep-alive");
  EXPECT_EQ(r.Header("x-amz-s2-requester"), "alice");
  EXPECT_FALSE(r.Header("x-amz-request-id").empty());
  EXPECT_FALSE(r.Header("x-amz-id-2").empty());
  EXPECT_TRUE(
      std::regex_match(r.Header("date"),
                       std::regex(R"([A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT)")))
      << r.Header("date");
  EXPECT_NE(r.body.find("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), std::string::npos);
  EXPECT_NE(
      r.body.find(
          "<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"),
      std::string::npos);
  EXPECT_EQ(r.Xml("Bucket"), "alice-bucket");
  EXPECT_EQ(r.Xml("Key"), "path/to/my/file.txt");
  std::string id = r.Xml("UploadId");
  EXPECT_TRUE(std::regex_match(id, std::regex("[A-Za-z0-9][A-Za-z0-9_-]{31,}"))) << id;
}

TEST_F(InitiateTest, AnswersVirtualHostedStyle) {
  HttpResponse r = Initiate("/photos/2026/cat.jpg?uploads", {}, Sign::kV4,
                            "alice-bucket.localhost:" + std::to_string(server_->port()));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Xml("Bucket"), "alice-bucket");
  EXPECT_EQ(r.Xml("Key"), "photos/2026/cat.jpg");
}

TEST_F(InitiateTest, AcceptsSigV2AsTheSeedSigns) {
  HttpResponse r = Initiate("/alice-bucket/file.txt?uploads",
                            {{"Content-Type", "text/plain"}, {"x-amz-meta-foo1", "v1"}}, Sign::kV2);
  ASSERT_EQ(r.status, 200) << r.body;
  HttpResponse v = Initiate("/file.txt?uploads", {}, Sign::kV2,
                            "alice-bucket.localhost:" + std::to_string(server_->port()));
  ASSERT_EQ(v.status, 200) << v.body;
}

TEST_F(InitiateTest, DecodesPercentEncodedKeys) {
  HttpResponse r = Initiate("/alice-bucket/a%20b/c%2Bd%E2%82%AC.txt?uploads");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Xml("Key"), "a b/c+d\xE2\x82\xAC.txt");
}

TEST_F(InitiateTest, RecordsMetadataAndHeadersDurably) {
  // ACLs enabled (a new bucket's BucketOwnerEnforced refuses public-read).
  HttpRequest own;
  own.method = "PUT";
  own.target = "/alice-bucket?ownershipControls";
  own.body =
      "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>"
      "</OwnershipControls>";
  ASSERT_EQ(alice_->Send(own).status, 200);
  HttpResponse r = Initiate("/alice-bucket/doc.bin?uploads",
                            {{"Content-Type", "image/png"},
                             {"X-Amz-Meta-Foo1", "value1"},
                             {"x-amz-meta-foo2", "value 2"},
                             {"Cache-Control", "max-age=60"},
                             {"Content-Disposition", "attachment; filename=\"a.png\""},
                             {"Content-Encoding", "gzip"},
                             {"Content-Language", "en"},
                             {"Expires", "Thu, 01 Dec 2094 16:00:00 GMT"},
                             {"x-amz-storage-class", "STANDARD_IA"},
                             {"x-amz-tagging", "a=1&b=2"},
                             {"x-amz-acl", "public-read"},
                             {"x-amz-checksum-algorithm", "CRC32"},
                             {"x-amz-server-side-encryption", "AES256"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-amz-server-side-encryption"), "AES256");
  EXPECT_EQ(r.Header("x-amz-checksum-algorithm"), "CRC32");
  storage::UploadInfo up = LoadUpload(r.Xml("UploadId"));
  EXPECT_EQ(up.bucket, "alice-bucket");
  EXPECT_EQ(up.key, "doc.bin");
  EXPECT_EQ(up.initiator, "alice");
  const storage::ObjectAttrs& a = up.attrs;
  EXPECT_EQ(a.content_type, "image/png");
  std::vector<std::pair<std::string, std::string>> meta = {{"foo1", "value1"}, {"foo2", "value 2"}};
  EXPECT_EQ(a.metadata, meta);
  EXPECT_EQ(a.cache_control, "max-age=60");
  EXPECT_EQ(a.content_disposition, "attachment; filename=\"a.png\"");
  EXPECT_EQ(a.content_encoding, "gzip");
  EXPECT_EQ(a.content_language, "en");
  EXPECT_EQ(a.expires, "Thu, 01 Dec 2094 16:00:00 GMT");
  EXPECT_EQ(a.storage_class, "STANDARD_IA");
  EXPECT_EQ(a.tagging, "a=1&b=2");
  EXPECT_EQ(a.acl, "public-read");
  EXPECT_EQ(a.checksum_algorithm, "CRC32");
  EXPECT_EQ(a.sse, "AES256");
}

TEST_F(InitiateTest, DefaultsContentTypeAndStorageClass) {
  HttpResponse r = Initiate("/alice-bucket/plain?uploads");
  ASSERT_EQ(r.status, 200) << r.body;
  storage::UploadInfo up = LoadUpload(r.Xml("UploadId"));
  EXPECT_EQ(up.attrs.content_type, "binary/octet-stream");
  EXPECT_EQ(up.attrs.storage_class, "STANDARD");
}

TEST_F(InitiateTest, UploadsSurviveRestart) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    HttpResponse r = Initiate("/alice-bucket/k" + std::to_string(i) + "?uploads");
    ASSERT_EQ(r.status, 200);
    ids.push_back(r.Xml("UploadId"));
  }
  RestartServer();
  server_.reset();
  storage::StoreOptions options{dir_.path(), false, false};
  options.registry = Registry();
  auto store = storage::OpenObjectStore(options);
  ASSERT_TRUE(store.ok());
  for (size_t i = 0; i < ids.size(); ++i) {
    auto up = storage::Sync((*store)->GetUpload(ids[i]));
    ASSERT_TRUE(up.ok()) << ids[i];
    EXPECT_EQ(up->key, "k" + std::to_string(i));
  }
}

TEST_F(InitiateTest, TwoHundredConcurrentInitiatesGetDistinctIds) {
  std::vector<std::string> ids(200);
  std::vector<int> statuses(200);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      TestClient c(server_->port(), "AKIAALICE", "alice-secret");
      for (int i = t; i < 200; i += 8) {
        HttpRequest r;
        r.method = "POST";
        r.target = "/alice-bucket/same-key?uploads";
        HttpResponse resp = c.Send(r, true);
        statuses[i] = resp.status;
        ids[i] = resp.Xml("UploadId");
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> unique(ids.begin(), ids.end());
  for (int s : statuses) EXPECT_EQ(s, 200);
  EXPECT_EQ(unique.size(), 200u);
}

// Group commit must not acknowledge early: the moment a 200 arrives, another
// process reading the registry already sees the upload, under concurrency.
TEST_F(InitiateTest, EveryAcknowledgedInitiateIsAlreadyCommitted) {
  constexpr int kThreads = 8, kEach = 25;
  std::atomic<int> acknowledged{0}, missing{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestClient c(server_->port(), "AKIAALICE", "alice-secret");
      sqlite3* db = nullptr;
      ASSERT_EQ(
          sqlite3_open_v2((dir_.path() + "/s2lite.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
          SQLITE_OK);
      sqlite3_stmt* stmt = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM uploads WHERE upload_id = ?1", -1,
                                   &stmt, nullptr),
                SQLITE_OK);
      for (int i = 0; i < kEach; ++i) {
        HttpRequest r;
        r.method = "POST";
        r.target = "/alice-bucket/t" + std::to_string(t) + "-" + std::to_string(i) + "?uploads";
        HttpResponse resp = c.Send(r, true);
        if (resp.status != 200) continue;
        ++acknowledged;
        std::string id = resp.Xml("UploadId");
        sqlite3_bind_text(stmt, 1, id.c_str(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
        if (sqlite3_step(stmt) != SQLITE_ROW || sqlite3_column_int(stmt, 0) != 1) ++missing;
        sqlite3_reset(stmt);
      }
      sqlite3_finalize(stmt);
      sqlite3_close(db);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(acknowledged.load(), kThreads * kEach);
  EXPECT_EQ(missing.load(), 0) << "acknowledged uploads not yet committed";
}

struct ErrorCase {
  std::string name;
  HttpRequest request;
  int status;
  std::string code;
};

TEST_F(InitiateTest, RefusesBadRequestsWithS3Errors) {
  auto post = [](std::string target) {
    HttpRequest r;
    r.method = "POST";
    r.target = std::move(target);
    return r;
  };
  std::vector<ErrorCase> cases;
  {
    HttpRequest r = post("/alice-bucket/k?uploads");
    r.sign = Sign::kNone;
    cases.push_back({"anonymous", r, 403, "AccessDenied"});
  }
  {
    HttpRequest r = post("/alice-bucket/k?uploads");
    r.access_key = "AKIANOBODY";
    cases.push_back({"unknown access key", r, 403, "InvalidAccessKeyId"});
  }
  {
    HttpRequest r = post("/alice-bucket/k?uploads");
    r.secret_key = "wrong-secret";
    cases.push_back({"wrong signature", r, 403, "SignatureDoesNotMatch"});
  }
  {
    HttpRequest r = post("/alice-bucket/k?uploads");
    r.sign = Sign::kV2;
    r.secret_key = "wrong-secret";
    cases.push_back({"wrong v2 signature", r, 403, "SignatureDoesNotMatch"});
  }
  {
    HttpRequest r = post("/alice-bucket/k?uploads");
    r.time = std::chrono::system_clock::now() - std::chrono::minutes(20);
    cases.push_back({"skewed clock", r, 403, "RequestTimeTooSkewed"});
  }
  {
    HttpRequest r = post("/alice-bucket/k?uploads");
    r.time = std::chrono::system_clock::now() + std::chrono::minutes(20);
    r.sign = Sign::kV2;
    cases.push_back({"skewed clock v2", r, 403, "RequestTimeTooSkewed"});
  }
  cases.push_back({"missing bucket", post("/no-such-bucket/k?uploads"), 404, "NoSuchBucket"});
  cases.push_back({"key too long", post("/alice-bucket/" + std::string(1025, 'k') + "?uploads"),
                   400, "KeyTooLongError"});
  {
    HttpRequest r = post("/alice-bucket/k?uploads");
    r.headers.emplace_back("x-amz-meta-big", std::string(2100, 'x'));
    cases.push_back({"metadata too large", r, 400, "MetadataTooLarge"});
  }
  {
    HttpRequest r = post("/alice-bucket/k?uploads");
    r.headers.emplace_back("x-amz-storage-class", "PLATINUM");
    cases.push_back({"bad storage class", r, 400, "InvalidStorageClass"});
  }
  {
    HttpRequest r = post("/alice-bucket/k?uploads");
    r.headers.emplace_back("x-amz-acl", "everyone-welcome");
    cases.push_back({"bad canned acl", r, 400, "InvalidArgument"});
  }
  cases.push_back({"bad percent encoding", post("/alice-bucket/k%zz?uploads"), 400, "InvalidURI"});
  for (auto& c : cases) {
    SCOPED_TRACE(c.name);
    HttpResponse r = alice_->Send(c.request);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.Xml("Code"), c.code) << r.body;
    EXPECT_FALSE(r.Xml("RequestId").empty());
    EXPECT_EQ(r.body.find("xmlns"), std::string::npos) << "error documents carry no namespace";
  }
}

TEST_F(InitiateTest, KeyOfExactly1024BytesIsAccepted) {
  HttpResponse r = Initiate("/alice-bucket/" + std::string(1024, 'k') + "?uploads");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(InitiateTest, SignatureMismatchExplainsStringToSign) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/alice-bucket/k?uploads";
  r.secret_key = "nope";
  HttpResponse resp = alice_->Send(r);
  EXPECT_EQ(resp.status, 403);
  EXPECT_NE(resp.Xml("StringToSign").find("AWS4-HMAC-SHA256"), std::string::npos);
  EXPECT_FALSE(resp.Xml("CanonicalRequest").empty());
  EXPECT_EQ(resp.body.find("alice-secret"), std::string::npos);
}

TEST_F(InitiateTest, OtherUsersBucketIsAccessDenied) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/alice-bucket/k?uploads";
  HttpResponse resp = bob_->Send(r);
  EXPECT_EQ(resp.status, 403);
  EXPECT_EQ(resp.Xml("Code"), "AccessDenied");
}

}  // namespace
}  // namespace s2lite::testing
