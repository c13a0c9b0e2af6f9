"""Load on a stack that runs two replicas of some services
(OV_REPLICAS, scripts/stack.sh), and what a replica's death costs it.
Used by test_replicas.py (short) and bench/replicas/bench.py (measured).

- Calls: SIPp as the carrier's trunk calling a company's fixed number at
  a rate; one registered SIPp phone answers them all. SIPp's statistics
  every second (-trace_stat -fd 1) give the failed calls per second.
- Registrations: SIPp registering many devices of the company in turn
  (bench/replicas/register.xml); after each 200 it logs the device and
  its clock, so `lost_bindings()` can check that every binding a phone
  was given is in the registrar's table with at least that expiry.
- Mails: the carrier creating companies through the REST API (each one
  an activation mail through notify), alternating between the admin
  replicas as a load balancer would; a request that finds its admin dead
  is sent once more to the other. `mail_check()` counts outbox rows
  without a mail (lost) and with more than one (doubled).
- `Sampler` reads every replica's /metrics each second, so the bench
  can say where requests went before, during and after a death.
"""
import csv
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

from admin_api import Api, psql
from calls import new_number
from conftest import ROOT, free_udp_port, wait_until
from mailsink import Mailbox, outbox_id_of

BENCH = os.path.join(ROOT, "bench", "replicas")
SIP_BENCH = os.path.join(ROOT, "bench", "sip")
CALLER = "3331234567"
# Kamailio as bench/sip runs it: pike out of the way (every SIPp sends
# from 127.0.0.1) and room for the transactions of a few hundred calls/s.
KAMAILIO_ENV = {"OV_KAMAILIO_SHM_MB": "256", "OV_PIKE_DENSITY": "65535"}


def instances(stack, svc):
    """The process names of svc's replicas (router-1, router-2)."""
    n = 1
    for r in stack.env.get("OV_REPLICAS", "").split():
        s, _, k = r.partition("=")
        if s == svc:
            n = int(k)
    return [svc] if n == 1 else [f"{svc}-{k}" for k in range(1, n + 1)]


def http_of(stack, name):
    """The HTTP base URL of one replica (router-2 -> its port)."""
    svc, _, k = name.partition("-")
    urls = stack.env[f"OV_{svc.upper()}_HTTP_ALL"].split(",")
    return urls[int(k or 1) - 1]


def kill(stack, name):
    """SIGKILL one process of the stack (no drain, no goodbye)."""
    os.kill(stack.pid(name), signal.SIGKILL)


def metric(url, name, labels=""):
    """Sum of the samples of `name` at url/metrics whose labels contain
    `labels`; None when the replica does not answer."""
    try:
        with urllib.request.urlopen(url + "/metrics", timeout=2) as r:
            text = r.read().decode()
    except (OSError, urllib.error.URLError):
        return None
    total = 0.0
    for line in text.splitlines():
        m = re.match(r"^([a-z_]+)(\{[^}]*\})? (\S+)$", line)
        if m and m.group(1) == name and labels in (m.group(2) or ""):
            total += float(m.group(3))
    return total


class Sipp:
    """One SIPp run in the background, writing its statistics every
    second; .result() waits and parses them."""

    def __init__(self, work, name, scenario, args, port, target, rate,
                 count, extra=()):
        self.work = os.path.join(work, name)
        k = 1
        while os.path.exists(self.work):  # a phase run again
            k += 1
            self.work = os.path.join(work, f"{name}.{k}")
        os.makedirs(self.work)
        self.stf = os.path.join(self.work, "stat.csv")
        self.started = time.time()
        port = port or free_udp_port()
        cmd = ["sipp", "-sf", scenario, "-i", "127.0.0.1", "-p", str(port),
               *args, "-r", str(rate), "-rp", "1000", "-m", str(count),
               "-l", str(max(200, int(rate) * 2)), "-recv_timeout", "5000",
               "-nostdin", "-trace_stat", "-stf", self.stf, "-fd", "1",
               "-trace_counts", *extra, f"127.0.0.1:{target}"]
        self.count = count
        self.proc = subprocess.Popen(cmd, cwd=self.work,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE,
                                     start_new_session=True)

    def result(self, timeout):
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            _, err = self.proc.communicate()
        rows = []
        if os.path.exists(self.stf):
            with open(self.stf, newline="") as f:
                rows = list(csv.DictReader(f, delimiter=";"))
        counts = {}
        for n in os.listdir(self.work):
            if n.endswith("_counts.csv"):
                with open(os.path.join(self.work, n), newline="") as f:
                    last = list(csv.DictReader(f, delimiter=";"))
                counts = last[-1] if last else {}
        return Outcome(rows, self.count, err.decode(errors="replace"),
                       counts)


