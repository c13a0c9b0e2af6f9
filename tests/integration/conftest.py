"""Fixtures for integration tests: a real stack on fresh loopback ports.

The stack is the one `make run` starts (scripts/stack.sh), in its own
OV_RUN_DIR and OV_PORT_BASE, so it never meets a developer's stack or
another test run's.
"""
import atexit
import base64
import json
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

import leaks

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "build", "bin")
STACK = os.path.join(ROOT, "scripts", "stack.sh")
SERVICES = ["router", "registrar", "ivr", "admin", "notify"]

# Everything the tests write to a temporary place (stacks' run
# directories, SIPp scenario copies and traces, baresip's folders, WAVs)
# goes under one folder of this run, removed when the run ends
# (OV_KEEP_RUN=1 keeps it, to read the logs).
SCRATCH = tempfile.mkdtemp(prefix="ov-pytest-")
os.chmod(SCRATCH, 0o755)  # PostgreSQL runs as its own user below it
tempfile.tempdir = SCRATCH


def _scratch_done():
    # At exit, after pytest's own clean-up of its tmp_path folders (they
    # are under SCRATCH too).
    if os.environ.get("OV_KEEP_RUN") != "1":
        shutil.rmtree(SCRATCH, ignore_errors=True)
    else:
        print(f"kept: {SCRATCH}")


atexit.register(_scratch_done)


