#include "storage/sqlite_registry.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/task.h"
#include "tests/unit/storage/test_util.h"

namespace s2lite::storage {
namespace {

using testing::QueryText;
using testing::TempDir;
using Metadata = std::vector<std::pair<std::string, std::string>>;

// Reads one value with a separate connection, as an outside observer would.

// A pending upload in bucket "b".
UploadInfo Upload(std::string id, std::string key, TimeMs created = 0) {
  UploadInfo upload;
  upload.upload_id = std::move(id);
  upload.bucket = "b";
  upload.key = std::move(key);
  upload.created = created;
  return upload;
}

PartInfo Part(int number, std::string blob_id, uint64_t size, std::string md5_hex = "") {
  PartInfo part;
  part.part_number = number;
  part.blob = {std::move(blob_id), size};
  part.md5_hex = std::move(md5_hex);
  return part;
}

constexpr char kBlobId[] = "0123456789abcdef0123456789abcdef";

TEST(SqliteRegistryTest, FileDatabaseIsWalWithCurrentSchemaVersion) {
  TempDir dir;
  std::string path = dir.path() + "/s2lite.db";
  {
    Result<std::unique_ptr<Registry>> registry = OpenSqliteRegistry(path, false);
    ASSERT_TRUE(registry.ok()) << registry.status().message();
  }
  EXPECT_EQ(QueryText(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(path, "PRAGMA user_version"), std::to_string(kRegistrySchemaVersion));
  for (const char* table : {"buckets", "uploads", "parts", "objects", "object_blobs"}) {
    SCOPED_TRACE(table);
    EXPECT_EQ(
        QueryText(path, std::string("SELECT name FROM sqlite_master WHERE name = '") + table + "'"),
        table);
  }
}

TEST(SqliteRegistryTest, ReopeningKeepsDataAndDoesNotRerunMigrations) {
  TempDir dir;
  std::string path = dir.path() + "/s2lite.db";
  {
    Result<std::unique_ptr<Registry>> registry = OpenSqliteRegistry(path, true);
    ASSERT_TRUE(registry.ok());
    ASSERT_TRUE(Sync((*registry)->InsertBucket({"b", "alice", "us-east-1", 1, "private"})).ok());
  }
  Result<std::unique_ptr<Registry>> registry = OpenSqliteRegistry(path, false);
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  Result<BucketInfo> bucket = Sync((*registry)->GetBucket("b"));
  ASSERT_TRUE(bucket.ok());
  EXPECT_EQ(bucket->owner, "alice");
}

TEST(SqliteRegistryTest, RefusesDatabaseFromNewerSchema) {
  TempDir dir;
  std::string path = dir.path() + "/s2lite.db";
  {
    Result<std::unique_ptr<Registry>> registry = OpenSqliteRegistry(path, false);
    ASSERT_TRUE(registry.ok());
  }
  QueryText(path, "PRAGMA user_version = 999");
  ASSERT_EQ(QueryText(path, "PRAGMA user_version"), "999");
  Result<std::unique_ptr<Registry>> registry = OpenSqliteRegistry(path, false);
  ASSERT_FALSE(registry.ok());
  EXPECT_NE(registry.status().message().find("newer"), std::string::npos);
}

TEST(SqliteRegistryTest, InMemoryDatabasesAreIndependent) {
  Result<std::unique_ptr<Registry>> a = OpenSqliteRegistry(":memory:", false);
  Result<std::unique_ptr<Registry>> b = OpenSqliteRegistry(":memory:", false);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(Sync((*a)->InsertBucket({"only-in-a", "alice", "us-east-1", 1, "private"})).ok());
  EXPECT_TRUE(Sync((*a)->GetBucket("only-in-a")).ok());
  EXPECT_EQ(Sync((*b)->GetBucket("only-in-a")).status().code(), ErrorCode::kNoSuchBucket);
}

TEST(SqliteRegistryTest, PlannerErrorLeavesUploadUntouched) {
  Result<std::unique_ptr<Registry>> registry = OpenSqliteRegistry(":memory:", false);
  ASSERT_TRUE(registry.ok());
  Registry& r = **registry;
  ASSERT_TRUE(Sync(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"})).ok());
  ASSERT_TRUE(Sync(r.InsertUpload(Upload("u1", "k", 5))).ok());
  ASSERT_TRUE(Sync(r.PutPart("u1", Part(1, kBlobId, 3, "00"))).ok());

  Result<FreedBlobs> freed = Sync(r.CompleteUpload(
      "u1", {{1, "00"}}, [](const UploadInfo&, const std::vector<PartInfo>& parts) {
        EXPECT_EQ(parts.size(), 1u);
        return Result<ObjectInfo>(ErrorCode::kInvalidPart);
      }));
  EXPECT_EQ(freed.status().code(), ErrorCode::kInvalidPart);
  EXPECT_TRUE(Sync(r.GetUpload("u1")).ok());
  bool truncated = true;
  Result<std::vector<PartInfo>> parts = Sync(r.ListParts("u1", 0, 10, &truncated));
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->size(), 1u);
  EXPECT_FALSE(truncated);
  EXPECT_EQ(Sync(r.GetObject("b", "k")).status().code(), ErrorCode::kNoSuchKey);
}

TEST(SqliteRegistryTest, ReferencedBlobsCoversPartsAndObjects) {
  Result<std::unique_ptr<Registry>> registry = OpenSqliteRegistry(":memory:", false);
  ASSERT_TRUE(registry.ok());
  Registry& r = **registry;
  ASSERT_TRUE(Sync(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"})).ok());
  ASSERT_TRUE(Sync(r.InsertUpload(Upload("u1", "k"))).ok());
  ASSERT_TRUE(Sync(r.PutPart("u1", Part(1, "part-blob", 1))).ok());
  ObjectInfo object;
  object.bucket = "b";
  object.key = "o";
  object.manifest = {{"object-blob", 1}};
  ASSERT_TRUE(Sync(r.PutObject(object)).ok());

  Result<std::vector<std::string>> ids = Sync(r.ReferencedBlobs());
  ASSERT_TRUE(ids.ok());
  std::sort(ids->begin(), ids->end());
  EXPECT_EQ(*ids, (std::vector<std::string>{"object-blob", "part-blob"}));
}

// Group commit: concurrent writes share one transaction, but a call still
// completes only once what it wrote (or read) is committed.
class SqliteRegistryGroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open(/*fsync=*/false)); }
  void Open(bool fsync) {
    registry_.reset();
    Result<std::unique_ptr<Registry>> registry = OpenSqliteRegistry(path_, fsync, true);
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = std::move(*registry);
  }
  Registry& r() { return *registry_; }

  TempDir dir_;
  const std::string path_ = dir_.path() + "/s2lite.db";
  std::unique_ptr<Registry> registry_;
};

TEST_F(SqliteRegistryGroupCommitTest, AWriteIsCommittedWhenItReturns) {
  for (bool fsync : {false, true}) {
    SCOPED_TRACE(fsync ? "fsync" : "no fsync");
    ASSERT_NO_FATAL_FAILURE(Open(fsync));
    Registry& r = this->r();
    const std::string bucket = fsync ? "b2" : "b1";
    ASSERT_TRUE(Sync(r.InsertBucket({bucket, "alice", "us-east-1", 1, "private"})).ok());
    // Seen by another connection: committed, not just applied.
    EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM buckets WHERE name = '" + bucket + "'"), "1");
    UploadInfo upload = Upload("u-" + bucket, "k");
    upload.bucket = bucket;
    ASSERT_TRUE(Sync(r.InsertUpload(upload)).ok());
    EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM uploads WHERE upload_id = 'u-" + bucket + "'"),
              "1");
  }
}

// Many callers at once, each on its own event loop: every write that
// returns is committed, whichever group it landed in.
TEST_F(SqliteRegistryGroupCommitTest, ConcurrentWritesAreEachCommittedWhenTheyReturn) {
  Registry& r = this->r();
  ASSERT_TRUE(Sync(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"})).ok());
  constexpr int kThreads = 8, kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "u" + std::to_string(t) + "-" + std::to_string(i);
        if (!Sync(r.InsertUpload(Upload(id, "k"))).ok()) ++failures;
        if (QueryText(path_, "SELECT count(*) FROM uploads WHERE upload_id = '" + id + "'") != "1")
          ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM uploads"), std::to_string(kThreads * kEach));
}

TEST_F(SqliteRegistryGroupCommitTest, FailedWriteRollsBackOnlyItselfInsideTheGroup) {
  Registry& r = this->r();
  ASSERT_TRUE(Sync(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"})).ok());
  ASSERT_TRUE(Sync(r.InsertUpload(Upload("u1", "k"))).ok());
  ASSERT_TRUE(Sync(r.PutPart("u1", Part(1, kBlobId, 3, "00"))).ok());
  // A Complete whose planner refuses rolls back to its savepoint...
  Result<FreedBlobs> freed =
      Sync(r.CompleteUpload("u1", {{1, "00"}}, [](const UploadInfo&, const std::vector<PartInfo>&) {
        return Result<ObjectInfo>(ErrorCode::kInvalidPart);
      }));
  EXPECT_EQ(freed.status().code(), ErrorCode::kInvalidPart);
  // ...and the writes before it stay committed.
  EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM parts WHERE upload_id = 'u1'"), "1");
  EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM objects"), "0");
  EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM uploads WHERE completed_ms IS NULL"), "1");
}

TEST_F(SqliteRegistryGroupCommitTest, CheckpointsKeepTheWalBounded) {
  Registry& r = this->r();
  ASSERT_TRUE(Sync(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"})).ok());
  // Each commit appends a few pages; without checkpoints (auto-checkpoint is
  // off on the writing connection), or if the WAL never rewound, 8,000
  // commits would grow it to about 150 MB; it rewinds past 16,000 frames
  // (64 MiB).
  for (int i = 0; i < 8000; ++i) {
    ASSERT_TRUE(
        Sync(r.InsertUpload(Upload("u" + std::to_string(i), "k" + std::to_string(i % 97), i)))
            .ok());
  }
  std::error_code ec;
  auto wal = std::filesystem::file_size(path_ + "-wal", ec);
  ASSERT_FALSE(ec);
  EXPECT_LT(wal, 72u << 20) << "WAL not rewound";
  EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM uploads"), "8000");
}

TEST(MetadataCodecTest, RoundTripsTrickyPairsInOrder) {
  const std::vector<Metadata> cases = {
      {},
      {{"", ""}},
      {{"a", ""}},
      {{"k", "v"}, {"a", "b"}},
      {{"amp&", "x&y"}, {"eq=", "a=b=c"}, {"pct", "100%"}, {"escaped", "%26%3D"}},
      {{"unicode", "ünïcødé ✓"}, {"space", " a b "}},
      {{"dup", "1"}, {"dup", "2"}},
  };
  for (const Metadata& metadata : cases) {
    std::string encoded = EncodeMetadata(metadata);
    SCOPED_TRACE(encoded);
    EXPECT_EQ(DecodeMetadata(encoded), metadata);
  }
}

TEST(MetadataCodecTest, EncodesAsEscapedQueryLikeText) {
  EXPECT_EQ(EncodeMetadata({{"a", "1"}, {"b&", "=%"}}), "a=1&b%26=%3D%25");
  EXPECT_EQ(EncodeMetadata({}), "");
}

}  // namespace
}  // namespace s2lite::storage
