// What only the PostgreSQL registry has to show: several processes (here,
// several registries or stores on one database) migrating, completing and
// leasing at once; retries; lost connections; no password in any message.
// Needs S2LITE_TEST_POSTGRES (scripts/pg-cluster.sh); skipped without it.

#include "storage/postgres_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/object_store.h"
#include "storage/sync_store.h"
#include "tests/unit/storage/pg_test_util.h"
#include "tests/unit/storage/test_util.h"

namespace s2lite::storage {
namespace {

using testing::BlobExists;
using testing::MakePart;
using testing::Md5Hex;
using testing::TempDatabase;
using testing::TempDir;
using testing::WriteBlob;

constexpr uint64_t kMinPart = 5;

class PostgresRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::PostgresAdminConninfo().empty()) {
      GTEST_SKIP() << "S2LITE_TEST_POSTGRES not set (scripts/pg-cluster.sh start DIR)";
    }
    db_ = std::make_unique<TempDatabase>();
    ASSERT_FALSE(db_->conninfo().empty()) << db_->error();
  }

  // A store on the test database over dir_, as one daemon of several.
  std::unique_ptr<SyncStore> OpenStore(int timeout_ms = 5000) {
    StoreOptions options;
    options.data_dir = dir_.path() + "/data";
    options.registry = db_->conninfo();
    options.registry_timeout_ms = timeout_ms;
    options.warn = [this](const std::string& line) {
      std::lock_guard lock(log_mu_);
      log_.push_back(line);
    };
    Result<std::unique_ptr<ObjectStore>> store = OpenObjectStore(options);
    EXPECT_TRUE(store.ok()) << store.status().message();
    if (!store.ok()) return nullptr;
    return std::make_unique<SyncStore>(std::move(*store));
  }

  Result<std::unique_ptr<Registry>> OpenRegistry(const std::string& conninfo) {
    PostgresRegistryOptions options;
    options.conninfo = conninfo;
    options.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu_);
      log_.push_back(line);
    };
    return OpenPostgresRegistry(options);
  }

  // Ends every session on the test database but the caller's.
  std::string TerminateSessions() {
    return testing::PgQuery(testing::PostgresAdminConninfo(),
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = '" +
                                db_->name() + "' AND pid <> pg_backend_pid()");
  }

  std::vector<std::string> Log() {
    std::lock_guard lock(log_mu_);
    return log_;
  }

  static ObjectInfo Object(SyncStore& store, const std::string& key, const std::string& bytes) {
    Result<BlobRef> blob = WriteBlob(store, bytes);
    EXPECT_TRUE(blob.ok());
    ObjectInfo o;
    o.bucket = "b";
    o.key = key;
    o.size = bytes.size();
    o.etag = "\"" + Md5Hex(bytes) + "\"";
    o.owner = "alice";
    if (blob.ok()) o.manifest = {*blob};
    return o;
  }

  std::unique_ptr<TempDatabase> db_;
  TempDir dir_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST(PostgresRegistryOptionsTest, OnlyConnectionStringsNameAPostgresRegistry) {
  EXPECT_TRUE(IsPostgresConninfo("postgresql://u:pw@db/s2lite"));
  EXPECT_TRUE(IsPostgresConninfo("postgres://db/s2lite"));
  EXPECT_TRUE(IsPostgresConninfo("host=/run/postgresql dbname=s2lite"));
  EXPECT_FALSE(IsPostgresConninfo("/var/lib/s2lite/s2lite.db"));
  EXPECT_FALSE(IsPostgresConninfo("mysql://db/s2lite"));
  TempDir dir;
  StoreOptions options;
  options.data_dir = dir.path();
  options.registry = "mysql://u:secret-pw@db/s2lite";
  Result<std::unique_ptr<ObjectStore>> store = OpenObjectStore(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store.status().message().find("secret-pw"), std::string::npos);
}

