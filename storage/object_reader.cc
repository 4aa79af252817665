#include "storage/object_reader.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace s2lite::storage {

ObjectReader::ObjectReader(ObjectStore& store, ObjectStore::LeasedObject object, uint64_t offset,
                           uint64_t length)
    : store_(store), object_(std::move(object)), blob_offset_(offset), left_(length) {
  const std::vector<BlobRef>& manifest = object_.info.manifest;
  while (index_ < manifest.size() && blob_offset_ >= manifest[index_].size) {
    blob_offset_ -= manifest[index_].size;
    ++index_;
  }
}

Status ObjectReader::Open() { return left_ == 0 ? Status::Ok() : Advance(); }

Status ObjectReader::Advance() {
  // Past it, a shared store's sweeper may remove the blobs (StoreOptions::max_read_ms).
  if (std::chrono::steady_clock::now() > object_.read_deadline) {
    return Status(ErrorCode::kInternalError,
                  "reading " + object_.info.key + " took longer than the longest read allowed");
  }
  const std::vector<BlobRef>& manifest = object_.info.manifest;
  while (index_ < manifest.size() && blob_offset_ >= manifest[index_].size) {
    blob_offset_ = 0;
    ++index_;
    reader_.reset();
  }
  if (index_ == manifest.size()) return Status(ErrorCode::kInternalError, "manifest too short");
  if (reader_) return Status::Ok();
  auto reader = store_.OpenBlob(manifest[index_].blob_id);
  if (!reader.ok()) return reader.status();
  reader_ = std::move(*reader);
  return Status::Ok();
}

Result<size_t> ObjectReader::Read(char* data, size_t n) {
  if (left_ == 0 || n == 0) return size_t{0};
  if (Status s = Advance(); !s.ok()) return s;
  const BlobRef& blob = object_.info.manifest[index_];
  n = static_cast<size_t>(std::min<uint64_t>({n, left_, blob.size - blob_offset_}));
  auto got = reader_->ReadAt(blob_offset_, data, n);
  if (!got.ok()) return got.status();
  if (*got == 0) {
    return Status(ErrorCode::kInternalError, "blob " + blob.blob_id + " shorter than its manifest");
  }
  blob_offset_ += *got;
  left_ -= *got;
  return *got;
}

Result<ObjectReader::FileSpan> ObjectReader::NextFileSpan(size_t max) {
  FileSpan span;
  if (left_ == 0 || max == 0) return span;
  if (Status s = Advance(); !s.ok()) return s;
  const BlobRef& blob = object_.info.manifest[index_];
  span.fd = reader_->fd();
  span.offset = blob_offset_;
  span.length = static_cast<size_t>(std::min<uint64_t>({max, left_, blob.size - blob_offset_}));
  return span;
}

void ObjectReader::Consume(size_t n) {
  blob_offset_ += n;
  left_ -= n;
}

}  // namespace s2lite::storage
