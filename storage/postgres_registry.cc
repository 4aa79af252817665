#include "storage/postgres_registry.h"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <limits>
#include <random>
#include <string_view>
#include <utility>

#include "storage/errors.h"
#include "storage/pg_connection.h"
#include "storage/registry_columns.h"
#include "storage/sqlite_registry.h"

namespace s2lite::storage {
namespace {

namespace asio = boost::asio;
using pg::Command;
using pg::Params;
using pg::Reply;
using pg::Rows;
using pg::Statement;

constexpr int kMaxAttempts = 5;

// Schema migrations, one statement per entry; migration i brings the schema
// to version i+1. Append only; never edit a released migration. Each runs in
// one transaction that first records its version: a unique violation there
// means another daemon applied (or is applying) it.
//
// Keys and the free-form attributes are bytea (S3 keys are bytes, sorted
// bytewise, and need not be valid UTF-8); names and ids are text COLLATE "C"
// so that they too sort bytewise whatever the database's locale.
const std::vector<std::vector<std::string>> kMigrations = {
    {
        R"sql(CREATE TABLE buckets (
  name text COLLATE "C" PRIMARY KEY,
  owner text NOT NULL,
  region text NOT NULL,
  created_ms bigint NOT NULL,
  acl text NOT NULL,
  generation bigint NOT NULL
))sql",
        R"sql(CREATE TABLE bucket_settings (
  bucket text COLLATE "C" NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
  name text COLLATE "C" NOT NULL,
  document bytea NOT NULL,
  PRIMARY KEY (bucket, name)
))sql",
        R"sql(CREATE INDEX bucket_settings_by_name ON bucket_settings(name, bucket))sql",
        R"sql(CREATE TABLE uploads (
  upload_id text COLLATE "C" PRIMARY KEY,
  bucket text COLLATE "C" NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
  key bytea NOT NULL,
  initiator text NOT NULL,
  owner text NOT NULL,
  created_ms bigint NOT NULL,
  content_type bytea NOT NULL,
  cache_control bytea NOT NULL,
  content_disposition bytea NOT NULL,
  content_encoding bytea NOT NULL,
  content_language bytea NOT NULL,
  expires bytea NOT NULL,
  metadata bytea NOT NULL,
  storage_class bytea NOT NULL,
  tagging bytea NOT NULL,
  acl bytea NOT NULL,
  checksum_algorithm bytea NOT NULL,
  checksum_type bytea NOT NULL,
  sse bytea NOT NULL,
  sse_kms_key_id bytea NOT NULL,
  completed_ms bigint,
  completed_parts text,
  completed_size bigint,
  completed_etag text
))sql",
        R"sql(CREATE INDEX uploads_by_key ON uploads(bucket, key, created_ms, upload_id))sql",
        R"sql(CREATE INDEX uploads_by_created ON uploads(created_ms))sql",
        R"sql(CREATE TABLE parts (
  upload_id text COLLATE "C" NOT NULL REFERENCES uploads(upload_id) ON DELETE CASCADE,
  part_number integer NOT NULL,
  blob_id text COLLATE "C" NOT NULL,
  size bigint NOT NULL,
  etag text NOT NULL,
  md5_hex text NOT NULL,
  last_modified_ms bigint NOT NULL,
  checksum_algorithm text NOT NULL,
  checksum_value text NOT NULL,
  PRIMARY KEY (upload_id, part_number)
))sql",
        R"sql(CREATE INDEX parts_by_blob ON parts(blob_id))sql",
        R"sql(CREATE TABLE objects (
  bucket text COLLATE "C" NOT NULL REFERENCES buckets(name),
  key bytea NOT NULL,
  size bigint NOT NULL,
  etag text NOT NULL,
  last_modified_ms bigint NOT NULL,
  owner text NOT NULL,
  content_type bytea NOT NULL,
  cache_control bytea NOT NULL,
  content_disposition bytea NOT NULL,
  content_encoding bytea NOT NULL,
  content_language bytea NOT NULL,
  expires bytea NOT NULL,
  metadata bytea NOT NULL,
  storage_class bytea NOT NULL,
  tagging bytea NOT NULL,
  acl bytea NOT NULL,
  checksum_algorithm bytea NOT NULL,
  checksum_type bytea NOT NULL,
  sse bytea NOT NULL,
  sse_kms_key_id bytea NOT NULL,
  parts_count integer NOT NULL,
  checksum_value text NOT NULL,
  upload_id text COLLATE "C",
  PRIMARY KEY (bucket, key)
))sql",
        R"sql(CREATE TABLE object_blobs (
  bucket text COLLATE "C" NOT NULL,
  key bytea NOT NULL,
  seq integer NOT NULL,
  blob_id text COLLATE "C" NOT NULL,
  size bigint NOT NULL,
  PRIMARY KEY (bucket, key, seq),
  FOREIGN KEY (bucket, key) REFERENCES objects(bucket, key) ON DELETE CASCADE
))sql",
        R"sql(CREATE INDEX object_blobs_by_blob ON object_blobs(blob_id))sql",
        // Blobs no row refers to any more, removed by the leader's sweeper
        // once freed_at is older than the grace period.
        R"sql(CREATE TABLE blob_tombstones (
  blob_id text COLLATE "C" PRIMARY KEY,
  freed_at timestamptz NOT NULL DEFAULT now()
))sql",
        R"sql(CREATE INDEX blob_tombstones_by_freed ON blob_tombstones(freed_at))sql",
        R"sql(CREATE TABLE leases (
  name text COLLATE "C" PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
))sql",
    },
};
static_assert(kPostgresSchemaVersion == 1);

using columns::kAttrColumns;
using columns::kAttrCount;
using columns::kObjectAttrs;
using columns::kObjectChecksum;
using columns::kObjectPartsCount;
using columns::kObjectUploadId;
using columns::kUploadAttrs;
using columns::kUploadCompletedEtag;
using columns::kUploadCompletedMs;
using columns::kUploadCompletedParts;
using columns::kUploadCompletedSize;

// Numbered parameters in this engine's syntax.
std::string Placeholders(int first, int count) { return columns::Placeholders('$', first, count); }

const std::string kUploadColumns =
    "upload_id, bucket, key, initiator, owner, created_ms, " + std::string(kAttrColumns) +
    ", completed_ms, completed_parts, completed_size, completed_etag";
const std::string kObjectColumns = "bucket, key, size, etag, last_modified_ms, owner, " +
                                   std::string(kAttrColumns) +
                                   ", parts_count, checksum_value, upload_id";
// The bucket exists as generation $g (any generation when $g is 0).
std::string BucketIs(const std::string& g) {
  return "EXISTS (SELECT 1 FROM buckets WHERE name = $1 AND (" + g + " = 0 OR generation = " + g +
         "))";
}

