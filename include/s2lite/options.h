#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "s2lite/faults.h"

namespace s2lite {

// A user that can sign requests. `name` is reported back in
// `x-amz-s2-requester` and owns the buckets the user creates. Only an admin
// may change server-wide state over HTTP (the fault rules at
// /_s2lite/faults); the C++ API is not restricted.
struct UserCredentials {
  std::string name;
  std::string access_key;
  std::string secret_key;
  bool admin = false;
};

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// A source of the current time.
using Clock = std::function<std::chrono::system_clock::time_point()>;

// Everything a Server needs. Plain data: every field says its meaning and
// default. Filled by config/ for the daemon, or directly by embedders.
struct Options {
  // Address to listen on. Port 0 picks an ephemeral port; read it back with
  // Server::port(). Default 127.0.0.1:0 (the daemon defaults to port 9000).
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;

  // Directory holding the registry (s2lite.db) and the blob files. Created if
  // missing. Ignored when `in_memory` is true. Default: "./data".
  std::string data_dir = "./data";

  // Where the metadata lives. Empty (the default): SQLite, `data_dir/s2lite.db`.
  // Otherwise a PostgreSQL connection string, a `postgresql://user@host/db`
  // URI or `host=... dbname=...` (libpq's forms; the password from it,
  // PGPASSWORD or ~/.pgpass, and never logged): several servers may then
  // share that database and one `data_dir` (on a shared file system) behind
  // a load balancer. Not with `in_memory`. libpq (libpq.so.5: the package
  // libpq5 on Debian) is loaded then, and only then: Start fails, saying so,
  // when it is not installed.
  std::string registry;

  // Keep everything in memory (an in-memory SQLite registry and blob store);
  // nothing touches the file system and it is all gone at Stop(). Default false.
  bool in_memory = false;

  // Serve HTTPS with this PEM certificate chain and private key (both or
  // neither). Default: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;

  // Base domains for virtual-hosted style addressing: a request whose Host is
  // `<bucket>.<domain>[:port]` addresses <bucket>. Default {"localhost"}.
  std::vector<std::string> domains = {"localhost"};

  // The region this server claims to be (SigV4 scope, LocationConstraint).
  std::string region = "us-east-1";

  // Users allowed to sign requests. Must not be empty.
  std::vector<UserCredentials> users;

  // Answer only requests whose Host is `localhost`, a loopback IP, or one of
  // `domains` (and its bucket subdomains); others get 400. The daemon sets it
  // when it runs on the public development credentials, so a web page that
  // rebinds its own DNS name to 127.0.0.1 cannot use them. Default false.
  bool local_hosts_only = false;

  // Origins (each with at most one '*' wildcard) that every bucket without a
  // CORS configuration of its own allows, with every method and request
  // header, exposing ETag and the x-amz-* response headers: browsers on these
  // origins can upload during local development. Default none (S3: a bucket
  // without a configuration answers no cross-origin request).
  std::vector<std::string> cors_allow_origins;

  // Buckets created at start (owned by users[0]) if they don't exist.
  std::vector<std::string> buckets;

  // Fixtures loaded at start: every file DIR/<bucket>/<key...> becomes the
  // object <key...> ('/'-separated relative path) in <bucket>, created owned
  // by users[0] if missing. Idempotent across restarts: a file whose object
  // has its size and modification time (the object's Last-Modified) is not
  // uploaded again; a changed file replaces its object. Files are streamed,
  // never held in memory. Default "" (none).
  std::string seed_dir;

  // I/O threads, each running its own event loop; a connection stays on the
  // one it was given. 0 = one per hardware core.
  unsigned threads = 0;

  // Smallest allowed size of every part but the last at Complete. S3: 5 MiB.
  uint64_t min_part_size = 5ull * 1024 * 1024;

  // Largest accepted part / single PUT body. S3: 5 GiB.
  uint64_t max_part_size = 5ull * 1024 * 1024 * 1024;

  // Multipart uploads still pending this long after initiation are aborted
  // (their parts removed) by a background sweep that runs every
  // min(abort_incomplete_after / 4, 60 s). 0 = never (S3's default: uploads
  // wait for a lifecycle rule or an explicit abort). Default 0.
  std::chrono::seconds abort_incomplete_after{0};

