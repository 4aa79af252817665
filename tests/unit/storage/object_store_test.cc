#include "storage/object_store.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cctype>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/object_reader.h"
#include "storage/sync_store.h"
#include "tests/unit/storage/pg_test_util.h"
#include "tests/unit/storage/test_util.h"

namespace s2lite::storage {
namespace {

using testing::BlobExists;
using testing::Md5Hex;
using testing::QueryText;
using testing::ReadBlob;
using testing::ReadObjectBytes;
using testing::TempDir;
using testing::WriteBlob;

// kPostgres: a PostgreSQL registry (a fresh database per test on the
// cluster S2LITE_TEST_POSTGRES names; skipped without it) over file blobs.
enum class Backend { kFile, kMemory, kPostgres };

const char* NameOf(Backend backend) {
  switch (backend) {
    case Backend::kFile:
      return "File";
    case Backend::kMemory:
      return "Memory";
    case Backend::kPostgres:
      return "Postgres";
  }
  return "?";
}

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return NameOf(info.param);
}

void PrintTo(Backend backend, std::ostream* os) { *os << NameOf(backend); }

constexpr uint64_t kMinPart = 5;
constexpr char kBucket[] = "bucket";

std::vector<std::string> Keys(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> keys;
  for (const ObjectInfo& o : objects) keys.push_back(o.key);
  return keys;
}

std::vector<std::string> UploadIds(const std::vector<UploadInfo>& uploads) {
  std::vector<std::string> ids;
  for (const UploadInfo& u : uploads) ids.push_back(u.upload_id);
  return ids;
}

ObjectAttrs FullAttrs() {
  ObjectAttrs a;
  a.content_type = "text/plain; charset=utf-8";
  a.cache_control = "max-age=60";
  a.content_disposition = "attachment; filename=\"r\xc3\xa9sum\xc3\xa9.txt\"";
  a.content_encoding = "gzip";
  a.content_language = "fr-CA";
  a.expires = "Wed, 21 Oct 2015 07:28:00 GMT";
  a.metadata = {{"b-second-name", "first in order"}, {"amp", "a&b"},           {"equals", "k=v=w"},
                {"percent", "100% %26 %zz"},         {"unicode", "ünïcødé ✓"}, {"empty", ""}};
  a.storage_class = "STANDARD_IA";
  a.tagging = "k1=v1&k2=v%202";
  a.acl = "public-read";
  a.checksum_algorithm = "CRC32C";
  a.checksum_type = "COMPOSITE";
  a.sse = "AES256";
  a.sse_kms_key_id = "arn:aws:kms:us-east-1:1:key/abc";
  return a;
}

void ExpectAttrsEq(const ObjectAttrs& got, const ObjectAttrs& want) {
  EXPECT_EQ(got.content_type, want.content_type);
  EXPECT_EQ(got.cache_control, want.cache_control);
  EXPECT_EQ(got.content_disposition, want.content_disposition);
  EXPECT_EQ(got.content_encoding, want.content_encoding);
  EXPECT_EQ(got.content_language, want.content_language);
  EXPECT_EQ(got.expires, want.expires);
  EXPECT_EQ(got.metadata, want.metadata);
  EXPECT_EQ(got.storage_class, want.storage_class);
  EXPECT_EQ(got.tagging, want.tagging);
  EXPECT_EQ(got.acl, want.acl);
  EXPECT_EQ(got.checksum_algorithm, want.checksum_algorithm);
  EXPECT_EQ(got.checksum_type, want.checksum_type);
  EXPECT_EQ(got.sse, want.sse);
  EXPECT_EQ(got.sse_kms_key_id, want.sse_kms_key_id);
}

// While it lives, every write past a file's first byte fails (EFBIG, as on a
// full disk), so commits fail; the limit and SIGXFSZ's action are restored
// when it goes.
class WritesFail {
 public:
  WritesFail() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ok_ =
        sigaction(SIGXFSZ, &ignore, &old_action_) == 0 && getrlimit(RLIMIT_FSIZE, &old_limit_) == 0;
    rlimit tiny = old_limit_;
    tiny.rlim_cur = 1;
    ok_ = ok_ && setrlimit(RLIMIT_FSIZE, &tiny) == 0;
  }
  ~WritesFail() {
    setrlimit(RLIMIT_FSIZE, &old_limit_);
    sigaction(SIGXFSZ, &old_action_, nullptr);
  }
  WritesFail(const WritesFail&) = delete;
  WritesFail& operator=(const WritesFail&) = delete;
  bool ok() const { return ok_; }

 private:
  struct sigaction old_action_ {};
  rlimit old_limit_{};
  bool ok_ = false;
};

class ObjectStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    if (GetParam() == Backend::kPostgres) {
      if (testing::PostgresAdminConninfo().empty()) {
        GTEST_SKIP() << "S2LITE_TEST_POSTGRES not set (scripts/pg-cluster.sh start DIR)";
      }
      database_ = std::make_unique<testing::TempDatabase>();
      ASSERT_FALSE(database_->conninfo().empty()) << database_->error();
    }
    ASSERT_NO_FATAL_FAILURE(Open());
    ASSERT_TRUE(store_->CreateBucket(BucketInfo{kBucket, "alice", "us-east-1", 0, ""}).ok());
  }

  std::string data_dir() const { return dir_.path() + "/data"; }

  // `options` with the backend's location filled in. The file backend runs
  // with group commit, as the server opens it: every call below that
  // returns OK must then have committed (see CommittedRows).
  void Open(StoreOptions options = {}) {
    if (GetParam() == Backend::kFile) {
      options.data_dir = data_dir();
      options.group_commit = true;
    } else if (GetParam() == Backend::kPostgres) {
      options.data_dir = data_dir();
      options.registry = database_->conninfo();
    } else {
      options.in_memory = true;
    }
    Result<std::unique_ptr<ObjectStore>> store = OpenObjectStore(options);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::make_unique<SyncStore>(std::move(*store));
  }

  void Reopen() {
    store_.reset();
    Open();
  }

  std::string CreateUpload(const std::string& key, const std::string& id, TimeMs created = 0,
                           const ObjectAttrs& attrs = {}) {
    UploadInfo upload;
    upload.upload_id = id;
    upload.bucket = kBucket;
    upload.key = key;
    upload.initiator = "bob";
    upload.owner = "alice";
    upload.created = created;
    upload.attrs = attrs;
    Status s = store_->CreateUpload(upload);
    EXPECT_TRUE(s.ok()) << s.message();
    return id;
  }

  PartInfo MakePart(int number, std::string_view bytes) {
    return testing::MakePart(*store_, number, bytes);
  }

  PartInfo PutPart(const std::string& upload_id, int number, std::string_view bytes) {
    PartInfo part = MakePart(number, bytes);
    Status s = store_->PutPart(upload_id, part);
    EXPECT_TRUE(s.ok()) << s.message();
    return part;
  }

  ObjectInfo PutObject(const std::string& key, std::string_view bytes) {
    Result<BlobRef> blob = WriteBlob(*store_, bytes);
    EXPECT_TRUE(blob.ok());
    ObjectInfo object;
    object.bucket = kBucket;
    object.key = key;
    object.size = bytes.size();
    object.etag = "\"" + Md5Hex(bytes) + "\"";
    object.owner = "alice";
    if (blob.ok()) object.manifest = {*blob};
    Status s = store_->PutObject(object);
    EXPECT_TRUE(s.ok()) << s.message();
    return object;
  }

  static CompletePart Listed(const PartInfo& part) { return {part.part_number, part.md5_hex}; }

  // Whether a committed write freed `blob_id`: its bytes are gone, or with a
  // shared registry (several daemons), it is tombstoned for the sweeper.
  bool Freed(const std::string& blob_id) {
    if (GetParam() == Backend::kPostgres) {
      return database_->Query("SELECT count(*) FROM blob_tombstones WHERE blob_id = '" + blob_id +
                              "'") == "1";
    }
    return !BlobExists(*store_, blob_id);
  }

  // Declared first: the store goes before its database.
  std::unique_ptr<testing::TempDatabase> database_;
  TempDir dir_;
  std::unique_ptr<SyncStore> store_;
};

// --- buckets

TEST_P(ObjectStoreTest, CreatedBucketIsListedWithDefaults) {
  ASSERT_TRUE(store_->CreateBucket({"zeta", "bob", "eu-west-1", 1234, "public-read"}).ok());
  ASSERT_TRUE(store_->CreateBucket({"alpha", "bob", "us-east-1", 0, ""}).ok());

  Result<BucketInfo> bucket = store_->GetBucket(kBucket);
  ASSERT_TRUE(bucket.ok());
  EXPECT_EQ(bucket->owner, "alice");
  EXPECT_EQ(bucket->region, "us-east-1");
  EXPECT_EQ(bucket->acl, "private");
  EXPECT_GT(bucket->created, 0);
  Result<BucketInfo> zeta = store_->GetBucket("zeta");
  ASSERT_TRUE(zeta.ok());
  EXPECT_EQ(zeta->created, 1234);
  EXPECT_EQ(zeta->acl, "public-read");
  EXPECT_EQ(zeta->region, "eu-west-1");

  Result<std::vector<BucketInfo>> all = store_->ListBuckets("");
  ASSERT_TRUE(all.ok());
  std::vector<std::string> names;
  for (const BucketInfo& b : *all) names.push_back(b.name);
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", kBucket, "zeta"}));
  Result<std::vector<BucketInfo>> bobs = store_->ListBuckets("bob");
  ASSERT_TRUE(bobs.ok());
  ASSERT_EQ(bobs->size(), 2u);
  EXPECT_EQ((*bobs)[0].name, "alpha");
  EXPECT_EQ(store_->GetBucket("nope").status().code(), ErrorCode::kNoSuchBucket);
}

