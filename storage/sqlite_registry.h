#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s2lite/status.h"
#include "storage/registry.h"

namespace s2lite::storage {

// The SQLite schema version this build writes (PRAGMA user_version).
inline constexpr int kRegistrySchemaVersion = 3;

// Opens (creating if needed) the registry database at `path` (":memory:" for a
// private in-memory database), in WAL mode, and brings its schema up to
// kRegistrySchemaVersion. A database written by a newer s2lite is refused.
// `fsync`: power-loss durability: synchronous=FULL, or with group commit a
// WAL sync in CommitGroup (NORMAL alone already survives a process crash in
// WAL mode). group_commit: see Registry's group commit; off, every write
// commits before it returns.
Result<std::unique_ptr<Registry>> OpenSqliteRegistry(const std::string& path, bool fsync,
                                                     bool group_commit = false);

// The reversible text form of x-amz-meta-* pairs kept in one column:
// `name=value&name=value`, with '%', '&' and '=' percent-escaped. Order and
// empty values are preserved.
std::string EncodeMetadata(const std::vector<std::pair<std::string, std::string>>& metadata);
std::vector<std::pair<std::string, std::string>> DecodeMetadata(std::string_view encoded);

// A completed upload's part list kept in one column: "1:<etag>,2:<etag>".
std::string EncodeCompletedParts(const std::vector<CompletePart>& parts);
std::vector<CompletePart> DecodeCompletedParts(std::string_view encoded);

// The smallest string greater than every string starting with `prefix`, or
// nullopt when there is none (empty prefix, or only 0xff bytes).
std::optional<std::string> PrefixSuccessor(std::string prefix);

}  // namespace s2lite::storage
