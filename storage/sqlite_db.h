#pragma once

// Thin RAII wrappers over the SQLite C API: a connection handle, prepared
// statements that are created once and reused, one execution scope that resets
// its statement, and a transaction that rolls back unless committed. None of
// these types lock; the owner serializes access to the connection.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "s2lite/status.h"

namespace s2lite::storage::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

// OK for SQLITE_OK/ROW/DONE; kSlowDown when the database stayed locked past the
// busy timeout; kInternalError otherwise, with `what` and SQLite's message.
Status ToStatus(sqlite3* db, int rc, std::string_view what);

// Runs a script of one or more statements without results (migrations,
// pragmas that return nothing).
Status ExecScript(sqlite3* db, const std::string& sql);

// A prepared statement. Finalized on destruction, so it must not outlive the
// connection it was prepared on.
class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  sqlite3_stmt* get() const { return stmt_; }

 private:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

// One execution of a prepared statement: bind (1-based), step, read columns
// (0-based). The destructor resets the statement and clears its bindings so
// the next Query starts clean. Text is bound by copy, so temporaries are safe.
class Query {
 public:
  explicit Query(Statement& statement);
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  Query& BindText(int index, std::string_view value);
  Query& BindInt(int index, int64_t value);
  Query& BindNull(int index);
  // An empty blob: SQLite orders every BLOB after every TEXT value, so this is
  // an upper bound greater than any key.
  Query& BindEmptyBlob(int index);

  // True when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Steps to completion; for statements that return no rows.
  Status Run();

  // Column readers; text is read with its byte length, so any byte sequence
  // stored round-trips unchanged.
  std::string Text(int column) const;
  int64_t Int(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3_stmt* stmt_;
  // First binding failure; reported by the next Step so Bind calls can chain.
  int bind_rc_ = SQLITE_OK;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back by the destructor unless committed.
// IMMEDIATE takes the write lock up front, so a transaction never fails halfway
// through on a read-to-write lock upgrade. Also used as SAVEPOINT ... RELEASE
// inside an open transaction: then `after_rollback` (RELEASE) pops the
// savepoint once it has been rolled back to.
class Transaction {
 public:
  Transaction(sqlite3* db, Statement& begin, Statement& commit, Statement& rollback,
              Statement* after_rollback = nullptr);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Begin();
  Status Commit();

 private:
  sqlite3* db_;
  Statement& begin_;
  Statement& commit_;
  Statement& rollback_;
  Statement* after_rollback_;
  bool open_ = false;
};

}  // namespace s2lite::storage::sqlite
