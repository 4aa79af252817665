#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.h"
#include "s2lite/status.h"
#include "storage/blob_store.h"
#include "storage/object_store.h"

namespace s2lite::storage::testing {

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/s2lite_storage_test_XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The first column of the first row `sql` yields, read by a connection of
// its own ("<error>" on failure): with SQLite's WAL, only what is committed.
inline std::string QueryText(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out = "<error>";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);  // a checkpoint may hold the WAL for a moment
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text != nullptr ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

inline std::string Md5Hex(std::string_view bytes) { return common::HexEncode(common::Md5(bytes)); }

// Writes `bytes` to a new committed blob.
inline Result<BlobRef> WriteBlob(BlobStore& store, std::string_view bytes) {
  Result<std::unique_ptr<BlobWriter>> writer = store.NewBlob();
  if (!writer.ok()) return writer.status();
  Status s = (*writer)->Write(bytes.data(), bytes.size());
  if (!s.ok()) return s;
  return (*writer)->Commit();
}

// Store: ObjectStore or SyncStore (their NewBlob / OpenBlob are the same).
template <class Store>
Result<BlobRef> WriteBlob(Store& store, std::string_view bytes) {
  Result<std::unique_ptr<BlobWriter>> writer = store.NewBlob();
  if (!writer.ok()) return writer.status();
  Status s = (*writer)->Write(bytes.data(), bytes.size());
  if (!s.ok()) return s;
  return (*writer)->Commit();
}

// Part `number` with `bytes` in a new blob of `store`, its ETag the bytes'
// MD5 as an upload would record it.
template <class Store>
PartInfo MakePart(Store& store, int number, std::string_view bytes) {
  Result<BlobRef> blob = WriteBlob(store, bytes);
  EXPECT_TRUE(blob.ok());
  PartInfo part;
  part.part_number = number;
  if (blob.ok()) part.blob = *blob;
  part.md5_hex = Md5Hex(bytes);
  part.etag = "\"" + part.md5_hex + "\"";
  return part;
}

inline std::string ReadAll(BlobReader& reader) {
  std::string out;
  char buf[7];  // small on purpose: exercises offsets
  for (;;) {
    Result<size_t> n = reader.ReadAt(out.size(), buf, sizeof buf);
    if (!n.ok() || *n == 0) return out;
    out.append(buf, *n);
  }
}

// The blob's bytes, or nullopt-like "<missing>" when it cannot be opened.
template <class Store>
std::string ReadBlob(Store& store, const std::string& blob_id) {
  Result<std::unique_ptr<BlobReader>> reader = store.OpenBlob(blob_id);
  if (!reader.ok()) return "<missing>";
  return ReadAll(**reader);
}

template <class Store>
std::string ReadObjectBytes(Store& store, const ObjectInfo& object) {
  std::string out;
  for (const BlobRef& blob : object.manifest) out += ReadBlob(store, blob.blob_id);
  return out;
}

template <class Store>
bool BlobExists(Store& store, const std::string& blob_id) {
  return store.OpenBlob(blob_id).ok();
}

}  // namespace s2lite::storage::testing
