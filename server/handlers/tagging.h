#pragma once

// Tag sets of objects and buckets: S3's limits, the Tagging XML document and
// the stored form (the x-amz-tagging query form, for objects and buckets alike).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s2lite/status.h"

namespace s2lite::server {

using TagSet = std::vector<std::pair<std::string, std::string>>;

inline constexpr size_t kMaxObjectTags = 10;
inline constexpr size_t kMaxBucketTags = 50;

// At most `max_tags`; keys 1-128 and values 0-256 Unicode characters; no
// duplicate key; no "aws:" prefix. Errors: kInvalidTag (too many object tags
// is S3's BadRequest, reported as kInvalidTag with S3's message).
Status ValidateTags(const TagSet& tags, size_t max_tags);

// A <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging> body,
// validated. Errors: kMalformedXML, kInvalidTag.
Result<TagSet> ParseTaggingXml(std::string_view body, size_t max_tags);

// x-amz-tagging ("k1=v1&k2=v2", URL-encoded), validated as object tags.
// Errors: kInvalidArgument (bad encoding), kInvalidTag.
Result<TagSet> ParseTaggingHeader(std::string_view header);

// The stored (query) form and back. Decode of "" is empty.
std::string EncodeTags(const TagSet& tags);
TagSet DecodeTags(std::string_view encoded);

// The Tagging document for GET ?tagging.
std::string TaggingXml(const TagSet& tags);

}  // namespace s2lite::server
