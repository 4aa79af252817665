#pragma once

// The metadata half of the store: buckets, multipart uploads, parts and
// objects. The registry knows nothing of bytes; it records blob ids and, when a
// mutation drops the last reference to a blob, returns that id so the caller
// can remove the bytes once the mutation is committed.
//
// The commit contract (the same as ObjectStore's, which relies on it): every
// method is atomic and thread-safe, and a call that completes OK has made its
// effect durable to the configured level (synced under fsync), whoever calls
// it. A read sees every write whose call has completed; it may also see the
// write of a call still waiting for its commit (which fails only on an I/O
// error or a full disk): reads never wait for commits. How a backend
// gets there is its own business: the SQLite backend shares one transaction
// among concurrent writes (group commit) and completes each call once the
// group it touched is committed; a PostgreSQL backend would send each call's
// statements with libpq's non-blocking API and complete the Task when the
// connection's socket says the answer (or the COMMIT) is in, relying on
// PostgreSQL's own group commit. Calls are Tasks so that neither blocks an
// I/O thread while it waits: they resume the caller on its own executor.
//
// Errors are S3-shaped (storage/errors.h): kNoSuchBucket, kNoSuchUpload,
// kNoSuchKey, ...; kSlowDown when the database stayed locked;
// kInternalError for anything else, including a commit that failed (the
// call's effect is then rolled back).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "s2lite/status.h"
#include "storage/object_store.h"
#include "storage/task.h"
#include "storage/types.h"

namespace s2lite::storage {

// Blob ids that no row refers to any more, deduplicated.
using FreedBlobs = std::vector<std::string>;

// Called by Registry::CompleteUpload inside its transaction with the pending
// upload and all of its parts (ascending). Returns the object to store (with
// its manifest), or an error that leaves everything unchanged. Runs under the
// registry's lock: it must not call back into the registry, nor suspend.
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
  virtual Task<Status> InsertBucket(const BucketInfo& bucket) = 0;
  // kNoSuchBucket.
  virtual Task<Result<BucketInfo>> GetBucket(const std::string& name) = 0;
  // Sorted by name. Empty owner = all buckets.
  virtual Task<Result<std::vector<BucketInfo>>> ListBuckets(const std::string& owner) = 0;
  // kNoSuchBucket; kBucketNotEmpty while objects or pending uploads remain.
  virtual Task<Status> DeleteBucket(const std::string& name) = 0;

  // --- bucket settings
  // A bucket's subresource documents (cors, tagging, lifecycle, policy, ...),
  // stored by name as the caller serialised them; they go with the bucket.
  // The document stored under `name`, nullopt when none. kNoSuchBucket.
  virtual Task<Result<std::optional<std::string>>> GetBucketSetting(const std::string& bucket,
                                                                    const std::string& name) = 0;
  // Stores `document` under `name` (replacing; an empty document is stored,
  // not taken as none), or removes it when nullopt (OK when absent).
  // kNoSuchBucket, also when `bucket_generation` is non-zero and differs
  // (checked in the transaction).
  virtual Task<Status> PutBucketSetting(const std::string& bucket, uint64_t bucket_generation,
                                        const std::string& name,
                                        const std::optional<std::string>& document) = 0;
  // Every bucket's document stored under `name`, as (bucket, document), by
  // bucket name (for background work such as lifecycle rules).
  virtual Task<Result<std::vector<std::pair<std::string, std::string>>>> ListBucketSettings(
      const std::string& name) = 0;

  // --- uploads
  // kNoSuchBucket (also for another bucket_generation); kInvalidArgument if
  // the upload id is already used.
  virtual Task<Status> InsertUpload(const UploadInfo& upload) = 0;
  // Pending uploads only: kNoSuchUpload when unknown, aborted or completed.
  virtual Task<Result<UploadInfo>> GetUpload(const std::string& upload_id) = 0;
  // kNoSuchBucket. See ObjectStore::ListUploads.
  virtual Task<Result<ListUploadsResult>> ListUploads(const ListUploadsQuery& q) = 0;
  // Ids of pending uploads created before `cutoff`, oldest first.
  virtual Task<Result<std::vector<std::string>>> ListUploadsCreatedBefore(TimeMs cutoff) = 0;
  // Deletes a pending upload and its parts. kNoSuchUpload.
  virtual Task<Result<FreedBlobs>> DeleteUpload(const std::string& upload_id) = 0;
  // Forgets the records of uploads completed before `cutoff`.
  virtual Task<Status> PurgeCompletedUploads(TimeMs cutoff) = 0;

  // --- parts
  // Inserts or replaces part `part.part_number`. kNoSuchUpload.
  virtual Task<Result<FreedBlobs>> PutPart(const std::string& upload_id, const PartInfo& part) = 0;
  // Parts numbered above `marker`, ascending, at most `max_parts` (all when
  // negative). `truncated` (optional) says whether more follow. kNoSuchUpload.
  virtual Task<Result<std::vector<PartInfo>>> ListParts(const std::string& upload_id, int marker,
                                                        int max_parts, bool* truncated) = 0;

