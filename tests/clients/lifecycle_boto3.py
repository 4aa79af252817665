"""Object lifecycle through boto3 against s2lite (S3's 5 MiB minimum part size).

Usage: lifecycle_boto3.py ENDPOINT ACCESS_KEY SECRET_KEY BUCKET WORKDIR
Uses keys under boto3-<version>/ so several boto3 versions can share a bucket.
"""
import base64
import concurrent.futures
import hashlib
import os
import sys
import time
import zlib

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, key_id, secret, bucket, work = sys.argv[1:6]
MiB = 1024 * 1024
tag = f"boto3-{boto3.__version__}"
print(f"== boto3 {boto3.__version__} botocore {botocore.__version__} ({sys.executable})", flush=True)

s3 = boto3.client(
    "s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
    region_name="us-east-1",
    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                  connect_timeout=5, read_timeout=30, max_pool_connections=16))


def step(msg):
    print(f"+ {msg}", flush=True)


def md5(b):
    return hashlib.md5(b).hexdigest()


def multipart_etag(data, part):
    digests = [hashlib.md5(data[i:i + part]).digest() for i in range(0, len(data), part)]
    return f'"{hashlib.md5(b"".join(digests)).hexdigest()}-{len(digests)}"'


def expect_code(code, fn, **kwargs):
    try:
        r = fn(**kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"{fn.__name__}: expected {code}, got {got}: {e.response}"
        print(f"  ok: {code} <- {fn.__name__}", flush=True)
        return e.response
    raise AssertionError(f"{fn.__name__}({kwargs}) succeeded, expected {code}: {r}")


# --- upload_file / download_file: multipart in 5 MiB parts -------------------
data = os.urandom(23 * MiB)
src, dst = os.path.join(work, f"{tag}.src"), os.path.join(work, f"{tag}.dst")
with open(src, "wb") as f:
    f.write(data)
cfg = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)
key = f"{tag}/transfer/big é+&=.bin"
step(f"upload_file 23 MiB -> {key!r}, TransferConfig(5 MiB, 5 MiB), ExtraArgs metadata")
s3.upload_file(src, bucket, key, Config=cfg,
               ExtraArgs={"Metadata": {"Owner": "ada", "k2": "v 2"}, "ContentType": "application/x-big",
                          "CacheControl": "max-age=60"})
step("download_file")
s3.download_file(bucket, key, dst, Config=cfg)
with open(dst, "rb") as f:
    assert f.read() == data, "downloaded bytes differ"
h = s3.head_object(Bucket=bucket, Key=key)
print(f"  head_object: ETag={h['ETag']} Metadata={h['Metadata']} ContentType={h['ContentType']}")
assert h["ETag"] == multipart_etag(data, 5 * MiB), (h["ETag"], multipart_etag(data, 5 * MiB))
assert h["ETag"].endswith('-5"'), h["ETag"]
assert h["ContentLength"] == len(data), h
assert h["Metadata"] == {"owner": "ada", "k2": "v 2"}, h["Metadata"]
assert h["ContentType"] == "application/x-big", h
assert h["CacheControl"] == "max-age=60", h
# botocore >= 1.36 sends a CRC32 with every upload by default: S3 keeps the
# parts' checksums and reports their composite ("<crc32 of the crc32s>-<n>").
DEFAULT_CHECKSUMS = tuple(int(x) for x in botocore.__version__.split(".")[:2]) >= (1, 36)


def crc32_b64(b):
    return base64.b64encode(zlib.crc32(b).to_bytes(4, "big")).decode()


if DEFAULT_CHECKSUMS:
    h = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    crcs = b"".join(zlib.crc32(data[i:i + 5 * MiB]).to_bytes(4, "big") for i in range(0, len(data), 5 * MiB))
    want = f"{base64.b64encode(zlib.crc32(crcs).to_bytes(4, 'big')).decode()}-5"
    assert (h.get("ChecksumCRC32"), h.get("ChecksumType")) == (want, "COMPOSITE"), (h, want)
    print(f"  checksum: ChecksumCRC32={h['ChecksumCRC32']} COMPOSITE")

# --- put_object / get_object with Range ---------------------------------------
small = bytes(range(256)) * 40  # 10240 bytes
skey = f"{tag}/put/range.bin"
step(f"put_object {len(small)} bytes, get_object with Range")
r = s3.put_object(Bucket=bucket, Key=skey, Body=small, ContentType="application/octet-stream",
                  Metadata={"m": "1"})
