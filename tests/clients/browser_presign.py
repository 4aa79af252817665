"""Presigns what the browser test page uses, with boto3, and prints it as JSON.

Usage: browser_presign.py ENDPOINT ACCESS_KEY SECRET_KEY BUCKET PART_BYTES...

- post: generate_presigned_post for "browser/${filename}" (201, content-length-range,
  a tagging field)
- put: a presigned PutObject URL signing a custom Content-Type (preflight)
- multipart: an upload created here, presigned UploadPart URLs for each size in
  PART_BYTES, and a presigned CompleteMultipartUpload URL
- blocked: a presigned PutObject URL the disallowed origin tries
"""
import json
import sys

import boto3
from botocore.config import Config

endpoint, access_key, secret_key, bucket = sys.argv[1:5]
part_sizes = [int(x) for x in sys.argv[5:]]
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    aws_access_key_id=access_key,
    aws_secret_access_key=secret_key,
    region_name="us-east-1",
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
)

# S3's POST Object takes the object's tags as a Tagging document in a field.
TAGGING = ("<Tagging><TagSet><Tag><Key>uploaded-by</Key><Value>browser</Value></Tag>"
           "</TagSet></Tagging>")
post = s3.generate_presigned_post(
    bucket,
    "browser/${filename}",
    Fields={"success_action_status": "201", "Content-Type": "application/octet-stream",
            "tagging": TAGGING},
    Conditions=[
        {"success_action_status": "201"},
        {"tagging": TAGGING},
        ["starts-with", "$key", "browser/"],
        ["starts-with", "$Content-Type", ""],
        ["content-length-range", 1, 10 * 1024 * 1024],
    ],
    ExpiresIn=600,
)

put_type = "application/x-s2lite-browser-test"
put_url = s3.generate_presigned_url(
    "put_object",
    Params={"Bucket": bucket, "Key": "browser/put.txt", "ContentType": put_type},
    ExpiresIn=600,
)

mp_key = "browser/multipart.bin"
upload_id = s3.create_multipart_upload(Bucket=bucket, Key=mp_key)["UploadId"]
part_urls = [
    s3.generate_presigned_url(
        "upload_part",
        Params={"Bucket": bucket, "Key": mp_key, "UploadId": upload_id, "PartNumber": n},
        ExpiresIn=600,
    )
    for n in range(1, len(part_sizes) + 1)
]
complete_url = s3.generate_presigned_url(
    "complete_multipart_upload",
    Params={"Bucket": bucket, "Key": mp_key, "UploadId": upload_id},
    ExpiresIn=600,
)

blocked_url = s3.generate_presigned_url(
    "put_object",
    Params={"Bucket": bucket, "Key": "browser/blocked.txt", "ContentType": put_type},
    ExpiresIn=600,
)

json.dump(
    {
        "post": post,
        "put": {"url": put_url, "contentType": put_type},
        "multipart": {"partSizes": part_sizes, "partUrls": part_urls, "completeUrl": complete_url},
        "blocked": {"url": blocked_url, "contentType": put_type},
    },
    sys.stdout,
)
