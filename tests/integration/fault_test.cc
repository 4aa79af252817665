// Fault injection: each kind fires as configured and only where configured.
#include <gtest/gtest.h>

#include "s2lite/testing/gtest.h"
#include "test_client.h"

namespace s2lite::testing {
namespace {

class FaultTest : public S3Test {
 protected:
  TestClient Client() { return TestClient(server().port(), access_key(), secret_key()); }
  HttpResponse Initiate(const std::string& key) {
    TestClient c = Client();
    HttpRequest r;
    r.method = "POST";
    r.target = "/" + bucket() + "/" + key + "?uploads";
    return c.Send(r);
  }
};

TEST_F(FaultTest, ErrorFiresForTheNextNMatchingRequestsOnly) {
  FaultRule rule;
  rule.operation = "CreateMultipartUpload";
  rule.key_prefix = "flaky/";
  rule.times = 2;
  rule.error_code = "SlowDown";
  rule.http_status = 503;
  server().AddFault(rule);
  EXPECT_EQ(Initiate("stable/a").status, 200);  // other prefix: untouched
  HttpResponse r = Initiate("flaky/a");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Xml("Code"), "SlowDown");
  EXPECT_EQ(Initiate("flaky/b").status, 503);
  EXPECT_EQ(Initiate("flaky/c").status, 200);  // used up
  EXPECT_EQ(server().FaultsFired(), 2u);
  EXPECT_EQ(server().ListUploads()->size(), 2u) << "a faulted request must not run";
}

TEST_F(FaultTest, DelayAddsLatency) {
  FaultRule rule;
  rule.action = FaultAction::kDelay;
  rule.delay_ms = 300;
  server().AddFault(rule);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Initiate("slow").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(290));
}

TEST_F(FaultTest, ResetCutsTheConnection) {
  FaultRule rule;
  rule.action = FaultAction::kReset;
  rule.times = 1;
  server().AddFault(rule);
  EXPECT_ANY_THROW(Initiate("reset-me"));
  EXPECT_EQ(Initiate("after").status, 200);
}

TEST_F(FaultTest, TruncateSendsHalfTheBody) {
  FaultRule rule;
  rule.action = FaultAction::kTruncate;
  rule.times = 1;
  server().AddFault(rule);
  EXPECT_ANY_THROW(Initiate("cut"));  // Content-Length promised more than arrived
  EXPECT_EQ(Initiate("whole").status, 200);
}

TEST_F(FaultTest, ProbabilityZeroNeverFires) {
  FaultRule rule;
  rule.probability = 0;
  server().AddFault(rule);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Initiate("p").status, 200);
  EXPECT_EQ(server().FaultsFired(), 0u);
}

TEST_F(FaultTest, AdminEndpointAddsListsAndClearsRules) {
  TestClient c = Client();
  HttpRequest add;
  add.method = "POST";
  add.target = "/_s2lite/faults";
  add.body =
      R"({"operation":"CreateMultipartUpload","action":"error","code":"InternalError","status":500,"times":1})";
  HttpResponse r = c.Send(add);
  ASSERT_EQ(r.status, 200) << r.body;
  HttpRequest list;
  list.target = "/_s2lite/faults";
  EXPECT_NE(c.Send(list).body.find("\"remaining\":1"), std::string::npos);
  EXPECT_EQ(Initiate("x").status, 500);
  HttpRequest clear;
  clear.method = "DELETE";
  clear.target = "/_s2lite/faults";
  EXPECT_EQ(c.Send(clear).status, 204);
  EXPECT_EQ(c.Send(list).body, "[]");
  // Anonymous callers cannot arm faults.
  add.sign = Sign::kNone;
  EXPECT_EQ(c.Send(add).status, 403);
  HttpRequest bad = add;
  bad.sign = Sign::kV4;
  bad.body = R"({"action":"explode"})";
  EXPECT_EQ(c.Send(bad).status, 400);
}

TEST(FaultRuleTest, ParsesFlagSpecs) {
  auto r =
      ParseFaultRule("operation=UploadPart,action=error,code=SlowDown,status=503,times=1,part=2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->operation, "UploadPart");
  EXPECT_EQ(r->error_code, "SlowDown");
  EXPECT_EQ(r->http_status, 503);
  EXPECT_EQ(r->times, 1);
  EXPECT_EQ(r->part_number, 2);
  EXPECT_FALSE(ParseFaultRule("action=boom").ok());
  EXPECT_FALSE(ParseFaultRule("status=99").ok());
  EXPECT_FALSE(ParseFaultRule("nonsense").ok());
}

}  // namespace
}  // namespace s2lite::testing
