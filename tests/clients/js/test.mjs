// AWS SDK for JavaScript v3 against the s2lite daemon (run by ../js_sdk_test.sh).
// Env: S2_ENDPOINT, S2_ACCESS_KEY, S2_SECRET_KEY, S2_BUCKET (path style),
// S2_VHOST_BUCKET (virtual-hosted, <bucket>.localhost in /etc/hosts).
// Uses the SDK's defaults: CRC32 checksums on every upload, sent as an
// aws-chunked trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER) for stream bodies
// and as a header for buffers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { Readable, Transform } from "node:stream";
import zlib from "node:zlib";

import {
  S3Client, S3ServiceException, CreateMultipartUploadCommand, UploadPartCommand, ListPartsCommand,
  CompleteMultipartUploadCommand, AbortMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  DeleteObjectCommand, PutObjectCommand, ListObjectsV2Command, ListMultipartUploadsCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const ENDPOINT = env("S2_ENDPOINT");
const credentials = { accessKeyId: env("S2_ACCESS_KEY"), secretAccessKey: env("S2_SECRET_KEY") };
const MiB = 1024 * 1024;
const sdkVersion = createRequire(import.meta.url)("@aws-sdk/client-s3/package.json").version;
console.log(`# @aws-sdk/client-s3 ${sdkVersion}, node ${process.version}, endpoint ${ENDPOINT}`);

// Every request's final headers, by command, to prove which encoding was used.
const sent = [];
// When set, the next streamed request body has one payload byte flipped after
// the SDK computed its checksum (a corruption in transit).
let corruptNext = false;
const corrupter = (at) => {
  let seen = 0;
  return new Transform({
    transform(chunk, _enc, cb) {
      const b = Buffer.from(chunk);
      if (seen <= at && at < seen + b.length) b[at - seen] ^= 0xff;
      seen += b.length;
      cb(null, b);
    },
  });
};
function makeClient(opts) {
  const client = new S3Client({
    region: "us-east-1", credentials, maxAttempts: 1,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 30000 },
    ...opts,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: context.commandName, headers: { ...args.request.headers },
                  hostname: args.request.hostname, path: args.request.path,
                  body: typeof args.request.body === "string" ? args.request.body : undefined });
      if (corruptNext && typeof args.request.body?.pipe === "function") {
        corruptNext = false;
        args.request.body = args.request.body.pipe(corrupter(1000));  // inside the first chunk's data
      }
      return next(args);
    },
    { step: "finalizeRequest", name: "s2liteCapture", priority: "low" });
  return client;
}

const styles = [
  { style: "path", bucket: env("S2_BUCKET"),
    client: makeClient({ endpoint: ENDPOINT, forcePathStyle: true }) },
  { style: "virtual", bucket: env("S2_VHOST_BUCKET"),
    client: makeClient({ endpoint: ENDPOINT.replace("127.0.0.1", "localhost"), forcePathStyle: false }) },
];

const md5 = (b) => createHash("md5").update(b).digest("hex");
const crc32 = (b) => {
  const v = zlib.crc32(b);
  const out = Buffer.alloc(4);
  out.writeUInt32BE(v >>> 0);
  return out.toString("base64");
};
const multipartEtag = (parts) =>
  `"${md5(Buffer.concat(parts.map((p) => createHash("md5").update(p).digest())))}-${parts.length}"`;
