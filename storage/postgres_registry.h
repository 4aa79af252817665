#pragma once

// The registry on PostgreSQL (15+, or a PG-wire database with the same SQL),
// for several s2lite daemons sharing one database and one blob directory.
// Same semantics as the SQLite registry (one store test suite runs against
// both); shared() is true: freed blobs become tombstones in the freeing
// transaction, never returned.
//
// Each call runs its statements in one or two pipelined round trips on a
// pooled non-blocking libpq connection, waiting on the socket with the
// caller's executor. Writes run at READ COMMITTED with explicit row locks
// (the upload row FOR UPDATE for Complete/Abort, the object row FOR UPDATE
// for a replace), so that of two daemons completing, aborting or
// conditionally writing the same thing exactly one wins; serialization
// failures and deadlocks (40001, 40P01) are retried a few times with jitter,
// then kSlowDown. A lost connection or an answer later than the timeout fails
// the call with kSlowDown (the connection is dropped; the pool reconnects on
// next use). When the connection goes while a COMMIT is unanswered the
// outcome is unknown: the call fails with kSlowDown and its new blobs are
// left for the orphan sweeper rather than removed.

#include <functional>
#include <memory>
#include <string>

#include "s2lite/status.h"
#include "storage/registry.h"

namespace s2lite::storage {

// The schema version this build writes (rows of s2lite_schema_migrations).
inline constexpr int kPostgresSchemaVersion = 1;

struct PostgresRegistryOptions {
  // A libpq connection string: "host=... dbname=..." or a postgresql:// URI.
  // The password may come from it, PGPASSWORD or ~/.pgpass; it is never
  // logged.
  std::string conninfo;
  // Connections in the pool (shared by every thread).
  int connections = 8;
  // How long a call may wait for a connection or an answer.
  int timeout_ms = 5000;
  // Told about lost and regained connections (password removed). Optional.
  std::function<void(const std::string&)> log;
};

// Connects, creates or migrates the schema (several daemons may do so at
// once), and returns the registry. A database written by a newer s2lite is
// refused. Call from outside an I/O thread (it waits). libpq is loaded
// here, on first use: kInternalError naming the package to install when it
// cannot be (pq::Load()).
Result<std::unique_ptr<Registry>> OpenPostgresRegistry(const PostgresRegistryOptions& options);

// Whether `registry` names a PostgreSQL database: a postgresql:// or
// postgres:// URI, or a key=value connection string (no other scheme).
bool IsPostgresConninfo(const std::string& registry);

}  // namespace s2lite::storage
