"""A pytest fixture that spawns s2lite on an ephemeral port (10 lines that matter).

    S2LITE=/path/to/s2lite pytest examples/pytest
"""
import os, subprocess, tempfile

import boto3
import pytest


@pytest.fixture
def s3():
    ready = tempfile.mktemp()
    proc = subprocess.Popen([os.environ.get("S2LITE", "s2lite"), "--listen", "127.0.0.1:0",
                             "--in-memory", "--exit-with-parent", "--ready-file", ready,
                             "--user", "test:AKTEST:SKTEST", "--bucket", "test-bucket"],
                            stdout=subprocess.PIPE, text=True)
    endpoint = proc.stdout.readline().split()[-1]  # "s2lite listening on http://127.0.0.1:PORT"
    yield boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="AKTEST",
                       aws_secret_access_key="SKTEST", region_name="us-east-1")
    proc.terminate()
    proc.wait(timeout=10)