// Every statement, prepared on each connection at first use.
struct Statements {
  Statement begin{"begin", "BEGIN"};
  Statement begin_read{"begin_read", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"};
  Statement commit{"commit", "COMMIT"};
  Statement rollback{"rollback", "ROLLBACK"};

  Statement insert_bucket{"insert_bucket",
                          "INSERT INTO buckets (name, owner, region, created_ms, acl, generation) "
                          "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING"};
  Statement get_bucket{"get_bucket",
                       "SELECT name, owner, region, created_ms, acl, generation FROM buckets "
                       "WHERE name = $1"};
  // A write's bucket check: the row stays (FOR KEY SHARE) until it commits.
  Statement bucket_generation{"bucket_generation",
                              "SELECT generation FROM buckets WHERE name = $1 FOR KEY SHARE"};
  Statement list_buckets{"list_buckets",
                         "SELECT name, owner, region, created_ms, acl, generation FROM buckets "
                         "WHERE $1 = '' OR owner = $1 ORDER BY name"};
  // Inserts into the bucket wait for this lock (their foreign key takes KEY
  // SHARE), so the emptiness check below sees everything.
  Statement lock_bucket{"lock_bucket", "SELECT 1 FROM buckets WHERE name = $1 FOR UPDATE"};
  Statement delete_bucket_if_empty{
      "delete_bucket_if_empty",
      "DELETE FROM buckets WHERE name = $1 "
      "AND NOT EXISTS (SELECT 1 FROM objects WHERE bucket = $1) "
      "AND NOT EXISTS (SELECT 1 FROM uploads WHERE bucket = $1 AND completed_ms IS NULL)"};

  Statement get_setting{"get_setting",
                        "SELECT document FROM bucket_settings WHERE bucket = $1 AND name = $2"};
  Statement put_setting{"put_setting",
                        "INSERT INTO bucket_settings (bucket, name, document) "
                        "SELECT $1, $3, $4 WHERE " +
                            BucketIs("$2") +
                            " ON CONFLICT (bucket, name) DO UPDATE SET document = "
                            "excluded.document"};
  Statement delete_setting{
      "delete_setting",
      "DELETE FROM bucket_settings WHERE bucket = $1 AND name = $3 AND " + BucketIs("$2")};
  Statement list_settings{
      "list_settings",
      "SELECT bucket, document FROM bucket_settings WHERE name = $1 ORDER BY bucket"};

  Statement insert_upload{"insert_upload",
                          "INSERT INTO uploads (upload_id, bucket, key, initiator, owner, "
                          "created_ms, " +
                              std::string(kAttrColumns) + ") SELECT " +
                              Placeholders(1, 6 + kAttrCount) + " WHERE EXISTS (SELECT 1 FROM " +
                              "buckets WHERE name = $2 AND ($21 = 0 OR generation = $21)) " +
                              "ON CONFLICT (upload_id) DO NOTHING"};
  Statement get_upload{"get_upload",
                       "SELECT " + kUploadColumns + " FROM uploads WHERE upload_id = $1"};
  Statement lock_upload{"lock_upload", "SELECT " + kUploadColumns +
                                           " FROM uploads WHERE upload_id = $1 "
                                           "AND completed_ms IS NULL FOR UPDATE"};
  Statement share_upload{"share_upload",
                         "SELECT 1 FROM uploads WHERE upload_id = $1 "
                         "AND completed_ms IS NULL FOR SHARE"};
  // See the SQLite registry's list_uploads for the three marker modes.
  Statement list_uploads{
      "list_uploads",
      "SELECT " + kUploadColumns +
          " FROM uploads WHERE bucket = $1 AND completed_ms IS NULL "
          "AND key >= $2 AND ($3::bytea IS NULL OR key < $3) "
          "AND (key > $4 OR (key = $4 AND (($5 = 1 AND (created_ms, upload_id) > ($6, $7)) "
          "OR ($5 = 2 AND upload_id > $7)))) "
          "ORDER BY key, created_ms, upload_id LIMIT $8"};
  Statement upload_created{"upload_created",
                           "SELECT created_ms FROM uploads WHERE upload_id = $1 AND bucket = $2 "
                           "AND key = $3"};
  Statement uploads_created_before{"uploads_created_before",
                                   "SELECT upload_id FROM uploads WHERE created_ms < $1 "
                                   "AND completed_ms IS NULL ORDER BY created_ms, upload_id"};
  Statement delete_pending_upload{"delete_pending_upload",
                                  "DELETE FROM uploads WHERE upload_id = $1 "
                                  "AND completed_ms IS NULL"};
  Statement purge_completed{"purge_completed",
                            "DELETE FROM uploads WHERE completed_ms IS NOT NULL "
                            "AND completed_ms < $1"};
  Statement mark_completed{"mark_completed",
                           "UPDATE uploads SET completed_ms = $2, completed_parts = $3, "
                           "completed_size = $4, completed_etag = $5 WHERE upload_id = $1"};

  // A blob is referred to by one row at a time (a part, or once completed
  // an object's manifest): the blobs of the rows a statement deletes are
  // free, but for those a completion moves into its manifest ($2/$3).
  Statement delete_part_tombstone{
      "delete_part_tombstone",
      "WITH gone AS (DELETE FROM parts WHERE upload_id = $1 AND part_number = $2 "
      "RETURNING blob_id) "
      "INSERT INTO blob_tombstones (blob_id) SELECT blob_id FROM gone "
      "ON CONFLICT (blob_id) DO NOTHING"};
  Statement delete_parts_tombstone{
      "delete_parts_tombstone",
      "WITH gone AS (DELETE FROM parts WHERE upload_id = $1 RETURNING blob_id) "
      "INSERT INTO blob_tombstones (blob_id) SELECT blob_id FROM gone "
      "WHERE blob_id <> ALL ($2::text[]) ON CONFLICT (blob_id) DO NOTHING"};
  Statement insert_part{"insert_part",
                        "INSERT INTO parts (upload_id, part_number, blob_id, size, etag, md5_hex, "
                        "last_modified_ms, checksum_algorithm, checksum_value) "
                        "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM "
                        "uploads WHERE upload_id = $1 AND completed_ms IS NULL)"};
  Statement list_parts{"list_parts",
                       "SELECT part_number, blob_id, size, etag, md5_hex, last_modified_ms, "
                       "checksum_algorithm, checksum_value FROM parts WHERE upload_id = $1 "
                       "AND part_number > $2 ORDER BY part_number LIMIT $3"};

  Statement get_object{"get_object",
                       "SELECT " + kObjectColumns + " FROM objects WHERE bucket = $1 AND key = $2"};
  Statement lock_object{"lock_object",
                        "SELECT etag FROM objects WHERE bucket = $1 AND key = $2 FOR UPDATE"};
  Statement lock_upload_object{"lock_upload_object",
                               "SELECT o.etag FROM objects o JOIN uploads u "
                               "ON o.bucket = u.bucket AND o.key = u.key "
                               "WHERE u.upload_id = $1 FOR UPDATE OF o"};
  Statement get_manifest{"get_manifest",
                         "SELECT blob_id, size FROM object_blobs WHERE bucket = $1 AND key = $2 "
                         "ORDER BY seq"};
  // Replacing or deleting (bucket $1 as generation $3): the old manifest's
  // blobs are freed.
  Statement delete_manifest_tombstone{
      "delete_manifest_tombstone",
      "WITH gone AS (DELETE FROM object_blobs WHERE bucket = $1 AND key = $2 AND " +
          BucketIs("$3") +
          " RETURNING blob_id) INSERT INTO blob_tombstones (blob_id) SELECT blob_id FROM gone "
          "ON CONFLICT (blob_id) DO NOTHING"};
  Statement delete_object{
      "delete_object", "DELETE FROM objects WHERE bucket = $1 AND key = $2 AND " + BucketIs("$3")};
  // The object and its manifest in one statement, when the bucket is
  // generation $24; the count of objects written (0 or 1). A key taken
  // meanwhile fails with a unique violation (the caller retries).
  Statement insert_object{
      "insert_object",
      "WITH o AS (INSERT INTO objects (" + kObjectColumns + ") SELECT " +
          Placeholders(1, kObjectUploadId + 1) + " WHERE " + BucketIs("$24") +
          " RETURNING bucket, key), "
          "m AS (INSERT INTO object_blobs (bucket, key, seq, blob_id, size) "
          "SELECT o.bucket, o.key, t.ord - 1, t.blob_id, t.size FROM o, "
          "unnest($25::text[], $26::bigint[]) WITH ORDINALITY AS t(blob_id, size, ord)) "
          "SELECT count(*) FROM o"};
  Statement set_object_tagging{"set_object_tagging",
                               "UPDATE objects SET tagging = $3 WHERE bucket = $1 AND key = $2 "
                               "AND " +
                                   BucketIs("$4")};
  // Keys compare bytewise (bytea); the prefix is a byte range, not LIKE.
  Statement list_objects{"list_objects", "SELECT " + kObjectColumns +
                                             " FROM objects WHERE bucket = $1 AND key >= $2 "
                                             "AND ($3::bytea IS NULL OR key < $3) AND key <> $4 "
                                             "ORDER BY key LIMIT $5"};
  Statement completed_object{"completed_object", "SELECT " + kObjectColumns +
                                                     " FROM objects WHERE bucket = $2 AND key = $3 "
                                                     "AND upload_id = $1"};

  Statement referenced_blobs{"referenced_blobs",
                             "SELECT blob_id FROM parts UNION SELECT blob_id FROM object_blobs"};
  Statement list_tombstones{"list_tombstones",
                            "SELECT blob_id FROM blob_tombstones "
                            "WHERE freed_at <= now() - $1::float8 * interval '1 millisecond' "
                            "ORDER BY freed_at, blob_id LIMIT $2"};
  Statement forget_tombstones{"forget_tombstones",
                              "DELETE FROM blob_tombstones WHERE blob_id = ANY ($1::text[])"};
  Statement acquire_lease{
      "acquire_lease",
      "INSERT INTO leases (name, holder, expires_at) "
      "VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond') "
      "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at "
      "WHERE leases.expires_at < now() OR leases.holder = EXCLUDED.holder RETURNING holder"};
  Statement probe{"probe", "SELECT 1"};
  Statement release_lease{"release_lease", "DELETE FROM leases WHERE name = $1 AND holder = $2"};
};

const Statements& St() {
  static const Statements statements;
  return statements;
}

// GCC 12 cannot keep a braced list's array in a coroutine frame ("array
// used as initializer"): command lists are built by this function instead.
template <class... C>
std::vector<Command> Cmds(C&&... commands) {
  std::vector<Command> out;
  out.reserve(sizeof...(commands));
  (out.push_back(std::forward<C>(commands)), ...);
  return out;
}

Command Cmd(const Statement& s, Params p = Params()) {
  Command c;
  c.statement = &s;
  c.params = std::move(p);
  return c;
}

void AddAttrs(Params& p, const ObjectAttrs& a) {
  p.Bytes(a.content_type)
      .Bytes(a.cache_control)
      .Bytes(a.content_disposition)
      .Bytes(a.content_encoding)
      .Bytes(a.content_language)
      .Bytes(a.expires)
      .Bytes(EncodeMetadata(a.metadata))
      .Bytes(a.storage_class)
      .Bytes(a.tagging)
      .Bytes(a.acl)
      .Bytes(a.checksum_algorithm)
      .Bytes(a.checksum_type)
      .Bytes(a.sse)
      .Bytes(a.sse_kms_key_id);
}

ObjectAttrs ReadAttrs(const Rows& r, int row, int first) {
  ObjectAttrs a;
  a.content_type = r.Text(row, first);
  a.cache_control = r.Text(row, first + 1);
  a.content_disposition = r.Text(row, first + 2);
  a.content_encoding = r.Text(row, first + 3);
  a.content_language = r.Text(row, first + 4);
  a.expires = r.Text(row, first + 5);
  a.metadata = DecodeMetadata(r.Text(row, first + 6));
  a.storage_class = r.Text(row, first + 7);
  a.tagging = r.Text(row, first + 8);
  a.acl = r.Text(row, first + 9);
  a.checksum_algorithm = r.Text(row, first + 10);
  a.checksum_type = r.Text(row, first + 11);
  a.sse = r.Text(row, first + 12);
  a.sse_kms_key_id = r.Text(row, first + 13);
  return a;
}

BucketInfo ReadBucket(const Rows& r, int row) {
  BucketInfo b;
  b.name = r.Text(row, 0);
  b.owner = r.Text(row, 1);
  b.region = r.Text(row, 2);
  b.created = r.Int(row, 3);
  b.acl = r.Text(row, 4);
  b.generation = static_cast<uint64_t>(r.Int(row, 5));
  return b;
}

UploadInfo ReadUpload(const Rows& r, int row) {
  UploadInfo u;
  u.upload_id = r.Text(row, 0);
  u.bucket = r.Text(row, 1);
  u.key = r.Text(row, 2);
  u.initiator = r.Text(row, 3);
  u.owner = r.Text(row, 4);
  u.created = r.Int(row, 5);
  u.attrs = ReadAttrs(r, row, kUploadAttrs);
  return u;
}

PartInfo ReadPart(const Rows& r, int row) {
  PartInfo p;
  p.part_number = static_cast<int>(r.Int(row, 0));
  p.blob.blob_id = r.Text(row, 1);
  p.blob.size = static_cast<uint64_t>(r.Int(row, 2));
  p.etag = r.Text(row, 3);
  p.md5_hex = r.Text(row, 4);
  p.last_modified = r.Int(row, 5);
  p.checksum_algorithm = r.Text(row, 6);
  p.checksum_value = r.Text(row, 7);
  return p;
}

ObjectInfo ReadObject(const Rows& r, int row) {
  ObjectInfo o;
  o.bucket = r.Text(row, 0);
  o.key = r.Text(row, 1);
  o.size = static_cast<uint64_t>(r.Int(row, 2));
  o.etag = r.Text(row, 3);
  o.last_modified = r.Int(row, 4);
  o.owner = r.Text(row, 5);
  o.attrs = ReadAttrs(r, row, kObjectAttrs);
  o.parts_count = static_cast<int>(r.Int(row, kObjectPartsCount));
  o.checksum_value = r.Text(row, kObjectChecksum);
  return o;
}

std::vector<BlobRef> ReadManifest(const Rows& r) {
  std::vector<BlobRef> manifest;
  for (int i = 0; i < r.size(); ++i) {
    manifest.push_back(BlobRef{r.Text(i, 0), static_cast<uint64_t>(r.Int(i, 1))});
  }
  return manifest;
}

Params UpperBound(Params p, const std::string& prefix) {
  std::optional<std::string> upper = PrefixSuccessor(prefix);
  if (upper) return std::move(p.Bytes(*upper));
  return std::move(p.NullBytes());
}

int64_t PageLimit(int max) { return static_cast<int64_t>(std::max(max, 0)) + 1; }

// kPreconditionFailed / kNoSuchKey unless `condition` holds for the object
// whose etag is `current` (nullopt: no object).
Status CheckCondition(const WriteCondition& condition, const std::optional<std::string>& current) {
  if (condition.if_none_match && current) return Status(ErrorCode::kPreconditionFailed);
  if (!condition.if_match.empty()) {
    if (!current) return NoSuchKeyError();
    auto bare = [](std::string_view e) {
      if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
      return e;
    };
    if (bare(*current) != bare(condition.if_match)) return Status(ErrorCode::kPreconditionFailed);
  }
  return Status::Ok();
}

std::optional<std::string> EtagOf(const Rows& locked) {
  if (locked.empty()) return std::nullopt;
  return locked.Text(0, 0);
}

// The insert_object parameters for `o`.
Params ObjectParams(const ObjectInfo& o, const std::string& upload_id) {
  Params p;
  p.Text(o.bucket)
      .Bytes(o.key)
      .Int(static_cast<int64_t>(o.size))
      .Text(o.etag)
      .Int(o.last_modified)
      .Text(o.owner);
  AddAttrs(p, o.attrs);
  p.Int4(o.parts_count).Text(o.checksum_value);
  if (upload_id.empty()) {
    p.NullText();
  } else {
    p.Text(upload_id);
  }
  p.Int(static_cast<int64_t>(o.bucket_generation));
  std::vector<std::string> ids;
  std::vector<int64_t> sizes;
  for (const BlobRef& b : o.manifest) {
    ids.push_back(b.blob_id);
    sizes.push_back(static_cast<int64_t>(b.size));
  }
  p.TextArray(ids).IntArray(sizes);
  return p;
}

// S3's answer to a registry that is unreachable, slow or contended; the
// details go to the log, not to clients.
Status SlowDownError() { return Status(ErrorCode::kSlowDown, "Please reduce your request rate."); }

Status StatusOf(const Status& s) { return s; }
template <class T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}

