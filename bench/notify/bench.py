#!/usr/bin/env python3
"""bench/notify: ov-notify draining a queue of mails into the local SMTP
sink, on a private stack (PostgreSQL, the sink, ov-admin for the schema).

For each run, N user activation mails (default 1,000, OV_BENCH_MAILS) are
written into admin.outbox in one transaction, as admin writes them (one
NOTIFY each), with the replicas already up and idle; the clock runs from
the INSERT to the N-th mail stored by the sink.

  1. ov-notify, one replica (OV_NOTIFY_SENDERS=4 by default);
  2. baseline: the same N messages (the files run 1 produced), sent by
     Python's smtplib to the same sink, over one connection and over as
     many connections as a replica has senders;
  3. ov-notify, two replicas.

Target: at least 200 mails/s with one replica. Timing never fails the
run; only a benchmark that cannot run does.
"""
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from admin_api import psql  # noqa: E402
from conftest import Stack, free_base  # noqa: E402

N = int(os.environ.get("OV_BENCH_MAILS", "1000"))
SENDERS = int(os.environ.get("OV_NOTIFY_SENDERS", "4"))
TARGET = 200.0


def count_mails(d):
    return sum(1 for n in os.listdir(d) if n.endswith(".eml"))


def wait_count(d, want, timeout=120):
    end = time.monotonic() + timeout
    while True:
        n = count_mails(d)
        if n >= want:
            return time.monotonic()
        if time.monotonic() > end:
            raise RuntimeError(f"only {n} of {want} mails after {timeout}s")
        time.sleep(0.005)


class Replica:
    def __init__(self, stack, n):
        self.port = stack.base + 30 + n
        env = dict(os.environ, OV_DB_URL=stack.env["OV_DB_URL"],
                   OV_BUS_LISTEN=f"ipc://{stack.run_dir}/bus/bench-{n}.ipc",
                   OV_HTTP_PORT=str(self.port),
                   OV_SMTP_URL=stack.env["OV_SMTP_URL"],
                   OV_NOTIFY_SENDERS=str(SENDERS),
                   OV_NOTIFY_SECRET_KEY=stack.notify_keys()[
                       "OV_NOTIFY_SECRET_KEY"])
        self.logf = open(os.path.join(stack.run_dir, "log", f"bench-{n}.log"),
                         "ab")
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, "build", "bin", "ov-notify")], env=env,
            stdout=self.logf, stderr=self.logf)
        end = time.monotonic() + 20
        while not self.ready():
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError("ov-notify did not start")
            time.sleep(0.05)

    def ready(self):
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/readyz", timeout=1) as r:
                return r.status == 200
        except Exception:
            return False

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)
        self.logf.close()


def queue(stack, tenant, label):
    """N mails in one transaction, with a NOTIFY each, as admin writes
    them. Returns when the transaction has committed."""
    psql(stack, "WITH o AS (INSERT INTO admin.outbox (tenant_id, kind, "
         "recipient, language, params) SELECT :'p1', 'user_activation', "
         "'u' || g || '-' || :'p2' || '@bench.example', 'it', "
         "jsonb_build_object('username', 'Utente' || g, 'password', "
         "'Bench.Pass' || g, 'number', '+390612345678', 'name', 'Utente') "
         "FROM generate_series(1, :'p3'::int) g RETURNING id) "
         "SELECT count(pg_notify('ov_outbox', id::text)) FROM o",
         tenant, label, N)


def run_notify(stack, tenant, replicas, label):
    box = stack.env["OV_MAIL_DIR"]
    reps = [Replica(stack, i + 1) for i in range(replicas)]
    try:
        before = count_mails(box)
        t0 = time.monotonic()
        queue(stack, tenant, label)
        t1 = wait_count(box, before + N)
    finally:
        for r in reps:
            r.stop()
    return N / (t1 - t0), t1 - t0


