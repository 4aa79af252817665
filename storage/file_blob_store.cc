#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "storage/blob_store.h"
#include "storage/file_modes.h"

namespace s2lite::storage {
namespace {

// Blob ids are 16 random bytes as 32 lower-case hex characters. Only ids of
// that exact shape are ever turned into paths, so nothing a client sends can
// name a file.
constexpr size_t kIdBytes = 16;
constexpr size_t kIdLength = 2 * kIdBytes;
constexpr std::string_view kTmpDir = "tmp";
constexpr std::string_view kTmpSuffix = ".part";

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsBlobId(std::string_view id) { return id.size() == kIdLength && IsHex(id); }

Status ErrnoStatus(std::string_view what, const std::string& path, int err) {
  return Status(ErrorCode::kInternalError,
                std::string(what) + " " + path + ": " + std::generic_category().message(err));
}

// The file's modification time in ms since the epoch; nullopt when it is gone.
Result<std::optional<TimeMs>> ModifiedMs(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<TimeMs>();
    return ErrnoStatus("stat", path, errno);
  }
  return std::optional<TimeMs>(static_cast<TimeMs>(st.st_mtim.tv_sec) * 1000 +
                               st.st_mtim.tv_nsec / 1'000'000);
}

Status FsyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : ErrnoStatus("fsync", path, err);
}

// Entry names of a directory, without "." and "..". A missing directory is
// empty.
Result<std::vector<std::string>> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return names;
    return ErrnoStatus("opendir", path, errno);
  }
  for (;;) {
    errno = 0;
    dirent* entry = ::readdir(dir);
    if (entry == nullptr) break;
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return ErrnoStatus("readdir", path, err);
  return names;
}

class FileBlobWriter final : public BlobWriter {
 public:
  FileBlobWriter(std::string id, std::string tmp_path, std::string dir, int fd, bool fsync)
      : id_(std::move(id)),
        tmp_path_(std::move(tmp_path)),
        dir_(std::move(dir)),
        fd_(fd),
        fsync_(fsync) {}
  ~FileBlobWriter() override { Abort(); }

  Status Write(const void* data, size_t n) override {
    if (fd_ < 0) return Status(ErrorCode::kInternalError, "blob writer is closed");
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      ssize_t written = ::write(fd_, p, n);
      if (written < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write", tmp_path_, errno);
      }
      p += written;
      n -= static_cast<size_t>(written);
      size_ += static_cast<uint64_t>(written);
    }
    return Status::Ok();
  }

  Result<BlobRef> Commit() override {
    if (fd_ < 0) return Status(ErrorCode::kInternalError, "blob writer is closed");
    Status s = Finish();
    if (!s.ok()) {
      Abort();
      return s;
    }
    committed_ = true;
    return BlobRef{id_, size_};
  }

  void Abort() override {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (!committed_ && !tmp_path_.empty()) {
      ::unlink(tmp_path_.c_str());
      tmp_path_.clear();
    }
  }

 private:
  // Flushes and closes the temp file and renames it into place.
  Status Finish() {
    if (fsync_ && ::fsync(fd_) != 0) return ErrnoStatus("fsync", tmp_path_, errno);
    // Linux releases the descriptor even when close fails, so it is never retried.
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return ErrnoStatus("close", tmp_path_, errno);

    const std::string sub_dir = dir_ + "/" + id_.substr(0, 2);
    const std::string path = sub_dir + "/" + id_;
    if (::rename(tmp_path_.c_str(), path.c_str()) != 0) {
      // Fan-out directories are created on first use.
      if (errno != ENOENT) return ErrnoStatus("rename", path, errno);
      if (::mkdir(sub_dir.c_str(), kPrivateDirMode) != 0 && errno != EEXIST) {
        return ErrnoStatus("mkdir", sub_dir, errno);
      }
      if (fsync_) {
        Status s = FsyncDir(dir_);
        if (!s.ok()) return s;
      }
      if (::rename(tmp_path_.c_str(), path.c_str()) != 0) {
        return ErrnoStatus("rename", path, errno);
      }
    }
    tmp_path_.clear();
    if (fsync_) {
      Status s = FsyncDir(sub_dir);
      if (!s.ok()) {
        ::unlink(path.c_str());
        return s;
      }
    }
    return Status::Ok();
  }

  std::string id_;
  std::string tmp_path_;  // empty once renamed or removed
  std::string dir_;
  int fd_;
  bool fsync_;
  bool committed_ = false;
  uint64_t size_ = 0;
};

class FileBlobReader final : public BlobReader {
 public:
  FileBlobReader(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~FileBlobReader() override { ::close(fd_); }

  Result<size_t> ReadAt(uint64_t offset, void* data, size_t n) override {
    if (offset >= size_ || n == 0) return size_t{0};
    // pread's result for counts above SSIZE_MAX is implementation-defined.
    n = std::min<size_t>(n, size_t{1} << 30);
    for (;;) {
      ssize_t got = ::pread(fd_, data, n, static_cast<off_t>(offset));
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return ErrnoStatus("pread", "blob", errno);
    }
  }
  uint64_t size() const override { return size_; }
  int fd() const override { return fd_; }

 private:
  int fd_;
  uint64_t size_;
};

// Layout: <dir>/<first two id chars>/<id>, and <dir>/tmp/<id>.part while a
// blob is being written. The tmp directory is emptied at open: whatever a
// crashed process was writing there was never committed.
class FileBlobStore final : public BlobStore {
 public:
  FileBlobStore(std::string dir, bool fsync)
      : dir_(std::move(dir)), tmp_dir_(dir_ + "/" + std::string(kTmpDir)), fsync_(fsync) {}