// One attempt of a call: a connection, and how its last round trip failed.
struct Tx {
  pg::Pool::Lease conn;
  Reply failure;           // the last failed reply
  bool retry = false;      // the attempt lost a race: run it again
  bool ambiguous = false;  // a COMMIT went unanswered
};

class PostgresRegistry final : public Registry {
 public:
  explicit PostgresRegistry(const PostgresRegistryOptions& o)
      : pool_(pg::Pool::Options{o.conninfo, o.connections, std::chrono::milliseconds(o.timeout_ms),
                                o.log}) {}

  Task<Status> Migrate();
  Task<Reply> ApplyMigration(pg::Connection& c, int v);

  bool shared() const override { return true; }
  bool healthy() const override { return pool_.healthy(); }
  Task<bool> Probe() override {
    if (pool_.healthy()) co_return true;
    Status s = co_await Transact<Status>([&](Tx& tx) -> Task<Status> {
      Result<std::vector<Rows>> r = co_await Run(tx, Cmds(Cmd(St().probe)));
      co_return r.status();
    });
    if (s.ok()) pool_.NoteReachable();
    co_return s.ok();
  }
  void OnFailedCommit(std::function<void(const FreedBlobs&)> fn) override {
    on_failed_commit_ = std::move(fn);
  }

  // --- buckets

