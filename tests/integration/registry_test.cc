// The server on a PostgreSQL registry that goes away and comes back: requests
// fail fast with 503 SlowDown, /health/ready says not ready (and finds out by
// itself when the database is back), nothing acknowledged is lost. Runs only
// with S2LITE_TEST_REGISTRY (ctest integration.postgres).

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "server_fixture.h"

namespace s2lite::testing {
namespace {

class RegistryTest : public ServerTest {
 protected:
  void SetUp() override {
    if (::getenv("S2LITE_TEST_REGISTRY") == nullptr) {
      GTEST_SKIP() << "S2LITE_TEST_REGISTRY not set: the server runs on SQLite";
    }
    ServerTest::SetUp();
  }

  int Ready() {
    HttpRequest r;
    r.target = "/health/ready";
    r.sign = Sign::kNone;
    return alice_->Send(r).status;
  }

  HttpResponse Put(const std::string& target, const std::string& body) {
    HttpRequest r;
    r.method = "PUT";
    r.target = target;
    r.body = body;
    return alice_->Send(r);
  }

  // Lets (or stops letting) anyone connect to the test's database, ending
  // the sessions it has.
  void AllowConnections(bool allow) {
    const std::string admin = ::getenv("S2LITE_TEST_REGISTRY");
    ASSERT_EQ(
        storage::testing::PgQuery(admin, "ALTER DATABASE " + database_->name() +
                                             " ALLOW_CONNECTIONS " + (allow ? "true" : "false")),
        "");
    if (!allow) {
      storage::testing::PgQuery(admin,
                                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE datname = '" +
                                    database_->name() + "'");
    }
  }
};

TEST_F(RegistryTest, UnreachableDatabaseIsSlowDownAndNotReadyUntilItReturns) {
  ASSERT_EQ(Ready(), 200);
  ASSERT_EQ(Put("/alice-bucket/kept", "acknowledged").status, 200);

  AllowConnections(false);
  auto start = std::chrono::steady_clock::now();
  HttpResponse refused = Put("/alice-bucket/refused", "not stored");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.Xml("Code"), "SlowDown");
  EXPECT_EQ(refused.body.find("sock"), std::string::npos) << "no connection details";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(Ready(), 503);

  AllowConnections(true);
  EXPECT_EQ(Ready(), 200) << "the readiness check tries the database again by itself";
  HttpRequest get;
  get.target = "/alice-bucket/kept";
  HttpResponse kept = alice_->Send(get);
  EXPECT_EQ(kept.status, 200);
  EXPECT_EQ(kept.body, "acknowledged");
  get.target = "/alice-bucket/refused";
  EXPECT_EQ(alice_->Send(get).status, 404);
}

}  // namespace
}  // namespace s2lite::testing