assert r["ETag"] == f'"{md5(small)}"', r["ETag"]
if DEFAULT_CHECKSUMS:
    assert r.get("ChecksumCRC32") == crc32_b64(small), r
g = s3.get_object(Bucket=bucket, Key=skey)
assert g["Body"].read() == small
assert g["ETag"] == f'"{md5(small)}"' and g["Metadata"] == {"m": "1"}, g
assert g["ContentLength"] == len(small), g
for rng, first, last in (("bytes=10-19", 10, 19), ("bytes=-5", len(small) - 5, len(small) - 1),
                         ("bytes=10000-", 10000, len(small) - 1),
                         ("bytes=10200-99999", 10200, len(small) - 1)):
    g = s3.get_object(Bucket=bucket, Key=skey, Range=rng)
    body = g["Body"].read()
    assert g["ResponseMetadata"]["HTTPStatusCode"] == 206, (rng, g["ResponseMetadata"])
    assert body == small[first:last + 1], (rng, len(body))
    assert g["ContentRange"] == f"bytes {first}-{last}/{len(small)}", (rng, g["ContentRange"])
    assert g["ContentLength"] == last - first + 1, (rng, g["ContentLength"])
    print(f"  ok: Range {rng} -> {g['ContentRange']}")
expect_code("InvalidRange", s3.get_object, Bucket=bucket, Key=skey, Range=f"bytes={len(small)}-")

# An empty object and a key with characters that need escaping.
ekey = f"{tag}/put/empty dir/ü ~!@$%^&*()=+[]{{}};',.txt"
s3.put_object(Bucket=bucket, Key=ekey, Body=b"")
g = s3.get_object(Bucket=bucket, Key=ekey)
assert g["Body"].read() == b"" and g["ETag"] == f'"{md5(b"")}"', g

# copy_object keeps the bytes; REPLACE takes the new metadata.
step("copy_object COPY and REPLACE")
s3.copy_object(Bucket=bucket, Key=f"{tag}/put/copy.bin", CopySource={"Bucket": bucket, "Key": skey})
g = s3.get_object(Bucket=bucket, Key=f"{tag}/put/copy.bin")
assert g["Body"].read() == small and g["Metadata"] == {"m": "1"}, g
s3.copy_object(Bucket=bucket, Key=f"{tag}/put/copy2.bin", CopySource={"Bucket": bucket, "Key": skey},
               MetadataDirective="REPLACE", Metadata={"m": "2"}, ContentType="text/plain")
h = s3.head_object(Bucket=bucket, Key=f"{tag}/put/copy2.bin")
assert h["Metadata"] == {"m": "2"} and h["ContentType"] == "text/plain", h

# --- low-level multipart -----------------------------------------------------
mkey = f"{tag}/mp/object.bin"
p1, p2, p3 = os.urandom(5 * MiB), os.urandom(5 * MiB + 3), os.urandom(1234)
step("create_multipart_upload / upload_part x3 / list_parts / list_multipart_uploads")
up = s3.create_multipart_upload(Bucket=bucket, Key=mkey, ContentType="image/png",
                                Metadata={"Camera": "x100"})
uid = up["UploadId"]
etags = {}
for n, body in ((1, p1), (2, p2), (3, p3)):
    r = s3.upload_part(Bucket=bucket, Key=mkey, UploadId=uid, PartNumber=n, Body=body)
    assert r["ETag"] == f'"{md5(body)}"', (n, r["ETag"])
    etags[n] = r["ETag"]
# Re-uploading a part number replaces it.
r = s3.upload_part(Bucket=bucket, Key=mkey, UploadId=uid, PartNumber=3, Body=p3[::-1])
etags[3] = r["ETag"]
assert etags[3] == f'"{md5(p3[::-1])}"'
lp = s3.list_parts(Bucket=bucket, Key=mkey, UploadId=uid)
assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in lp["Parts"]] == \
    [(1, len(p1), etags[1]), (2, len(p2), etags[2]), (3, len(p3), etags[3])], lp["Parts"]
assert lp["UploadId"] == uid and lp["Key"] == mkey, lp
lp = s3.list_parts(Bucket=bucket, Key=mkey, UploadId=uid, MaxParts=2)
assert lp["IsTruncated"] and [p["PartNumber"] for p in lp["Parts"]] == [1, 2], lp
lp = s3.list_parts(Bucket=bucket, Key=mkey, UploadId=uid, PartNumberMarker=lp["NextPartNumberMarker"])
assert not lp["IsTruncated"] and [p["PartNumber"] for p in lp["Parts"]] == [3], lp
lu = s3.list_multipart_uploads(Bucket=bucket, Prefix=f"{tag}/mp/")
assert [(u["Key"], u["UploadId"]) for u in lu.get("Uploads", [])] == [(mkey, uid)], lu

