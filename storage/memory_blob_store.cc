#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "storage/blob_store.h"

namespace s2lite::storage {
namespace {

using Bytes = std::shared_ptr<const std::string>;

// Shared by the store and its writers, so a writer may outlive the store.
struct MemoryBlobs {
  std::mutex mu;
  std::unordered_map<std::string, Bytes> blobs;
  std::unordered_map<std::string, TimeMs> modified;  // commit time (system clock)
};

TimeMs SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class MemoryBlobWriter final : public BlobWriter {
 public:
  explicit MemoryBlobWriter(std::shared_ptr<MemoryBlobs> blobs) : blobs_(std::move(blobs)) {}

  Status Write(const void* data, size_t n) override {
    if (done_) return Status(ErrorCode::kInternalError, "blob writer is closed");
    bytes_.append(static_cast<const char*>(data), n);
    return Status::Ok();
  }

  Result<BlobRef> Commit() override {
    if (done_) return Status(ErrorCode::kInternalError, "blob writer is closed");
    done_ = true;
    BlobRef ref{common::RandomHex(16), bytes_.size()};
    auto bytes = std::make_shared<const std::string>(std::move(bytes_));
    std::lock_guard lock(blobs_->mu);
    blobs_->blobs.emplace(ref.blob_id, std::move(bytes));
    blobs_->modified.emplace(ref.blob_id, SystemNowMs());
    return ref;
  }

  void Abort() override {
    done_ = true;
    bytes_.clear();
  }

 private:
  std::shared_ptr<MemoryBlobs> blobs_;
  std::string bytes_;
  bool done_ = false;
};

// Holds its bytes alive, so a reader keeps working after Remove, like an open
// file after unlink.
class MemoryBlobReader final : public BlobReader {
 public:
  explicit MemoryBlobReader(Bytes bytes) : bytes_(std::move(bytes)) {}

  Result<size_t> ReadAt(uint64_t offset, void* data, size_t n) override {
    if (offset >= bytes_->size()) return size_t{0};
    size_t count = std::min<uint64_t>(n, bytes_->size() - offset);
    std::memcpy(data, bytes_->data() + offset, count);
    return count;
  }
  uint64_t size() const override { return bytes_->size(); }

 private:
  Bytes bytes_;
};

class MemoryBlobStore final : public BlobStore {
 public:
  Result<std::unique_ptr<BlobWriter>> NewBlob() override {
    return std::unique_ptr<BlobWriter>(std::make_unique<MemoryBlobWriter>(blobs_));
  }

  Result<std::unique_ptr<BlobReader>> Open(const std::string& blob_id) override {
    std::lock_guard lock(blobs_->mu);
    auto it = blobs_->blobs.find(blob_id);
    if (it == blobs_->blobs.end()) {
      return Status(ErrorCode::kInternalError, "blob not found: " + blob_id);
    }
    return std::unique_ptr<BlobReader>(std::make_unique<MemoryBlobReader>(it->second));
  }

  Status Remove(const std::string& blob_id) override {
    std::lock_guard lock(blobs_->mu);
    blobs_->blobs.erase(blob_id);
    blobs_->modified.erase(blob_id);
    return Status::Ok();
  }

  // Bytes in progress live in their writer, not here: nothing is temporary.
  Result<std::vector<File>> ListFiles() override {
    std::lock_guard lock(blobs_->mu);
    std::vector<File> files;
    files.reserve(blobs_->modified.size());
    for (const auto& [id, when] : blobs_->modified) files.push_back({id, when, false});
    return files;
  }
  Status RemoveTemporary(const std::string&) override { return Status::Ok(); }

  Result<std::vector<std::string>> ListAll() override {
    std::lock_guard lock(blobs_->mu);
    std::vector<std::string> ids;
    ids.reserve(blobs_->blobs.size());
    for (const auto& entry : blobs_->blobs) ids.push_back(entry.first);
    return ids;
  }

 private:
  std::shared_ptr<MemoryBlobs> blobs_ = std::make_shared<MemoryBlobs>();
};

}  // namespace

std::unique_ptr<BlobStore> NewMemoryBlobStore() { return std::make_unique<MemoryBlobStore>(); }

}  // namespace s2lite::storage
