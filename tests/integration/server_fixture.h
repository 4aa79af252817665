#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <memory>

#include "s2lite/server.h"
#include "test_client.h"
#include "tests/unit/storage/pg_test_util.h"

namespace s2lite::testing {

// A real server on an ephemeral port over a temp data dir, users alice and
// bob, bucket "alice-bucket" owned by alice.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }
  void TearDown() override { server_.reset(); }

  virtual Options MakeOptions() {
    Options o;
    o.listen_host = "127.0.0.1";
    o.listen_port = 0;
    o.data_dir = dir_.path();
    o.users = {Alice(), Bob()};
    o.buckets = {"alice-bucket"};
    o.threads = 2;
    o.log_level = LogLevel::kWarn;
    o.registry = Registry();
    return o;
  }
  // S2LITE_TEST_REGISTRY: an administrator's connection string to a
  // throwaway PostgreSQL cluster; each test then runs on a database of its
  // own there (kept across RestartServer, dropped at the end). Unset: SQLite.
  std::string Registry() {
    const char* admin = ::getenv("S2LITE_TEST_REGISTRY");
    if (admin == nullptr || *admin == '\0') return "";
    if (!database_) database_ = std::make_unique<storage::testing::TempDatabase>(admin);
    // An unusable registry makes Start() fail with the reason.
    if (database_->conninfo().empty()) return "host=/nonexistent " + database_->error();
    return database_->conninfo();
  }
  void StartServer() {
    server_ = std::make_unique<Server>(MakeOptions());
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.message();
    alice_ = std::make_unique<TestClient>(server_->port(), "AKIAALICE", "alice-secret");
    bob_ = std::make_unique<TestClient>(server_->port(), "AKIABOB", "bob-secret");
  }
  void RestartServer() {
    server_.reset();
    StartServer();
  }

  std::unique_ptr<storage::testing::TempDatabase> database_;  // outlives the server
  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<TestClient> alice_, bob_;
};

}  // namespace s2lite::testing
