"""boto3 create_multipart_upload against s2lite: every signature version the
client offers, path and virtual addressing. Prints one upload id per line."""
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, key_id, secret, path_bucket, vhost_bucket = sys.argv[1:6]
print(f"# boto3 {boto3.__version__} botocore {botocore.__version__}", file=sys.stderr)
# botocore 1.28-1.30 (Debian 12's python3-boto3) copies "?uploads" into the SigV2
# auth path and then appends the query again (botocore handlers.py, authPath).
_v = tuple(int(x) for x in botocore.__version__.split(".")[:2])
DOUBLE_SIGNS_SUBRESOURCE = (1, 28) <= _v < (1, 31)

for sig in ("s3v4", "s3"):
    for style, bucket in (("path", path_bucket), ("virtual", vhost_bucket)):
        # Virtual-hosted style puts the bucket in front of the endpoint's host name,
        # so it needs a name, not an IP: <bucket>.localhost (in /etc/hosts).
        url = endpoint.replace("127.0.0.1", "localhost") if style == "virtual" else endpoint
        s3 = boto3.client(
            "s3", endpoint_url=url, aws_access_key_id=key_id,
            aws_secret_access_key=secret, region_name="us-east-1",
            config=Config(signature_version=sig, s3={"addressing_style": style},
                          retries={"max_attempts": 1}))
        key = f"boto3/{sig}/{style}/file name+1.bin"
        if sig == "s3" and DOUBLE_SIGNS_SUBRESOURCE:
            # This botocore signs "/bucket/key?uploads?uploads" with SigV2: S3 itself
            # refuses that, and so must we. SigV2 still works where no sub-resource is.
            try:
                s3.create_multipart_upload(Bucket=bucket, Key=key)
            except ClientError as e:
                assert e.response["Error"]["Code"] == "SignatureDoesNotMatch", e.response
                sts = e.response["Error"].get("StringToSign", "")
                assert sts.endswith("?uploads"), sts
            else:
                raise AssertionError("double-signed sub-resource accepted")
            s3.head_bucket(Bucket=bucket)
            assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
            continue
        r = s3.create_multipart_upload(
            Bucket=bucket, Key=key, ContentType="text/csv",
            Metadata={"Foo1": "value1", "foo2": "value2"}, CacheControl="max-age=10",
            StorageClass="STANDARD_IA")
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert r["Bucket"] == bucket, r
        assert r["Key"] == key, r
        assert len(r["UploadId"]) >= 22, r
        headers = r["ResponseMetadata"]["HTTPHeaders"]
        assert headers["x-amz-s2-requester"] == "tester", headers
        assert headers["connection"] == "keep-alive", headers
        print(r["UploadId"])

        cases = [
                (dict(Bucket=bucket, Key="k", StorageClass="NOPE"), "InvalidStorageClass"),
                (dict(Bucket=bucket, Key="k", Metadata={"big": "x" * 2100}), "MetadataTooLarge"),
                (dict(Bucket=bucket, Key="k" * 1025), "KeyTooLongError")]
        if style == "path":  # a missing bucket has no host name to resolve
            cases.append((dict(Bucket="no-such-bucket", Key="k"), "NoSuchBucket"))
        for bad_kwargs, code in cases:
            try:
                s3.create_multipart_upload(**bad_kwargs)
            except ClientError as e:
                assert e.response["Error"]["Code"] == code, (code, e.response)
            else:
                raise AssertionError(f"expected {code}")

bad = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key_id,
                   aws_secret_access_key="wrong", region_name="us-east-1",
                   config=Config(retries={"max_attempts": 1}))
try:
    bad.create_multipart_upload(Bucket=path_bucket, Key="k")
except ClientError as e:
    assert e.response["Error"]["Code"] == "SignatureDoesNotMatch", e.response
else:
    raise AssertionError("wrong secret accepted")
