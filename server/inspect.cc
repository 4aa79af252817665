// The inspection API: the public Server methods tests use to look at and
// set up a running server's state (uploads, objects, buckets, faults).
#include "s2lite/server.h"
#include "server/handlers/common.h"
#include "server/server_impl.h"
#include "storage/object_reader.h"
#include "storage/sync_store.h"

namespace s2lite {
namespace {

ObjectMetadata ToPublic(const storage::ObjectAttrs& a) {
  ObjectMetadata m;
  m.content_type = a.content_type;
  m.cache_control = a.cache_control;
  m.content_disposition = a.content_disposition;
  m.content_encoding = a.content_encoding;
  m.content_language = a.content_language;
  m.expires = a.expires;
  m.user = a.metadata;
  m.storage_class = a.storage_class;
  m.tagging = a.tagging;
  m.acl = a.acl;
  m.checksum_algorithm = a.checksum_algorithm;
  m.server_side_encryption = a.sse;
  return m;
}

Status NotRunning() { return Status(ErrorCode::kServiceUnavailable, "server is not started"); }

}  // namespace

Status EnsureBucket(server::ServerState& st, const std::string& name) {
  if (!server::IsValidBucketName(name))
    return Status(ErrorCode::kInvalidBucketName, "invalid bucket name: " + name);
  storage::BucketInfo b{name, st.options.users.front().name, st.options.region,
                        server::ToTimeMs(st.Now()), "private"};
  Status s = storage::Sync(st.store->CreateBucket(b));
  if (s.code() == ErrorCode::kBucketAlreadyOwnedByYou ||
      s.code() == ErrorCode::kBucketAlreadyExists)
    return Status::Ok();
  return s;
}

Result<std::vector<UploadSnapshot>> Server::ListUploads(const std::string& bucket) const {
  if (!impl_->state) return NotRunning();
  storage::SyncStore store(*impl_->state->store);
  std::vector<std::string> buckets;
  if (!bucket.empty()) {
    buckets.push_back(bucket);
  } else {
    auto all = store.ListBuckets("");
    if (!all.ok()) return all.status();
    for (const auto& b : *all) buckets.push_back(b.name);
  }
  std::vector<UploadSnapshot> out;
  for (const auto& b : buckets) {
    storage::ListUploadsQuery q;
    q.bucket = b;
    q.max_uploads = 1000;
    for (;;) {
      auto page = store.ListUploads(q);
      if (!page.ok()) return page.status();
      for (const auto& u : page->uploads) {
        UploadSnapshot s{u.upload_id, u.bucket, u.key, u.initiator, u.created, ToPublic(u.attrs)};
        bool truncated = false;
        auto parts = store.ListParts(u.upload_id, 0, 10000, &truncated);
        if (parts.ok()) s.parts = static_cast<int>(parts->size());
        out.push_back(std::move(s));
      }
      if (!page->truncated || page->uploads.empty()) break;
      q.key_marker = page->uploads.back().key;
      q.upload_id_marker = page->uploads.back().upload_id;
    }
  }
  return out;
}

Result<std::vector<ObjectSnapshot>> Server::ListObjects(const std::string& bucket) const {
  if (!impl_->state) return NotRunning();
  storage::SyncStore store(*impl_->state->store);
  if (auto b = store.GetBucket(bucket); !b.ok()) return b.status();
  std::vector<ObjectSnapshot> out;
  storage::ListObjectsQuery q;
  q.bucket = bucket;
  for (;;) {
    auto page = store.ListObjects(q);
    if (!page.ok()) return page.status();
    for (const auto& o : page->objects) {
      out.push_back(
          {o.bucket, o.key, o.size, o.etag, o.last_modified, o.parts_count, ToPublic(o.attrs)});
    }
    if (!page->truncated || page->objects.empty()) break;
    q.start_after = page->objects.back().key;
  }
  return out;
}

Result<std::string> Server::ReadObject(const std::string& bucket, const std::string& key) const {
  if (!impl_->state) return NotRunning();
  storage::SyncStore store(*impl_->state->store);
  if (auto b = store.GetBucket(bucket); !b.ok()) return b.status();
  auto object = store.GetObjectForRead(bucket, key);
  if (!object.ok()) return object.status();
  const uint64_t size = object->info.size;
  storage::ObjectReader reader(store.async(), std::move(*object), 0, size);
  if (Status s = reader.Open(); !s.ok()) return s;
  std::string bytes(size, '\0');
  for (uint64_t done = 0; done < size;) {
    auto n = reader.Read(bytes.data() + done, size - done);
    if (!n.ok()) return n.status();
    if (*n == 0) return Status(ErrorCode::kInternalError, "object shorter than recorded");
    done += *n;
  }
  return bytes;
}

Status Server::CreateBucket(const std::string& bucket) {
  if (!impl_->state) return NotRunning();
  return EnsureBucket(*impl_->state, bucket);
}

int Server::AddFault(FaultRule rule) {
  if (!impl_->state) {
    impl_->options.faults.push_back(std::move(rule));
    return 0;
  }
  return impl_->state->faults.Add(std::move(rule));
}

bool Server::RemoveFault(int id) { return impl_->state ? impl_->state->faults.Remove(id) : false; }

void Server::ClearFaults() {
  impl_->options.faults.clear();
  if (impl_->state) impl_->state->faults.Clear();
}

uint64_t Server::FaultsFired() const { return impl_->state ? impl_->state->faults.fired() : 0; }

Status Server::Reset() {
  if (!impl_->state) return NotRunning();
  if (Status s = storage::Sync(impl_->state->store->Reset()); !s.ok()) return s;
  for (const auto& b : impl_->options.buckets) {
    if (Status s = CreateBucket(b); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace s2lite
