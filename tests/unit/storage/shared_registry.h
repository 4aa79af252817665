#pragma once

// A registry that behaves as a shared one (several daemons, a network
// database) without PostgreSQL: a decorator over another registry (the SQLite
// in-memory one) that records the blobs each mutation frees as tombstones
// instead of returning them, and keeps a lease table, both on an injectable
// clock. Several decorators may share one LeaseTable, as daemons share the
// database's lease row.

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/registry.h"
#include "storage/sqlite_registry.h"

namespace s2lite::storage::testing {

// A settable clock, in ms since the epoch.
class FakeClock {
 public:
  explicit FakeClock(TimeMs start = 1'700'000'000'000) : now_(start) {}
  TimeMs Now() const {
    std::lock_guard lock(mu_);
    return now_;
  }
  void Advance(TimeMs ms) {
    std::lock_guard lock(mu_);
    now_ += ms;
  }
  std::function<TimeMs()> AsFunction() {
    return [this] { return Now(); };
  }

 private:
  mutable std::mutex mu_;
  TimeMs now_;
};

// The lease rows of one database: name -> (holder, expiry).
class LeaseTable {
 public:
  explicit LeaseTable(std::function<TimeMs()> now) : now_(std::move(now)) {}
  bool Acquire(const std::string& name, const std::string& holder, TimeMs ttl_ms) {
    std::lock_guard lock(mu_);
    const TimeMs now = now_();
    auto it = leases_.find(name);
    if (it != leases_.end() && it->second.first != holder && it->second.second > now) return false;
    leases_[name] = {holder, now + ttl_ms};
    return true;
  }
  void Release(const std::string& name, const std::string& holder) {
    std::lock_guard lock(mu_);
    auto it = leases_.find(name);
    if (it != leases_.end() && it->second.first == holder) leases_.erase(it);
  }
  // The holder, if the lease is held and not expired.
  std::optional<std::string> Holder(const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = leases_.find(name);
    if (it == leases_.end() || it->second.second <= now_()) return std::nullopt;
    return it->second.first;
  }

 private:
  std::function<TimeMs()> now_;
  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::string, TimeMs>> leases_;
};

class SharedRegistry final : public Registry {
 public:
  SharedRegistry(std::unique_ptr<Registry> inner, std::function<TimeMs()> now,
                 std::shared_ptr<LeaseTable> leases)
      : inner_(std::move(inner)), now_(std::move(now)), leases_(std::move(leases)) {}

  // Over a fresh SQLite in-memory registry.
  static std::unique_ptr<SharedRegistry> InMemory(std::function<TimeMs()> now,
                                                  std::shared_ptr<LeaseTable> leases) {
    Result<std::unique_ptr<Registry>> r = OpenSqliteRegistry(":memory:", false);
    if (!r.ok()) return nullptr;
    return std::make_unique<SharedRegistry>(std::move(*r), std::move(now), std::move(leases));
  }

  // Tombstoned ids, in freeing order.
  std::vector<std::string> Tombstones() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> ids;
    for (const auto& t : tombstones_) ids.push_back(t.first);
    return ids;
  }

