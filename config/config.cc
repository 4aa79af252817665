#include "config/config.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace s2lite::config {
namespace po = boost::program_options;
namespace {

using Values = std::map<std::string, std::vector<std::string>>;

struct EnvName {
  const char* env;
  const char* option;
  bool list;  // comma-separated list
};
constexpr EnvName kEnv[] = {
    {"S2LITE_LISTEN", "listen", false},
    {"S2LITE_DATA_DIR", "data-dir", false},
    {"S2LITE_REGISTRY", "registry", false},
    {"S2LITE_IN_MEMORY", "in-memory", false},
    {"S2LITE_DOMAIN", "domain", true},
    {"S2LITE_DOMAINS", "domain", true},
    {"S2LITE_REGION", "region", false},
    {"S2LITE_BUCKET", "bucket", true},
    {"S2LITE_BUCKETS", "bucket", true},
    {"S2LITE_SEED", "seed", false},
    {"S2LITE_READY_FILE", "ready-file", false},
    {"S2LITE_LOG_LEVEL", "log-level", false},
    {"S2LITE_LOG_FORMAT", "log-format", false},
    {"S2LITE_THREADS", "threads", false},
    {"S2LITE_MIN_PART_SIZE", "min-part-size", false},
    {"S2LITE_FSYNC", "fsync", false},
    {"S2LITE_MD5_LANES", "md5-lanes", false},
    {"S2LITE_EXIT_WITH_PARENT", "exit-with-parent", false},
    {"S2LITE_TLS_CERT", "tls-cert", false},
    {"S2LITE_TLS_KEY", "tls-key", false},
    {"S2LITE_ABORT_INCOMPLETE_AFTER", "abort-incomplete-after", false},
    {"S2LITE_MAX_CONNECTIONS", "max-connections", false},
    {"S2LITE_CONSOLE", "console", false},
    {"S2LITE_ADMIN", "admin", true},
    {"S2LITE_ADMINS", "admin", true},
    {"S2LITE_CORS_ALLOW_ORIGIN", "cors-allow-origin", true},
    {"S2LITE_LEASE_TTL", "lease-ttl", false},
    {"S2LITE_BLOB_GRACE", "blob-grace", false},
    {"S2LITE_MAX_READ_DURATION", "max-read-duration", false},
};

po::options_description Describe() {
  po::options_description d("s2lite options");
  // Every option is a string here; typed parsing happens once, in Build().
  d.add_options()("help,h", "show this help")("version", "print the version")(
      "config", po::value<std::string>(), "config file (INI: `name = value`, flag names)")(
      "listen", po::value<std::string>(),
      "HOST:PORT to listen on (default 127.0.0.1:9000; port 0 = ephemeral)")(
      "data-dir", po::value<std::string>(), "data directory (default ./data)")(
      "in-memory", po::value<std::string>()->implicit_value("true"),
      "keep everything in memory / a temp dir removed at exit")(
      "domain", po::value<std::vector<std::string>>(),
      "base domain for virtual-hosted buckets (repeatable; default localhost)")(
      "region", po::value<std::string>(), "region (default us-east-1)")(
      "bucket", po::value<std::vector<std::string>>(), "bucket to create at start (repeatable)")(
      "cors-allow-origin", po::value<std::vector<std::string>>(),
      "ORIGIN (one '*' wildcard) a bucket without its own CORS configuration allows, all "
      "methods and headers (repeatable; local development)")(
      "registry", po::value<std::string>(),
      "PostgreSQL registry shared by several daemons over one --data-dir: postgresql://... URI "
      "or 'host=... dbname=...' (password from the URI, PGPASSWORD or ~/.pgpass; never logged; "
      "default: SQLite in the data dir)")(
      "seed", po::value<std::string>(),
      "directory whose DIR/<bucket>/<key...> files become buckets and objects at start")(
      "user", po::value<std::vector<std::string>>(),
      "NAME:ACCESS_KEY:SECRET_KEY[:admin] (repeatable)")(
      "admin", po::value<std::vector<std::string>>(),
      "user NAME may change server-wide state (fault rules) over HTTP (repeatable)")(
      "ready-file", po::value<std::string>(), "write the endpoint URL to this file once listening")(
      "log-level", po::value<std::string>(), "trace|debug|info|warn|error|off (default info)")(
      "log-format", po::value<std::string>(), "text|json (default text)")(
      "threads", po::value<std::string>(), "worker threads (default: one per core)")(
      "min-part-size", po::value<std::string>(),
      "minimum size of non-final parts in bytes (default 5242880)")(
      "abort-incomplete-after", po::value<std::string>(),
      "abort multipart uploads pending longer than this many seconds (default 0 = never)")(
      "max-connections", po::value<std::string>(),
      "most connections served at once; more are closed at once (default 4096)")(
      "lease-ttl", po::value<std::string>(),
      "several daemons on one registry: seconds a leader's lease on the background work "
      "lasts; renewed every third of it (default 15)")(
      "max-read-duration", po::value<std::string>(),
      "several daemons on one registry: seconds a GET may stream before it is cut off "
      "(default 1800)")(
      "blob-grace", po::value<std::string>(),
      "several daemons on one registry: seconds freed or unreferenced blob files are kept, "
      "longer than --max-read-duration (default 3600)")(
      "md5-lanes", po::value<std::string>()->implicit_value("true"),
      "hash concurrent bodies' MD5s together in SIMD lanes (default on)")(
      "console", po::value<std::string>()->implicit_value("true"),
      "serve the web console at /_s2lite/console/ (default on)")(
      "no-console", po::value<std::string>()->implicit_value("true"),
      "do not serve the web console (same as --console=false)")(
      "fsync", po::value<std::string>()->implicit_value("true"),
      "fsync data and registry on every commit")("exit-with-parent",
                                                 po::value<std::string>()->implicit_value("true"),
                                                 "exit when the parent process dies")(
      "tls-cert", po::value<std::string>(), "PEM certificate chain: serve HTTPS (with --tls-key)")(
      "tls-key", po::value<std::string>(), "PEM private key for --tls-cert")(
      "fault", po::value<std::vector<std::string>>(),
      "inject a fault: "
      "operation=OP,action=error|delay|reset|truncate,code=,status=,times=,probability=,delay_ms=,"
      "bucket=,prefix=,part= (repeatable)");
  return d;
}

void Collect(const po::parsed_options& parsed, Values& out) {
  for (const auto& opt : parsed.options) {
    if (opt.unregistered) continue;
    auto& v = out[opt.string_key];
    for (const auto& s : opt.value) v.push_back(s);
    if (opt.value.empty()) v.push_back("true");
  }
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

template <typename T>
bool ParseNumber(const std::string& s, T* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseBool(const std::string& s, bool* out) {
  if (s == "true" || s == "1" || s == "yes" || s == "on") return *out = true, true;
  if (s == "false" || s == "0" || s == "no" || s == "off") return *out = false, true;
  return false;
}

std::string Build(const Values& v, DaemonConfig& c) {
  auto get = [&](const char* k) -> const std::string* {
    auto it = v.find(k);
    return it == v.end() || it->second.empty() ? nullptr : &it->second.back();
  };
  Options& o = c.options;
  o.listen_port = kDefaultPort;
  if (const auto* s = get("listen")) {
    if (!ParseListen(*s, &o.listen_host, &o.listen_port))
      return "invalid --listen '" + *s + "': expected HOST:PORT";
  }
  if (const auto* s = get("data-dir")) o.data_dir = *s;
  if (const auto* s = get("registry")) o.registry = *s;
  for (const char* b :
       {"in-memory", "fsync", "md5-lanes", "console", "no-console", "exit-with-parent"}) {
    if (const auto* s = get(b)) {
      bool value = false;
      if (!ParseBool(*s, &value)) return std::string("invalid --") + b + " '" + *s + "'";
      if (std::string_view(b) == "in-memory")
        o.in_memory = value;
      else if (std::string_view(b) == "fsync")
        o.fsync = value;
      else if (std::string_view(b) == "md5-lanes")
        o.md5_lanes = value;
      else if (std::string_view(b) == "console")
        o.console = value;
      else if (std::string_view(b) == "no-console")
        o.console = o.console && !value;
      else
        c.exit_with_parent = value;
    }
  }
  if (auto it = v.find("domain"); it != v.end()) o.domains = it->second;
  if (const auto* s = get("region")) {
    if (s->empty()) return "invalid --region: empty";
    o.region = *s;
  }
  if (auto it = v.find("bucket"); it != v.end()) o.buckets = it->second;
  if (auto it = v.find("cors-allow-origin"); it != v.end()) {
    for (const auto& origin : it->second) {
      if (origin.empty() || std::count(origin.begin(), origin.end(), '*') > 1)
        return "invalid --cors-allow-origin '" + origin + "': empty or more than one '*'";
    }
    o.cors_allow_origins = it->second;
  }
  if (const auto* s = get("seed")) o.seed_dir = *s;
  if (auto it = v.find("user"); it != v.end()) {
    for (const auto& u : it->second) {
      std::string_view spec = u;
      bool admin = spec.size() > 6 && spec.substr(spec.size() - 6) == ":admin" &&
                   std::count(spec.begin(), spec.end(), ':') >= 3;
      if (admin) spec.remove_suffix(6);
      auto a = spec.find(':');
      auto b = a == std::string::npos ? a : spec.find(':', a + 1);
      if (b == std::string::npos || a == 0 || b == a + 1 || b + 1 == spec.size())
        return "invalid --user '" + u.substr(0, a) +
               ":...': expected NAME:ACCESS_KEY:SECRET_KEY[:admin]";
      o.users.push_back({std::string(spec.substr(0, a)), std::string(spec.substr(a + 1, b - a - 1)),
                         std::string(spec.substr(b + 1)), admin});
    }
  }
  if (auto it = v.find("admin"); it != v.end()) {
    for (const auto& name : it->second) {
      auto user = std::find_if(o.users.begin(), o.users.end(),
                               [&](const UserCredentials& x) { return x.name == name; });
      if (user == o.users.end()) return "invalid --admin '" + name + "': no such user";
      user->admin = true;
    }
  }
  if (const auto* s = get("ready-file")) c.ready_file = *s;
  if (const auto* s = get("tls-cert")) o.tls_cert_file = *s;
  if (const auto* s = get("tls-key")) o.tls_key_file = *s;
  if (auto it = v.find("fault"); it != v.end()) c.faults = it->second;
  if (const auto* s = get("log-level")) {
    static const std::pair<const char*, LogLevel> kLevels[] = {
        {"trace", LogLevel::kTrace}, {"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo},
        {"warn", LogLevel::kWarn},   {"error", LogLevel::kError}, {"off", LogLevel::kOff}};
    bool found = false;
    for (auto [name, level] : kLevels)
      if (*s == name) o.log_level = level, found = true;
    if (!found) return "invalid --log-level '" + *s + "': expected trace|debug|info|warn|error|off";
  }
  if (const auto* s = get("log-format")) {
    if (*s != "text" && *s != "json")
      return "invalid --log-format '" + *s + "': expected text|json";
    o.log_json = *s == "json";
  }
  if (const auto* s = get("threads")) {
    if (!ParseNumber(*s, &o.threads) || o.threads > 1024) return "invalid --threads '" + *s + "'";
  }
  if (const auto* s = get("min-part-size")) {
    if (!ParseNumber(*s, &o.min_part_size)) return "invalid --min-part-size '" + *s + "'";
  }
  if (const auto* s = get("abort-incomplete-after")) {
    int64_t seconds = 0;
    if (!ParseNumber(*s, &seconds) || seconds < 0)
      return "invalid --abort-incomplete-after '" + *s + "': expected seconds (0 = never)";
    o.abort_incomplete_after = std::chrono::seconds(seconds);
  }
  if (const auto* s = get("max-connections")) {
    if (!ParseNumber(*s, &o.max_connections) || o.max_connections == 0)
      return "invalid --max-connections '" + *s + "': expected a positive number";
  }
  for (auto [flag, field] :
       {std::pair{"lease-ttl", &o.lease_ttl}, std::pair{"max-read-duration", &o.max_read_duration},
        std::pair{"blob-grace", &o.blob_grace}}) {
    if (const auto* s = get(flag)) {
      double seconds = 0;
      if (!ParseNumber(*s, &seconds) || !(seconds > 0) || seconds > 1e7)
        return std::string("invalid --") + flag + " '" + *s + "': expected positive seconds";
      *field = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    }
  }
  if (o.blob_grace <= o.max_read_duration) {
    auto seconds = [](std::chrono::milliseconds ms) {
      char text[32];
      std::snprintf(text, sizeof text, "%g s", static_cast<double>(ms.count()) / 1000);
      return std::string(text);
    };
    return "--blob-grace (" + seconds(o.blob_grace) + ") must exceed --max-read-duration (" +
           seconds(o.max_read_duration) +
           "): a GET must end before the bytes it reads may be removed";
  }
  if (o.users.empty()) {
    o.users.push_back({kDevUser, kDevAccessKey, kDevSecretKey, /*admin=*/true});
    c.dev_credentials = true;
    // The dev secret is public: only local host names may use it (DNS rebinding).
    o.local_hosts_only = true;
  }
  // The public development secret, even when configured explicitly (compose
  // does): a page that rebinds its DNS name to this host could sign with it.
  for (const auto& u : o.users)
    if (u.secret_key == kDevSecretKey) o.local_hosts_only = true;
  if (c.dev_credentials && !IsLoopback(o.listen_host)) {
    return "refusing to listen on non-loopback address '" + o.listen_host +
           "' with the built-in development credentials: configure --user "
           "NAME:ACCESS_KEY:SECRET_KEY (or S2LITE_ACCESS_KEY/S2LITE_SECRET_KEY)";
  }
  return {};
}

}  // namespace

bool ParseListen(const std::string& s, std::string* host, uint16_t* port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string h = s.substr(0, colon);
  if (h.front() == '[') {
    if (h.back() != ']') return false;
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string::npos) {
    return false;  // IPv6 needs brackets
  }
  unsigned p = 0;
  if (!ParseNumber(s.substr(colon + 1), &p) || p > 65535) return false;
  *host = h;
  *port = static_cast<uint16_t>(p);
  return !h.empty();
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string HealthcheckUrl(const GetEnv& getenv) {
  std::string host = "127.0.0.1";
  uint16_t port = kDefaultPort;
  const char* listen = getenv("S2LITE_LISTEN");
  if (listen && *listen && !ParseListen(listen, &host, &port)) return {};
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port);
}

ParseResult Parse(int argc, const char* const* argv, const GetEnv& getenv) {
  ParseResult r;
  po::options_description desc = Describe();
  Values flags, env, file;
  try {
    po::parsed_options parsed = po::command_line_parser(argc, argv).options(desc).run();
    Collect(parsed, flags);
  } catch (const po::error& e) {
    r.error = e.what();
    return r;
  }
  if (flags.count("help")) {
    std::ostringstream out;
    out << "Usage: s2lite [options]\n"
           "       s2lite healthcheck [URL]  exit 0 if URL/health/ready answers 200 (default URL:\n"
           "                                 S2LITE_LISTEN's address, else http://127.0.0.1:9000)\n"
           "\nAn S3-compatible object store.\n\n"
        << desc;
    r.help = out.str();
    return r;
  }
  if (flags.count("version")) {
    r.help = "s2lite 0.1.0\n";
    return r;
  }
  for (const auto& e : kEnv) {
    const char* value = getenv(e.env);
    if (!value) continue;
    auto& dest = env[e.option];
    if (e.list) {
      for (auto& item : SplitComma(value)) dest.push_back(item);
    } else {
      dest.push_back(value);
    }
  }
  const char* ak = getenv("S2LITE_ACCESS_KEY");
  const char* sk = getenv("S2LITE_SECRET_KEY");
  if (ak || sk) {
    if (!ak || !sk || !*ak || !*sk) {
      r.error = "S2LITE_ACCESS_KEY and S2LITE_SECRET_KEY must be set together";
      return r;
    }
    const char* user = getenv("S2LITE_USER");
    env["user"].push_back(std::string(user && *user ? user : "admin") + ":" + ak + ":" + sk);
  }
  std::string config_file;
  if (flags.count("config"))
    config_file = flags["config"].back();
  else if (const char* c = getenv("S2LITE_CONFIG"))
    config_file = c;
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in) {
      r.error = "cannot read config file '" + config_file + "'";
      return r;
    }
    try {
      Collect(po::parse_config_file(in, desc, false), file);
    } catch (const po::error& e) {
      r.error = "config file '" + config_file + "': " + e.what();
      return r;
    }
  }
  Values merged = file;
  for (const Values* src : {&env, &flags})
    for (const auto& [k, v] : *src) merged[k] = v;
  DaemonConfig c;
  r.error = Build(merged, c);
  if (r.error.empty()) r.config = std::move(c);
  return r;
}

}  // namespace s2lite::config
