#include "storage/libpq.h"

#include <dlfcn.h>

#include <atomic>
#include <string>

namespace s2lite::storage::pq {

// libpq's functions, as dlsym found them (their types from libpq-fe.h).
struct Functions {
  decltype(&::PQconnectStart) connectStart = nullptr;
  decltype(&::PQconnectPoll) connectPoll = nullptr;
  decltype(&::PQstatus) status = nullptr;
  decltype(&::PQfinish) finish = nullptr;
  decltype(&::PQerrorMessage) errorMessage = nullptr;
  decltype(&::PQsocket) socket = nullptr;
  decltype(&::PQbackendPID) backendPID = nullptr;
  decltype(&::PQtransactionStatus) transactionStatus = nullptr;
  decltype(&::PQsetNoticeProcessor) setNoticeProcessor = nullptr;
  decltype(&::PQsetnonblocking) setnonblocking = nullptr;
  decltype(&::PQenterPipelineMode) enterPipelineMode = nullptr;
  decltype(&::PQsendPrepare) sendPrepare = nullptr;
  decltype(&::PQsendQueryPrepared) sendQueryPrepared = nullptr;
  decltype(&::PQsendQueryParams) sendQueryParams = nullptr;
  decltype(&::PQpipelineSync) pipelineSync = nullptr;
  decltype(&::PQflush) flush = nullptr;
  decltype(&::PQconsumeInput) consumeInput = nullptr;
  decltype(&::PQisBusy) isBusy = nullptr;
  decltype(&::PQgetResult) getResult = nullptr;
  decltype(&::PQresultStatus) resultStatus = nullptr;
  decltype(&::PQresultErrorField) resultErrorField = nullptr;
  decltype(&::PQresultErrorMessage) resultErrorMessage = nullptr;
  decltype(&::PQntuples) ntuples = nullptr;
  decltype(&::PQgetisnull) getisnull = nullptr;
  decltype(&::PQgetvalue) getvalue = nullptr;
  decltype(&::PQgetlength) getlength = nullptr;
  decltype(&::PQcmdTuples) cmdTuples = nullptr;
  decltype(&::PQclear) clear = nullptr;
  decltype(&::PQconninfoParse) conninfoParse = nullptr;
  decltype(&::PQconninfoFree) conninfoFree = nullptr;
  decltype(&::PQfreemem) freemem = nullptr;
};

struct Library {
  Status status;
  Functions fn;  // all set when status is ok
};

namespace {

constexpr const char* kLibpq = "libpq.so.5";

// Sets `slot` to `name`'s address in `handle`; adds `name` to `missing`
// when it has none.
template <class F>
void Resolve(void* handle, const char* name, F& slot, std::string& missing) {
  slot = reinterpret_cast<F>(dlsym(handle, name));
  if (slot == nullptr) missing += (missing.empty() ? "" : ", ") + std::string(name);
}

Library Open(const char* name) {
  Library library;
  void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    library.status = Status(ErrorCode::kInternalError,
                            "the PostgreSQL registry needs libpq, which cannot be loaded "
                            "(install it: the package libpq5 on Debian and Ubuntu, libpq on "
                            "Fedora and RHEL): " +
                                std::string(why != nullptr ? why : name));
    return library;
  }
  std::string missing;
  Functions& f = library.fn;
  Resolve(handle, "PQconnectStart", f.connectStart, missing);
  Resolve(handle, "PQconnectPoll", f.connectPoll, missing);
  Resolve(handle, "PQstatus", f.status, missing);
  Resolve(handle, "PQfinish", f.finish, missing);
  Resolve(handle, "PQerrorMessage", f.errorMessage, missing);
  Resolve(handle, "PQsocket", f.socket, missing);
  Resolve(handle, "PQbackendPID", f.backendPID, missing);
  Resolve(handle, "PQtransactionStatus", f.transactionStatus, missing);
  Resolve(handle, "PQsetNoticeProcessor", f.setNoticeProcessor, missing);
  Resolve(handle, "PQsetnonblocking", f.setnonblocking, missing);
  Resolve(handle, "PQenterPipelineMode", f.enterPipelineMode, missing);
  Resolve(handle, "PQsendPrepare", f.sendPrepare, missing);
  Resolve(handle, "PQsendQueryPrepared", f.sendQueryPrepared, missing);
  Resolve(handle, "PQsendQueryParams", f.sendQueryParams, missing);
  Resolve(handle, "PQpipelineSync", f.pipelineSync, missing);
  Resolve(handle, "PQflush", f.flush, missing);
  Resolve(handle, "PQconsumeInput", f.consumeInput, missing);
  Resolve(handle, "PQisBusy", f.isBusy, missing);
  Resolve(handle, "PQgetResult", f.getResult, missing);
  Resolve(handle, "PQresultStatus", f.resultStatus, missing);
  Resolve(handle, "PQresultErrorField", f.resultErrorField, missing);
  Resolve(handle, "PQresultErrorMessage", f.resultErrorMessage, missing);
  Resolve(handle, "PQntuples", f.ntuples, missing);
  Resolve(handle, "PQgetisnull", f.getisnull, missing);
  Resolve(handle, "PQgetvalue", f.getvalue, missing);
  Resolve(handle, "PQgetlength", f.getlength, missing);
  Resolve(handle, "PQcmdTuples", f.cmdTuples, missing);
  Resolve(handle, "PQclear", f.clear, missing);
  Resolve(handle, "PQconninfoParse", f.conninfoParse, missing);
  Resolve(handle, "PQconninfoFree", f.conninfoFree, missing);
  Resolve(handle, "PQfreemem", f.freemem, missing);
  if (!missing.empty()) {
    // Pipeline mode came with libpq 14.
    library.status = Status(ErrorCode::kInternalError,
                            std::string(name) + " has no " + missing +
                                ": the PostgreSQL registry needs libpq 14 or later (the package "
                                "libpq5 on Debian and Ubuntu, libpq on Fedora and RHEL)");
    library.fn = Functions();
    dlclose(handle);
  }
  // Otherwise never closed: the functions stay valid for the process's life.
  return library;
}

// Set by ScopedLibraryForTest only.
std::atomic<const Library*> test_library{nullptr};

const Library& Current() {
  if (const Library* l = test_library.load(std::memory_order_acquire)) return *l;
  // Loaded by the first caller (C++ makes the initialisation thread-safe),
  // and never destroyed: a thread still finishing a call at exit finds it.
  static const Library* const libpq = new Library(Open(kLibpq));
  return *libpq;
}

const Functions& Fn() { return Current().fn; }

}  // namespace

