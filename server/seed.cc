#include "server/seed.h"

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include "common/crypto.h"
#include "server/handlers/common.h"
#include "server/router.h"
#include "server/state.h"
#include "storage/task.h"

namespace s2lite::server {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = 1 << 20;

Status Invalid(const std::string& message) {
  return Status(ErrorCode::kInvalidArgument, "seed: " + message);
}

std::string ContentTypeOf(const fs::path& path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html"},      {".htm", "text/html"},         {".css", "text/css"},
      {".js", "text/javascript"},  {".json", "application/json"}, {".txt", "text/plain"},
      {".csv", "text/csv"},        {".xml", "application/xml"},   {".png", "image/png"},
      {".jpg", "image/jpeg"},      {".jpeg", "image/jpeg"},       {".gif", "image/gif"},
      {".svg", "image/svg+xml"},   {".pdf", "application/pdf"},   {".zip", "application/zip"},
      {".gz", "application/gzip"}, {".wasm", "application/wasm"}, {".webp", "image/webp"},
  };
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [e, type] : kTypes)
    if (ext == e) return std::string(type);
  return "binary/octet-stream";
}

storage::TimeMs ModifiedMs(const fs::path& path, std::error_code& ec) {
  auto t = fs::last_write_time(path, ec);
  auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count();
}

// Streams `path` into a new blob and records it as bucket/key.
Status Upload(ServerState& st, const storage::BucketInfo& bucket, const std::string& key,
              const fs::path& path, uint64_t size, storage::TimeMs mtime) {
  auto writer = st.store->NewBlob();
  if (!writer.ok()) return writer.status();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Invalid("cannot read " + path.string());
  std::vector<char> buf(kChunk);
  common::Md5Hasher md5;
  uint64_t total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    md5.Update(buf.data(), n);
    if (Status s = (*writer)->Write(buf.data(), n); !s.ok()) return s;
    total += n;
  }
  if (in.bad() || total != size) return Invalid(path.string() + " changed while it was read");
  auto blob = (*writer)->Commit();
  if (!blob.ok()) return blob.status();
  auto digest = md5.Final();
  storage::ObjectInfo o;
  o.bucket = bucket.name;
  o.key = key;
  o.size = total;
  o.etag = "\"" + common::HexEncode(digest) + "\"";
  o.last_modified = mtime;
  o.owner = bucket.owner;
  o.attrs.content_type = ContentTypeOf(path);
  o.manifest = {*blob};
  o.bucket_generation = bucket.generation;
  return storage::Sync(st.store->PutObject(o));
}

Result<storage::BucketInfo> EnsureSeedBucket(ServerState& st, const std::string& name) {
  if (!IsValidBucketName(name)) return Invalid("'" + name + "' is not a valid bucket name");
  const std::string& owner = st.options.users.front().name;
  storage::BucketInfo b{name, owner, st.options.region, ToTimeMs(st.Now()), "private"};
  Status s = storage::Sync(st.store->CreateBucket(b));
  if (!s.ok() && s.code() != ErrorCode::kBucketAlreadyOwnedByYou) {
    if (s.code() == ErrorCode::kBucketAlreadyExists)
      return Invalid("bucket '" + name + "' belongs to another user");
    return s;
  }
  return storage::Sync(st.store->GetBucket(name));
}

}  // namespace

Result<SeedResult> SeedFromDirectory(ServerState& st, const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Invalid(dir + " is not a directory");
  SeedResult result;
  for (const fs::directory_entry& top : fs::directory_iterator(dir, ec)) {
    if (!top.is_directory()) continue;
    auto bucket = EnsureSeedBucket(st, top.path().filename().string());
    if (!bucket.ok()) return bucket.status();
    ++result.buckets;
    for (auto it = fs::recursive_directory_iterator(top.path(), ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::string key = fs::relative(it->path(), top.path(), ec).generic_string();
      if (ec) break;
      if (key.size() > kMaxKeyBytes || !IsValidUtf8(key))
        return Invalid("'" + it->path().string() + "' does not name a valid key");
      uint64_t size = it->file_size(ec);
      storage::TimeMs mtime = ModifiedMs(it->path(), ec);
      if (ec) break;
      auto current = storage::Sync(st.store->GetObject(bucket->name, key));
      if (current.ok() && current->size == size && current->last_modified == mtime) {
        ++result.unchanged;
        continue;
      }
      if (Status s = Upload(st, *bucket, key, it->path(), size, mtime); !s.ok()) return s;
      ++result.uploaded;
    }
    if (ec) break;
  }
  if (ec) return Invalid(dir + ": " + ec.message());
  // Not a request: nobody waits on the committer for it, so commit here.
  return result;
}

}  // namespace s2lite::server
