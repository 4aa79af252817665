#pragma once

// Conditional writes: If-None-Match: * and If-Match: <etag> on PutObject,
// CompleteMultipartUpload and CopyObject's destination.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
//
// The condition is checked twice: when the request arrives (a failure is
// 412 PreconditionFailed, or 404 NoSuchKey for If-Match on a missing key)
// and again by the store, atomically with the write. A failure only at the
// second check means a concurrent write to the key won meanwhile: S3 answers
// that 409 ConditionalRequestConflict.

#include "s2lite/status.h"
#include "server/request.h"
#include "storage/types.h"

namespace s2lite::server {

// The request's If-None-Match / If-Match. Errors: kNotImplemented for an
// If-None-Match other than "*" (S3 writes take no entity tag there).
Result<storage::WriteCondition> ParseWriteCondition(const RequestContext& ctx);

// Checks `condition` against the object at the request's key now.
// Errors: kPreconditionFailed (with Condition), kNoSuchKey, store errors.
Task<Status> PrecheckWriteCondition(const RequestContext& ctx,
                                    const storage::WriteCondition& condition);

// The answer for a store write that failed with `s`, after the precheck held:
// a failed condition becomes kConditionalRequestConflict; anything else is
// returned as is.
Status ConditionalCommitError(Status s, const storage::WriteCondition& condition);

}  // namespace s2lite::server
