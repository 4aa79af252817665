#include "storage/object_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/ascii.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "storage/bucket_cache.h"
#include "storage/errors.h"
#include "storage/file_modes.h"
#include "storage/postgres_registry.h"
#include "storage/registry.h"
#include "storage/sqlite_registry.h"

namespace s2lite::storage {
namespace {

// A random, non-zero bucket generation (fits SQLite's signed 64-bit integer).
uint64_t NewGeneration() {
  static_assert(sizeof(unsigned long long) == 8);
  std::string hex = common::RandomHex(8);
  uint64_t g = std::stoull(hex, nullptr, 16) & ((uint64_t{1} << 62) - 1);
  return g == 0 ? 1 : g;
}

TimeMs SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Lower-case, without surrounding quotes: the form etags are compared in.
std::string NormalizeEtag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return common::AsciiLower(etag);
}

std::vector<CompletePart> NormalizeParts(const std::vector<CompletePart>& parts) {
  std::vector<CompletePart> out;
  out.reserve(parts.size());
  for (const CompletePart& p : parts) out.push_back({p.part_number, NormalizeEtag(p.etag)});
  return out;
}

bool SamePartList(const std::vector<CompletePart>& a, const std::vector<CompletePart>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].part_number != b[i].part_number || a[i].etag != b[i].etag) return false;
  }
  return true;
}

// The S3 rules for CompleteMultipartUpload, checked against the upload's
// parts: https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
// `listed` is normalized (etags unquoted, lower-case). ChooseParts returns
// the stored parts `listed` names, in its order: kInvalidRequest when it is
// empty, kInvalidPartOrder unless it ascends, kInvalidPart for a part that is
// missing or has another ETag, kEntityTooSmall for a part but the last under
// `min_part_size`.
Result<std::vector<const PartInfo*>> ChooseParts(const UploadInfo& upload,
                                                 const std::vector<PartInfo>& parts,
                                                 const std::vector<CompletePart>& listed,
                                                 uint64_t min_part_size) {
  if (listed.empty()) {
    return Status(ErrorCode::kInvalidRequest, "You must specify at least one part")
        .With("UploadId", upload.upload_id);
  }
  for (size_t i = 1; i < listed.size(); ++i) {
    if (listed[i].part_number <= listed[i - 1].part_number) {
      return Status(ErrorCode::kInvalidPartOrder,
                    "The list of parts was not in ascending order. Parts must be ordered by part "
                    "number.")
          .With("UploadId", upload.upload_id);
    }
  }
  // Both lists ascend, so one merge pass pairs each listed part with its row.
  std::vector<const PartInfo*> chosen;
  chosen.reserve(listed.size());
  auto it = parts.begin();
  for (const CompletePart& want : listed) {
    while (it != parts.end() && it->part_number < want.part_number) ++it;
    if (it == parts.end() || it->part_number != want.part_number ||
        common::AsciiLower(it->md5_hex) != want.etag) {
      return Status(ErrorCode::kInvalidPart,
                    "One or more of the specified parts could not be found.  The part may not "
                    "have been uploaded, or the specified entity tag may not have matched the "
                    "part's entity tag.")
          .With("UploadId", upload.upload_id)
          .With("PartNumber", std::to_string(want.part_number))
          .With("ETag", want.etag);
    }
    chosen.push_back(&*it);
  }
  for (size_t i = 0; i + 1 < chosen.size(); ++i) {
    if (chosen[i]->blob.size < min_part_size) {
      return Status(ErrorCode::kEntityTooSmall,
                    "Your proposed upload is smaller than the minimum allowed object size.")
          .With("ProposedSize", std::to_string(chosen[i]->blob.size))
          .With("MinSizeAllowed", std::to_string(min_part_size))
          .With("PartNumber", std::to_string(chosen[i]->part_number))
          .With("ETag", chosen[i]->md5_hex);
    }
  }
  return chosen;
}

