"""A service that starts before what it needs (docs/deploy.md, "Failure
cases"): it stays alive and not ready, says why, and is ready once the
thing appears; it does not exit into a restart loop."""

import base64
import os
import signal
import subprocess
import time
import urllib.request
import uuid

from conftest import BIN, wait_until


def status(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


def test_schema_owner_waits_for_its_database_not_ready(stack):
    """The database is created 31 s after the registrar starts (longer
    than the 30 s it used to wait before exiting 1): until then /healthz
    answers, /readyz says 503 and the log says it waits; then it is
    ready. A second one stopped while waiting exits 0 at once."""
    sock = os.path.join(stack.run_dir, "pgsock")
    port = stack.env["OV_PG_PORT"]
    db = "wait_" + uuid.uuid4().hex[:8]
    admin_db = f"postgresql:///postgres?host={sock}&port={port}&user=ovunque"
    url = f"postgresql:///{db}?host={sock}&port={port}&user=ovunque"
    procs = []
    logs = []
    try:
        for i in range(2):
            env = {"PATH": os.environ["PATH"], "OV_DB_URL": url,
                   "OV_BUS_LISTEN": f"ipc://{stack.run_dir}/bus/wait{i}.ipc",
                   "OV_HTTP_PORT": str(stack.base + 30 + i),
                   "OV_SIP_SECRET_KEY": base64.b64encode(os.urandom(32)).decode()}
            log = open(os.path.join(stack.run_dir, "log", f"wait{i}.log"), "w+")
            logs.append(log)
            procs.append(subprocess.Popen([os.path.join(BIN, "ov-registrar")],
                                          env=env, stderr=log, stdout=log))
        a, b = procs
        pa, pb = stack.base + 30, stack.base + 31
        started = time.monotonic()
        for p in (pa, pb):
            wait_until(lambda: status(p, "/healthz") == 200, 10, "registrar's /healthz")
            assert status(p, "/readyz") == 503

        b.send_signal(signal.SIGTERM)
        assert b.wait(3) == 0

        while time.monotonic() - started < 31:
            assert a.poll() is None, "the registrar exited while waiting"
            assert status(pa, "/readyz") == 503
            time.sleep(1)
        logs[0].seek(0)
        text = logs[0].read()
        assert '"event":"svc.db_waiting"' in text
        assert f'database \\"{db}\\" does not exist' in text

        subprocess.run(["psql", admin_db, "-qc", f"CREATE DATABASE {db}"],
                       check=True, capture_output=True)
        # The wait backs off to 5 s between tries.
        wait_until(lambda: status(pa, "/readyz") == 200, 10, "registrar ready")
        a.send_signal(signal.SIGTERM)
        assert a.wait(15) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for f in logs:
            f.close()
        subprocess.run(["psql", admin_db, "-qc", f"DROP DATABASE IF EXISTS {db}"],
                       capture_output=True)


def test_router_without_admin_is_alive_and_not_ready(stack):
    """Bus peers: a router whose admin is not there yet answers /healthz,
    stays not ready, and becomes ready once admin answers."""
    port = stack.base + 32
    env = dict(os.environ,
               OV_BUS_LISTEN=f"ipc://{stack.run_dir}/bus/lonely-router.ipc",
               OV_HTTP_PORT=str(port),
               OV_ADMIN_URL=f"ipc://{stack.run_dir}/bus/admin-later.ipc",
               OV_ADMIN_EVENTS_URL=stack.env["OV_ADMIN_EVENTS_URL"],
               OV_REGISTRAR_URL=stack.env["OV_REGISTRAR_URL"])
    log = open(os.path.join(stack.run_dir, "log", "lonely-router.log"), "w+")
    p = subprocess.Popen([os.path.join(BIN, "ov-router")], env=env,
                         stdout=log, stderr=log)
    relay = None
    try:
        wait_until(lambda: status(port, "/healthz") == 200, 10, "router's /healthz")
        time.sleep(3)
        assert p.poll() is None
        assert status(port, "/readyz") == 503
        # The log says whom it waits for.
        log.seek(0)
        assert ('"event":"sync.catch_up","result":"unavailable","admin":"%s"'
                % env["OV_ADMIN_URL"]) in log.read()
        # Admin appears at that address (for ipc://, a symlink to admin's
        # own socket).
        os.symlink(stack.env["OV_ADMIN_URL"].removeprefix("ipc://"),
                   f"{stack.run_dir}/bus/admin-later.ipc")
        relay = f"{stack.run_dir}/bus/admin-later.ipc"
        wait_until(lambda: status(port, "/readyz") == 200, 15, "router ready")
    finally:
        p.terminate()
        assert p.wait(15) == 0
        if relay:
            os.unlink(relay)
        log.close()
