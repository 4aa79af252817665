#!/usr/bin/python3
"""Several s2lite daemons on one PostgreSQL registry and one blob directory.

Usage: cluster_test.py S2LITE_BINARY [SCENARIO...]

Starts a throwaway PostgreSQL 15 cluster (scripts/pg-cluster.sh) in a temp
directory, and for each scenario a fresh database, a fresh blob directory and
three daemon processes (the real binary, ephemeral ports, all on this
machine); stops everything at the end. Scenarios (all by default):

  multipart   a 64 MiB multipart upload whose initiate, parts and complete go
              to different daemons, read back byte-exact from each
  chaos       4 writers on 3 daemons, kill -9 of one daemon every ~1.5 s
              (restarted), 20 rounds: every acknowledged write readable from
              every daemon, no torn object, no orphan blob after the grace
  inflight    a GET in flight on one daemon while another deletes the object
              returns the whole old body
  leader      the leader killed: another daemon takes the lease and runs the
              reaper within the lease time
  outage      PostgreSQL stopped for 5 s under load: requests fail fast with
              503 SlowDown, nothing acknowledged is lost, service resumes

Exit 77 (skipped) when PostgreSQL 15 is not installed.
"""
import concurrent.futures
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG_SCRIPT = os.path.join(ROOT, "scripts", "pg-cluster.sh")
PSQL = "/usr/lib/postgresql/15/bin/psql"
ACCESS, SECRET = "s2lite-access", "s2lite-secret"
BUCKET = "cluster"
MIB = 1024 * 1024

# Short cluster timings, so a whole scenario fits in seconds.
LEASE_TTL = 2.0       # a dead leader's work moves within LEASE_TTL * 4/3
MAX_READ = 3.0        # the longest a GET may stream
# Freed bytes stay this long: more than MAX_READ, and more than a write's
# registry calls may take (5 s when PostgreSQL is away), so that no sweep
# takes a blob whose row is about to be committed for an orphan.
BLOB_GRACE = 8.0


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Postgres:
    """The throwaway cluster, and one database per scenario."""

    def __init__(self, base):
        self.dir = os.path.join(base, "pg")
        out = subprocess.run([PG_SCRIPT, "start", self.dir], check=True, capture_output=True,
                             text=True).stdout
        self.conninfo = out.strip().splitlines()[-1]
        self.count = 0

    def new_database(self):
        self.count += 1
        name = f"scenario{self.count}"
        subprocess.run([PSQL, self.conninfo, "-qc", f"CREATE DATABASE {name}"], check=True)
        return re.sub(r"dbname=\S+", f"dbname={name}", self.conninfo)

    def stop(self):
        subprocess.run([PG_SCRIPT, "stop", self.dir], check=True, capture_output=True)

    def start(self):
        subprocess.run([PG_SCRIPT, "start", self.dir], check=True, capture_output=True)

    def destroy(self):
        subprocess.run([PG_SCRIPT, "destroy", self.dir], capture_output=True)


