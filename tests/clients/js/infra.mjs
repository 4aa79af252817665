// AWS SDK for JavaScript v3: tagging, lifecycle, bucket settings and
// conditional writes (run by ../js_infra_test.sh).
// Env: S2_ENDPOINT, S2_ACCESS_KEY, S2_SECRET_KEY, S2_BUCKET.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  S3Client, PutObjectCommand, GetObjectCommand, GetObjectTaggingCommand, PutObjectTaggingCommand,
  DeleteObjectTaggingCommand, HeadObjectCommand, PutBucketTaggingCommand, GetBucketTaggingCommand,
  DeleteBucketTaggingCommand, PutBucketLifecycleConfigurationCommand,
  GetBucketLifecycleConfigurationCommand, DeleteBucketLifecycleCommand,
  CreateMultipartUploadCommand, AbortMultipartUploadCommand, GetBucketVersioningCommand,
  PutBucketVersioningCommand, GetBucketEncryptionCommand, ListObjectVersionsCommand,
} from "@aws-sdk/client-s3";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const Bucket = env("S2_BUCKET");
const s3 = new S3Client({
  region: "us-east-1", endpoint: env("S2_ENDPOINT"), forcePathStyle: true, maxAttempts: 1,
  credentials: { accessKeyId: env("S2_ACCESS_KEY"), secretAccessKey: env("S2_SECRET_KEY") },
});
const rejects = (promise, name, status) =>
  assert.rejects(promise, (e) => e.name === name && e.$metadata.httpStatusCode === status);

test("object tags: put, read, count, delete, limits", async () => {
  await s3.send(new PutObjectCommand({ Bucket, Key: "t", Body: "x", Tagging: "a=1" }));
  await s3.send(new PutObjectTaggingCommand({ Bucket, Key: "t", Tagging: { TagSet: [
    { Key: "env", Value: "dev" }, { Key: "team", Value: "web" }] } }));
  const got = await s3.send(new GetObjectTaggingCommand({ Bucket, Key: "t" }));
  assert.deepEqual(got.TagSet, [{ Key: "env", Value: "dev" }, { Key: "team", Value: "web" }]);
  const obj = await s3.send(new GetObjectCommand({ Bucket, Key: "t" }));
  assert.equal(obj.TagCount, 2);
  await obj.Body.transformToString();
  await rejects(s3.send(new PutObjectTaggingCommand({ Bucket, Key: "t", Tagging: { TagSet:
    Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: "v" })) } })), "InvalidTag", 400);
  await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: "t" }));
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: "t" }))).TagSet, []);
});

test("bucket tags", async () => {
  await rejects(s3.send(new GetBucketTaggingCommand({ Bucket })), "NoSuchTagSet", 404);
  await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: "Name", Value: "js" }] } }));
  assert.deepEqual((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet,
    [{ Key: "Name", Value: "js" }]);
  await s3.send(new DeleteBucketTaggingCommand({ Bucket }));
  await rejects(s3.send(new GetBucketTaggingCommand({ Bucket })), "NoSuchTagSet", 404);
});

test("lifecycle: rules stored, abort date on new uploads, expiration on reads", async () => {
  await rejects(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })),
    "NoSuchLifecycleConfiguration", 404);
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [
    { ID: "abort", Filter: { Prefix: "up/" }, Status: "Enabled",
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } },
    { ID: "expire", Filter: { Prefix: "tmp/" }, Status: "Enabled", Expiration: { Days: 1 } }] } }));
  const rules = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules;
  assert.deepEqual(rules.map((r) => r.ID), ["abort", "expire"]);
  const up = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "up/x" }));
  assert.equal(up.AbortRuleId, "abort");
  assert.ok(up.AbortDate instanceof Date && up.AbortDate.getUTCHours() === 0);
  await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: "up/x", UploadId: up.UploadId }));
  await s3.send(new PutObjectCommand({ Bucket, Key: "tmp/y", Body: "y" }));
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "tmp/y" }));
  assert.match(head.Expiration, /rule-id="expire"/);
  await s3.send(new DeleteBucketLifecycleCommand({ Bucket }));
});

test("conditional writes, versioning and encryption as a new bucket", async () => {
  await s3.send(new PutObjectCommand({ Bucket, Key: "lock", Body: "1", IfNoneMatch: "*" }));
  await rejects(s3.send(new PutObjectCommand({ Bucket, Key: "lock", Body: "2", IfNoneMatch: "*" })),
    "PreconditionFailed", 412);
  assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status, undefined);
  await rejects(s3.send(new PutBucketVersioningCommand({ Bucket,
    VersioningConfiguration: { Status: "Enabled" } })), "NotImplemented", 501);
  const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
  assert.equal(enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault
    .SSEAlgorithm, "AES256");
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket }));
  assert.ok(versions.Versions.every((v) => v.VersionId === "null" && v.IsLatest));
});