TEST_P(ObjectStoreTest, WritesAuthorizedAgainstAnEarlierBucketGenerationFail) {
  Result<BucketInfo> first = store_->GetBucket(kBucket);
  ASSERT_TRUE(first.ok());
  EXPECT_NE(first->generation, 0u);
  // The bucket is deleted and its name taken by someone else.
  ASSERT_TRUE(store_->DeleteBucket(kBucket).ok());
  ASSERT_TRUE(store_->CreateBucket(BucketInfo{kBucket, "bob", "us-east-1", 0, ""}).ok());
  Result<BucketInfo> second = store_->GetBucket(kBucket);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->generation, first->generation);

  Result<BlobRef> blob = WriteBlob(*store_, "stale");
  ASSERT_TRUE(blob.ok());
  ObjectInfo object;
  object.bucket = kBucket;
  object.key = "k";
  object.size = 5;
  object.owner = "alice";
  object.manifest = {*blob};
  object.bucket_generation = first->generation;
  EXPECT_EQ(store_->PutObject(object).code(), ErrorCode::kNoSuchBucket);
  EXPECT_FALSE(BlobExists(*store_, blob->blob_id)) << "the refused write's bytes are removed";
  EXPECT_EQ(store_->GetObject(kBucket, "k").status().code(), ErrorCode::kNoSuchKey);

  UploadInfo upload;
  upload.upload_id = "u-stale";
  upload.bucket = kBucket;
  upload.key = "k";
  upload.bucket_generation = first->generation;
  EXPECT_EQ(store_->CreateUpload(upload).code(), ErrorCode::kNoSuchBucket);

  PutObject("kept", "bob's");
  EXPECT_EQ(store_->DeleteObject(kBucket, "kept", first->generation).code(),
            ErrorCode::kNoSuchBucket);
  EXPECT_TRUE(store_->GetObject(kBucket, "kept").ok());
  // The current generation (or none) writes as before.
  EXPECT_TRUE(store_->DeleteObject(kBucket, "kept", second->generation).ok());
  upload.bucket_generation = second->generation;
  EXPECT_TRUE(store_->CreateUpload(upload).ok());
}

TEST_P(ObjectStoreTest, BucketSettingsAreStoredReplacedRemovedAndGoWithTheBucket) {
  Result<std::optional<std::string>> none = store_->GetBucketSetting(kBucket, "cors");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(store_->GetBucketSetting("missing", "cors").status().code(), ErrorCode::kNoSuchBucket);
  EXPECT_EQ(store_->PutBucketSetting("missing", 0, "cors", std::string("<x/>")).code(),
            ErrorCode::kNoSuchBucket);

  ASSERT_TRUE(store_->PutBucketSetting(kBucket, 0, "cors", std::string("<a/>")).ok());
  ASSERT_TRUE(store_->PutBucketSetting(kBucket, 0, "cors", std::string("<b/>")).ok());
  ASSERT_TRUE(store_->PutBucketSetting(kBucket, 0, "tagging", std::string("t")).ok());
  ASSERT_TRUE(store_->CreateBucket({"other", "bob", "us-east-1", 0, ""}).ok());
  ASSERT_TRUE(store_->PutBucketSetting("other", 0, "cors", std::string("<o/>")).ok());
  Result<std::optional<std::string>> cors = store_->GetBucketSetting(kBucket, "cors");
  ASSERT_TRUE(cors.ok());
  EXPECT_EQ(cors->value_or(""), "<b/>");
  Result<std::vector<std::pair<std::string, std::string>>> all = store_->ListBucketSettings("cors");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<std::pair<std::string, std::string>>{{kBucket, "<b/>"},
                                                                    {"other", "<o/>"}}));

  // An empty document is one, not the absence of one (the server records a
  // deleted setting that a new bucket has by default so).
  ASSERT_TRUE(store_->PutBucketSetting(kBucket, 0, "ownershipControls", std::string()).ok());
  Result<std::optional<std::string>> empty = store_->GetBucketSetting(kBucket, "ownershipControls");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->has_value());
  EXPECT_EQ(empty->value_or("none"), "");

  // Removing is idempotent and leaves the other settings.
  ASSERT_TRUE(store_->PutBucketSetting(kBucket, 0, "cors", std::nullopt).ok());
  ASSERT_TRUE(store_->PutBucketSetting(kBucket, 0, "cors", std::nullopt).ok());
  EXPECT_FALSE(store_->GetBucketSetting(kBucket, "cors")->has_value());
  EXPECT_EQ(store_->GetBucketSetting(kBucket, "tagging")->value_or(""), "t");

  // A stale generation cannot write; a bucket created again starts empty.
  Result<BucketInfo> first = store_->GetBucket("other");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->DeleteBucket("other").ok());
  ASSERT_TRUE(store_->CreateBucket({"other", "mallory", "us-east-1", 0, ""}).ok());
  EXPECT_FALSE(store_->GetBucketSetting("other", "cors")->has_value());
  EXPECT_EQ(
      store_->PutBucketSetting("other", first->generation, "cors", std::string("<s/>")).code(),
      ErrorCode::kNoSuchBucket);
  EXPECT_FALSE(store_->GetBucketSetting("other", "cors")->has_value());
}

// Every request reads its bucket (and some its settings): a store whose
// registry only it writes may keep what it read, but never answers older
// than the registry once a change has returned.
TEST_P(ObjectStoreTest, BucketReadsFollowEveryChange) {
  Result<BucketInfo> first = store_->GetBucket(kBucket);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->owner, "alice");
  EXPECT_FALSE(store_->GetBucketSetting(kBucket, "lifecycle")->has_value());
  ASSERT_TRUE(store_->PutBucketSetting(kBucket, 0, "lifecycle", std::string("<a/>")).ok());
  EXPECT_EQ(store_->GetBucketSetting(kBucket, "lifecycle")->value_or(""), "<a/>");

  ASSERT_TRUE(store_->DeleteBucket(kBucket).ok());
  EXPECT_EQ(store_->GetBucket(kBucket).status().code(), ErrorCode::kNoSuchBucket);
  EXPECT_EQ(store_->GetBucketSetting(kBucket, "lifecycle").status().code(),
            ErrorCode::kNoSuchBucket);
  ASSERT_TRUE(store_->CreateBucket({kBucket, "bob", "us-east-1", 0, ""}).ok());
  Result<BucketInfo> again = store_->GetBucket(kBucket);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->owner, "bob");
  EXPECT_NE(again->generation, first->generation);
  EXPECT_FALSE(store_->GetBucketSetting(kBucket, "lifecycle")->has_value());

  ASSERT_TRUE(store_->Reset().ok());
  EXPECT_EQ(store_->GetBucket(kBucket).status().code(), ErrorCode::kNoSuchBucket);
}

TEST_P(ObjectStoreTest, CreatingAnExistingBucketSaysWhoOwnsIt) {
  Status mine = store_->CreateBucket({kBucket, "alice", "us-east-1", 0, ""});
  EXPECT_EQ(mine.code(), ErrorCode::kBucketAlreadyOwnedByYou);
  Status theirs = store_->CreateBucket({kBucket, "mallory", "us-east-1", 0, ""});
  EXPECT_EQ(theirs.code(), ErrorCode::kBucketAlreadyExists);
  Result<BucketInfo> bucket = store_->GetBucket(kBucket);
  ASSERT_TRUE(bucket.ok());
  EXPECT_EQ(bucket->owner, "alice");
}

TEST_P(ObjectStoreTest, DeleteBucketRefusesWhileObjectsOrUploadsRemain) {
  EXPECT_EQ(store_->DeleteBucket("missing").code(), ErrorCode::kNoSuchBucket);

  PutObject("k", "bytes");
  EXPECT_EQ(store_->DeleteBucket(kBucket).code(), ErrorCode::kBucketNotEmpty);
  ASSERT_TRUE(store_->DeleteObject(kBucket, "k").ok());

  std::string id = CreateUpload("pending", "u1");
  EXPECT_EQ(store_->DeleteBucket(kBucket).code(), ErrorCode::kBucketNotEmpty);
  PartInfo part = PutPart(id, 1, "data");
  ASSERT_TRUE(store_->CompleteUpload(id, {Listed(part)}, kMinPart).ok());
  EXPECT_EQ(store_->DeleteBucket(kBucket).code(), ErrorCode::kBucketNotEmpty);
  ASSERT_TRUE(store_->DeleteObject(kBucket, "pending").ok());

  EXPECT_TRUE(store_->DeleteBucket(kBucket).ok());
  EXPECT_EQ(store_->GetBucket(kBucket).status().code(), ErrorCode::kNoSuchBucket);
  EXPECT_EQ(store_->GetUpload(id).status().code(), ErrorCode::kNoSuchUpload);
}

// --- uploads and parts

