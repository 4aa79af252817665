"""What a user's test looks like with the fixture."""


def test_initiate_multipart_upload(s3):
    r = s3.create_multipart_upload(Bucket="test-bucket", Key="a/b.txt", Metadata={"k": "v"},
                                   ContentType="text/plain")
    assert r["Key"] == "a/b.txt"
    assert len(r["UploadId"]) >= 22


def test_missing_bucket_is_an_s3_error(s3):
    import botocore.exceptions
    import pytest
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.create_multipart_upload(Bucket="nope-bucket", Key="k")
    assert e.value.response["Error"]["Code"] == "NoSuchBucket"
