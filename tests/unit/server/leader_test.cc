// The leader election of daemons sharing a registry (server/leader.h), over
// the test registry that behaves as a shared one
// (tests/unit/storage/shared_registry.h): daemons A and B share its lease
// table; one fake clock drives the lease expiry and the leaders' own time,
// so nothing sleeps.

#include "server/leader.h"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/logging.h"
#include "storage/object_store.h"
#include "storage/registry.h"
#include "tests/unit/storage/shared_registry.h"
#include "tests/unit/storage/test_util.h"

namespace s2lite::server {
namespace {

using storage::Sync;
using storage::TimeMs;
using storage::testing::FakeClock;
using storage::testing::LeaseTable;
using storage::testing::SharedRegistry;

constexpr TimeMs kTtl = 15'000;
constexpr TimeMs kGrace = 60'000;

struct Daemon {
  std::unique_ptr<storage::ObjectStore> store;
  SharedRegistry* registry = nullptr;
  std::unique_ptr<Leader> leader;
  std::mutex mu;
  std::vector<std::string> log;

  bool Logged(const std::string& text) {
    std::lock_guard lock(mu);
    for (const std::string& line : log)
      if (line.find(text) != std::string::npos) return true;
    return false;
  }
};

class LeaderTest : public ::testing::Test {
 protected:
  std::unique_ptr<Daemon> NewDaemon(const std::string& node_id) {
    auto d = std::make_unique<Daemon>();
    auto registry = SharedRegistry::InMemory(clock_.AsFunction(), leases_);
    d->registry = registry.get();
    storage::StoreOptions so;
    so.now = clock_.AsFunction();
    auto store = storage::NewObjectStore(std::move(registry), storage::NewMemoryBlobStore(), so);
    EXPECT_TRUE(store.ok());
    d->store = std::move(*store);
    Options options;
    Daemon* raw = d.get();
    options.log_sink = [raw](LogLevel, std::string_view line) {
      std::lock_guard lock(raw->mu);
      raw->log.emplace_back(line);
    };
    LeaderOptions lo;
    lo.node_id = node_id;
    lo.ttl = std::chrono::milliseconds(kTtl);
    lo.blob_grace = std::chrono::milliseconds(kGrace);
    lo.now = clock_.AsFunction();
    d->leader = std::make_unique<Leader>(*d->store, MakeLogger(options, node_id), lo);
    return d;
  }

  FakeClock clock_;
  std::shared_ptr<LeaseTable> leases_ = std::make_shared<LeaseTable>(clock_.AsFunction());
};

TEST_F(LeaderTest, OneDaemonLeadsAndAnotherTakesOverOnceItsLeaseExpired) {
  auto a = NewDaemon("node-a");
  auto b = NewDaemon("node-b");
  ASSERT_TRUE(Sync(a->leader->Tick()).ok());
  ASSERT_TRUE(Sync(b->leader->Tick()).ok());
  EXPECT_TRUE(a->leader->leader());
  EXPECT_FALSE(b->leader->leader());
  EXPECT_TRUE(a->Logged("node-a now runs the background work"));
  EXPECT_FALSE(b->Logged("now runs"));

  // A renews every ttl/3 and keeps the lease.
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(kTtl / 3);
    EXPECT_TRUE(Sync(a->leader->Tick()).ok());
    EXPECT_TRUE(Sync(b->leader->Tick()).ok());
    EXPECT_TRUE(a->leader->leader());
    EXPECT_FALSE(b->leader->leader());
  }

  // A dies (no more renewals). It would stop leading 3/4 ttl after its last
  // renewal; B may take over only once the lease expired.
  clock_.Advance(kTtl * 3 / 4);
  EXPECT_FALSE(a->leader->leader());
  EXPECT_TRUE(Sync(b->leader->Tick()).ok());
  EXPECT_FALSE(b->leader->leader());
  clock_.Advance(kTtl - kTtl * 3 / 4);
  EXPECT_TRUE(Sync(b->leader->Tick()).ok());
  EXPECT_TRUE(b->leader->leader());
  EXPECT_TRUE(b->Logged("node-b now runs the background work"));
  EXPECT_EQ(leases_->Holder("background"), "node-b");

