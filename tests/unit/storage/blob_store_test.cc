#include "storage/blob_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "tests/unit/storage/test_util.h"

namespace s2lite::storage {
namespace {

using testing::ReadAll;
using testing::TempDir;
using testing::WriteBlob;

enum class Kind { kFile, kMemory };

std::string KindName(const ::testing::TestParamInfo<Kind>& info) {
  return info.param == Kind::kFile ? "File" : "Memory";
}

void PrintTo(Kind kind, std::ostream* os) { *os << (kind == Kind::kFile ? "File" : "Memory"); }

size_t CountFiles(const std::string& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

class BlobStoreTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    if (GetParam() == Kind::kFile) {
      Result<std::unique_ptr<BlobStore>> store = OpenFileBlobStore(blob_dir(), false);
      ASSERT_TRUE(store.ok()) << store.status().message();
      store_ = std::move(*store);
    } else {
      store_ = NewMemoryBlobStore();
    }
  }

  std::string blob_dir() const { return dir_.path() + "/blobs"; }
  std::string tmp_dir() const { return blob_dir() + "/tmp"; }

  TempDir dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_P(BlobStoreTest, CommittedBytesReadBackAtAnyOffset) {
  Result<std::unique_ptr<BlobWriter>> writer = store_->NewBlob();
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("hello ", 6).ok());
  ASSERT_TRUE((*writer)->Write("world", 5).ok());
  Result<BlobRef> ref = (*writer)->Commit();
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  EXPECT_EQ(ref->size, 11u);

  Result<std::unique_ptr<BlobReader>> reader = store_->Open(ref->blob_id);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), 11u);
  EXPECT_EQ(ReadAll(**reader), "hello world");
  char buf[16];
  Result<size_t> n = (*reader)->ReadAt(6, buf, sizeof buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "world");
  n = (*reader)->ReadAt(11, buf, sizeof buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  n = (*reader)->ReadAt(1000, buf, sizeof buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST_P(BlobStoreTest, EmptyBlobIsValid) {
  Result<BlobRef> ref = WriteBlob(*store_, "");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->size, 0u);
  Result<std::unique_ptr<BlobReader>> reader = store_->Open(ref->blob_id);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(ReadAll(**reader), "");
}

TEST_P(BlobStoreTest, IdsAre32LowerHexAndUnique) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    Result<BlobRef> ref = WriteBlob(*store_, "x");
    ASSERT_TRUE(ref.ok());
    EXPECT_EQ(ref->blob_id.size(), 32u);
    EXPECT_EQ(ref->blob_id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.push_back(ref->blob_id);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());
}

TEST_P(BlobStoreTest, ListAllReturnsCommittedBlobsOnly) {
  Result<BlobRef> a = WriteBlob(*store_, "a");
  Result<BlobRef> b = WriteBlob(*store_, "b");
  ASSERT_TRUE(a.ok() && b.ok());
  Result<std::unique_ptr<BlobWriter>> pending = store_->NewBlob();
  ASSERT_TRUE(pending.ok());
  ASSERT_TRUE((*pending)->Write("p", 1).ok());

  Result<std::vector<std::string>> all = store_->ListAll();
  ASSERT_TRUE(all.ok());
  std::vector<std::string> expected = {a->blob_id, b->blob_id};
  std::sort(expected.begin(), expected.end());
  std::sort(all->begin(), all->end());
  EXPECT_EQ(*all, expected);
}

