// libpq is loaded at run time, only for a PostgreSQL registry: what a user
// sees when it is missing (or too old), and that it works when installed.

#include "storage/libpq.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "s2lite/status.h"
#include "storage/object_store.h"
#include "storage/pg_connection.h"
#include "storage/postgres_registry.h"
#include "tests/unit/storage/test_util.h"

namespace s2lite::storage {
namespace {

using ::testing::HasSubstr;

constexpr const char* kMissing = "libs2lite-test-no-such-libpq.so.5";

TEST(LibpqTest, LoadsTheInstalledLibpq) {
  Status s = pq::Load();
  ASSERT_TRUE(s.ok()) << s.message();
  // Its functions work: a connection string parsed, the password hidden.
  EXPECT_EQ(pg::RedactConninfo("host=/tmp dbname=s2 user=u password=hunter2"),
            "user=u password=******** dbname=s2 host=/tmp");
  EXPECT_EQ(pg::RedactConninfo("postgresql://u:hunter2@db.example/s2"),
            "user=u password=******** dbname=s2 host=db.example");
}

TEST(LibpqTest, AMissingLibpqIsReportedWithThePackageToInstall) {
  {
    pq::ScopedLibraryForTest missing(kMissing);
    Status s = pq::Load();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), ErrorCode::kInternalError);
    EXPECT_THAT(s.message(), HasSubstr("the PostgreSQL registry needs libpq"));
    EXPECT_THAT(s.message(), HasSubstr("libpq5"));
    // dlerror()'s own words.
    EXPECT_THAT(s.message(), HasSubstr(std::string(kMissing) + ": cannot open shared object file"));
    EXPECT_EQ(pq::Load().message(), s.message());  // the same answer every time
    EXPECT_EQ(pg::RedactConninfo("host=/tmp password=x"), "(libpq not loaded)");
  }
  EXPECT_TRUE(pq::Load().ok());
}

TEST(LibpqTest, ALibraryWithoutLibpqsFunctionsIsRefused) {
  pq::ScopedLibraryForTest not_libpq("libc.so.6");
  Status s = pq::Load();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("libc.so.6 has no PQconnectStart, PQconnectPoll"));
  EXPECT_THAT(s.message(), HasSubstr("libpq 14 or later"));
}

TEST(LibpqTest, OpeningAPostgresStoreWithoutLibpqFailsSayingWhatToInstall) {
  pq::ScopedLibraryForTest missing(kMissing);
  testing::TempDir dir;
  StoreOptions options;
  options.data_dir = dir.path() + "/data";
  // Never reached: the store gives up before connecting.
  options.registry = "host=/nonexistent dbname=s2lite connect_timeout=1";
  Result<std::unique_ptr<ObjectStore>> store = OpenObjectStore(options);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("libpq5"));
  EXPECT_THAT(store.status().message(), HasSubstr("cannot open shared object file"));

  PostgresRegistryOptions po;
  po.conninfo = options.registry;
  Result<std::unique_ptr<Registry>> registry = OpenPostgresRegistry(po);
  ASSERT_FALSE(registry.ok());
  EXPECT_THAT(registry.status().message(), HasSubstr("libpq5"));
}

TEST(LibpqTest, ASqliteStoreNeedsNoLibpq) {
  pq::ScopedLibraryForTest missing(kMissing);
  testing::TempDir dir;
  StoreOptions options;
  options.data_dir = dir.path() + "/data";
  Result<std::unique_ptr<ObjectStore>> store = OpenObjectStore(options);
  ASSERT_TRUE(store.ok()) << store.status().message();
}

}  // namespace
}  // namespace s2lite::storage
