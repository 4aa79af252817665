// A shared store (several daemons on one registry and one blob directory)
// never removes bytes as it frees them; SweepBlobs does, after a grace
// period. The registry here is the SQLite in-memory one behind a decorator
// that tombstones freed blobs (tests/unit/storage/shared_registry.h), the
// clock a fake one, the blobs files whose modification times the tests set.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "storage/object_reader.h"
#include "storage/object_store.h"
#include "storage/registry.h"
#include "tests/unit/storage/shared_registry.h"
#include "tests/unit/storage/test_util.h"

namespace s2lite::storage {
namespace {

using testing::FakeClock;
using testing::LeaseTable;
using testing::SharedRegistry;
using testing::TempDir;

constexpr TimeMs kGrace = 10'000;
constexpr char kBucket[] = "bucket";

TimeMs SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class BlobSweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto registry = SharedRegistry::InMemory(clock_.AsFunction(),
                                             std::make_shared<LeaseTable>(clock_.AsFunction()));
    ASSERT_NE(registry, nullptr);
    registry_ = registry.get();
    auto blobs = OpenFileBlobStore(blob_dir(), /*fsync=*/false, /*shared=*/true);
    ASSERT_TRUE(blobs.ok()) << blobs.status().message();
    StoreOptions options;
    options.now = clock_.AsFunction();
    options.max_read_ms = 5'000;
    auto store = NewObjectStore(std::move(registry), std::move(*blobs), options);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->shared());
    ASSERT_TRUE(Sync(store_->CreateBucket({kBucket, "owner"})).ok());
  }

  std::string blob_dir() const { return dir_.path() + "/blobs"; }
  std::string BlobPath(const std::string& id) const {
    return blob_dir() + "/" + id.substr(0, 2) + "/" + id;
  }
  bool OnDisk(const std::string& id) const { return std::filesystem::exists(BlobPath(id)); }

  // Sets the file's modification time to `when` (ms since the epoch).
  static void SetModified(const std::string& path, TimeMs when) {
    timespec times[2];
    times[0].tv_sec = times[1].tv_sec = when / 1000;
    times[0].tv_nsec = times[1].tv_nsec = (when % 1000) * 1'000'000;
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
  }

  // A committed blob holding `bytes`, referred to by nothing yet.
  std::string NewBlob(const std::string& bytes) {
    Result<BlobRef> ref = testing::WriteBlob(*store_, bytes);
    EXPECT_TRUE(ref.ok());
    return ref.ok() ? ref->blob_id : "";
  }

  // Stores `bytes` at `key`; returns the object's blob id.
  std::string Put(const std::string& key, const std::string& bytes) {
    Result<BlobRef> ref = testing::WriteBlob(*store_, bytes);
    EXPECT_TRUE(ref.ok());
    ObjectInfo o;
    o.bucket = kBucket;
    o.key = key;
    o.size = bytes.size();
    o.etag = "\"" + testing::Md5Hex(bytes) + "\"";
    o.manifest = {*ref};
    EXPECT_TRUE(Sync(store_->PutObject(o)).ok());
    return ref->blob_id;
  }

  std::string Get(const std::string& key) {
    Result<ObjectInfo> o = Sync(store_->GetObject(kBucket, key));
    if (!o.ok()) return "<" + o.status().message() + ">";
    return testing::ReadObjectBytes(*store_, *o);
  }

  BlobSweep Sweep() {
    Result<BlobSweep> swept = Sync(store_->SweepBlobs(kGrace));
    EXPECT_TRUE(swept.ok()) << swept.status().message();
    return swept.ok() ? *swept : BlobSweep{-1, -1};
  }

  TempDir dir_;
  // Starts at the real time, so freshly written files are "now" on it.
  FakeClock clock_{SystemNowMs()};
  SharedRegistry* registry_ = nullptr;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(BlobSweepTest, FreedBlobStaysForTheGracePeriodThenGoes) {
  const std::string old_blob = Put("k", "old body");
  const std::string new_blob = Put("k", "new body");  // frees old_blob
  EXPECT_TRUE(OnDisk(old_blob)) << "a shared store must not remove freed bytes itself";
  EXPECT_EQ(registry_->Tombstones(), std::vector<std::string>{old_blob});

  // Even a file written long ago stays while its tombstone is young: a GET
  // on another daemon may have started just before the overwrite.
  SetModified(BlobPath(old_blob), clock_.Now() - 100 * kGrace);
  clock_.Advance(kGrace - 1);
  BlobSweep swept = Sweep();
  EXPECT_EQ(swept.tombstoned, 0);
  EXPECT_EQ(swept.orphans, 0);
  EXPECT_TRUE(OnDisk(old_blob));

  clock_.Advance(1);
  swept = Sweep();
  EXPECT_EQ(swept.tombstoned, 1);
  EXPECT_FALSE(OnDisk(old_blob));
  EXPECT_TRUE(registry_->Tombstones().empty());
  EXPECT_TRUE(OnDisk(new_blob));
  EXPECT_EQ(Get("k"), "new body");
}

