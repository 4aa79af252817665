#pragma once

// GoogleTest helpers (target s2lite::gtest): a running fake S3 in a few lines.
//
//   #include <s2lite/testing/gtest.h>
//   class UploaderTest : public s2lite::testing::S3Test {};
//   TEST_F(UploaderTest, UploadsInParts) {
//     MyUploader up(endpoint(), access_key(), secret_key());   // your code
//     up.Upload(bucket(), "big.bin", data);
//     EXPECT_EQ(*server().ReadObject(bucket(), "big.bin"), data);
//   }
//
// Each test gets a fresh in-memory server on an ephemeral port, with one user
// and one bucket; it is stopped (leaving no files) when the test ends.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "s2lite/server.h"

namespace s2lite::testing {

// Options a test server starts with: in memory, 127.0.0.1:0, one user, one
// bucket ("test-bucket"), small parts allowed (min 5 bytes), quiet logs.
inline Options DefaultTestOptions() {
  Options o;
  o.in_memory = true;
  o.listen_host = "127.0.0.1";
  o.listen_port = 0;
  o.users = {{"tester", "AKIAS2LITETEST", "s2lite-test-secret", /*admin=*/true}};
  o.buckets = {"test-bucket"};
  o.threads = 2;
  o.min_part_size = 5;
  o.log_level = LogLevel::kWarn;
  return o;
}

// A fixture: one server per test. Override Configure() to change options.
class S3Test : public ::testing::Test {
 protected:
  virtual void Configure(Options& options) {}

  void SetUp() override {
    Options o = DefaultTestOptions();
    Configure(o);
    server_ = std::make_unique<Server>(std::move(o));
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << "s2lite did not start: " << s.message();
  }
  void TearDown() override { server_.reset(); }

  Server& server() { return *server_; }
  std::string endpoint() const { return server_->endpoint(); }
  const std::string& access_key() const { return server_->options().users.front().access_key; }
  const std::string& secret_key() const { return server_->options().users.front().secret_key; }
  std::string bucket() const {
    return server_->options().buckets.empty() ? std::string() : server_->options().buckets.front();
  }
  std::string region() const { return server_->options().region; }

 private:
  std::unique_ptr<Server> server_;
};

// A global environment: one server for the whole test binary (faster), reset
// between tests by calling S3Environment::Get()->server().Reset().
//   ::testing::AddGlobalTestEnvironment(new s2lite::testing::S3Environment);
class S3Environment : public ::testing::Environment {
 public:
  explicit S3Environment(Options options = DefaultTestOptions()) : options_(std::move(options)) {
    instance_slot() = this;
  }
  void SetUp() override {
    server_ = std::make_unique<Server>(options_);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << "s2lite did not start: " << s.message();
  }
  void TearDown() override { server_.reset(); }
  Server& server() { return *server_; }
  static S3Environment* Get() { return instance_slot(); }

 private:
  static S3Environment*& instance_slot() {
    static S3Environment* instance = nullptr;
    return instance;
  }
  Options options_;
  std::unique_ptr<Server> server_;
};

}  // namespace s2lite::testing