TEST_P(ObjectStoreTest, UploadRoundTripsEveryAttributeAndMetadataOrder) {
  ObjectAttrs attrs = FullAttrs();
  CreateUpload("photos/2024/a.jpg", "upload-1", 777, attrs);
  Result<UploadInfo> upload = store_->GetUpload("upload-1");
  ASSERT_TRUE(upload.ok());
  EXPECT_EQ(upload->bucket, kBucket);
  EXPECT_EQ(upload->key, "photos/2024/a.jpg");
  EXPECT_EQ(upload->initiator, "bob");
  EXPECT_EQ(upload->owner, "alice");
  EXPECT_EQ(upload->created, 777);
  ExpectAttrsEq(upload->attrs, attrs);
}

TEST_P(ObjectStoreTest, CreateUploadFillsCreatedAndNeedsBucket) {
  CreateUpload("k", "u1");
  Result<UploadInfo> upload = store_->GetUpload("u1");
  ASSERT_TRUE(upload.ok());
  EXPECT_GT(upload->created, 0);
  EXPECT_EQ(upload->attrs.content_type, "binary/octet-stream");

  UploadInfo orphan;
  orphan.upload_id = "u2";
  orphan.bucket = "missing";
  orphan.key = "k";
  EXPECT_EQ(store_->CreateUpload(orphan).code(), ErrorCode::kNoSuchBucket);
  EXPECT_EQ(store_->GetUpload("u2").status().code(), ErrorCode::kNoSuchUpload);
  EXPECT_EQ(store_->GetUpload("never").status().code(), ErrorCode::kNoSuchUpload);
}

TEST_P(ObjectStoreTest, ReplacingAPartRemovesTheOldBytes) {
  std::string id = CreateUpload("k", "u1");
  PartInfo first = PutPart(id, 1, "first version");
  ASSERT_TRUE(BlobExists(*store_, first.blob.blob_id));
  PartInfo second = PutPart(id, 1, "second version");

  EXPECT_TRUE(Freed(first.blob.blob_id));
  EXPECT_EQ(ReadBlob(*store_, second.blob.blob_id), "second version");
  Result<std::vector<PartInfo>> parts = store_->ListParts(id, 0, 1000, nullptr);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].blob.blob_id, second.blob.blob_id);
  EXPECT_EQ((*parts)[0].md5_hex, Md5Hex("second version"));
  EXPECT_EQ((*parts)[0].etag, "\"" + Md5Hex("second version") + "\"");
  EXPECT_EQ((*parts)[0].blob.size, 14u);
  EXPECT_GT((*parts)[0].last_modified, 0);
}

TEST_P(ObjectStoreTest, PartForUnknownUploadIsRefusedAndItsBytesRemoved) {
  PartInfo part = MakePart(1, "lost");
  Status s = store_->PutPart("no-such-upload", part);
  EXPECT_EQ(s.code(), ErrorCode::kNoSuchUpload);
  ASSERT_FALSE(s.extra().empty());
  EXPECT_EQ(s.extra()[0], (std::pair<std::string, std::string>{"UploadId", "no-such-upload"}));
  EXPECT_FALSE(BlobExists(*store_, part.blob.blob_id));
}

TEST_P(ObjectStoreTest, PartKeepsItsChecksum) {
  std::string id = CreateUpload("k", "u1");
  PartInfo part = MakePart(3, "xyz");
  part.checksum_algorithm = "SHA256";
  part.checksum_value = "abc+/=";
  part.last_modified = 99;
  ASSERT_TRUE(store_->PutPart(id, part).ok());
  Result<std::vector<PartInfo>> parts = store_->ListParts(id, 0, 10, nullptr);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].part_number, 3);
  EXPECT_EQ((*parts)[0].checksum_algorithm, "SHA256");
  EXPECT_EQ((*parts)[0].checksum_value, "abc+/=");
  EXPECT_EQ((*parts)[0].last_modified, 99);
}

TEST_P(ObjectStoreTest, ListPartsPagesAfterTheMarker) {
  std::string id = CreateUpload("k", "u1");
  for (int n : {5, 1, 3, 2, 4}) PutPart(id, n, "part " + std::to_string(n));

  struct Case {
    int marker;
    int max;
    std::vector<int> want;
    bool truncated;
  };
  const Case cases[] = {
      {0, 1000, {1, 2, 3, 4, 5}, false},
      {0, 2, {1, 2}, true},
      {2, 2, {3, 4}, true},
      {4, 2, {5}, false},
      {3, 2, {4, 5}, false},
      {5, 2, {}, false},
      {0, 5, {1, 2, 3, 4, 5}, false},
      {0, 0, {}, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("marker=" + std::to_string(c.marker) + " max=" + std::to_string(c.max));
    bool truncated = !c.truncated;
    Result<std::vector<PartInfo>> parts = store_->ListParts(id, c.marker, c.max, &truncated);
    ASSERT_TRUE(parts.ok());
    std::vector<int> got;
    for (const PartInfo& p : *parts) got.push_back(p.part_number);
    EXPECT_EQ(got, c.want);
    EXPECT_EQ(truncated, c.truncated);
  }
  EXPECT_EQ(store_->ListParts("nope", 0, 10, nullptr).status().code(), ErrorCode::kNoSuchUpload);
}

TEST_P(ObjectStoreTest, ListUploadsOrdersByKeyThenInitiationThenId) {
  // Within key "a", initiation order (u9 before u1) differs from id order.
  CreateUpload("a", "u9", 100);
  CreateUpload("a", "u2", 200);
  CreateUpload("a", "u1", 200);
  CreateUpload("b", "u4", 50);
  CreateUpload("c/x", "u5", 10);
  CreateUpload("c/y", "u6", 10);
  ASSERT_TRUE(store_->CreateBucket({"other", "alice", "us-east-1", 0, ""}).ok());
  UploadInfo elsewhere;
  elsewhere.upload_id = "u7";
  elsewhere.bucket = "other";
  elsewhere.key = "a";
  ASSERT_TRUE(store_->CreateUpload(elsewhere).ok());

  struct Case {
    std::string prefix, key_marker, upload_id_marker;
    int max;
    std::vector<std::string> want;
    bool truncated;
  };
  const Case cases[] = {
      {"", "", "", 1000, {"u9", "u1", "u2", "u4", "u5", "u6"}, false},
      {"", "", "", 2, {"u9", "u1"}, true},
      {"", "a", "u1", 2, {"u2", "u4"}, true},
      {"", "b", "u4", 2, {"u5", "u6"}, false},
      // Resumes in initiation order, not id order: u1 follows u9.
      {"", "a", "u9", 1, {"u1"}, true},
      // key-marker alone skips every upload of that key.
      {"", "a", "", 1000, {"u4", "u5", "u6"}, false},
      // upload-id-marker without key-marker is ignored.
      {"", "", "u5", 1000, {"u9", "u1", "u2", "u4", "u5", "u6"}, false},
      // An unknown upload-id-marker falls back to ids greater than it.
      {"", "a", "u3", 1000, {"u9", "u4", "u5", "u6"}, false},
      {"c/", "", "", 1000, {"u5", "u6"}, false},
      {"c/", "c/x", "", 1000, {"u6"}, false},
      {"c/", "a", "", 1000, {"u5", "u6"}, false},
      {"C/", "", "", 1000, {}, false},
      {"", "c/y", "u6", 1000, {}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("prefix=" + c.prefix + " key_marker=" + c.key_marker +
                 " upload_id_marker=" + c.upload_id_marker + " max=" + std::to_string(c.max));
    Result<ListUploadsResult> r =
        store_->ListUploads({kBucket, c.prefix, c.key_marker, c.upload_id_marker, c.max});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(UploadIds(r->uploads), c.want);
    EXPECT_EQ(r->truncated, c.truncated);
  }
  EXPECT_EQ(store_->ListUploads({"missing", "", "", "", 10}).status().code(),
            ErrorCode::kNoSuchBucket);
}

TEST_P(ObjectStoreTest, ListUploadsPagingVisitsEveryUploadOnce) {
  for (int i = 0; i < 7; ++i) {
    // Same key, initiation times opposite to id order.
    CreateUpload("same", "id" + std::to_string(i), 1000 - i);
    CreateUpload("key" + std::to_string(i % 3), "other" + std::to_string(i), 5);
  }
  std::vector<std::string> all;
  ListUploadsQuery q{kBucket, "", "", "", 1000};
  Result<ListUploadsResult> full = store_->ListUploads(q);
  ASSERT_TRUE(full.ok());
  q.max_uploads = 3;
  for (int page = 0; page < 20; ++page) {
    Result<ListUploadsResult> r = store_->ListUploads(q);
    ASSERT_TRUE(r.ok());
    for (const UploadInfo& u : r->uploads) all.push_back(u.upload_id);
    if (!r->truncated) break;
    q.key_marker = r->uploads.back().key;
    q.upload_id_marker = r->uploads.back().upload_id;
  }
  EXPECT_EQ(all.size(), 14u);
  EXPECT_EQ(all, UploadIds(full->uploads));
}

// --- complete

TEST_P(ObjectStoreTest, CompleteEtagIsMd5OfPartMd5sWithCount) {
  std::string id = CreateUpload("big", "u1", 0, FullAttrs());
  PartInfo p1 = PutPart(id, 1, "aaaaaaaa");
  PartInfo p2 = PutPart(id, 2, "bbbbbbbb");
  PartInfo p3 = PutPart(id, 3, "ccc");

  Result<ObjectInfo> object =
      store_->CompleteUpload(id, {Listed(p1), Listed(p2), Listed(p3)}, kMinPart);
  ASSERT_TRUE(object.ok()) << object.status().message();
  // Computed independently: md5(md5("a"*8) || md5("b"*8) || md5("ccc")) with Python's hashlib.
  EXPECT_EQ(object->etag, "\"0e02cd5aa39f8070e73ca394d5802a24-3\"");
  std::string binary;
  for (std::string_view bytes : {"aaaaaaaa", "bbbbbbbb", "ccc"}) {
    auto digest = common::Md5(bytes);
    binary.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  }
  EXPECT_EQ(object->etag, "\"" + Md5Hex(binary) + "-3\"");
  EXPECT_EQ(object->size, 19u);
  EXPECT_EQ(object->parts_count, 3);
  EXPECT_EQ(object->owner, "alice");
  EXPECT_GT(object->last_modified, 0);
  ExpectAttrsEq(object->attrs, FullAttrs());

  Result<ObjectInfo> stored = store_->GetObject(kBucket, "big");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->etag, object->etag);
  EXPECT_EQ(stored->size, 19u);
  EXPECT_EQ(stored->parts_count, 3);
  EXPECT_EQ(stored->last_modified, object->last_modified);
  ExpectAttrsEq(stored->attrs, FullAttrs());
  EXPECT_EQ(ReadObjectBytes(*store_, *stored), "aaaaaaaabbbbbbbbccc");
  EXPECT_EQ(store_->GetUpload(id).status().code(), ErrorCode::kNoSuchUpload);
  Result<ListUploadsResult> uploads = store_->ListUploads({kBucket, "", "", "", 1000});
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->uploads.empty());
}