Status Load() { return Current().status; }

PGconn* connectStart(const char* conninfo) { return Fn().connectStart(conninfo); }
PostgresPollingStatusType connectPoll(PGconn* conn) { return Fn().connectPoll(conn); }
ConnStatusType status(const PGconn* conn) { return Fn().status(conn); }
void finish(PGconn* conn) { Fn().finish(conn); }
char* errorMessage(const PGconn* conn) { return Fn().errorMessage(conn); }
int socket(const PGconn* conn) { return Fn().socket(conn); }
int backendPID(const PGconn* conn) { return Fn().backendPID(conn); }
PGTransactionStatusType transactionStatus(const PGconn* conn) {
  return Fn().transactionStatus(conn);
}
PQnoticeProcessor setNoticeProcessor(PGconn* conn, PQnoticeProcessor proc, void* arg) {
  return Fn().setNoticeProcessor(conn, proc, arg);
}
int setnonblocking(PGconn* conn, int arg) { return Fn().setnonblocking(conn, arg); }
int enterPipelineMode(PGconn* conn) { return Fn().enterPipelineMode(conn); }

int sendPrepare(PGconn* conn, const char* name, const char* query, int nParams,
                const Oid* paramTypes) {
  return Fn().sendPrepare(conn, name, query, nParams, paramTypes);
}
int sendQueryPrepared(PGconn* conn, const char* name, int nParams, const char* const* paramValues,
                      const int* paramLengths, const int* paramFormats, int resultFormat) {
  return Fn().sendQueryPrepared(conn, name, nParams, paramValues, paramLengths, paramFormats,
                                resultFormat);
}
int sendQueryParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes,
                    const char* const* paramValues, const int* paramLengths,
                    const int* paramFormats, int resultFormat) {
  return Fn().sendQueryParams(conn, command, nParams, paramTypes, paramValues, paramLengths,
                              paramFormats, resultFormat);
}
int pipelineSync(PGconn* conn) { return Fn().pipelineSync(conn); }
int flush(PGconn* conn) { return Fn().flush(conn); }
int consumeInput(PGconn* conn) { return Fn().consumeInput(conn); }
int isBusy(PGconn* conn) { return Fn().isBusy(conn); }
PGresult* getResult(PGconn* conn) { return Fn().getResult(conn); }

ExecStatusType resultStatus(const PGresult* res) { return Fn().resultStatus(res); }
char* resultErrorField(const PGresult* res, int fieldcode) {
  return Fn().resultErrorField(res, fieldcode);
}
char* resultErrorMessage(const PGresult* res) { return Fn().resultErrorMessage(res); }
int ntuples(const PGresult* res) { return Fn().ntuples(res); }
int getisnull(const PGresult* res, int row, int col) { return Fn().getisnull(res, row, col); }
char* getvalue(const PGresult* res, int row, int col) { return Fn().getvalue(res, row, col); }
int getlength(const PGresult* res, int row, int col) { return Fn().getlength(res, row, col); }
char* cmdTuples(PGresult* res) { return Fn().cmdTuples(res); }
void clear(PGresult* res) { Fn().clear(res); }

PQconninfoOption* conninfoParse(const char* conninfo, char** errmsg) {
  return Fn().conninfoParse(conninfo, errmsg);
}
void conninfoFree(PQconninfoOption* options) { Fn().conninfoFree(options); }
void freemem(void* ptr) { Fn().freemem(ptr); }

ScopedLibraryForTest::ScopedLibraryForTest(const char* library)
    : library_(std::make_unique<Library>(Open(library))),
      previous_(test_library.exchange(library_.get(), std::memory_order_acq_rel)) {}

ScopedLibraryForTest::~ScopedLibraryForTest() {
  test_library.store(previous_, std::memory_order_release);
}

}  // namespace s2lite::storage::pq