TEST_F(PostgresRegistryTest, ConcurrentOpenersMigrateOnce) {
  constexpr int kOpeners = 4;
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  std::vector<std::string> errors(kOpeners);
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      Result<std::unique_ptr<Registry>> r = OpenRegistry(db_->conninfo());
      if (r.ok()) {
        ++opened;
      } else {
        errors[i] = r.status().message();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(opened.load(), kOpeners);
  EXPECT_EQ(db_->Query("SELECT string_agg(version::text, ',' ORDER BY version) "
                       "FROM s2lite_schema_migrations"),
            std::to_string(kPostgresSchemaVersion));
  EXPECT_EQ(db_->Query("SELECT count(*) FROM pg_tables WHERE tablename = 'blob_tombstones'"), "1");
}

TEST_F(PostgresRegistryTest, DatabaseOfANewerS2liteIsRefused) {
  ASSERT_TRUE(OpenRegistry(db_->conninfo()).ok());
  ASSERT_EQ(db_->Query("INSERT INTO s2lite_schema_migrations (version) VALUES (999)"), "");
  Result<std::unique_ptr<Registry>> r = OpenRegistry(db_->conninfo());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("newer"), std::string::npos) << r.status().message();
}

// Two daemons completing one upload with different part lists: one object,
// the other told the upload is gone; the same against an abort.
TEST_F(PostgresRegistryTest, CompletesAndAbortsOnTwoStoresHaveOneWinner) {
  std::unique_ptr<SyncStore> a = OpenStore();
  std::unique_ptr<SyncStore> b = OpenStore();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->CreateBucket({"b", "alice", "us-east-1", 0, ""}).ok());
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE(round);
    const std::string id = "u" + std::to_string(round);
    const std::string key = "k" + std::to_string(round);
    UploadInfo upload;
    upload.upload_id = id;
    upload.bucket = "b";
    upload.key = key;
    upload.owner = "alice";
    ASSERT_TRUE(a->CreateUpload(upload).ok());
    PartInfo p1 = MakePart(*a, 1, "first part");
    PartInfo p2 = MakePart(*b, 2, "second");
    ASSERT_TRUE(a->PutPart(id, p1).ok());
    ASSERT_TRUE(b->PutPart(id, p2).ok());
    Result<ObjectInfo> one = Status(ErrorCode::kInternalError, "not run");
    Result<ObjectInfo> both = one;
    Status aborted;
    std::thread t1([&] { one = a->CompleteUpload(id, {{1, p1.md5_hex}}, kMinPart); });
    std::thread t2([&] {
      both = b->CompleteUpload(id, {{1, p1.md5_hex}, {2, p2.md5_hex}}, kMinPart);
    });
    std::thread t3([&] {
      if (round % 2 == 1) aborted = a->AbortUpload(id);
    });
    t1.join();
    t2.join();
    t3.join();
    const int winners =
        (one.ok() ? 1 : 0) + (both.ok() ? 1 : 0) + (round % 2 == 1 && aborted.ok() ? 1 : 0);
    ASSERT_EQ(winners, 1);
    for (const Status& s : {one.status(), both.status()}) {
      if (!s.ok()) {
        EXPECT_EQ(s.code(), ErrorCode::kNoSuchUpload) << s.message();
      }
    }
    Result<ObjectInfo> stored = b->GetObject("b", key);
    if (one.ok()) {
      ASSERT_TRUE(stored.ok());
      EXPECT_EQ(stored->etag, one->etag);
      EXPECT_EQ(db_->Query("SELECT count(*) FROM blob_tombstones WHERE blob_id = '" +
                           p2.blob.blob_id + "'"),
                "1");
    } else if (both.ok()) {
      ASSERT_TRUE(stored.ok());
      EXPECT_EQ(stored->etag, both->etag);
      EXPECT_EQ(stored->manifest.size(), 2u);
    } else {
      EXPECT_EQ(stored.status().code(), ErrorCode::kNoSuchKey);
    }
  }
}