class Daemon:
    def __init__(self, binary, work, index, registry, data_dir, extra):
        self.binary, self.index = binary, index
        self.args = [binary, "--registry", registry, "--data-dir", data_dir,
                     "--listen", "127.0.0.1:0", "--exit-with-parent", "--threads", "2",
                     "--lease-ttl", str(LEASE_TTL), "--max-read-duration", str(MAX_READ),
                     "--blob-grace", str(BLOB_GRACE), "--min-part-size", str(MIB),
                     "--bucket", BUCKET] + extra
        self.ready_file = os.path.join(work, f"ready{index}")
        self.log_path = os.path.join(work, f"daemon{index}.log")
        self.proc = None
        self.url = None
        self.starts = 0

    def start(self):
        if os.path.exists(self.ready_file):
            os.remove(self.ready_file)
        self.starts += 1
        logf = open(self.log_path, "a")
        logf.write(f"--- start {self.starts}\n")
        logf.flush()
        self.proc = subprocess.Popen(self.args + ["--ready-file", self.ready_file],
                                     stdout=logf, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if os.path.exists(self.ready_file):
                self.url = open(self.ready_file).read().strip()
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"daemon {self.index} did not start; see {self.log_path}:\n" +
                             open(self.log_path).read()[-3000:])

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.url = None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.url = None

    def alive(self):
        return self.url is not None

    def metric(self, name):
        text = urllib.request.urlopen(self.url + "/metrics", timeout=5).read().decode()
        m = re.search(rf"^{name} (\S+)$", text, re.M)
        return float(m.group(1)) if m else None

    def client(self, timeout=30):
        return boto3.client(
            "s3", endpoint_url=self.url, aws_access_key_id=ACCESS, aws_secret_access_key=SECRET,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                          connect_timeout=5, read_timeout=timeout, max_pool_connections=16))


class Cluster:
    def __init__(self, binary, pg, base, name, extra=()):
        self.work = os.path.join(base, name)
        os.makedirs(self.work)
        self.blob_root = os.path.join(self.work, "data")
        registry = pg.new_database()
        self.daemons = [Daemon(binary, self.work, i, registry, self.blob_root, list(extra))
                        for i in range(3)]
        for d in self.daemons:
            d.start()

    def stop(self):
        for d in self.daemons:
            d.stop()

    def live(self):
        return [d for d in self.daemons if d.alive()]

    def leaders(self):
        return [d for d in self.live() if d.metric("s2lite_leader") == 1]

    def blob_files(self):
        """(committed blob files, temporary files) in the shared directory."""
        blobs, temps = 0, 0
        root = os.path.join(self.blob_root, "blobs")
        for sub in os.listdir(root):
            names = os.listdir(os.path.join(root, sub))
            if sub == "tmp":
                temps += len(names)
            elif len(sub) == 2:
                blobs += len(names)
        return blobs, temps


def put_random(s3, key, size, rng):
    data = rng.randbytes(size)
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    return data


def read(s3, key):
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def expect_error(fn, code):
    try:
        fn()
    except ClientError as e:
        assert e.response["Error"]["Code"] == code, e.response["Error"]
        return
    raise AssertionError(f"expected {code}")


# --- scenarios -------------------------------------------------------------

def scenario_multipart(cluster):
    d = cluster.daemons
    clients = [x.client() for x in d]
    rng = random.Random(1)
    body = rng.randbytes(64 * MIB)
    up = clients[0].create_multipart_upload(Bucket=BUCKET, Key="big")["UploadId"]
    parts = []
    part_size = 8 * MIB
    for n in range(8):
        s3 = clients[n % 3]
        chunk = body[n * part_size:(n + 1) * part_size]
        etag = s3.upload_part(Bucket=BUCKET, Key="big", UploadId=up, PartNumber=n + 1,
                              Body=chunk)["ETag"]
        parts.append({"PartNumber": n + 1, "ETag": etag})
    # Every daemon sees the upload and its parts, wherever they went.
    for s3 in clients:
        listed = s3.list_parts(Bucket=BUCKET, Key="big", UploadId=up)["Parts"]
        assert [p["PartNumber"] for p in listed] == list(range(1, 9)), listed
        uploads = s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]
        assert [u["UploadId"] for u in uploads] == [up], uploads
    done = clients[2].complete_multipart_upload(Bucket=BUCKET, Key="big", UploadId=up,
                                                MultipartUpload={"Parts": parts})
    assert done["ETag"].endswith('-8"'), done
    # A retried Complete on another daemon gets the same answer.
    again = clients[1].complete_multipart_upload(Bucket=BUCKET, Key="big", UploadId=up,
                                                 MultipartUpload={"Parts": parts})
    assert again["ETag"] == done["ETag"]
    want = sha(body)
    for i, s3 in enumerate(clients):
        got = read(s3, "big")
        assert len(got) == len(body) and sha(got) == want, f"daemon {i} read a different body"
        assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 1
    log("multipart: 64 MiB, initiate on 0, parts on 0/1/2, complete on 2, "
        "byte-exact from all three")