class Outcome:
    """What a SIPp run did: calls ok and failed, and the failed ones
    per second (wall clock) from its periodic statistics."""

    def __init__(self, rows, count, err, counts=None):
        last = rows[-1] if rows else {}
        self.ok = int(last.get("SuccessfulCall(C)", 0))
        self.failed = int(last.get("FailedCall(C)", 0))
        # Calls SIPp never finished (stopped by the timeout) count too.
        self.unfinished = max(0, count - self.ok - self.failed)
        self.retrans = int(last.get("Retransmissions(C)", 0))
        self.fail_times = []
        for r in rows:
            n = int(r.get("FailedCall(P)", 0) or 0)
            if n:
                t = float(r["CurrentTime"].split("\t")[-1])
                self.fail_times += [t] * n
        self.err = err
        # From SIPp's message counts (-trace_counts): the first 200
        # received answers the INVITE (the call is connected), the last
        # one the BYE (it ended as it should). For REGISTER runs the
        # two are the same message.
        oks = sorted((int(k.split("_")[0]), int(v or 0))
                     for k, v in (counts or {}).items()
                     if re.match(r"^\d+_200_Recv$", k))
        self.connected = oks[0][1] if oks else 0
        self.ended = oks[-1][1] if oks else 0

    @property
    def dropped(self):
        """Calls answered (200 to the INVITE) that did not end with a
        200 to their BYE: connected calls that were lost."""
        return self.connected - self.ended

    @property
    def lost(self):
        return self.failed + self.unfinished

    def window(self, t0):
        """(first, last) second with failures, relative to t0."""
        if not self.fail_times:
            return None
        return (min(self.fail_times) - t0 - 1, max(self.fail_times) - t0)


