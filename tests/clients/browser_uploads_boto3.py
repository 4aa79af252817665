"""boto3 against the daemon: CORS configuration calls, and generate_presigned_post
(SigV4 and SigV2) uploaded unmodified with urllib (no `requests`).

Usage: browser_uploads_boto3.py ENDPOINT ACCESS_KEY SECRET_KEY BUCKET
Prints the presigned POST it made for curl -F (tests/clients/browser_uploads_boto3_test.sh).
"""
import hashlib
import json
import sys
import urllib.error
import urllib.request
import uuid

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, access_key, secret_key, bucket = sys.argv[1:5]
tag = f"boto3-{boto3.__version__}"


def client(signature_version="s3v4"):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=Config(signature_version=signature_version, s3={"addressing_style": "path"}),
    )


s3 = client()


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {e}"
        return e
    raise AssertionError(f"expected {code}, but the call succeeded")


def post_form(post, filename, data, extra=None):
    """POSTs boto3's presigned-post dict as multipart/form-data; (status, headers, body)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in list(post["fields"].items()) + list((extra or {}).items()):
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    req = urllib.request.Request(
        post["url"],
        data=b"".join(parts),
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


# --- CORS configuration -----------------------------------------------------
expect_error("NoSuchCORSConfiguration", s3.get_bucket_cors, Bucket=bucket)
rules = [
    {
        "ID": "web",
        "AllowedHeaders": ["*"],
        "AllowedMethods": ["GET", "PUT", "POST"],
        "AllowedOrigins": ["http://localhost:3000", "https://*.example.org"],
        "ExposeHeaders": ["ETag", "x-amz-version-id"],
        "MaxAgeSeconds": 3000,
    }
]
s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
got = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
assert got == rules, got
e = expect_error(
    "InvalidRequest",
    s3.put_bucket_cors,
    Bucket=bucket,
    CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["OPTIONS"]}]},
)
assert "Unsupported method is OPTIONS" in str(e), e
expect_error(
    "MalformedXML",
    s3.put_bucket_cors,
    Bucket=bucket,
    CORSConfiguration={
        "CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}] * 101
    },
)
s3.delete_bucket_cors(Bucket=bucket)
expect_error("NoSuchCORSConfiguration", s3.get_bucket_cors, Bucket=bucket)
print(f"{tag}: put/get/delete_bucket_cors ok", file=sys.stderr)

# --- generate_presigned_post, SigV4 -----------------------------------------
data = bytes(range(256)) * 4000  # ~1 MB
post = s3.generate_presigned_post(
    bucket,
    f"{tag}/${{filename}}",
    Fields={"Content-Type": "image/png", "x-amz-meta-source": "form"},
    Conditions=[
        ["starts-with", "$key", f"{tag}/"],
        {"Content-Type": "image/png"},
        {"x-amz-meta-source": "form"},
        ["content-length-range", 1, 2 * 1024 * 1024],
    ],
    ExpiresIn=300,
)
status, headers, body = post_form(post, "picture.png", data)
assert status == 204, (status, body)
assert headers["ETag"] == f'"{hashlib.md5(data).hexdigest()}"', headers
head = s3.head_object(Bucket=bucket, Key=f"{tag}/picture.png")
assert head["ContentType"] == "image/png", head
assert head["Metadata"] == {"source": "form"}, head
assert s3.get_object(Bucket=bucket, Key=f"{tag}/picture.png")["Body"].read() == data

# Violations: too large, a field the policy does not name, a changed condition.
status, _, body = post_form(post, "big.png", b"x" * (2 * 1024 * 1024 + 1))
assert status == 400 and "<Code>EntityTooLarge</Code>" in body, (status, body)
status, _, body = post_form(post, "x.png", b"x", extra={"x-amz-meta-extra": "1"})
assert status == 403 and "Extra input fields: x-amz-meta-extra" in body, (status, body)
tampered = {"url": post["url"], "fields": dict(post["fields"], **{"Content-Type": "text/html"})}
status, _, body = post_form(tampered, "x.png", b"x")
assert status == 403 and "Policy Condition failed" in body, (status, body)
expired = s3.generate_presigned_post(bucket, f"{tag}/late", ExpiresIn=-60)
status, _, body = post_form(expired, "late", b"x")
assert status == 403 and "Policy expired." in body, (status, body)
print(f"{tag}: generate_presigned_post (SigV4) upload and violations ok", file=sys.stderr)

# The tagging field: a Tagging document (S3's POST Object), read back with
# get_object_tagging.
tagging = ("<Tagging><TagSet><Tag><Key>source</Key><Value>form</Value></Tag>"
           "<Tag><Key>team</Key><Value>web ui</Value></Tag></TagSet></Tagging>")
tagged = s3.generate_presigned_post(
    bucket, f"{tag}/tagged.txt", Fields={"tagging": tagging},
    Conditions=[["eq", "$tagging", tagging]], ExpiresIn=300)
status, _, body = post_form(tagged, "tagged.txt", b"tagged by a form")
assert status == 204, (status, body)
got = s3.get_object_tagging(Bucket=bucket, Key=f"{tag}/tagged.txt")["TagSet"]
assert got == [{"Key": "source", "Value": "form"}, {"Key": "team", "Value": "web ui"}], got
bad = ("<Tagging><TagSet><Tag><Key>aws:x</Key><Value>1</Value></Tag></TagSet></Tagging>")
refused = s3.generate_presigned_post(
    bucket, f"{tag}/refused.txt", Fields={"tagging": bad},
    Conditions=[["eq", "$tagging", bad]], ExpiresIn=300)
status, _, body = post_form(refused, "refused.txt", b"x")
assert status == 400 and "<Code>InvalidTag</Code>" in body, (status, body)
expect_error("NoSuchKey", s3.get_object_tagging, Bucket=bucket, Key=f"{tag}/refused.txt")
print(f"{tag}: generate_presigned_post with a tagging field ok", file=sys.stderr)

# --- generate_presigned_post, SigV2 -----------------------------------------
v2 = client("s3").generate_presigned_post(
    bucket,
    f"{tag}/v2.txt",
    Fields={"success_action_status": "201"},
    Conditions=[{"success_action_status": "201"}],
    ExpiresIn=300,
)
assert "AWSAccessKeyId" in v2["fields"] and "signature" in v2["fields"], v2
status, _, body = post_form(v2, "v2.txt", b"signed with v2")
assert status == 201 and f"<Key>{tag}/v2.txt</Key>" in body, (status, body)
assert s3.get_object(Bucket=bucket, Key=f"{tag}/v2.txt")["Body"].read() == b"signed with v2"
print(f"{tag}: generate_presigned_post (SigV2) ok", file=sys.stderr)

# For curl -F in the shell: a fresh SigV4 policy.
print(json.dumps(s3.generate_presigned_post(bucket, f"{tag}/curl/${{filename}}", ExpiresIn=300)))
