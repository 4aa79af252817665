#pragma once

// Reading an object's bytes, once for everyone (GET, range and part GETs,
// copies, the embedding API's ReadObject): [offset, offset + length) of the
// concatenation of its manifest's blobs, opening one blob at a time, while
// holding the object's lease (ObjectStore::GetObjectForRead), so the bytes
// stay readable should the object be replaced or deleted meanwhile.

#include <cstdint>
#include <memory>
#include <vector>

#include "s2lite/status.h"
#include "storage/blob_store.h"
#include "storage/object_store.h"
#include "storage/types.h"

namespace s2lite::storage {

class ObjectReader {
 public:
  // Precondition: offset + length <= the object's size. `store` must outlive
  // the reader.
  ObjectReader(ObjectStore& store, ObjectStore::LeasedObject object, uint64_t offset,
               uint64_t length);

  // Opens the first blob, so that a blob gone missing is reported before a
  // response header is sent.
  Status Open();

  // Up to n bytes; 0 once `length` bytes have been read. kInternalError when
  // a blob is missing or shorter than the manifest says, or once the object's
  // read_deadline has passed (a shared store's bound on a read's length).
  Result<size_t> Read(char* data, size_t n);

  // For zero-copy sends: the file and range holding the next at most `max`
  // bytes, without reading them (fd -1: not in a file, use Read); then
  // Consume(n) for the n bytes actually sent.
  struct FileSpan {
    int fd = -1;
    uint64_t offset = 0;
    size_t length = 0;
  };
  Result<FileSpan> NextFileSpan(size_t max);
  void Consume(size_t n);

  // Bytes not read yet.
  uint64_t left() const { return left_; }
  const ObjectInfo& info() const { return object_.info; }

 private:
  // Moves to the blob holding the next byte, opening it.
  Status Advance();

  ObjectStore& store_;
  ObjectStore::LeasedObject object_;
  size_t index_ = 0;          // current blob
  uint64_t blob_offset_ = 0;  // next byte within the current blob
  uint64_t left_;
  std::unique_ptr<BlobReader> reader_;
};

}  // namespace s2lite::storage