  // --- completion
  // In one transaction: loads the pending upload and its parts, asks `plan`
  // for the object, stores it at (bucket, key) replacing any previous one,
  // drops the upload's parts and keeps a record of the completion with
  // `listed` (see GetCompletedUpload). kNoSuchUpload when the upload is not
  // pending; plan's error as is.
  virtual Task<Result<FreedBlobs>> CompleteUpload(const std::string& upload_id,
                                                  const std::vector<CompletePart>& listed,
                                                  const CompletePlanner& plan) = 0;
  // kNoSuchUpload unless the upload was completed (and not yet purged).
  virtual Task<Result<CompletedUpload>> GetCompletedUpload(const std::string& upload_id) = 0;

  // --- objects
  // Inserts or replaces the object at (bucket, key). kNoSuchBucket, also when
  // object.bucket_generation is set and differs (checked in the transaction).
  // object.condition is checked in the same transaction (CompleteUpload checks
  // the planned object's too): kPreconditionFailed, or kNoSuchKey for If-Match
  // on an absent key; nothing is written then.
  virtual Task<Result<FreedBlobs>> PutObject(const ObjectInfo& object) = 0;
  // Replaces the tagging (raw query form) of the object at (bucket, key).
  // kNoSuchBucket (as PutObject), kNoSuchKey.
  virtual Task<Status> PutObjectTagging(const std::string& bucket, const std::string& key,
                                        uint64_t bucket_generation, const std::string& tagging) = 0;
  // Manifest filled. kNoSuchBucket, kNoSuchKey.
  virtual Task<Result<ObjectInfo>> GetObject(const std::string& bucket, const std::string& key) = 0;
  // OK when the key is absent. kNoSuchBucket.
  virtual Task<Result<FreedBlobs>> DeleteObject(const std::string& bucket, const std::string& key,
                                                uint64_t bucket_generation) = 0;
  // kNoSuchBucket. See ObjectStore::ListObjects.
  virtual Task<Result<ListObjectsResult>> ListObjects(const ListObjectsQuery& q) = 0;

  // --- maintenance
  // Every blob id a part or an object refers to.
  virtual Task<Result<std::vector<std::string>>> ReferencedBlobs() = 0;
  // Deletes every row.
  virtual Task<Status> Reset() = 0;

  // --- several daemons on one registry (a network database)
  // Whether other processes share this registry and the blob directory. A
  // shared registry never returns freed blobs: each mutation records the blobs
  // it frees as tombstones in its own transaction (a crash cannot orphan
  // them), and one daemon's sweeper removes their bytes once a grace period
  // has passed (ListTombstones, ForgetTombstones), so that a GET streaming
  // them on another daemon ends first. A single-process registry returns the
  // freed blobs (its caller removes them once no reader holds them) and has no
  // tombstones.
  virtual bool shared() const { return false; }
  // Whether the registry can be reached: a network database says false from
  // a failed connection attempt (or a lost connection) until a later attempt
  // succeeds, for the server's readiness check. Cheap, never waits.
  virtual bool healthy() const { return true; }
  // healthy(), but when it is false, tries the registry again first (one
  // round trip), so that a daemon taken out of a load balancer's rotation
  // for being unhealthy finds out by itself when the database is back.
  virtual Task<bool> Probe() { co_return healthy(); }
  // Up to `limit` tombstoned blob ids freed at least `min_age_ms` ago by the
  // registry's own clock (one clock for every daemon), oldest first.
  virtual Task<Result<std::vector<std::string>>> ListTombstones(TimeMs /*min_age_ms*/,
                                                                int /*limit*/) {
    co_return std::vector<std::string>{};
  }
  // Forgets the tombstones of blobs whose bytes are gone; unknown ids are
  // ignored.
  virtual Task<Status> ForgetTombstones(const std::vector<std::string>& /*blob_ids*/) {
    co_return Status::Ok();
  }
  // The lease `name` that elects the one daemon running background work
  // (reaper, tombstone sweeper): taken for `holder` when free or expired,
  // renewed when `holder` holds it, until `ttl_ms` from now by the registry's
  // clock. Returns whether `holder` holds it now. In a single-process
  // registry the caller is always the holder.
  virtual Task<Result<bool>> AcquireLease(const std::string& /*name*/,
                                          const std::string& /*holder*/, TimeMs /*ttl_ms*/) {
    co_return true;
  }
  // Gives the lease up if `holder` holds it, so that a daemon stopping cleanly
  // hands its work over at once rather than at expiry.
  virtual Task<Status> ReleaseLease(const std::string& /*name*/, const std::string& /*holder*/) {
    co_return Status::Ok();
  }

  // Set once, before any write: called (outside the registry's locks) when a
  // commit failed, with the new blobs its PutPart/PutObject rows referred to
  // that no committed row refers to. Nothing can reach them, so their owner
  // removes them now rather than at the next open. (A caller whose write
  // fails with kInternalError must not remove its blob itself: under group
  // commit, a write can fail after SQLite rolled back and re-ran it on its
  // own, so only the registry knows which blobs are unreferenced.)
  virtual void OnFailedCommit(std::function<void(const FreedBlobs&)> /*fn*/) {}
};

}  // namespace s2lite::storage
