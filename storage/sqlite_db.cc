#include "storage/sqlite_db.h"

#include <utility>

namespace s2lite::storage::sqlite {

Status ToStatus(sqlite3* db, int rc, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return Status::Ok();
  std::string message = "sqlite: ";
  message.append(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Status(ErrorCode::kSlowDown, std::move(message));
  }
  return Status(ErrorCode::kInternalError, std::move(message));
}

Status ExecScript(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  return ToStatus(nullptr, rc, message);
}

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return ToStatus(db, rc, "prepare " + std::string(sql));
  }
  return Statement(stmt);
}

Query::Query(Statement& statement) : stmt_(statement.get()) {}

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::BindText(int index, std::string_view value) {
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::BindInt(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::BindEmptyBlob(int index) {
  int rc = sqlite3_bind_zeroblob(stmt_, index, 0);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Query::Step() {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bind_rc_ != SQLITE_OK) return ToStatus(db, bind_rc_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ToStatus(db, rc, sqlite3_sql(stmt_));
}

Status Query::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

std::string Query::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t Query::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Query::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Transaction::Transaction(sqlite3* db, Statement& begin, Statement& commit, Statement& rollback,
                         Statement* after_rollback)
    : db_(db),
      begin_(begin),
      commit_(commit),
      rollback_(rollback),
      after_rollback_(after_rollback) {}

Transaction::~Transaction() {
  // Some errors (I/O, full disk) already rolled back; ROLLBACK would then fail.
  if (open_ && sqlite3_get_autocommit(db_) == 0) {
    if (Query(rollback_).Run().ok() && after_rollback_ != nullptr) {
      static_cast<void>(Query(*after_rollback_).Run());
    }
  }
}

Status Transaction::Begin() {
  Status s = Query(begin_).Run();
  open_ = s.ok();
  return s;
}

Status Transaction::Commit() {
  Status s = Query(commit_).Run();
  if (s.ok()) open_ = false;
  return s;
}

}  // namespace s2lite::storage::sqlite
