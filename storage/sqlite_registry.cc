#include "storage/sqlite_registry.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include "common/hex.h"
#include "storage/errors.h"
#include "storage/group_committer.h"
#include "storage/registry_columns.h"
#include "storage/spin_mutex.h"
#include "storage/sqlite_db.h"

namespace s2lite::storage {
namespace {

using sqlite::Query;
using sqlite::Statement;
using sqlite::Transaction;

constexpr int kBusyTimeoutMs = 5000;

// Schema migrations, in order: migration i brings user_version from i to i+1.
// Append only; never edit a released migration.
//
// Manifests live in their own table (object_blobs, one row per blob) rather
// than encoded in an objects column: the blob_id index answers "is this blob
// still referenced?" after each mutation, and the orphan sweep at open is a
// plain SELECT, with no decoding of every object.
//
// A completed upload stays in `uploads` as a tombstone (completed_ms set, parts
// deleted) recording the part list and result, so that a retried Complete can
// be answered with the same object.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE buckets (
  name TEXT PRIMARY KEY NOT NULL,
  owner TEXT NOT NULL,
  region TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  acl TEXT NOT NULL
);

CREATE TABLE uploads (
  upload_id TEXT PRIMARY KEY NOT NULL,
  bucket TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
  key TEXT NOT NULL,
  initiator TEXT NOT NULL,
  owner TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  cache_control TEXT NOT NULL,
  content_disposition TEXT NOT NULL,
  content_encoding TEXT NOT NULL,
  content_language TEXT NOT NULL,
  expires TEXT NOT NULL,
  metadata TEXT NOT NULL,
  storage_class TEXT NOT NULL,
  tagging TEXT NOT NULL,
  acl TEXT NOT NULL,
  checksum_algorithm TEXT NOT NULL,
  checksum_type TEXT NOT NULL,
  sse TEXT NOT NULL,
  sse_kms_key_id TEXT NOT NULL,
  completed_ms INTEGER,
  completed_parts TEXT,
  completed_size INTEGER,
  completed_etag TEXT
);
CREATE INDEX uploads_by_key ON uploads(bucket, key, created_ms, upload_id);
CREATE INDEX uploads_by_created ON uploads(created_ms);

CREATE TABLE parts (
  upload_id TEXT NOT NULL REFERENCES uploads(upload_id) ON DELETE CASCADE,
  part_number INTEGER NOT NULL,
  blob_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  md5_hex TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  checksum_algorithm TEXT NOT NULL,
  checksum_value TEXT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);
CREATE INDEX parts_by_blob ON parts(blob_id);

CREATE TABLE objects (
  bucket TEXT NOT NULL REFERENCES buckets(name),
  key TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  owner TEXT NOT NULL,
  content_type TEXT NOT NULL,
  cache_control TEXT NOT NULL,
  content_disposition TEXT NOT NULL,
  content_encoding TEXT NOT NULL,
  content_language TEXT NOT NULL,
  expires TEXT NOT NULL,
  metadata TEXT NOT NULL,
  storage_class TEXT NOT NULL,
  tagging TEXT NOT NULL,
  acl TEXT NOT NULL,
  checksum_algorithm TEXT NOT NULL,
  checksum_type TEXT NOT NULL,
  sse TEXT NOT NULL,
  sse_kms_key_id TEXT NOT NULL,
  parts_count INTEGER NOT NULL,
  checksum_value TEXT NOT NULL,
  upload_id TEXT,
  PRIMARY KEY (bucket, key)
);

CREATE TABLE object_blobs (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  blob_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (bucket, key, seq),
  FOREIGN KEY (bucket, key) REFERENCES objects(bucket, key) ON DELETE CASCADE
);
CREATE INDEX object_blobs_by_blob ON object_blobs(blob_id);
)sql",
    // 2: which creation of a name a bucket is (writes re-check it when they commit).
    R"sql(
ALTER TABLE buckets ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
UPDATE buckets SET generation = (random() & 4611686018427387903) + 1;
)sql",
    // 3: bucket subresource documents (cors, tagging, lifecycle, policy, ...).
    R"sql(
CREATE TABLE bucket_settings (
  bucket TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
  name TEXT NOT NULL,
  document BLOB NOT NULL,
  PRIMARY KEY (bucket, name)
);
CREATE INDEX bucket_settings_by_name ON bucket_settings(name, bucket);
)sql",
};
constexpr int kMigrationCount = static_cast<int>(std::size(kMigrations));
static_assert(kMigrationCount == kRegistrySchemaVersion);

using columns::kAttrColumns;
using columns::kAttrCount;
using columns::kObjectAttrs;
using columns::kObjectChecksum;
using columns::kObjectPartsCount;
using columns::kObjectUploadId;
using columns::kUploadAttrs;
using columns::kUploadCompletedEtag;
using columns::kUploadCompletedMs;
using columns::kUploadCompletedParts;
using columns::kUploadCompletedSize;

// Numbered parameters in this engine's syntax.
std::string Placeholders(int first, int count) { return columns::Placeholders('?', first, count); }

std::string UploadColumns() {
  return "upload_id, bucket, key, initiator, owner, created_ms, " + std::string(kAttrColumns) +
         ", completed_ms, completed_parts, completed_size, completed_etag";
}

std::string ObjectColumns() {
  return "bucket, key, size, etag, last_modified_ms, owner, " + std::string(kAttrColumns) +
         ", parts_count, checksum_value, upload_id";
}

std::string UpsertObjectSql() {
  std::string sql = "INSERT INTO objects (" + ObjectColumns() + ") VALUES (" +
                    Placeholders(1, kObjectUploadId + 1) +
                    ") ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, "
                    "etag = excluded.etag, last_modified_ms = excluded.last_modified_ms, "
                    "owner = excluded.owner, parts_count = excluded.parts_count, "
                    "checksum_value = excluded.checksum_value, upload_id = excluded.upload_id";
  std::string_view rest = kAttrColumns;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view column = rest.substr(0, comma);
    sql += ", ";
    sql += column;
    sql += " = excluded.";
    sql += column;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
  }
  return sql;
}

void BindAttrs(Query& q, int first, const ObjectAttrs& a) {
  q.BindText(first, a.content_type)
      .BindText(first + 1, a.cache_control)
      .BindText(first + 2, a.content_disposition)
      .BindText(first + 3, a.content_encoding)
      .BindText(first + 4, a.content_language)
      .BindText(first + 5, a.expires)
      .BindText(first + 6, EncodeMetadata(a.metadata))
      .BindText(first + 7, a.storage_class)
      .BindText(first + 8, a.tagging)
      .BindText(first + 9, a.acl)
      .BindText(first + 10, a.checksum_algorithm)
      .BindText(first + 11, a.checksum_type)
      .BindText(first + 12, a.sse)
      .BindText(first + 13, a.sse_kms_key_id);
}

ObjectAttrs ReadAttrs(const Query& q, int first) {
  ObjectAttrs a;
  a.content_type = q.Text(first);
  a.cache_control = q.Text(first + 1);
  a.content_disposition = q.Text(first + 2);
  a.content_encoding = q.Text(first + 3);
  a.content_language = q.Text(first + 4);
  a.expires = q.Text(first + 5);
  a.metadata = DecodeMetadata(q.Text(first + 6));
  a.storage_class = q.Text(first + 7);
  a.tagging = q.Text(first + 8);
  a.acl = q.Text(first + 9);
  a.checksum_algorithm = q.Text(first + 10);
  a.checksum_type = q.Text(first + 11);
  a.sse = q.Text(first + 12);
  a.sse_kms_key_id = q.Text(first + 13);
  return a;
}

BucketInfo ReadBucket(const Query& q) {
  BucketInfo b;
  b.name = q.Text(0);
  b.owner = q.Text(1);
  b.region = q.Text(2);
  b.created = q.Int(3);
  b.acl = q.Text(4);
  b.generation = static_cast<uint64_t>(q.Int(5));
  return b;
}

UploadInfo ReadUpload(const Query& q) {
  UploadInfo u;
  u.upload_id = q.Text(0);
  u.bucket = q.Text(1);
  u.key = q.Text(2);
  u.initiator = q.Text(3);
  u.owner = q.Text(4);
  u.created = q.Int(5);
  u.attrs = ReadAttrs(q, kUploadAttrs);
  return u;
}

PartInfo ReadPart(const Query& q) {
  PartInfo p;
  p.part_number = static_cast<int>(q.Int(0));
  p.blob.blob_id = q.Text(1);
  p.blob.size = static_cast<uint64_t>(q.Int(2));
  p.etag = q.Text(3);
  p.md5_hex = q.Text(4);
  p.last_modified = q.Int(5);
  p.checksum_algorithm = q.Text(6);
  p.checksum_value = q.Text(7);
  return p;
}

