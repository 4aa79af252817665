"""Conditional writes, tagging, bucket settings and lifecycle through boto3.

Usage: infra_boto3.py ENDPOINT ACCESS_KEY SECRET_KEY
Each boto3 version works in its own buckets. Older boto3 has no IfNoneMatch /
IfMatch parameters: the headers are then added to the signed request.
"""
import json
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, key_id, secret = sys.argv[1:4]
version = boto3.__version__.replace(".", "-")
print(f"== boto3 {boto3.__version__} botocore {botocore.__version__} ({sys.executable})", flush=True)
s3 = boto3.client(
    "s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
    region_name="us-east-1",
    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def step(msg):
    print(f"+ {msg}", flush=True)


def error(code, status, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
        assert got == (code, status), f"{fn.__name__}: expected {code}/{status}, got {got}"
        return e
    raise AssertionError(f"{fn.__name__}: expected {code}, but it succeeded")


def has_param(op, name):
    return name in s3.meta.service_model.operation_model(op).input_shape.members


def conditional(op, **headers):
    """Calls s3.<op> with If-* headers, as a parameter when boto3 knows it."""
    def call(**kwargs):
        params = dict(kwargs)
        extra = {}
        for name, value in headers.items():
            if has_param(op, name):
                params[name] = value
            else:
                extra["If-None-Match" if name == "IfNoneMatch" else "If-Match"] = value
        def add(request, **_):
            for k, v in extra.items():
                request.headers[k] = v
        event = f"before-sign.s3.{op}"
        s3.meta.events.register(event, add)
        try:
            return getattr(s3, {"PutObject": "put_object", "CopyObject": "copy_object",
                                "CompleteMultipartUpload": "complete_multipart_upload"}[op])(**params)
        finally:
            s3.meta.events.unregister(event, add)
    call.__name__ = op
    return call


b = f"infra-{version}"
s3.create_bucket(Bucket=b)

step("conditional writes")
put_new = conditional("PutObject", IfNoneMatch="*")
first = put_new(Bucket=b, Key="terraform.tfstate.tflock", Body=b"lock-1")
error("PreconditionFailed", 412, put_new, Bucket=b, Key="terraform.tfstate.tflock", Body=b"lock-2")
assert s3.get_object(Bucket=b, Key="terraform.tfstate.tflock")["Body"].read() == b"lock-1"
error("PreconditionFailed", 412, conditional("PutObject", IfMatch='"0123"'),
      Bucket=b, Key="terraform.tfstate.tflock", Body=b"x")
error("NoSuchKey", 404, conditional("PutObject", IfMatch=first["ETag"]), Bucket=b, Key="absent",
      Body=b"x")
conditional("PutObject", IfMatch=first["ETag"])(Bucket=b, Key="terraform.tfstate.tflock",
                                                 Body=b"lock-2")
mpu = s3.create_multipart_upload(Bucket=b, Key="terraform.tfstate.tflock")
part = s3.upload_part(Bucket=b, Key="terraform.tfstate.tflock", UploadId=mpu["UploadId"],
                      PartNumber=1, Body=b"mp")
error("PreconditionFailed", 412, conditional("CompleteMultipartUpload", IfNoneMatch="*"),
      Bucket=b, Key="terraform.tfstate.tflock", UploadId=mpu["UploadId"],
      MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
s3.abort_multipart_upload(Bucket=b, Key="terraform.tfstate.tflock", UploadId=mpu["UploadId"])
error("PreconditionFailed", 412, conditional("CopyObject", IfNoneMatch="*"), Bucket=b,
      Key="terraform.tfstate.tflock", CopySource={"Bucket": b, "Key": "terraform.tfstate.tflock"},
      MetadataDirective="REPLACE")

step("object and bucket tagging")
s3.put_object(Bucket=b, Key="t", Body=b"x", Tagging="env=dev&team=a%20b")
assert s3.get_object(Bucket=b, Key="t")["TagCount"] == 2
tags = s3.get_object_tagging(Bucket=b, Key="t")["TagSet"]
assert tags == [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a b"}], tags
s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
assert s3.get_object_tagging(Bucket=b, Key="t")["TagSet"] == [{"Key": "k", "Value": "v"}]
error("InvalidTag", 400, s3.put_object_tagging, Bucket=b, Key="t", Tagging={
    "TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(11)]})
s3.copy_object(Bucket=b, Key="t2", CopySource={"Bucket": b, "Key": "t"},
               TaggingDirective="REPLACE", Tagging="new=1")
assert s3.get_object_tagging(Bucket=b, Key="t2")["TagSet"] == [{"Key": "new", "Value": "1"}]
s3.delete_object_tagging(Bucket=b, Key="t")
assert s3.get_object_tagging(Bucket=b, Key="t")["TagSet"] == []
assert "TagCount" not in s3.head_object(Bucket=b, Key="t")
error("NoSuchTagSet", 404, s3.get_bucket_tagging, Bucket=b)
s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "Name", "Value": b}]})
assert s3.get_bucket_tagging(Bucket=b)["TagSet"] == [{"Key": "Name", "Value": b}]
s3.delete_bucket_tagging(Bucket=b)
error("NoSuchTagSet", 404, s3.get_bucket_tagging, Bucket=b)

step("bucket settings of a new bucket")
assert "Status" not in s3.get_bucket_versioning(Bucket=b)
acl = s3.get_bucket_acl(Bucket=b)
assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"], acl
enc = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
assert enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", enc
error("NoSuchBucketPolicy", 404, s3.get_bucket_policy, Bucket=b)
error("NoSuchWebsiteConfiguration", 404, s3.get_bucket_website, Bucket=b)
error("ReplicationConfigurationNotFoundError", 404, s3.get_bucket_replication, Bucket=b)
error("ObjectLockConfigurationNotFoundError", 404, s3.get_object_lock_configuration, Bucket=b)
error("NoSuchLifecycleConfiguration", 404, s3.get_bucket_lifecycle_configuration, Bucket=b)
# Since April 2023: ACLs disabled and every Block Public Access setting on.
assert s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"] == [
    {"ObjectOwnership": "BucketOwnerEnforced"}]
assert s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"] == {
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True}
assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=b)
assert s3.get_bucket_request_payment(Bucket=b)["Payer"] == "BucketOwner"
assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=b)