  // A comes back: B holds the lease, A logs that it no longer leads.
  EXPECT_TRUE(Sync(a->leader->Tick()).ok());
  EXPECT_FALSE(a->leader->leader());
  EXPECT_TRUE(a->Logged("node-a no longer runs the background work"));
}

TEST_F(LeaderTest, ReleaseOnStopHandsTheLeaseOverAtOnce) {
  auto a = NewDaemon("node-a");
  auto b = NewDaemon("node-b");
  EXPECT_TRUE(Sync(a->leader->Tick()).ok());
  EXPECT_TRUE(Sync(b->leader->Tick()).ok());
  ASSERT_TRUE(a->leader->leader());
  ASSERT_TRUE(Sync(a->leader->Release()).ok());
  EXPECT_FALSE(a->leader->leader());
  EXPECT_TRUE(a->Logged("node-a released the 'background' lease"));
  EXPECT_EQ(leases_->Holder("background"), std::nullopt);
  EXPECT_TRUE(Sync(b->leader->Tick()).ok());  // no time has passed
  EXPECT_TRUE(b->leader->leader());
}

TEST_F(LeaderTest, OnlyTheLeaderSweepsBlobs) {
  auto a = NewDaemon("node-a");
  auto b = NewDaemon("node-b");
  ASSERT_TRUE(Sync(b->store->CreateBucket({"bucket", "owner"})).ok());
  Result<storage::BlobRef> blob = storage::testing::WriteBlob(*b->store, "old");
  ASSERT_TRUE(blob.ok());
  storage::ObjectInfo o;
  o.bucket = "bucket";
  o.key = "k";
  o.size = 3;
  o.manifest = {*blob};
  ASSERT_TRUE(Sync(b->store->PutObject(o)).ok());
  ASSERT_TRUE(Sync(b->store->DeleteObject("bucket", "k")).ok());
  ASSERT_EQ(b->registry->Tombstones().size(), 1u);

  EXPECT_TRUE(Sync(a->leader->Tick()).ok());  // A leads
  clock_.Advance(kGrace);
  EXPECT_TRUE(Sync(a->leader->Tick()).ok());
  EXPECT_TRUE(Sync(b->leader->Tick()).ok());  // B does not: its tombstone stays
  EXPECT_FALSE(b->leader->leader());
  EXPECT_EQ(b->registry->Tombstones().size(), 1u);
  EXPECT_TRUE(storage::testing::BlobExists(*b->store, blob->blob_id));

  EXPECT_TRUE(Sync(a->leader->Release()).ok());
  EXPECT_TRUE(Sync(b->leader->Tick()).ok());  // B leads and sweeps
  EXPECT_TRUE(b->leader->leader());
  EXPECT_TRUE(b->registry->Tombstones().empty());
  EXPECT_FALSE(storage::testing::BlobExists(*b->store, blob->blob_id));
  EXPECT_TRUE(b->Logged("blob sweep: removed 1 freed and 0 orphan blobs"));
}

TEST_F(LeaderTest, ASingleProcessStoreAlwaysLeads) {
  storage::StoreOptions so;
  so.in_memory = true;
  auto store = storage::OpenObjectStore(so);
  ASSERT_TRUE(store.ok());
  Options options;
  options.log_level = LogLevel::kOff;
  Leader leader(**store, MakeLogger(options, "s2lite"), LeaderOptions{});
  EXPECT_TRUE(leader.leader());
  EXPECT_TRUE(Sync(leader.Tick()).ok());
  EXPECT_TRUE(Sync(leader.Release()).ok());
  EXPECT_TRUE(leader.leader());
}

}  // namespace
}  // namespace s2lite::server