// Injected serialization failures (a trigger raising SQLSTATE 40001) are
// retried; past the retry budget the write is a SlowDown and leaves nothing.
TEST_F(PostgresRegistryTest, SerializationFailuresAreRetriedThenSlowDown) {
  std::unique_ptr<SyncStore> store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->CreateBucket({"b", "alice", "us-east-1", 0, ""}).ok());
  ASSERT_EQ(db_->Query("CREATE SEQUENCE injected"), "");
  ASSERT_EQ(db_->Query("CREATE TABLE budget (n bigint); INSERT INTO budget VALUES (2)"), "");
  ASSERT_EQ(db_->Query(R"sql(
CREATE FUNCTION conflict() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('injected') <= (SELECT n FROM budget) THEN
    RAISE EXCEPTION 'injected conflict' USING ERRCODE = '40001';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER conflict BEFORE INSERT ON objects FOR EACH ROW EXECUTE FUNCTION conflict();
)sql"),
            "");
  ObjectInfo o = Object(*store, "k", "retried");
  ASSERT_TRUE(store->PutObject(o).ok());
  EXPECT_EQ(db_->Query("SELECT last_value FROM injected"), "3") << "two failures, one success";
  Result<ObjectInfo> got = store->GetObject("b", "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->etag, o.etag);

  ASSERT_EQ(db_->Query("UPDATE budget SET n = 1000"), "");
  ObjectInfo refused = Object(*store, "k2", "never stored");
  Status s = store->PutObject(refused);
  EXPECT_EQ(s.code(), ErrorCode::kSlowDown) << s.message();
  EXPECT_EQ(store->GetObject("b", "k2").status().code(), ErrorCode::kNoSuchKey);
  EXPECT_FALSE(BlobExists(*store, refused.manifest[0].blob_id)) << "its bytes are removed";
}

// A session killed while idle in the pool: the call runs again on a new
// connection. A call whose answer does not come in time: SlowDown, and the
// next call works.
TEST_F(PostgresRegistryTest, LostAndSlowConnectionsFailFastAndThePoolRecovers) {
  std::unique_ptr<SyncStore> store = OpenStore(/*timeout_ms=*/500);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->CreateBucket({"b", "alice", "us-east-1", 0, ""}).ok());
  ASSERT_TRUE(store->PutObject(Object(*store, "k", "v")).ok());

  EXPECT_NE(TerminateSessions(), "0");
  EXPECT_TRUE(store->GetObject("b", "k").ok());
  EXPECT_TRUE(store->PutObject(Object(*store, "k", "again")).ok());

  // An administrator's lock makes every registry statement on objects wait.
  testing::TempDatabase* db = db_.get();
  PGconn* admin = PQconnectdb(db->conninfo().c_str());
  ASSERT_EQ(PQstatus(admin), CONNECTION_OK);
  PQclear(PQexec(admin, "BEGIN; LOCK TABLE objects IN ACCESS EXCLUSIVE MODE"));
  auto start = std::chrono::steady_clock::now();
  Status slow = store->GetObject("b", "k").status();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(slow.code(), ErrorCode::kSlowDown) << slow.message();
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_GE(took, std::chrono::milliseconds(400));
  PQclear(PQexec(admin, "ROLLBACK"));
  PQfinish(admin);

  Result<ObjectInfo> got = store->GetObject("b", "k");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->etag, "\"" + Md5Hex("again") + "\"");
  EXPECT_TRUE(store->async().healthy());
}

// A database that goes away: SlowDown, not ready; back: ready again.
TEST_F(PostgresRegistryTest, UnreachableDatabaseIsNotHealthyUntilItReturns) {
  std::unique_ptr<SyncStore> store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->CreateBucket({"b", "alice", "us-east-1", 0, ""}).ok());
  EXPECT_TRUE(store->async().healthy());
  const std::string admin = testing::PostgresAdminConninfo();
  ASSERT_EQ(testing::PgQuery(admin, "ALTER DATABASE " + db_->name() + " ALLOW_CONNECTIONS false"),
            "");
  TerminateSessions();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(store->GetBucket("b").status().code(), ErrorCode::kSlowDown);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(store->async().healthy());
  EXPECT_FALSE(Sync(store->async().Probe()));
  ASSERT_EQ(testing::PgQuery(admin, "ALTER DATABASE " + db_->name() + " ALLOW_CONNECTIONS true"),
            "");
  // Without any request (a load balancer stopped sending them), the probe
  // of a readiness check finds the database back.
  EXPECT_FALSE(store->async().healthy());
  EXPECT_TRUE(Sync(store->async().Probe()));
  EXPECT_TRUE(store->async().healthy());
  EXPECT_TRUE(store->GetBucket("b").ok());
}