// The object Complete makes of `upload` and its chosen parts: a manifest of
// their blobs (no byte copied) and S3's multipart ETag, the MD5 of the parts'
// MD5s followed by "-<count>".
Result<ObjectInfo> PlanCompletion(const UploadInfo& upload, const std::vector<PartInfo>& parts,
                                  const std::vector<CompletePart>& listed, uint64_t min_part_size,
                                  TimeMs now) {
  Result<std::vector<const PartInfo*>> chosen = ChooseParts(upload, parts, listed, min_part_size);
  if (!chosen.ok()) return chosen.status();
  ObjectInfo object;
  object.bucket = upload.bucket;
  object.key = upload.key;
  object.last_modified = now;
  object.owner = upload.owner;
  object.attrs = upload.attrs;
  object.parts_count = static_cast<int>(chosen->size());
  std::string md5s;
  for (const PartInfo* part : *chosen) {
    if (!common::AppendHexDecoded(part->md5_hex, &md5s)) {
      return Status(ErrorCode::kInternalError, "stored part MD5 is not hex: " + part->md5_hex);
    }
    object.manifest.push_back(part->blob);
    object.size += part->blob.size;
  }
  object.etag =
      "\"" + common::HexEncode(common::Md5(md5s)) + "-" + std::to_string(chosen->size()) + "\"";
  return object;
}

// SweepBlobs' bounds: tombstones removed per registry round trip, round trips
// per sweep, and the most tombstones read to tell orphans from freed blobs
// (beyond it, orphans wait for a later sweep).
constexpr int kSweepBatch = 1000;
constexpr int kMaxSweepBatches = 100;
constexpr int kMaxTombstoneScan = 1'000'000;

// An exclusive flock on <data_dir>/LOCK, held for the store's lifetime. Two
// stores over one directory would each take the other's fresh blobs for
// orphans at open, so the second is refused.
class DirLock {
 public:
  DirLock() = default;
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  DirLock(DirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  DirLock& operator=(DirLock&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }

  static Result<DirLock> Acquire(const std::string& path) {
    DirLock lock;
    lock.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kPrivateFileMode);
    if (lock.fd_ < 0) {
      return Status(ErrorCode::kInternalError,
                    "open " + path + ": " + std::generic_category().message(errno));
    }
    if (::flock(lock.fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        return Status(ErrorCode::kInternalError,
                      "data directory is in use by another store (" + path + " is locked)");
      }
      return Status(ErrorCode::kInternalError,
                    "flock " + path + ": " + std::generic_category().message(errno));
    }
    return lock;
  }

 private:
  int fd_ = -1;
};

class Store final : public ObjectStore {
 public:
  Store(DirLock lock, std::unique_ptr<Registry> registry, std::unique_ptr<BlobStore> blobs,
        const StoreOptions& options)
      : lock_(std::move(lock)),
        registry_(std::move(registry)),
        blobs_(std::move(blobs)),
        now_(options.now ? options.now : std::function<TimeMs()>(SystemNowMs)),
        shared_(registry_->shared()),
        max_read_ms_(options.max_read_ms) {
    // A commit that fails leaves its new parts' and objects' bytes
    // unreferenced: they go now, not at the next open.
    registry_->OnFailedCommit([this](const FreedBlobs& ids) {
      for (const std::string& id : ids) RemoveBlob(id);
    });
  }
  // The registry (and its last commit) goes while the blob store its
  // callbacks use still exists.
  ~Store() override { registry_.reset(); }

  // Blobs no row refers to were being written when a process died (or their
  // removal failed): nothing can reach them, so they go.
  Task<Status> RemoveOrphans() {
    Result<std::vector<std::string>> referenced = co_await registry_->ReferencedBlobs();
    if (!referenced.ok()) co_return referenced.status();
    Result<std::vector<std::string>> present = blobs_->ListAll();
    if (!present.ok()) co_return present.status();
    std::unordered_set<std::string> keep(referenced->begin(), referenced->end());
    for (const std::string& id : *present) {
      if (keep.count(id) == 0) {
        Status s = blobs_->Remove(id);
        if (!s.ok()) co_return s;
      }
    }
    co_return Status::Ok();
  }