  Task<Status> InsertBucket(const BucketInfo& b) override {
    return Transact<Status>([&](Tx& tx) -> Task<Status> {
      Params p;
      p.Text(b.name).Text(b.owner).Text(b.region).Int(b.created).Text(b.acl).Int(
          static_cast<int64_t>(b.generation));
      Result<std::vector<Rows>> r =
          co_await Run(tx, Cmds(Cmd(St().insert_bucket, std::move(p))), 0);
      if (!r.ok()) co_return r.status();
      if ((*r)[0].affected() == 0) co_return BucketAlreadyExistsError();
      co_return Status::Ok();
    });
  }

  Task<Result<BucketInfo>> GetBucket(const std::string& name) override {
    return Transact<Result<BucketInfo>>([&](Tx& tx) -> Task<Result<BucketInfo>> {
      Result<std::vector<Rows>> r =
          co_await Run(tx, Cmds(Cmd(St().get_bucket, std::move(Params().Text(name)))));
      if (!r.ok()) co_return r.status();
      if ((*r)[0].empty()) co_return NoSuchBucketError();
      co_return ReadBucket((*r)[0], 0);
    });
  }

  Task<Result<std::vector<BucketInfo>>> ListBuckets(const std::string& owner) override {
    using R = Result<std::vector<BucketInfo>>;
    return Transact<R>([&](Tx& tx) -> Task<R> {
      Result<std::vector<Rows>> r =
          co_await Run(tx, Cmds(Cmd(St().list_buckets, std::move(Params().Text(owner)))));
      if (!r.ok()) co_return r.status();
      std::vector<BucketInfo> buckets;
      for (int i = 0; i < (*r)[0].size(); ++i) buckets.push_back(ReadBucket((*r)[0], i));
      co_return buckets;
    });
  }

  Task<Status> DeleteBucket(const std::string& name) override {
    return Transact<Status>([&](Tx& tx) -> Task<Status> {
      Result<std::vector<Rows>> r = co_await Run(
          tx,
          Cmds(Cmd(St().begin), Cmd(St().lock_bucket, std::move(Params().Text(name))),
               Cmd(St().delete_bucket_if_empty, std::move(Params().Text(name))), Cmd(St().commit)),
          3);
      if (!r.ok()) co_return r.status();
      if ((*r)[1].empty()) co_return NoSuchBucketError();
      if ((*r)[2].affected() == 0) co_return BucketNotEmptyError();
      co_return Status::Ok();
    });
  }

  // --- bucket settings

  Task<Result<std::optional<std::string>>> GetBucketSetting(const std::string& bucket,
                                                            const std::string& name) override {
    using R = Result<std::optional<std::string>>;
    return Transact<R>([&](Tx& tx) -> Task<R> {
      Result<std::vector<Rows>> r = co_await Run(
          tx, Cmds(Cmd(St().begin_read), Cmd(St().get_bucket, std::move(Params().Text(bucket))),
                   Cmd(St().get_setting, std::move(Params().Text(bucket).Text(name))),
                   Cmd(St().commit)));
      if (!r.ok()) co_return r.status();
      if ((*r)[1].empty()) co_return NoSuchBucketError();
      if ((*r)[2].empty()) co_return std::optional<std::string>();
      co_return std::optional<std::string>((*r)[2].Text(0, 0));
    });
  }

  Task<Status> PutBucketSetting(const std::string& bucket, uint64_t bucket_generation,
                                const std::string& name,
                                const std::optional<std::string>& document) override {
    return Transact<Status>([&, bucket_generation](Tx& tx) -> Task<Status> {
      Params p;
      p.Text(bucket).Int(static_cast<int64_t>(bucket_generation)).Text(name);
      if (document) p.Bytes(*document);
      Result<std::vector<Rows>> r = co_await Run(
          tx,
          Cmds(Cmd(St().begin), Cmd(St().bucket_generation, std::move(Params().Text(bucket))),
               Cmd(document ? St().put_setting : St().delete_setting, std::move(p)),
               Cmd(St().commit)),
          3);
      if (!r.ok()) co_return r.status();
      co_return GenerationIs((*r)[1], bucket_generation);
    });
  }

  Task<Result<std::vector<std::pair<std::string, std::string>>>> ListBucketSettings(
      const std::string& name) override {
    using R = Result<std::vector<std::pair<std::string, std::string>>>;
    return Transact<R>([&](Tx& tx) -> Task<R> {
      Result<std::vector<Rows>> r =
          co_await Run(tx, Cmds(Cmd(St().list_settings, std::move(Params().Text(name)))));
      if (!r.ok()) co_return r.status();
      std::vector<std::pair<std::string, std::string>> out;
      for (int i = 0; i < (*r)[0].size(); ++i)
        out.emplace_back((*r)[0].Text(i, 0), (*r)[0].Text(i, 1));
      co_return out;
    });
  }

  // --- uploads

  Task<Status> InsertUpload(const UploadInfo& u) override {
    return Transact<Status>([&](Tx& tx) -> Task<Status> {
      Params p;
      p.Text(u.upload_id)
          .Text(u.bucket)
          .Bytes(u.key)
          .Text(u.initiator)
          .Text(u.owner)
          .Int(u.created);
      AddAttrs(p, u.attrs);
      p.Int(static_cast<int64_t>(u.bucket_generation));
      Result<std::vector<Rows>> r = co_await Run(
          tx,
          Cmds(Cmd(St().begin), Cmd(St().bucket_generation, std::move(Params().Text(u.bucket))),
               Cmd(St().insert_upload, std::move(p)), Cmd(St().commit)),
          3);
      if (!r.ok()) co_return r.status();
      Status s = GenerationIs((*r)[1], u.bucket_generation);
      if (!s.ok()) co_return s;
      if ((*r)[2].affected() == 0) {
        co_return Status(ErrorCode::kInvalidArgument, "upload id already in use: " + u.upload_id);
      }
      co_return Status::Ok();
    });
  }