ObjectInfo ReadObject(const Query& q) {
  ObjectInfo o;
  o.bucket = q.Text(0);
  o.key = q.Text(1);
  o.size = static_cast<uint64_t>(q.Int(2));
  o.etag = q.Text(3);
  o.last_modified = q.Int(4);
  o.owner = q.Text(5);
  o.attrs = ReadAttrs(q, kObjectAttrs);
  o.parts_count = static_cast<int>(q.Int(kObjectPartsCount));
  o.checksum_value = q.Text(kObjectChecksum);
  return o;
}

void BindUpperBound(Query& q, int index, const std::string& prefix) {
  std::optional<std::string> upper = PrefixSuccessor(prefix);
  if (upper) {
    q.BindText(index, *upper);
  } else {
    q.BindEmptyBlob(index);
  }
}

// A LIMIT one past the page, to learn whether the page is truncated.
int64_t PageLimit(int max) { return static_cast<int64_t>(std::max(max, 0)) + 1; }

class SqliteRegistry final : public Registry {
 public:
  static Result<std::unique_ptr<Registry>> Open(const std::string& path, bool fsync,
                                                bool group_commit);
  ~SqliteRegistry() override;

  Task<Status> InsertBucket(const BucketInfo& bucket) override {
    return Call<Status>([&](uint64_t& g) { return InsertBucket(bucket, g); });
  }
  Task<Result<BucketInfo>> GetBucket(const std::string& name) override {
    return Call<Result<BucketInfo>>([&](uint64_t& g) { return GetBucket(name, g); });
  }
  Task<Result<std::vector<BucketInfo>>> ListBuckets(const std::string& owner) override {
    return Call<Result<std::vector<BucketInfo>>>(
        [&](uint64_t& g) { return ListBuckets(owner, g); });
  }
  Task<Status> DeleteBucket(const std::string& name) override {
    return Call<Status>([&](uint64_t& g) { return DeleteBucket(name, g); });
  }
  Task<Result<std::optional<std::string>>> GetBucketSetting(const std::string& bucket,
                                                            const std::string& name) override {
    return Call<Result<std::optional<std::string>>>(
        [&](uint64_t& g) { return GetBucketSetting(bucket, name, g); });
  }
  Task<Status> PutBucketSetting(const std::string& bucket, uint64_t bucket_generation,
                                const std::string& name,
                                const std::optional<std::string>& document) override {
    return Call<Status>([&, bucket_generation](uint64_t& g) {
      return PutBucketSetting(bucket, bucket_generation, name, document, g);
    });
  }
  Task<Result<std::vector<std::pair<std::string, std::string>>>> ListBucketSettings(
      const std::string& name) override {
    return Call<Result<std::vector<std::pair<std::string, std::string>>>>(
        [&](uint64_t& g) { return ListBucketSettings(name, g); });
  }
  Task<Status> InsertUpload(const UploadInfo& upload) override {
    return Call<Status>([&](uint64_t& g) { return InsertUpload(upload, g); });
  }
  Task<Result<UploadInfo>> GetUpload(const std::string& upload_id) override {
    return Call<Result<UploadInfo>>([&](uint64_t& g) { return GetUpload(upload_id, g); });
  }
  Task<Result<ListUploadsResult>> ListUploads(const ListUploadsQuery& q) override {
    return Call<Result<ListUploadsResult>>([&](uint64_t& g) { return ListUploads(q, g); });
  }
  Task<Result<std::vector<std::string>>> ListUploadsCreatedBefore(TimeMs cutoff) override {
    return Call<Result<std::vector<std::string>>>(
        [&, cutoff](uint64_t& g) { return ListUploadsCreatedBefore(cutoff, g); });
  }
  Task<Result<FreedBlobs>> DeleteUpload(const std::string& upload_id) override {
    return Call<Result<FreedBlobs>>([&](uint64_t& g) { return DeleteUpload(upload_id, g); });
  }
  Task<Status> PurgeCompletedUploads(TimeMs cutoff) override {
    return Call<Status>([&, cutoff](uint64_t& g) { return PurgeCompletedUploads(cutoff, g); });
  }
  Task<Result<FreedBlobs>> PutPart(const std::string& upload_id, const PartInfo& part) override {
    return Call<Result<FreedBlobs>>([&](uint64_t& g) { return PutPart(upload_id, part, g); });
  }
  Task<Result<std::vector<PartInfo>>> ListParts(const std::string& upload_id, int marker,
                                                int max_parts, bool* truncated) override {
    return Call<Result<std::vector<PartInfo>>>([&, marker, max_parts, truncated](uint64_t& g) {
      return ListParts(upload_id, marker, max_parts, truncated, g);
    });
  }
  Task<Result<FreedBlobs>> CompleteUpload(const std::string& upload_id,
                                          const std::vector<CompletePart>& listed,
                                          const CompletePlanner& plan) override {
    return Call<Result<FreedBlobs>>(
        [&](uint64_t& g) { return CompleteUpload(upload_id, listed, plan, g); });
  }
  Task<Result<CompletedUpload>> GetCompletedUpload(const std::string& upload_id) override {
    return Call<Result<CompletedUpload>>(
        [&](uint64_t& g) { return GetCompletedUpload(upload_id, g); });
  }
  Task<Result<FreedBlobs>> PutObject(const ObjectInfo& object) override {
    return Call<Result<FreedBlobs>>([&](uint64_t& g) { return PutObject(object, g); });
  }
  Task<Status> PutObjectTagging(const std::string& bucket, const std::string& key,
                                uint64_t bucket_generation, const std::string& tagging) override {
    return Call<Status>([&, bucket_generation](uint64_t& g) {
      return PutObjectTagging(bucket, key, bucket_generation, tagging, g);
    });
  }
  Task<Result<ObjectInfo>> GetObject(const std::string& bucket, const std::string& key) override {
    return Call<Result<ObjectInfo>>([&](uint64_t& g) { return GetObject(bucket, key, g); });
  }
  Task<Result<FreedBlobs>> DeleteObject(const std::string& bucket, const std::string& key,
                                        uint64_t bucket_generation) override {
    return Call<Result<FreedBlobs>>([&, bucket_generation](uint64_t& g) {
      return DeleteObject(bucket, key, bucket_generation, g);
    });
  }
  Task<Result<ListObjectsResult>> ListObjects(const ListObjectsQuery& q) override {
    return Call<Result<ListObjectsResult>>([&](uint64_t& g) { return ListObjects(q, g); });
  }
  Task<Result<std::vector<std::string>>> ReferencedBlobs() override {
    return Call<Result<std::vector<std::string>>>([&](uint64_t& g) { return ReferencedBlobs(g); });
  }
  Task<Status> Reset() override {
    return Call<Status>([&](uint64_t& g) { return Reset(g); });
  }

  // Commits the open group (and, in fsync mode, syncs the WAL); that
  // group's status, OK when nothing was open.
  Status CommitGroup();
  void OnFailedCommit(std::function<void(const FreedBlobs&)> fn) override {
    on_failed_group_ = std::move(fn);
  }

