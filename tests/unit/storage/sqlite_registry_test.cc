#include "storage/sqlite_registry.h"

#include <gtest/gtest.h>

#include <thread>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/storage/test_util.h"

namespace s2lite::storage {
namespace {

using testing::TempDir;
using Metadata = std::vector<std::pair<std::string, std::string>>;

// Reads one value with a separate connection, as an outside observer would.
std::string QueryText(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out = "<error>";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text != nullptr ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

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
    ASSERT_TRUE((*registry)->InsertBucket({"b", "alice", "us-east-1", 1, "private"}).ok());
  }
  Result<std::unique_ptr<Registry>> registry = OpenSqliteRegistry(path, false);
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  Result<BucketInfo> bucket = (*registry)->GetBucket("b");
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
  ASSERT_TRUE((*a)->InsertBucket({"only-in-a", "alice", "us-east-1", 1, "private"}).ok());
  EXPECT_TRUE((*a)->GetBucket("only-in-a").ok());
  EXPECT_EQ((*b)->GetBucket("only-in-a").status().code(), ErrorCode::kNoSuchBucket);
}

TEST(SqliteRegistryTest, PlannerErrorLeavesUploadUntouched) {
  Result<std::unique_ptr<Registry>> registry = OpenSqliteRegistry(":memory:", false);
  ASSERT_TRUE(registry.ok());
  Registry& r = **registry;
  ASSERT_TRUE(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"}).ok());
  ASSERT_TRUE(r.InsertUpload(Upload("u1", "k", 5)).ok());
  ASSERT_TRUE(r.PutPart("u1", Part(1, kBlobId, 3, "00")).ok());

  Result<FreedBlobs> freed = r.CompleteUpload(
      "u1", {{1, "00"}}, [](const UploadInfo&, const std::vector<PartInfo>& parts) {
        EXPECT_EQ(parts.size(), 1u);
        return Result<ObjectInfo>(ErrorCode::kInvalidPart);
      });
  EXPECT_EQ(freed.status().code(), ErrorCode::kInvalidPart);
  EXPECT_TRUE(r.GetUpload("u1").ok());
  bool truncated = true;
  Result<std::vector<PartInfo>> parts = r.ListParts("u1", 0, 10, &truncated);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->size(), 1u);
  EXPECT_FALSE(truncated);
  EXPECT_EQ(r.GetObject("b", "k").status().code(), ErrorCode::kNoSuchKey);
}

TEST(SqliteRegistryTest, ReferencedBlobsCoversPartsAndObjects) {
  Result<std::unique_ptr<Registry>> registry = OpenSqliteRegistry(":memory:", false);
  ASSERT_TRUE(registry.ok());
  Registry& r = **registry;
  ASSERT_TRUE(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"}).ok());
  ASSERT_TRUE(r.InsertUpload(Upload("u1", "k")).ok());
  ASSERT_TRUE(r.PutPart("u1", Part(1, "part-blob", 1)).ok());
  ObjectInfo object;
  object.bucket = "b";
  object.key = "o";
  object.manifest = {{"object-blob", 1}};
  ASSERT_TRUE(r.PutObject(object).ok());

  Result<std::vector<std::string>> ids = r.ReferencedBlobs();
  ASSERT_TRUE(ids.ok());
  std::sort(ids->begin(), ids->end());
  EXPECT_EQ(*ids, (std::vector<std::string>{"object-blob", "part-blob"}));
}

// Group commit: writes share one open transaction; nothing is visible to
// another connection (or survives a crash) until CommitGroup.
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

TEST_F(SqliteRegistryGroupCommitTest, WritesAreCommittedTogetherByCommitGroup) {
  Registry& r = this->r();
  EXPECT_EQ(r.PendingGroup(), 0u);
  ASSERT_TRUE(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"}).ok());
  ASSERT_TRUE(r.InsertUpload(Upload("u1", "k")).ok());
  uint64_t group = r.PendingGroup();
  EXPECT_NE(group, 0u);
  // Visible to this registry, not to an outside reader yet.
  EXPECT_TRUE(r.GetUpload("u1").ok());
  EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM uploads"), "0");

  ASSERT_TRUE(r.CommitGroup().ok());
  ASSERT_TRUE(r.GroupStatus(group).has_value());
  EXPECT_TRUE(r.GroupStatus(group)->ok());
  EXPECT_EQ(r.PendingGroup(), 0u);
  EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM uploads"), "1");
  EXPECT_EQ(QueryText(path_, "SELECT name FROM buckets"), "b");
  // Reads open no group.
  EXPECT_TRUE(r.GetUpload("u1").ok());
  EXPECT_EQ(r.PendingGroup(), 0u);
  // The next write starts the next group.
  ASSERT_TRUE(r.DeleteUpload("u1").ok());
  EXPECT_GT(r.PendingGroup(), group);
}

// What a request must see committed before answering: the group its writes
// joined, or one that was open while it read (it may have seen those rows).
TEST_F(SqliteRegistryGroupCommitTest, TakeTouchedGroupNamesTheGroupACallerWroteOrReadIn) {
  Registry& r = this->r();
  EXPECT_EQ(r.TakeTouchedGroup(), 0u);
  ASSERT_TRUE(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"}).ok());
  const uint64_t g1 = r.PendingGroup();
  ASSERT_NE(g1, 0u);
  EXPECT_FALSE(r.GroupStatus(g1).has_value());
  EXPECT_EQ(r.TakeTouchedGroup(), g1);
  EXPECT_EQ(r.TakeTouchedGroup(), 0u);  // taken

  // Another thread writes; this one only reads while that group is open.
  std::thread writer([&] {
    ASSERT_TRUE(r.InsertUpload(Upload("u1", "k")).ok());
    EXPECT_EQ(r.TakeTouchedGroup(), g1);  // still the open group
  });
  writer.join();
  EXPECT_TRUE(r.GetUpload("u1").ok());
  EXPECT_EQ(r.TakeTouchedGroup(), g1);

  ASSERT_TRUE(r.CommitGroup().ok());
  ASSERT_TRUE(r.GroupStatus(g1).has_value());
  EXPECT_TRUE(r.GroupStatus(g1)->ok());
  // Reads with no group open touch none.
  EXPECT_TRUE(r.GetUpload("u1").ok());
  EXPECT_EQ(r.TakeTouchedGroup(), 0u);
  // The next write joins the next group.
  ASSERT_TRUE(r.DeleteUpload("u1").ok());
  const uint64_t g2 = r.TakeTouchedGroup();
  EXPECT_GT(g2, g1);
  EXPECT_FALSE(r.GroupStatus(g2).has_value());
}

TEST_F(SqliteRegistryGroupCommitTest, FailedWriteRollsBackOnlyItselfInsideTheGroup) {
  Registry& r = this->r();
  ASSERT_TRUE(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"}).ok());
  ASSERT_TRUE(r.InsertUpload(Upload("u1", "k")).ok());
  ASSERT_TRUE(r.PutPart("u1", Part(1, kBlobId, 3, "00")).ok());
  // A Complete whose planner refuses rolls back to its savepoint...
  Result<FreedBlobs> freed = r.CompleteUpload(
      "u1", {{1, "00"}},
      [](const UploadInfo&, const std::vector<PartInfo>&) {
        return Result<ObjectInfo>(ErrorCode::kInvalidPart);
      });
  EXPECT_EQ(freed.status().code(), ErrorCode::kInvalidPart);
  // ...and the writes before it in the same group still commit.
  ASSERT_TRUE(r.CommitGroup().ok());
  EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM parts WHERE upload_id = 'u1'"), "1");
  EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM objects"), "0");
  EXPECT_EQ(QueryText(path_, "SELECT count(*) FROM uploads WHERE completed_ms IS NULL"), "1");
}

TEST_F(SqliteRegistryGroupCommitTest, AfterCommitWaitsForTheGroup) {
  ASSERT_NO_FATAL_FAILURE(Open(/*fsync=*/true));
  Registry& r = this->r();
  int ran = 0;
  r.AfterCommit([&] { ++ran; });
  EXPECT_EQ(ran, 1);  // nothing pending: at once
  ASSERT_TRUE(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"}).ok());
  r.AfterCommit([&] { ++ran; });
  EXPECT_EQ(ran, 1);
  ASSERT_TRUE(r.CommitGroup().ok());  // fsync mode: the WAL is synced here
  EXPECT_EQ(ran, 2);
}

TEST_F(SqliteRegistryGroupCommitTest, DestructionCommitsTheOpenGroup) {
  ASSERT_TRUE(r().InsertBucket({"b", "alice", "us-east-1", 1, "private"}).ok());
  registry_.reset();
  EXPECT_EQ(QueryText(path_, "SELECT name FROM buckets"), "b");
}

TEST_F(SqliteRegistryGroupCommitTest, CheckpointsKeepTheWalBounded) {
  Registry& r = this->r();
  ASSERT_TRUE(r.InsertBucket({"b", "alice", "us-east-1", 1, "private"}).ok());
  // Each commit appends a few pages; without checkpoints (auto-checkpoint is
  // off on the writing connection), or if the WAL never rewound, 8,000
  // commits would grow it to about 150 MB.
  for (int i = 0; i < 8000; ++i) {
    ASSERT_TRUE(r.InsertUpload(Upload("u" + std::to_string(i), "k" + std::to_string(i % 97), i)).ok());
    ASSERT_TRUE(r.CommitGroup().ok());
  }
  std::error_code ec;
  auto wal = std::filesystem::file_size(path_ + "-wal", ec);
  ASSERT_FALSE(ec);
  EXPECT_LT(wal, 32u << 20) << "WAL not rewound";
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
