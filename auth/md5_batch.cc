#include "auth/md5_batch.h"

// MD5_CTX's fields (the chaining value and the bit count) are what lets a
// stream move between OpenSSL's single-stream code and the lanes; the
// low-level MD5 functions are deprecated in OpenSSL 3 but stay in its ABI.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace s2lite::auth {

struct Md5Stream::State {
  MD5_CTX ctx;
  // Whole blocks handed over but not hashed yet, then the tail (< 64 bytes)
  // that follows them.
  const uint8_t* blocks = nullptr;
  size_t block_count = 0;
  const uint8_t* tail = nullptr;
  size_t tail_size = 0;
  bool waiting = false;  // in the batch's list
};

namespace {

constexpr int kLanes = 8;

// The lanes' chaining values, lane-major, and where each lane's next block
// is (a lane without a stream reads one zero block over and over).
struct LaneArgs {
  uint32_t state[4][kLanes];
  const uint8_t* next[kLanes];
  size_t stride[kLanes];
};
using KernelFn = void (*)(LaneArgs& args, size_t blocks);

#if defined(__x86_64__)
constexpr uint32_t kK[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

// The four round functions as bitwise truth tables over (b, c, d), the
// encoding of AVX-512's vpternlogd: F = b ? c : d, G = d ? b : c (as
// (b, c, d) -> 0xE4), H = b ^ c ^ d, I = c ^ (b | ~d).
constexpr int kF = 0xCA, kG = 0xE4, kH = 0x96, kI = 0x39;

// AVX2 only: rotates are two shifts and an or, each round function 2-3 ops.
struct Avx2Ops {
  template <int kTable>
  __attribute__((target("avx2"), always_inline)) static __m256i Round(__m256i b, __m256i c,
                                                                      __m256i d) {
    if constexpr (kTable == kF) {
      return _mm256_xor_si256(d, _mm256_and_si256(b, _mm256_xor_si256(c, d)));
    } else if constexpr (kTable == kG) {
      return _mm256_xor_si256(c, _mm256_and_si256(d, _mm256_xor_si256(b, c)));
    } else if constexpr (kTable == kH) {
      return _mm256_xor_si256(_mm256_xor_si256(b, c), d);
    } else {
      return _mm256_xor_si256(c, _mm256_or_si256(b, _mm256_xor_si256(d, _mm256_set1_epi32(-1))));
    }
  }
  template <int kBits>
  __attribute__((target("avx2"), always_inline)) static __m256i Rotate(__m256i x) {
    return _mm256_or_si256(_mm256_slli_epi32(x, kBits), _mm256_srli_epi32(x, 32 - kBits));
  }
};

// AVX-512VL on 256-bit registers: one vpternlogd per round function and one
// vprold per rotate shorten each step's dependency chain by a third. Inline
// assembly, so that the kernel is compiled once (for AVX2) for both op sets.
struct Avx512vlOps {
  template <int kTable>
  __attribute__((target("avx2"), always_inline)) static __m256i Round(__m256i b, __m256i c,
                                                                      __m256i d) {
    __asm__("vpternlogd %3, %2, %1, %0" : "+x"(b) : "x"(c), "x"(d), "i"(kTable));
    return b;
  }
  template <int kBits>
  __attribute__((target("avx2"), always_inline)) static __m256i Rotate(__m256i x) {
    __m256i r;
    __asm__("vprold %2, %1, %0" : "=x"(r) : "x"(x), "i"(kBits));
    return r;
  }
};

// Word j of every lane's block in register w[j]: two 8x8 transposes of
// 32-bit words.
__attribute__((target("avx2"), always_inline)) inline void Transpose(__m256i r[8]) {
  __m256i t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    u[4 * i] = _mm256_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 1] = _mm256_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 2] = _mm256_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    u[4 * i + 3] = _mm256_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);
  }
}