TEST_P(BlobStoreTest, RemoveDeletesAndMissingRemoveIsOk) {
  Result<BlobRef> ref = WriteBlob(*store_, "bytes");
  ASSERT_TRUE(ref.ok());
  EXPECT_TRUE(store_->Remove(ref->blob_id).ok());
  EXPECT_FALSE(store_->Open(ref->blob_id).ok());
  EXPECT_TRUE(store_->Remove(ref->blob_id).ok());
  Result<std::vector<std::string>> all = store_->ListAll();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_P(BlobStoreTest, OpenReaderKeepsWorkingAfterRemove) {
  Result<BlobRef> ref = WriteBlob(*store_, "still here");
  ASSERT_TRUE(ref.ok());
  Result<std::unique_ptr<BlobReader>> reader = store_->Open(ref->blob_id);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(store_->Remove(ref->blob_id).ok());
  EXPECT_EQ(ReadAll(**reader), "still here");
}

TEST_P(BlobStoreTest, AbortedAndDroppedWritersLeaveNothing) {
  {
    Result<std::unique_ptr<BlobWriter>> writer = store_->NewBlob();
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("abc", 3).ok());
    (*writer)->Abort();
    EXPECT_FALSE((*writer)->Write("d", 1).ok());
    EXPECT_FALSE((*writer)->Commit().ok());
  }
  {
    Result<std::unique_ptr<BlobWriter>> writer = store_->NewBlob();
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("abc", 3).ok());
  }
  Result<std::vector<std::string>> all = store_->ListAll();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
  if (GetParam() == Kind::kFile) {
    EXPECT_EQ(CountFiles(tmp_dir()), 0u);
  }
}

TEST_P(BlobStoreTest, WriterCannotCommitTwice) {
  Result<std::unique_ptr<BlobWriter>> writer = store_->NewBlob();
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_FALSE((*writer)->Commit().ok());
}

INSTANTIATE_TEST_SUITE_P(Kinds, BlobStoreTest, ::testing::Values(Kind::kFile, Kind::kMemory),
                         KindName);

TEST(FileBlobStoreTest, StoresBlobsUnderTwoCharFanOutDirectories) {
  TempDir dir;
  Result<std::unique_ptr<BlobStore>> store = OpenFileBlobStore(dir.path(), false);
  ASSERT_TRUE(store.ok());
  Result<BlobRef> ref = WriteBlob(**store, "x");
  ASSERT_TRUE(ref.ok());
  std::string path = dir.path() + "/" + ref->blob_id.substr(0, 2) + "/" + ref->blob_id;
  EXPECT_TRUE(std::filesystem::is_regular_file(path)) << path;
}

TEST(FileBlobStoreTest, WritesGoToTmpUntilCommit) {
  TempDir dir;
  Result<std::unique_ptr<BlobStore>> store = OpenFileBlobStore(dir.path(), true);
  ASSERT_TRUE(store.ok());
  Result<std::unique_ptr<BlobWriter>> writer = (*store)->NewBlob();
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("abc", 3).ok());
  EXPECT_EQ(CountFiles(dir.path() + "/tmp"), 1u);
  Result<BlobRef> ref = (*writer)->Commit();
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(CountFiles(dir.path() + "/tmp"), 0u);
  Result<std::unique_ptr<BlobReader>> reader = (*store)->Open(ref->blob_id);
  ASSERT_TRUE(reader.ok());
  EXPECT_GE((*reader)->fd(), 0);
  EXPECT_EQ(ReadAll(**reader), "abc");
}

TEST(FileBlobStoreTest, OpenClearsLeftoverTempFiles) {
  TempDir dir;
  {
    Result<std::unique_ptr<BlobStore>> store = OpenFileBlobStore(dir.path(), false);
    ASSERT_TRUE(store.ok());
  }
  std::ofstream(dir.path() + "/tmp/0123456789abcdef0123456789abcdef.part") << "half written";
  ASSERT_EQ(CountFiles(dir.path() + "/tmp"), 1u);
  Result<std::unique_ptr<BlobStore>> store = OpenFileBlobStore(dir.path(), false);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(CountFiles(dir.path() + "/tmp"), 0u);
}