  // How often the buckets' lifecycle rules are applied (due multipart
  // uploads aborted, expired objects deleted); also once at start. The
  // dates they compare are whole days (see `clock`). Default 60 s.
  std::chrono::milliseconds lifecycle_interval{60'000};

  // Several daemons on one shared registry and blob directory (README,
  // "Outgrowing one machine"); a single-process registry ignores these three.
  // Background work (the stale-upload and lifecycle sweeps, the blob sweep)
  // runs on one daemon at a time, the holder of a lease renewed every
  // lease_ttl / 3; when it dies another takes over within lease_ttl * 4/3.
  // Default 15 s.
  std::chrono::milliseconds lease_ttl{15'000};
  // The longest a read of an object's bytes (a GET's body, a copy) may last;
  // a GET still sending past it is cut off (its connection closed). Default 30 min.
  std::chrono::milliseconds max_read_duration{30 * 60'000};
  // Freed blob files (overwritten, deleted, aborted) are removed this long
  // after the write that freed them, and files nothing refers to (a killed
  // writer's) once this old, so a GET on another daemon always finishes
  // first. Must exceed max_read_duration, and the longest a write's registry
  // calls may take (a row is committed after its bytes are written). Default 1 h.
  std::chrono::milliseconds blob_grace{60 * 60'000};

  // Largest accepted XML request body (Complete, Delete, CreateBucket).
  uint64_t max_xml_body = 4ull * 1024 * 1024;

  // Largest accepted request header section (request line included), in
  // bytes. Larger: 400 RequestHeaderSectionTooLarge and the connection closes.
  uint32_t max_header_bytes = 64 * 1024;

  // Most header fields accepted in one request. More: 400
  // RequestHeaderSectionTooLarge and the connection closes. Default 100.
  uint32_t max_header_fields = 100;

  // Most connections served at once; a connection accepted beyond this is
  // closed immediately, before any byte is read. Default 4096.
  uint32_t max_connections = 4096;

  // A connection with no request in flight (no byte of the next request
  // received) is closed after this long.
  std::chrono::milliseconds idle_timeout{60'000};

  // Once the first byte of a request has arrived, its whole header section
  // must arrive within this long, however slowly bytes keep coming (slowloris);
  // otherwise the connection is closed. Also the stall limit for each 256 KiB
  // of body (400 RequestTimeout) and for each write of the response.
  std::chrono::milliseconds read_timeout{30'000};

  // Allowed difference between the request's signing time and the server's
  // clock. S3: 15 minutes.
  std::chrono::seconds max_clock_skew{15 * 60};

  // fsync part/object files and the registry's WAL before a 2xx (power-loss
  // durability; concurrent requests share one WAL sync). Off by default: a
  // 2xx already survives a process crash (kill -9) without it.
  bool fsync = false;

  // Compute the MD5s (ETags) of the bodies streaming on one I/O thread
  // together, 8 per instruction stream (AVX2 / AVX-512VL), when enough of them
  // have bytes waiting for it to pay; off = each body's MD5 alone (OpenSSL).
  // The digests are the same either way. Default on.
  bool md5_lanes = true;

  // The server's "now": request dates and signing-time checks, the dates
  // stamped on buckets, uploads, parts and objects, lifecycle expiry and
  // the stale-upload sweep all read it. Tests set a fake clock and move it
  // forward instead of waiting days (requests must then be signed with its
  // time). Default (empty): std::chrono::system_clock::now.
  Clock clock;

  // Serve the web console's static files anonymously at /_s2lite/console/
  // (path-style). Everything the console does is signed in the browser with
  // the user's keys; off, those paths answer 404. Default true.
  bool console = true;

  // Faults to inject from the start (see faults.h). Default none.
  std::vector<FaultRule> faults;

  // Log threshold, and where log lines go. The sink receives one formatted
  // line at a time and may be called from any server thread. When unset, logs
  // go to stderr. The library never touches spdlog's default logger.
  LogLevel log_level = LogLevel::kInfo;
  bool log_json = false;
  std::function<void(LogLevel, std::string_view)> log_sink;
};

}  // namespace s2lite
