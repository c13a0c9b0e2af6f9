#!/usr/bin/env python3
"""bench/admin/edge: the admin API under the attacks of issue 21, item 1,
on a private stack (PostgreSQL + ov-admin).

Normal traffic is wrk's GET /v1/users (20 users, a token, 16
connections, from 127.0.0.1). It is measured, in one run:

  1. at rest (the baseline);
  2. while 1,000 slow connections from one other address (127.0.0.2)
     each send one header byte every 5 s, the issue's probe;
  3. during a login flood from 127.0.0.3: wrong passwords for one
     account at up to 2,000 requests/s;
  4. the probe of 2 again with the limits off (OV_HTTP_PER_IP_LIMIT=0,
     OV_HTTP_HEAD_TIMEOUT_S=3600), as main had them.

Each is printed as requests/s, p99 and failures, and as ratios to the
rest figure. Timing never fails the run; only a benchmark that cannot
run does.
"""
import http.client
import re
import subprocess
import json
import os
import resource
import shutil
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench import DURATION, tenant_with_users  # noqa: E402
from admin_api import Api  # noqa: E402
from conftest import Stack, free_base  # noqa: E402

SLOW = int(os.environ.get("OV_BENCH_SLOW", "1000"))
FLOOD_RPS = 2000


def wrk(url, token):
    """requests/s, p99 ms, and requests that failed: non-2xx answers,
    connections refused or reset, and time-outs."""
    out = subprocess.run(["wrk", "-t", "2", "-c", "16", "-d", f"{DURATION}s",
                          "--timeout", "2s", "--latency", "-H",
                          f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, timeout=120).stdout
    if os.environ.get("OV_BENCH_VERBOSE"):
        print(out, file=sys.stderr)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)] \
        if m else float("nan")
    failed = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        failed += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", out)
    if m:
        failed += sum(int(x) for x in m.groups())
    return rps, p99, failed


def slow_socket(addr):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.setblocking(False)
    try:
        s.connect(addr)
    except BlockingIOError:
        pass
    return s


class Slow:
    """SLOW connections from 127.0.0.2, each sending a byte of a head
    every 5 s until stopped; counts those the server keeps open."""

    def __init__(self, host, port):
        self.addr = (host, port)
        self.socks = []
        self.stop = threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        for _ in range(SLOW):
            self.socks.append(slow_socket(self.addr))
        head = b"GET /v1/users HTTP/1.1\r\nX-Slow: " + b"a" * 10000
        i = 0
        while not self.stop.wait(5):
            # One byte each; a connection the server closed is opened
            # again, as an attacker would.
            for k, s in enumerate(self.socks):
                try:
                    s.send(head[i % len(head):i % len(head) + 1])
                except OSError:
                    s.close()
                    self.socks[k] = slow_socket(self.addr)
            i += 1

    def open_count(self):
        n = 0
        for s in self.socks:
            try:
                n += s.recv(1) != b""
            except BlockingIOError:
                n += 1
            except OSError:
                pass
        return n

    def __enter__(self):
        self.t.start()
        time.sleep(6)  # all connected, one byte sent
        return self

    def __exit__(self, *a):
        self.stop.set()
        self.t.join()
        for s in self.socks:
            s.close()


class Flood:
    """Wrong logins for one account from 127.0.0.3 at up to FLOOD_RPS."""

    def __init__(self, host, port, number):
        self.addr = (host, port)
        self.body = json.dumps({"number": number, "username": "Amministratore",
                                "password": "Wrong.Pass1"}).encode()
        self.stop = threading.Event()
        self.sent = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True)
                        for _ in range(8)]

    def _run(self):
        per = FLOOD_RPS / len(self.threads)
        c = None
        n = 0
        t0 = time.monotonic()
        while not self.stop.is_set():
            if n >= per * (time.monotonic() - t0):
                time.sleep(0.001)
                continue
            try:
                if c is None:
                    c = http.client.HTTPConnection(*self.addr, timeout=5,
                                                   source_address=("127.0.0.3", 0))
                c.request("POST", "/v1/auth/login", self.body,
                          {"Content-Type": "application/json"})
                c.getresponse().read()
            except (OSError, http.client.HTTPException):
                c = None
            n += 1
            with self.lock:
                self.sent += 1

    def __enter__(self):
        self.t0 = time.monotonic()
        for t in self.threads:
            t.start()
        time.sleep(1)
        return self

    def __exit__(self, *a):
        self.stop.set()
        for t in self.threads:
            t.join()
        self.rate = self.sent / (time.monotonic() - self.t0)


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    run_dir = tempfile.mkdtemp(prefix="ov-bench-edge-")
    os.chmod(run_dir, 0o755)
    os.environ["OV_STACK_PROCS"] = "postgres admin"
    stack = Stack(run_dir, free_base())
    rows = []
    try:
        stack.up()
        key = stack.ovctl("apikey", "create", "bench").stdout.strip()
        operator = Api(stack.env["OV_ADMIN_HTTP"], key)
        base = stack.env["OV_ADMIN_HTTP"]
        host, port = base.split("//")[1].split(":")
        port = int(port)
        t20, api20, _ = tenant_with_users(stack, operator, "06 5550 0020", 20)
        users = base + "/v1/users"

        rows.append(("at rest (base)", *wrk(users, api20.token), ""))
        with Slow(host, port) as s:
            held = s.open_count()
            r = wrk(users, api20.token)
            rows.append((f"{SLOW} slow conns, 127.0.0.2", *r,
                         f"{held} held"))
        with Flood(host, port, t20["number"]) as f:
            r = wrk(users, api20.token)
        rows.append((f"login flood, 127.0.0.3", *r, f"{f.rate:.0f} logins/s"))
        stack.restart("admin", OV_HTTP_PER_IP_LIMIT="0",
                      OV_HTTP_HEAD_TIMEOUT_S="3600")
        with Slow(host, port) as s:
            held = s.open_count()
            r = wrk(users, api20.token)
            rows.append((f"{SLOW} slow, limits off (main)", *r,
                         f"{held} held"))
    finally:
        stack.down()
        shutil.rmtree(run_dir, ignore_errors=True)

    rest_rps, rest_p99 = rows[0][1], rows[0][2]
    print("bench-admin-edge: ov-admin on PostgreSQL 15, 2 CPUs; normal traffic "
          "wrk -t2 -c16 GET /v1/users from 127.0.0.1; defaults "
          "OV_HTTP_PER_IP_LIMIT=64, OV_HTTP_HEAD_TIMEOUT_S=10\n")
    print(f"{'':34}{'req/s':>9}{'p99 ms':>9}{'failed':>9}"
          f"{'x rest':>8}{'p99 x':>8}  attack")
    for name, rps, p99, err, note in rows:
        if rps == 0:  # no request answered: no latency to compare
            print(f"{name:34}{rps:>9.0f}{'-':>9}{'all':>9}{0:>7.2f}x{'-':>8}  "
                  f"{note}, no answer in {DURATION} s")
            continue
        print(f"{name:34}{rps:>9.0f}{p99:>9.2f}{err:>9}"
              f"{rps / rest_rps:>7.2f}x{p99 / rest_p99:>7.2f}x  {note}")


if __name__ == "__main__":
    main()