  Task<Status> CreateBucket(const BucketInfo& bucket) override {
    BucketInfo b = bucket;
    if (b.created == 0) b.created = now_();
    if (b.acl.empty()) b.acl = "private";
    if (b.generation == 0) b.generation = NewGeneration();
    Status s = co_await registry_->InsertBucket(b);
    Changed();
    if (s.code() != ErrorCode::kBucketAlreadyExists) co_return s;
    Result<BucketInfo> existing = co_await registry_->GetBucket(b.name);
    if (existing.ok() && existing->owner == b.owner) co_return BucketAlreadyOwnedByYouError();
    co_return s;
  }

  Task<Result<BucketInfo>> GetBucket(const std::string& name) override {
    if (shared_) co_return co_await registry_->GetBucket(name);
    if (std::optional<BucketInfo> hit = cache_.FindBucket(name)) co_return std::move(*hit);
    const uint64_t ticket = cache_.Ticket();
    Result<BucketInfo> bucket = co_await registry_->GetBucket(name);
    if (bucket.ok()) cache_.KeepBucket(ticket, *bucket);
    co_return bucket;
  }

  Task<Result<std::vector<BucketInfo>>> ListBuckets(const std::string& owner) override {
    return registry_->ListBuckets(owner);
  }

  Task<Status> DeleteBucket(const std::string& name) override {
    Status s = co_await registry_->DeleteBucket(name);
    Changed();
    co_return s;
  }

  Task<Result<std::optional<std::string>>> GetBucketSetting(const std::string& bucket,
                                                            const std::string& name) override {
    if (shared_) co_return co_await registry_->GetBucketSetting(bucket, name);
    if (auto hit = cache_.FindSetting(bucket, name)) co_return std::move(*hit);
    const uint64_t ticket = cache_.Ticket();
    Result<std::optional<std::string>> document =
        co_await registry_->GetBucketSetting(bucket, name);
    if (document.ok()) cache_.KeepSetting(ticket, bucket, name, *document);
    co_return document;
  }
  Task<Status> PutBucketSetting(const std::string& bucket, uint64_t bucket_generation,
                                const std::string& name,
                                const std::optional<std::string>& document) override {
    Status s = co_await registry_->PutBucketSetting(bucket, bucket_generation, name, document);
    Changed();
    co_return s;
  }
  Task<Result<std::vector<std::pair<std::string, std::string>>>> ListBucketSettings(
      const std::string& name) override {
    return registry_->ListBucketSettings(name);
  }

  Task<Status> CreateUpload(const UploadInfo& upload) override {
    if (upload.upload_id.empty()) {
      co_return Status(ErrorCode::kInvalidArgument, "upload id must be set");
    }
    UploadInfo u = upload;
    if (u.created == 0) u.created = now_();
    co_return co_await registry_->InsertUpload(u);
  }

  Task<Result<UploadInfo>> GetUpload(const std::string& upload_id) override {
    return registry_->GetUpload(upload_id);
  }

  Task<Result<ListUploadsResult>> ListUploads(const ListUploadsQuery& q) override {
    return registry_->ListUploads(q);
  }

  Result<std::unique_ptr<BlobWriter>> NewBlob() override { return blobs_->NewBlob(); }

  Task<Status> PutPart(const std::string& upload_id, const PartInfo& part) override {
    PartInfo p = part;
    if (p.last_modified == 0) p.last_modified = now_();
    Result<FreedBlobs> freed = co_await registry_->PutPart(upload_id, p);
    if (!freed.ok()) {
      RemoveUnwritten({part.blob}, freed.status());
      co_return freed.status();
    }
    RemoveBlobs(*freed);
    co_return Status::Ok();
  }

  Task<Result<std::vector<PartInfo>>> ListParts(const std::string& upload_id, int marker,
                                                int max_parts, bool* truncated) override {
    co_return co_await registry_->ListParts(upload_id, marker, max_parts, truncated);
  }