  Status ClearTmp() {
    Result<std::vector<std::string>> names = ListDir(tmp_dir_);
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      std::string path = tmp_dir_ + "/" + name;
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink", path, errno);
    }
    return Status::Ok();
  }

  Result<std::unique_ptr<BlobWriter>> NewBlob() override {
    std::string id = common::RandomHex(kIdBytes);
    std::string tmp_path = tmp_dir_ + "/" + id + std::string(kTmpSuffix);
    int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kPrivateFileMode);
    if (fd < 0) return ErrnoStatus("open", tmp_path, errno);
    return std::unique_ptr<BlobWriter>(
        std::make_unique<FileBlobWriter>(std::move(id), std::move(tmp_path), dir_, fd, fsync_));
  }

  Result<std::unique_ptr<BlobReader>> Open(const std::string& blob_id) override {
    if (!IsBlobId(blob_id)) {
      return Status(ErrorCode::kInternalError, "invalid blob id: " + blob_id);
    }
    std::string path = PathOf(blob_id);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("fstat", path, err);
    }
    return std::unique_ptr<BlobReader>(
        std::make_unique<FileBlobReader>(fd, static_cast<uint64_t>(st.st_size)));
  }

  Status Remove(const std::string& blob_id) override {
    if (!IsBlobId(blob_id)) {
      return Status(ErrorCode::kInternalError, "invalid blob id: " + blob_id);
    }
    std::string path = PathOf(blob_id);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink", path, errno);
    return Status::Ok();
  }

  Result<std::vector<File>> ListFiles() override {
    Result<std::vector<std::string>> ids = ListAll();
    if (!ids.ok()) return ids.status();
    std::vector<File> files;
    files.reserve(ids->size());
    for (const std::string& id : *ids) {
      Result<std::optional<TimeMs>> modified = ModifiedMs(PathOf(id));
      if (!modified.ok()) return modified.status();
      if (*modified) files.push_back({id, **modified, false});  // else removed meanwhile
    }
    Result<std::vector<std::string>> temps = ListDir(tmp_dir_);
    if (!temps.ok()) return temps.status();
    for (const std::string& name : *temps) {
      std::string_view id(name);
      if (id.size() != kIdLength + kTmpSuffix.size() || !id.ends_with(kTmpSuffix)) continue;
      id.remove_suffix(kTmpSuffix.size());
      if (!IsBlobId(id)) continue;
      Result<std::optional<TimeMs>> modified = ModifiedMs(tmp_dir_ + "/" + name);
      if (!modified.ok()) return modified.status();
      if (*modified) files.push_back({std::string(id), **modified, true});
    }
    return files;
  }

  Status RemoveTemporary(const std::string& blob_id) override {
    if (!IsBlobId(blob_id)) {
      return Status(ErrorCode::kInternalError, "invalid blob id: " + blob_id);
    }
    std::string path = tmp_dir_ + "/" + blob_id + std::string(kTmpSuffix);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink", path, errno);
    return Status::Ok();
  }

  Result<std::vector<std::string>> ListAll() override {
    Result<std::vector<std::string>> subs = ListDir(dir_);
    if (!subs.ok()) return subs;
    std::vector<std::string> ids;
    for (const std::string& sub : *subs) {
      if (sub.size() != 2 || !IsHex(sub)) continue;
      Result<std::vector<std::string>> names = ListDir(dir_ + "/" + sub);
      if (!names.ok()) return names;
      for (std::string& name : *names) {
        if (IsBlobId(name) && name.compare(0, 2, sub) == 0) ids.push_back(std::move(name));
      }
    }
    return ids;
  }

 private:
  std::string PathOf(const std::string& id) const {
    return dir_ + "/" + id.substr(0, 2) + "/" + id;
  }

  const std::string dir_;
  const std::string tmp_dir_;
  const bool fsync_;
};

}  // namespace

Result<std::unique_ptr<BlobStore>> OpenFileBlobStore(const std::string& dir, bool fsync,
                                                     bool shared) {
  if (dir.empty()) return Status(ErrorCode::kInvalidArgument, "blob directory not set");
  if (Status s = MakePrivateDir(dir); !s.ok()) return s;
  if (Status s = MakePrivateDir(dir + "/" + std::string(kTmpDir)); !s.ok()) return s;
  auto store = std::make_unique<FileBlobStore>(dir, fsync);
  if (!shared) {
    Status s = store->ClearTmp();
    if (!s.ok()) return s;
  }
  return std::unique_ptr<BlobStore>(std::move(store));
}

}  // namespace s2lite::storage