step("bucket settings written and read back")
error("NotImplemented", 501, s3.put_bucket_versioning, Bucket=b,
      VersioningConfiguration={"Status": "Enabled"})
s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Suspended"
policy = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket",
    "Resource": f"arn:aws:s3:::{b}"}]})
s3.put_bucket_policy(Bucket=b, Policy=policy)
assert json.loads(s3.get_bucket_policy(Bucket=b)["Policy"]) == json.loads(policy)
error("MalformedPolicy", 400, s3.put_bucket_policy, Bucket=b, Policy="{oops")
s3.delete_bucket_policy(Bucket=b)
s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={"Rules": [{
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k1"},
    "BucketKeyEnabled": True}]})
rule = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms",
                                                      "KMSMasterKeyID": "k1"}, rule
assert rule["BucketKeyEnabled"] is True
s3.delete_bucket_encryption(Bucket=b)
s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={
    "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
assert s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"] == [
    {"ObjectOwnership": "ObjectWriter"}]
s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
    "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
    "RestrictPublicBuckets": True})
assert s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"] == {
    "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
    "RestrictPublicBuckets": True}
s3.delete_public_access_block(Bucket=b)
s3.delete_bucket_ownership_controls(Bucket=b)
error("OwnershipControlsNotFoundError", 404, s3.get_bucket_ownership_controls, Bucket=b)
error("NoSuchPublicAccessBlockConfiguration", 404, s3.get_public_access_block, Bucket=b)

step("object ownership: ACLs disabled by default, enabled by CreateBucket's ObjectOwnership")
acl_bucket = f"{b}-acls"
error("InvalidBucketAclWithObjectOwnership", 400, s3.create_bucket, Bucket=acl_bucket,
      ACL="public-read")