  Task<Result<UploadInfo>> GetUpload(const std::string& upload_id) override {
    return Transact<Result<UploadInfo>>([&](Tx& tx) -> Task<Result<UploadInfo>> {
      Result<std::vector<Rows>> r =
          co_await Run(tx, Cmds(Cmd(St().get_upload, std::move(Params().Text(upload_id)))));
      if (!r.ok()) co_return r.status();
      const Rows& row = (*r)[0];
      if (row.empty() || !row.IsNull(0, kUploadCompletedMs)) co_return NoSuchUploadError(upload_id);
      co_return ReadUpload(row, 0);
    });
  }

  Task<Result<ListUploadsResult>> ListUploads(const ListUploadsQuery& query) override {
    using R = Result<ListUploadsResult>;
    return Transact<R>([&](Tx& tx) -> Task<R> {
      std::vector<Command> first = {Cmd(St().begin_read),
                                    Cmd(St().get_bucket, std::move(Params().Text(query.bucket)))};
      const bool lookup = !query.key_marker.empty() && !query.upload_id_marker.empty();
      if (lookup) {
        first.push_back(Cmd(
            St().upload_created,
            std::move(
                Params().Text(query.upload_id_marker).Text(query.bucket).Bytes(query.key_marker))));
      }
      Result<std::vector<Rows>> r = co_await Run(tx, std::move(first));
      if (!r.ok()) co_return r.status();
      if ((*r)[1].empty()) co_return NoSuchBucketError();
      // AWS ignores upload-id-marker without key-marker.
      int mode = 1;
      int64_t after_created = std::numeric_limits<int64_t>::min();
      std::string id_marker;
      if (!query.key_marker.empty()) {
        mode = 0;
        if (lookup) {
          id_marker = query.upload_id_marker;
          mode = (*r)[2].empty() ? 2 : 1;
          if (!(*r)[2].empty()) after_created = (*r)[2].Int(0, 0);
        }
      }
      Params p;
      p.Text(query.bucket).Bytes(std::max(query.prefix, query.key_marker));
      p = UpperBound(std::move(p), query.prefix);
      p.Bytes(query.key_marker)
          .Int4(mode)
          .Int(after_created)
          .Text(id_marker)
          .Int(PageLimit(query.max_uploads));
      r = co_await Run(tx, Cmds(Cmd(St().list_uploads, std::move(p)), Cmd(St().commit)));
      if (!r.ok()) co_return r.status();
      ListUploadsResult result;
      const int max = std::max(query.max_uploads, 0);
      for (int i = 0; i < (*r)[0].size(); ++i) {
        if (i == max) {
          result.truncated = true;
          break;
        }
        result.uploads.push_back(ReadUpload((*r)[0], i));
      }
      co_return result;
    });
  }

  Task<Result<std::vector<std::string>>> ListUploadsCreatedBefore(TimeMs cutoff) override {
    using R = Result<std::vector<std::string>>;
    return Transact<R>([&, cutoff](Tx& tx) -> Task<R> {
      Result<std::vector<Rows>> r =
          co_await Run(tx, Cmds(Cmd(St().uploads_created_before, std::move(Params().Int(cutoff)))));
      if (!r.ok()) co_return r.status();
      std::vector<std::string> ids;
      for (int i = 0; i < (*r)[0].size(); ++i) ids.push_back((*r)[0].Text(i, 0));
      co_return ids;
    });
  }

  Task<Result<FreedBlobs>> DeleteUpload(const std::string& upload_id) override {
    using R = Result<FreedBlobs>;
    return Transact<R>([&](Tx& tx) -> Task<R> {
      // The upload row is locked first: a concurrent Complete or Abort
      // waits, then finds it gone; a PutPart (FOR SHARE) finishes first.
      Result<std::vector<Rows>> r = co_await Run(
          tx,
          Cmds(Cmd(St().begin), Cmd(St().lock_upload, std::move(Params().Text(upload_id))),
               Cmd(St().delete_parts_tombstone, std::move(Params().Text(upload_id).TextArray({}))),
               Cmd(St().delete_pending_upload, std::move(Params().Text(upload_id))),
               Cmd(St().commit)),
          4);
      if (!r.ok()) co_return r.status();
      if ((*r)[1].empty()) co_return NoSuchUploadError(upload_id);
      co_return FreedBlobs{};
    });
  }

  Task<Status> PurgeCompletedUploads(TimeMs cutoff) override {
    return Transact<Status>([&, cutoff](Tx& tx) -> Task<Status> {
      Result<std::vector<Rows>> r =
          co_await Run(tx, Cmds(Cmd(St().purge_completed, std::move(Params().Int(cutoff)))), 0);
      co_return r.status();
    });
  }

  // --- parts

  Task<Result<FreedBlobs>> PutPart(const std::string& upload_id, const PartInfo& part) override {
    using R = Result<FreedBlobs>;
    return Transact<R>(
        [&](Tx& tx) -> Task<R> {
          Params p;
          p.Text(upload_id)
              .Int4(part.part_number)
              .Text(part.blob.blob_id)
              .Int(static_cast<int64_t>(part.blob.size))
              .Text(part.etag)
              .Text(part.md5_hex)
              .Int(part.last_modified)
              .Text(part.checksum_algorithm)
              .Text(part.checksum_value);
          // FOR SHARE on the upload: parts go in concurrently, Complete and
          // Abort (FOR UPDATE) wait for them or they for it. A part number
          // written concurrently fails the insert (unique violation): retried.
          Result<std::vector<Rows>> r = co_await Run(
              tx,
              Cmds(Cmd(St().begin), Cmd(St().share_upload, std::move(Params().Text(upload_id))),
                   Cmd(St().delete_part_tombstone,
                       std::move(Params().Text(upload_id).Int4(part.part_number))),
                   Cmd(St().insert_part, std::move(p)), Cmd(St().commit)),
              4);
          if (!r.ok()) {
            if (tx.failure.sqlstate == "23505") tx.retry = true;
            co_return r.status();
          }
          if ((*r)[1].empty()) co_return NoSuchUploadError(upload_id);
          co_return FreedBlobs{};
        },
        {part.blob.blob_id});
  }

  Task<Result<std::vector<PartInfo>>> ListParts(const std::string& upload_id, int marker,
                                                int max_parts, bool* truncated) override {
    using R = Result<std::vector<PartInfo>>;
    return Transact<R>([&, marker, max_parts, truncated](Tx& tx) -> Task<R> {
      const int64_t limit =
          max_parts < 0 ? std::numeric_limits<int64_t>::max() : PageLimit(max_parts);
      Result<std::vector<Rows>> r = co_await Run(
          tx,
          Cmds(Cmd(St().begin_read), Cmd(St().get_upload, std::move(Params().Text(upload_id))),
               Cmd(St().list_parts, std::move(Params().Text(upload_id).Int4(marker).Int(limit))),
               Cmd(St().commit)));
      if (!r.ok()) co_return r.status();
      if ((*r)[1].empty() || !(*r)[1].IsNull(0, kUploadCompletedMs)) {
        co_return NoSuchUploadError(upload_id);
      }
      std::vector<PartInfo> parts;
      for (int i = 0; i < (*r)[2].size(); ++i) parts.push_back(ReadPart((*r)[2], i));
      bool more = max_parts >= 0 && parts.size() > static_cast<size_t>(max_parts);
      if (more) parts.resize(static_cast<size_t>(max_parts));
      if (truncated != nullptr) *truncated = more;
      co_return parts;
    });
  }

  // --- completion

