// The web console: its files are the only anonymous answers under /_s2lite/
// besides health and metrics, with a strict CSP; --no-console turns them off;
// the recent-requests ring is for admins only; ListParts tells the owner what
// an upload was initiated with.
#include <gtest/gtest.h>

#include <string>

#include "server_fixture.h"

namespace s2lite::testing {
namespace {

UserCredentials AdminAlice() {
  UserCredentials u = Alice();
  u.admin = true;
  return u;
}

class ConsoleTest : public ServerTest {
 protected:
  Options MakeOptions() override {
    Options o = ServerTest::MakeOptions();
    o.users = {AdminAlice(), Bob()};
    o.console = console_;
    return o;
  }
  HttpResponse Anonymous(const std::string& target, const std::string& method = "GET",
                         const std::string& host = "") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.sign = Sign::kNone;
    r.host = host;
    return alice_->Send(r);
  }
  HttpResponse Signed(TestClient& c, const std::string& method, const std::string& target,
                      std::vector<std::pair<std::string, std::string>> headers = {},
                      const std::string& body = "") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.headers = std::move(headers);
    r.body = body;
    return c.Send(r);
  }
  static size_t Count(const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
  }
  bool console_ = true;
};

TEST_F(ConsoleTest, ServesItsFilesAnonymouslyWithAStrictPolicy) {
  struct Case {
    const char* path;
    const char* type;
    const char* contains;
  };
  const Case kCases[] = {
      {"/_s2lite/console/", "text/html; charset=utf-8", "<script type=\"module\" src=\"app.js\">"},
      {"/_s2lite/console/index.html", "text/html; charset=utf-8", "s2lite console"},
      {"/_s2lite/console/app.js", "text/javascript; charset=utf-8", "sessionStorage"},
      {"/_s2lite/console/sigv4.js", "text/javascript; charset=utf-8", "AWS4-HMAC-SHA256"},
      {"/_s2lite/console/style.css", "text/css; charset=utf-8", ":root"},
      {"/_s2lite/console/icon.svg", "image/svg+xml", "<svg"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.path);
    HttpResponse r = Anonymous(c.path);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("content-type"), c.type);
    EXPECT_NE(r.body.find(c.contains), std::string::npos);
    EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
    std::string csp = r.Header("content-security-policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
    EXPECT_EQ(r.Header("x-frame-options"), "DENY");
  }
  // No inline script: every <script> of the page has a src.
  HttpResponse index = Anonymous("/_s2lite/console/");
  EXPECT_EQ(Count(index.body, "<script"), Count(index.body, "<script type=\"module\" src="));
  EXPECT_EQ(index.body.find("onclick="), std::string::npos);
  EXPECT_EQ(index.body.find("style="), std::string::npos);
  // HEAD: the headers and length, no body.
  HttpResponse head = Anonymous("/_s2lite/console/app.js", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.Header("content-length"),
            std::to_string(Anonymous("/_s2lite/console/app.js").body.size()));
}

TEST_F(ConsoleTest, RedirectsToTheSlashAndAnswers404ForUnknownFiles) {
  HttpResponse r = Anonymous("/_s2lite/console");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("location"), "/_s2lite/console/");
  EXPECT_EQ(Anonymous("/_s2lite/console/nope.js").status, 404);
  EXPECT_EQ(Anonymous("/_s2lite/console/../faults").status, 404);
  EXPECT_EQ(Anonymous("/_s2lite/console/%2e%2e/faults").status, 404);
  // "/_s2lite/consoles" is not the console: an unknown endpoint.
  EXPECT_EQ(Anonymous("/_s2lite/consoles").status, 400);
}