  Task<Status> InsertBucket(const BucketInfo& b) override { return inner_->InsertBucket(b); }
  Task<Result<BucketInfo>> GetBucket(const std::string& n) override { return inner_->GetBucket(n); }
  Task<Result<std::vector<BucketInfo>>> ListBuckets(const std::string& o) override {
    return inner_->ListBuckets(o);
  }
  Task<Status> DeleteBucket(const std::string& n) override { return inner_->DeleteBucket(n); }
  Task<Result<std::optional<std::string>>> GetBucketSetting(const std::string& b,
                                                            const std::string& n) override {
    return inner_->GetBucketSetting(b, n);
  }
  Task<Status> PutBucketSetting(const std::string& b, uint64_t g, const std::string& n,
                                const std::optional<std::string>& d) override {
    return inner_->PutBucketSetting(b, g, n, d);
  }
  Task<Result<std::vector<std::pair<std::string, std::string>>>> ListBucketSettings(
      const std::string& n) override {
    return inner_->ListBucketSettings(n);
  }
  Task<Status> InsertUpload(const UploadInfo& u) override { return inner_->InsertUpload(u); }
  Task<Result<UploadInfo>> GetUpload(const std::string& id) override {
    return inner_->GetUpload(id);
  }
  Task<Result<ListUploadsResult>> ListUploads(const ListUploadsQuery& q) override {
    return inner_->ListUploads(q);
  }
  Task<Result<std::vector<std::string>>> ListUploadsCreatedBefore(TimeMs c) override {
    return inner_->ListUploadsCreatedBefore(c);
  }
  Task<Result<FreedBlobs>> DeleteUpload(const std::string& id) override {
    co_return Tombstone(co_await inner_->DeleteUpload(id));
  }
  Task<Status> PurgeCompletedUploads(TimeMs c) override { return inner_->PurgeCompletedUploads(c); }
  Task<Result<FreedBlobs>> PutPart(const std::string& id, const PartInfo& p) override {
    co_return Tombstone(co_await inner_->PutPart(id, p));
  }
  Task<Result<std::vector<PartInfo>>> ListParts(const std::string& id, int m, int max,
                                                bool* t) override {
    return inner_->ListParts(id, m, max, t);
  }
  Task<Result<FreedBlobs>> CompleteUpload(const std::string& id,
                                          const std::vector<CompletePart>& listed,
                                          const CompletePlanner& plan) override {
    co_return Tombstone(co_await inner_->CompleteUpload(id, listed, plan));
  }
  Task<Result<CompletedUpload>> GetCompletedUpload(const std::string& id) override {
    return inner_->GetCompletedUpload(id);
  }
  Task<Result<FreedBlobs>> PutObject(const ObjectInfo& o) override {
    co_return Tombstone(co_await inner_->PutObject(o));
  }
  Task<Status> PutObjectTagging(const std::string& b, const std::string& k, uint64_t g,
                                const std::string& t) override {
    return inner_->PutObjectTagging(b, k, g, t);
  }
  Task<Result<ObjectInfo>> GetObject(const std::string& b, const std::string& k) override {
    return inner_->GetObject(b, k);
  }
  Task<Result<FreedBlobs>> DeleteObject(const std::string& b, const std::string& k,
                                        uint64_t g) override {
    co_return Tombstone(co_await inner_->DeleteObject(b, k, g));
  }
  Task<Result<ListObjectsResult>> ListObjects(const ListObjectsQuery& q) override {
    return inner_->ListObjects(q);
  }
  Task<Result<std::vector<std::string>>> ReferencedBlobs() override {
    return inner_->ReferencedBlobs();
  }
  Task<Status> Reset() override {
    {
      std::lock_guard lock(mu_);
      tombstones_.clear();
    }
    return inner_->Reset();
  }

  bool shared() const override { return true; }
  Task<Result<std::vector<std::string>>> ListTombstones(TimeMs min_age_ms, int limit) override {
    std::lock_guard lock(mu_);
    std::vector<std::string> ids;
    const TimeMs now = now_();
    for (const auto& [id, freed] : tombstones_) {
      if (static_cast<int>(ids.size()) >= limit) break;
      if (now - freed >= min_age_ms) ids.push_back(id);
    }
    co_return ids;
  }
  Task<Status> ForgetTombstones(const std::vector<std::string>& ids) override {
    std::lock_guard lock(mu_);
    for (const std::string& id : ids) {
      std::erase_if(tombstones_, [&](const auto& t) { return t.first == id; });
    }
    co_return Status::Ok();
  }
  Task<Result<bool>> AcquireLease(const std::string& name, const std::string& holder,
                                  TimeMs ttl_ms) override {
    co_return leases_->Acquire(name, holder, ttl_ms);
  }
  Task<Status> ReleaseLease(const std::string& name, const std::string& holder) override {
    leases_->Release(name, holder);
    co_return Status::Ok();
  }

 private:
  // A shared registry returns no freed blobs: it tombstones them.
  Result<FreedBlobs> Tombstone(Result<FreedBlobs> freed) {
    if (!freed.ok()) return freed;
    std::lock_guard lock(mu_);
    for (const std::string& id : *freed) tombstones_.emplace_back(id, now_());
    return FreedBlobs();
  }

  std::unique_ptr<Registry> inner_;
  std::function<TimeMs()> now_;
  std::shared_ptr<LeaseTable> leases_;
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, TimeMs>> tombstones_;  // oldest first
};

}  // namespace s2lite::storage::testing