TEST_P(ObjectStoreTest, CompleteManifestReusesThePartBlobs) {
  std::string id = CreateUpload("k", "u1");
  PartInfo p1 = PutPart(id, 1, "0123456789");
  PartInfo p2 = PutPart(id, 2, "tail");
  Result<ObjectInfo> object = store_->CompleteUpload(id, {Listed(p1), Listed(p2)}, kMinPart);
  ASSERT_TRUE(object.ok());
  ASSERT_EQ(object->manifest.size(), 2u);
  EXPECT_EQ(object->manifest[0].blob_id, p1.blob.blob_id);
  EXPECT_EQ(object->manifest[0].size, 10u);
  EXPECT_EQ(object->manifest[1].blob_id, p2.blob.blob_id);
  EXPECT_EQ(object->manifest[1].size, 4u);
  Result<ObjectInfo> stored = store_->GetObject(kBucket, "k");
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->manifest.size(), 2u);
  EXPECT_EQ(stored->manifest[0].blob_id, p1.blob.blob_id);
  EXPECT_EQ(stored->manifest[1].blob_id, p2.blob.blob_id);
}

TEST_P(ObjectStoreTest, CompleteAcceptsEtagsInAnyCaseAndQuoted) {
  std::string id = CreateUpload("k", "u1");
  PartInfo p1 = PutPart(id, 1, "hello");
  std::string upper = p1.md5_hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Result<ObjectInfo> object = store_->CompleteUpload(id, {{1, "\"" + upper + "\""}}, kMinPart);
  EXPECT_TRUE(object.ok()) << object.status().message();
}

TEST_P(ObjectStoreTest, CompleteRejectsPartsOutOfOrder) {
  std::string id = CreateUpload("k", "u1");
  PartInfo p1 = PutPart(id, 1, "aaaaaaaa");
  PartInfo p2 = PutPart(id, 2, "bbbbbbbb");
  const std::vector<std::vector<CompletePart>> cases = {
      {Listed(p2), Listed(p1)},
      {Listed(p1), Listed(p1)},
      {Listed(p1), Listed(p2), Listed(p1)},
  };
  for (const std::vector<CompletePart>& listed : cases) {
    SCOPED_TRACE(listed.size());
    Result<ObjectInfo> r = store_->CompleteUpload(id, listed, kMinPart);
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidPartOrder);
    EXPECT_EQ(r.status().message(),
              "The list of parts was not in ascending order. Parts must be ordered by part "
              "number.");
  }
  EXPECT_TRUE(store_->GetUpload(id).ok());
  EXPECT_TRUE(store_->CompleteUpload(id, {Listed(p1), Listed(p2)}, kMinPart).ok());
}

TEST_P(ObjectStoreTest, CompleteRejectsMissingPartsAndWrongEtags) {
  std::string id = CreateUpload("k", "u1");
  PartInfo p1 = PutPart(id, 1, "aaaaaaaa");
  PartInfo p2 = PutPart(id, 2, "bbbbbbbb");
  struct Case {
    std::string name;
    std::vector<CompletePart> listed;
  };
  const Case cases[] = {
      {"wrong etag", {Listed(p1), {2, p1.md5_hex}}},
      {"missing part", {Listed(p1), Listed(p2), {3, p2.md5_hex}}},
      {"part zero", {{0, p1.md5_hex}}},
      {"empty etag", {{1, ""}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<ObjectInfo> r = store_->CompleteUpload(id, c.listed, kMinPart);
    ASSERT_EQ(r.status().code(), ErrorCode::kInvalidPart);
    EXPECT_EQ(r.status().message(),
              "One or more of the specified parts could not be found.  The part may not have "
              "been uploaded, or the specified entity tag may not have matched the part's "
              "entity tag.");
    ASSERT_FALSE(r.status().extra().empty());
    EXPECT_EQ(r.status().extra()[0], (std::pair<std::string, std::string>{"UploadId", id}));
  }
  EXPECT_TRUE(BlobExists(*store_, p1.blob.blob_id));
  EXPECT_TRUE(BlobExists(*store_, p2.blob.blob_id));
  EXPECT_EQ(store_->GetObject(kBucket, "k").status().code(), ErrorCode::kNoSuchKey);
}

TEST_P(ObjectStoreTest, CompleteRejectsSmallPartsExceptTheLast) {
  std::string id = CreateUpload("k", "u1");
  PartInfo small = PutPart(id, 1, "abcd");
  PartInfo big = PutPart(id, 2, "0123456789");
  Result<ObjectInfo> r = store_->CompleteUpload(id, {Listed(small), Listed(big)}, kMinPart);
  ASSERT_EQ(r.status().code(), ErrorCode::kEntityTooSmall);
  EXPECT_EQ(r.status().message(),
            "Your proposed upload is smaller than the minimum allowed object size.");
  const std::vector<std::pair<std::string, std::string>> extra = {
      {"ProposedSize", "4"}, {"MinSizeAllowed", "5"}, {"PartNumber", "1"}, {"ETag", small.md5_hex}};
  EXPECT_EQ(r.status().extra(), extra);

  // A small part is fine when it is the last one listed, even if others exist.
  Result<ObjectInfo> ok = store_->CompleteUpload(id, {Listed(big)}, kMinPart);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->size, 10u);
}

TEST_P(ObjectStoreTest, CompleteRejectsAnEmptyPartList) {
  std::string id = CreateUpload("k", "u1");
  PutPart(id, 1, "x");
  Result<ObjectInfo> r = store_->CompleteUpload(id, {}, kMinPart);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(r.status().message(), "You must specify at least one part");
  EXPECT_TRUE(store_->GetUpload(id).ok());
}

TEST_P(ObjectStoreTest, CompleteOfUnknownUploadIsNoSuchUpload) {
  Result<ObjectInfo> r = store_->CompleteUpload("nope", {{1, "00"}}, kMinPart);
  EXPECT_EQ(r.status().code(), ErrorCode::kNoSuchUpload);
  EXPECT_EQ(r.status().message(),
            "The specified multipart upload does not exist. The upload ID may be invalid, or the "
            "upload may have been aborted or completed.");
  ASSERT_EQ(r.status().extra().size(), 1u);
  EXPECT_EQ(r.status().extra()[0].second, "nope");
}

TEST_P(ObjectStoreTest, CompleteRecordsTheGivenChecksumDurably) {
  std::string id = CreateUpload("k", "u1", 0, FullAttrs());
  PartInfo p1 = PutPart(id, 1, "aaaaaaaa");
  PartInfo p2 = PutPart(id, 2, "bb");
  Result<ObjectInfo> done =
      store_->CompleteUpload(id, {Listed(p1), Listed(p2)}, kMinPart, "AAAAAA==-2");
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->checksum_value, "AAAAAA==-2");
  Result<ObjectInfo> stored = store_->GetObject(kBucket, "k");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->checksum_value, "AAAAAA==-2");
  Result<ObjectInfo> retry =
      store_->CompleteUpload(id, {Listed(p1), Listed(p2)}, kMinPart, "ignored-on-retry");
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->checksum_value, "AAAAAA==-2");
}