parts = [{"PartNumber": n, "ETag": etags[n]} for n in (1, 2, 3)]
step("error codes: InvalidPart, InvalidPartOrder, NoSuchUpload, EntityTooSmall, NoSuchKey, NoSuchBucket")
expect_code("InvalidPart", s3.complete_multipart_upload, Bucket=bucket, Key=mkey, UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}] + parts[1:]})
expect_code("InvalidPart", s3.complete_multipart_upload, Bucket=bucket, Key=mkey, UploadId=uid,
            MultipartUpload={"Parts": parts[:2] + [{"PartNumber": 4, "ETag": etags[3]}]})
expect_code("InvalidPartOrder", s3.complete_multipart_upload, Bucket=bucket, Key=mkey, UploadId=uid,
            MultipartUpload={"Parts": [parts[1], parts[0], parts[2]]})
expect_code("NoSuchUpload", s3.upload_part, Bucket=bucket, Key=mkey, UploadId="nope" + uid[4:],
            PartNumber=1, Body=b"x")
expect_code("NoSuchUpload", s3.list_parts, Bucket=bucket, Key=mkey, UploadId="nope")
expect_code("NoSuchUpload", s3.complete_multipart_upload, Bucket=bucket, Key=mkey + ".other",
            UploadId=uid, MultipartUpload={"Parts": parts})

step("complete_multipart_upload")
c = s3.complete_multipart_upload(Bucket=bucket, Key=mkey, UploadId=uid, MultipartUpload={"Parts": parts})
whole = p1 + p2 + p3[::-1]
expect_etag = f'"{hashlib.md5(b"".join(bytes.fromhex(etags[n].strip(chr(34))) for n in (1, 2, 3))).hexdigest()}-3"'
assert c["ETag"] == expect_etag, (c["ETag"], expect_etag)
assert c["Key"] == mkey and c["Bucket"] == bucket, c
g = s3.get_object(Bucket=bucket, Key=mkey)
assert g["Body"].read() == whole, "completed object bytes differ"
assert g["ETag"] == expect_etag and g["ContentType"] == "image/png" and g["Metadata"] == {"camera": "x100"}, g
g = s3.get_object(Bucket=bucket, Key=mkey, Range=f"bytes={5 * MiB - 2}-{5 * MiB + 1}")
assert g["Body"].read() == whole[5 * MiB - 2:5 * MiB + 2], "range across a part boundary"
# A retried Complete (the client lost the first answer) gets the same object, as S3 answers.
again = s3.complete_multipart_upload(Bucket=bucket, Key=mkey, UploadId=uid, MultipartUpload={"Parts": parts})
assert again["ETag"] == expect_etag, again
expect_code("NoSuchUpload", s3.list_parts, Bucket=bucket, Key=mkey, UploadId=uid)
expect_code("NoSuchUpload", s3.upload_part, Bucket=bucket, Key=mkey, UploadId=uid, PartNumber=4, Body=b"late")
assert not s3.list_multipart_uploads(Bucket=bucket, Prefix=f"{tag}/mp/").get("Uploads"), "completed upload listed"

# EntityTooSmall: two 1 MiB parts, then abort.
uid2 = s3.create_multipart_upload(Bucket=bucket, Key=mkey + ".small")["UploadId"]
sp = []
for n in (1, 2):
    r = s3.upload_part(Bucket=bucket, Key=mkey + ".small", UploadId=uid2, PartNumber=n, Body=os.urandom(MiB))
    sp.append({"PartNumber": n, "ETag": r["ETag"]})
expect_code("EntityTooSmall", s3.complete_multipart_upload, Bucket=bucket, Key=mkey + ".small",
            UploadId=uid2, MultipartUpload={"Parts": sp})
step("abort_multipart_upload")
s3.abort_multipart_upload(Bucket=bucket, Key=mkey + ".small", UploadId=uid2)
expect_code("NoSuchUpload", s3.list_parts, Bucket=bucket, Key=mkey + ".small", UploadId=uid2)
expect_code("NoSuchUpload", s3.abort_multipart_upload, Bucket=bucket, Key=mkey + ".small", UploadId=uid2)
expect_code("NoSuchKey", s3.get_object, Bucket=bucket, Key=mkey + ".small")
expect_code("NoSuchBucket", s3.put_object, Bucket="no-such-bucket-s2", Key="k", Body=b"x")
expect_code("NoSuchBucket", s3.list_objects_v2, Bucket="no-such-bucket-s2")
expect_code("404", s3.head_object, Bucket=bucket, Key=f"{tag}/missing")