  Task<Result<FreedBlobs>> CompleteUpload(const std::string& upload_id,
                                          const std::vector<CompletePart>& listed,
                                          const CompletePlanner& plan) override {
    using R = Result<FreedBlobs>;
    return Transact<R>([&](Tx& tx) -> Task<R> {
      // The upload row FOR UPDATE: of a Complete and an Abort (or two
      // Completes, on any daemons) the second waits and finds it finished.
      Result<std::vector<Rows>> r = co_await Run(
          tx, Cmds(Cmd(St().begin), Cmd(St().lock_upload, std::move(Params().Text(upload_id))),
                   Cmd(St().list_parts, std::move(Params().Text(upload_id).Int4(0).Int(
                                            std::numeric_limits<int64_t>::max()))),
                   Cmd(St().lock_upload_object, std::move(Params().Text(upload_id)))));
      if (!r.ok()) co_return r.status();
      if ((*r)[1].empty()) co_return NoSuchUploadError(upload_id);
      UploadInfo upload = ReadUpload((*r)[1], 0);
      std::vector<PartInfo> parts;
      for (int i = 0; i < (*r)[2].size(); ++i) parts.push_back(ReadPart((*r)[2], i));
      Result<ObjectInfo> object = plan(upload, parts);
      if (!object.ok()) co_return object.status();
      const std::optional<std::string> current = EtagOf((*r)[3]);
      Status s = CheckCondition(object->condition, current);
      if (!s.ok()) co_return s;
      object->bucket_generation = 0;
      std::vector<std::string> kept;
      for (const BlobRef& b : object->manifest) kept.push_back(b.blob_id);
      std::vector<Command> write;
      if (current) {
        write.push_back(Cmd(St().delete_manifest_tombstone,
                            std::move(Params().Text(object->bucket).Bytes(object->key).Int(0))));
        write.push_back(Cmd(St().delete_object,
                            std::move(Params().Text(object->bucket).Bytes(object->key).Int(0))));
      }
      write.push_back(Cmd(St().insert_object, ObjectParams(*object, upload_id)));
      write.push_back(
          Cmd(St().delete_parts_tombstone, std::move(Params().Text(upload_id).TextArray(kept))));
      write.push_back(
          Cmd(St().mark_completed, std::move(Params()
                                                 .Text(upload_id)
                                                 .Int(object->last_modified)
                                                 .Text(EncodeCompletedParts(listed))
                                                 .Int(static_cast<int64_t>(object->size))
                                                 .Text(object->etag))));
      write.push_back(Cmd(St().commit));
      const int commit = static_cast<int>(write.size()) - 1;
      r = co_await Run(tx, std::move(write), commit);
      if (!r.ok()) {
        // The key was taken between the lock and the insert.
        if (tx.failure.sqlstate == "23505") {
          if (object->condition.if_none_match) co_return Status(ErrorCode::kPreconditionFailed);
          tx.retry = true;
        }
        co_return r.status();
      }
      co_return FreedBlobs{};
    });
  }

  Task<Result<CompletedUpload>> GetCompletedUpload(const std::string& upload_id) override {
    using R = Result<CompletedUpload>;
    return Transact<R>([&](Tx& tx) -> Task<R> {
      Result<std::vector<Rows>> r = co_await Run(
          tx,
          Cmds(Cmd(St().begin_read), Cmd(St().get_upload, std::move(Params().Text(upload_id)))));
      if (!r.ok()) co_return r.status();
      const Rows& row = (*r)[1];
      if (row.empty() || row.IsNull(0, kUploadCompletedMs)) co_return NoSuchUploadError(upload_id);
      CompletedUpload done;
      UploadInfo upload = ReadUpload(row, 0);
      done.parts = DecodeCompletedParts(row.Text(0, kUploadCompletedParts));
      done.object.bucket = upload.bucket;
      done.object.key = upload.key;
      done.object.size = static_cast<uint64_t>(row.Int(0, kUploadCompletedSize));
      done.object.etag = row.Text(0, kUploadCompletedEtag);
      done.object.last_modified = row.Int(0, kUploadCompletedMs);
      done.object.owner = upload.owner;
      done.object.attrs = std::move(upload.attrs);
      done.object.parts_count = static_cast<int>(done.parts.size());
      r = co_await Run(
          tx,
          Cmds(Cmd(St().completed_object,
                   std::move(Params().Text(upload_id).Text(upload.bucket).Bytes(upload.key))),
               Cmd(St().get_manifest, std::move(Params().Text(upload.bucket).Bytes(upload.key))),
               Cmd(St().commit)));
      if (!r.ok()) co_return r.status();
      if (!(*r)[0].empty()) {
        done.object = ReadObject((*r)[0], 0);
        done.object.manifest = ReadManifest((*r)[1]);
      }
      co_return done;
    });
  }

  // --- objects

  Task<Result<FreedBlobs>> PutObject(const ObjectInfo& object) override {
    using R = Result<FreedBlobs>;
    std::vector<std::string> fresh;
    for (const BlobRef& b : object.manifest) fresh.push_back(b.blob_id);
    return Transact<R>(
        [&](Tx& tx) -> Task<R> {
          const int64_t g = static_cast<int64_t>(object.bucket_generation);
          std::vector<Command> commands = {
              Cmd(St().begin), Cmd(St().bucket_generation, std::move(Params().Text(object.bucket))),
              Cmd(St().lock_object, std::move(Params().Text(object.bucket).Bytes(object.key)))};
          // `replace`: delete what is at the key first (unconditional
          // writes: whatever is there by then; conditional ones: the row
          // they locked and checked). Without, a key taken meanwhile fails
          // the insert with a unique violation.
          auto write = [&](std::vector<Command>& out, bool replace) {
            if (replace) {
              out.push_back(Cmd(St().delete_manifest_tombstone,
                                std::move(Params().Text(object.bucket).Bytes(object.key).Int(g))));
              out.push_back(Cmd(St().delete_object,
                                std::move(Params().Text(object.bucket).Bytes(object.key).Int(g))));
            }
            out.push_back(Cmd(St().insert_object, ObjectParams(object, "")));
            out.push_back(Cmd(St().commit));
          };
          // Unconditional writes go in one round trip (every write is
          // conditional on the bucket generation in SQL); a condition is
          // checked in between, on the locked row.
          const bool one_trip = object.condition.empty();
          int commit = -1;
          if (one_trip) {
            write(commands, true);
            commit = static_cast<int>(commands.size()) - 1;
          }
          Result<std::vector<Rows>> r = co_await Run(tx, std::move(commands), commit);
          if (!r.ok()) {
            if (tx.failure.sqlstate == "23505") tx.retry = true;  // the key was taken meanwhile
            co_return r.status();
          }
          Status s = GenerationIs((*r)[1], object.bucket_generation);
          if (!s.ok()) co_return s;
          if (one_trip) co_return FreedBlobs{};
          const std::optional<std::string> current = EtagOf((*r)[2]);
          s = CheckCondition(object.condition, current);
          if (!s.ok()) co_return s;
          std::vector<Command> commands2;
          write(commands2, current.has_value());
          commit = static_cast<int>(commands2.size()) - 1;
          r = co_await Run(tx, std::move(commands2), commit);
          if (!r.ok()) {
            if (tx.failure.sqlstate == "23505") co_return Status(ErrorCode::kPreconditionFailed);
            co_return r.status();
          }
          co_return FreedBlobs{};
        },
        std::move(fresh));
  }

