#pragma once

// The only code that reads flags, S2LITE_* environment variables and config
// files. Produces the daemon's configuration; the library reads none of these.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "s2lite/options.h"

namespace s2lite::config {

// Documented development credentials, used when none are configured. Only
// allowed on a loopback listen address.
inline constexpr const char* kDevUser = "dev";
inline constexpr const char* kDevAccessKey = "s2lite-access";
inline constexpr const char* kDevSecretKey = "s2lite-secret";
inline constexpr uint16_t kDefaultPort = 9000;

struct DaemonConfig {
  Options options;
  std::string ready_file;         // write the endpoint URL here once ready
  bool exit_with_parent = false;  // stop when the parent process dies
  bool dev_credentials = false;   // no credentials were configured
  // --fault specs ("operation=UploadPart,action=error,code=SlowDown,status=503,times=1"),
  // parsed by the daemon with s2lite::ParseFaultRule.
  std::vector<std::string> faults;
};

struct ParseResult {
  std::optional<DaemonConfig> config;  // set on success
  std::string error;                   // set on failure (exit code 2)
  std::string help;                    // set when --help/--version was asked
};

using GetEnv = std::function<const char*(const char*)>;

// Sources in rising priority: the config file (--config / S2LITE_CONFIG, INI
// lines `name = value` with the flag names), S2LITE_* environment variables,
// then flags. A repeatable option (user, bucket, domain) takes all its values
// from the highest-priority source that gives any.
ParseResult Parse(int argc, const char* const* argv, const GetEnv& getenv);

// "127.0.0.1:9000", "[::1]:0", "localhost:9000" -> host, port.
bool ParseListen(const std::string& s, std::string* host, uint16_t* port);
bool IsLoopback(const std::string& host);

// The URL `s2lite healthcheck` probes when given none: "http://HOST:PORT" from
// S2LITE_LISTEN (default 127.0.0.1:9000), a wildcard host (0.0.0.0, ::)
// replaced by loopback. Empty when S2LITE_LISTEN is invalid.
std::string HealthcheckUrl(const GetEnv& getenv);

}  // namespace s2lite::config
