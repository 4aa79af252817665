#include "auth/md5_batch.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/crypto.h"

namespace s2lite::auth {
namespace {

std::string KernelName(Md5Kernel k) { return std::string(Md5Batch(k).kernel_name()); }

// RFC 1321, appendix A.5.
TEST(Md5BatchTest, Rfc1321Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (Md5Kernel k : Md5Batch::Available()) {
    // One lane is enough for the lanes to run: every vector goes through them.
    Md5Batch batch(k, 1);
    for (const auto& [input, hex] : vectors) {
      SCOPED_TRACE(KernelName(k) + " \"" + input + "\"");
      // Eight copies side by side fill every lane.
      std::vector<std::unique_ptr<Md5Stream>> streams;
      std::string copies[8];
      for (int i = 0; i < 8; ++i) {
        copies[i] = input;
        streams.push_back(std::make_unique<Md5Stream>(&batch));
        streams.back()->Update(copies[i].data(), copies[i].size());
      }
      for (auto& s : streams) EXPECT_EQ(common::HexEncode(s->Final()), hex);
      Md5Stream alone(nullptr);
      alone.Update(input.data(), input.size());
      EXPECT_EQ(common::HexEncode(alone.Final()), hex);
    }
  }
}

// Streams of random lengths, fed in random pieces in a random order, with
// every kernel and lane threshold: each digest equals OpenSSL's of its bytes.
TEST(Md5BatchTest, RandomInterleavingsMatchOpenSsl) {
  std::mt19937_64 rng(17);
  std::string data((2 << 20) + 4096, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (Md5Kernel k : Md5Batch::Available()) {
    for (int min_lanes : {1, 2, 0}) {
      Md5Batch batch(k, min_lanes);
      for (int trial = 0; trial < 20; ++trial) {
        const int n = 1 + static_cast<int>(rng() % 12);
        std::vector<std::unique_ptr<Md5Stream>> streams;
        std::vector<std::string_view> bodies;
        std::vector<size_t> fed(n, 0);
        for (int i = 0; i < n; ++i) {
          size_t length = rng() % (trial % 4 == 0 ? 3000 : 400000);
          bodies.push_back(std::string_view(data).substr(rng() % 4096, length));
          streams.push_back(std::make_unique<Md5Stream>(&batch));
        }
        for (;;) {
          std::vector<int> open;
          for (int i = 0; i < n; ++i) {
            if (fed[i] < bodies[i].size()) open.push_back(i);
          }
          if (open.empty()) break;
          const int i = open[rng() % open.size()];
          size_t piece = rng() % 3 == 0 ? rng() % 130 : rng() % 70000;
          piece = std::min(piece, bodies[i].size() - fed[i]);
          streams[i]->Update(bodies[i].data() + fed[i], piece);
          fed[i] += piece;
        }
        for (int i = 0; i < n; ++i) {
          SCOPED_TRACE(KernelName(k) + " min_lanes " + std::to_string(min_lanes) + " trial " +
                       std::to_string(trial) + " stream " + std::to_string(i) + " of " +
                       std::to_string(n) + ", " + std::to_string(bodies[i].size()) + " bytes");
          ASSERT_EQ(streams[i]->Final(), common::Md5(bodies[i]));
        }
      }
      if (k != Md5Kernel::kNone) {
        EXPECT_GT(batch.stats().lane_blocks, 0u) << KernelName(k);
      }
    }
  }
}

TEST(Md5BatchTest, AStreamLeavingMidwayDoesNotDisturbTheOthers) {
  std::string a(100000, 'a'), b(100000, 'b'), c(100000, 'c');
  for (Md5Kernel k : Md5Batch::Available()) {
    SCOPED_TRACE(KernelName(k));
    Md5Batch batch(k, 1);
    Md5Stream sa(&batch), sc(&batch);
    {
      Md5Stream sb(&batch);
      sa.Update(a.data(), a.size());
      sb.Update(b.data(), b.size());  // waits, then is dropped unhashed
    }
    sc.Update(c.data(), c.size());
    EXPECT_EQ(sa.Final(), common::Md5(a));
    EXPECT_EQ(sc.Final(), common::Md5(c));
  }
}

TEST(Md5BatchTest, BytesAreHashedAtTheLatestOnTheNextUpdate) {
  // The contract the session relies on: after Update(y), x may be reused.
  for (Md5Kernel k : Md5Batch::Available()) {
    SCOPED_TRACE(KernelName(k));
    Md5Batch batch(k, 1);
    Md5Stream s(&batch);
    std::string buffer(5000, 'x');
    s.Update(buffer.data(), buffer.size());
    std::string next(300, 'y');
    s.Update(next.data(), next.size());
    buffer.assign(5000, 'z');  // must not change the digest any more
    EXPECT_EQ(s.Final(), common::Md5(std::string(5000, 'x') + std::string(300, 'y')));
  }
}

}  // namespace
}  // namespace s2lite::auth