 private:
  Status InsertBucket(const BucketInfo& bucket, uint64_t& touched);
  Result<BucketInfo> GetBucket(const std::string& name, uint64_t& touched);
  Result<std::vector<BucketInfo>> ListBuckets(const std::string& owner, uint64_t& touched);
  Status DeleteBucket(const std::string& name, uint64_t& touched);
  Result<std::optional<std::string>> GetBucketSetting(const std::string& bucket,
                                                      const std::string& name, uint64_t& touched);
  Status PutBucketSetting(const std::string& bucket, uint64_t bucket_generation,
                          const std::string& name, const std::optional<std::string>& document,
                          uint64_t& touched);
  Result<std::vector<std::pair<std::string, std::string>>> ListBucketSettings(
      const std::string& name, uint64_t& touched);
  Status InsertUpload(const UploadInfo& upload, uint64_t& touched);
  Result<UploadInfo> GetUpload(const std::string& upload_id, uint64_t& touched);
  Result<ListUploadsResult> ListUploads(const ListUploadsQuery& q, uint64_t& touched);
  Result<std::vector<std::string>> ListUploadsCreatedBefore(TimeMs cutoff, uint64_t& touched);
  Result<FreedBlobs> DeleteUpload(const std::string& upload_id, uint64_t& touched);
  Status PurgeCompletedUploads(TimeMs cutoff, uint64_t& touched);
  Result<FreedBlobs> PutPart(const std::string& upload_id, const PartInfo& part, uint64_t& touched);
  Result<std::vector<PartInfo>> ListParts(const std::string& upload_id, int marker, int max_parts,
                                          bool* truncated, uint64_t& touched);
  Result<FreedBlobs> CompleteUpload(const std::string& upload_id,
                                    const std::vector<CompletePart>& listed,
                                    const CompletePlanner& plan, uint64_t& touched);
  Result<CompletedUpload> GetCompletedUpload(const std::string& upload_id, uint64_t& touched);
  Result<FreedBlobs> PutObject(const ObjectInfo& object, uint64_t& touched);
  Status PutObjectTagging(const std::string& bucket, const std::string& key,
                          uint64_t bucket_generation, const std::string& tagging,
                          uint64_t& touched);
  Result<ObjectInfo> GetObject(const std::string& bucket, const std::string& key,
                               uint64_t& touched);
  Result<FreedBlobs> DeleteObject(const std::string& bucket, const std::string& key,
                                  uint64_t bucket_generation, uint64_t& touched);
  Result<ListObjectsResult> ListObjects(const ListObjectsQuery& q, uint64_t& touched);
  Result<std::vector<std::string>> ReferencedBlobs(uint64_t& touched);
  Status Reset(uint64_t& touched);

  // Runs `apply` (a sync method above, under mu_), then completes once the
  // group it touched has ended: its result, or the commit's error.
  template <class T, class F>
  Task<T> Call(F apply) {
    if (!committer_) {
      uint64_t none = 0;
      co_return apply(none);
    }
    GroupCommitter::Call call(*committer_);
    uint64_t group = 0;
    T result = apply(group);
    Status committed = co_await call.Committed(group);
    if (!committed.ok()) co_return committed;
    co_return result;
  }
  // How group `id` ended: OK, or the error its commit failed with (every
  // write in it was rolled back); nullopt while it has not ended.
  std::optional<Status> GroupStatus(uint64_t id);
  // Notes in `touched` the open group a write joined (mu_ held).
  void NoteTouchLocked(uint64_t& touched) const {
    if (group_open_) touched = group_id_;
  }
  // mu_ for the data methods. A read does not wait for the open group it
  // may read from (see Registry's contract on reads): only writes note it.
  class DataLock {
   public:
    DataLock(SqliteRegistry* r, uint64_t& /*touched*/) : lock_(r->mu_) {}

   private:
    std::lock_guard<SpinThenSleepMutex> lock_;
  };
  // mu_ for the write methods: also joins (opening if needed) the group.
  class WriteLock : DataLock {
   public:
    WriteLock(SqliteRegistry* r, uint64_t& touched) : DataLock(r, touched) {
      r->JoinGroupLocked(touched);
    }
  };

  // Notes the blobs a write in the open group introduced (for OnFailedGroup).
  void NoteNewBlobsLocked(const std::vector<std::string>& ids) {
    if (group_open_ && on_failed_group_)
      group_blobs_.insert(group_blobs_.end(), ids.begin(), ids.end());
  }

  struct Statements {
    Statement begin, commit, rollback;
    Statement savepoint, release, rollback_to;  // one write inside an open group
    Statement insert_bucket, get_bucket, list_buckets, delete_bucket;
    Statement bucket_has_objects, bucket_has_uploads;
    Statement get_setting, put_setting, delete_setting, list_settings;
    Statement insert_upload, get_upload, list_uploads, upload_created, uploads_created_before;
    Statement delete_upload, purge_completed, mark_completed;
    Statement upsert_part, get_part_blob, list_parts, delete_parts;
    Statement upsert_object, get_object, delete_object, list_objects, set_object_tagging;
    Statement get_manifest, insert_manifest, delete_manifest;
    Statement blob_referenced, referenced_blobs;
  };

  explicit SqliteRegistry(sqlite::DbHandle db) : db_(std::move(db)) {}

  Status Migrate();
  Status PrepareStatements();
  // A write's own atomic unit: a transaction, or a savepoint inside the open group.
  Transaction NewTransaction() {
    if (group_open_) {
      return Transaction(db_.get(), st_.savepoint, st_.release, st_.rollback_to, &st_.release);
    }
    return Transaction(db_.get(), st_.begin, st_.commit, st_.rollback);
  }
  // Write methods call this first (mu_ held, via WriteLock): opens the
  // group's transaction. If BEGIN fails the write runs on its own, committed
  // as before.
  void JoinGroupLocked(uint64_t& touched);
  // The error group `id` failed with, else OK.
  Status FailureOf(uint64_t id);
  Status SyncWal();
  void RewindWalIfLongLocked();
  // Whether the next commit rewinds the WAL (RewindWalIfLongLocked).
  bool RewindDue();
  void WakeCheckpointer();
  void RunCheckpointer();

  // The *Locked helpers expect mu_ held.
  // kNoSuchBucket unless the bucket exists (as `generation`, when non-zero).
  Status CheckBucketLocked(const std::string& name, uint64_t generation = 0);
  Result<std::optional<UploadInfo>> PendingUploadLocked(const std::string& upload_id);
  Result<std::vector<PartInfo>> ListPartsLocked(const std::string& upload_id, int marker,
                                                int64_t limit);
  Result<std::vector<BlobRef>> ManifestLocked(const std::string& bucket, const std::string& key);
  // OK when `object.condition` holds for what is stored at (bucket, key) now:
  // kPreconditionFailed, or kNoSuchKey for If-Match on an absent key.
  Status CheckConditionLocked(const ObjectInfo& object);
  // Replaces the object row and its manifest; adds the replaced object's
  // blob ids to `candidates`.
  Status WriteObjectLocked(const ObjectInfo& object, const std::string& upload_id,
                           std::vector<std::string>* candidates);
  // The candidates no row refers to any more.
  Result<FreedBlobs> UnreferencedLocked(std::vector<std::string> candidates);

  SpinThenSleepMutex mu_;
  sqlite::DbHandle db_;  // declared before st_: statements are finalized first
  Statements st_;

  // Group commit state (guarded by mu_, except as noted).
  bool group_commit_ = false;
  bool fsync_ = false;
  std::string path_;
  int wal_frames_ = 0;  // WAL length after the last commit (mu_)
  bool group_open_ = false;
  uint64_t group_id_ = 0;  // the open group, or the last one
  // Every group up to this one has its final status (set once it is recorded).
  std::atomic<uint64_t> finished_upto_{0};
  std::atomic<bool> ever_failed_{false};  // FailureOf's lock-free common case
  std::vector<std::string> group_blobs_;  // new blobs the open group's rows refer to
  std::function<void(const FreedBlobs&)> on_failed_group_;  // set before any write
  std::vector<std::pair<uint64_t, Status>> failed_groups_;  // the most recent few
  std::mutex commit_mu_;  // one CommitGroup at a time; taken before mu_
  int wal_fd_ = -1;       // guarded by commit_mu_
  // Checkpoints run on their own thread and connection: copying the WAL into
  // the database (and, under --fsync, syncing it) never holds up a commit.
  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  bool ckpt_wanted_ = false, ckpt_stop_ = false;
  std::atomic<bool> rewind_pending_{false};
  std::thread ckpt_thread_;
  // Waits for groups to commit (group commit only). Stopped first.
  std::unique_ptr<GroupCommitter> committer_;
};

