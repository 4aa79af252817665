#pragma once

// libpq, loaded when the PostgreSQL registry first needs it. s2lite compiles
// against libpq's header (its types and enums) but does not link libpq: a
// daemon or test suite on SQLite never maps it, nor the ~20 libraries it
// pulls in (Kerberos, LDAP, SASL, GnuTLS, ...). Load() dlopens libpq.so.5 and
// resolves the functions below, once per process (a shared library is
// process-wide by nature); it is thread-safe.
//
// The functions are libpq's, named without their PQ prefix (pq::clear is
// PQclear), with libpq's contracts. Call them only once Load() has returned
// ok: a PGconn or PGresult in hand means it has.

#include <libpq-fe.h>

#include <memory>

#include "s2lite/status.h"

namespace s2lite::storage::pq {

// Ok once libpq is loaded with every function below; otherwise why not
// (kInternalError naming the package to install, with dlerror()'s text), the
// same answer on every call.
Status Load();

// Connections.
PGconn* connectStart(const char* conninfo);
PostgresPollingStatusType connectPoll(PGconn* conn);
ConnStatusType status(const PGconn* conn);
void finish(PGconn* conn);
char* errorMessage(const PGconn* conn);
int socket(const PGconn* conn);
int backendPID(const PGconn* conn);
PGTransactionStatusType transactionStatus(const PGconn* conn);
PQnoticeProcessor setNoticeProcessor(PGconn* conn, PQnoticeProcessor proc, void* arg);
int setnonblocking(PGconn* conn, int arg);
int enterPipelineMode(PGconn* conn);

// Sending and receiving (pipeline mode).
int sendPrepare(PGconn* conn, const char* name, const char* query, int nParams,
                const Oid* paramTypes);
int sendQueryPrepared(PGconn* conn, const char* name, int nParams, const char* const* paramValues,
                      const int* paramLengths, const int* paramFormats, int resultFormat);
int sendQueryParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes,
                    const char* const* paramValues, const int* paramLengths,
                    const int* paramFormats, int resultFormat);
int pipelineSync(PGconn* conn);
int flush(PGconn* conn);
int consumeInput(PGconn* conn);
int isBusy(PGconn* conn);
PGresult* getResult(PGconn* conn);

// Results.
ExecStatusType resultStatus(const PGresult* res);
char* resultErrorField(const PGresult* res, int fieldcode);
char* resultErrorMessage(const PGresult* res);
int ntuples(const PGresult* res);
int getisnull(const PGresult* res, int row, int col);
char* getvalue(const PGresult* res, int row, int col);
int getlength(const PGresult* res, int row, int col);
char* cmdTuples(PGresult* res);
void clear(PGresult* res);

// Connection strings.
PQconninfoOption* conninfoParse(const char* conninfo, char** errmsg);
void conninfoFree(PQconninfoOption* options);
void freemem(void* ptr);

struct Library;

// Tests only: while one lives, Load() and the functions above use
// `library` (loaded afresh) instead of libpq.so.5, e.g. a name that does
// not exist to see how a missing libpq is reported. Not thread-safe: make
// and destroy it while no other thread uses libpq.
class ScopedLibraryForTest {
 public:
  explicit ScopedLibraryForTest(const char* library);
  ~ScopedLibraryForTest();
  ScopedLibraryForTest(const ScopedLibraryForTest&) = delete;
  ScopedLibraryForTest& operator=(const ScopedLibraryForTest&) = delete;

 private:
  std::unique_ptr<Library> library_;
  const Library* previous_;
};

}  // namespace s2lite::storage::pq
