#pragma once

// Loading fixtures at start (Options::seed_dir): DIR/<bucket>/<key...> files
// become buckets owned by the first user and their objects.

#include <string>

#include "s2lite/status.h"

namespace s2lite::server {

struct ServerState;

// Creates the buckets (kept when they exist and are the first user's) and
// uploads every regular file whose object is missing or differs in size or
// modification time, streaming it. Errors: kInvalidArgument (not a
// directory, an invalid bucket name, a bucket someone else owns, a key too
// long or not UTF-8), store and I/O errors.
struct SeedResult {
  int buckets = 0;
  int uploaded = 0;
  int unchanged = 0;
};
Result<SeedResult> SeedFromDirectory(ServerState& state, const std::string& dir);

}  // namespace s2lite::server