// A stream the SDK cannot size or hash up front: it sends it aws-chunked with a trailer.
const streamOf = (buf, chunk = 64 * 1024) => {
  const pieces = [];
  for (let i = 0; i < buf.length; i += chunk) pieces.push(buf.subarray(i, i + chunk));
  return Readable.from(pieces);
};
const lastSent = (command) => sent.filter((s) => s.command === command).at(-1);
const assertTrailer = (command) => {
  const h = lastSent(command).headers;
  assert.match(h["content-encoding"] ?? "", /aws-chunked/, `${command} was not sent aws-chunked`);
  assert.equal(h["x-amz-trailer"], "x-amz-checksum-crc32");
  assert.equal(h["x-amz-content-sha256"], "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
};
async function expectError(name, status, promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof S3ServiceException, `not an S3ServiceException: ${e}`);
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    assert.equal(e.$metadata.httpStatusCode, status);
    console.log(`  ok: ${name} (${status})`);
    return e;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

for (const { style, bucket, client } of styles) {
  test(`${style}: multipart upload with checksums, get, head, delete`, async () => {
    const key = `js/${style}/multi part é+&=.bin`;
    const p1 = randomBytes(5 * MiB + 11);
    const p2 = randomBytes(MiB + 5);

    const created = await client.send(new CreateMultipartUploadCommand({
      Bucket: bucket, Key: key, ContentType: "text/csv", Metadata: { project: "s2lite", Mixed: "Case" },
    }));
    assert.equal(created.Bucket, bucket);
    assert.equal(created.Key, key);
    const UploadId = created.UploadId;
    assert.ok(UploadId && UploadId.length >= 22, UploadId);
    if (style === "virtual") assert.equal(lastSent("CreateMultipartUploadCommand").hostname, `${bucket}.localhost`);

    // Part 1 as a stream: aws-chunked body, CRC32 in the trailer.
    const r1 = await client.send(new UploadPartCommand({
      Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: streamOf(p1), ContentLength: p1.length,
    }));
    assertTrailer("UploadPartCommand");
    assert.equal(r1.ETag, `"${md5(p1)}"`);
    if (r1.ChecksumCRC32 !== undefined) assert.equal(r1.ChecksumCRC32, crc32(p1));
    // Part 2 as a buffer: CRC32 in a header.
    const r2 = await client.send(new UploadPartCommand({
      Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: p2,
    }));
    assert.equal(lastSent("UploadPartCommand").headers["x-amz-checksum-crc32"], crc32(p2));
    assert.equal(r2.ETag, `"${md5(p2)}"`);

    const lp = await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId }));
    assert.deepEqual(lp.Parts.map((p) => [p.PartNumber, p.Size, p.ETag]),
                     [[1, p1.length, r1.ETag], [2, p2.length, r2.ETag]]);
    const lu = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `js/${style}/` }));
    assert.deepEqual((lu.Uploads ?? []).map((u) => [u.Key, u.UploadId]), [[key, UploadId]]);

    // The SDK serializes the quoted ETags as &quot;...&quot;.
    const done = await client.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: key, UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: r1.ETag }, { PartNumber: 2, ETag: r2.ETag }] },
    }));
    assert.match(lastSent("CompleteMultipartUploadCommand").body, /<ETag>&quot;[0-9a-f]{32}&quot;<\/ETag>/);
    assert.equal(done.ETag, multipartEtag([p1, p2]));
    assert.equal(done.Key, key);

    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(await got.Body.transformToByteArray());
    assert.ok(bytes.equals(Buffer.concat([p1, p2])), "GetObject bytes differ");
    assert.equal(got.ETag, done.ETag);
    assert.equal(got.ContentType, "text/csv");
    assert.equal(got.ContentLength, p1.length + p2.length);

    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    assert.deepEqual(head.Metadata, { project: "s2lite", mixed: "Case" });
    assert.equal(head.ContentType, "text/csv");
    assert.equal(head.ETag, done.ETag);
    assert.equal(head.ContentLength, p1.length + p2.length);

    const ranged = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${p1.length - 3}-${p1.length + 2}` }));
    assert.ok(Buffer.from(await ranged.Body.transformToByteArray()).equals(Buffer.concat([p1, p2]).subarray(p1.length - 3, p1.length + 3)));
    assert.equal(ranged.ContentRange, `bytes ${p1.length - 3}-${p1.length + 2}/${p1.length + p2.length}`);

    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    await expectError("NoSuchKey", 404, client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    await expectError("NotFound", 404, client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    await expectError("NoSuchUpload", 404, client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId })));
  });

  test(`${style}: PutObject stream (aws-chunked trailer) and buffer`, async () => {
    const body = Buffer.from("hello from the JS SDK\n".repeat(5000));
    const key = `js/${style}/put.txt`;
    const r = await client.send(new PutObjectCommand({
      Bucket: bucket, Key: key, Body: streamOf(body, 16 * 1024), ContentLength: body.length,
      ContentType: "text/plain", Metadata: { via: "stream" },
    }));
    assertTrailer("PutObjectCommand");
    assert.equal(r.ETag, `"${md5(body)}"`);
    if (r.ChecksumCRC32 !== undefined) assert.equal(r.ChecksumCRC32, crc32(body));
    let got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await got.Body.transformToString(), body.toString());
    assert.deepEqual(got.Metadata, { via: "stream" });

    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "replaced" }));
    got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await got.Body.transformToString(), "replaced");
    assert.equal(got.ETag, `"${md5("replaced")}"`);

    // A checksum that does not match the bytes is refused.
    await expectError("BadDigest", 400, client.send(new PutObjectCommand({
      Bucket: bucket, Key: `${key}.bad`, Body: "some bytes", ChecksumCRC32: crc32(Buffer.from("other bytes")),
    })));
    await expectError("NoSuchKey", 404, client.send(new GetObjectCommand({ Bucket: bucket, Key: `${key}.bad` })));
    // Bytes corrupted after the SDK computed the CRC32 it sends in the trailer.
    corruptNext = true;
    await expectError("BadDigest", 400, client.send(new PutObjectCommand({
      Bucket: bucket, Key: `${key}.corrupt`, Body: streamOf(body), ContentLength: body.length,
    })));
    assert.equal(corruptNext, false, "the corrupting middleware did not run");
    assertTrailer("PutObjectCommand");
    await expectError("NoSuchKey", 404, client.send(new GetObjectCommand({ Bucket: bucket, Key: `${key}.corrupt` })));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  });

  test(`${style}: lib-storage Upload of 12 MiB in 5 MiB parts`, async () => {
    const data = randomBytes(12 * MiB);
    const key = `js/${style}/lib-storage.bin`;
    const upload = new Upload({
      client, partSize: 5 * MiB, queueSize: 2, leavePartsOnError: false,
      params: { Bucket: bucket, Key: key, Body: data, ContentType: "application/x-lib", Metadata: { tool: "lib-storage" } },
    });
    const parts = [];
    upload.on("httpUploadProgress", (p) => parts.push(p.part));
    const out = await upload.done();
    assert.equal(out.ETag, multipartEtag([data.subarray(0, 5 * MiB), data.subarray(5 * MiB, 10 * MiB), data.subarray(10 * MiB)]));
    assert.deepEqual([...new Set(parts)].sort(), [1, 2, 3]);
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.ok(Buffer.from(await got.Body.transformToByteArray()).equals(data), "lib-storage object bytes differ");
    assert.deepEqual(got.Metadata, { tool: "lib-storage" });
    assert.equal(got.ContentType, "application/x-lib");
    const list = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `js/${style}/` }));
    assert.deepEqual((list.Contents ?? []).map((o) => [o.Key, o.Size, o.ETag]), [[key, data.length, out.ETag]]);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const after = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `js/${style}/` }));
    assert.equal(after.KeyCount, 0);
  });

  test(`${style}: error codes`, async () => {
    const key = `js/${style}/errors.bin`;
    await expectError("NoSuchUpload", 404, client.send(new UploadPartCommand({
      Bucket: bucket, Key: key, UploadId: "no-such-upload", PartNumber: 1, Body: Buffer.from("x"),
    })));
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
    await expectError("NoSuchUpload", 404, client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })));
    await expectError("NoSuchUpload", 404, client.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: `"${md5("x")}"` }] },
    })));
    await expectError("NoSuchKey", 404, client.send(new GetObjectCommand({ Bucket: bucket, Key: "js/never/was" })));
  });
}