Result<std::unique_ptr<Registry>> SqliteRegistry::Open(const std::string& path, bool fsync,
                                                       bool group_commit) {
  sqlite3* raw = nullptr;
  // One connection serialized by mu_, so SQLite's own mutexes are not needed.
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  sqlite::DbHandle db(raw);
  if (rc != SQLITE_OK) return sqlite::ToStatus(db.get(), rc, "open " + path);
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  // foreign_keys is per connection and a no-op inside a transaction: set first.
  Status s = sqlite::ExecScript(
      db.get(), std::string("PRAGMA journal_mode = WAL; ") + "PRAGMA foreign_keys = ON; " +
                    // With group commit, CommitGroup syncs the WAL itself,
                    // outside the registry lock.
                    "PRAGMA synchronous = " + (fsync && !group_commit ? "FULL" : "NORMAL") + ";");
  if (!s.ok()) return s;

  std::unique_ptr<SqliteRegistry> registry(new SqliteRegistry(std::move(db)));
  registry->group_commit_ = group_commit;
  registry->fsync_ = fsync;
  registry->path_ = path;
  if (group_commit) {
    // Checkpoints move out of the commit path: CommitGroup runs them on a
    // second connection, outside the registry lock, while requests go on
    // writing the next group.
    s = sqlite::ExecScript(registry->db_.get(), "PRAGMA wal_autocheckpoint = 0;");
    if (!s.ok()) return s;
    sqlite3_wal_hook(
        registry->db_.get(),
        [](void* self, sqlite3*, const char*, int frames) {
          static_cast<SqliteRegistry*>(self)->wal_frames_ = frames;
          return SQLITE_OK;
        },
        registry.get());
  }
  s = registry->Migrate();
  if (!s.ok()) return s;
  s = registry->PrepareStatements();
  if (!s.ok()) return s;
  if (group_commit) {
    SqliteRegistry* r = registry.get();
    // Without fsync a commit only writes the WAL's new frames to the page
    // cache: the requests' own threads commit, at the end of their turn,
    // except a commit that must first rewind the WAL (a database sync).
    registry->committer_ = std::make_unique<GroupCommitter>(
        [r] { return r->CommitGroup(); }, [r](uint64_t id) { return r->GroupStatus(id); },
        /*in_turn=*/!fsync, [r] { return r->RewindDue(); });
  }
  return std::unique_ptr<Registry>(std::move(registry));
}

Status SqliteRegistry::Migrate() {
  auto begin = Statement::Prepare(db_.get(), "BEGIN IMMEDIATE");
  auto commit = Statement::Prepare(db_.get(), "COMMIT");
  auto rollback = Statement::Prepare(db_.get(), "ROLLBACK");
  auto version = Statement::Prepare(db_.get(), "PRAGMA user_version");
  for (auto* r : {&begin, &commit, &rollback, &version}) {
    if (!r->ok()) return r->status();
  }
  st_.begin = std::move(*begin);
  st_.commit = std::move(*commit);
  st_.rollback = std::move(*rollback);
  auto savepoint = Statement::Prepare(db_.get(), "SAVEPOINT op");
  auto release = Statement::Prepare(db_.get(), "RELEASE op");
  auto rollback_to = Statement::Prepare(db_.get(), "ROLLBACK TO op");
  for (auto* r : {&savepoint, &release, &rollback_to}) {
    if (!r->ok()) return r->status();
  }
  st_.savepoint = std::move(*savepoint);
  st_.release = std::move(*release);
  st_.rollback_to = std::move(*rollback_to);

  // The version is read inside the write transaction so two processes opening
  // a fresh database cannot both apply the same migration.
  Transaction tx = NewTransaction();
  Status s = tx.Begin();
  if (!s.ok()) return s;
  int current = 0;
  {
    Query q(*version);
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    current = *row ? static_cast<int>(q.Int(0)) : 0;
  }
  if (current > kMigrationCount) {
    return Status(ErrorCode::kInternalError, "registry schema version " + std::to_string(current) +
                                                 " is newer than this build supports (" +
                                                 std::to_string(kMigrationCount) + ")");
  }
  if (current == kMigrationCount) return Status::Ok();
  for (int i = current; i < kMigrationCount; ++i) {
    s = sqlite::ExecScript(db_.get(), kMigrations[i]);
    if (!s.ok()) return s;
  }
  s = sqlite::ExecScript(db_.get(), "PRAGMA user_version = " + std::to_string(kMigrationCount));
  if (!s.ok()) return s;
  return tx.Commit();
}

Status SqliteRegistry::PrepareStatements() {
  const std::string upload_columns = UploadColumns();
  const std::string object_columns = ObjectColumns();
  const std::pair<Statement*, std::string> statements[] = {
      {&st_.insert_bucket,
       "INSERT INTO buckets (name, owner, region, created_ms, acl, generation) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (name) DO NOTHING"},
      {&st_.get_bucket,
       "SELECT name, owner, region, created_ms, acl, generation FROM buckets WHERE name = ?1"},
      {&st_.list_buckets,
       "SELECT name, owner, region, created_ms, acl, generation FROM buckets "
       "WHERE ?1 = '' OR owner = ?1 ORDER BY name"},
      {&st_.delete_bucket, "DELETE FROM buckets WHERE name = ?1"},
      {&st_.get_setting, "SELECT document FROM bucket_settings WHERE bucket = ?1 AND name = ?2"},
      {&st_.put_setting,
       "INSERT INTO bucket_settings (bucket, name, document) VALUES (?1, ?2, ?3) "
       "ON CONFLICT (bucket, name) DO UPDATE SET document = excluded.document"},
      {&st_.delete_setting, "DELETE FROM bucket_settings WHERE bucket = ?1 AND name = ?2"},
      {&st_.list_settings,
       "SELECT bucket, document FROM bucket_settings WHERE name = ?1 ORDER BY bucket"},
      {&st_.bucket_has_objects, "SELECT 1 FROM objects WHERE bucket = ?1 LIMIT 1"},
      {&st_.bucket_has_uploads,
       "SELECT 1 FROM uploads WHERE bucket = ?1 AND completed_ms IS NULL LIMIT 1"},
      {&st_.insert_upload,
       "INSERT INTO uploads (upload_id, bucket, key, initiator, owner, created_ms, " +
           std::string(kAttrColumns) + ") VALUES (" + Placeholders(1, 6 + kAttrCount) + ")"},
      {&st_.get_upload, "SELECT " + upload_columns + " FROM uploads WHERE upload_id = ?1"},
      // Within a key, uploads sort by initiation time then id. With an
      // upload-id marker whose upload is known (mode 1), the page resumes
      // right after that upload in this order; for an unknown marker (mode 2)
      // we fall back to AWS's wording, ids lexicographically greater; mode 0
      // skips the marker key entirely.
      {&st_.list_uploads,
       "SELECT " + upload_columns +
           " FROM uploads WHERE bucket = ?1 AND completed_ms IS NULL "
           "AND key >= ?2 AND key < ?3 "
           "AND (key > ?4 OR (key = ?4 AND ((?5 = 1 AND (created_ms, upload_id) > (?6, ?7)) "
           "OR (?5 = 2 AND upload_id > ?7)))) "
           "ORDER BY key, created_ms, upload_id LIMIT ?8"},
      {&st_.upload_created,
       "SELECT created_ms FROM uploads WHERE upload_id = ?1 AND bucket = ?2 AND key = ?3"},
      {&st_.uploads_created_before,
       "SELECT upload_id FROM uploads WHERE created_ms < ?1 AND completed_ms IS NULL "
       "ORDER BY created_ms, upload_id"},
      {&st_.delete_upload, "DELETE FROM uploads WHERE upload_id = ?1"},
      {&st_.purge_completed,
       "DELETE FROM uploads WHERE completed_ms IS NOT NULL AND completed_ms < ?1"},
      {&st_.mark_completed,
       "UPDATE uploads SET completed_ms = ?2, completed_parts = ?3, completed_size = ?4, "
       "completed_etag = ?5 WHERE upload_id = ?1"},
      {&st_.upsert_part,
       "INSERT INTO parts (upload_id, part_number, blob_id, size, etag, md5_hex, "
       "last_modified_ms, checksum_algorithm, checksum_value) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
       "ON CONFLICT (upload_id, part_number) DO UPDATE SET blob_id = excluded.blob_id, "
       "size = excluded.size, etag = excluded.etag, md5_hex = excluded.md5_hex, "
       "last_modified_ms = excluded.last_modified_ms, "
       "checksum_algorithm = excluded.checksum_algorithm, "
       "checksum_value = excluded.checksum_value"},
      {&st_.get_part_blob, "SELECT blob_id FROM parts WHERE upload_id = ?1 AND part_number = ?2"},
      {&st_.list_parts,
       "SELECT part_number, blob_id, size, etag, md5_hex, last_modified_ms, checksum_algorithm, "
       "checksum_value FROM parts WHERE upload_id = ?1 AND part_number > ?2 "
       "ORDER BY part_number LIMIT ?3"},
      {&st_.delete_parts, "DELETE FROM parts WHERE upload_id = ?1"},
      {&st_.upsert_object, UpsertObjectSql()},
      {&st_.get_object,
       "SELECT " + object_columns + " FROM objects WHERE bucket = ?1 AND key = ?2"},
      {&st_.delete_object, "DELETE FROM objects WHERE bucket = ?1 AND key = ?2"},
      {&st_.set_object_tagging, "UPDATE objects SET tagging = ?3 WHERE bucket = ?1 AND key = ?2"},
      // Keys compare bytewise (BINARY collation); the prefix is a byte range,
      // not LIKE, which folds case and gives '%' and '_' meaning. ?2 is the
      // larger of prefix and start-after, ?4 excludes start-after itself.
      {&st_.list_objects,
       "SELECT " + object_columns +
           " FROM objects WHERE bucket = ?1 AND key >= ?2 AND key < ?3 AND key <> ?4 "
           "ORDER BY key LIMIT ?5"},
      {&st_.get_manifest,
       "SELECT blob_id, size FROM object_blobs WHERE bucket = ?1 AND key = ?2 ORDER BY seq"},
      {&st_.insert_manifest,
       "INSERT INTO object_blobs (bucket, key, seq, blob_id, size) VALUES (?1, ?2, ?3, ?4, ?5)"},
      {&st_.delete_manifest, "DELETE FROM object_blobs WHERE bucket = ?1 AND key = ?2"},
      {&st_.blob_referenced,
       "SELECT EXISTS (SELECT 1 FROM parts WHERE blob_id = ?1) "
       "OR EXISTS (SELECT 1 FROM object_blobs WHERE blob_id = ?1)"},
      {&st_.referenced_blobs, "SELECT blob_id FROM parts UNION SELECT blob_id FROM object_blobs"},
  };
  for (const auto& [statement, sql] : statements) {
    Result<Statement> prepared = Statement::Prepare(db_.get(), sql);
    if (!prepared.ok()) return prepared.status();
    *statement = std::move(*prepared);
  }
  return Status::Ok();
}

