#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "s2lite/status.h"
#include "storage/types.h"

namespace s2lite::storage {

// Writes one new blob. Not thread-safe; one writer per body.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual Status Write(const void* data, size_t n) = 0;
  // Makes the bytes durable per the store's fsync setting and returns the
  // blob. After Commit the blob exists until BlobStore::Remove.
  virtual Result<BlobRef> Commit() = 0;
  // Discards the bytes (also done by the destructor if not committed).
  virtual void Abort() = 0;
};

class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to n bytes at `offset`; returns bytes read (0 at end).
  virtual Result<size_t> ReadAt(uint64_t offset, void* data, size_t n) = 0;
  virtual uint64_t size() const = 0;
  // The file descriptor backing the blob, or -1 (memory blobs).
  virtual int fd() const { return -1; }
};

// Bytes, named by generated ids. Thread-safe.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual Result<std::unique_ptr<BlobWriter>> NewBlob() = 0;
  virtual Result<std::unique_ptr<BlobReader>> Open(const std::string& blob_id) = 0;
  // Removing a missing blob is OK.
  virtual Status Remove(const std::string& blob_id) = 0;
  // Ids of every blob present (for orphan collection at start-up).
  virtual Result<std::vector<std::string>> ListAll() = 0;

  // Every committed blob and every writer's temporary file, with its last
  // modification time: what a shared store's sweeper needs to tell an
  // abandoned file (its writer was killed, or its commit failed) from one
  // being written or committed just now.
  struct File {
    std::string blob_id;
    TimeMs modified = 0;     // ms since the epoch (the file system's clock)
    bool temporary = false;  // not committed: a writer's bytes in progress
  };
  virtual Result<std::vector<File>> ListFiles() = 0;
  // Removes the temporary file of a writer that is gone. Missing is OK.
  virtual Status RemoveTemporary(const std::string& blob_id) = 0;
};

// Files under `dir` (created if missing), named by random ids (128 bits from
// the system's CSPRNG, so daemons sharing `dir` never pick the same one),
// fanned out into 256 sub-directories. Blob files are write-once: written to
// a temp name with O_EXCL, fsync'd when `fsync` (directories too), renamed at
// Commit, never modified afterwards. Opening empties the temp directory of
// what a crashed writer left, unless `shared`: then other processes' writers
// are using it, and their abandoned files are left to the sweeper (ListFiles).
Result<std::unique_ptr<BlobStore>> OpenFileBlobStore(const std::string& dir, bool fsync,
                                                     bool shared = false);
// Bytes in memory (in-memory mode, tests).
std::unique_ptr<BlobStore> NewMemoryBlobStore();

}  // namespace s2lite::storage
