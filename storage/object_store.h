#pragma once

// The S3-semantic store: buckets, multipart uploads, parts and objects,
// implemented once over a Registry (metadata) and a BlobStore (bytes).
// Thread-safe.
//
// The commit contract, stated here once: every call that completes OK has
// made its effect durable to the configured level (it survives kill -9 and
// restart; with fsync, power loss too), for every caller, with no
// bookkeeping by the caller. There is nothing to commit, flush or wait for
// afterwards. A read sees every write whose call has completed (and may see
// one still being committed, which fails only on an I/O error or a full
// disk: reads never wait for a commit).
//
// Calls are Tasks (storage/task.h): `co_await store.PutObject(o)` from a
// coroutine on any Asio executor. A call that must wait (for its group's
// commit in the SQLite backend, for a round trip in a network-database
// backend) suspends the caller and resumes it on the caller's executor, so it
// never holds an I/O thread. Code that has no event loop (start-up, the
// embedding API, tests) uses Sync() or SyncStore (storage/sync_store.h).
// Arguments are taken by reference: keep them alive until the call is done
// (natural with `co_await store.X(...)`; do not store the Task).
//
// NewBlob and OpenBlob stay synchronous: they open local files (the blob
// store), never wait for a commit.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "s2lite/status.h"
#include "storage/blob_store.h"
#include "storage/task.h"
#include "storage/types.h"

namespace s2lite::storage {

struct ListUploadsQuery {
  std::string bucket;
  std::string prefix;
  std::string key_marker;
  std::string upload_id_marker;
  int max_uploads = 1000;
};
struct ListUploadsResult {
  // Sorted by key, then initiation time (then id). At most max_uploads.
  std::vector<UploadInfo> uploads;
  bool truncated = false;
};

struct ListObjectsQuery {
  std::string bucket;
  std::string prefix;
  std::string start_after;  // exclusive (marker / start-after / continuation)
  int max_keys = 1000;
};
struct ListObjectsResult {
  std::vector<ObjectInfo> objects;  // sorted by key (byte order); manifest not filled
  bool truncated = false;
};

struct CompletePart {
  int part_number = 0;
  std::string etag;  // as given by the client, already unquoted (hex md5)
};

struct StoreOptions {
  // Directory for s2lite.db and blobs/; ignored if in_memory.
  std::string data_dir;
  bool in_memory = false;
  bool fsync = false;
  // Concurrent writes share commits (file-backed only): the SQLite backend
  // keeps one transaction open for the writes of concurrent calls and
  // completes each call once that transaction is committed. Invisible to
  // callers but for throughput (and, for a lone caller, nothing).
  bool group_commit = false;
  // The current time, in ms since the epoch, for the dates the store stamps
  // (bucket creation, upload initiation, parts, objects). Default: the
  // system clock.
  std::function<TimeMs()> now;
  // Told about what opening found and mended (a data directory readable by
  // other users), and about a network registry's lost and regained
  // connections. Optional.
  std::function<void(const std::string&)> warn;
  // With a shared registry (several daemons): the longest a read of an
  // object's bytes may last, from GetObjectForRead to its last byte (a GET,
  // a copy); ObjectReader fails past it. Freed blobs are removed a grace
  // period after they were freed (SweepBlobs), which must exceed this bound
  // so that no read is cut short by a removal. 0 = unbounded. Ignored by a
  // single-process store, whose readers hold their blobs (see LeasedObject).
  TimeMs max_read_ms = 0;
  // Empty: the SQLite registry `<data_dir>/s2lite.db` (or in memory).
  // Otherwise a PostgreSQL connection string (`postgresql://...` URI or
  // `host=... dbname=...`), shared by several daemons over one blob
  // directory: blobs stay in `<data_dir>/blobs`, the directory is not locked
  // and no orphans are removed at open (the leader's sweeper does that).
  std::string registry;
  // PostgreSQL registry only: pooled connections (the server opens 4 per I/O
  // thread), and how long a call may wait for a connection or an answer
  // before failing with kSlowDown.
  int registry_connections = 8;
  int registry_timeout_ms = 5000;
};

// What one SweepBlobs call removed.
struct BlobSweep {
  int tombstoned = 0;  // freed blobs whose grace period was over
  int orphans = 0;     // unreferenced, untombstoned files older than the grace period
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // --- buckets
  // kBucketAlreadyOwnedByYou when `owner` already owns it, kBucketAlreadyExists
  // when someone else does.
  virtual Task<Status> CreateBucket(const BucketInfo& bucket) = 0;
  virtual Task<Result<BucketInfo>> GetBucket(const std::string& name) = 0;
  // Sorted by name. Empty owner = all buckets.
  virtual Task<Result<std::vector<BucketInfo>>> ListBuckets(const std::string& owner) = 0;
  // kNoSuchBucket, kBucketNotEmpty (objects or pending uploads remain).
  virtual Task<Status> DeleteBucket(const std::string& name) = 0;