// --- helpers (mu_ held)

Status SqliteRegistry::CheckBucketLocked(const std::string& name, uint64_t generation) {
  Query q(st_.get_bucket);
  q.BindText(1, name);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return NoSuchBucketError();
  if (generation != 0 && static_cast<uint64_t>(q.Int(5)) != generation) return NoSuchBucketError();
  return Status::Ok();
}

Result<std::optional<UploadInfo>> SqliteRegistry::PendingUploadLocked(
    const std::string& upload_id) {
  Query q(st_.get_upload);
  q.BindText(1, upload_id);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row || !q.IsNull(kUploadCompletedMs)) return std::optional<UploadInfo>();
  return std::optional<UploadInfo>(ReadUpload(q));
}

Result<std::vector<PartInfo>> SqliteRegistry::ListPartsLocked(const std::string& upload_id,
                                                              int marker, int64_t limit) {
  Query q(st_.list_parts);
  q.BindText(1, upload_id).BindInt(2, marker).BindInt(3, limit);
  std::vector<PartInfo> parts;
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return parts;
    parts.push_back(ReadPart(q));
  }
}

Result<std::vector<BlobRef>> SqliteRegistry::ManifestLocked(const std::string& bucket,
                                                            const std::string& key) {
  Query q(st_.get_manifest);
  q.BindText(1, bucket).BindText(2, key);
  std::vector<BlobRef> manifest;
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return manifest;
    manifest.push_back(BlobRef{q.Text(0), static_cast<uint64_t>(q.Int(1))});
  }
}

Status SqliteRegistry::CheckConditionLocked(const ObjectInfo& object) {
  if (object.condition.empty()) return Status::Ok();
  Query q(st_.get_object);
  q.BindText(1, object.bucket).BindText(2, object.key);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (object.condition.if_none_match && *row) return Status(ErrorCode::kPreconditionFailed);
  if (!object.condition.if_match.empty()) {
    if (!*row) return NoSuchKeyError();
    auto bare = [](std::string_view e) {
      if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
      return e;
    };
    if (bare(q.Text(3)) != bare(object.condition.if_match))
      return Status(ErrorCode::kPreconditionFailed);
  }
  return Status::Ok();
}

Status SqliteRegistry::WriteObjectLocked(const ObjectInfo& object, const std::string& upload_id,
                                         std::vector<std::string>* candidates) {
  Result<std::vector<BlobRef>> old = ManifestLocked(object.bucket, object.key);
  if (!old.ok()) return old.status();
  for (const BlobRef& blob : *old) candidates->push_back(blob.blob_id);
  {
    Query q(st_.delete_manifest);
    q.BindText(1, object.bucket).BindText(2, object.key);
    Status s = q.Run();
    if (!s.ok()) return s;
  }
  {
    Query q(st_.upsert_object);
    q.BindText(1, object.bucket)
        .BindText(2, object.key)
        .BindInt(3, static_cast<int64_t>(object.size))
        .BindText(4, object.etag)
        .BindInt(5, object.last_modified)
        .BindText(6, object.owner);
    BindAttrs(q, kObjectAttrs + 1, object.attrs);
    q.BindInt(kObjectPartsCount + 1, object.parts_count)
        .BindText(kObjectChecksum + 1, object.checksum_value);
    if (upload_id.empty()) {
      q.BindNull(kObjectUploadId + 1);
    } else {
      q.BindText(kObjectUploadId + 1, upload_id);
    }
    Status s = q.Run();
    if (!s.ok()) return s;
  }
  for (size_t i = 0; i < object.manifest.size(); ++i) {
    Query q(st_.insert_manifest);
    q.BindText(1, object.bucket)
        .BindText(2, object.key)
        .BindInt(3, static_cast<int64_t>(i))
        .BindText(4, object.manifest[i].blob_id)
        .BindInt(5, static_cast<int64_t>(object.manifest[i].size));
    Status s = q.Run();
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Result<FreedBlobs> SqliteRegistry::UnreferencedLocked(std::vector<std::string> candidates) {
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  FreedBlobs freed;
  for (std::string& id : candidates) {
    Query q(st_.blob_referenced);
    q.BindText(1, id);
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (*row && q.Int(0) == 0) freed.push_back(std::move(id));
  }
  return freed;
}

// --- buckets

Status SqliteRegistry::InsertBucket(const BucketInfo& bucket, uint64_t& touched) {
  WriteLock lock(this, touched);
  Query q(st_.insert_bucket);
  q.BindText(1, bucket.name)
      .BindText(2, bucket.owner)
      .BindText(3, bucket.region)
      .BindInt(4, bucket.created)
      .BindText(5, bucket.acl)
      .BindInt(6, static_cast<int64_t>(bucket.generation));
  Status s = q.Run();
  if (!s.ok()) return s;
  if (sqlite3_changes(db_.get()) == 0) return BucketAlreadyExistsError();
  return Status::Ok();
}

Result<BucketInfo> SqliteRegistry::GetBucket(const std::string& name, uint64_t& touched) {
  DataLock lock(this, touched);
  Query q(st_.get_bucket);
  q.BindText(1, name);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return NoSuchBucketError();
  return ReadBucket(q);
}

Result<std::vector<BucketInfo>> SqliteRegistry::ListBuckets(const std::string& owner,
                                                            uint64_t& touched) {
  DataLock lock(this, touched);
  Query q(st_.list_buckets);
  q.BindText(1, owner);
  std::vector<BucketInfo> buckets;
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return buckets;
    buckets.push_back(ReadBucket(q));
  }
}

Status SqliteRegistry::DeleteBucket(const std::string& name, uint64_t& touched) {
  WriteLock lock(this, touched);
  Transaction tx = NewTransaction();
  Status s = tx.Begin();
  if (!s.ok()) return s;
  s = CheckBucketLocked(name);
  if (!s.ok()) return s;
  for (Statement* check : {&st_.bucket_has_objects, &st_.bucket_has_uploads}) {
    Query q(*check);
    q.BindText(1, name);
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (*row) return BucketNotEmptyError();
  }
  // Completed-upload tombstones go with the bucket (ON DELETE CASCADE).
  Query q(st_.delete_bucket);
  q.BindText(1, name);
  s = q.Run();
  if (!s.ok()) return s;
  return tx.Commit();
}

// --- bucket settings

Result<std::optional<std::string>> SqliteRegistry::GetBucketSetting(const std::string& bucket,
                                                                    const std::string& name,
                                                                    uint64_t& touched) {
  DataLock lock(this, touched);
  Status s = CheckBucketLocked(bucket);
  if (!s.ok()) return s;
  Query q(st_.get_setting);
  q.BindText(1, bucket).BindText(2, name);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(q.Text(0));
}

Status SqliteRegistry::PutBucketSetting(const std::string& bucket, uint64_t bucket_generation,
                                        const std::string& name,
                                        const std::optional<std::string>& document,
                                        uint64_t& touched) {
  WriteLock lock(this, touched);
  Transaction tx = NewTransaction();
  Status s = tx.Begin();
  if (!s.ok()) return s;
  s = CheckBucketLocked(bucket, bucket_generation);
  if (!s.ok()) return s;
  Query q(document ? st_.put_setting : st_.delete_setting);
  q.BindText(1, bucket).BindText(2, name);
  if (document) q.BindText(3, *document);
  s = q.Run();
  if (!s.ok()) return s;
  return tx.Commit();
}

Result<std::vector<std::pair<std::string, std::string>>> SqliteRegistry::ListBucketSettings(
    const std::string& name, uint64_t& touched) {
  DataLock lock(this, touched);
  Query q(st_.list_settings);
  q.BindText(1, name);
  std::vector<std::pair<std::string, std::string>> settings;
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return settings;
    settings.emplace_back(q.Text(0), q.Text(1));
  }
}