TEST(FileBlobStoreTest, RefusesIdsThatAreNotGeneratedIds) {
  TempDir dir;
  std::ofstream(dir.path() + "/secret") << "do not read";
  Result<std::unique_ptr<BlobStore>> store = OpenFileBlobStore(dir.path() + "/blobs", false);
  ASSERT_TRUE(store.ok());
  for (const std::string id : {"../secret", "", "ABCDEF0123456789ABCDEF0123456789",
                               "0123456789abcdef0123456789abcde/", "tmp"}) {
    SCOPED_TRACE(id);
    EXPECT_FALSE((*store)->Open(id).ok());
    EXPECT_FALSE((*store)->Remove(id).ok());
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/secret"));
}

TEST(FileBlobStoreTest, ListAllIgnoresForeignFiles) {
  TempDir dir;
  Result<std::unique_ptr<BlobStore>> store = OpenFileBlobStore(dir.path(), false);
  ASSERT_TRUE(store.ok());
  Result<BlobRef> ref = WriteBlob(**store, "x");
  ASSERT_TRUE(ref.ok());
  std::ofstream(dir.path() + "/README") << "x";
  std::ofstream(dir.path() + "/" + ref->blob_id.substr(0, 2) + "/notes.txt") << "x";
  Result<std::vector<std::string>> all = (*store)->ListAll();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, std::vector<std::string>{ref->blob_id});
}

TEST(FileBlobStoreTest, ListFilesGivesCommittedAndTemporaryFilesWithTheirAge) {
  TempDir dir;
  Result<std::unique_ptr<BlobStore>> store = OpenFileBlobStore(dir.path(), false);
  ASSERT_TRUE(store.ok());
  const auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const TimeMs before = now_ms() - 1000;  // file systems may round mtimes down
  Result<BlobRef> committed = WriteBlob(**store, "done");
  ASSERT_TRUE(committed.ok());
  Result<std::unique_ptr<BlobWriter>> writing = (*store)->NewBlob();
  ASSERT_TRUE(writing.ok());
  ASSERT_TRUE((*writing)->Write("half", 4).ok());
  std::ofstream(dir.path() + "/tmp/not-a-blob") << "ignored";

  Result<std::vector<BlobStore::File>> files = (*store)->ListFiles();
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 2u);
  std::sort(files->begin(), files->end(),
            [](const auto& a, const auto& b) { return a.temporary < b.temporary; });
  EXPECT_EQ((*files)[0].blob_id, committed->blob_id);
  EXPECT_FALSE((*files)[0].temporary);
  EXPECT_TRUE((*files)[1].temporary);
  for (const BlobStore::File& f : *files) {
    EXPECT_GE(f.modified, before);
    EXPECT_LE(f.modified, now_ms() + 1000);
  }
  // A killed writer's file goes with RemoveTemporary; a live writer's too.
  ASSERT_TRUE((*store)->RemoveTemporary((*files)[1].blob_id).ok());
  EXPECT_FALSE((*writing)->Commit().ok());
  EXPECT_TRUE((*store)->RemoveTemporary((*files)[1].blob_id).ok());  // missing is OK
  EXPECT_FALSE((*store)->RemoveTemporary("../escape").ok());
}

TEST(FileBlobStoreTest, ASharedStoreLeavesOtherWritersTemporaryFilesAtOpen) {
  TempDir dir;
  Result<std::unique_ptr<BlobStore>> first = OpenFileBlobStore(dir.path(), false, true);
  ASSERT_TRUE(first.ok());
  Result<std::unique_ptr<BlobWriter>> writing = (*first)->NewBlob();
  ASSERT_TRUE(writing.ok());
  ASSERT_TRUE((*writing)->Write("abc", 3).ok());
  // Another daemon opens the same directory meanwhile.
  Result<std::unique_ptr<BlobStore>> second = OpenFileBlobStore(dir.path(), false, true);
  ASSERT_TRUE(second.ok());
  Result<BlobRef> ref = (*writing)->Commit();
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  Result<std::unique_ptr<BlobReader>> reader = (*second)->Open(ref->blob_id);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(ReadAll(**reader), "abc");
  // A single-process store clears tmp/ at open.
  Result<std::unique_ptr<BlobWriter>> orphan = (*first)->NewBlob();
  ASSERT_TRUE(orphan.ok());
  Result<std::unique_ptr<BlobStore>> alone = OpenFileBlobStore(dir.path(), false);
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(CountFiles(dir.path() + "/tmp"), 0u);
}

}  // namespace
}  // namespace s2lite::storage