  // --- bucket settings (see Registry::GetBucketSetting / PutBucketSetting)
  // nullopt when `name` is not configured. kNoSuchBucket.
  virtual Task<Result<std::optional<std::string>>> GetBucketSetting(const std::string& bucket,
                                                                    const std::string& name) = 0;
  // Stores, or removes when nullopt. kNoSuchBucket (also another generation
  // when `bucket_generation` is non-zero).
  virtual Task<Status> PutBucketSetting(const std::string& bucket, uint64_t bucket_generation,
                                        const std::string& name,
                                        const std::optional<std::string>& document) = 0;
  // (bucket, document) for every bucket with `name` configured, by bucket.
  virtual Task<Result<std::vector<std::pair<std::string, std::string>>>> ListBucketSettings(
      const std::string& name) = 0;

  // --- multipart uploads
  // Records a pending upload. upload.upload_id must be set (unique).
  // kNoSuchBucket if the bucket is missing or is not the generation
  // upload.bucket_generation names (when set).
  virtual Task<Status> CreateUpload(const UploadInfo& upload) = 0;
  // kNoSuchUpload when unknown or finished.
  virtual Task<Result<UploadInfo>> GetUpload(const std::string& upload_id) = 0;
  virtual Task<Result<ListUploadsResult>> ListUploads(const ListUploadsQuery& q) = 0;
  // New blob for a part or object body.
  virtual Result<std::unique_ptr<BlobWriter>> NewBlob() = 0;
  // Records a part whose bytes are in `part.blob`. Replaces (and removes the
  // bytes of) an earlier part with the same number. kNoSuchUpload if the upload
  // is gone (the blob is then removed).
  virtual Task<Status> PutPart(const std::string& upload_id, const PartInfo& part) = 0;
  // Parts with number > marker, ascending, at most max_parts.
  virtual Task<Result<std::vector<PartInfo>>> ListParts(const std::string& upload_id, int marker,
                                                        int max_parts, bool* truncated) = 0;
  // Validates the list (kInvalidPartOrder, kInvalidPart, kEntityTooSmall with
  // min_part_size, kInvalidRequest when empty), then atomically turns the
  // upload into the object at (bucket, key): the object refers to the listed
  // parts' blobs (no byte copy); unlisted parts and any replaced object's
  // blobs are removed. ETag = "<md5 of concatenated binary part md5s>-<N>".
  // If the upload already completed with the same part list, returns the
  // same object (idempotent retry). `checksum_value` becomes the object's
  // checksum_value (the multipart checksum the caller derived from the listed
  // parts, e.g. "<base64>-3"; "" for none).
  // `condition` (If-None-Match / If-Match) is checked against the object at
  // the upload's key in the transaction that completes it: kPreconditionFailed
  // or kNoSuchKey (see Registry::PutObject), the upload then stays pending.
  virtual Task<Result<ObjectInfo>> CompleteUpload(const std::string& upload_id,
                                                  const std::vector<CompletePart>& parts,
                                                  uint64_t min_part_size,
                                                  const std::string& checksum_value,
                                                  const WriteCondition& condition) = 0;
  Task<Result<ObjectInfo>> CompleteUpload(const std::string& upload_id,
                                          const std::vector<CompletePart>& parts,
                                          uint64_t min_part_size,
                                          const std::string& checksum_value) {
    co_return co_await CompleteUpload(upload_id, parts, min_part_size, checksum_value,
                                      WriteCondition());
  }
  // The same, for an upload without a flexible checksum.
  Task<Result<ObjectInfo>> CompleteUpload(const std::string& upload_id,
                                          const std::vector<CompletePart>& parts,
                                          uint64_t min_part_size) {
    co_return co_await CompleteUpload(upload_id, parts, min_part_size, std::string());
  }
  // Removes the upload and its parts' bytes. kNoSuchUpload if unknown.
  virtual Task<Status> AbortUpload(const std::string& upload_id) = 0;
  // Aborts uploads created before `cutoff`; returns how many.
  virtual Task<Result<int>> AbortUploadsOlderThan(TimeMs cutoff) = 0;

