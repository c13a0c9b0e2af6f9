"""ov-migrate, the migration Job of the images (docs/deploy.md): every
schema's migrations applied once, then exit 0; a database that does not
answer is exit 1 with one clear log line."""
import json
import os
import subprocess
import time

from conftest import BIN, ROOT

MIGRATE = os.path.join(BIN, "ov-migrate")
SCHEMAS = ("registrar", "admin", "notify")


def _db(stack, name):
    sock = os.path.join(stack.run_dir, "pgsock")
    port = stack.env["OV_PG_PORT"]
    return f"postgresql:///{name}?host={sock}&port={port}&user=ovunque"


def _psql(url, sql):
    return subprocess.run(["psql", url, "-tAc", sql], check=True,
                          capture_output=True, text=True).stdout.split()


def _migrate(**env):
    return subprocess.run([MIGRATE], env=dict(os.environ, **env),
                          capture_output=True, text=True, timeout=60)


def _events(stderr):
    return [json.loads(l) for l in stderr.splitlines() if l.startswith("{")]


def test_every_schema_is_migrated_once_and_again_changes_nothing(stack):
    postgres = _db(stack, "postgres")
    _psql(postgres, "DROP DATABASE IF EXISTS migjob")
    _psql(postgres, "CREATE DATABASE migjob")
    url = _db(stack, "migjob")

    r = _migrate(OV_DB_URL=url)
    assert r.returncode == 0, r.stderr
    done = {e["schema"]: e["version"] for e in _events(r.stderr)
            if e["event"] == "migrate.schema"}
    for s in SCHEMAS:
        n = len([f for f in os.listdir(os.path.join(ROOT, "services", s,
                                                    "migrations"))
                 if f.endswith(".sql")])
        assert done[s] == n
        rows = _psql(url, f"SELECT version, count(*) FROM {s}.schema_migrations"
                          " GROUP BY 1 ORDER BY 1")
        assert rows == [f"{v}|1" for v in range(1, n + 1)], s

    # A second run (the next rollout's Job) finds nothing to do.
    before = _psql(url, "SELECT count(*) FROM admin.schema_migrations")
    r = _migrate(OV_DB_URL=url)
    assert r.returncode == 0, r.stderr
    assert _psql(url, "SELECT count(*) FROM admin.schema_migrations") == before


def test_a_database_that_does_not_answer_is_exit_1(stack):
    # A port where nothing listens: the stack's own base + 99 is unused.
    url = f"postgresql://ovunque@127.0.0.1:{stack.base + 99}/ovunque"
    t0 = time.monotonic()
    r = _migrate(OV_DB_URL=url, OV_MIGRATE_WAIT_S="1")
    assert r.returncode == 1
    assert time.monotonic() - t0 < 15
    failed = [e for e in _events(r.stderr) if e["event"] == "migrate.failed"]
    assert len(failed) == 1 and failed[0]["schema"] == "registrar", r.stderr


def test_no_database_url_is_a_configuration_error():
    env = {k: v for k, v in os.environ.items() if k != "OV_DB_URL"}
    r = subprocess.run([MIGRATE], env=env, capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2
    assert "OV_DB_URL" in r.stderr
