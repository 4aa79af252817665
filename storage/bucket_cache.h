// What GetBucket and GetBucketSetting answered, for a store whose registry
// only this process writes (SQLite, in-memory): every request reads its
// bucket, and a CreateMultipartUpload its lifecycle too, while buckets and
// their settings change rarely. Not for a shared registry, where another
// daemon may change them.
//
// Every bucket or setting change empties it (whatever the change's outcome,
// so a failed group's rolled-back write is not served), and a value read
// from the registry is kept only if no change ended since the read began
// (its ticket), so the cache never answers older than the registry.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "storage/types.h"

namespace s2lite::storage {

class BucketCache {
 public:
  // Taken before reading the registry; Keep* drops the value if a change
  // ended since.
  uint64_t Ticket() {
    std::lock_guard lock(mu_);
    return generation_;
  }

  std::optional<BucketInfo> FindBucket(const std::string& name) {
    std::lock_guard lock(mu_);
    auto it = buckets_.find(name);
    if (it == buckets_.end()) return std::nullopt;
    return it->second;
  }
  void KeepBucket(uint64_t ticket, const BucketInfo& bucket) {
    std::lock_guard lock(mu_);
    if (ticket != generation_) return;
    MakeRoomLocked();
    buckets_.insert_or_assign(bucket.name, bucket);
  }

  // The outer optional: whether it is cached; the inner: the setting's document.
  std::optional<std::optional<std::string>> FindSetting(const std::string& bucket,
                                                        const std::string& name) {
    std::lock_guard lock(mu_);
    auto it = settings_.find(SettingKey(bucket, name));
    if (it == settings_.end()) return std::nullopt;
    return it->second;
  }
  void KeepSetting(uint64_t ticket, const std::string& bucket, const std::string& name,
                   const std::optional<std::string>& document) {
    std::lock_guard lock(mu_);
    if (ticket != generation_) return;
    MakeRoomLocked();
    settings_.insert_or_assign(SettingKey(bucket, name), document);
  }

  // After any change to a bucket or its settings has ended.
  void Invalidate() {
    std::lock_guard lock(mu_);
    ++generation_;
    buckets_.clear();
    settings_.clear();
  }

 private:
  // Bounded: a client cycling through many buckets starts it over.
  static constexpr size_t kMaxEntries = 4096;
  void MakeRoomLocked() {
    if (buckets_.size() + settings_.size() < kMaxEntries) return;
    buckets_.clear();
    settings_.clear();
  }
  // Bucket names never hold '/'.
  static std::string SettingKey(const std::string& bucket, const std::string& name) {
    return bucket + '/' + name;
  }

  std::mutex mu_;
  uint64_t generation_ = 0;
  std::unordered_map<std::string, BucketInfo> buckets_;
  std::unordered_map<std::string, std::optional<std::string>> settings_;
};

}  // namespace s2lite::storage
