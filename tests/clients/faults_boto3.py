"""boto3's retries against injected faults: a part that fails once with
SlowDown and a part whose connection is reset mid-body still make a complete,
byte-identical object."""
import hashlib, os, sys, urllib.request

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

endpoint, key_id, secret, workdir = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key_id,
                  aws_secret_access_key=secret, region_name="us-east-1",
                  config=Config(retries={"max_attempts": 5, "mode": "standard"}))
data = os.urandom(3 * 5 * 1024 * 1024 + 1234)
src = os.path.join(workdir, "faulty.bin")
with open(src, "wb") as f:
    f.write(data)
cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024,
                     max_concurrency=2)
s3.upload_file(src, "fault-bucket", "faulty.bin", Config=cfg)
body = s3.get_object(Bucket="fault-bucket", Key="faulty.bin")["Body"].read()
assert hashlib.md5(body).hexdigest() == hashlib.md5(data).hexdigest(), "object differs"
metrics = urllib.request.urlopen(endpoint + "/metrics").read().decode()
fired = [l for l in metrics.splitlines() if l.startswith("s2lite_faults_fired_total")]
assert fired == ["s2lite_faults_fired_total 2"], fired
status = [l for l in metrics.splitlines()
          if l.startswith('s2lite_requests_total{operation="UploadPart",status="503"}')]
assert status and status[0].endswith(" 1"), status
print(f"boto3 {boto3.__version__}: upload survived SlowDown + reset; {fired[0]}")