# --- list_objects_v2 paginator over 1,200 keys with a delimiter ---------------
lst = f"{tag}/list/"
files = [f"{lst}f{i:04d}" for i in range(1000)]
nested = [f"{lst}sub{j:02d}/x{k}" for j in range(20) for k in range(10)]
every = files + nested
step(f"put {len(every)} keys (16 threads)")
t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    for fut in [pool.submit(s3.put_object, Bucket=bucket, Key=k, Body=k.encode()) for k in every]:
        fut.result()
print(f"  {len(every)} puts in {time.time() - t0:.1f}s")

step("list_objects_v2 paginator, Delimiter='/', PageSize=100")
pages = list(s3.get_paginator("list_objects_v2").paginate(
    Bucket=bucket, Prefix=lst, Delimiter="/", PaginationConfig={"PageSize": 100}))
keys = [o["Key"] for p in pages for o in p.get("Contents", [])]
prefixes = [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])]
assert keys == files, (len(keys), keys[:3], keys[-3:])
assert prefixes == [f"{lst}sub{j:02d}/" for j in range(20)], prefixes
assert len(pages) == 11, len(pages)  # 1,020 entries, 100 a page
for p in pages:
    assert p["KeyCount"] == len(p.get("Contents", [])) + len(p.get("CommonPrefixes", [])) <= 100, p["KeyCount"]
    assert p["Delimiter"] == "/" and p["Prefix"] == lst, p
assert all(p["IsTruncated"] for p in pages[:-1]) and not pages[-1]["IsTruncated"]
print(f"  {len(pages)} pages, {len(keys)} keys, {len(prefixes)} common prefixes")

step("list_objects_v2 paginator without delimiter, StartAfter, and list_objects (v1) paginator")
pages = list(s3.get_paginator("list_objects_v2").paginate(
    Bucket=bucket, Prefix=lst, PaginationConfig={"PageSize": 250}))
allkeys = [o["Key"] for p in pages for o in p["Contents"]]
assert allkeys == sorted(every) and len(pages) == 5, (len(allkeys), len(pages))
sizes = {o["Key"]: o["Size"] for p in pages for o in p["Contents"]}
assert all(sizes[k] == len(k.encode()) for k in every)
r = s3.list_objects_v2(Bucket=bucket, Prefix=lst, StartAfter=f"{lst}f0997", MaxKeys=5)
assert [o["Key"] for o in r["Contents"]] == [f"{lst}f0998", f"{lst}f0999"] + nested[:3], r["Contents"]
pages = list(s3.get_paginator("list_objects").paginate(
    Bucket=bucket, Prefix=lst, Delimiter="/", PaginationConfig={"PageSize": 300}))
v1keys = [o["Key"] for p in pages for o in p.get("Contents", [])]
v1pre = [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])]
assert v1keys == files and len(v1pre) == 20, (len(v1keys), len(v1pre))

# --- delete_objects --------------------------------------------------------------
step("delete_objects in batches of 1000 (the S3 limit)")
deleted = 0
for i in range(0, len(every), 1000):
    batch = every[i:i + 1000]
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch]})
    assert not r.get("Errors"), r["Errors"][:3]
    assert sorted(d["Key"] for d in r["Deleted"]) == sorted(batch)
    deleted += len(r["Deleted"])
r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": skey}, {"Key": f"{tag}/never-existed"}],
                                             "Quiet": True})
assert not r.get("Deleted") and not r.get("Errors"), r
assert s3.list_objects_v2(Bucket=bucket, Prefix=lst)["KeyCount"] == 0, "keys left after delete_objects"
expect_code("NoSuchKey", s3.get_object, Bucket=bucket, Key=skey)
for k in (key, mkey, ekey, f"{tag}/put/copy.bin", f"{tag}/put/copy2.bin"):
    s3.delete_object(Bucket=bucket, Key=k)
left = s3.list_objects_v2(Bucket=bucket, Prefix=f"{tag}/")
assert left["KeyCount"] == 0, [o["Key"] for o in left.get("Contents", [])]
print(f"OK boto3 {boto3.__version__}: transfer 23 MiB, ranges, multipart, errors, "
      f"{len(every)} keys listed and {deleted} deleted", flush=True)
