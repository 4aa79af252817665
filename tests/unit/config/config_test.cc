#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string_view>

namespace s2lite::config {
namespace {

ParseResult ParseArgs(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  std::vector<const char*> argv = {"s2lite"};
  for (auto& a : args) argv.push_back(a.c_str());
  return Parse(static_cast<int>(argv.size()), argv.data(), [&env](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(ConfigTest, DefaultsToLoopbackWithDevCredentials) {
  auto r = ParseArgs({});
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_EQ(r.config->options.listen_host, "127.0.0.1");
  EXPECT_EQ(r.config->options.listen_port, 9000);
  EXPECT_EQ(r.config->options.data_dir, "./data");
  EXPECT_EQ(r.config->options.region, "us-east-1");
  ASSERT_EQ(r.config->options.users.size(), 1u);
  EXPECT_EQ(r.config->options.users[0].access_key, kDevAccessKey);
  EXPECT_TRUE(r.config->dev_credentials);
}

TEST(ConfigTest, ParsesFlags) {
  auto r = ParseArgs({"--listen",     "127.0.0.1:0", "--data-dir",  "/tmp/x",
                      "--domain",     "a.test",      "--domain",    "b.test",
                      "--region",     "eu-west-1",   "--bucket",    "one",
                      "--bucket",     "two",         "--user",      "ann:AK1:SK:with:colons",
                      "--ready-file", "/tmp/ready",  "--log-level", "debug",
                      "--log-format", "json"});
  ASSERT_TRUE(r.config) << r.error;
  const Options& o = r.config->options;
  EXPECT_EQ(o.listen_port, 0);
  EXPECT_EQ(o.data_dir, "/tmp/x");
  EXPECT_EQ(o.domains, (std::vector<std::string>{"a.test", "b.test"}));
  EXPECT_EQ(o.region, "eu-west-1");
  EXPECT_EQ(o.buckets, (std::vector<std::string>{"one", "two"}));
  ASSERT_EQ(o.users.size(), 1u);
  EXPECT_EQ(o.users[0].name, "ann");
  EXPECT_EQ(o.users[0].access_key, "AK1");
  EXPECT_EQ(o.users[0].secret_key, "SK:with:colons");
  EXPECT_EQ(r.config->ready_file, "/tmp/ready");
  EXPECT_EQ(o.log_level, LogLevel::kDebug);
  EXPECT_TRUE(o.log_json);
  EXPECT_FALSE(r.config->dev_credentials);
}

TEST(ConfigTest, DevCredentialsAreAnAdminThatAnswersLocalHostsOnly) {
  auto r = ParseArgs({});
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_TRUE(r.config->options.users[0].admin);
  EXPECT_TRUE(r.config->options.local_hosts_only);
  auto explicit_dev = ParseArgs({"--user", std::string("dev:AK:") + kDevSecretKey});
  ASSERT_TRUE(explicit_dev.config) << explicit_dev.error;
  EXPECT_TRUE(explicit_dev.config->options.local_hosts_only) << "the public secret, configured";
  auto configured = ParseArgs({"--user", "ann:AK1:SK1"});
  ASSERT_TRUE(configured.config) << configured.error;
  EXPECT_FALSE(configured.config->options.users[0].admin);
  EXPECT_FALSE(configured.config->options.local_hosts_only);
}

TEST(ConfigTest, AdminsAreNamedOnTheirUserOrByName) {
  auto r = ParseArgs({"--user", "ann:AK1:SK1:admin", "--user", "bob:AK2:SK2", "--user",
                      "cy:AK3:SK3", "--admin", "cy"});
  ASSERT_TRUE(r.config) << r.error;
  const auto& users = r.config->options.users;
  ASSERT_EQ(users.size(), 3u);
  EXPECT_TRUE(users[0].admin);
  EXPECT_EQ(users[0].secret_key, "SK1");
  EXPECT_FALSE(users[1].admin);
  EXPECT_TRUE(users[2].admin);
  auto env = ParseArgs({}, {{"S2LITE_ACCESS_KEY", "AK"},
                            {"S2LITE_SECRET_KEY", "SK"},
                            {"S2LITE_USER", "dev"},
                            {"S2LITE_ADMIN", "dev"}});
  ASSERT_TRUE(env.config) << env.error;
  EXPECT_TRUE(env.config->options.users[0].admin);
  EXPECT_FALSE(ParseArgs({"--user", "ann:AK1:SK1", "--admin", "nobody"}).config);
  // "admin" as a whole secret key is a key, not a flag.
  auto key = ParseArgs({"--user", "ann:AK1:admin"});
  ASSERT_TRUE(key.config) << key.error;
  EXPECT_EQ(key.config->options.users[0].secret_key, "admin");
  EXPECT_FALSE(key.config->options.users[0].admin);
}

TEST(ConfigTest, FlagsBeatEnvironmentWhichBeatsFile) {
  char path[] = "/tmp/s2lite-config-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream f(path);
    f << "region = from-file\ndata-dir = /file\nbucket = filebucket\nlisten = 127.0.0.1:1\n";
  }
  auto r =
      ParseArgs({"--config", path, "--listen", "127.0.0.1:3"}, {{"S2LITE_REGION", "from-env"},
                                                                {"S2LITE_LISTEN", "127.0.0.1:2"},
                                                                {"S2LITE_ACCESS_KEY", "EAK"},
                                                                {"S2LITE_SECRET_KEY", "ESK"},
                                                                {"S2LITE_USER", "envuser"}});
  std::remove(path);
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_EQ(r.config->options.region, "from-env");
  EXPECT_EQ(r.config->options.data_dir, "/file");
  EXPECT_EQ(r.config->options.listen_port, 3);
  EXPECT_EQ(r.config->options.buckets, std::vector<std::string>{"filebucket"});
  ASSERT_EQ(r.config->options.users.size(), 1u);
  EXPECT_EQ(r.config->options.users[0].name, "envuser");
  EXPECT_EQ(r.config->options.users[0].access_key, "EAK");
}

TEST(ConfigTest, RegistryComesFromFlagEnvironmentOrFileAndDefaultsToSqlite) {
  auto none = ParseArgs({});
  ASSERT_TRUE(none.config) << none.error;
  EXPECT_EQ(none.config->options.registry, "");
  const std::string uri = "postgresql://s2@db.internal:5432/s2lite?sslmode=require";
  auto flag = ParseArgs({"--registry", uri}, {{"S2LITE_REGISTRY", "host=env dbname=x"}});
  ASSERT_TRUE(flag.config) << flag.error;
  EXPECT_EQ(flag.config->options.registry, uri);
  auto env = ParseArgs({}, {{"S2LITE_REGISTRY", "host=/run/pg dbname=s2lite"}});
  ASSERT_TRUE(env.config) << env.error;
  EXPECT_EQ(env.config->options.registry, "host=/run/pg dbname=s2lite");
  char path[] = "/tmp/s2lite-config-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream f(path);
    f << "registry = postgres://file@localhost/s2lite\n";
  }
  auto file = ParseArgs({"--config", path});
  std::remove(path);
  ASSERT_TRUE(file.config) << file.error;
  EXPECT_EQ(file.config->options.registry, "postgres://file@localhost/s2lite");
}

TEST(ConfigTest, RefusesNonLoopbackWithoutCredentials) {
  auto r = ParseArgs({"--listen", "0.0.0.0:9000"});
  EXPECT_FALSE(r.config);
  EXPECT_NE(r.error.find("non-loopback"), std::string::npos);
  auto ok = ParseArgs({"--listen", "0.0.0.0:9000", "--user", "u:a:s"});
  EXPECT_TRUE(ok.config) << ok.error;
}

TEST(ConfigTest, RefusesInvalidValuesClearly) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--listen", "nope"},
                                        {"--listen", "1.2.3.4:99999"},
                                        {"--user", "onlyname"},
                                        {"--log-level", "loud"},
                                        {"--log-format", "xml"},
                                        {"--threads", "-1"},
                                        {"--unknown-flag"},
                                        {"--min-part-size", "big"},
                                        {"--abort-incomplete-after", "-5"},
                                        {"--abort-incomplete-after", "1h"},
                                        {"--max-connections", "0"},
                                        {"--max-connections", "many"}}) {
    SCOPED_TRACE(args[0]);
    auto r = ParseArgs(args);
    EXPECT_FALSE(r.config);
    EXPECT_FALSE(r.error.empty());
  }
}

