#pragma once

// The metadata half of the store: buckets, multipart uploads, parts and
// objects. The registry knows nothing of bytes; it records blob ids and, when a
// mutation drops the last reference to a blob, returns that id so the caller
// can remove the bytes after the mutation is committed.
//
// Every method is atomic and thread-safe. Every mutation that returns OK is
// committed. Errors are S3-shaped (storage/errors.h): kNoSuchBucket,
// kNoSuchUpload, kNoSuchKey, ...; kSlowDown when the database stayed locked;
// kInternalError for anything else.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "s2lite/status.h"
#include "storage/object_store.h"
#include "storage/types.h"

namespace s2lite::storage {

// Blob ids that no row refers to any more, deduplicated.
using FreedBlobs = std::vector<std::string>;

// Called by Registry::CompleteUpload inside its transaction with the pending
// upload and all of its parts (ascending). Returns the object to store (with
// its manifest), or an error that leaves everything unchanged. Runs under the
// registry's lock: it must not call back into the registry.
using CompletePlanner =
    std::function<Result<ObjectInfo>(const UploadInfo& upload, const std::vector<PartInfo>& parts)>;

// What a completed upload left behind, so a retried Complete can be answered.
struct CompletedUpload {
  // The part list the upload was completed with; etags lower-case.
  std::vector<CompletePart> parts;
  // The object it produced. The manifest is filled only while that object is
  // still the current one at (bucket, key).
  ObjectInfo object;
};

class Registry {
 public:
  virtual ~Registry() = default;

  // --- buckets
  // kBucketAlreadyExists when the name is taken, whoever owns it.
  virtual Status InsertBucket(const BucketInfo& bucket) = 0;
  // kNoSuchBucket.
  virtual Result<BucketInfo> GetBucket(const std::string& name) = 0;
  // Sorted by name. Empty owner = all buckets.
  virtual Result<std::vector<BucketInfo>> ListBuckets(const std::string& owner) = 0;
  // kNoSuchBucket; kBucketNotEmpty while objects or pending uploads remain.
  virtual Status DeleteBucket(const std::string& name) = 0;

  // --- bucket settings
  // A bucket's subresource documents (cors, tagging, lifecycle, policy, ...),
  // stored by name as the caller serialised them; they go with the bucket.
  // The document stored under `name`, nullopt when none. kNoSuchBucket.
  virtual Result<std::optional<std::string>> GetBucketSetting(const std::string& bucket,
                                                              const std::string& name) = 0;
  // Stores `document` under `name` (replacing), or removes it when nullopt
  // (OK when absent). kNoSuchBucket, also when `bucket_generation` is
  // non-zero and differs (checked in the transaction).
  virtual Status PutBucketSetting(const std::string& bucket, uint64_t bucket_generation,
                                  const std::string& name,
                                  const std::optional<std::string>& document) = 0;
  // Every bucket's document stored under `name`, as (bucket, document), by
  // bucket name (for background work such as lifecycle rules).
  virtual Result<std::vector<std::pair<std::string, std::string>>> ListBucketSettings(
      const std::string& name) = 0;

  // --- uploads
  // kNoSuchBucket (also for another bucket_generation); kInvalidArgument if
  // the upload id is already used.
  virtual Status InsertUpload(const UploadInfo& upload) = 0;
  // Pending uploads only: kNoSuchUpload when unknown, aborted or completed.
  virtual Result<UploadInfo> GetUpload(const std::string& upload_id) = 0;
  // kNoSuchBucket. See ObjectStore::ListUploads.
  virtual Result<ListUploadsResult> ListUploads(const ListUploadsQuery& q) = 0;
  // Ids of pending uploads created before `cutoff`, oldest first.
  virtual Result<std::vector<std::string>> ListUploadsCreatedBefore(TimeMs cutoff) = 0;
  // Deletes a pending upload and its parts. kNoSuchUpload.
  virtual Result<FreedBlobs> DeleteUpload(const std::string& upload_id) = 0;
  // Forgets the records of uploads completed before `cutoff`.
  virtual Status PurgeCompletedUploads(TimeMs cutoff) = 0;

  // --- parts
  // Inserts or replaces part `part.part_number`. kNoSuchUpload.
  virtual Result<FreedBlobs> PutPart(const std::string& upload_id, const PartInfo& part) = 0;
  // Parts numbered above `marker`, ascending, at most `max_parts` (all when
  // negative). `truncated` (optional) says whether more follow. kNoSuchUpload.
  virtual Result<std::vector<PartInfo>> ListParts(const std::string& upload_id, int marker,
                                                  int max_parts, bool* truncated) = 0;