def phone(stack, company, username, work, recv_timeout_ms=60000):
    """The SIPp phone of username answering every call (bench/sip's
    uas.xml), registered; waits long enough for a long call's BYE."""
    u = company.users[username]
    r = company.register(username, u["port"], expires=3600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    d = os.path.join(work, "phone")
    os.makedirs(d, exist_ok=True)
    log = open(os.path.join(d, "uas.log"), "ab")
    p = subprocess.Popen(
        ["sipp", "-sf", os.path.join(SIP_BENCH, "uas.xml"), "-i",
         "127.0.0.1", "-p", str(u["port"]), "-recv_timeout",
         str(recv_timeout_ms), "-nostdin"], cwd=d, stdout=subprocess.DEVNULL,
        stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    time.sleep(0.3)
    assert p.poll() is None, "the SIPp phone did not start"
    return p


def calls(stack, company, work, name, rate, count, hold_ms=100):
    """The trunk calling the company's number: rate calls/s, count calls,
    each lasting hold_ms once answered. Only one such run at a time:
    calls come from the trunk's one port."""
    return Sipp(work, name, os.path.join(SIP_BENCH, "uac.xml"),
                ["-s", company.national, "-key", "from", CALLER, "-key",
                 "domain", company.domain, "-d", str(hold_ms)],
                stack.trunk_in, stack.env["OV_SIP_PORT"], rate, count)


def new_devices(company, username, n):
    """n devices of one person (desk phones d00, d01, ...), each with
    its own SIP credentials (GET /v1/me/sip?device=); admin allows 5
    a person, "app" included."""
    api = company.users[username]["api"]
    out = []
    for i in range(n - 1):
        r = api.get(f"/v1/me/sip?device=d{i:02d}")
        assert r.status == 200, r
        out.append(r.json)
    return out + [company.users[username]["sip"]]


def devices_file(devices, path):
    """SIPp's injection file: one line per device to register."""
    with open(path, "w") as f:
        f.write("SEQUENTIAL\n")
        for sip in devices:
            assert ";" not in sip["password"] and "]" not in sip["password"]
            f.write(f"{sip['username']};{sip['auth_username']};"
                    f"[authentication username={sip['auth_username']} "
                    f"password={sip['password']}]\n")
    return path


def registers(stack, company, work, name, devices, rate, count,
              expires=600):
    return Sipp(work, name, os.path.join(BENCH, "register.xml"),
                ["-inf", devices, "-key", "domain", company.domain,
                 "-key", "expires", str(expires)],
                0, stack.env["OV_SIP_PORT"], rate, count,
                extra=["-trace_logs"])


def registered(sipp):
    """{auth username: wall time of its last 200} from the log a
    register run wrote (SIPp's clock_tick is ms since it started)."""
    last = {}
    for n in os.listdir(sipp.work):
        if not n.endswith("_logs.log"):
            continue
        with open(os.path.join(sipp.work, n), errors="replace") as f:
            for line in f:
                m = re.search(r"ok (\S+) (\d+)", line)
                if m:
                    t = sipp.started + int(m.group(2)) / 1000
                    last[m.group(1)] = max(last.get(m.group(1), 0), t)
    return last


def lost_bindings(stack, company, last, expires=600, slack=0.5):
    """Devices that got a 200 whose binding is missing from the
    registrar's table, or older than that 200 (its expiry earlier than
    the 200's time + expires - slack)."""
    rows = psql(stack, "SELECT d.auth_username, "
                "extract(epoch FROM max(b.expires_at)) "
                "FROM registrar.devices d LEFT JOIN registrar.bindings b "
                "USING (tenant_id, owner, device) "
                "WHERE d.tenant_id = :'p1' GROUP BY 1", company.id)
    have = {r[0]: float(r[1]) if r[1] else 0.0 for r in rows}
    return sorted(u for u, t in last.items()
                  if have.get(u, 0.0) < t + expires - slack)


class MailLoad(threading.Thread):
    """The carrier creating companies at `rate` per second through the
    admin replicas in turn; each company's admin gets an activation
    mail. A request that fails to connect (its admin is dead) goes once
    to the next replica, as a client behind a load balancer would see
    it: `refused` counts those."""

    def __init__(self, stack, key, rate):
        super().__init__(daemon=True)
        self.apis = [Api(u, key) for u in
                     stack.env["OV_ADMIN_HTTP_ALL"].split(",")]
        self.rate = rate
        self.stop = threading.Event()
        self.created = []    # (time, replica index, tenant id)
        # (time, replica index, error): no connection, or 503 from a
        # replica still starting (HTTP answers before it is ready: a
        # Service would not have sent it there)
        self.refused = []
        self.failed = []     # (time, status, body) answered, not 201

    def run(self):
        i = 0
        nxt = time.monotonic()
        while not self.stop.is_set():
            body = {"company_name": "Posta Srl", "number": new_number(),
                    "admin_email": f"admin@m{time.time_ns()}.example"}
            for k in range(2):
                j = (i + k) % len(self.apis)
                try:
                    r = self.apis[j].post("/v1/tenants", body)
                except OSError as e:
                    self.refused.append((time.time(), j, str(e)))
                    continue
                if r.status == 201:
                    self.created.append((time.time(), j, r.json["id"]))
                elif r.status == 503 and k == 0:
                    self.refused.append((time.time(), j, r.body[:200]))
                    continue
                else:
                    self.failed.append((time.time(), r.status, r.body[:200]))
                break
            i += 1
            nxt += 1.0 / self.rate
            self.stop.wait(max(0.0, nxt - time.monotonic()))


def outbox_since(stack, first_id):
    """Activation mails queued since outbox row first_id."""
    return [int(r[0]) for r in psql(
        stack, "SELECT id FROM admin.outbox WHERE id >= :'p1' "
        "AND kind = 'admin_activation' ORDER BY id", first_id)]


def outbox_next_id(stack):
    return int(psql(stack, "SELECT coalesce(max(id), 0) + 1 "
                    "FROM admin.outbox")[0][0])


def mail_check(stack, first_id, timeout):
    """(rows, lost, doubled, delays) over the activation mails queued
    since first_id, once every row has its mail or timeout seconds
    passed; delays: seconds from each row's insert to its mail file,
    sorted."""
    box = Mailbox(stack.env["OV_MAIL_DIR"])
    stored = {}

    def counts():
        ids = outbox_since(stack, first_id)
        seen = {}
        for name, m in box.messages():
            i = outbox_id_of(m)
            if i is not None:
                seen[i] = seen.get(i, 0) + 1
                if i not in stored:
                    stored[i] = os.path.getmtime(
                        os.path.join(box.dir, name))
        return ids, seen

    end = time.monotonic() + timeout
    while True:
        ids, seen = counts()
        if all(seen.get(i) for i in ids) or time.monotonic() > end:
            break
        time.sleep(0.5)
    lost = [i for i in ids if not seen.get(i)]
    doubled = [i for i in ids if seen.get(i, 0) > 1]
    queued = {int(r[0]): float(r[1]) for r in psql(
        stack, "SELECT id, extract(epoch FROM created_at) FROM admin.outbox "
        "WHERE id >= :'p1' AND kind = 'admin_activation'", first_id)}
    delays = sorted(stored[i] - queued[i] for i in ids
                    if i in stored and i in queued)
    return ids, lost, doubled, delays


class Sampler(threading.Thread):
    """Every replica's bus requests (and notify's mails sent) once a
    second: {name: [(time, value or None)]}."""

    def __init__(self, stack, services):
        super().__init__(daemon=True)
        self.targets = {n: http_of(stack, n) for s in services
                        for n in instances(stack, s)}
        self.series = {n: [] for n in self.targets}
        self.stop = threading.Event()

    def value(self, name, url):
        if name.startswith("notify"):
            return metric(url, "ov_notify_mails_total", 'outcome="sent"')
        return metric(url, "ov_bus_requests_total")

    def run(self):
        while not self.stop.is_set():
            for n, u in self.targets.items():
                self.series[n].append((time.time(), self.value(n, u)))
            self.stop.wait(1.0)

    def rate(self, name, t0, t1):
        """Requests/s of one replica between t0 and t1 (a restart
        resets its counters: only samples after the last reset)."""
        pts = [(t, v) for t, v in self.series[name]
               if t0 <= t <= t1 and v is not None]
        for k in range(len(pts) - 1, 0, -1):
            if pts[k][1] < pts[k - 1][1]:
                pts = pts[k:]
                break
        if len(pts) < 2 or pts[-1][0] <= pts[0][0]:
            return 0.0
        return (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])


def restart(stack, name):
    """`stack.sh start NAME` for one replica; returns when it is ready
    (stack.sh waits for its /readyz)."""
    stack.start(name)


def drain_restart(stack, name):
    """A rolling update's step: SIGTERM (the replica drains), then the
    new one starts and is ready."""
    stack.sh("stop", name)
    stack.start(name)


def wait_bound(stack, company, username, timeout=10):
    """Until the router's plan rings username (its phone registered)."""
    wait_until(lambda: username in company.stack.ovctl(
        "simulate", "--tenant", company.id, "--from", CALLER, "--to",
        company.national).stdout, timeout, f"{username} reachable")