TEST_F(ConsoleTest, OnlyGetAndHeadArePublicAndNotInVirtualHostedStyle) {
  for (const char* m : {"POST", "PUT", "DELETE"}) {
    SCOPED_TRACE(m);
    HttpResponse r = Anonymous("/_s2lite/console/", m);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.Xml("Code"), "AccessDenied");
  }
  // In virtual-hosted style the path is an object key of the bucket: anonymous
  // is refused as for any object.
  HttpResponse vh = Anonymous("/_s2lite/console/", "GET", "alice-bucket.localhost");
  EXPECT_EQ(vh.status, 403) << vh.body;
  EXPECT_TRUE(vh.Header("content-security-policy").empty());
}

TEST_F(ConsoleTest, NothingElseUnderS2liteBecameAnonymous) {
  // Public before the console and still: health and metrics.
  EXPECT_EQ(Anonymous("/_s2lite/health/live").status, 200);
  EXPECT_EQ(Anonymous("/_s2lite/metrics").status, 200);
  for (const char* path : {"/_s2lite/faults", "/_s2lite/faults/1", "/_s2lite/requests"}) {
    for (const char* m : {"GET", "POST", "DELETE"}) {
      SCOPED_TRACE(std::string(m) + " " + path);
      HttpResponse r = Anonymous(path, m);
      EXPECT_TRUE(r.status == 403 || r.status == 400) << r.status << " " << r.body;
      EXPECT_TRUE(r.Header("content-security-policy").empty());
      EXPECT_EQ(r.body.find("\"operation\""), std::string::npos) << r.body;
    }
  }
  EXPECT_EQ(Anonymous("/_s2lite/requests").Xml("Code"), "AccessDenied");
  EXPECT_EQ(Anonymous("/_s2lite/other").status, 400);
}

class ConsoleOffTest : public ConsoleTest {
 protected:
  Options MakeOptions() override {
    console_ = false;
    return ConsoleTest::MakeOptions();
  }
};

TEST_F(ConsoleOffTest, AnswersNotFoundWhenTheConsoleIsOff) {
  for (const char* path : {"/_s2lite/console/", "/_s2lite/console/app.js", "/_s2lite/console"}) {
    SCOPED_TRACE(path);
    HttpResponse r = Anonymous(path);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body.find("<script"), std::string::npos);
  }
  // The rest of the server is unchanged.
  EXPECT_EQ(Anonymous("/_s2lite/health/live").status, 200);
  EXPECT_EQ(Signed(*alice_, "HEAD", "/alice-bucket").status, 200);
}