TEST_P(ObjectStoreTest, RetriedCompleteWithSameListReturnsSameObject) {
  std::string id = CreateUpload("k", "u1", 0, FullAttrs());
  PartInfo p1 = PutPart(id, 1, "aaaaaaaa");
  PartInfo p2 = PutPart(id, 2, "bb");
  Result<ObjectInfo> first = store_->CompleteUpload(id, {Listed(p1), Listed(p2)}, kMinPart);
  ASSERT_TRUE(first.ok());

  Result<ObjectInfo> again = store_->CompleteUpload(id, {Listed(p1), Listed(p2)}, kMinPart);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->bucket, first->bucket);
  EXPECT_EQ(again->key, first->key);
  EXPECT_EQ(again->etag, first->etag);
  EXPECT_EQ(again->size, first->size);
  EXPECT_EQ(again->last_modified, first->last_modified);
  EXPECT_EQ(again->parts_count, 2);
  EXPECT_EQ(again->owner, "alice");
  ExpectAttrsEq(again->attrs, FullAttrs());
  ASSERT_EQ(again->manifest.size(), 2u);
  EXPECT_EQ(again->manifest[0].blob_id, p1.blob.blob_id);

  EXPECT_EQ(store_->CompleteUpload(id, {Listed(p1)}, kMinPart).status().code(),
            ErrorCode::kNoSuchUpload);
  EXPECT_EQ(store_->CompleteUpload(id, {Listed(p2), Listed(p1)}, kMinPart).status().code(),
            ErrorCode::kNoSuchUpload);

  // After the object is overwritten the retry still answers with what it made.
  PutObject("k", "newer");
  Result<ObjectInfo> late = store_->CompleteUpload(id, {Listed(p1), Listed(p2)}, kMinPart);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->etag, first->etag);
  EXPECT_TRUE(late->manifest.empty());
}

TEST_P(ObjectStoreTest, CompleteRemovesUnlistedPartsBytes) {
  std::string id = CreateUpload("k", "u1");
  PartInfo p1 = PutPart(id, 1, "aaaaaaaa");
  PartInfo p2 = PutPart(id, 2, "bbbbbbbb");
  PartInfo p3 = PutPart(id, 3, "cccccccc");
  ASSERT_TRUE(store_->CompleteUpload(id, {Listed(p1), Listed(p3)}, kMinPart).ok());
  EXPECT_TRUE(BlobExists(*store_, p1.blob.blob_id));
  EXPECT_TRUE(Freed(p2.blob.blob_id));
  EXPECT_TRUE(BlobExists(*store_, p3.blob.blob_id));
  Result<ObjectInfo> stored = store_->GetObject(kBucket, "k");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(ReadObjectBytes(*store_, *stored), "aaaaaaaacccccccc");
}

TEST_P(ObjectStoreTest, CompleteOverAnObjectFreesTheOldBytes) {
  ObjectInfo old = PutObject("k", "old single-part body");
  std::string first = CreateUpload("k", "u1");
  PartInfo a = PutPart(first, 1, "multipart one");
  ASSERT_TRUE(store_->CompleteUpload(first, {Listed(a)}, kMinPart).ok());
  EXPECT_TRUE(Freed(old.manifest[0].blob_id));

  std::string second = CreateUpload("k", "u2");
  PartInfo b = PutPart(second, 1, "multipart two");
  ASSERT_TRUE(store_->CompleteUpload(second, {Listed(b)}, kMinPart).ok());
  EXPECT_TRUE(Freed(a.blob.blob_id));
  Result<ObjectInfo> stored = store_->GetObject(kBucket, "k");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(ReadObjectBytes(*store_, *stored), "multipart two");
}

TEST_P(ObjectStoreTest, AbortRemovesPartsBytesAndForgetsTheUpload) {
  std::string id = CreateUpload("k", "u1");
  PartInfo p1 = PutPart(id, 1, "aaaaaaaa");
  PartInfo p2 = PutPart(id, 2, "bbbbbbbb");
  ASSERT_TRUE(store_->AbortUpload(id).ok());
  EXPECT_TRUE(Freed(p1.blob.blob_id));
  EXPECT_TRUE(Freed(p2.blob.blob_id));

  EXPECT_EQ(store_->AbortUpload(id).code(), ErrorCode::kNoSuchUpload);
  EXPECT_EQ(store_->GetUpload(id).status().code(), ErrorCode::kNoSuchUpload);
  EXPECT_EQ(store_->ListParts(id, 0, 10, nullptr).status().code(), ErrorCode::kNoSuchUpload);
  EXPECT_EQ(store_->CompleteUpload(id, {Listed(p1)}, kMinPart).status().code(),
            ErrorCode::kNoSuchUpload);
  PartInfo late = MakePart(3, "late");
  EXPECT_EQ(store_->PutPart(id, late).code(), ErrorCode::kNoSuchUpload);
  EXPECT_FALSE(BlobExists(*store_, late.blob.blob_id));
  EXPECT_EQ(store_->AbortUpload("never-existed").code(), ErrorCode::kNoSuchUpload);
}

TEST_P(ObjectStoreTest, CompletedUploadCannotBeAbortedOrExtended) {
  std::string id = CreateUpload("k", "u1");
  PartInfo p1 = PutPart(id, 1, "aaaaaaaa");
  ASSERT_TRUE(store_->CompleteUpload(id, {Listed(p1)}, kMinPart).ok());
  EXPECT_EQ(store_->AbortUpload(id).code(), ErrorCode::kNoSuchUpload);
  EXPECT_EQ(store_->PutPart(id, MakePart(2, "more")).code(), ErrorCode::kNoSuchUpload);
  EXPECT_TRUE(BlobExists(*store_, p1.blob.blob_id));
}

TEST_P(ObjectStoreTest, AbortUploadsOlderThanAbortsOnlyOldOnes) {
  CreateUpload("a", "old1", 100);
  CreateUpload("b", "old2", 200);
  CreateUpload("c", "new", 300);
  PartInfo part = PutPart("old1", 1, "bytes");
  Result<int> aborted = store_->AbortUploadsOlderThan(300);
  ASSERT_TRUE(aborted.ok());
  EXPECT_EQ(*aborted, 2);
  EXPECT_TRUE(Freed(part.blob.blob_id));
  EXPECT_TRUE(store_->GetUpload("new").ok());
  EXPECT_EQ(store_->GetUpload("old1").status().code(), ErrorCode::kNoSuchUpload);
}

// --- objects

TEST_P(ObjectStoreTest, PutGetDeleteObject) {
  ObjectInfo put = PutObject("k", "hello");
  Result<ObjectInfo> got = store_->GetObject(kBucket, "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->etag, "\"" + Md5Hex("hello") + "\"");
  EXPECT_EQ(got->size, 5u);
  EXPECT_EQ(got->parts_count, 0);
  EXPECT_GT(got->last_modified, 0);
  EXPECT_EQ(got->attrs.content_type, "binary/octet-stream");
  ASSERT_EQ(got->manifest.size(), 1u);
  EXPECT_EQ(got->manifest[0].blob_id, put.manifest[0].blob_id);
  EXPECT_EQ(ReadObjectBytes(*store_, *got), "hello");

  ASSERT_TRUE(store_->DeleteObject(kBucket, "k").ok());
  EXPECT_TRUE(Freed(put.manifest[0].blob_id));
  EXPECT_EQ(store_->GetObject(kBucket, "k").status().code(), ErrorCode::kNoSuchKey);
  EXPECT_TRUE(store_->DeleteObject(kBucket, "k").ok());
  EXPECT_EQ(store_->DeleteObject("missing", "k").code(), ErrorCode::kNoSuchBucket);
  EXPECT_EQ(store_->GetObject("missing", "k").status().code(), ErrorCode::kNoSuchBucket);
}

TEST_P(ObjectStoreTest, PutObjectKeepsAttrsAndReplacingFreesOldBytes) {
  Result<BlobRef> blob = WriteBlob(*store_, "v1");
  ASSERT_TRUE(blob.ok());
  ObjectInfo object;
  object.bucket = kBucket;
  object.key = "k";
  object.size = 2;
  object.etag = "\"" + Md5Hex("v1") + "\"";
  object.last_modified = 4242;
  object.owner = "alice";
  object.attrs = FullAttrs();
  object.checksum_value = "AAAAAA==";
  object.manifest = {*blob};
  ASSERT_TRUE(store_->PutObject(object).ok());
  Result<ObjectInfo> got = store_->GetObject(kBucket, "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->last_modified, 4242);
  EXPECT_EQ(got->checksum_value, "AAAAAA==");
  ExpectAttrsEq(got->attrs, FullAttrs());

  ObjectInfo v2 = PutObject("k", "v2");
  EXPECT_TRUE(Freed(blob->blob_id));
  got = store_->GetObject(kBucket, "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(ReadObjectBytes(*store_, *got), "v2");
  EXPECT_EQ(got->attrs.content_type, "binary/octet-stream");
  EXPECT_TRUE(got->attrs.metadata.empty());
}

TEST_P(ObjectStoreTest, PutObjectIntoMissingBucketRemovesItsBytes) {
  Result<BlobRef> blob = WriteBlob(*store_, "bytes");
  ASSERT_TRUE(blob.ok());
  ObjectInfo object;
  object.bucket = "missing";
  object.key = "k";
  object.manifest = {*blob};
  EXPECT_EQ(store_->PutObject(object).code(), ErrorCode::kNoSuchBucket);
  EXPECT_FALSE(BlobExists(*store_, blob->blob_id));
}

TEST_P(ObjectStoreTest, KeysAreStoredByteExact) {
  const std::vector<std::string> keys = {
      "dir/sub/file.txt",
      "../../etc/passwd",
      "./x",
      "a//b",
      "/leading",
      "trailing/",
      "..",
      "with space",
      "%2F%00%",
      "a&b=c?d#e",
      "ünïcødé/✓",
      "😀",
      "MiXeD",
      "mixed",
      "tab\there",
      "new\nline",
  };
  for (const std::string& key : keys) PutObject(key, "body of " + key);
  for (const std::string& key : keys) {
    SCOPED_TRACE(key);
    Result<ObjectInfo> got = store_->GetObject(kBucket, key);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->key, key);
    EXPECT_EQ(ReadObjectBytes(*store_, *got), "body of " + key);
  }
  Result<ListObjectsResult> listed = store_->ListObjects({kBucket, "", "", 1000});
  ASSERT_TRUE(listed.ok());
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Keys(listed->objects), sorted);

  if (GetParam() == Backend::kFile) {
    // Keys never become paths: every file is the registry, the lock or a blob.
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(data_dir(), ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      SCOPED_TRACE(it->path().string());
      bool known = name == "LOCK" || name.rfind("s2lite.db", 0) == 0 || name == "blobs" ||
                   name == "tmp" ||
                   (name.find_first_not_of("0123456789abcdef") == std::string::npos &&
                    (name.size() == 2 || name.size() == 32));
      EXPECT_TRUE(known);
    }
  }
}