template <typename Ops, int kTable, int kStep, int kBits>
__attribute__((target("avx2"), always_inline)) inline void Step(__m256i& a, __m256i b, __m256i c,
                                                                __m256i d, const __m256i w[16]) {
  constexpr int kWord = kStep < 16   ? kStep
                        : kStep < 32 ? (5 * kStep + 1) % 16
                        : kStep < 48 ? (3 * kStep + 5) % 16
                                     : (7 * kStep) % 16;
  __m256i t = _mm256_add_epi32(_mm256_add_epi32(a, _mm256_set1_epi32(static_cast<int>(kK[kStep]))),
                               w[kWord]);
  t = _mm256_add_epi32(t, Ops::template Round<kTable>(b, c, d));
  a = _mm256_add_epi32(b, Ops::template Rotate<kBits>(t));
}

// Four steps of one round: a, b, c, d take turns.
template <typename Ops, int kTable, int kStep, int kS0, int kS1, int kS2, int kS3>
__attribute__((target("avx2"), always_inline)) inline void Four(__m256i& a, __m256i& b, __m256i& c,
                                                                __m256i& d, const __m256i w[16]) {
  Step<Ops, kTable, kStep, kS0>(a, b, c, d, w);
  Step<Ops, kTable, kStep + 1, kS1>(d, a, b, c, w);
  Step<Ops, kTable, kStep + 2, kS2>(c, d, a, b, w);
  Step<Ops, kTable, kStep + 3, kS3>(b, c, d, a, w);
}

template <typename Ops>
__attribute__((target("avx2"))) void Md5Lanes(LaneArgs& args, size_t blocks) {
  __m256i s[4];
  for (int i = 0; i < 4; ++i) s[i] = _mm256_loadu_si256(reinterpret_cast<__m256i*>(args.state[i]));
  for (size_t n = 0; n < blocks; ++n) {
    __m256i w[16], lo[8], hi[8];
    for (int l = 0; l < kLanes; ++l) {
      lo[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(args.next[l]));
      hi[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(args.next[l] + 32));
      args.next[l] += args.stride[l];
    }
    Transpose(lo);
    Transpose(hi);
    for (int j = 0; j < 8; ++j) {
      w[j] = lo[j];
      w[j + 8] = hi[j];
    }
    __m256i a = s[0], b = s[1], c = s[2], d = s[3];
    Four<Ops, kF, 0, 7, 12, 17, 22>(a, b, c, d, w);
    Four<Ops, kF, 4, 7, 12, 17, 22>(a, b, c, d, w);
    Four<Ops, kF, 8, 7, 12, 17, 22>(a, b, c, d, w);
    Four<Ops, kF, 12, 7, 12, 17, 22>(a, b, c, d, w);
    Four<Ops, kG, 16, 5, 9, 14, 20>(a, b, c, d, w);
    Four<Ops, kG, 20, 5, 9, 14, 20>(a, b, c, d, w);
    Four<Ops, kG, 24, 5, 9, 14, 20>(a, b, c, d, w);
    Four<Ops, kG, 28, 5, 9, 14, 20>(a, b, c, d, w);
    Four<Ops, kH, 32, 4, 11, 16, 23>(a, b, c, d, w);
    Four<Ops, kH, 36, 4, 11, 16, 23>(a, b, c, d, w);
    Four<Ops, kH, 40, 4, 11, 16, 23>(a, b, c, d, w);
    Four<Ops, kH, 44, 4, 11, 16, 23>(a, b, c, d, w);
    Four<Ops, kI, 48, 6, 10, 15, 21>(a, b, c, d, w);
    Four<Ops, kI, 52, 6, 10, 15, 21>(a, b, c, d, w);
    Four<Ops, kI, 56, 6, 10, 15, 21>(a, b, c, d, w);
    Four<Ops, kI, 60, 6, 10, 15, 21>(a, b, c, d, w);
    s[0] = _mm256_add_epi32(s[0], a);
    s[1] = _mm256_add_epi32(s[1], b);
    s[2] = _mm256_add_epi32(s[2], c);
    s[3] = _mm256_add_epi32(s[3], d);
  }
  for (int i = 0; i < 4; ++i) _mm256_storeu_si256(reinterpret_cast<__m256i*>(args.state[i]), s[i]);
}
#endif

}  // namespace

