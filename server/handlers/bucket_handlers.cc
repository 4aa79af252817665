// ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
#include "common/time.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/ownership.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
Task<Response> HandleListBuckets(RequestContext& ctx) {
  auto buckets = co_await ctx.state->store->ListBuckets(ctx.user->name);
  if (!buckets.ok()) co_return Response::Error(buckets.status());
  XmlWriter w;
  w.Open("ListAllMyBucketsResult", true);
  WriteOwner(w, "Owner", ctx.user->name);
  w.Open("Buckets");
  for (const auto& b : *buckets) {
    w.Open("Bucket");
    w.Element("Name", b.name);
    w.Element("CreationDate", common::FormatIso8601Millis(b.created));
    w.Close("Bucket");
  }
  w.Close("Buckets");
  w.Close("ListAllMyBucketsResult");
  co_return Response::Xml(w.Take());
}

namespace {

// The x-amz-object-ownership of a CreateBucket (default BucketOwnerEnforced),
// under which an ACL beyond the owner's is refused: "To set an ACL on a bucket
// as part of a CreateBucket request, you must explicitly set S3 Object
// Ownership for the bucket to a different value than the default".
// Errors: kInvalidArgument, kInvalidBucketAclWithObjectOwnership.
Result<std::string> CreateBucketOwnership(const RequestContext& ctx) {
  const std::string* header = ctx.Header("x-amz-object-ownership");
  if (header && !IsObjectOwnership(*header)) {
    return Status(ErrorCode::kInvalidArgument, "Invalid x-amz-object-ownership header: " + *header)
        .With("ArgumentName", "x-amz-object-ownership");
  }
  std::string ownership = header ? *header : std::string(kBucketOwnerEnforced);
  if (ownership == kBucketOwnerEnforced && !OnlyOwnerAcl(ctx))
    return Status(ErrorCode::kInvalidBucketAclWithObjectOwnership);
  return ownership;
}

}  // namespace

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
Task<Response> HandleCreateBucket(RequestContext& ctx) {
  const std::string& name = ctx.route.bucket;
  if (!IsValidBucketName(name))
    co_return Response::Error(Status(ErrorCode::kInvalidBucketName).With("BucketName", name));
  auto location = ParseCreateBucketConfiguration(ctx.body);
  if (!location.ok()) co_return Response::Error(location.status());
  const std::string& region = ctx.state->options.region;
  if (!location->empty() && *location != region) {
    co_return Response::Error(
        Status(ErrorCode::kIllegalLocationConstraintException,
               "The " + *location +
                   " location constraint is incompatible for the region specific endpoint this "
                   "request was sent to."));
  }
  std::string acl = ctx.HeaderOr("x-amz-acl", "private");
  if (!IsCannedAcl(acl)) {
    co_return Response::Error(Status(ErrorCode::kInvalidArgument)
                                  .With("ArgumentName", "x-amz-acl")
                                  .With("ArgumentValue", acl));
  }
  auto ownership = CreateBucketOwnership(ctx);
  if (!ownership.ok()) co_return Response::Error(ownership.status());
  if (*ownership == kBucketOwnerEnforced) acl = "private";  // no other ACL is taken
  storage::BucketInfo b{name, ctx.user->name, region, ToTimeMs(ctx.now), acl};
  Status s = co_await ctx.state->store->CreateBucket(b);
  // A bucket without ownership controls stored has the default.
  if (s.ok() && *ownership != kBucketOwnerEnforced) {
    s = co_await ctx.state->store->PutBucketSetting(name, 0, kOwnershipSetting,
                                                    OwnershipControlsXml(*ownership));
  }
  // S3 answers 200 to the owner re-creating a bucket in us-east-1 only.
  if (s.code() == ErrorCode::kBucketAlreadyOwnedByYou && region == "us-east-1") s = Status::Ok();
  if (!s.ok()) co_return Response::Error(std::move(s.With("BucketName", name)));
  Response r;
  r.AddHeader("Location", "/" + name);
  co_return r;
}

Task<Response> HandleHeadBucket(RequestContext& ctx) {
  Response r;
  r.AddHeader("x-amz-bucket-region", ctx.state->options.region);
  co_return r;
}

Task<Response> HandleDeleteBucket(RequestContext& ctx) {
  Status s = co_await ctx.state->store->DeleteBucket(ctx.route.bucket);
  if (!s.ok()) co_return Response::Error(std::move(s.With("BucketName", ctx.route.bucket)));
  Response r;
  r.status = 204;
  co_return r;
}

Task<Response> HandleGetBucketLocation(RequestContext& ctx) {
  const std::string& region = ctx.state->options.region;
  XmlWriter w;
  w.Open("LocationConstraint", true);
  // us-east-1 is reported as an empty constraint, as S3 does.
  if (region != "us-east-1") w.Text(region);
  w.Close("LocationConstraint");
  co_return Response::Xml(w.Take());
}

}  // namespace s2lite::server
