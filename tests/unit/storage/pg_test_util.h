#pragma once

// Throwaway PostgreSQL databases for the store tests. S2LITE_TEST_POSTGRES
// holds an administrator's connection string to a throwaway cluster
// (scripts/pg-cluster.sh start DIR prints one); without it the PostgreSQL
// tests are skipped. Test code only: these calls block.

#include <libpq-fe.h>
#include <stdlib.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace s2lite::storage::testing {

// The administrator's connection string, or "" when PostgreSQL tests are off.
inline std::string PostgresAdminConninfo() {
  const char* v = ::getenv("S2LITE_TEST_POSTGRES");
  return v != nullptr ? std::string(v) : std::string();
}

// `conninfo` (key=value or URI) naming database `dbname` instead.
inline std::string WithDatabase(const std::string& conninfo, const std::string& dbname) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    if (error != nullptr) PQfreemem(error);
    return "";
  }
  std::string out;
  auto quote = [](const std::string& v) {
    std::string q = "'";
    for (char c : v) {
      if (c == '\'' || c == '\\') q += '\\';
      q += c;
    }
    return q + "'";
  };
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string(o->keyword) == "dbname") continue;
    if (o->val == nullptr || *o->val == '\0') continue;
    out += std::string(o->keyword) + "=" + quote(o->val) + " ";
  }
  PQconninfoFree(options);
  return out + "dbname=" + quote(dbname);
}

// Runs `sql` on a connection of its own; the first column of the first
// row, "" when none, "<error: ...>" on failure.
inline std::string PgQuery(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  std::string out;
  if (PQstatus(c) != CONNECTION_OK) {
    out = std::string("<error: ") + PQerrorMessage(c) + ">";
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK) {
      if (PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
    } else if (st != PGRES_COMMAND_OK) {
      out = std::string("<error: ") + PQresultErrorMessage(r) + ">";
    }
    PQclear(r);
  }
  PQfinish(c);
  return out;
}

// A fresh database on the throwaway cluster, dropped on destruction.
class TempDatabase {
 public:
  // On the cluster `admin` (an administrator's connection string) names;
  // unavailable when it is empty.
  explicit TempDatabase(std::string admin = PostgresAdminConninfo()) : admin_(std::move(admin)) {
    if (admin_.empty()) return;
    std::random_device rd;
    name_ = "s2lite_test_" + std::to_string(rd()) + "_" + std::to_string(rd());
    error_ = PgQuery(admin_, "CREATE DATABASE " + name_);
    if (error_.empty()) conninfo_ = WithDatabase(admin_, name_);
  }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  ~TempDatabase() {
    if (!conninfo_.empty()) {
      static_cast<void>(PgQuery(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"));
    }
  }

  // "" when unavailable (see error()).
  const std::string& conninfo() const { return conninfo_; }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  // Runs `sql` in this database (see PgQuery).
  std::string Query(const std::string& sql) const { return PgQuery(conninfo_, sql); }

 private:
  std::string admin_, name_, conninfo_, error_;
};

}  // namespace s2lite::storage::testing