class Writer:
    """Writes its own keys to random live daemons; remembers what each key
    may hold: the acknowledged content, or any write attempted after it."""

    def __init__(self, cluster, index, stop):
        self.cluster, self.index, self.stop = cluster, index, stop
        self.rng = random.Random(100 + index)
        self.acked = {}      # key -> sha of the last acknowledged content (None = deleted)
        self.maybe = {}      # key -> set of shas attempted since (unacknowledged)
        self.ok = self.failed = 0
        self.clients = {}

    def client(self):
        live = self.cluster.live()
        if not live:
            return None
        d = self.rng.choice(live)
        url = d.url
        if url not in self.clients:
            self.clients[url] = d.client(timeout=20)
        return self.clients[url]

    def attempt(self, key, digest, fn):
        self.maybe.setdefault(key, set()).add(digest)
        try:
            fn()
        except (ClientError, BotoConnectionError, EndpointConnectionError, ReadTimeoutError,
                OSError):
            self.failed += 1
            return False
        self.acked[key] = digest
        self.maybe[key] = set()
        self.ok += 1
        return True

    def run(self):
        n = 0
        while not self.stop.is_set():
            s3 = self.client()
            if s3 is None:
                time.sleep(0.05)
                continue
            n += 1
            choice = self.rng.random()
            if choice < 0.55:    # a new object
                key = f"w{self.index}/obj{n}"
                data = self.rng.randbytes(self.rng.randint(1, 256 * 1024))
                self.attempt(key, sha(data),
                             lambda: s3.put_object(Bucket=BUCKET, Key=key, Body=data))
            elif choice < 0.75:  # overwrite the writer's hot key
                key = f"w{self.index}/hot"
                data = self.rng.randbytes(self.rng.randint(1, 64 * 1024))
                self.attempt(key, sha(data),
                             lambda: s3.put_object(Bucket=BUCKET, Key=key, Body=data))
            elif choice < 0.85:  # delete an acknowledged object
                keys = [k for k, v in self.acked.items() if v is not None and "obj" in k]
                if keys:
                    key = self.rng.choice(keys)
                    self.attempt(key, None, lambda: s3.delete_object(Bucket=BUCKET, Key=key))
            else:                # a multipart upload, its parts on several daemons
                key = f"w{self.index}/mp{n}"
                parts = [self.rng.randbytes(MIB), self.rng.randbytes(self.rng.randint(1, MIB))]
                data = b"".join(parts)

                def upload():
                    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
                    listed = []
                    for i, p in enumerate(parts):
                        c = self.client() or s3
                        etag = c.upload_part(Bucket=BUCKET, Key=key, UploadId=up,
                                             PartNumber=i + 1, Body=p)["ETag"]
                        listed.append({"PartNumber": i + 1, "ETag": etag})
                    (self.client() or s3).complete_multipart_upload(
                        Bucket=BUCKET, Key=key, UploadId=up, MultipartUpload={"Parts": listed})
                self.attempt(key, sha(data), upload)


def object_blob_count(s3):
    """Blobs the objects' manifests hold: one per PUT, N for an 'etag-N' upload."""
    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for o in page.get("Contents", []):
            m = re.search(r"-(\d+)\"?$", o["ETag"])
            total += int(m.group(1)) if m else 1
    return total


