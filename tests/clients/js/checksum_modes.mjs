// AWS SDK for JavaScript v3 in both checksum modes against the daemon (run by
// ../js_tls_test.sh, over HTTPS with a test CA in NODE_EXTRA_CA_CERTS, and over HTTP).
// Env: S2_ENDPOINT, S2_ACCESS_KEY, S2_SECRET_KEY, S2_BUCKET.
//
// - WHEN_SUPPORTED (the default): CRC32 on every upload — an aws-chunked body
//   with an x-amz-checksum-crc32 trailer for streams, an x-amz-checksum-crc32
//   header for buffers, x-amz-checksum-algorithm at CreateMultipartUpload — and
//   x-amz-checksum-mode: ENABLED on GetObject, whose CRC32 the SDK validates.
// - WHEN_REQUIRED: no checksum anywhere; streams go plain with UNSIGNED-PAYLOAD.
// A middleware records every request's final headers to prove which one was sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { Readable } from "node:stream";
import zlib from "node:zlib";

import {
  S3Client, S3ServiceException, CreateMultipartUploadCommand, UploadPartCommand, ListPartsCommand,
  CompleteMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, DeleteObjectCommand,
  PutObjectCommand, ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const ENDPOINT = env("S2_ENDPOINT");
const BUCKET = env("S2_BUCKET");
const PROTOCOL = new URL(ENDPOINT).protocol;  // "https:" or "http:"
const credentials = { accessKeyId: env("S2_ACCESS_KEY"), secretAccessKey: env("S2_SECRET_KEY") };
const MiB = 1024 * 1024;
const sdkVersion = createRequire(import.meta.url)("@aws-sdk/client-s3/package.json").version;
console.log(`# @aws-sdk/client-s3 ${sdkVersion}, node ${process.version}, endpoint ${ENDPOINT}`);

const md5 = (b) => createHash("md5").update(b).digest("hex");
const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const crc32raw = (b) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlib.crc32(b) >>> 0);
  return out;
};
const crc32 = (b) => crc32raw(b).toString("base64");
// S3's composite checksum of a multipart object: CRC32 of the parts' CRC32s, "-N".
const compositeCrc32 = (parts) => `${crc32(Buffer.concat(parts.map(crc32raw)))}-${parts.length}`;
const multipartEtag = (parts) =>
  `"${md5(Buffer.concat(parts.map((p) => createHash("md5").update(p).digest())))}-${parts.length}"`;
// A stream the SDK cannot hash up front (aws-chunked with a trailer in the default mode).
const streamOf = (buf, chunk = 64 * 1024) => {
  const pieces = [];
  for (let i = 0; i < buf.length; i += chunk) pieces.push(buf.subarray(i, i + chunk));
  return Readable.from(pieces);
};
// CompleteMultipartUpload's <Location> (what lib-storage returns as Location), per mode.
const locations = [];
async function expectError(name, status, promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof S3ServiceException, `not an S3ServiceException: ${e}`);
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    assert.equal(e.$metadata.httpStatusCode, status);
    return e;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