TEST_P(ObjectStoreTest, ListObjectsUsesBytePrefixRangesNotLike) {
  const std::vector<std::string> keys = {"A_b", "a%b", "a/b/c",    "aXb",      "a_b",
                                         "ab",  "b",   "\xc3\xbc", "\xff\xfe", "\xff"};
  for (const std::string& key : keys) PutObject(key, "x");
  struct Case {
    std::string prefix, start_after;
    int max;
    std::vector<std::string> want;
    bool truncated;
  };
  const Case cases[] = {
      {"",
       "",
       1000,
       {"A_b", "a%b", "a/b/c", "aXb", "a_b", "ab", "b", "\xc3\xbc", "\xff", "\xff\xfe"},
       false},
      {"a_", "", 1000, {"a_b"}, false},
      {"a%", "", 1000, {"a%b"}, false},
      {"A", "", 1000, {"A_b"}, false},
      {"a", "a/b/c", 1000, {"aXb", "a_b", "ab"}, false},
      {"a", "A", 1000, {"a%b", "a/b/c", "aXb", "a_b", "ab"}, false},
      {"a", "", 2, {"a%b", "a/b/c"}, true},
      {"a", "a/b/c", 3, {"aXb", "a_b", "ab"}, false},
      {"", "ab", 2, {"b", "\xc3\xbc"}, true},
      {"\xff", "", 1000, {"\xff", "\xff\xfe"}, false},
      {"\xff", "\xff", 1000, {"\xff\xfe"}, false},
      {"zzz", "", 1000, {}, false},
      {"a", "zz", 1000, {}, false},
      {"", "", 0, {}, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("prefix=" + c.prefix + " start_after=" + c.start_after +
                 " max=" + std::to_string(c.max));
    Result<ListObjectsResult> r = store_->ListObjects({kBucket, c.prefix, c.start_after, c.max});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(Keys(r->objects), c.want);
    EXPECT_EQ(r->truncated, c.truncated);
  }
  EXPECT_EQ(store_->ListObjects({"missing", "", "", 10}).status().code(), ErrorCode::kNoSuchBucket);
}

TEST_P(ObjectStoreTest, ResetEmptiesEverything) {
  PutObject("k", "bytes");
  std::string id = CreateUpload("u", "u1");
  PartInfo part = PutPart(id, 1, "part");
  ASSERT_TRUE(store_->Reset().ok());
  Result<std::vector<BucketInfo>> buckets = store_->ListBuckets("");
  ASSERT_TRUE(buckets.ok());
  EXPECT_TRUE(buckets->empty());
  EXPECT_EQ(store_->GetUpload(id).status().code(), ErrorCode::kNoSuchUpload);
  EXPECT_FALSE(BlobExists(*store_, part.blob.blob_id));
  ASSERT_TRUE(store_->CreateBucket({kBucket, "alice", "us-east-1", 0, ""}).ok());
  EXPECT_EQ(store_->GetObject(kBucket, "k").status().code(), ErrorCode::kNoSuchKey);
}

// --- concurrency

TEST_P(ObjectStoreTest, ConcurrentPutPartsKeepOneBlobPerPart) {
  std::string id = CreateUpload("k", "u1");
  constexpr int kThreads = 8;
  constexpr int kShared = 10;
  std::mutex mu;
  std::vector<std::string> written;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Every thread writes parts 1..kShared (racing replacements) and one of its own.
      for (int n = 1; n <= kShared + 1; ++n) {
        int number = n <= kShared ? n : 100 + t;
        std::string bytes = "thread " + std::to_string(t) + " part " + std::to_string(number);
        Result<BlobRef> blob = WriteBlob(*store_, bytes);
        if (!blob.ok()) {
          ++failures;
          continue;
        }
        {
          std::lock_guard lock(mu);
          written.push_back(blob->blob_id);
        }
        PartInfo part;
        part.part_number = number;
        part.blob = *blob;
        part.md5_hex = Md5Hex(bytes);
        part.etag = "\"" + part.md5_hex + "\"";
        if (!store_->PutPart(id, part).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);

  Result<std::vector<PartInfo>> parts = store_->ListParts(id, 0, 1000, nullptr);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), static_cast<size_t>(kShared + kThreads));
  std::set<std::string> kept;
  for (const PartInfo& p : *parts) {
    SCOPED_TRACE(p.part_number);
    EXPECT_EQ(Md5Hex(ReadBlob(*store_, p.blob.blob_id)), p.md5_hex);
    kept.insert(p.blob.blob_id);
  }
  // Every replaced blob is freed (a shared registry tombstones it).
  size_t present = 0;
  for (const std::string& blob_id : written) present += Freed(blob_id) ? 0 : 1;
  EXPECT_EQ(present, kept.size());
}

TEST_P(ObjectStoreTest, ConcurrentCompleteAndAbortHaveOneWinner) {
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE(round);
    std::string key = "k" + std::to_string(round);
    std::string id = CreateUpload(key, "u" + std::to_string(round));
    PartInfo part = PutPart(id, 1, "payload");
    Status complete_status, abort_status;
    std::thread completer(
        [&] { complete_status = store_->CompleteUpload(id, {Listed(part)}, kMinPart).status(); });
    std::thread aborter([&] { abort_status = store_->AbortUpload(id); });
    completer.join();
    aborter.join();
    ASSERT_NE(complete_status.ok(), abort_status.ok());
    if (complete_status.ok()) {
      EXPECT_EQ(abort_status.code(), ErrorCode::kNoSuchUpload);
      EXPECT_TRUE(store_->GetObject(kBucket, key).ok());
      EXPECT_TRUE(BlobExists(*store_, part.blob.blob_id));
    } else {
      EXPECT_EQ(complete_status.code(), ErrorCode::kNoSuchUpload);
      EXPECT_EQ(store_->GetObject(kBucket, key).status().code(), ErrorCode::kNoSuchKey);
      EXPECT_TRUE(Freed(part.blob.blob_id));
    }
  }
}

TEST_P(ObjectStoreTest, StoresInOneProcessAreIndependent) {
  TempDir other_dir;
  StoreOptions options;
  testing::TempDatabase other_database;
  if (GetParam() == Backend::kFile) {
    options.data_dir = other_dir.path();
  } else if (GetParam() == Backend::kPostgres) {
    options.data_dir = other_dir.path();
    options.registry = other_database.conninfo();
  } else {
    options.in_memory = true;
  }
  Result<std::unique_ptr<ObjectStore>> other = OpenObjectStore(options);
  ASSERT_TRUE(other.ok());
  PutObject("k", "mine");
  EXPECT_EQ(Sync((*other)->GetBucket(kBucket)).status().code(), ErrorCode::kNoSuchBucket);
}

// One reader for an object's bytes (GET, ranges, parts, copies): a range
// across blob boundaries, readable while the reader holds the lease even
// though the object is deleted meanwhile; its bytes go with the reader.
TEST_P(ObjectStoreTest, ObjectReaderReadsARangeAcrossBlobsWhileHoldingTheLease) {
  std::string upload = CreateUpload("k", "u1");
  PartInfo p1 = PutPart(upload, 1, "aaaaaaaa");
  PartInfo p2 = PutPart(upload, 2, "bbb");
  ASSERT_TRUE(store_->CompleteUpload(upload, {Listed(p1), Listed(p2)}, kMinPart).ok());
  {
    Result<ObjectStore::LeasedObject> leased = store_->GetObjectForRead(kBucket, "k");
    ASSERT_TRUE(leased.ok());
    ObjectReader reader(store_->async(), std::move(*leased), 6, 4);
    ASSERT_TRUE(store_->DeleteObject(kBucket, "k").ok());
    ASSERT_TRUE(reader.Open().ok());
    std::string got;
    char buf[3];
    for (;;) {
      Result<size_t> n = reader.Read(buf, sizeof buf);
      ASSERT_TRUE(n.ok()) << n.status().message();
      if (*n == 0) break;
      got.append(buf, *n);
    }
    EXPECT_EQ(got, "aabb");
    EXPECT_EQ(reader.left(), 0u);
  }
  EXPECT_TRUE(Freed(p1.blob.blob_id));
  EXPECT_TRUE(Freed(p2.blob.blob_id));
}

