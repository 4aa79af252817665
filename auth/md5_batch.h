#pragma once

// Multi-buffer MD5: the MD5s (ETags) of the bodies streaming on one event
// loop, computed together. MD5 is one long dependency chain per stream, so a
// core runs one stream at a fraction of its width; eight streams side by side
// in 256-bit registers cost about what one does (RFC 1321's steps are the
// same for every lane). Blocks wait for company only as long as their own
// stream allows: a stream's bytes are hashed at the latest on its next
// Update() or Final(), with whatever other streams have blocks waiting, or
// alone (OpenSSL) when too few do for the lanes to pay.
// https://www.ietf.org/rfc/rfc1321.txt

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/crypto.h"

namespace s2lite::auth {

enum class Md5Kernel {
  kBest,      // the fastest this CPU runs
  kAvx512vl,  // 8 lanes, AVX2 plus AVX-512VL's rotate and ternary logic
  kAvx2,      // 8 lanes, AVX2 only
  kNone,      // every stream alone (OpenSSL)
};

class Md5Batch;

// One body's MD5. Neither copyable nor movable.
class Md5Stream {
 public:
  // `batch` may be null: OpenSSL's MD5, each Update() at once. Otherwise the
  // batch must outlive the stream and be used from the same thread.
  explicit Md5Stream(Md5Batch* batch = nullptr);
  ~Md5Stream();
  Md5Stream(const Md5Stream&) = delete;
  Md5Stream& operator=(const Md5Stream&) = delete;

  // Hashes `data`, now or later: its `n` bytes must stay valid and unchanged
  // until the next Update() or Final() on this stream, or its destruction.
  void Update(const void* data, size_t n);
  // The digest of everything given to Update(). Call once.
  common::Md5Digest Final();

  struct State;

 private:
  Md5Batch* batch_;
  std::unique_ptr<State> state_;
};

// The streams of one thread (one event loop) whose blocks may share lanes.
// Not thread-safe. Outlives its streams.
class Md5Batch {
 public:
  // `min_lanes`: how many streams must have blocks waiting before the lanes
  // run (fewer run alone); 0 = the kernel's break-even on this CPU class.
  explicit Md5Batch(Md5Kernel kernel = Md5Kernel::kBest, int min_lanes = 0);
  ~Md5Batch();
  Md5Batch(const Md5Batch&) = delete;
  Md5Batch& operator=(const Md5Batch&) = delete;

  // The kernel in use: "avx512vl x8", "avx2 x8" or "none".
  std::string_view kernel_name() const;
  // Kernels this CPU can run, the best first (kNone last).
  static std::vector<Md5Kernel> Available();

  struct Kernel;  // defined in md5_batch.cc

  struct Stats {
    uint64_t lane_runs = 0;      // kernel calls
    uint64_t lane_blocks = 0;    // 64-byte blocks hashed in lanes (all lanes)
    uint64_t single_blocks = 0;  // blocks hashed one stream at a time
  };
  const Stats& stats() const { return stats_; }

 private:
  friend class Md5Stream;
  // Hashes the waiting whole blocks of `s` (sharing lanes with other waiting
  // streams when enough wait), then its tail.
  void Settle(Md5Stream::State* s);
  void Leave(Md5Stream::State* s);

  const Kernel* kernel_;
  int min_lanes_;
  std::vector<Md5Stream::State*> waiting_;
  Stats stats_;
};

}  // namespace s2lite::auth