for (const mode of ["WHEN_SUPPORTED", "WHEN_REQUIRED"]) {
  const dflt = mode === "WHEN_SUPPORTED";
  const sent = [];
  const client = new S3Client({
    region: "us-east-1", credentials, maxAttempts: 1, endpoint: ENDPOINT, forcePathStyle: true,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 30000 },
    // The default is WHEN_SUPPORTED: leave it implicit so the test sees the SDK's real default.
    ...(dflt ? {} : { requestChecksumCalculation: mode, responseChecksumValidation: mode }),
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: context.commandName, protocol: args.request.protocol,
                  headers: { ...args.request.headers } });
      return next(args);
    },
    { step: "finalizeRequest", name: "s2liteCapture", priority: "low" });
  const lastSent = (command) => {
    const s = sent.filter((x) => x.command === command).at(-1);
    assert.ok(s, `no ${command} was sent`);
    assert.equal(s.protocol, PROTOCOL, `${command} went over ${s.protocol}`);
    return s.headers;
  };
  const checksumHeaders = (h) => Object.keys(h).filter((k) => /checksum|trailer/.test(k));
  // How the body of the last `command` was sent, for a stream or a buffer `body`.
  const assertUpload = (command, body, { stream }) => {
    const h = lastSent(command);
    if (dflt && stream) {
      assert.match(h["content-encoding"] ?? "", /aws-chunked/, `${command} was not sent aws-chunked`);
      assert.equal(h["x-amz-trailer"], "x-amz-checksum-crc32");
      assert.equal(h["x-amz-content-sha256"], "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
      assert.equal(h["x-amz-decoded-content-length"], String(body.length));
    } else if (dflt) {
      assert.equal(h["x-amz-checksum-crc32"], crc32(body));
      assert.equal(h["x-amz-content-sha256"], sha256(body));
    } else {
      // WHEN_REQUIRED: no checksum header, no trailer, no aws-chunked framing.
      assert.deepEqual(checksumHeaders(h), [], `${command} sent checksum headers in ${mode}`);
      assert.doesNotMatch(h["content-encoding"] ?? "", /aws-chunked/);
      assert.equal(h["x-amz-content-sha256"], stream ? "UNSIGNED-PAYLOAD" : sha256(body));
      assert.equal(h["content-length"], String(body.length));
    }
  };
  // The response checksum of an upload: the CRC32 of the bytes in the default mode, none otherwise.
  const assertUploadChecksum = (out, body) => {
    if (dflt) assert.equal(out.ChecksumCRC32, crc32(body));
    else assert.equal(out.ChecksumCRC32, undefined);
  };
  const prefix = `modes/${PROTOCOL.replace(":", "")}/${mode}/`;

  test(`${PROTOCOL} ${mode}: multipart upload (stream part + buffer part), get, head`, async () => {
    const key = `${prefix}multi part é+&=.bin`;
    const p1 = randomBytes(5 * MiB + 11);
    const p2 = randomBytes(MiB + 5);
    const created = await client.send(new CreateMultipartUploadCommand({
      Bucket: BUCKET, Key: key, ContentType: "text/csv", Metadata: { project: "s2lite", mode },
    }));
    const { UploadId } = created;
    assert.ok(UploadId && UploadId.length >= 22, UploadId);
    assert.deepEqual(checksumHeaders(lastSent("CreateMultipartUploadCommand")), []);

    const r1 = await client.send(new UploadPartCommand({
      Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: streamOf(p1), ContentLength: p1.length,
    }));
    assertUpload("UploadPartCommand", p1, { stream: true });
    assert.equal(r1.ETag, `"${md5(p1)}"`);
    assertUploadChecksum(r1, p1);
    const r2 = await client.send(new UploadPartCommand({
      Bucket: BUCKET, Key: key, UploadId, PartNumber: 2, Body: p2,
    }));
    assertUpload("UploadPartCommand", p2, { stream: false });
    assert.equal(r2.ETag, `"${md5(p2)}"`);
    assertUploadChecksum(r2, p2);

    const lp = await client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId }));
    assert.deepEqual(lp.Parts.map((p) => [p.PartNumber, p.Size, p.ETag, p.ChecksumCRC32]),
                     [[1, p1.length, r1.ETag, r1.ChecksumCRC32], [2, p2.length, r2.ETag, r2.ChecksumCRC32]]);

    const parts = [{ PartNumber: 1, ETag: r1.ETag }, { PartNumber: 2, ETag: r2.ETag }];
    const done = await client.send(new CompleteMultipartUploadCommand({
      Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: parts },
    }));
    assert.equal(done.ETag, multipartEtag([p1, p2]));
    assert.equal(done.Key, key);

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const getHeaders = lastSent("GetObjectCommand");
    assert.equal(getHeaders["x-amz-checksum-mode"], dflt ? "ENABLED" : undefined);
    const bytes = Buffer.from(await got.Body.transformToByteArray());
    assert.ok(bytes.equals(Buffer.concat([p1, p2])), "GetObject bytes differ");
    assert.equal(got.ETag, done.ETag);
    assert.equal(got.ContentType, "text/csv");
    assert.equal(got.ContentLength, p1.length + p2.length);
    assert.deepEqual(got.Metadata, { project: "s2lite", mode: mode });

    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.deepEqual(head.Metadata, { project: "s2lite", mode: mode });
    assert.equal(head.ETag, done.ETag);
    assert.equal(head.ContentLength, p1.length + p2.length);

    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    await expectError("NoSuchKey", 404, client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })));
  });

  test(`${PROTOCOL} ${mode}: PutObject stream and buffer, GetObject (response checksum)`, async () => {
    const body = randomBytes(300 * 1024 + 7);
    const key = `${prefix}put.bin`;
    const r = await client.send(new PutObjectCommand({
      Bucket: BUCKET, Key: key, Body: streamOf(body, 16 * 1024), ContentLength: body.length,
      ContentType: "application/x-put", Metadata: { via: "stream" },
    }));
    assertUpload("PutObjectCommand", body, { stream: true });
    assert.equal(r.ETag, `"${md5(body)}"`);
    assertUploadChecksum(r, body);

    let got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.equal(lastSent("GetObjectCommand")["x-amz-checksum-mode"], dflt ? "ENABLED" : undefined);
    assert.ok(Buffer.from(await got.Body.transformToByteArray()).equals(body), "stream PutObject bytes differ");
    assert.equal(got.ETag, r.ETag);
    assert.deepEqual(got.Metadata, { via: "stream" });
    assert.equal(got.ContentType, "application/x-put");
    // The default mode asked for the CRC32 and the SDK validated the body against it;
    // WHEN_REQUIRED did not ask, and S3 returns none unasked.
    assertUploadChecksum(got, body);

    const small = Buffer.from(`replaced in ${mode}`);
    const r2 = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: small }));
    assertUpload("PutObjectCommand", small, { stream: false });
    assert.equal(r2.ETag, `"${md5(small)}"`);
    assertUploadChecksum(r2, small);
    got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.ok(Buffer.from(await got.Body.transformToByteArray()).equals(small));
    assert.equal(got.ETag, r2.ETag);
    assert.deepEqual(got.Metadata ?? {}, {});
    assertUploadChecksum(got, small);

    // An explicit wrong checksum is refused in either mode, and nothing is stored.
    await expectError("BadDigest", 400, client.send(new PutObjectCommand({
      Bucket: BUCKET, Key: `${key}.bad`, Body: "some bytes", ChecksumCRC32: crc32(Buffer.from("other bytes")),
    })));
    await expectError("NoSuchKey", 404, client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${key}.bad` })));
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  });

  test(`${PROTOCOL} ${mode}: lib-storage Upload of 12 MiB in 5 MiB parts`, async () => {
    const data = randomBytes(12 * MiB);
    const chunks = [data.subarray(0, 5 * MiB), data.subarray(5 * MiB, 10 * MiB), data.subarray(10 * MiB)];
    const key = `${prefix}lib-storage.bin`;
    const upload = new Upload({
      client, partSize: 5 * MiB, queueSize: 2, leavePartsOnError: false,
      params: { Bucket: BUCKET, Key: key, Body: data, ContentType: "application/x-lib", Metadata: { tool: "lib-storage" } },
    });
    const out = await upload.done();
    assert.equal(out.ETag, multipartEtag(chunks));
    // Initiation binds the parts to CRC32 in the default mode; the object gets S3's composite.
    assert.equal(lastSent("CreateMultipartUploadCommand")["x-amz-checksum-algorithm"], dflt ? "CRC32" : undefined);
    for (const s of sent.filter((x) => x.command === "UploadPartCommand").slice(-3)) {
      if (dflt) assert.ok(s.headers["x-amz-checksum-crc32"], "part sent without its CRC32");
      else assert.deepEqual(checksumHeaders(s.headers), []);
    }
    assert.equal(out.ChecksumCRC32, dflt ? compositeCrc32(chunks) : undefined);
    assert.equal(out.ChecksumType, dflt ? "COMPOSITE" : undefined);
    // Where the object is: over HTTPS that is an https:// URL.
    assert.equal(new URL(out.Location).pathname, `/${BUCKET}/${key.split("/").map(encodeURIComponent).join("/")}`);

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.ok(Buffer.from(await got.Body.transformToByteArray()).equals(data), "lib-storage object bytes differ");
    assert.deepEqual(got.Metadata, { tool: "lib-storage" });
    assert.equal(got.ContentType, "application/x-lib");
    assert.equal(got.ETag, out.ETag);
    assert.equal(got.ChecksumCRC32, dflt ? compositeCrc32(chunks) : undefined);
    const list = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    assert.deepEqual((list.Contents ?? []).map((o) => [o.Key, o.Size, o.ETag]), [[key, data.length, out.ETag]]);
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    // Location is checked on its own below, so that a wrong scheme is reported by name.
    locations.push(out.Location);
  });
}

test(`${PROTOCOL} CompleteMultipartUpload Location has the request's scheme`, () => {
  assert.equal(locations.length, 2);
  for (const loc of locations) assert.equal(new URL(loc).protocol, PROTOCOL, loc);
});