def run_smtplib(stack, messages, connections):
    host, port = stack.env["OV_SMTP_URL"][len("smtp://"):].split(":")
    box = stack.env["OV_MAIL_DIR"]
    before = count_mails(box)
    chunks = [messages[i::connections] for i in range(connections)]
    errors = []

    def send(chunk):
        try:
            with smtplib.SMTP(host, int(port)) as s:
                for rcpt, data in chunk:
                    s.sendmail("noreply@ovunque.test", [rcpt], data)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=send, args=(c,)) for c in chunks]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t1 = time.monotonic()
    if errors:
        raise RuntimeError(f"smtplib: {errors[0]}")
    if count_mails(box) < before + N:
        raise RuntimeError("the sink lost mails")
    return N / (t1 - t0), t1 - t0


def stored(stack, label):
    """The messages a run stored, as (recipient, bytes)."""
    import email
    import email.policy
    box = stack.env["OV_MAIL_DIR"]
    out = []
    for name in os.listdir(box):
        if not name.endswith(".eml"):
            continue
        data = open(os.path.join(box, name), "rb").read()
        msg = email.message_from_bytes(data, policy=email.policy.default)
        if label in (msg["To"] or ""):
            out.append((msg["To"], data))
    return out


def main():
    if not os.path.exists("/usr/lib/python3/dist-packages/aiosmtpd"):
        sys.exit("bench/notify: python3-aiosmtpd is not installed")
    os.environ["OV_STACK_PROCS"] = "postgres smtp admin"
    run_dir = tempfile.mkdtemp(prefix="ov-bench-notify-")
    os.chmod(run_dir, 0o755)
    stack = Stack(run_dir, free_base())
    try:
        stack.up()
        tenant = psql(stack, "INSERT INTO admin.tenants (name, number, "
                      "admin_email, sip_domain) VALUES ('Bench Srl', "
                      "'+390600000001', 'bench@bench.example', "
                      "'bench.sip.test') RETURNING id")[0][0]
        one, one_s = run_notify(stack, tenant, 1, "one")
        msgs = stored(stack, "-one@")
        if len(msgs) != N:
            raise RuntimeError(f"run 1 stored {len(msgs)} mails, not {N}")
        size = sum(len(d) for _, d in msgs) / len(msgs)
        base1, base1_s = run_smtplib(stack, msgs, 1)
        baseN, baseN_s = run_smtplib(stack, msgs, SENDERS)
        two, two_s = run_notify(stack, tenant, 2, "two")
        sent = psql(stack, "SELECT count(*) FROM notify.deliveries "
                    "WHERE state = 'sent'")[0][0]
        left = psql(stack, "SELECT count(*) FROM admin.outbox "
                    "WHERE params ? 'password'")[0][0]
    finally:
        stack.down()
        if os.environ.get("OV_KEEP_RUN") != "1":
            shutil.rmtree(run_dir, ignore_errors=True)

    print(f"bench/notify: {N:,} queued mails (user activation, multipart "
          f"text+HTML, {size / 1024:.1f} KiB each) into the local SMTP sink "
          f"(aiosmtpd), {os.cpu_count()} cores")
    print(f"  {'run':<44} {'mails/s':>8} {'time':>8} {'vs smtplib x1':>14} "
          f"{'vs smtplib x' + str(SENDERS):>14}")
    rows = [
        (f"baseline: smtplib, 1 connection", base1, base1_s),
        (f"baseline: smtplib, {SENDERS} connections", baseN, baseN_s),
        (f"ov-notify, 1 replica ({SENDERS} senders)", one, one_s),
        (f"ov-notify, 2 replicas ({SENDERS} senders each)", two, two_s),
    ]
    for name, rate, secs in rows:
        print(f"  {name:<44} {rate:8.0f} {secs:7.2f}s {rate / base1:13.2f}x "
              f"{rate / baseN:13.2f}x")
    print(f"  two replicas / one: {two / one:.2f}x")
    print(f"  target >= {TARGET:.0f} mails/s with one replica: "
          f"{'met' if one >= TARGET else 'NOT met'} ({one:.0f})")
    print(f"  deliveries sent: {sent}; outbox rows still holding a "
          f"password: {left}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