TEST_F(BlobSweepTest, DeletedObjectsAndAbortedPartsAreTombstonedNotRemoved) {
  const std::string deleted = Put("gone", "bytes");
  ASSERT_TRUE(Sync(store_->DeleteObject(kBucket, "gone")).ok());
  UploadInfo upload;
  upload.upload_id = "upload-1";
  upload.bucket = kBucket;
  upload.key = "mp";
  ASSERT_TRUE(Sync(store_->CreateUpload(upload)).ok());
  PartInfo part;
  part.part_number = 1;
  part.md5_hex = testing::Md5Hex("part");
  Result<BlobRef> ref = testing::WriteBlob(*store_, "part");
  ASSERT_TRUE(ref.ok());
  part.blob = *ref;
  ASSERT_TRUE(Sync(store_->PutPart("upload-1", part)).ok());
  ASSERT_TRUE(Sync(store_->AbortUpload("upload-1")).ok());

  EXPECT_TRUE(OnDisk(deleted));
  EXPECT_TRUE(OnDisk(ref->blob_id));
  EXPECT_EQ(registry_->Tombstones(), (std::vector<std::string>{deleted, ref->blob_id}));
  clock_.Advance(kGrace);
  EXPECT_EQ(Sweep().tombstoned, 2);
  EXPECT_FALSE(OnDisk(deleted));
  EXPECT_FALSE(OnDisk(ref->blob_id));
}

TEST_F(BlobSweepTest, OrphanOlderThanTheGracePeriodGoesAYoungOneStays) {
  const std::string old_orphan = NewBlob("killed before its row was written");
  const std::string young_orphan = NewBlob("its row is being committed");
  SetModified(BlobPath(old_orphan), clock_.Now() - kGrace);
  SetModified(BlobPath(young_orphan), clock_.Now() - kGrace + 1);

  // A killed writer's temporary file, and one being written.
  const std::string tmp = blob_dir() + "/tmp/";
  const std::string abandoned = tmp + std::string(32, 'a') + ".part";
  const std::string writing = tmp + std::string(32, 'b') + ".part";
  std::ofstream(abandoned) << "half a body";
  std::ofstream(writing) << "a body in progress";
  SetModified(abandoned, clock_.Now() - 2 * kGrace);
  SetModified(writing, clock_.Now());

  BlobSweep swept = Sweep();
  EXPECT_EQ(swept.orphans, 2);
  EXPECT_EQ(swept.tombstoned, 0);
  EXPECT_FALSE(OnDisk(old_orphan));
  EXPECT_TRUE(OnDisk(young_orphan));
  EXPECT_FALSE(std::filesystem::exists(abandoned));
  EXPECT_TRUE(std::filesystem::exists(writing));

  clock_.Advance(kGrace);
  EXPECT_EQ(Sweep().orphans, 2);
  EXPECT_FALSE(OnDisk(young_orphan));
  EXPECT_FALSE(std::filesystem::exists(writing));
}

TEST_F(BlobSweepTest, ReferencedBlobsAreNeverRemovedHoweverOld) {
  const std::string object_blob = Put("k", "object body");
  UploadInfo upload;
  upload.upload_id = "upload-2";
  upload.bucket = kBucket;
  upload.key = "mp";
  ASSERT_TRUE(Sync(store_->CreateUpload(upload)).ok());
  PartInfo part;
  part.part_number = 1;
  part.md5_hex = testing::Md5Hex("pending part");
  Result<BlobRef> ref = testing::WriteBlob(*store_, "pending part");
  ASSERT_TRUE(ref.ok());
  part.blob = *ref;
  ASSERT_TRUE(Sync(store_->PutPart("upload-2", part)).ok());
  SetModified(BlobPath(object_blob), 0);
  SetModified(BlobPath(ref->blob_id), 0);

  clock_.Advance(1000 * kGrace);
  BlobSweep swept = Sweep();
  EXPECT_EQ(swept.orphans, 0);
  EXPECT_EQ(swept.tombstoned, 0);
  EXPECT_TRUE(OnDisk(object_blob));
  EXPECT_TRUE(OnDisk(ref->blob_id));
  EXPECT_EQ(Get("k"), "object body");
}

TEST_F(BlobSweepTest, AReadLastingLongerThanTheBoundFails) {
  Put("k", "body");
  Result<ObjectStore::LeasedObject> leased = Sync(store_->GetObjectForRead(kBucket, "k"));
  ASSERT_TRUE(leased.ok());
  auto in = leased->read_deadline - std::chrono::steady_clock::now();
  EXPECT_GT(in, std::chrono::milliseconds(4'000));
  EXPECT_LE(in, std::chrono::milliseconds(5'000));

  leased->read_deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  ObjectReader late(*store_, std::move(*leased), 0, 4);
  Status s = late.Open();
  EXPECT_EQ(s.code(), ErrorCode::kInternalError);
  EXPECT_NE(s.message().find("longest read"), std::string::npos) << s.message();
}

TEST(BlobSweepSingleProcessTest, SweepDoesNothingAndReadsAreUnbounded) {
  StoreOptions options;
  options.in_memory = true;
  options.max_read_ms = 1;  // ignored: this store's readers hold their blobs
  auto store = OpenObjectStore(options);
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->shared());
  Result<BlobSweep> swept = Sync((*store)->SweepBlobs(0));
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(swept->tombstoned + swept->orphans, 0);
  ASSERT_TRUE(Sync((*store)->CreateBucket({kBucket, "owner"})).ok());
  Result<BlobRef> ref = testing::WriteBlob(**store, "body");
  ASSERT_TRUE(ref.ok());
  ObjectInfo o;
  o.bucket = kBucket;
  o.key = "k";
  o.size = 4;
  o.manifest = {*ref};
  ASSERT_TRUE(Sync((*store)->PutObject(o)).ok());
  Result<ObjectStore::LeasedObject> leased = Sync((*store)->GetObjectForRead(kBucket, "k"));
  ASSERT_TRUE(leased.ok());
  EXPECT_EQ(leased->read_deadline, std::chrono::steady_clock::time_point::max());
  Result<bool> lease = Sync((*store)->AcquireLease("background", "me", 1000));
  ASSERT_TRUE(lease.ok());
  EXPECT_TRUE(*lease);
}

}  // namespace
}  // namespace s2lite::storage
