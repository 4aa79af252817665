// The `minio` npm client (pinned in package-lock.json) against the daemon over
// HTTP, path style (run by ../js_minio_test.sh).
// Env: S2_ENDPOINT (http://host:port), S2_ACCESS_KEY, S2_SECRET_KEY, S2_BUCKET
// (created here with makeBucket), S2_TRACE (optional file for minio's request trace).
//
// putObject of 12 MiB with partSize 5 MiB makes minio upload in parts itself:
// it lists pending uploads (to resume one), initiates, PUTs each part with
// Content-MD5 and a signed sha256, and completes. Its part numbers start at 2.
// Given a Buffer, minio 8.0.7 sends it as ONE part of 12 MiB: its chunker
// (block-stream2) cuts 5 MiB blocks, but it reads them back with `for await`,
// which joins whatever blocks are buffered. Given a stream it sends 5+5+2 MiB.
// The parts minio sent are read from its request trace (traceOn).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Readable } from "node:stream";

import * as Minio from "minio";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const url = new URL(env("S2_ENDPOINT"));
const BUCKET = env("S2_BUCKET");
const MiB = 1024 * 1024;
const minioVersion = createRequire(import.meta.url)("minio/package.json").version;
console.log(`# minio ${minioVersion}, node ${process.version}, endpoint ${url.origin}`);

const client = new Minio.Client({
  endPoint: url.hostname, port: Number(url.port), useSSL: false, pathStyle: true,
  accessKey: env("S2_ACCESS_KEY"), secretKey: env("S2_SECRET_KEY"),
  partSize: 5 * MiB,
});
// minio's trace of every request and response (signatures redacted), kept in memory.
let trace = "";
client.traceOn({ write(text) {
  trace += text;
  if (process.env.S2_TRACE) appendFileSync(process.env.S2_TRACE, text);
} });
// The UploadPart requests minio traced since `from`: [partNumber, content-length].
const tracedParts = (from) => [...trace.slice(from).matchAll(
  /^REQUEST: PUT [^\n]*[?&]partNumber=(\d+)&[^\n]*\n(?:[^\n]+\n)*?content-length: (\d+)\n/gim)]
  .map((m) => [Number(m[1]), Number(m[2])]);

const md5 = (b) => createHash("md5").update(b).digest("hex");
const multipartEtag = (parts) =>
  `${md5(Buffer.concat(parts.map((p) => createHash("md5").update(p).digest())))}-${parts.length}`;