def port_free(port, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_base(avoid=()):
    """A port base whose fixed ports are all free (see docs/stack.md)."""
    for _ in range(200):
        # Below Linux's ephemeral ports (32768-60999): a socket bound to
        # port 0 anywhere on the machine can never take a fixed port
        # (the trunk's, say) between two of our SIPp runs.
        base = random.randrange(20000, 32768 - 1200, 1200)
        if any(abs(base - a) < 1200 for a in avoid):
            continue
        # SIP, PostgreSQL, rtpengine, the SMTP sink, ws, wss, Kamailio's
        # HTTP, the services' HTTP (and their second replicas',
        # OV_REPLICAS: test_replicas.py).
        fixed = [base, base + 1, base + 2, base + 3, base + 7, base + 8,
                 base + 9] + \
            [base + 10 + i for i in range(5)] + \
            [base + 20 + i for i in range(5)]
        if all(port_free(p) and port_free(p, socket.SOCK_DGRAM) for p in fixed):
            return base
    raise RuntimeError("no free port base")


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(pred, timeout, what, interval=0.02):
    """Polls pred until it returns a truthy value; fails after timeout."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Stack:
    def __init__(self, run_dir, base):
        self.run_dir = run_dir
        self.base = base
        self.env = None

    def _env(self, **extra):
        e = dict(os.environ)
        e["OV_RUN_DIR"] = self.run_dir
        e["OV_PORT_BASE"] = str(self.base)
        # No NAT keepalives: a SIPp phone takes an OPTIONS outside its
        # call for a failed call and ends. test_nat.py turns them on.
        e.setdefault("OV_NAT_PING_S", "0")
        e.update(extra)
        return e

    def sh(self, *args, check=True, **env):
        return subprocess.run(["bash", STACK, *args], env=self._env(**env),
                              check=check, timeout=120,
                              capture_output=True, text=True)

    def up(self):
        r = self.sh("up", check=False)
        if r.returncode != 0:
            raise RuntimeError(f"stack did not start:\n{r.stdout}\n{r.stderr}")
        self.env = {}
        with open(os.path.join(self.run_dir, "stack.env")) as f:
            for line in f:
                if "=" in line and not line.startswith("#"):
                    k, v = line.rstrip("\n").split("=", 1)
                    self.env[k] = v

    def down(self):
        self.sh("down", check=False)
        # Every log line of the stack, checked for every secret the
        # tests sent or were handed (leaks.py).
        hits = leaks.scan(self.run_dir)
        assert not hits, f"secrets in the logs of {self.run_dir}: {hits[:20]}"

    def start(self, name, **env):
        self.sh("start", name, **env)

    def restart(self, name, **env):
        """Stops and starts one process, with env added to its
        environment (e.g. OV_NAT_PING_S for Kamailio)."""
        self.sh("stop", name)
        self.sh("start", name, **env)

    def pid(self, name):
        with open(os.path.join(self.run_dir, "pid", f"{name}.pid")) as f:
            return int(f.read().strip())

    def notify_keys(self):
        """The stack's notify key pair (scripts/stack.sh makes it in the
        run directory), as the variables ov-notify and ov-admin take,
        for a service a test starts itself."""
        pem = os.path.join(self.run_dir, "notify-key.pem")

        def raw(*args):
            der = subprocess.run(["openssl", "pkey", "-in", pem, *args,
                                  "-outform", "DER"], capture_output=True,
                                 check=True, timeout=30).stdout
            return base64.b64encode(der[-32:]).decode()
        return {"OV_NOTIFY_SECRET_KEY": raw(),
                "OV_NOTIFY_PUBLIC_KEY": raw("-pubout")}

    def log_path(self, name):
        return os.path.join(self.run_dir, "log", f"{name}.log")

    def log_events(self, name):
        """The service's JSON log lines, parsed."""
        out = []
        with open(self.log_path(name), errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
        return out

    def ovctl(self, *args, timeout=60):
        r = subprocess.run([os.path.join(BIN, "ovctl"), "--env",
                            os.path.join(self.run_dir, "stack.env"), *args],
                           capture_output=True, text=True, timeout=timeout)
        if args[:2] == ("apikey", "create") and r.returncode == 0:
            leaks.remember(r.stdout.strip())
        return r

    def http(self, svc, path):
        url = self.env[f"OV_{svc.upper()}_HTTP"] + path
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, r.headers.get("Content-Type"), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read().decode()

    def metric(self, svc, name, labels=""):
        """Sum of the samples of metric `name` whose labels contain `labels`."""
        _, _, text = self.http(svc, "/metrics")
        total = 0.0
        for line in text.splitlines():
            # Kamailio's xhttp_prom writes a space before the labels
            # of its own counters and a timestamp after the value.
            m = re.match(r"^([a-z_]+) ?(\{[^}]*\})? (\S+)( \d+)?$", line)
            if m and m.group(1) == name and labels in (m.group(2) or ""):
                total += float(m.group(3))
        return total

    def sipp_cmd(self, scenario, *extra, port=None, limit="10s", expect=None):
        """SIPp on 127.0.0.1:port (a free one by default) running
        tests/sipp/<scenario> once against the stack's Kamailio. SIPp
        takes no variable as an expected response code: with expect,
        the scenario's "[expect]" is replaced in a copy."""
        path = os.path.join(ROOT, "tests", "sipp", scenario)
        if expect is not None:
            with open(path) as f:
                text = f.read().replace("[expect]", str(int(expect)))
            fd, path = tempfile.mkstemp(prefix="ov-sipp-", suffix=".xml")
            with os.fdopen(fd, "w") as f:
                f.write(text)
        return ["sipp", "-sf", path,
                "-i", "127.0.0.1", "-p", str(port or free_udp_port()),
                "-m", "1", "-nostdin", "-timeout", limit, "-timeout_error",
                *extra, f"127.0.0.1:{self.env['OV_SIP_PORT']}"]

    def sipp(self, scenario, *extra, port=None, timeout=30, limit="10s",
             expect=None):
        cmd = self.sipp_cmd(scenario, *extra, port=port, limit=limit,
                            expect=expect)
        return subprocess.run(cmd, capture_output=True, text=True,
                              timeout=timeout, cwd=tempfile.gettempdir())

    def sipp_bg(self, scenario, *extra, port=None, limit="60s"):
        """SIPp started in the background (a phone waiting for a
        call); wait for it with .communicate()."""
        cmd = self.sipp_cmd(scenario, *extra, port=port, limit=limit)
        cwd = tempfile.mkdtemp(prefix="ov-sipp-")
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=cwd)
        p.cwd = cwd  # where -trace_msg writes what it sent and received
        return p

    @property
    def trunk_in(self):
        return int(self.env["OV_TRUNK_IN_PORT"])

    @property
    def trunk_out(self):
        return int(self.env["OV_TRUNK_OUT_PORT"])


def new_stack(avoid=()):
    run_dir = tempfile.mkdtemp(prefix="ov-test-")
    os.chmod(run_dir, 0o755)
    return Stack(run_dir, free_base(avoid))


@pytest.fixture(scope="session")
def stack():
    s = new_stack()
    try:
        s.up()
        yield s
    finally:
        s.down()
        if os.environ.get("OV_KEEP_RUN") != "1":
            shutil.rmtree(s.run_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def operator(stack, request):
    """An operator API key of the test module's own (named after it)."""
    from admin_api import Api
    r = stack.ovctl("apikey", "create", request.module.__name__)
    assert r.returncode == 0, r.stderr
    key = r.stdout.strip()
    assert key.startswith("ovk_")
    return Api(stack.env["OV_ADMIN_HTTP"], key)