TEST_F(PostgresRegistryTest, ExpiredLeaseIsTakenOverAndReleasedLeaseAtOnce) {
  Result<std::unique_ptr<Registry>> a = OpenRegistry(db_->conninfo());
  Result<std::unique_ptr<Registry>> b = OpenRegistry(db_->conninfo());
  ASSERT_TRUE(a.ok() && b.ok());
  auto acquire = [](Registry& r, const std::string& holder, TimeMs ttl) {
    Result<bool> held = Sync((r.AcquireLease("leader", holder, ttl)));
    EXPECT_TRUE(held.ok()) << held.status().message();
    return held.ok() && *held;
  };
  EXPECT_TRUE(acquire(**a, "daemon-a", 300));
  EXPECT_FALSE(acquire(**b, "daemon-b", 300));
  EXPECT_TRUE(acquire(**a, "daemon-a", 300)) << "renewed by its holder";
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_TRUE(acquire(**b, "daemon-b", 10000)) << "taken over after expiry";
  EXPECT_FALSE(acquire(**a, "daemon-a", 300));
  ASSERT_TRUE(Sync((*a)->ReleaseLease("leader", "daemon-a")).ok());
  EXPECT_FALSE(acquire(**a, "daemon-a", 300)) << "only the holder releases";
  ASSERT_TRUE(Sync((*b)->ReleaseLease("leader", "daemon-b")).ok());
  EXPECT_TRUE(acquire(**a, "daemon-a", 300));
}

TEST_F(PostgresRegistryTest, TombstonesAreListedByAgeAndForgotten) {
  std::unique_ptr<SyncStore> store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->CreateBucket({"b", "alice", "us-east-1", 0, ""}).ok());
  ObjectInfo o = Object(*store, "k", "old");
  ASSERT_TRUE(store->PutObject(o).ok());
  ASSERT_TRUE(store->DeleteObject("b", "k").ok());
  EXPECT_TRUE(BlobExists(*store, o.manifest[0].blob_id)) << "bytes stay for the sweeper";
  Result<std::unique_ptr<Registry>> r = OpenRegistry(db_->conninfo());
  ASSERT_TRUE(r.ok());
  Result<std::vector<std::string>> young = Sync((*r)->ListTombstones(60'000, 10));
  ASSERT_TRUE(young.ok());
  EXPECT_TRUE(young->empty());
  Result<std::vector<std::string>> all = Sync((*r)->ListTombstones(0, 10));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, std::vector<std::string>{o.manifest[0].blob_id});
  ASSERT_TRUE(Sync((*r)->ForgetTombstones({o.manifest[0].blob_id, "unknown"})).ok());
  all = Sync((*r)->ListTombstones(0, 10));
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(PostgresRegistryTest, PasswordIsNeverInMessagesOrLogs) {
  const std::string secret = "pw-Sekrit-4711";
  // A database that does not exist: the open fails, naming no password.
  Result<std::unique_ptr<Registry>> missing =
      OpenRegistry(testing::WithDatabase(testing::PostgresAdminConninfo(), "no_such_db") +
                   " password=" + secret);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message().find(secret), std::string::npos)
      << missing.status().message();
  // A connection lost and regained is logged, without it.
  Result<std::unique_ptr<Registry>> r = OpenRegistry(db_->conninfo() + " password=" + secret);
  ASSERT_TRUE(r.ok()) << r.status().message();
  TerminateSessions();
  ASSERT_EQ(testing::PgQuery(testing::PostgresAdminConninfo(),
                             "ALTER DATABASE " + db_->name() + " ALLOW_CONNECTIONS false"),
            "");
  Result<std::vector<BucketInfo>> failed = Sync((*r)->ListBuckets(""));
  EXPECT_EQ(failed.status().code(), ErrorCode::kSlowDown);
  EXPECT_EQ(failed.status().message().find(secret), std::string::npos);
  ASSERT_EQ(testing::PgQuery(testing::PostgresAdminConninfo(),
                             "ALTER DATABASE " + db_->name() + " ALLOW_CONNECTIONS true"),
            "");
  EXPECT_TRUE(Sync((*r)->ListBuckets("")).ok());
  std::vector<std::string> log = Log();
  ASSERT_FALSE(log.empty());
  bool redacted = false;
  for (const std::string& line : log) {
    EXPECT_EQ(line.find(secret), std::string::npos) << line;
    redacted = redacted || line.find("password=********") != std::string::npos;
  }
  EXPECT_TRUE(redacted) << "the log names the connection, password masked";
}

}  // namespace
}  // namespace s2lite::storage