struct Md5Batch::Kernel {
  Md5Kernel id;
  std::string_view name;
  KernelFn fn;
  // Streams needed before the lanes beat OpenSSL's single stream. Measured
  // in CPU time on this project's 2-vCPU AMD EPYC (AVX-512): OpenSSL's MD5
  // ~730 MiB/s; 8 lanes with AVX-512VL ~3,300 MiB/s in all (2 streams: 840,
  // 3: 1,260), with AVX2 only ~3,000 (2 streams: no gain, 3: 1,060). A lone
  // stream always goes to OpenSSL.
  int break_even;
};

namespace {

bool CpuHas(Md5Kernel k) {
#if defined(__x86_64__)
  switch (k) {
    case Md5Kernel::kAvx512vl:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512vl");
    case Md5Kernel::kAvx2:
      return __builtin_cpu_supports("avx2");
    default:
      break;
  }
#endif
  return k == Md5Kernel::kNone;
}

constexpr Md5Batch::Kernel kKernels[] = {
#if defined(__x86_64__)
    {Md5Kernel::kAvx512vl, "avx512vl x8", &Md5Lanes<Avx512vlOps>, 2},
    {Md5Kernel::kAvx2, "avx2 x8", &Md5Lanes<Avx2Ops>, 3},
#endif
    {Md5Kernel::kNone, "none", nullptr, kLanes + 1},
};

const Md5Batch::Kernel* FindKernel(Md5Kernel want) {
  // Chosen once per process for kBest; a function-local static.
  static const Md5Batch::Kernel* best = [] {
    for (const auto& k : kKernels) {
      if (CpuHas(k.id)) return &k;
    }
    return &kKernels[std::size(kKernels) - 1];
  }();
  if (want == Md5Kernel::kBest) return best;
  for (const auto& k : kKernels) {
    if (k.id == want && CpuHas(k.id)) return &k;
  }
  return &kKernels[std::size(kKernels) - 1];
}

// OpenSSL's bit count (md32_common.h): 64 bits in two 32-bit halves.
void AddLength(MD5_CTX& ctx, size_t bytes) {
  const uint64_t bits = (uint64_t{ctx.Nh} << 32 | ctx.Nl) + (uint64_t{bytes} << 3);
  ctx.Nl = static_cast<MD5_LONG>(bits);
  ctx.Nh = static_cast<MD5_LONG>(bits >> 32);
}

alignas(64) constexpr uint8_t kZeroBlock[64] = {};

}  // namespace

Md5Stream::Md5Stream(Md5Batch* batch) : batch_(batch), state_(std::make_unique<State>()) {
  MD5_Init(&state_->ctx);
}

Md5Stream::~Md5Stream() {
  if (batch_) batch_->Leave(state_.get());
}

void Md5Stream::Update(const void* data, size_t n) {
  State& s = *state_;
  if (batch_) batch_->Settle(&s);
  const auto* p = static_cast<const uint8_t*>(data);
  if (s.ctx.num != 0) {
    // Complete the block OpenSSL holds first: blocks hand over whole.
    size_t take = std::min<size_t>(n, MD5_CBLOCK - s.ctx.num);
    MD5_Update(&s.ctx, p, take);
    p += take;
    n -= take;
  }
  if (!batch_ || n < MD5_CBLOCK) {
    if (n > 0) MD5_Update(&s.ctx, p, n);
    return;
  }
  s.blocks = p;
  s.block_count = n / MD5_CBLOCK;
  s.tail = p + s.block_count * MD5_CBLOCK;
  s.tail_size = n % MD5_CBLOCK;
  s.waiting = true;
  batch_->waiting_.push_back(&s);
}