  Task<Result<ObjectInfo>> CompleteUpload(const std::string& upload_id,
                                          const std::vector<CompletePart>& parts,
                                          uint64_t min_part_size, const std::string& checksum_value,
                                          const WriteCondition& condition) override {
    const std::vector<CompletePart> listed = NormalizeParts(parts);
    const TimeMs now = now_();
    ObjectInfo planned;
    const CompletePlanner plan = [&](const UploadInfo& upload,
                                     const std::vector<PartInfo>& stored) -> Result<ObjectInfo> {
      Result<ObjectInfo> object = PlanCompletion(upload, stored, listed, min_part_size, now);
      if (!object.ok()) return object;
      object->checksum_value = checksum_value;
      object->condition = condition;
      planned = *object;
      return object;
    };
    Result<FreedBlobs> freed = co_await registry_->CompleteUpload(upload_id, listed, plan);
    if (!freed.ok()) {
      if (freed.status().code() != ErrorCode::kNoSuchUpload) co_return freed.status();
      // Clients retry Complete when the first response was lost; the same part
      // list gets the same answer.
      Result<CompletedUpload> done = co_await registry_->GetCompletedUpload(upload_id);
      if (done.ok() && SamePartList(done->parts, listed)) co_return std::move(done->object);
      co_return freed.status();
    }
    RemoveBlobs(*freed);
    co_return planned;
  }

  Task<Status> AbortUpload(const std::string& upload_id) override {
    Result<FreedBlobs> freed = co_await registry_->DeleteUpload(upload_id);
    if (!freed.ok()) co_return freed.status();
    RemoveBlobs(*freed);
    co_return Status::Ok();
  }

  Task<Result<int>> AbortUploadsOlderThan(TimeMs cutoff) override {
    Result<std::vector<std::string>> ids = co_await registry_->ListUploadsCreatedBefore(cutoff);
    if (!ids.ok()) co_return ids.status();
    int aborted = 0;
    for (const std::string& id : *ids) {
      Status s = co_await AbortUpload(id);
      if (s.ok()) {
        ++aborted;
      } else if (s.code() != ErrorCode::kNoSuchUpload) {  // finished meanwhile
        co_return s;
      }
    }
    // Completion records only serve retries of a recent Complete.
    Status s = co_await registry_->PurgeCompletedUploads(cutoff);
    if (!s.ok()) co_return s;
    co_return aborted;
  }

  Task<Status> PutObject(const ObjectInfo& object) override {
    ObjectInfo o = object;
    if (o.last_modified == 0) o.last_modified = now_();
    Result<FreedBlobs> freed = co_await registry_->PutObject(o);
    if (!freed.ok()) {
      RemoveUnwritten(object.manifest, freed.status());
      co_return freed.status();
    }
    RemoveBlobs(*freed);
    co_return Status::Ok();
  }

  Task<Status> PutObjectTagging(const std::string& bucket, const std::string& key,
                                uint64_t bucket_generation, const std::string& tagging) override {
    return registry_->PutObjectTagging(bucket, key, bucket_generation, tagging);
  }

  Task<Result<ObjectInfo>> GetObject(const std::string& bucket, const std::string& key) override {
    return registry_->GetObject(bucket, key);
  }

  // The lease is taken before the registry read: a removal either ran before
  // it (then the read already sees the new manifest) or finds the lease.
  Task<Result<LeasedObject>> GetObjectForRead(const std::string& bucket,
                                              const std::string& key) override {
    auto pending = std::make_shared<std::vector<std::string>>();
    std::shared_ptr<const void> lease(static_cast<const void*>(this),
                                      [this, pending](const void*) { Release(*pending); });
    {
      std::lock_guard lock(lease_mu_);
      ++readers_;
    }
    Result<ObjectInfo> o = co_await registry_->GetObject(bucket, key);
    {
      std::lock_guard lock(lease_mu_);
      --readers_;
      if (o.ok()) {
        for (const BlobRef& blob : o->manifest) {
          ++leases_[blob.blob_id];
          pending->push_back(blob.blob_id);
        }
      }
    }
    if (!o.ok()) co_return o.status();
    LeasedObject leased{std::move(*o), std::move(lease)};
    if (shared_ && max_read_ms_ > 0) {
      leased.read_deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(max_read_ms_);
    }
    co_return leased;
  }