// --- uploads

Status SqliteRegistry::InsertUpload(const UploadInfo& upload, uint64_t& touched) {
  WriteLock lock(this, touched);
  Status s = CheckBucketLocked(upload.bucket, upload.bucket_generation);
  if (!s.ok()) return s;
  Query q(st_.insert_upload);
  q.BindText(1, upload.upload_id)
      .BindText(2, upload.bucket)
      .BindText(3, upload.key)
      .BindText(4, upload.initiator)
      .BindText(5, upload.owner)
      .BindInt(6, upload.created);
  BindAttrs(q, kUploadAttrs + 1, upload.attrs);
  s = q.Run();
  if (!s.ok() && sqlite3_extended_errcode(db_.get()) == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Status(ErrorCode::kInvalidArgument, "upload id already in use: " + upload.upload_id);
  }
  return s;
}

Result<UploadInfo> SqliteRegistry::GetUpload(const std::string& upload_id, uint64_t& touched) {
  DataLock lock(this, touched);
  Result<std::optional<UploadInfo>> upload = PendingUploadLocked(upload_id);
  if (!upload.ok()) return upload.status();
  if (!upload->has_value()) return NoSuchUploadError(upload_id);
  return std::move(**upload);
}

Result<ListUploadsResult> SqliteRegistry::ListUploads(const ListUploadsQuery& query,
                                                      uint64_t& touched) {
  DataLock lock(this, touched);
  Status s = CheckBucketLocked(query.bucket);
  if (!s.ok()) return s;

  // See the list_uploads statement for the three marker modes.
  // AWS ignores upload-id-marker without key-marker.
  int mode = 1;
  int64_t after_created = std::numeric_limits<int64_t>::min();
  std::string id_marker;
  if (!query.key_marker.empty()) {
    mode = 0;
    if (!query.upload_id_marker.empty()) {
      id_marker = query.upload_id_marker;
      Query q(st_.upload_created);
      q.BindText(1, query.upload_id_marker).BindText(2, query.bucket).BindText(3, query.key_marker);
      Result<bool> row = q.Step();
      if (!row.ok()) return row.status();
      mode = *row ? 1 : 2;
      if (*row) after_created = q.Int(0);
    }
  }

  Query q(st_.list_uploads);
  q.BindText(1, query.bucket)
      .BindText(2, std::max(query.prefix, query.key_marker))
      .BindText(4, query.key_marker)
      .BindInt(5, mode)
      .BindInt(6, after_created)
      .BindText(7, id_marker)
      .BindInt(8, PageLimit(query.max_uploads));
  BindUpperBound(q, 3, query.prefix);
  ListUploadsResult result;
  const size_t max = static_cast<size_t>(std::max(query.max_uploads, 0));
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (result.uploads.size() == max) {
      result.truncated = true;
      break;
    }
    result.uploads.push_back(ReadUpload(q));
  }
  return result;
}

Result<std::vector<std::string>> SqliteRegistry::ListUploadsCreatedBefore(TimeMs cutoff,
                                                                          uint64_t& touched) {
  DataLock lock(this, touched);
  Query q(st_.uploads_created_before);
  q.BindInt(1, cutoff);
  std::vector<std::string> ids;
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return ids;
    ids.push_back(q.Text(0));
  }
}

Result<FreedBlobs> SqliteRegistry::DeleteUpload(const std::string& upload_id, uint64_t& touched) {
  WriteLock lock(this, touched);
  Transaction tx = NewTransaction();
  Status s = tx.Begin();
  if (!s.ok()) return s;
  Result<std::optional<UploadInfo>> upload = PendingUploadLocked(upload_id);
  if (!upload.ok()) return upload.status();
  if (!upload->has_value()) return NoSuchUploadError(upload_id);
  Result<std::vector<PartInfo>> parts = ListPartsLocked(upload_id, 0, -1);
  if (!parts.ok()) return parts.status();
  std::vector<std::string> candidates;
  for (const PartInfo& part : *parts) candidates.push_back(part.blob.blob_id);
  {
    Query q(st_.delete_upload);  // parts go too (ON DELETE CASCADE)
    q.BindText(1, upload_id);
    s = q.Run();
    if (!s.ok()) return s;
  }
  Result<FreedBlobs> freed = UnreferencedLocked(std::move(candidates));
  if (!freed.ok()) return freed;
  s = tx.Commit();
  if (!s.ok()) return s;
  return freed;
}

Status SqliteRegistry::PurgeCompletedUploads(TimeMs cutoff, uint64_t& touched) {
  WriteLock lock(this, touched);
  Query q(st_.purge_completed);
  q.BindInt(1, cutoff);
  return q.Run();
}

// --- parts

Result<FreedBlobs> SqliteRegistry::PutPart(const std::string& upload_id, const PartInfo& part,
                                           uint64_t& touched) {
  WriteLock lock(this, touched);
  Transaction tx = NewTransaction();
  Status s = tx.Begin();
  if (!s.ok()) return s;
  Result<std::optional<UploadInfo>> upload = PendingUploadLocked(upload_id);
  if (!upload.ok()) return upload.status();
  if (!upload->has_value()) return NoSuchUploadError(upload_id);
  std::vector<std::string> candidates;
  {
    Query q(st_.get_part_blob);
    q.BindText(1, upload_id).BindInt(2, part.part_number);
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (*row) candidates.push_back(q.Text(0));
  }
  {
    Query q(st_.upsert_part);
    q.BindText(1, upload_id)
        .BindInt(2, part.part_number)
        .BindText(3, part.blob.blob_id)
        .BindInt(4, static_cast<int64_t>(part.blob.size))
        .BindText(5, part.etag)
        .BindText(6, part.md5_hex)
        .BindInt(7, part.last_modified)
        .BindText(8, part.checksum_algorithm)
        .BindText(9, part.checksum_value);
    s = q.Run();
    if (!s.ok()) return s;
  }
  Result<FreedBlobs> freed = UnreferencedLocked(std::move(candidates));
  if (!freed.ok()) return freed;
  s = tx.Commit();
  if (!s.ok()) return s;
  NoteNewBlobsLocked({part.blob.blob_id});
  return freed;
}

Result<std::vector<PartInfo>> SqliteRegistry::ListParts(const std::string& upload_id, int marker,
                                                        int max_parts, bool* truncated,
                                                        uint64_t& touched) {
  DataLock lock(this, touched);
  Result<std::optional<UploadInfo>> upload = PendingUploadLocked(upload_id);
  if (!upload.ok()) return upload.status();
  if (!upload->has_value()) return NoSuchUploadError(upload_id);
  Result<std::vector<PartInfo>> parts =
      ListPartsLocked(upload_id, marker, max_parts < 0 ? -1 : PageLimit(max_parts));
  if (!parts.ok()) return parts;
  bool more = max_parts >= 0 && parts->size() > static_cast<size_t>(max_parts);
  if (more) parts->resize(static_cast<size_t>(max_parts));
  if (truncated != nullptr) *truncated = more;
  return parts;
}

// --- completion

Result<FreedBlobs> SqliteRegistry::CompleteUpload(const std::string& upload_id,
                                                  const std::vector<CompletePart>& listed,
                                                  const CompletePlanner& plan, uint64_t& touched) {
  WriteLock lock(this, touched);
  Transaction tx = NewTransaction();
  Status s = tx.Begin();
  if (!s.ok()) return s;
  Result<std::optional<UploadInfo>> upload = PendingUploadLocked(upload_id);
  if (!upload.ok()) return upload.status();
  if (!upload->has_value()) return NoSuchUploadError(upload_id);
  Result<std::vector<PartInfo>> parts = ListPartsLocked(upload_id, 0, -1);
  if (!parts.ok()) return parts.status();
  Result<ObjectInfo> object = plan(**upload, *parts);
  if (!object.ok()) return object.status();
  s = CheckConditionLocked(*object);
  if (!s.ok()) return s;

  std::vector<std::string> candidates;
  for (const PartInfo& part : *parts) candidates.push_back(part.blob.blob_id);
  s = WriteObjectLocked(*object, upload_id, &candidates);
  if (!s.ok()) return s;
  {
    Query q(st_.delete_parts);
    q.BindText(1, upload_id);
    s = q.Run();
    if (!s.ok()) return s;
  }
  {
    Query q(st_.mark_completed);
    q.BindText(1, upload_id)
        .BindInt(2, object->last_modified)
        .BindText(3, EncodeCompletedParts(listed))
        .BindInt(4, static_cast<int64_t>(object->size))
        .BindText(5, object->etag);
    s = q.Run();
    if (!s.ok()) return s;
  }
  Result<FreedBlobs> freed = UnreferencedLocked(std::move(candidates));
  if (!freed.ok()) return freed;
  s = tx.Commit();
  if (!s.ok()) return s;
  return freed;
}