def scenario_chaos(cluster):
    stop = threading.Event()
    writers = [Writer(cluster, i, stop) for i in range(4)]
    threads = [threading.Thread(target=w.run) for w in writers]
    for t in threads:
        t.start()
    rng = random.Random(7)
    try:
        for round_ in range(20):
            time.sleep(rng.uniform(0.8, 1.6))
            victim = rng.choice(cluster.daemons)
            victim.kill9()
            time.sleep(0.2)
            victim.start()
    finally:
        stop.set()
        for t in threads:
            t.join()
    ok = sum(w.ok for w in writers)
    failed = sum(w.failed for w in writers)
    log(f"chaos: 20 kill -9 rounds, {ok} writes acknowledged, {failed} failed")
    assert ok > 100, "the writers hardly got through"

    clients = [d.client() for d in cluster.daemons]
    checked = 0
    for w in writers:
        for key in set(w.acked) | set(w.maybe):
            allowed = set(w.maybe.get(key, set()))
            # Never acknowledged: it may not exist at all.
            allowed.add(w.acked.get(key))
            for i, s3 in enumerate(clients):
                try:
                    got = sha(read(s3, key))
                except ClientError as e:
                    assert e.response["Error"]["Code"] == "NoSuchKey", e.response
                    got = None
                # Acknowledged (or later attempted) content only: never lost, never torn.
                assert got in allowed, f"{key} on daemon {i}: {got} not in {allowed}"
                checked += 1
    log(f"chaos: {checked} reads across the three daemons match what was acknowledged")

    # Uploads left pending by killed daemons: aborting them frees their parts.
    s3 = clients[0]
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=BUCKET):
        for u in page.get("Uploads", []):
            s3.abort_multipart_upload(Bucket=BUCKET, Key=u["Key"], UploadId=u["UploadId"])
    want = object_blob_count(s3)
    # Freed blobs go BLOB_GRACE after they were freed, orphans (killed
    # writers') once BLOB_GRACE old; the sweep runs every BLOB_GRACE/4.
    deadline = time.time() + BLOB_GRACE * 2 + LEASE_TTL * 2 + 5
    while True:
        blobs, temps = cluster.blob_files()
        if (blobs, temps) == (want, 0) or time.time() > deadline:
            break
        time.sleep(0.5)
    assert (blobs, temps) == (want, 0), \
        f"{blobs} blob files and {temps} temp files; the objects hold {want} blobs"
    freed = orphans = 0
    for d in cluster.daemons:
        for m in re.finditer(r"blob sweep: removed (\d+) freed and (\d+) orphan",
                             open(d.log_path).read()):
            freed += int(m.group(1))
            orphans += int(m.group(2))
    log(f"chaos: no orphans after the grace period: {blobs} blob files = {want} referenced "
        f"(the sweepers removed {freed} freed blobs and {orphans} orphans)")


def scenario_inflight(cluster):
    d = cluster.daemons
    a, b = d[0].client(), d[1].client()
    rng = random.Random(3)
    parts = [rng.randbytes(4 * MIB) for _ in range(8)]
    body = b"".join(parts)
    up = a.create_multipart_upload(Bucket=BUCKET, Key="doomed")["UploadId"]
    listed = []
    for i, p in enumerate(parts):
        etag = a.upload_part(Bucket=BUCKET, Key="doomed", UploadId=up, PartNumber=i + 1,
                             Body=p)["ETag"]
        listed.append({"PartNumber": i + 1, "ETag": etag})
    a.complete_multipart_upload(Bucket=BUCKET, Key="doomed", UploadId=up,
                                MultipartUpload={"Parts": listed})
    # Stream from daemon 0 slowly; daemon 1 deletes the object meanwhile.
    resp = a.get_object(Bucket=BUCKET, Key="doomed")
    stream = resp["Body"]
    got = stream.read(MIB)
    b.delete_object(Bucket=BUCKET, Key="doomed")
    expect_error(lambda: b.head_object(Bucket=BUCKET, Key="doomed"), "404")
    time.sleep(MAX_READ / 2)  # the sweeper runs meanwhile (every BLOB_GRACE/4)
    got += stream.read()
    assert len(got) == len(body) and sha(got) == sha(body), "the GET in flight lost its body"
    log("inflight: a GET streaming on daemon 0 while daemon 1 deleted the object "
        f"returned all {len(got) // MIB} MiB of the old body")
    # The freed blobs go once the grace period is over.
    deadline = time.time() + BLOB_GRACE * 2 + 5
    while cluster.blob_files()[0] > 0 and time.time() < deadline:
        time.sleep(0.25)
    assert cluster.blob_files() == (0, 0), cluster.blob_files()