s3.create_bucket(Bucket=acl_bucket, ACL="private")
error("AccessControlListNotSupported", 400, s3.put_object, Bucket=acl_bucket, Key="k", Body=b"x",
      ACL="public-read")
s3.put_object(Bucket=acl_bucket, Key="k", Body=b"x", ACL="bucket-owner-full-control")
error("AccessControlListNotSupported", 400, s3.put_bucket_acl, Bucket=acl_bucket, ACL="private")
assert [g["Permission"] for g in s3.get_bucket_acl(Bucket=acl_bucket)["Grants"]] == [
    "FULL_CONTROL"]
writer_bucket = f"{b}-writer"
s3.create_bucket(Bucket=writer_bucket, ObjectOwnership="ObjectWriter")
assert s3.get_bucket_ownership_controls(Bucket=writer_bucket)["OwnershipControls"]["Rules"] == [
    {"ObjectOwnership": "ObjectWriter"}]
s3.put_object(Bucket=writer_bucket, Key="k", Body=b"x", ACL="public-read")
s3.put_bucket_acl(Bucket=writer_bucket, ACL="private")
for name in (acl_bucket, writer_bucket):
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)

step("lifecycle")
s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
    {"ID": "abort-uploads", "Filter": {"Prefix": "up/"}, "Status": "Enabled",
     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
    {"ID": "expire-tmp", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled",
     "Expiration": {"Days": 1}}]})
rules = s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]
assert [r["ID"] for r in rules] == ["abort-uploads", "expire-tmp"], rules
up = s3.create_multipart_upload(Bucket=b, Key="up/big")
assert up["AbortRuleId"] == "abort-uploads" and up["AbortDate"].hour == 0, up
s3.abort_multipart_upload(Bucket=b, Key="up/big", UploadId=up["UploadId"])
put = s3.put_object(Bucket=b, Key="tmp/x", Body=b"x")
expiration = s3.head_object(Bucket=b, Key="tmp/x")["Expiration"]
assert 'rule-id="expire-tmp"' in expiration and expiration.startswith('expiry-date="'), expiration
# The writes answer the expiration of what they wrote (PutObject, CopyObject,
# CompleteMultipartUpload), as S3 does.
assert put["Expiration"] == expiration, put
assert "Expiration" not in s3.put_object(Bucket=b, Key="kept/x", Body=b"x")
copied = s3.copy_object(Bucket=b, Key="tmp/copy", CopySource={"Bucket": b, "Key": "kept/x"})
assert copied["Expiration"] == expiration, copied
assert "Expiration" not in s3.copy_object(Bucket=b, Key="kept/copy",
                                          CopySource={"Bucket": b, "Key": "tmp/x"})
mp = s3.create_multipart_upload(Bucket=b, Key="tmp/mp")
part = s3.upload_part(Bucket=b, Key="tmp/mp", UploadId=mp["UploadId"], PartNumber=1, Body=b"p")
done = s3.complete_multipart_upload(
    Bucket=b, Key="tmp/mp", UploadId=mp["UploadId"],
    MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
assert done["Expiration"] == expiration, done
error("MalformedXML", 400, s3.put_bucket_lifecycle_configuration, Bucket=b,
      LifecycleConfiguration={"Rules": [{"ID": "x", "Filter": {"Prefix": ""},
                                         "Status": "On", "Expiration": {"Days": 1}}]})
s3.delete_bucket_lifecycle(Bucket=b)
error("NoSuchLifecycleConfiguration", 404, s3.get_bucket_lifecycle_configuration, Bucket=b)

step("empty the bucket through its versions, as tools do, and delete it")
versions = s3.list_object_versions(Bucket=b)
objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions["Versions"]]
assert objects and all(v["VersionId"] == "null" and v["IsLatest"] for v in versions["Versions"])
s3.delete_objects(Bucket=b, Delete={"Objects": objects})
s3.delete_bucket(Bucket=b)
print("OK", flush=True)
