#pragma once

// ObjectStore's calls, blocking: for code without an event loop (start-up,
// the embedding API's inspection calls, tests). Each call runs the store's
// Task to completion on the calling thread (storage/task.h's Sync), so the
// same commit contract holds: OK means committed. Never use it on an I/O
// thread.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/object_store.h"
#include "storage/task.h"

namespace s2lite::storage {

class SyncStore {
 public:
  // Not owning: `store` must outlive this.
  explicit SyncStore(ObjectStore& store) : store_(&store) {}
  // Owning.
  explicit SyncStore(std::unique_ptr<ObjectStore> store)
      : owned_(std::move(store)), store_(owned_.get()) {}

  ObjectStore& async() { return *store_; }

  Status CreateBucket(const BucketInfo& b) { return Sync(store_->CreateBucket(b)); }
  Result<BucketInfo> GetBucket(const std::string& name) { return Sync(store_->GetBucket(name)); }
  Result<std::vector<BucketInfo>> ListBuckets(const std::string& owner) {
    return Sync(store_->ListBuckets(owner));
  }
  Status DeleteBucket(const std::string& name) { return Sync(store_->DeleteBucket(name)); }
  Result<std::optional<std::string>> GetBucketSetting(const std::string& bucket,
                                                      const std::string& name) {
    return Sync(store_->GetBucketSetting(bucket, name));
  }
  Status PutBucketSetting(const std::string& bucket, uint64_t bucket_generation,
                          const std::string& name, const std::optional<std::string>& document) {
    return Sync(store_->PutBucketSetting(bucket, bucket_generation, name, document));
  }
  Result<std::vector<std::pair<std::string, std::string>>> ListBucketSettings(
      const std::string& name) {
    return Sync(store_->ListBucketSettings(name));
  }
  Status CreateUpload(const UploadInfo& u) { return Sync(store_->CreateUpload(u)); }
  Result<UploadInfo> GetUpload(const std::string& id) { return Sync(store_->GetUpload(id)); }
  Result<ListUploadsResult> ListUploads(const ListUploadsQuery& q) {
    return Sync(store_->ListUploads(q));
  }
  Result<std::unique_ptr<BlobWriter>> NewBlob() { return store_->NewBlob(); }
  Status PutPart(const std::string& upload_id, const PartInfo& part) {
    return Sync(store_->PutPart(upload_id, part));
  }
  Result<std::vector<PartInfo>> ListParts(const std::string& upload_id, int marker, int max_parts,
                                          bool* truncated) {
    return Sync(store_->ListParts(upload_id, marker, max_parts, truncated));
  }
  Result<ObjectInfo> CompleteUpload(const std::string& upload_id,
                                    const std::vector<CompletePart>& parts, uint64_t min_part_size,
                                    const std::string& checksum_value = std::string()) {
    return Sync(store_->CompleteUpload(upload_id, parts, min_part_size, checksum_value));
  }
  Result<ObjectInfo> CompleteUpload(const std::string& upload_id,
                                    const std::vector<CompletePart>& parts, uint64_t min_part_size,
                                    const std::string& checksum_value,
                                    const WriteCondition& condition) {
    return Sync(store_->CompleteUpload(upload_id, parts, min_part_size, checksum_value, condition));
  }
  Status AbortUpload(const std::string& id) { return Sync(store_->AbortUpload(id)); }
  Result<int> AbortUploadsOlderThan(TimeMs cutoff) {
    return Sync(store_->AbortUploadsOlderThan(cutoff));
  }
  Status PutObject(const ObjectInfo& o) { return Sync(store_->PutObject(o)); }
  Status PutObjectTagging(const std::string& bucket, const std::string& key,
                          uint64_t bucket_generation, const std::string& tagging) {
    return Sync(store_->PutObjectTagging(bucket, key, bucket_generation, tagging));
  }
  Result<ObjectInfo> GetObject(const std::string& bucket, const std::string& key) {
    return Sync(store_->GetObject(bucket, key));
  }
  Result<ObjectStore::LeasedObject> GetObjectForRead(const std::string& bucket,
                                                     const std::string& key) {
    return Sync(store_->GetObjectForRead(bucket, key));
  }
  Status DeleteObject(const std::string& bucket, const std::string& key,
                      uint64_t bucket_generation = 0) {
    return Sync(store_->DeleteObject(bucket, key, bucket_generation));
  }
  Result<ListObjectsResult> ListObjects(const ListObjectsQuery& q) {
    return Sync(store_->ListObjects(q));
  }
  Result<std::unique_ptr<BlobReader>> OpenBlob(const std::string& id) {
    return store_->OpenBlob(id);
  }
  Status Reset() { return Sync(store_->Reset()); }

 private:
  std::unique_ptr<ObjectStore> owned_;
  ObjectStore* store_;
};

}  // namespace s2lite::storage