Result<CompletedUpload> SqliteRegistry::GetCompletedUpload(const std::string& upload_id,
                                                           uint64_t& touched) {
  DataLock lock(this, touched);
  CompletedUpload done;
  {
    Query q(st_.get_upload);
    q.BindText(1, upload_id);
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row || q.IsNull(kUploadCompletedMs)) return NoSuchUploadError(upload_id);
    UploadInfo upload = ReadUpload(q);
    done.parts = DecodeCompletedParts(q.Text(kUploadCompletedParts));
    done.object.bucket = upload.bucket;
    done.object.key = upload.key;
    done.object.size = static_cast<uint64_t>(q.Int(kUploadCompletedSize));
    done.object.etag = q.Text(kUploadCompletedEtag);
    done.object.last_modified = q.Int(kUploadCompletedMs);
    done.object.owner = upload.owner;
    done.object.attrs = std::move(upload.attrs);
    done.object.parts_count = static_cast<int>(done.parts.size());
  }
  Query q(st_.get_object);
  q.BindText(1, done.object.bucket).BindText(2, done.object.key);
  Result<bool> row = q.Step();
  if (!row.ok()) return row.status();
  if (*row && q.Text(kObjectUploadId) == upload_id) {
    done.object = ReadObject(q);
    Result<std::vector<BlobRef>> manifest = ManifestLocked(done.object.bucket, done.object.key);
    if (!manifest.ok()) return manifest.status();
    done.object.manifest = std::move(*manifest);
  }
  return done;
}

// --- objects

Result<FreedBlobs> SqliteRegistry::PutObject(const ObjectInfo& object, uint64_t& touched) {
  WriteLock lock(this, touched);
  Transaction tx = NewTransaction();
  Status s = tx.Begin();
  if (!s.ok()) return s;
  s = CheckBucketLocked(object.bucket, object.bucket_generation);
  if (!s.ok()) return s;
  s = CheckConditionLocked(object);
  if (!s.ok()) return s;
  std::vector<std::string> candidates;
  s = WriteObjectLocked(object, "", &candidates);
  if (!s.ok()) return s;
  Result<FreedBlobs> freed = UnreferencedLocked(std::move(candidates));
  if (!freed.ok()) return freed;
  s = tx.Commit();
  if (!s.ok()) return s;
  std::vector<std::string> added;
  added.reserve(object.manifest.size());
  for (const BlobRef& blob : object.manifest) added.push_back(blob.blob_id);
  NoteNewBlobsLocked(added);
  return freed;
}

Status SqliteRegistry::PutObjectTagging(const std::string& bucket, const std::string& key,
                                        uint64_t bucket_generation, const std::string& tagging,
                                        uint64_t& touched) {
  WriteLock lock(this, touched);
  Transaction tx = NewTransaction();
  Status s = tx.Begin();
  if (!s.ok()) return s;
  s = CheckBucketLocked(bucket, bucket_generation);
  if (!s.ok()) return s;
  Query q(st_.set_object_tagging);
  q.BindText(1, bucket).BindText(2, key).BindText(3, tagging);
  s = q.Run();
  if (!s.ok()) return s;
  if (sqlite3_changes(db_.get()) == 0) return NoSuchKeyError();
  return tx.Commit();
}

Result<ObjectInfo> SqliteRegistry::GetObject(const std::string& bucket, const std::string& key,
                                             uint64_t& touched) {
  DataLock lock(this, touched);
  Status s = CheckBucketLocked(bucket);
  if (!s.ok()) return s;
  ObjectInfo object;
  {
    Query q(st_.get_object);
    q.BindText(1, bucket).BindText(2, key);
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return NoSuchKeyError();
    object = ReadObject(q);
  }
  Result<std::vector<BlobRef>> manifest = ManifestLocked(bucket, key);
  if (!manifest.ok()) return manifest.status();
  object.manifest = std::move(*manifest);
  return object;
}

Result<FreedBlobs> SqliteRegistry::DeleteObject(const std::string& bucket, const std::string& key,
                                                uint64_t bucket_generation, uint64_t& touched) {
  WriteLock lock(this, touched);
  Transaction tx = NewTransaction();
  Status s = tx.Begin();
  if (!s.ok()) return s;
  s = CheckBucketLocked(bucket, bucket_generation);
  if (!s.ok()) return s;
  Result<std::vector<BlobRef>> manifest = ManifestLocked(bucket, key);
  if (!manifest.ok()) return manifest.status();
  std::vector<std::string> candidates;
  for (const BlobRef& blob : *manifest) candidates.push_back(blob.blob_id);
  for (Statement* statement : {&st_.delete_manifest, &st_.delete_object}) {
    Query q(*statement);
    q.BindText(1, bucket).BindText(2, key);
    s = q.Run();
    if (!s.ok()) return s;
  }
  Result<FreedBlobs> freed = UnreferencedLocked(std::move(candidates));
  if (!freed.ok()) return freed;
  s = tx.Commit();
  if (!s.ok()) return s;
  return freed;
}

Result<ListObjectsResult> SqliteRegistry::ListObjects(const ListObjectsQuery& query,
                                                      uint64_t& touched) {
  DataLock lock(this, touched);
  Status s = CheckBucketLocked(query.bucket);
  if (!s.ok()) return s;
  Query q(st_.list_objects);
  q.BindText(1, query.bucket)
      .BindText(2, std::max(query.prefix, query.start_after))
      .BindText(4, query.start_after)
      .BindInt(5, PageLimit(query.max_keys));
  BindUpperBound(q, 3, query.prefix);
  ListObjectsResult result;
  const size_t max = static_cast<size_t>(std::max(query.max_keys, 0));
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (result.objects.size() == max) {
      result.truncated = true;
      break;
    }
    result.objects.push_back(ReadObject(q));
  }
  return result;
}

// --- maintenance

Result<std::vector<std::string>> SqliteRegistry::ReferencedBlobs(uint64_t& touched) {
  DataLock lock(this, touched);
  Query q(st_.referenced_blobs);
  std::vector<std::string> ids;
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return ids;
    ids.push_back(q.Text(0));
  }
}

Status SqliteRegistry::Reset(uint64_t& touched) {
  WriteLock lock(this, touched);
  Transaction tx = NewTransaction();
  Status s = tx.Begin();
  if (!s.ok()) return s;
  s = sqlite::ExecScript(db_.get(),
                         "DELETE FROM object_blobs; DELETE FROM objects; DELETE FROM parts; "
                         "DELETE FROM uploads; DELETE FROM bucket_settings; DELETE FROM buckets;");
  if (!s.ok()) return s;
  return tx.Commit();
}

// --- group commit

SqliteRegistry::~SqliteRegistry() {
  if (committer_) committer_->Stop();  // the last commit
  static_cast<void>(CommitGroup());
  if (ckpt_thread_.joinable()) {
    {
      std::lock_guard lock(ckpt_mu_);
      ckpt_stop_ = true;
    }
    ckpt_cv_.notify_one();
    ckpt_thread_.join();
  }
  if (wal_fd_ >= 0) ::close(wal_fd_);
  // The main connection, closing last, checkpoints and removes the WAL.
}

// WAL upkeep. A background thread copies the WAL into the database on its
// own connection (PASSIVE), outside the registry lock, once it passes
// kBackgroundFrames. But a writer that never pauses keeps the WAL from ever
// being copied entirely, and SQLite rewinds it only then: so past
// kRewindFrames, the commit itself finishes the copy right after COMMIT,
// while no group can be open (mu_ held: usually a few frames plus one
// database sync), and the next group starts the WAL from its beginning.
// Each checkpoint syncs the WAL and the database, and copies a page once
// however often it changed since the last: fewer, larger ones cost less CPU
// per write (creates at 64 connections: about 3 % less than at 2,000/4,000
// frames), for a WAL of up to about 64 MiB under a steady write load.
constexpr int kBackgroundFrames = 8000;  // 32 MiB of 4 KiB pages
constexpr int kRewindFrames = 16000;

