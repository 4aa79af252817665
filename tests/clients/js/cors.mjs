// AWS SDK for JavaScript v3: the bucket CORS calls (run by ../js_cors_test.sh).
// Env: S2_ENDPOINT, S2_ACCESS_KEY, S2_SECRET_KEY, S2_BUCKET.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  S3Client, PutBucketCorsCommand, GetBucketCorsCommand, DeleteBucketCorsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const ENDPOINT = env("S2_ENDPOINT");
const Bucket = env("S2_BUCKET");
const s3 = new S3Client({
  endpoint: ENDPOINT,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: env("S2_ACCESS_KEY"), secretAccessKey: env("S2_SECRET_KEY") },
});

const rules = [
  {
    ID: "spa",
    AllowedHeaders: ["*"],
    AllowedMethods: ["GET", "PUT"],
    AllowedOrigins: ["https://app.example.com"],
    ExposeHeaders: ["ETag"],
    MaxAgeSeconds: 120,
  },
];

test("GetBucketCors without a configuration is NoSuchCORSConfiguration", async () => {
  await assert.rejects(s3.send(new GetBucketCorsCommand({ Bucket })), (e) => {
    assert.equal(e.name, "NoSuchCORSConfiguration");
    assert.equal(e.$metadata.httpStatusCode, 404);
    return true;
  });
});

test("PutBucketCors then GetBucketCors returns the rules; preflight and actual responses follow them", async () => {
  await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: rules } }));
  const got = await s3.send(new GetBucketCorsCommand({ Bucket }));
  assert.deepEqual(got.CORSRules, rules);

  const pre = await fetch(`${ENDPOINT}/${Bucket}/k`, {
    method: "OPTIONS",
    headers: {
      Origin: "https://app.example.com",
      "Access-Control-Request-Method": "PUT",
      "Access-Control-Request-Headers": "content-type",
    },
  });
  assert.equal(pre.status, 200);
  assert.equal(pre.headers.get("access-control-allow-origin"), "https://app.example.com");
  assert.equal(pre.headers.get("access-control-max-age"), "120");

  // The SDK's own signed PUT, carrying an Origin: the answer exposes ETag.
  let headers;
  s3.middlewareStack.add((next) => async (args) => {
    args.request.headers.origin = "https://app.example.com";
    const out = await next(args);
    headers = out.response.headers;
    return out;
  }, { step: "finalizeRequest", name: "addOrigin" });
  await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "x" }));
  s3.middlewareStack.remove("addOrigin");
  assert.equal(headers["access-control-allow-origin"], "https://app.example.com");
  assert.equal(headers["access-control-expose-headers"], "ETag");
});

test("PutBucketCors with an unsupported method is InvalidRequest", async () => {
  await assert.rejects(
    s3.send(new PutBucketCorsCommand({
      Bucket,
      CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["*"], AllowedMethods: ["PATCH"] }] },
    })),
    (e) => e.name === "InvalidRequest" && /Unsupported method is PATCH/.test(e.message));
});

test("DeleteBucketCors removes the configuration", async () => {
  await s3.send(new DeleteBucketCorsCommand({ Bucket }));
  await assert.rejects(s3.send(new GetBucketCorsCommand({ Bucket })),
                       (e) => e.name === "NoSuchCORSConfiguration");
});