common::Md5Digest Md5Stream::Final() {
  if (batch_) batch_->Settle(state_.get());
  common::Md5Digest out{};
  MD5_Final(out.data(), &state_->ctx);
  return out;
}

Md5Batch::Md5Batch(Md5Kernel kernel, int min_lanes)
    : kernel_(FindKernel(kernel)), min_lanes_(min_lanes > 0 ? min_lanes : kernel_->break_even) {}

Md5Batch::~Md5Batch() = default;

std::string_view Md5Batch::kernel_name() const { return kernel_->name; }

std::vector<Md5Kernel> Md5Batch::Available() {
  std::vector<Md5Kernel> out;
  for (const auto& k : kKernels) {
    if (CpuHas(k.id)) out.push_back(k.id);
  }
  return out;
}

void Md5Batch::Leave(Md5Stream::State* s) {
  if (!s->waiting) return;
  waiting_.erase(std::find(waiting_.begin(), waiting_.end(), s));
  s->waiting = false;
}

void Md5Batch::Settle(Md5Stream::State* s) {
  if (!s->waiting) return;
  while (s->block_count > 0) {
    // `s` in lane 0, then the others that wait, longest first (they go on
    // after `s` is done, so the lanes stay full longest).
    Md5Stream::State* lanes[kLanes] = {s};
    int used = 1;
    if (kernel_->fn != nullptr && static_cast<int>(waiting_.size()) >= min_lanes_) {
      std::vector<Md5Stream::State*> others;
      for (Md5Stream::State* o : waiting_) {
        if (o != s && o->block_count > 0) others.push_back(o);
      }
      std::sort(others.begin(), others.end(),
                [](auto* x, auto* y) { return x->block_count > y->block_count; });
      for (Md5Stream::State* o : others) {
        if (used == kLanes) break;
        lanes[used++] = o;
      }
    }
    if (kernel_->fn == nullptr || used < min_lanes_) {
      MD5_Update(&s->ctx, s->blocks, s->block_count * MD5_CBLOCK);
      stats_.single_blocks += s->block_count;
      s->blocks += s->block_count * MD5_CBLOCK;
      s->block_count = 0;
      break;
    }
    size_t blocks = s->block_count;
    for (int l = 1; l < used; ++l) blocks = std::min(blocks, lanes[l]->block_count);
    LaneArgs args;
    for (int l = 0; l < kLanes; ++l) {
      const MD5_CTX* ctx = l < used ? &lanes[l]->ctx : nullptr;
      args.state[0][l] = ctx ? ctx->A : 0;
      args.state[1][l] = ctx ? ctx->B : 0;
      args.state[2][l] = ctx ? ctx->C : 0;
      args.state[3][l] = ctx ? ctx->D : 0;
      args.next[l] = l < used ? lanes[l]->blocks : kZeroBlock;
      args.stride[l] = l < used ? MD5_CBLOCK : 0;
    }
    kernel_->fn(args, blocks);
    ++stats_.lane_runs;
    stats_.lane_blocks += blocks * static_cast<size_t>(used);
    for (int l = 0; l < used; ++l) {
      MD5_CTX& ctx = lanes[l]->ctx;
      ctx.A = args.state[0][l];
      ctx.B = args.state[1][l];
      ctx.C = args.state[2][l];
      ctx.D = args.state[3][l];
      AddLength(ctx, blocks * MD5_CBLOCK);
      lanes[l]->blocks += blocks * MD5_CBLOCK;
      lanes[l]->block_count -= blocks;
    }
  }
  // The tail follows the blocks; OpenSSL keeps it until the next block.
  if (s->tail_size > 0) MD5_Update(&s->ctx, s->tail, s->tail_size);
  s->tail_size = 0;
  Leave(s);
}

}  // namespace s2lite::auth