// --- conditional writes and tags

TEST_P(ObjectStoreTest, IfNoneMatchWritesOnlyWhenTheKeyIsFreeAndKeepsTheWinner) {
  ObjectInfo first = PutObject("lock", "first");
  Result<BlobRef> blob = WriteBlob(*store_, "second");
  ASSERT_TRUE(blob.ok());
  ObjectInfo second = first;
  second.etag = "\"" + Md5Hex("second") + "\"";
  second.manifest = {*blob};
  second.condition.if_none_match = true;
  EXPECT_EQ(store_->PutObject(second).code(), ErrorCode::kPreconditionFailed);
  // The loser's bytes go; the stored object is untouched.
  EXPECT_FALSE(BlobExists(*store_, blob->blob_id));
  Result<ObjectInfo> stored = store_->GetObject(kBucket, "lock");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(ReadObjectBytes(*store_, *stored), "first");

  ASSERT_TRUE(store_->DeleteObject(kBucket, "lock").ok());
  Result<BlobRef> again = WriteBlob(*store_, "second");
  ASSERT_TRUE(again.ok());
  second.manifest = {*again};
  EXPECT_TRUE(store_->PutObject(second).ok());
  stored = store_->GetObject(kBucket, "lock");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(ReadObjectBytes(*store_, *stored), "second");
}

TEST_P(ObjectStoreTest, IfMatchComparesTheCurrentEtagAndNeedsTheKey) {
  ObjectInfo v1 = PutObject("doc", "v1");
  auto write = [&](std::string_view bytes, std::string if_match) {
    Result<BlobRef> blob = WriteBlob(*store_, bytes);
    EXPECT_TRUE(blob.ok());
    ObjectInfo o = v1;
    o.key = "doc";
    o.etag = "\"" + Md5Hex(bytes) + "\"";
    o.manifest = {*blob};
    o.condition.if_match = std::move(if_match);
    return store_->PutObject(o);
  };
  EXPECT_EQ(write("v2", "\"" + Md5Hex("other") + "\"").code(), ErrorCode::kPreconditionFailed);
  EXPECT_TRUE(write("v2", v1.etag).ok());                                  // quoted
  EXPECT_TRUE(write("v3", Md5Hex("v2")).ok());                             // bare
  EXPECT_EQ(write("v4", v1.etag).code(), ErrorCode::kPreconditionFailed);  // stale
  Result<ObjectInfo> stored = store_->GetObject(kBucket, "doc");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(ReadObjectBytes(*store_, *stored), "v3");
  ASSERT_TRUE(store_->DeleteObject(kBucket, "doc").ok());
  EXPECT_EQ(write("v5", Md5Hex("v3")).code(), ErrorCode::kNoSuchKey);
}

TEST_P(ObjectStoreTest, CompleteWithIfNoneMatchLeavesTheUploadPendingWhenTheKeyIsTaken) {
  std::string id = CreateUpload("k", "u1");
  PartInfo p1 = PutPart(id, 1, "abc");
  PutObject("k", "existing");
  WriteCondition none;
  none.if_none_match = true;
  EXPECT_EQ(store_->CompleteUpload(id, {Listed(p1)}, kMinPart, "", none).status().code(),
            ErrorCode::kPreconditionFailed);
  ASSERT_TRUE(store_->GetUpload(id).ok());  // still pending, parts kept
  EXPECT_TRUE(BlobExists(*store_, p1.blob.blob_id));
  WriteCondition match;
  match.if_match = "\"" + Md5Hex("existing") + "\"";
  Result<ObjectInfo> done = store_->CompleteUpload(id, {Listed(p1)}, kMinPart, "", match);
  ASSERT_TRUE(done.ok()) << done.status().message();
  Result<ObjectInfo> stored = store_->GetObject(kBucket, "k");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(ReadObjectBytes(*store_, *stored), "abc");
}

TEST_P(ObjectStoreTest, ConcurrentIfNoneMatchWritesHaveExactlyOneWinner) {
  constexpr int kWriters = 8;
  std::vector<std::thread> threads;
  std::atomic<int> won{0}, refused{0};
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      std::string bytes = "writer-" + std::to_string(i);
      Result<BlobRef> blob = WriteBlob(*store_, bytes);
      if (!blob.ok()) return;
      ObjectInfo o;
      o.bucket = kBucket;
      o.key = "race";
      o.size = bytes.size();
      o.etag = "\"" + Md5Hex(bytes) + "\"";
      o.owner = "alice";
      o.manifest = {*blob};
      o.condition.if_none_match = true;
      Status s = store_->PutObject(o);
      if (s.ok()) ++won;
      if (s.code() == ErrorCode::kPreconditionFailed) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(refused.load(), kWriters - 1);
}

TEST_P(ObjectStoreTest, PutObjectTaggingReplacesOnlyTheTags) {
  ObjectInfo o = PutObject("t", "bytes");
  ASSERT_TRUE(store_->PutObjectTagging(kBucket, "t", 0, "a=1&b=2").ok());
  Result<ObjectInfo> stored = store_->GetObject(kBucket, "t");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->attrs.tagging, "a=1&b=2");
  EXPECT_EQ(stored->etag, o.etag);
  EXPECT_EQ(ReadObjectBytes(*store_, *stored), "bytes");
  if (GetParam() == Backend::kFile) {
    Reopen();
    stored = store_->GetObject(kBucket, "t");
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->attrs.tagging, "a=1&b=2");
  }
  EXPECT_EQ(store_->PutObjectTagging(kBucket, "absent", 0, "a=1").code(), ErrorCode::kNoSuchKey);
  EXPECT_EQ(store_->PutObjectTagging("missing", "t", 0, "a=1").code(), ErrorCode::kNoSuchBucket);
  Result<BucketInfo> b = store_->GetBucket(kBucket);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(store_->PutObjectTagging(kBucket, "t", b->generation + 1, "x=y").code(),
            ErrorCode::kNoSuchBucket);
}

INSTANTIATE_TEST_SUITE_P(Backends, ObjectStoreTest,
                         ::testing::Values(Backend::kFile, Backend::kMemory, Backend::kPostgres),
                         BackendName);

// --- file backend only: durability and crash leftovers

class FileObjectStoreTest : public ObjectStoreTest {};

TEST_P(FileObjectStoreTest, ReopenedStoreFindsEverything) {
  ASSERT_TRUE(store_->CreateBucket({"second", "bob", "eu-central-1", 55, "public-read"}).ok());
  ObjectInfo plain = PutObject("plain", "plain bytes");
  std::string pending = CreateUpload("pending/key", "pending-id", 1000, FullAttrs());
  PartInfo pending_part = PutPart(pending, 7, "pending part");
  std::string done = CreateUpload("done", "done-id", 0, FullAttrs());
  PartInfo d1 = PutPart(done, 1, "aaaaaaaa");
  PartInfo d2 = PutPart(done, 2, "bb");
  Result<ObjectInfo> completed = store_->CompleteUpload(done, {Listed(d1), Listed(d2)}, kMinPart);
  ASSERT_TRUE(completed.ok());

  ASSERT_NO_FATAL_FAILURE(Reopen());

  Result<BucketInfo> second = store_->GetBucket("second");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->owner, "bob");
  EXPECT_EQ(second->region, "eu-central-1");
  EXPECT_EQ(second->created, 55);
  EXPECT_EQ(second->acl, "public-read");

  Result<ObjectInfo> got = store_->GetObject(kBucket, "plain");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->etag, plain.etag);
  EXPECT_EQ(ReadObjectBytes(*store_, *got), "plain bytes");

  Result<UploadInfo> upload = store_->GetUpload(pending);
  ASSERT_TRUE(upload.ok());
  EXPECT_EQ(upload->key, "pending/key");
  EXPECT_EQ(upload->created, 1000);
  ExpectAttrsEq(upload->attrs, FullAttrs());
  Result<std::vector<PartInfo>> parts = store_->ListParts(pending, 0, 10, nullptr);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].part_number, 7);
  EXPECT_EQ((*parts)[0].blob.blob_id, pending_part.blob.blob_id);
  EXPECT_EQ(ReadBlob(*store_, pending_part.blob.blob_id), "pending part");

  got = store_->GetObject(kBucket, "done");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->etag, completed->etag);
  EXPECT_EQ(got->parts_count, 2);
  ExpectAttrsEq(got->attrs, FullAttrs());
  EXPECT_EQ(ReadObjectBytes(*store_, *got), "aaaaaaaabb");

  Result<ObjectInfo> retry = store_->CompleteUpload(done, {Listed(d1), Listed(d2)}, kMinPart);
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->etag, completed->etag);
}