TEST(ConfigTest, ParsesIpv6Listen) {
  std::string host;
  uint16_t port = 1;
  EXPECT_TRUE(ParseListen("[::1]:0", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  EXPECT_TRUE(IsLoopback("::1"));
  EXPECT_FALSE(IsLoopback("10.0.0.1"));
}

TEST(ConfigTest, AbortIncompleteAfterFromFlagOrEnvironment) {
  auto none = ParseArgs({});
  ASSERT_TRUE(none.config) << none.error;
  EXPECT_EQ(none.config->options.abort_incomplete_after.count(), 0);
  auto flag = ParseArgs({"--abort-incomplete-after", "86400"});
  ASSERT_TRUE(flag.config) << flag.error;
  EXPECT_EQ(flag.config->options.abort_incomplete_after, std::chrono::hours(24));
  auto env = ParseArgs({}, {{"S2LITE_ABORT_INCOMPLETE_AFTER", "3600"}});
  ASSERT_TRUE(env.config) << env.error;
  EXPECT_EQ(env.config->options.abort_incomplete_after, std::chrono::hours(1));
}

TEST(ConfigTest, ClusterTimingsFromFlagOrEnvironment) {
  auto none = ParseArgs({});
  ASSERT_TRUE(none.config) << none.error;
  EXPECT_EQ(none.config->options.lease_ttl, std::chrono::seconds(15));
  EXPECT_EQ(none.config->options.max_read_duration, std::chrono::minutes(30));
  EXPECT_EQ(none.config->options.blob_grace, std::chrono::hours(1));
  auto flags = ParseArgs({"--lease-ttl", "1.5", "--blob-grace", "3", "--max-read-duration", "2"});
  ASSERT_TRUE(flags.config) << flags.error;
  EXPECT_EQ(flags.config->options.lease_ttl, std::chrono::milliseconds(1500));
  EXPECT_EQ(flags.config->options.blob_grace, std::chrono::seconds(3));
  EXPECT_EQ(flags.config->options.max_read_duration, std::chrono::seconds(2));
  auto env = ParseArgs({}, {{"S2LITE_LEASE_TTL", "30"}, {"S2LITE_BLOB_GRACE", "7200"}});
  ASSERT_TRUE(env.config) << env.error;
  EXPECT_EQ(env.config->options.lease_ttl, std::chrono::seconds(30));
  EXPECT_EQ(env.config->options.blob_grace, std::chrono::hours(2));

  for (std::vector<std::string> args : {std::vector<std::string>{"--lease-ttl", "0"},
                                        {"--blob-grace", "-1"},
                                        {"--blob-grace", "1h"},
                                        {"--max-read-duration", "nan"}}) {
    SCOPED_TRACE(args[0] + " " + args[1]);
    EXPECT_FALSE(ParseArgs(args).config);
  }
  // A GET could still be reading bytes the sweeper removes.
  auto unsafe = ParseArgs({"--blob-grace", "60", "--max-read-duration", "60"});
  EXPECT_FALSE(unsafe.config);
  EXPECT_NE(unsafe.error.find("must exceed --max-read-duration (60 s)"), std::string::npos)
      << unsafe.error;
}

TEST(ConfigTest, SeedDirectoryFromFlagOrEnvironment) {
  auto none = ParseArgs({});
  ASSERT_TRUE(none.config) << none.error;
  EXPECT_EQ(none.config->options.seed_dir, "");
  auto flag = ParseArgs({"--seed", "/fixtures"}, {{"S2LITE_SEED", "/env"}});
  ASSERT_TRUE(flag.config) << flag.error;
  EXPECT_EQ(flag.config->options.seed_dir, "/fixtures");
  auto env = ParseArgs({}, {{"S2LITE_SEED", "/env"}});
  ASSERT_TRUE(env.config) << env.error;
  EXPECT_EQ(env.config->options.seed_dir, "/env");
}

TEST(ConfigTest, MaxConnectionsFromFlagOrEnvironment) {
  auto none = ParseArgs({});
  ASSERT_TRUE(none.config) << none.error;
  EXPECT_EQ(none.config->options.max_connections, 4096u);
  auto flag = ParseArgs({"--max-connections", "64"});
  ASSERT_TRUE(flag.config) << flag.error;
  EXPECT_EQ(flag.config->options.max_connections, 64u);
  auto env = ParseArgs({}, {{"S2LITE_MAX_CONNECTIONS", "10"}});
  ASSERT_TRUE(env.config) << env.error;
  EXPECT_EQ(env.config->options.max_connections, 10u);
}

TEST(ConfigTest, CorsAllowOriginFromFlagsOrEnvironment) {
  auto none = ParseArgs({});
  ASSERT_TRUE(none.config) << none.error;
  EXPECT_TRUE(none.config->options.cors_allow_origins.empty());
  auto flags = ParseArgs(
      {"--cors-allow-origin", "http://localhost:*", "--cors-allow-origin", "https://app.test"});
  ASSERT_TRUE(flags.config) << flags.error;
  EXPECT_EQ(flags.config->options.cors_allow_origins,
            (std::vector<std::string>{"http://localhost:*", "https://app.test"}));
  auto env = ParseArgs({}, {{"S2LITE_CORS_ALLOW_ORIGIN", "http://a.test,http://b.test"}});
  ASSERT_TRUE(env.config) << env.error;
  EXPECT_EQ(env.config->options.cors_allow_origins,
            (std::vector<std::string>{"http://a.test", "http://b.test"}));
  auto bad = ParseArgs({"--cors-allow-origin", "http://*.*.test"});
  EXPECT_FALSE(bad.config);
  EXPECT_NE(bad.error.find("--cors-allow-origin"), std::string::npos) << bad.error;
}

TEST(ConfigTest, HealthcheckUrlProbesTheListenPortOnLoopback) {
  struct Case {
    const char* listen;  // S2LITE_LISTEN, or nullptr when unset
    const char* url;
  };
  const Case kCases[] = {
      {nullptr, "http://127.0.0.1:9000"},
      {"", "http://127.0.0.1:9000"},
      {"0.0.0.0:9000", "http://127.0.0.1:9000"},
      {"127.0.0.1:9100", "http://127.0.0.1:9100"},
      {"[::]:9000", "http://[::1]:9000"},
      {"[::1]:9001", "http://[::1]:9001"},
      {"10.1.2.3:80", "http://10.1.2.3:80"},
      {"localhost:9000", "http://localhost:9000"},
      {"nonsense", ""},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.listen ? c.listen : "(unset)");
    EXPECT_EQ(HealthcheckUrl([&c](const char* name) -> const char* {
                return std::string_view(name) == "S2LITE_LISTEN" ? c.listen : nullptr;
              }),
              c.url);
  }
}

TEST(ConfigTest, Md5LanesOnByDefaultOffByFlagOrEnvironment) {
  auto none = ParseArgs({});
  ASSERT_TRUE(none.config) << none.error;
  EXPECT_TRUE(none.config->options.md5_lanes);
  auto flag = ParseArgs({"--md5-lanes=false"});
  ASSERT_TRUE(flag.config) << flag.error;
  EXPECT_FALSE(flag.config->options.md5_lanes);
  auto env = ParseArgs({}, {{"S2LITE_MD5_LANES", "0"}});
  ASSERT_TRUE(env.config) << env.error;
  EXPECT_FALSE(env.config->options.md5_lanes);
}

TEST(ConfigTest, ConsoleOnByDefaultOffByNoConsoleFlagOrEnvironment) {
  auto none = ParseArgs({});
  ASSERT_TRUE(none.config) << none.error;
  EXPECT_TRUE(none.config->options.console);
  auto flag = ParseArgs({"--no-console"});
  ASSERT_TRUE(flag.config) << flag.error;
  EXPECT_FALSE(flag.config->options.console);
  auto both = ParseArgs({"--console", "--no-console"});
  ASSERT_TRUE(both.config) << both.error;
  EXPECT_FALSE(both.config->options.console);
  auto env = ParseArgs({}, {{"S2LITE_CONSOLE", "false"}});
  ASSERT_TRUE(env.config) << env.error;
  EXPECT_FALSE(env.config->options.console);
  auto bad = ParseArgs({"--console=maybe"});
  EXPECT_FALSE(bad.config);
}

}  // namespace
}  // namespace s2lite::config