  Task<Status> PutObjectTagging(const std::string& bucket, const std::string& key,
                                uint64_t bucket_generation, const std::string& tagging) override {
    return Transact<Status>([&, bucket_generation](Tx& tx) -> Task<Status> {
      Result<std::vector<Rows>> r = co_await Run(
          tx,
          Cmds(Cmd(St().begin), Cmd(St().bucket_generation, std::move(Params().Text(bucket))),
               Cmd(St().set_object_tagging,
                   std::move(Params().Text(bucket).Bytes(key).Bytes(tagging).Int(
                       static_cast<int64_t>(bucket_generation)))),
               Cmd(St().commit)),
          3);
      if (!r.ok()) co_return r.status();
      Status s = GenerationIs((*r)[1], bucket_generation);
      if (!s.ok()) co_return s;
      if ((*r)[2].affected() == 0) co_return NoSuchKeyError();
      co_return Status::Ok();
    });
  }

  Task<Result<ObjectInfo>> GetObject(const std::string& bucket, const std::string& key) override {
    using R = Result<ObjectInfo>;
    return Transact<R>([&](Tx& tx) -> Task<R> {
      Result<std::vector<Rows>> r = co_await Run(
          tx, Cmds(Cmd(St().begin_read), Cmd(St().get_bucket, std::move(Params().Text(bucket))),
                   Cmd(St().get_object, std::move(Params().Text(bucket).Bytes(key))),
                   Cmd(St().get_manifest, std::move(Params().Text(bucket).Bytes(key))),
                   Cmd(St().commit)));
      if (!r.ok()) co_return r.status();
      if ((*r)[1].empty()) co_return NoSuchBucketError();
      if ((*r)[2].empty()) co_return NoSuchKeyError();
      ObjectInfo o = ReadObject((*r)[2], 0);
      o.manifest = ReadManifest((*r)[3]);
      co_return o;
    });
  }

  Task<Result<FreedBlobs>> DeleteObject(const std::string& bucket, const std::string& key,
                                        uint64_t bucket_generation) override {
    using R = Result<FreedBlobs>;
    return Transact<R>([&, bucket_generation](Tx& tx) -> Task<R> {
      const int64_t g = static_cast<int64_t>(bucket_generation);
      Result<std::vector<Rows>> r = co_await Run(
          tx,
          Cmds(Cmd(St().begin), Cmd(St().bucket_generation, std::move(Params().Text(bucket))),
               Cmd(St().lock_object, std::move(Params().Text(bucket).Bytes(key))),
               Cmd(St().delete_manifest_tombstone,
                   std::move(Params().Text(bucket).Bytes(key).Int(g))),
               Cmd(St().delete_object, std::move(Params().Text(bucket).Bytes(key).Int(g))),
               Cmd(St().commit)),
          5);
      if (!r.ok()) co_return r.status();
      Status s = GenerationIs((*r)[1], bucket_generation);
      if (!s.ok()) co_return s;
      co_return FreedBlobs{};
    });
  }

  Task<Result<ListObjectsResult>> ListObjects(const ListObjectsQuery& query) override {
    using R = Result<ListObjectsResult>;
    return Transact<R>([&](Tx& tx) -> Task<R> {
      Params p;
      p.Text(query.bucket).Bytes(std::max(query.prefix, query.start_after));
      p = UpperBound(std::move(p), query.prefix);
      p.Bytes(query.start_after).Int(PageLimit(query.max_keys));
      Result<std::vector<Rows>> r =
          co_await Run(tx, Cmds(Cmd(St().begin_read),
                                Cmd(St().get_bucket, std::move(Params().Text(query.bucket))),
                                Cmd(St().list_objects, std::move(p)), Cmd(St().commit)));
      if (!r.ok()) co_return r.status();
      if ((*r)[1].empty()) co_return NoSuchBucketError();
      ListObjectsResult result;
      const int max = std::max(query.max_keys, 0);
      for (int i = 0; i < (*r)[2].size(); ++i) {
        if (i == max) {
          result.truncated = true;
          break;
        }
        result.objects.push_back(ReadObject((*r)[2], i));
      }
      co_return result;
    });
  }

  // --- maintenance

  Task<Result<std::vector<std::string>>> ReferencedBlobs() override {
    using R = Result<std::vector<std::string>>;
    return Transact<R>([&](Tx& tx) -> Task<R> {
      Result<std::vector<Rows>> r = co_await Run(tx, Cmds(Cmd(St().referenced_blobs)));
      if (!r.ok()) co_return r.status();
      std::vector<std::string> ids;
      for (int i = 0; i < (*r)[0].size(); ++i) ids.push_back((*r)[0].Text(i, 0));
      co_return ids;
    });
  }

  Task<Status> Reset() override {
    return Transact<Status>([&](Tx& tx) -> Task<Status> {
      std::vector<Command> commands;
      commands.push_back(Cmd(St().begin));
      for (const char* table : {"object_blobs", "objects", "parts", "uploads", "bucket_settings",
                                "buckets", "blob_tombstones", "leases"}) {
        Command c;
        c.sql = std::string("DELETE FROM ") + table;
        commands.push_back(std::move(c));
      }
      commands.push_back(Cmd(St().commit));
      const int commit = static_cast<int>(commands.size()) - 1;
      Result<std::vector<Rows>> r = co_await Run(tx, std::move(commands), commit);
      co_return r.status();
    });
  }

  Task<Result<std::vector<std::string>>> ListTombstones(TimeMs min_age_ms, int limit) override {
    using R = Result<std::vector<std::string>>;
    return Transact<R>([&, min_age_ms, limit](Tx& tx) -> Task<R> {
      Result<std::vector<Rows>> r = co_await Run(
          tx, Cmds(Cmd(St().list_tombstones, std::move(Params().Int(min_age_ms).Int(limit)))));
      if (!r.ok()) co_return r.status();
      std::vector<std::string> ids;
      for (int i = 0; i < (*r)[0].size(); ++i) ids.push_back((*r)[0].Text(i, 0));
      co_return ids;
    });
  }

  Task<Status> ForgetTombstones(const std::vector<std::string>& blob_ids) override {
    return Transact<Status>([&](Tx& tx) -> Task<Status> {
      Result<std::vector<Rows>> r = co_await Run(
          tx, Cmds(Cmd(St().forget_tombstones, std::move(Params().TextArray(blob_ids)))), 0);
      co_return r.status();
    });
  }

  Task<Result<bool>> AcquireLease(const std::string& name, const std::string& holder,
                                  TimeMs ttl_ms) override {
    return Transact<Result<bool>>([&, ttl_ms](Tx& tx) -> Task<Result<bool>> {
      Result<std::vector<Rows>> r = co_await Run(
          tx,
          Cmds(Cmd(St().acquire_lease, std::move(Params().Text(name).Text(holder).Int(ttl_ms)))),
          0);
      if (!r.ok()) co_return r.status();
      co_return !(*r)[0].empty();
    });
  }

  Task<Status> ReleaseLease(const std::string& name, const std::string& holder) override {
    return Transact<Status>([&](Tx& tx) -> Task<Status> {
      Result<std::vector<Rows>> r = co_await Run(
          tx, Cmds(Cmd(St().release_lease, std::move(Params().Text(name).Text(holder)))), 0);
      co_return r.status();
    });
  }

 private:
  // OK when `rows` (bucket_generation) found the bucket as `generation`
  // (any when 0).
  static Status GenerationIs(const Rows& rows, uint64_t generation) {
    if (rows.empty()) return NoSuchBucketError();
    if (generation != 0 && static_cast<uint64_t>(rows.Int(0, 0)) != generation) {
      return NoSuchBucketError();
    }
    return Status::Ok();
  }