def scenario_leader(cluster):
    deadline = time.time() + LEASE_TTL * 3
    while len(cluster.leaders()) != 1 and time.time() < deadline:
        time.sleep(0.1)
    leaders = cluster.leaders()
    assert len(leaders) == 1, f"{len(leaders)} leaders"
    old = leaders[0]
    old.kill9()
    killed = time.time()
    s3 = cluster.live()[0].client()
    # A stale upload (the reaper aborts uploads pending over 1 s).
    up = s3.create_multipart_upload(Bucket=BUCKET, Key="stale")["UploadId"]
    while True:
        leaders = cluster.leaders()
        if leaders or time.time() - killed > LEASE_TTL * 2:
            break
        time.sleep(0.05)
    took = time.time() - killed
    assert len(leaders) == 1 and leaders[0] is not old, "no daemon took the lease over"
    assert took <= LEASE_TTL * 4 / 3 + 0.5, f"takeover took {took:.2f} s"
    log(f"leader: daemon {old.index} killed, daemon {leaders[0].index} leads after {took:.2f} s "
        f"(lease ttl {LEASE_TTL} s)")
    while True:
        uploads = s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
        if not uploads or time.time() - killed > LEASE_TTL * 2 + 3:
            break
        time.sleep(0.1)
    reaped = time.time() - killed
    assert not uploads, "the new leader did not reap the stale upload"
    # Due 1 s after the kill; the new leader's reaper runs every 250 ms.
    assert reaped <= LEASE_TTL * 4 / 3 + 1.0, f"reaped {reaped:.2f} s after the kill"
    log(f"leader: the new leader's reaper aborted the stale upload {reaped:.2f} s after the kill")
    old.start()
    time.sleep(LEASE_TTL)
    leaders = cluster.leaders()
    assert len(leaders) == 1, f"{len(leaders)} leaders after the old one came back"
    # A clean stop releases the lease: the next renewal elsewhere takes it,
    # without waiting for it to expire.
    leaders[0].stop()
    stopped = time.time()
    while not cluster.leaders() and time.time() - stopped < LEASE_TTL * 2:
        time.sleep(0.05)
    took = time.time() - stopped
    assert len(cluster.leaders()) == 1 and took < LEASE_TTL * 0.9, f"handover took {took:.2f} s"
    log(f"leader: daemon {leaders[0].index} stopped cleanly, daemon {cluster.leaders()[0].index} "
        f"leads {took:.2f} s later (before the lease's {LEASE_TTL} s expiry)")
    leaders[0].start()


