// Node's built-in test runner spawning s2lite on an ephemeral port:
//   S2LITE=/path/to/s2lite node --test examples/node/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { S3Client, CreateMultipartUploadCommand } from "@aws-sdk/client-s3";

let proc, s3;
before(async () => {
  proc = spawn(process.env.S2LITE ?? "s2lite", ["--listen", "127.0.0.1:0", "--in-memory",
    "--exit-with-parent", "--user", "test:AKTEST:SKTEST", "--bucket", "test-bucket"]);
  const [line] = await once(proc.stdout, "data");  // "s2lite listening on http://127.0.0.1:PORT"
  s3 = new S3Client({ endpoint: line.toString().trim().split(" ").pop(), forcePathStyle: true,
    region: "us-east-1", credentials: { accessKeyId: "AKTEST", secretAccessKey: "SKTEST" } });
});
after(() => proc.kill("SIGTERM"));

test("initiates a multipart upload", async () => {
  const r = await s3.send(new CreateMultipartUploadCommand({ Bucket: "test-bucket", Key: "k.txt" }));
  assert.equal(r.Key, "k.txt");
  assert.ok(r.UploadId.length >= 22);
});