const readAll = async (stream) => {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
};
const listV2 = (prefix) => new Promise((resolve, reject) => {
  const out = [];
  client.listObjectsV2(BUCKET, prefix, true)
    .on("data", (o) => out.push(o)).on("error", reject).on("end", () => resolve(out));
});
async function expectCode(code, promise) {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    console.log(`  ok: ${code}${e.statusCode ? ` (${e.statusCode})` : ""}`);
    return e;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

const data = randomBytes(12 * MiB + 3);
const key = "minio/twelve MiB é+&=.bin";
const streamKey = "minio/streamed.bin";
// Splits `buf` as the parts minio said it sent (sizes in order), checking they cover it.
const splitAs = (buf, sizes) => {
  assert.equal(sizes.reduce((a, b) => a + b, 0), buf.length, `parts ${sizes} do not add up to ${buf.length}`);
  let at = 0;
  return sizes.map((n) => buf.subarray(at, (at += n)));
};

test("makeBucket, bucketExists", async () => {
  assert.equal(await client.bucketExists(BUCKET), false);
  await client.makeBucket(BUCKET);
  assert.equal(await client.bucketExists(BUCKET), true);
  assert.equal(await client.bucketExists(`${BUCKET}-none`), false);
  const buckets = await client.listBuckets();
  assert.ok(buckets.some((b) => b.name === BUCKET), JSON.stringify(buckets));
});

test("putObject 12 MiB Buffer with partSize 5 MiB, statObject, getObject", async () => {
  const from = trace.length;
  const out = await client.putObject(BUCKET, key, data, data.length, {
    "Content-Type": "application/x-minio", "X-Amz-Meta-Project": "s2lite", "x-amz-meta-Mixed": "Case",
  });
  const sent = tracedParts(from);
  console.log(`  minio sent the Buffer as parts [number, bytes]: ${JSON.stringify(sent)}`);
  assert.ok(sent.length >= 1, "minio did not upload in parts");
  // The object's ETag is S3's multipart ETag of exactly the parts minio sent.
  assert.equal(out.etag, multipartEtag(splitAs(data, sent.map(([, n]) => n))));

  const st = await client.statObject(BUCKET, key);
  assert.equal(st.size, data.length);
  assert.equal(st.etag, out.etag);
  assert.equal(st.metaData["content-type"], "application/x-minio");
  assert.equal(st.metaData.project, "s2lite");
  assert.equal(st.metaData.mixed, "Case");
  assert.ok(Math.abs(st.lastModified - Date.now()) < 60_000, `lastModified ${st.lastModified}`);

  const got = await readAll(await client.getObject(BUCKET, key));
  assert.equal(got.length, data.length);
  assert.ok(got.equals(data), "getObject bytes differ");
  const range = await readAll(await client.getPartialObject(BUCKET, key, 5 * MiB - 4, 8));
  assert.ok(range.equals(data.subarray(5 * MiB - 4, 5 * MiB + 4)), "getPartialObject bytes differ");
});

test("putObject 12 MiB stream with partSize 5 MiB: three parts", async () => {
  const from = trace.length;
  const pieces = [];
  for (let i = 0; i < data.length; i += 64 * 1024) pieces.push(data.subarray(i, i + 64 * 1024));
  const out = await client.putObject(BUCKET, streamKey, Readable.from(pieces), data.length,
                                     { "Content-Type": "application/x-streamed" });
  const sent = tracedParts(from);
  console.log(`  minio sent the stream as parts [number, bytes]: ${JSON.stringify(sent)}`);
  assert.deepEqual(sent, [[2, 5 * MiB], [3, 5 * MiB], [4, 2 * MiB + 3]]);
  const parts = splitAs(data, [5 * MiB, 5 * MiB, 2 * MiB + 3]);
  assert.equal(out.etag, multipartEtag(parts));
  const st = await client.statObject(BUCKET, streamKey);
  assert.equal(st.etag, out.etag);
  assert.equal(st.size, data.length);
  assert.equal(st.metaData["content-type"], "application/x-streamed");
  assert.ok((await readAll(await client.getObject(BUCKET, streamKey))).equals(data), "getObject bytes differ");
  await client.removeObject(BUCKET, streamKey);
});

test("putObject small buffer (single PUT with Content-MD5), listObjectsV2", async () => {
  const small = Buffer.from("small object from minio\n");
  const putEtag = (await client.statObject(BUCKET, key)).etag;
  const out = await client.putObject(BUCKET, "minio/small.txt", small, small.length, { "Content-Type": "text/plain" });
  assert.equal(out.etag, md5(small));
  const objs = await listV2("minio/");
  assert.deepEqual(objs.map((o) => [o.name, o.size, o.etag]).sort(),
                   [["minio/small.txt", small.length, md5(small)], [key, data.length, putEtag]]);
  for (const o of objs) assert.ok(o.lastModified instanceof Date && !isNaN(o.lastModified), o.name);
  assert.deepEqual((await listV2("minio/small")).map((o) => o.name), ["minio/small.txt"]);
});

test("presignedPutObject + fetch upload, presignedGetObject + fetch", async () => {
  const body = randomBytes(256 * 1024 + 1);
  const name = "minio/presigned upload.bin";
  const putUrl = await client.presignedPutObject(BUCKET, name, 120);
  assert.match(putUrl, /X-Amz-Signature=[0-9a-f]{64}/);
  const put = await fetch(putUrl, { method: "PUT", body });
  assert.equal(put.status, 200, await put.text());
  assert.equal(put.headers.get("etag"), `"${md5(body)}"`);
  const st = await client.statObject(BUCKET, name);
  assert.equal(st.size, body.length);
  assert.equal(st.etag, md5(body));
  const getUrl = await client.presignedGetObject(BUCKET, name, 120);
  const get = await fetch(getUrl);
  assert.equal(get.status, 200);
  assert.ok(Buffer.from(await get.arrayBuffer()).equals(body), "presigned GET bytes differ");
  // The signature covers the key: another key with the same query is refused.
  const tampered = await fetch(getUrl.replace("presigned%20upload", "presigned%20other"));
  assert.equal(tampered.status, 403);
  assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  await client.removeObject(BUCKET, name);
});

test("error codes, removeObject", async () => {
  await expectCode("NoSuchKey", client.getObject(BUCKET, "minio/never/was"));
  // HEAD has no body: minio reports S3's 404 as NotFound.
  await expectCode("NotFound", client.statObject(BUCKET, "minio/never/was"));
  await expectCode("NoSuchBucket", client.getObject(`${BUCKET}-none`, "x"));

  await client.removeObject(BUCKET, key);
  await client.removeObject(BUCKET, "minio/small.txt");
  await expectCode("NoSuchKey", client.getObject(BUCKET, key));
  assert.deepEqual(await listV2("minio/"), []);
  // Deleting what is not there succeeds, as on S3.
  await client.removeObject(BUCKET, key);
  await client.removeBucket(BUCKET);
  assert.equal(await client.bucketExists(BUCKET), false);
});