def scenario_outage(cluster, pg):
    stop = threading.Event()
    lock = threading.Lock()
    acked = {}
    outcomes = []  # (start, seconds, status or exception name)
    timeout = 5.0 + 3.0  # the registry's timeout (5 s) and a margin

    def writer(i):
        rng = random.Random(i)
        clients = [d.client(timeout=30) for d in cluster.daemons]
        n = 0
        while not stop.is_set():
            n += 1
            key = f"o{i}/{n}"
            data = rng.randbytes(rng.randint(1, 32 * 1024))
            s3 = clients[n % 3]
            t0 = time.time()
            try:
                s3.put_object(Bucket=BUCKET, Key=key, Body=data)
                status = 200
                with lock:
                    acked[key] = sha(data)
            except ClientError as e:
                status = (e.response["ResponseMetadata"]["HTTPStatusCode"],
                          e.response["Error"]["Code"])
            except Exception as e:  # noqa: BLE001 - any transport failure is recorded
                status = type(e).__name__
            with lock:
                outcomes.append((t0, time.time() - t0, status))
            time.sleep(0.02)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    down = time.time()
    pg.stop()
    log("outage: PostgreSQL stopped")
    time.sleep(5)
    pg.start()
    up = time.time()
    log("outage: PostgreSQL started again")
    # Service resumes by itself: every daemon takes writes again.
    clients = [d.client() for d in cluster.daemons]
    resumed = [None] * 3
    deadline = up + 20
    while None in resumed and time.time() < deadline:
        for i, s3 in enumerate(clients):
            if resumed[i] is None:
                try:
                    s3.put_object(Bucket=BUCKET, Key=f"resume{i}", Body=b"x")
                    resumed[i] = time.time() - up
                except Exception:  # noqa: BLE001
                    pass
        time.sleep(0.1)
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join()
    assert None not in resumed, f"daemons not serving after PostgreSQL came back: {resumed}"
    during = [o for o in outcomes if o[0] >= down and o[0] < up]
    failed = [o for o in outcomes if o[2] != 200]
    slow = [o for o in outcomes if o[1] > timeout]
    statuses = sorted({str(o[2]) for o in failed})
    log(f"outage: {len(outcomes)} requests, {len(during)} sent while down, {len(failed)} failed ("
        f"{statuses}), slowest {max(o[1] for o in outcomes):.2f} s; every daemon writable "
        f"again within {max(resumed):.2f} s")
    assert any(o[2] != 200 for o in during), "no request failed while PostgreSQL was down"
    assert not slow, f"requests hung past {timeout} s: {slow[:5]}"
    assert all(o[2] == (503, "SlowDown") for o in failed), f"failures other than 503: {statuses}"
    for key, digest in acked.items():
        got = sha(read(clients[hash(key) % 3], key))
        assert got == digest, f"acknowledged {key} lost"
    log(f"outage: all {len(acked)} acknowledged writes readable")


SCENARIOS = {
    "multipart": (scenario_multipart, []),
    "chaos": (scenario_chaos, ["--abort-incomplete-after", "60"]),
    "inflight": (scenario_inflight, []),
    "leader": (scenario_leader, ["--abort-incomplete-after", "1"]),
    "outage": (scenario_outage, []),
}


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or list(SCENARIOS)
    if not os.path.exists("/usr/lib/postgresql/15/bin/initdb"):
        print("SKIP: PostgreSQL 15 is not installed (scripts/setup.sh installs it)")
        return 77
    usage = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    if "--registry" not in usage:
        print("SKIP: this s2lite has no --registry (PostgreSQL registry not built)")
        return 77
    base = tempfile.mkdtemp(prefix="s2lite_cluster_")
    os.chmod(base, 0o755)
    pg = Postgres(base)
    failures = []
    try:
        for name in names:
            fn, extra = SCENARIOS[name]
            log(f"== {name}")
            started = time.time()
            cluster = Cluster(binary, pg, base, name, extra)
            try:
                fn(cluster, pg) if name == "outage" else fn(cluster)
                log(f"== {name}: OK ({time.time() - started:.1f} s)")
            except Exception as e:  # noqa: BLE001 - reported with the daemons' logs
                failures.append(name)
                log(f"== {name}: FAILED: {type(e).__name__}: {e}")
                for d in cluster.daemons:
                    print(f"--- daemon {d.index} log (tail)")
                    print(open(d.log_path).read()[-4000:])
            finally:
                cluster.stop()
    finally:
        pg.destroy()
        if not failures:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"work directory kept: {base}")
    if failures:
        print(f"FAILED: {', '.join(failures)}")
        return 1
    print(f"PASSED: {len(names)} scenarios")
    return 0


if __name__ == "__main__":
    sys.exit(main())