void SqliteRegistry::RewindWalIfLongLocked() {
  if (wal_frames_ < kRewindFrames) return;
  // The background thread starts no new pass meanwhile; one in progress makes
  // this BUSY, and the next commit tries again.
  rewind_pending_ = true;
  int log = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_.get(), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  if (rc == SQLITE_OK && copied == log) {
    wal_frames_ = 0;
    rewind_pending_ = false;
  }
}

bool SqliteRegistry::RewindDue() {
  std::lock_guard lock(mu_);
  return wal_frames_ >= kRewindFrames;
}

void SqliteRegistry::WakeCheckpointer() {
  {
    std::lock_guard lock(mu_);
    if (wal_frames_ < kBackgroundFrames || rewind_pending_) return;
  }
  std::lock_guard lock(ckpt_mu_);
  ckpt_wanted_ = true;
  if (!ckpt_thread_.joinable()) ckpt_thread_ = std::thread([this] { RunCheckpointer(); });
  ckpt_cv_.notify_one();
}

void SqliteRegistry::RunCheckpointer() {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  sqlite::DbHandle db(raw);
  if (rc != SQLITE_OK) return;  // the WAL then only grows; the next open checkpoints it
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  // A connection learns the database is in WAL mode by reading it; until then
  // a checkpoint is a no-op. NORMAL: the WAL is synced before and the database
  // after each checkpoint. (OFF was measured slower: without the sync pauses
  // the checkpointer competes with the request threads for the CPU, and p99
  // latency at 64 connections tripled.)
  if (!sqlite::ExecScript(db.get(),
                          "SELECT 1 FROM sqlite_master LIMIT 1; PRAGMA synchronous = NORMAL;")
           .ok()) {
    return;
  }
  for (;;) {
    {
      std::unique_lock lock(ckpt_mu_);
      ckpt_cv_.wait(lock, [this] { return ckpt_stop_ || ckpt_wanted_; });
      if (ckpt_stop_) return;
      ckpt_wanted_ = false;
    }
    if (rewind_pending_) continue;  // the commit path is finishing the copy
    // PASSIVE: copies what no reader still needs and never waits for the
    // writer; the WAL rewinds once a checkpoint has copied all of it.
    static_cast<void>(
        sqlite3_wal_checkpoint_v2(db.get(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr));
  }
}

void SqliteRegistry::JoinGroupLocked(uint64_t& touched) {
  if (!group_commit_) return;
  if (!group_open_ && Query(st_.begin).Run().ok()) {
    group_open_ = true;
    ++group_id_;
  }
  NoteTouchLocked(touched);
}

std::optional<Status> SqliteRegistry::GroupStatus(uint64_t id) {
  if (id > finished_upto_.load(std::memory_order_acquire)) return std::nullopt;
  return FailureOf(id);
}

Status SqliteRegistry::SyncWal() {
  const std::string wal_path = path_ + "-wal";
  if (wal_fd_ < 0) {
    wal_fd_ = ::open(wal_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0) return Status(ErrorCode::kInternalError, "open " + wal_path + " failed");
  }
  if (::fdatasync(wal_fd_) != 0) {
    return Status(ErrorCode::kInternalError, "fdatasync " + wal_path + " failed");
  }
  return Status::Ok();
}

Status SqliteRegistry::CommitGroup() {
  std::lock_guard commit_lock(commit_mu_);
  uint64_t id = 0;
  Status s;
  FreedBlobs orphans;
  {
    std::lock_guard lock(mu_);
    if (!group_open_) return Status::Ok();
    id = group_id_;
    group_open_ = false;
    std::vector<std::string> added;
    added.swap(group_blobs_);
    if (sqlite3_get_autocommit(db_.get()) != 0) {
      // An I/O error or a full disk already rolled the whole group back.
      s = Status(ErrorCode::kInternalError, "registry transaction was rolled back");
    } else {
      SpinThenSleepMutex::LongHold writing_wal(mu_);
      s = Query(st_.commit).Run();
      if (s.ok()) {
        RewindWalIfLongLocked();
      } else if (sqlite3_get_autocommit(db_.get()) == 0) {
        static_cast<void>(Query(st_.rollback).Run());
      }
    }
    if (!s.ok() && !added.empty()) {
      // Checked against what is committed now: after an automatic rollback
      // mid-group, later writes ran (and committed) on their own.
      Result<FreedBlobs> unreferenced = UnreferencedLocked(std::move(added));
      if (unreferenced.ok()) orphans = std::move(*unreferenced);
    }
  }
  // The WAL is synced outside mu_: requests keep writing the next group meanwhile.
  if (s.ok() && fsync_) s = SyncWal();
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    ever_failed_.store(true, std::memory_order_release);
    failed_groups_.emplace_back(id, s);
    constexpr size_t kKeepFailures = 64;
    if (failed_groups_.size() > kKeepFailures) failed_groups_.erase(failed_groups_.begin());
  }
  finished_upto_.store(id, std::memory_order_release);  // after the failure is on record
  if (!s.ok()) {
    if (!orphans.empty()) on_failed_group_(orphans);
    return s;
  }
  WakeCheckpointer();
  return Status::Ok();
}

Status SqliteRegistry::FailureOf(uint64_t id) {
  if (!ever_failed_.load(std::memory_order_acquire)) return Status::Ok();
  std::lock_guard lock(mu_);
  for (const auto& [failed, status] : failed_groups_) {
    if (failed == id) return status;
  }
  return Status::Ok();
}

void AppendEscaped(std::string_view in, std::string* out) {
  for (char c : in) {
    if (c == '%' || c == '&' || c == '=') {
      unsigned char u = static_cast<unsigned char>(c);
      *out += '%';
      *out += common::kUpperHexDigits[u >> 4];
      *out += common::kUpperHexDigits[u & 0xf];
    } else {
      *out += c;
    }
  }
}

std::string Unescape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && common::HexDigitValue(in[i + 1]) >= 0 &&
        common::HexDigitValue(in[i + 2]) >= 0) {
      out += static_cast<char>(common::HexDigitValue(in[i + 1]) * 16 +
                               common::HexDigitValue(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

}  // namespace

// "1:<etag>,2:<etag>". Recorded etags are the parts' hex MD5s, so neither
// separator can occur inside one.
std::string EncodeCompletedParts(const std::vector<CompletePart>& parts) {
  std::string out;
  for (const CompletePart& p : parts) {
    if (!out.empty()) out += ',';
    out += std::to_string(p.part_number) + ':' + p.etag;
  }
  return out;
}

std::vector<CompletePart> DecodeCompletedParts(std::string_view encoded) {
  std::vector<CompletePart> parts;
  while (!encoded.empty()) {
    size_t comma = encoded.find(',');
    std::string_view item = encoded.substr(0, comma);
    size_t colon = item.find(':');
    CompletePart p;
    p.part_number = std::atoi(std::string(item.substr(0, colon)).c_str());
    if (colon != std::string_view::npos) p.etag = std::string(item.substr(colon + 1));
    parts.push_back(std::move(p));
    encoded = comma == std::string_view::npos ? std::string_view() : encoded.substr(comma + 1);
  }
  return parts;
}

// The smallest string greater than every string starting with `prefix`, or
// nullopt when there is none (empty prefix, or only 0xff bytes).
std::optional<std::string> PrefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

Result<std::unique_ptr<Registry>> OpenSqliteRegistry(const std::string& path, bool fsync,
                                                     bool group_commit) {
  return SqliteRegistry::Open(path, fsync, group_commit);
}

std::string EncodeMetadata(const std::vector<std::pair<std::string, std::string>>& metadata) {
  std::string out;
  for (size_t i = 0; i < metadata.size(); ++i) {
    if (i > 0) out += '&';
    AppendEscaped(metadata[i].first, &out);
    out += '=';
    AppendEscaped(metadata[i].second, &out);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> DecodeMetadata(std::string_view encoded) {
  std::vector<std::pair<std::string, std::string>> metadata;
  if (encoded.empty()) return metadata;
  for (;;) {
    size_t amp = encoded.find('&');
    std::string_view item = encoded.substr(0, amp);
    size_t eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    metadata.emplace_back(Unescape(name), Unescape(value));
    if (amp == std::string_view::npos) return metadata;
    encoded = encoded.substr(amp + 1);
  }
}

}  // namespace s2lite::storage
