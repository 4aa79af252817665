#pragma once

// A data directory is private to the user running s2lite: directories 0700,
// files 0600, whatever the process umask.

#include <functional>
#include <string>

#include "s2lite/status.h"

namespace s2lite::storage {

inline constexpr unsigned kPrivateDirMode = 0700;
inline constexpr unsigned kPrivateFileMode = 0600;

// Creates `path` and its missing parents; the leaf ends up 0700.
Status MakePrivateDir(const std::string& path);

// Creates `path` as an empty 0600 file if it does not exist (files SQLite
// creates next to it, -wal and -shm, take its mode).
Status MakePrivateFile(const std::string& path);

// When `root` exists and is readable by group or others (a directory an
// older s2lite or another tool made), removes group and other permission bits
// from it and everything under it; calls `warn` once, naming how many entries
// were looser. A private root is not walked.
Status TightenModes(const std::string& root, const std::function<void(const std::string&)>& warn);

}  // namespace s2lite::storage