  // --- completion
  // In one transaction: loads the pending upload and its parts, asks `plan`
  // for the object, stores it at (bucket, key) replacing any previous one,
  // drops the upload's parts and keeps a record of the completion with
  // `listed` (see GetCompletedUpload). kNoSuchUpload when the upload is not
  // pending; plan's error as is.
  virtual Result<FreedBlobs> CompleteUpload(const std::string& upload_id,
                                            const std::vector<CompletePart>& listed,
                                            const CompletePlanner& plan) = 0;
  // kNoSuchUpload unless the upload was completed (and not yet purged).
  virtual Result<CompletedUpload> GetCompletedUpload(const std::string& upload_id) = 0;

  // --- objects
  // Inserts or replaces the object at (bucket, key). kNoSuchBucket, also when
  // object.bucket_generation is set and differs (checked in the transaction).
  // object.condition is checked in the same transaction (CompleteUpload checks
  // the planned object's too): kPreconditionFailed, or kNoSuchKey for If-Match
  // on an absent key; nothing is written then.
  virtual Result<FreedBlobs> PutObject(const ObjectInfo& object) = 0;
  // Replaces the tagging (raw query form) of the object at (bucket, key).
  // kNoSuchBucket (as PutObject), kNoSuchKey.
  virtual Status PutObjectTagging(const std::string& bucket, const std::string& key,
                                  uint64_t bucket_generation, const std::string& tagging) = 0;
  // Manifest filled. kNoSuchBucket, kNoSuchKey.
  virtual Result<ObjectInfo> GetObject(const std::string& bucket, const std::string& key) = 0;
  // OK when the key is absent. kNoSuchBucket.
  virtual Result<FreedBlobs> DeleteObject(const std::string& bucket, const std::string& key,
                                          uint64_t bucket_generation) = 0;
  // kNoSuchBucket. See ObjectStore::ListObjects.
  virtual Result<ListObjectsResult> ListObjects(const ListObjectsQuery& q) = 0;

  // --- maintenance
  // Every blob id a part or an object refers to.
  virtual Result<std::vector<std::string>> ReferencedBlobs() = 0;
  // Deletes every row.
  virtual Status Reset() = 0;

  // --- group commit (opt-in; the defaults describe a registry without it)
  // With group commit, the writes of concurrent requests share one open
  // transaction: a write method returning OK means applied and visible to
  // this registry, not yet committed. Whoever acknowledges a write must first
  // see the group it landed in committed (TakeTouchedGroup, then GroupStatus,
  // waiting for a CommitGroup while it has none).
  //
  // The id of the open group; 0 when nothing is uncommitted (inspection).
  virtual uint64_t PendingGroup() { return 0; }
  // The newest group the calling thread's registry calls touched since the
  // last TakeTouchedGroup (a write joined it, or a read ran while it was
  // open, so may have seen its rows), then forgets it; 0 when none. What a
  // request must see committed before it answers.
  virtual uint64_t TakeTouchedGroup() { return 0; }
  // How group `id` ended: OK, or the error its commit failed with (every
  // write in it was rolled back); nullopt while it has not ended. Once a
  // CommitGroup that started after `id` was touched returns, it has.
  virtual std::optional<Status> GroupStatus(uint64_t /*id*/) { return Status::Ok(); }
  // Commits the open group (and, in fsync mode, makes it power-loss durable).
  // Returns that group's status; OK when nothing was open.
  virtual Status CommitGroup() { return Status::Ok(); }
  // Runs `fn` once everything written so far is committed: at once when
  // nothing is pending, else after the open group commits; dropped if that
  // commit fails. For work that must not precede durability (freeing blobs
  // a rolled-back row would still refer to). `fn` must not call back into
  // the registry.
  virtual void AfterCommit(std::function<void()> fn) { fn(); }
  // Set once, before any write: called (outside the registry's locks) after
  // a group fails to commit, with the new blobs its PutPart/PutObject rows
  // referred to that no committed row refers to. Nothing can reach them, so
  // their owner removes them now rather than at the next open.
  virtual void OnFailedGroup(std::function<void(const FreedBlobs&)> /*fn*/) {}
};

}  // namespace s2lite::storage