TEST_F(ConsoleTest, RecentRequestsAreForAdminsOnly) {
  ASSERT_EQ(Signed(*alice_, "PUT", "/alice-bucket/ring%20key", {}, "hello").status, 200);
  ASSERT_EQ(Signed(*alice_, "GET", "/alice-bucket/missing").status, 404);
  Anonymous("/_s2lite/metrics");  // operational: not kept
  HttpResponse denied = Signed(*bob_, "GET", "/_s2lite/requests");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.Xml("Code"), "AccessDenied");
  EXPECT_EQ(denied.body.find("ring key"), std::string::npos);

  HttpResponse r = Signed(*alice_, "GET", "/_s2lite/requests");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  // Newest first: the failed GetObject, then the PutObject (key decoded), then
  // bob's refused read; no metrics scrape and not the ring's own reads.
  size_t get = r.body.find("\"operation\":\"GetObject\"");
  size_t put = r.body.find("\"operation\":\"PutObject\"");
  ASSERT_NE(get, std::string::npos) << r.body;
  ASSERT_NE(put, std::string::npos) << r.body;
  EXPECT_LT(get, put);
  EXPECT_NE(r.body.find("\"key\":\"ring key\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"status\":404,\"error_code\":\"NoSuchKey\""), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"user\":\"alice\""), std::string::npos);
  EXPECT_NE(r.body.find("\"bytes_in\":5"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("AdminRequests"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("\"operation\":\"Unsupported\""), std::string::npos) << r.body;

  // At most the last 100.
  for (int i = 0; i < 110; ++i) ASSERT_EQ(Signed(*alice_, "HEAD", "/alice-bucket").status, 200);
  r = Signed(*alice_, "GET", "/_s2lite/requests");
  EXPECT_EQ(Count(r.body, "\"request_id\""), 100u);
  EXPECT_EQ(r.body.find("PutObject"), std::string::npos);
  EXPECT_EQ(Signed(*alice_, "DELETE", "/_s2lite/requests").status, 405);
}

TEST_F(ConsoleTest, ListPartsTellsTheOwnerWhatTheUploadWasInitiatedWith) {
  HttpResponse init = Signed(*alice_, "POST", "/alice-bucket/doc.txt?uploads=",
                             {{"content-type", "text/plain"},
                              {"x-amz-meta-project", "apollo"},
                              {"x-amz-meta-Owner-Name", "Ada"}});
  ASSERT_EQ(init.status, 200) << init.body;
  std::string id = init.Xml("UploadId");
  ASSERT_EQ(
      Signed(*alice_, "PUT", "/alice-bucket/doc.txt?partNumber=1&uploadId=" + id, {}, "abc").status,
      200);
  HttpResponse parts = Signed(*alice_, "GET", "/alice-bucket/doc.txt?uploadId=" + id);
  ASSERT_EQ(parts.status, 200) << parts.body;
  EXPECT_EQ(parts.Header("x-s2lite-upload-content-type"), "text/plain");
  EXPECT_EQ(parts.Header("x-s2lite-upload-meta-project"), "apollo");
  EXPECT_EQ(parts.Header("x-s2lite-upload-meta-owner-name"), "Ada");
  EXPECT_FALSE(parts.Header("x-s2lite-upload-initiated").empty());
  EXPECT_TRUE(parts.Header("x-amz-abort-date").empty());  // no abort rule configured
  EXPECT_EQ(parts.XmlAll("PartNumber").size(), 1u);
  // Another user sees neither the parts nor the metadata.
  HttpResponse bob = Signed(*bob_, "GET", "/alice-bucket/doc.txt?uploadId=" + id);
  EXPECT_EQ(bob.status, 403);
  EXPECT_TRUE(bob.Header("x-s2lite-upload-meta-project").empty());
}

class ConsoleAbortRuleTest : public ConsoleTest {
 protected:
  Options MakeOptions() override {
    Options o = ConsoleTest::MakeOptions();
    o.abort_incomplete_after = std::chrono::seconds(86400);
    return o;
  }
};

TEST_F(ConsoleAbortRuleTest, ListPartsReportsTheAbortDateOfTheServerRule) {
  HttpResponse init = Signed(*alice_, "POST", "/alice-bucket/k?uploads=");
  ASSERT_EQ(init.status, 200);
  HttpResponse parts = Signed(*alice_, "GET", "/alice-bucket/k?uploadId=" + init.Xml("UploadId"));
  ASSERT_EQ(parts.status, 200);
  EXPECT_EQ(parts.Header("x-amz-abort-rule-id"), "s2lite-abort-incomplete-after");
  EXPECT_NE(parts.Header("x-amz-abort-date").find("GMT"), std::string::npos);
}

TEST_F(ConsoleTest, FaultRulesCountHowOftenTheyFired) {
  HttpResponse add = Signed(*alice_, "POST", "/_s2lite/faults", {},
                            R"({"operation":"HeadBucket","action":"error","code":"SlowDown",)"
                            R"("status":503,"times":2})");
  ASSERT_EQ(add.status, 200) << add.body;
  EXPECT_EQ(Signed(*alice_, "HEAD", "/alice-bucket").status, 503);
  HttpResponse list = Signed(*alice_, "GET", "/_s2lite/faults");
  EXPECT_NE(list.body.find("\"remaining\":1,\"fired\":1"), std::string::npos) << list.body;
}

}  // namespace
}  // namespace s2lite::testing