  Task<Status> DeleteObject(const std::string& bucket, const std::string& key,
                            uint64_t bucket_generation) override {
    Result<FreedBlobs> freed = co_await registry_->DeleteObject(bucket, key, bucket_generation);
    if (!freed.ok()) co_return freed.status();
    RemoveBlobs(*freed);
    co_return Status::Ok();
  }

  Task<Result<ListObjectsResult>> ListObjects(const ListObjectsQuery& q) override {
    return registry_->ListObjects(q);
  }

  Result<std::unique_ptr<BlobReader>> OpenBlob(const std::string& blob_id) override {
    return blobs_->Open(blob_id);
  }

  bool healthy() const override { return registry_->healthy(); }
  Task<bool> Probe() override { return registry_->Probe(); }

  bool shared() const override { return shared_; }

  Task<Result<BlobSweep>> SweepBlobs(TimeMs grace_ms) override {
    BlobSweep swept;
    if (!shared_) co_return swept;
    Result<int> tombstoned = co_await SweepTombstones(grace_ms);
    if (!tombstoned.ok()) co_return tombstoned.status();
    swept.tombstoned = *tombstoned;
    Result<int> orphans = co_await SweepOrphans(grace_ms);
    if (!orphans.ok()) co_return orphans.status();
    swept.orphans = *orphans;
    co_return swept;
  }

  Task<Result<bool>> AcquireLease(const std::string& name, const std::string& holder,
                                  TimeMs ttl_ms) override {
    co_return co_await registry_->AcquireLease(name, holder, ttl_ms);
  }
  Task<Status> ReleaseLease(const std::string& name, const std::string& holder) override {
    co_return co_await registry_->ReleaseLease(name, holder);
  }

  Task<Status> Reset() override {
    Status s = co_await registry_->Reset();  // committed before any blob goes
    Changed();
    if (!s.ok()) co_return s;
    Result<std::vector<std::string>> ids = blobs_->ListAll();
    if (!ids.ok()) co_return ids.status();
    for (const std::string& id : *ids) {
      s = blobs_->Remove(id);
      if (!s.ok()) co_return s;
    }
    co_return Status::Ok();
  }

 private:
  // After a change to buckets or their settings has ended, however it ended.
  void Changed() {
    if (!shared_) cache_.Invalidate();
  }

  // Removing a tombstone's bytes before forgetting it: a crash in between
  // leaves a tombstone whose removal the next sweep repeats.
  Task<Result<int>> SweepTombstones(TimeMs grace_ms) {
    int removed = 0;
    for (int batch = 0; batch < kMaxSweepBatches; ++batch) {
      Result<std::vector<std::string>> ids =
          co_await registry_->ListTombstones(grace_ms, kSweepBatch);
      if (!ids.ok()) co_return ids.status();
      std::vector<std::string> gone;
      Status failed = Status::Ok();
      for (const std::string& id : *ids) {
        Status s = blobs_->Remove(id);
        if (s.ok()) {
          gone.push_back(id);
        } else if (failed.ok()) {
          failed = s;
        }
      }
      if (!gone.empty()) {
        Status s = co_await registry_->ForgetTombstones(gone);
        if (!s.ok()) co_return s;
        removed += static_cast<int>(gone.size());
      }
      if (!failed.ok()) co_return failed;
      if (ids->size() < static_cast<size_t>(kSweepBatch)) break;
    }
    co_return removed;
  }

