#include "storage/file_modes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace s2lite::storage {
namespace {

Status Failed(const std::string& what, const std::string& path, int err) {
  return Status(ErrorCode::kInternalError,
                what + " " + path + ": " + std::generic_category().message(err));
}

}  // namespace

Status MakePrivateDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status(ErrorCode::kInternalError, "create " + path + ": " + ec.message());
  // mkdir's mode passes through the umask; chmod does not.
  if (::chmod(path.c_str(), kPrivateDirMode) != 0) return Failed("chmod", path, errno);
  return Status::Ok();
}

Status MakePrivateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kPrivateFileMode);
  if (fd < 0) return Failed("open", path, errno);
  struct stat st;
  int rc = ::fstat(fd, &st);
  if (rc == 0 && (st.st_mode & 077) != 0) rc = ::fchmod(fd, kPrivateFileMode);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : Failed("chmod", path, err);
}

Status TightenModes(const std::string& root, const std::function<void(const std::string&)>& warn) {
  namespace fs = std::filesystem;
  size_t tightened = 0;
  auto tighten = [&](const fs::path& p) -> Status {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0)
      return errno == ENOENT ? Status::Ok() : Failed("stat", p, errno);
    if (S_ISLNK(st.st_mode) || (st.st_mode & 077) == 0) return Status::Ok();
    if (::chmod(p.c_str(), st.st_mode & 07700) != 0) return Failed("chmod", p, errno);
    ++tightened;
    return Status::Ok();
  };
  // A private root is one s2lite made or already tightened: walking every
  // blob at each start would cost a stat per file for nothing.
  struct stat root_st;
  if (::stat(root.c_str(), &root_st) != 0)
    return errno == ENOENT ? Status::Ok() : Failed("stat", root, errno);
  if ((root_st.st_mode & 077) == 0) return Status::Ok();
  if (Status s = tighten(root); !s.ok()) return s;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (Status s = tighten(it->path()); !s.ok()) return s;
  }
  if (ec) return Status(ErrorCode::kInternalError, "walk " + root + ": " + ec.message());
  if (tightened > 0 && warn) {
    warn("data directory " + root + " was readable by other users: " + std::to_string(tightened) +
         " files and directories made private (0700/0600)");
  }
  return Status::Ok();
}

}  // namespace s2lite::storage
