#include "server/handlers/ownership.h"

#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

constexpr std::string_view kGrantHeaders[] = {"x-amz-grant-read", "x-amz-grant-write",
                                              "x-amz-grant-read-acp", "x-amz-grant-write-acp",
                                              "x-amz-grant-full-control"};

}  // namespace

bool IsObjectOwnership(std::string_view value) {
  return value == kBucketOwnerEnforced || value == "BucketOwnerPreferred" ||
         value == "ObjectWriter";
}

std::string OwnershipControlsXml(std::string_view object_ownership) {
  XmlWriter w;
  w.Open("OwnershipControls", true);
  w.Open("Rule");
  w.Element("ObjectOwnership", object_ownership);
  w.Close("Rule");
  w.Close("OwnershipControls");
  return w.Take();
}

Task<Result<std::string>> BucketObjectOwnership(ServerState& state, const std::string& bucket) {
  auto doc = co_await state.store->GetBucketSetting(bucket, kOwnershipSetting);
  if (!doc.ok()) co_return doc.status();
  if (!doc->has_value()) co_return std::string(kBucketOwnerEnforced);
  if ((*doc)->empty()) co_return std::string("ObjectWriter");
  auto root = ParseXmlTree(**doc);
  const XmlNode* rule = root.ok() ? root->Child("Rule") : nullptr;
  const XmlNode* own = rule ? rule->Child("ObjectOwnership") : nullptr;
  co_return own ? own->text : std::string(kBucketOwnerEnforced);
}

bool CannedAclGrantsOthers(std::string_view canned) {
  return !canned.empty() && canned != "private" && canned != "bucket-owner-full-control" &&
         canned != "bucket-owner-read";
}

bool HasAclHeaders(const RequestContext& ctx) {
  if (ctx.Header("x-amz-acl")) return true;
  for (std::string_view h : kGrantHeaders)
    if (ctx.Header(h)) return true;
  return false;
}

bool OnlyOwnerAcl(const RequestContext& ctx) {
  for (std::string_view h : kGrantHeaders)
    if (ctx.Header(h)) return false;
  const std::string* acl = ctx.Header("x-amz-acl");
  return !acl || *acl == "private" || *acl == "bucket-owner-full-control";
}

Status CheckAclAllowed(const RequestContext& ctx, std::string_view object_ownership) {
  if (object_ownership != kBucketOwnerEnforced || OnlyOwnerAcl(ctx)) return Status::Ok();
  return Status(ErrorCode::kAccessControlListNotSupported);
}

Task<Status> CheckObjectAcl(const RequestContext& ctx) {
  if (!HasAclHeaders(ctx)) co_return Status::Ok();
  auto ownership = co_await BucketObjectOwnership(*ctx.state, ctx.route.bucket);
  if (!ownership.ok()) co_return ownership.status();
  co_return CheckAclAllowed(ctx, *ownership);
}

}  // namespace s2lite::server