  // The files are listed before the rows are read: a file old enough to go
  // was last written a grace period ago, so a row that refers to it was
  // committed (at most a request's lifetime after the write) before the read.
  Task<Result<int>> SweepOrphans(TimeMs grace_ms) {
    Result<std::vector<BlobStore::File>> files = blobs_->ListFiles();
    if (!files.ok()) co_return files.status();
    const TimeMs cutoff = now_() - grace_ms;
    std::vector<BlobStore::File> old;
    for (BlobStore::File& f : *files) {
      if (f.modified <= cutoff) old.push_back(std::move(f));
    }
    if (old.empty()) co_return 0;
    Result<std::vector<std::string>> referenced = co_await registry_->ReferencedBlobs();
    if (!referenced.ok()) co_return referenced.status();
    // A tombstoned blob may be read for a grace period after it was freed,
    // however old its file.
    Result<std::vector<std::string>> tombstones =
        co_await registry_->ListTombstones(0, kMaxTombstoneScan);
    if (!tombstones.ok()) co_return tombstones.status();
    if (tombstones->size() >= static_cast<size_t>(kMaxTombstoneScan)) co_return 0;  // next time
    std::unordered_set<std::string> keep(referenced->begin(), referenced->end());
    keep.insert(tombstones->begin(), tombstones->end());
    int removed = 0;
    for (const BlobStore::File& f : old) {
      if (f.temporary) {
        // No row can refer to bytes that were never committed.
        if (Status s = blobs_->RemoveTemporary(f.blob_id); !s.ok()) co_return s;
        ++removed;
      } else if (keep.count(f.blob_id) == 0) {
        if (Status s = blobs_->Remove(f.blob_id); !s.ok()) co_return s;
        ++removed;
      }
    }
    co_return removed;
  }

  // A leased blob is removed when its last lease goes. A failure only leaves
  // an orphan, which the next open (or a shared store's sweeper) removes, so
  // it is not reported. A shared registry frees no blob here (it tombstones
  // them, and another daemon may be reading them): only the bytes of a write
  // it refused, which no row ever referred to, come this way.
  void RemoveBlob(const std::string& blob_id) {
    {
      std::lock_guard lock(lease_mu_);
      if (leases_.count(blob_id) != 0 || readers_ > 0) {
        doomed_.insert(blob_id);
        return;
      }
    }
    static_cast<void>(blobs_->Remove(blob_id));
  }
  void Release(const std::vector<std::string>& ids) {
    std::vector<std::string> remove;
    {
      std::lock_guard lock(lease_mu_);
      for (const std::string& id : ids) {
        auto it = leases_.find(id);
        if (it == leases_.end() || --it->second > 0) continue;
        leases_.erase(it);
      }
      // Doomed blobs nobody reads (or is about to) go now.
      if (readers_ == 0) {
        for (auto it = doomed_.begin(); it != doomed_.end();) {
          if (leases_.count(*it) != 0) {
            ++it;
            continue;
          }
          remove.push_back(*it);
          it = doomed_.erase(it);
        }
      }
    }
    for (const std::string& id : remove) static_cast<void>(blobs_->Remove(id));
  }
  // Blobs the registry no longer refers to: the call that freed them is
  // committed, so they go (once no reader holds them).
  void RemoveBlobs(const FreedBlobs& ids) {
    for (const std::string& id : ids) RemoveBlob(id);
  }
  // The new bytes of a write that failed. Nothing refers to them, unless the
  // failure was the commit's (kInternalError): then the registry knows which
  // of them no committed row refers to and reports those (OnFailedCommit).
  // A shared registry's kSlowDown may be a commit whose outcome is unknown
  // (the connection went): it reports the blobs it knows are unreferenced
  // the same way, and the sweeper finds the rest.
  void RemoveUnwritten(const std::vector<BlobRef>& blobs, const Status& why) {
    if (why.code() == ErrorCode::kInternalError) return;
    if (why.code() == ErrorCode::kSlowDown && registry_->shared()) return;
    for (const BlobRef& blob : blobs) RemoveBlob(blob.blob_id);
  }

  DirLock lock_;  // released last
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<BlobStore> blobs_;
  std::function<TimeMs()> now_;
  const bool shared_;
  const TimeMs max_read_ms_;
  BucketCache cache_;  // unused when shared_
  std::mutex lease_mu_;
  int readers_ = 0;                              // GetObjectForRead calls reading the registry
  std::unordered_map<std::string, int> leases_;  // blob id -> GETs reading it
  std::unordered_set<std::string> doomed_;       // leased blobs to remove at release
};