  // One round trip on tx's connection. A failure is kept in tx.failure and
  // becomes kSlowDown (connection lost, timeout, serialization failure,
  // deadlock) or kInternalError.
  Task<Result<std::vector<Rows>>> Run(Tx& tx, std::vector<Command> commands,
                                      int commit_index = -1) {
    Reply reply = co_await tx.conn->Run(commands, pool_.Deadline(), commit_index);
    if (reply.ok()) co_return std::move(reply.results);
    tx.failure = reply;
    switch (reply.failure) {
      case Reply::Failure::kConnection:
      case Reply::Failure::kTimeout:
        pool_.NoteLost(reply.message);
        tx.ambiguous = reply.commit_unknown;
        // A pooled connection the server closed meanwhile (a restart, an
        // idle timeout): nothing was committed, so the call runs again on a
        // new one, which fails at once if the server is really gone.
        if (reply.failure == Reply::Failure::kConnection && !reply.commit_unknown) {
          tx.retry = true;
        }
        if (reply.commit_unknown) {
          pool_.Log(
              "registry: a commit's outcome is unknown (connection lost before its "
              "answer); its new blobs are left to the orphan sweeper");
        }
        // What went wrong is logged (NoteLost), not told to clients.
        co_return SlowDownError();
      case Reply::Failure::kServer:
        if (reply.sqlstate == "40001" || reply.sqlstate == "40P01") {
          tx.retry = true;
          co_return SlowDownError();
        }
        // The server's statement_timeout, or a lock not available.
        if (reply.sqlstate == "57014" || reply.sqlstate == "55P03") {
          pool_.Log("registry: " + reply.message);
          co_return SlowDownError();
        }
        pool_.Log("registry error " + reply.sqlstate + ": " + reply.message);
        co_return Status(ErrorCode::kInternalError,
                         "registry error (SQLSTATE " + reply.sqlstate + "), see the server log");
      case Reply::Failure::kNone:
        break;
    }
    co_return Status(ErrorCode::kInternalError, "registry error");
  }

  // Runs `body` on a pooled connection, again (up to kMaxAttempts, after a
  // short random pause) when it lost a race; rolls back whatever it left
  // open. `fresh`: the call's new blobs, handed to OnFailedCommit when the
  // call fails for want of a commit (and its outcome is known).
  template <class R, class Body>
  Task<R> Transact(Body body, std::vector<std::string> fresh = {}) {
    for (int attempt = 1;; ++attempt) {
      Result<pg::Pool::Lease> lease = co_await pool_.Acquire();
      if (!lease.ok()) {
        // The reason is logged by the pool when the registry becomes
        // unreachable.
        FailedCommit(fresh, SlowDownError());
        co_return SlowDownError();
      }
      Tx tx;
      tx.conn = std::move(*lease);
      R result = co_await body(tx);
      if (tx.conn->InTransaction()) {
        Reply r = co_await tx.conn->Run(Cmds(Cmd(St().rollback)), pool_.Deadline());
        if (!r.ok()) tx.conn->Drop();
      }
      if (tx.retry && attempt == kMaxAttempts) {
        pool_.Log("registry: gave up after " + std::to_string(attempt) +
                  " attempts: " + tx.failure.message);
      }
      if (tx.retry && attempt < kMaxAttempts) {
        tx.conn = pg::Pool::Lease();
        co_await Pause(attempt);
        continue;
      }
      if (!StatusOf(result).ok() && !tx.ambiguous) FailedCommit(fresh, StatusOf(result));
      co_return result;
    }
  }

  void FailedCommit(const std::vector<std::string>& fresh, const Status& why) {
    if (fresh.empty() || !on_failed_commit_) return;
    // The store removes the blobs of a write refused for an S3 reason itself.
    if (why.code() != ErrorCode::kSlowDown && why.code() != ErrorCode::kInternalError) return;
    on_failed_commit_(fresh);
  }

  static Task<void> Pause(int attempt) {
    // Retries are rare: a fresh random number each time, no shared generator.
    const int ms = 2 * attempt + static_cast<int>(std::random_device{}() % (5 * attempt + 1));
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
    co_await timer.async_wait(asio::use_awaitable);
  }

  pg::Pool pool_;
  std::function<void(const FreedBlobs&)> on_failed_commit_;
};

// Migration `v` in one transaction that first records its version: a unique
// violation on that insert (command 1) means another daemon applied it.
Task<Reply> PostgresRegistry::ApplyMigration(pg::Connection& c, int v) {
  std::vector<Command> commands;
  Command begin, record, commit;
  begin.sql = "BEGIN";
  record.sql = "INSERT INTO s2lite_schema_migrations (version) VALUES ($1)";
  record.params.Int4(v);
  commands.push_back(begin);
  commands.push_back(record);
  for (const std::string& statement : kMigrations[v - 1]) {
    Command step;
    step.sql = statement;
    commands.push_back(std::move(step));
  }
  commit.sql = "COMMIT";
  commands.push_back(commit);
  Reply r = co_await c.Run(commands, pool_.Deadline() + std::chrono::seconds(30),
                           static_cast<int>(commands.size()) - 1);
  if (c.InTransaction()) {
    Command rollback;
    rollback.sql = "ROLLBACK";
    static_cast<void>(co_await c.Run(Cmds(rollback), pool_.Deadline()));
  }
  co_return r;
}

Task<Status> PostgresRegistry::Migrate() {
  Result<pg::Pool::Lease> lease = co_await pool_.Acquire();
  if (!lease.ok()) {
    co_return Status(ErrorCode::kInternalError,
                     "registry " + pool_.redacted_conninfo() + ": " + lease.status().message());
  }
  pg::Connection& c = **lease;
  auto fail = [this](const Reply& r) {
    return Status(ErrorCode::kInternalError, "registry " + pool_.redacted_conninfo() +
                                                 ": schema migration failed: " + r.message);
  };
  // Two daemons creating the table at once: one of them may see a unique
  // violation on the catalog or "type already exists" (IF NOT EXISTS is not
  // atomic), and the table is there when it tries again.
  for (int attempt = 0;; ++attempt) {
    Command create;
    create.sql =
        "CREATE TABLE IF NOT EXISTS s2lite_schema_migrations ("
        "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())";
    Reply r = co_await c.Run(Cmds(create), pool_.Deadline());
    if (r.ok()) break;
    if (r.failure != Reply::Failure::kServer || attempt == 3 ||
        (r.sqlstate != "23505" && r.sqlstate != "42P07" && r.sqlstate != "42710")) {
      co_return fail(r);
    }
  }
  Command current;
  current.sql = "SELECT coalesce(max(version), 0) FROM s2lite_schema_migrations";
  Reply r = co_await c.Run(Cmds(current), pool_.Deadline());
  if (!r.ok()) co_return fail(r);
  const int version = static_cast<int>(r.results[0].Int(0, 0));
  const int latest = static_cast<int>(kMigrations.size());
  if (version > latest) {
    co_return Status(ErrorCode::kInternalError,
                     "registry schema version " + std::to_string(version) +
                         " is newer than this build supports (" + std::to_string(latest) + ")");
  }
  for (int v = version + 1; v <= latest; ++v) {
    r = co_await ApplyMigration(c, v);
    // Another daemon applied this version (its insert committed first).
    if (!r.ok() && r.failure == Reply::Failure::kServer && r.sqlstate == "23505" &&
        r.failed_command == 1) {
      continue;
    }
    if (!r.ok()) co_return fail(r);
  }
  co_return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Registry>> OpenPostgresRegistry(const PostgresRegistryOptions& options) {
  if (Status loaded = pq::Load(); !loaded.ok()) return loaded;
  auto registry = std::make_unique<PostgresRegistry>(options);
  Status s = Sync(registry->Migrate());
  if (!s.ok()) return s;
  return std::unique_ptr<Registry>(std::move(registry));
}

bool IsPostgresConninfo(const std::string& registry) {
  if (registry.rfind("postgresql://", 0) == 0 || registry.rfind("postgres://", 0) == 0) {
    return true;
  }
  return registry.find("://") == std::string::npos && registry.find('=') != std::string::npos;
}

}  // namespace s2lite::storage