  // --- objects
  // Stores (or replaces) an object whose bytes are object.manifest (one blob).
  // kNoSuchBucket (the blobs are then removed) when the bucket is missing or
  // is not the generation object.bucket_generation names (when set);
  // kPreconditionFailed / kNoSuchKey when object.condition does not hold
  // (checked atomically with the write; the blobs are removed).
  virtual Task<Status> PutObject(const ObjectInfo& object) = 0;
  // Replaces an existing object's tags (raw x-amz-tagging query form; "" =
  // none) without rewriting it. kNoSuchBucket (as PutObject), kNoSuchKey.
  virtual Task<Status> PutObjectTagging(const std::string& bucket, const std::string& key,
                                        uint64_t bucket_generation, const std::string& tagging) = 0;
  // kNoSuchKey. Manifest filled.
  virtual Task<Result<ObjectInfo>> GetObject(const std::string& bucket, const std::string& key) = 0;
  // OK also when absent (S3 semantics). kNoSuchBucket when the bucket is
  // missing or, for a non-zero `bucket_generation`, is another generation.
  virtual Task<Status> DeleteObject(const std::string& bucket, const std::string& key,
                                    uint64_t bucket_generation) = 0;
  Task<Status> DeleteObject(const std::string& bucket, const std::string& key) {
    co_return co_await DeleteObject(bucket, key, 0);
  }
  virtual Task<Result<ListObjectsResult>> ListObjects(const ListObjectsQuery& q) = 0;
  virtual Result<std::unique_ptr<BlobReader>> OpenBlob(const std::string& blob_id) = 0;

  // GetObject for streaming its bytes: while `lease` is held, the blobs of
  // `info.manifest` stay readable even if the object is replaced or deleted
  // meanwhile (their removal waits for the last lease), as a GET in flight on
  // S3 completes with the version it started with.
  // With a shared registry the lease guards nothing across daemons: the
  // bytes stay for a grace period instead, and the read must end before
  // `read_deadline` (StoreOptions::max_read_ms).
  struct LeasedObject {
    ObjectInfo info;
    std::shared_ptr<const void> lease;
    std::chrono::steady_clock::time_point read_deadline =
        std::chrono::steady_clock::time_point::max();
  };
  virtual Task<Result<LeasedObject>> GetObjectForRead(const std::string& bucket,
                                                      const std::string& key) = 0;

  // --- several daemons on one registry (see Registry::shared)
  // Whether other daemons share the registry and the blob directory.
  virtual bool shared() const = 0;
  // A shared store never removes bytes as it frees them. This sweep, run by
  // one daemon at a time (the lease holder), removes (1) the blobs freed at
  // least `grace_ms` ago by the registry's clock, in bounded batches, and
  // forgets their tombstones; (2) files (temporary ones included) last
  // modified at least `grace_ms` ago by the store's clock that no row refers
  // to and that are not tombstoned: a killed writer's or a failed commit's.
  // A single-process store does nothing (it removes bytes as it frees them
  // and orphans at open).
  virtual Task<Result<BlobSweep>> SweepBlobs(TimeMs grace_ms) = 0;
  // The registry's lease (Registry::AcquireLease / ReleaseLease).
  virtual Task<Result<bool>> AcquireLease(const std::string& name, const std::string& holder,
                                          TimeMs ttl_ms) = 0;
  virtual Task<Status> ReleaseLease(const std::string& name, const std::string& holder) = 0;

  // --- maintenance
  // Empties everything (tests).
  virtual Task<Status> Reset() = 0;
  // False while the registry is unreachable (a network database; see
  // Registry::healthy). Cheap, never waits.
  virtual bool healthy() const { return true; }
  // Registry::Probe: healthy(), trying the registry again when it is not.
  virtual Task<bool> Probe() { co_return healthy(); }
};

class Registry;
// The store over `registry` and `blobs` (OpenObjectStore's last step; tests
// pass a registry of their own). A registry that is not shared() has its
// orphan blobs removed here; a shared one's are left to SweepBlobs.
Result<std::unique_ptr<ObjectStore>> NewObjectStore(std::unique_ptr<Registry> registry,
                                                    std::unique_ptr<BlobStore> blobs,
                                                    const StoreOptions& options);

// Opens (creating if needed) the store: SQLite registry `s2lite.db` in WAL
// mode + file blobs under `<data_dir>/blobs`, or `:memory:` + memory blobs,
// or (options.registry set) a PostgreSQL registry + file blobs under
// `<data_dir>/blobs`. Runs schema migrations and, but for PostgreSQL,
// removes orphan blobs left by a crash.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const StoreOptions& options);

}  // namespace s2lite::storage