Result<std::unique_ptr<ObjectStore>> NewStore(DirLock lock, std::unique_ptr<Registry> registry,
                                              std::unique_ptr<BlobStore> blobs,
                                              const StoreOptions& options) {
  auto store =
      std::make_unique<Store>(std::move(lock), std::move(registry), std::move(blobs), options);
  // Other daemons' fresh blobs would look like orphans: the sweeper tells
  // them apart by age.
  if (!store->shared()) {
    Status s = Sync(store->RemoveOrphans());
    if (!s.ok()) return s;
  }
  return std::unique_ptr<ObjectStore>(std::move(store));
}

// Several daemons on one PostgreSQL registry and one blob directory: no
// directory lock, and no orphan removal at open (another daemon's fresh
// blobs are not orphans; the leader's sweeper removes orphans after a grace
// period).
Result<std::unique_ptr<ObjectStore>> OpenSharedStore(const StoreOptions& options) {
  if (options.in_memory) {
    return Status(ErrorCode::kInvalidArgument, "an in-memory store has no shared registry");
  }
  // (Not quoted back: it may hold a password.)
  if (!IsPostgresConninfo(options.registry)) {
    return Status(ErrorCode::kInvalidArgument,
                  "registry: expected a postgresql:// URI or a key=value connection string");
  }
  if (options.data_dir.empty()) {
    return Status(ErrorCode::kInvalidArgument, "data directory not set");
  }
  if (Status s = TightenModes(options.data_dir, options.warn); !s.ok()) return s;
  if (Status s = MakePrivateDir(options.data_dir); !s.ok()) return s;
  Result<std::unique_ptr<BlobStore>> blobs =
      OpenFileBlobStore(options.data_dir + "/blobs", options.fsync, /*shared=*/true);
  if (!blobs.ok()) return blobs.status();
  PostgresRegistryOptions po;
  po.conninfo = options.registry;
  po.connections = options.registry_connections;
  po.timeout_ms = options.registry_timeout_ms;
  po.log = options.warn;
  Result<std::unique_ptr<Registry>> registry = OpenPostgresRegistry(po);
  if (!registry.ok()) return registry.status();
  return NewStore(DirLock(), std::move(*registry), std::move(*blobs), options);
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const StoreOptions& options) {
  DirLock lock;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<BlobStore> blobs;
  if (!options.registry.empty()) return OpenSharedStore(options);
  if (options.in_memory) {
    Result<std::unique_ptr<Registry>> r = OpenSqliteRegistry(":memory:", options.fsync);
    if (!r.ok()) return r.status();
    registry = std::move(*r);
    blobs = NewMemoryBlobStore();
  } else {
    if (options.data_dir.empty()) {
      return Status(ErrorCode::kInvalidArgument, "data directory not set");
    }
    // Private whatever the umask; an older, looser directory is tightened.
    if (Status s = TightenModes(options.data_dir, options.warn); !s.ok()) return s;
    if (Status s = MakePrivateDir(options.data_dir); !s.ok()) return s;
    Result<DirLock> l = DirLock::Acquire(options.data_dir + "/LOCK");
    if (!l.ok()) return l.status();
    lock = std::move(*l);
    Result<std::unique_ptr<BlobStore>> b =
        OpenFileBlobStore(options.data_dir + "/blobs", options.fsync);
    if (!b.ok()) return b.status();
    blobs = std::move(*b);
    // SQLite gives its -wal and -shm files the database file's mode.
    if (Status s = MakePrivateFile(options.data_dir + "/s2lite.db"); !s.ok()) return s;
    Result<std::unique_ptr<Registry>> r =
        OpenSqliteRegistry(options.data_dir + "/s2lite.db", options.fsync, options.group_commit);
    if (!r.ok()) return r.status();
    registry = std::move(*r);
  }
  return NewStore(std::move(lock), std::move(registry), std::move(blobs), options);
}

Result<std::unique_ptr<ObjectStore>> NewObjectStore(std::unique_ptr<Registry> registry,
                                                    std::unique_ptr<BlobStore> blobs,
                                                    const StoreOptions& options) {
  return NewStore(DirLock(), std::move(registry), std::move(blobs), options);
}

}  // namespace s2lite::storage