TEST_P(FileObjectStoreTest, OpenRemovesOrphanBlobsAndHalfWrittenFiles) {
  ObjectInfo kept = PutObject("kept", "kept bytes");
  std::string id = CreateUpload("k", "u1");
  PartInfo part = PutPart(id, 1, "part bytes");
  // A blob committed but never recorded: the process died between the two.
  Result<BlobRef> orphan = WriteBlob(*store_, "orphan bytes");
  ASSERT_TRUE(orphan.ok());
  std::string orphan_path =
      data_dir() + "/blobs/" + orphan->blob_id.substr(0, 2) + "/" + orphan->blob_id;
  ASSERT_TRUE(std::filesystem::exists(orphan_path));
  store_.reset();
  // A body that was still being written.
  std::string tmp_file = data_dir() + "/blobs/tmp/00112233445566778899aabbccddeeff.part";
  std::ofstream(tmp_file) << "half a body";
  ASSERT_TRUE(std::filesystem::exists(tmp_file));

  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_FALSE(std::filesystem::exists(orphan_path));
  EXPECT_FALSE(std::filesystem::exists(tmp_file));
  EXPECT_EQ(ReadBlob(*store_, kept.manifest[0].blob_id), "kept bytes");
  EXPECT_EQ(ReadBlob(*store_, part.blob.blob_id), "part bytes");
}

TEST_P(FileObjectStoreTest, SecondStoreOnTheSameDirectoryIsRefused) {
  StoreOptions options;
  options.data_dir = data_dir();
  Result<std::unique_ptr<ObjectStore>> second = OpenObjectStore(options);
  EXPECT_FALSE(second.ok());
  store_.reset();
  second = OpenObjectStore(options);
  EXPECT_TRUE(second.ok()) << second.status().message();
}

TEST_P(FileObjectStoreTest, FsyncModeWorks) {
  store_.reset();
  StoreOptions fsync;
  fsync.fsync = true;
  ASSERT_NO_FATAL_FAILURE(Open(fsync));
  ObjectInfo object = PutObject("k", "durable");
  Result<ObjectInfo> got = store_->GetObject(kBucket, "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(ReadObjectBytes(*store_, *got), "durable");
}

// A commit that fails (here: a file-size limit standing in for a full disk)
// fails the calls whose writes it held, rolls them back, and the bytes their
// new parts and objects referred to are removed at once, not left as orphans
// until the next open.
TEST_P(FileObjectStoreTest, FailedCommitFailsItsCallsAndRemovesTheirNewBytes) {
  ObjectInfo kept = PutObject("kept", "kept bytes");
  std::string upload = CreateUpload("k", "u1");
  PartInfo part = MakePart(1, "part bytes");
  Result<BlobRef> lost_blob = WriteBlob(*store_, "lost bytes");
  ASSERT_TRUE(lost_blob.ok());
  ObjectInfo lost;
  lost.bucket = kBucket;
  lost.key = "lost";
  lost.size = 10;
  lost.etag = "\"" + Md5Hex("lost bytes") + "\"";
  lost.manifest = {*lost_blob};

  Status put_part, put_object;
  {
    WritesFail fail;
    ASSERT_TRUE(fail.ok());
    put_part = store_->PutPart(upload, part);
    put_object = store_->PutObject(lost);
  }

  // Not OK, since not committed.
  EXPECT_FALSE(put_part.ok());
  EXPECT_FALSE(put_object.ok());
  EXPECT_FALSE(BlobExists(*store_, part.blob.blob_id));
  EXPECT_FALSE(BlobExists(*store_, lost.manifest[0].blob_id));
  EXPECT_EQ(store_->GetObject(kBucket, "lost").status().code(), ErrorCode::kNoSuchKey);
  Result<std::vector<PartInfo>> parts = store_->ListParts(upload, 0, 10, nullptr);
  ASSERT_TRUE(parts.ok());
  EXPECT_TRUE(parts->empty());
  // What was committed before is untouched, and the store goes on working.
  EXPECT_EQ(ReadBlob(*store_, kept.manifest[0].blob_id), "kept bytes");
  PartInfo again = PutPart(upload, 1, "part bytes");
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ReadBlob(*store_, again.blob.blob_id), "part bytes");
}

// A read may see a write of the open group before it commits. If that
// commit then fails, what the read saw is not served afterwards: the change
// ends by emptying what the store keeps of its buckets' settings.
TEST_P(FileObjectStoreTest, ASettingWhoseCommitFailedIsNotServedAfterwards) {
  namespace asio = boost::asio;
  ObjectStore& store = store_->async();
  Status put;
  std::optional<std::string> seen_meanwhile;
  asio::io_context io(1);
  asio::co_spawn(
      io,
      [&]() -> Task<void> {
        put = co_await store.PutBucketSetting(kBucket, 0, "lifecycle", std::string("<a/>"));
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> Task<void> {
        auto got = co_await store.GetBucketSetting(kBucket, "lifecycle");
        if (got.ok()) seen_meanwhile = *got;
      },
      asio::detached);

  {
    WritesFail fail;
    ASSERT_TRUE(fail.ok());
    io.run();
  }

  EXPECT_FALSE(put.ok());
  // The read ran while the write waited for its commit (the same event
  // loop's turn): else this test no longer tests what it says.
  ASSERT_EQ(seen_meanwhile.value_or(""), "<a/>");
  Result<std::optional<std::string>> after = store_->GetBucketSetting(kBucket, "lifecycle");
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value()) << "served a setting that was never committed";
}

// The commit contract with group commit on: whatever a call returned OK for
// is in the database for any other connection (so it survives kill -9, see
// tests/integration/multipart_crash_test.cc), with no commit step after it.
TEST_P(FileObjectStoreTest, EveryCallThatReturnsOkIsCommitted) {
  const std::string db = data_dir() + "/s2lite.db";
  auto committed = [&](const std::string& sql) { return QueryText(db, sql); };
  ASSERT_TRUE(store_->CreateBucket({"second", "alice", "us-east-1", 0, ""}).ok());
  EXPECT_EQ(committed("SELECT count(*) FROM buckets WHERE name = 'second'"), "1");
  ASSERT_TRUE(store_->PutBucketSetting("second", 0, "cors", std::string("<cors/>")).ok());
  EXPECT_EQ(committed("SELECT count(*) FROM bucket_settings WHERE bucket = 'second'"), "1");
  std::string upload = CreateUpload("k", "u1");
  EXPECT_EQ(committed("SELECT count(*) FROM uploads WHERE upload_id = 'u1'"), "1");
  PartInfo p1 = PutPart(upload, 1, "0123456789");
  EXPECT_EQ(committed("SELECT count(*) FROM parts WHERE upload_id = 'u1'"), "1");
  ASSERT_TRUE(store_->CompleteUpload(upload, {Listed(p1)}, kMinPart).ok());
  EXPECT_EQ(committed("SELECT count(*) FROM objects WHERE key = 'k'"), "1");
  PutObject("single", "bytes");
  EXPECT_EQ(committed("SELECT count(*) FROM objects WHERE key = 'single'"), "1");
  ASSERT_TRUE(store_->DeleteObject(kBucket, "single").ok());
  EXPECT_EQ(committed("SELECT count(*) FROM objects WHERE key = 'single'"), "0");
  std::string aborted = CreateUpload("k2", "u2");
  ASSERT_TRUE(store_->AbortUpload(aborted).ok());
  EXPECT_EQ(committed("SELECT count(*) FROM uploads WHERE upload_id = 'u2'"), "0");
  ASSERT_TRUE(store_->DeleteBucket("second").ok());
  EXPECT_EQ(committed("SELECT count(*) FROM buckets WHERE name = 'second'"), "0");
}

// Two stores in one process (two servers) share nothing: while one store's
// database is locked by someone else, so that its calls cannot commit, the
// other's calls go on committing at full speed.
TEST_P(FileObjectStoreTest, TwoStoresInOneProcessCommitIndependently) {
  StoreOptions options;
  options.data_dir = dir_.path() + "/other";
  options.group_commit = true;
  Result<std::unique_ptr<ObjectStore>> opened = OpenObjectStore(options);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  SyncStore other(std::move(*opened));
  ASSERT_TRUE(other.CreateBucket({kBucket, "alice", "us-east-1", 0, ""}).ok());

  // Someone else holds this store's database's write lock.
  const std::string db = data_dir() + "/s2lite.db";
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &locker, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(locker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::atomic<bool> blocked_done{false};
  Status blocked;
  std::thread blocked_writer([&] {
    blocked = store_->CreateUpload(UploadInfo{"blocked", kBucket, "k", "alice", "alice"});
    blocked_done = true;
  });

  // Meanwhile the other store commits call after call.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    UploadInfo u{"other-" + std::to_string(i), kBucket, "k", "alice", "alice"};
    ASSERT_TRUE(other.CreateUpload(u).ok());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(QueryText(options.data_dir + "/s2lite.db", "SELECT count(*) FROM uploads"), "20");
  EXPECT_FALSE(blocked_done.load()) << "this store's call did not wait for the lock";

  ASSERT_EQ(sqlite3_exec(locker, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(locker);
  blocked_writer.join();
  EXPECT_TRUE(blocked.ok()) << blocked.message();
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM uploads WHERE upload_id = 'blocked'"), "1");
}

TEST_P(FileObjectStoreTest, DataDirectoryIsCreatedWithParents) {
  StoreOptions options;
  options.data_dir = dir_.path() + "/deep/er/data";
  Result<std::unique_ptr<ObjectStore>> store = OpenObjectStore(options);
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_TRUE(std::filesystem::is_regular_file(options.data_dir + "/s2lite.db"));
  EXPECT_TRUE(std::filesystem::is_directory(options.data_dir + "/blobs"));
}

INSTANTIATE_TEST_SUITE_P(Backends, FileObjectStoreTest, ::testing::Values(Backend::kFile),
                         BackendName);

}  // namespace
}  // namespace s2lite::storage
