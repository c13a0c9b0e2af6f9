"""The five services on a real stack: bus, health, metrics, drain, bad input."""
import json
import os
import random
import re
import signal
import subprocess
import threading

import pytest

from conftest import BIN, SERVICES, new_stack, wait_until


def test_every_service_answers_ping(stack):
    r = stack.ovctl("ping", "all")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.strip().splitlines()[1:]
    assert [l.split()[0] for l in lines] == SERVICES
    for line in lines:
        # name, version, rtt "x.xx ms", ready yes, health
        assert re.match(r"^\w+\s+\S+\s+\d+\.\d+ ms\s+yes\s+", line), line
    # Every schema owner at its newest migration; the registrar counts
    # its live bindings.
    assert len(re.findall(r"db=ok schema=[1-9]", r.stdout)) == 3
    assert re.search(r"db=ok schema=\d+ bindings=\d+", r.stdout)
    assert "rtpengine=ok" in r.stdout


def test_ping_of_a_stopped_service_fails(stack):
    env = dict(os.environ, OV_ROUTER_URL=f"ipc://{stack.run_dir}/bus/nobody.ipc")
    r = subprocess.run([os.path.join(BIN, "ovctl"), "--deadline-ms", "200",
                        "ping", "router"], env=env, capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 1
    assert "DOWN: unavailable" in r.stdout


@pytest.mark.parametrize("svc", SERVICES)
def test_health_ready_and_metrics(stack, svc):
    status, _, body = stack.http(svc, "/healthz")
    assert (status, body) == (200, "ok\n")
    assert stack.http(svc, "/readyz")[0] == 200
    stack.ovctl("ping", svc)
    status, ctype, text = stack.http(svc, "/metrics")
    assert status == 200 and ctype.startswith("text/plain")
    assert '# TYPE ov_bus_requests_total counter' in text
    assert '# TYPE ov_bus_request_duration_seconds histogram' in text
    assert stack.metric(svc, "ov_bus_requests_total",
                        'method="ping",code="ok"') >= 1
    assert stack.metric(svc, "ov_http_requests_total",
                        'route="/healthz",status="200"') >= 1
    assert 'ov_http_request_duration_seconds_bucket{route="/readyz",le="+Inf"}' in text


def test_unknown_http_path_is_problem_json(stack):
    # Admin also serves the web app at / (OV_WEB_DIR): a path without a
    # dot there is an app route (index.html), so ask for a missing file
    # and a missing API path instead.
    for path in ("/no/such/thing.txt", "/v1/no/such/thing"):
        status, ctype, body = stack.http("admin", path)
        assert status == 404
        assert ctype == "application/problem+json"
        doc = json.loads(body)
        assert doc["status"] == 404 and doc["code"] == "not_found"
    status, ctype, _ = stack.http("router", "/no/such/thing")
    assert status == 404 and ctype == "application/problem+json"


def test_unknown_method_is_invalid_argument(stack):
    r = stack.ovctl("call", "router", "no.such.method")
    assert r.returncode == 1
    assert r.stdout.startswith('invalid_argument unknown method "no.such.method"')
    assert any(e["event"] == "bus.unknown_method" and e.get("method") == "no.such.method"
               for e in stack.log_events("router"))
    # The service is still there.
    assert stack.ovctl("ping", "router").returncode == 0


def test_undecodable_message_gets_error_reply(stack):
    r = stack.ovctl("call", "registrar", "x", "--raw-hex", "ffffffff0a")
    assert r.stdout.startswith("invalid_argument message is not an ov.Envelope")
    assert any(e["event"] == "bus.undecodable" for e in stack.log_events("registrar"))
    assert stack.ovctl("ping", "registrar").returncode == 0


def test_oversized_message_gets_error_reply(stack):
    r = stack.ovctl("call", "admin", "x", "--raw-size", str(2 * 1024 * 1024))
    assert r.stdout.startswith("too_large message of 2097152 bytes is over the limit")
    assert any(e["event"] == "bus.oversized" and e["bytes"] == 2097152
               for e in stack.log_events("admin"))
    assert stack.ovctl("ping", "admin").returncode == 0


@pytest.mark.parametrize("svc", SERVICES)
def test_bad_environment_exits_2_naming_the_variable(svc):
    env = {"PATH": os.environ["PATH"], "OV_BUS_LISTEN": "ipc:///tmp/x.ipc",
           "OV_HTTP_PORT": "http", "OV_DB_URL": "postgresql:///x",
           "OV_RTPENGINE_NG": "udp:127.0.0.1:1"}
    r = subprocess.run([os.path.join(BIN, f"ov-{svc}")], env=env,
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert 'OV_HTTP_PORT="http" is not an integer' in r.stderr
    env["OV_HTTP_PORT"] = "8080"
    env["OV_BUS_LISTEN"] = "http://nope"
    r = subprocess.run([os.path.join(BIN, f"ov-{svc}")], env=env,
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "OV_BUS_LISTEN" in r.stderr
    del env["OV_BUS_LISTEN"]
    r = subprocess.run([os.path.join(BIN, f"ov-{svc}")], env=env,
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "OV_BUS_LISTEN is required" in r.stderr


def test_check_config_lists_the_table():
    env = {"PATH": os.environ["PATH"], "OV_BUS_LISTEN": "ipc:///tmp/x.ipc",
           "OV_HTTP_PORT": "8080", "OV_RTPENGINE_NG": "udp:127.0.0.1:9"}
    r = subprocess.run([os.path.join(BIN, "ov-ivr"), "--check-config"],
                       env=env, capture_output=True, text=True, timeout=10)
    assert r.returncode == 0
    for var in ("OV_BUS_LISTEN", "OV_HTTP_PORT", "OV_DRAIN_MS",
                "OV_RTPENGINE_NG", "OV_RTPENGINE_TRIES"):
        assert var in r.stdout


@pytest.mark.parametrize("svc", SERVICES)
def test_sigterm_finishes_in_flight_requests_and_exits_0(stack, svc):
    received = 'method="ping"'
    before = stack.metric(svc, "ov_bus_requests_received_total", received)
    load = {}

    def run_load():
        load["r"] = stack.ovctl("ping", svc, "--count", "8",
                                "--concurrency", "8", "--delay-ms", "700")

    t = threading.Thread(target=run_load)
    t.start()
    try:
        # All eight are being handled before the signal goes.
        wait_until(lambda: stack.metric(svc, "ov_bus_requests_received_total",
                                        received) >= before + 8,
                   10, "8 pings in flight")
        pid = stack.pid(svc)
        os.kill(pid, signal.SIGTERM)
        t.join(30)
        r = load["r"]
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout.startswith("sent=8 ok=8 ")
        wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 15,
                   f"{svc} to exit")
        exits = [e for e in stack.log_events(svc) if e["event"] == "svc.exit"]
        assert exits and exits[-1]["code"] == 0
    finally:
        t.join(30)
        stack.start(svc)
    assert stack.ovctl("ping", svc).returncode == 0


def test_database_restart_is_survived(stack):
    """PostgreSQL goes away and comes back: services reconnect by
    themselves and say so in /readyz and their health."""
    stack.sh("stop", "postgres")
    try:
        wait_until(lambda: stack.http("registrar", "/readyz")[0] == 503, 10,
                   "registrar to be not ready")
        r = stack.ovctl("ping", "registrar")
        assert r.returncode == 1 and "db=DOWN" in r.stdout
    finally:
        stack.start("postgres")
    for svc in ("registrar", "admin", "notify"):
        wait_until(lambda: stack.http(svc, "/readyz")[0] == 200, 10,
                   f"{svc} ready again")
    assert stack.ovctl("ping", "all").returncode == 0


def test_replicas_migrate_a_schema_exactly_once(stack):
    """Three admin replicas start at once on an empty database: each
    migration is applied once, under the advisory lock."""
    sock = os.path.join(stack.run_dir, "pgsock")
    port = stack.env["OV_PG_PORT"]
    admin_db = f"postgresql:///postgres?host={sock}&port={port}&user=ovunque"
    subprocess.run(["psql", admin_db, "-qc", "DROP DATABASE IF EXISTS migtest"],
                   check=True, capture_output=True)
    subprocess.run(["psql", admin_db, "-qc", "CREATE DATABASE migtest"],
                   check=True, capture_output=True)
    url = f"postgresql:///migtest?host={sock}&port={port}&user=ovunque"
    procs = []
    try:
        for i in range(3):
            env = dict(os.environ, OV_DB_URL=url,
                       OV_ADMIN_EVENTS_URL=f"ipc://{stack.run_dir}/bus/mig-ev{i}.ipc",
                       OV_REGISTRAR_URL=stack.env["OV_REGISTRAR_URL"],
                       OV_BUS_LISTEN=f"ipc://{stack.run_dir}/bus/mig{i}.ipc",
                       OV_HTTP_PORT=str(stack.base + 20 + i),
                       OV_NOTIFY_PUBLIC_KEY=stack.notify_keys()["OV_NOTIFY_PUBLIC_KEY"])
            procs.append(subprocess.Popen([os.path.join(BIN, "ov-admin")],
                                          env=env, stderr=subprocess.PIPE,
                                          text=True))
        for i in range(3):
            wait_until(lambda: _ready(stack.base + 20 + i), 20, f"replica {i}")
        rows = subprocess.run(
            ["psql", url, "-tAc",
             "SELECT version, count(*) FROM admin.schema_migrations "
             "GROUP BY 1 ORDER BY 1"],
            check=True, capture_output=True, text=True).stdout.split()
        # Every migration applied, each exactly once.
        assert len(rows) >= 2
        assert rows == [f"{v}|1" for v in range(1, len(rows) + 1)]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            assert p.wait(15) == 0


def _ready(port):
    import urllib.request
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
            return r.status == 200
    except Exception:
        return False


def test_two_stacks_run_side_by_side(stack):
    other = new_stack(avoid=[stack.base])
    try:
        other.up()
        assert other.env["OV_SIP_PORT"] != stack.env["OV_SIP_PORT"]
        assert other.ovctl("ping", "all").returncode == 0
        assert stack.ovctl("ping", "all").returncode == 0
    finally:
        other.down()
    assert stack.ovctl("ping", "all").returncode == 0


def test_files_that_hold_secrets_are_0600(stack):
    """Issue 21, item 9: stack.env (operator key, demo passwords, SIP
    secrets), the mailbox (temporary passwords, codes) and the keys are
    readable by their owner only."""
    import stat
    r = stack.ovctl("apikey", "create", "test_services_0600")
    assert r.returncode == 0, r.stderr
    run = stack.run_dir
    files = [os.path.join(run, "stack.env"),
             os.path.join(run, "sip-secret.key"),
             os.path.join(run, "notify-key.pem")]
    # A mail: a new tenant's activation, with its password.
    from admin_api import Api
    op = Api(stack.env["OV_ADMIN_HTTP"], r.stdout.strip())
    t = op.post("/v1/tenants", {"company_name": "Permessi Srl",
                                "number": f"06{random.randrange(10**6, 10**7)}",
                                "admin_email": "permessi@prova.example"})
    assert t.status == 201, t
    mail_dir = stack.env["OV_MAIL_DIR"]
    wait_until(lambda: [n for n in os.listdir(mail_dir) if n.endswith(".eml")],
               10, "a mail in the sink")
    files += [os.path.join(mail_dir, n) for n in os.listdir(mail_dir)
              if n.endswith(".eml")]
    for f in files:
        mode = stat.S_IMODE(os.stat(f).st_mode)
        assert mode & 0o077 == 0, f"{f} is {oct(mode)}"
