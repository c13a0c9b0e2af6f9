#!/usr/bin/env python3
"""bench/app: what the app "Telefono Virtuale" costs a person.

1. First load: the bytes the browser fetches for the login screen (as
   sent, and gzip-compressed), and the time from navigation to a login
   form that takes input, in Debian's Chromium (bench/app/load.mjs);
   baseline: the same browser loading GET /healthz from the same server.
2. Each screen's API calls with 50 tenants of 99 users (contacts and
   call history in every tenant), over the 50 tenants' tokens, with
   wrk: p99 with one connection (what a person opening the screen
   waits: the target), and requests/s and p99 with 16 connections (the
   server saturated), against GET /healthz on the same server in the
   same run.

Targets (issue "The app"): first load at most 200 KB compressed and
interactive within 1 s on loopback; each screen's API calls at most
20 ms p99. Timing never fails the run; only a benchmark that cannot
run does.

The 50 tenants and their users are made through the REST API, as an
admin would; the call history rows are written with SQL (4,950 calls
through SIPp would measure SIPp), in the shape calls.record stores.
"""
import gzip
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from admin_api import Api  # noqa: E402
from conftest import Stack, free_base  # noqa: E402

# The admin benchmark's tenant maker: an admin logged in, users added.
_spec = importlib.util.spec_from_file_location(
    "bench_admin", os.path.join(ROOT, "bench", "admin", "bench.py"))
_admin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_admin)
tenant_with_users = _admin.tenant_with_users

DURATION = os.environ.get("OV_BENCH_SECONDS", "4")
TENANTS = int(os.environ.get("OV_BENCH_TENANTS", "50"))
USERS = 99
CONTACTS = 100      # per tenant's admin
CALLS = 500         # per tenant

SCREENS = [          # (screen, API call)
    ("users", "/v1/users"),
    ("ringing, messages", "/v1/config/draft"),
    ("apply button", "/v1/config/diff"),
    ("directory", "/v1/directory"),
    ("contacts", "/v1/me/contacts"),
    ("recent calls", "/v1/me/calls"),
    ("today", "/v1/calls/today"),
    ("menu, profile", "/v1/me"),
]

WRK_LUA = """
local tokens = {}
for line in io.lines(os.getenv("OV_BENCH_TOKENS")) do
  tokens[#tokens + 1] = line
end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", nil, {["Authorization"] = "Bearer " ..
    tokens[i % #tokens + 1]})
end
"""


def wrk(url, script=None, tokens=None, conns=16):
    cmd = ["wrk", "-t", str(min(2, conns)), "-c", str(conns), "-d",
           f"{DURATION}s", "--latency"]
    env = dict(os.environ)
    if script:
        cmd += ["-s", script]
        env["OV_BENCH_TOKENS"] = tokens
    out = subprocess.run(cmd + [url], capture_output=True, text=True,
                         check=True, timeout=120, env=env).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99, int(errors.group(1)) if errors else 0


def seed_history(stack, tenant_id, user_ids):
    """CALLS calls of the last week among the tenant's people: in, out,
    internal, answered and missed, as calls.record leaves them."""
    sql = f"""
INSERT INTO admin.calls (tenant_id, call_id, direction, from_number,
  from_user, to_number, rung, answered_by, state, code, started_at,
  answered_at, ended_at)
SELECT '{tenant_id}', 'bench-' || g, d.dir,
  CASE WHEN d.dir = 'in' THEN '33' || (1000000 + g) ELSE 'u' || g END,
  CASE WHEN d.dir = 'in' THEN NULL ELSE u.id::uuid END,
  CASE WHEN d.dir = 'out' THEN '06' || (5000000 + g) ELSE '01' END,
  ARRAY[v.id], CASE WHEN g % 4 = 0 THEN '' ELSE v.id END,
  CASE WHEN g % 4 = 0 THEN 'failed' ELSE 'ended' END,
  CASE WHEN g % 4 = 0 THEN 480 ELSE 0 END,
  now() - make_interval(mins => g * 17),
  CASE WHEN g % 4 = 0 THEN NULL ELSE now() - make_interval(mins => g * 17)
    + interval '5 s' END,
  now() - make_interval(mins => g * 17) + interval '65 s'
FROM generate_series(1, {CALLS}) g,
  LATERAL (SELECT (ARRAY['in','out','internal'])[1 + g % 3] AS dir) d,
  LATERAL (SELECT (ARRAY[{",".join(f"'{i}'" for i in user_ids)}])
    [1 + g % {len(user_ids)}] AS id) u,
  LATERAL (SELECT (ARRAY[{",".join(f"'{i}'" for i in user_ids)}])
    [1 + (g * 7) % {len(user_ids)}] AS id) v;
"""
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1",
                    stack.env["OV_DB_URL"], "-c", sql], check=True,
                   capture_output=True, timeout=120)


def fetch(url):
    """(bytes on the wire, content) of a GET as a browser asks it."""
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=5) as r:
        wire = r.read()
        gz = r.headers.get("Content-Encoding") == "gzip"
    return len(wire), gzip.decompress(wire) if gz else wire


def first_load(app_url):
    """Bytes of the login screen's files as sent (the browser takes
    gzip) and as gzip would make them, and load.mjs's timings."""
    sent, html = fetch(app_url + "/")
    files = [html]
    for ref in re.findall(rb'(?:src|href)="(/[^"]+\.(?:js|css))"', html):
        n, body = fetch(app_url + ref.decode())
        sent += n
        files.append(body)
    gz = sum(len(gzip.compress(b, 6)) for b in files)
    out = subprocess.run(["node", os.path.join(ROOT, "bench", "app",
                                               "load.mjs"), app_url],
                         capture_output=True, text=True, check=True,
                         timeout=300).stdout
    return sent, gz, len(files), json.loads(out)


def main():
    for tool in ("wrk", "psql", "node"):
        if not shutil.which(tool):
            sys.exit(f"bench app: {tool} is missing (scripts/deps.sh)")
    if not os.path.exists(os.path.join(ROOT, "build", "web", "index.html")):
        sys.exit("bench app: build/web is missing: run make web")
    run_dir = tempfile.mkdtemp(prefix="ov-bench-app-")
    os.chmod(run_dir, 0o755)
    stack = Stack(run_dir, free_base())
    tokens = os.path.join(run_dir, "tokens")
    script = os.path.join(run_dir, "tokens.lua")
    with open(script, "w") as f:
        f.write(WRK_LUA)
    try:
        stack.up()
        key = stack.ovctl("apikey", "create", "bench").stdout.strip()
        operator = Api(stack.env["OV_ADMIN_HTTP"], key)
        base = stack.env["OV_ADMIN_HTTP"]
        app_url = stack.env.get("OV_APP_URL", base).rstrip("/")

        with open(tokens, "w") as tf:
            for n in range(TENANTS):
                t, api, ids = tenant_with_users(
                    stack, operator, f"06 5551 {n:04d}", USERS)
                api.put("/v1/ringing", {"mode": "sequential", "rings": 4,
                                        "members": [{"type": "user", "id": i}
                                                    for i in ids[:10]]})
                assert api.post("/v1/apply").status == 200
                for c in range(CONTACTS):
                    api.post("/v1/me/contacts", {
                        "name": f"Cliente {c}",
                        "numbers": [{"label": "mobile",
                                     "number": f"+39333{n:03d}{c:04d}"}]})
                seed_history(stack, t["id"], ids)
                # A pending change, so the diff has something to say.
                api.patch(f"/v1/users/{ids[0]}", {"name": "Nome Nuovo"})
                tf.write(api.token + "\n")

        h1 = wrk(base + "/healthz", conns=1)
        h_rps, h_p99, h_err = wrk(base + "/healthz")
        rows = []
        for screen, path in SCREENS:
            one = wrk(base + path, script, tokens, conns=1)
            rows.append((screen, path, one[1]) +
                        wrk(base + path, script, tokens))
        raw, gz, nfiles, load = first_load(app_url)
    finally:
        stack.down()
        shutil.rmtree(run_dir, ignore_errors=True)

    print(f"bench-app: {TENANTS} tenants of {USERS} users, {CONTACTS} "
          f"contacts and {CALLS} calls each; wrk -t2 -c16 -d{DURATION}s "
          "over every tenant's token; the same server and run for the "
          "baseline\n")
    print(f"{'':40}{'1 connection':>17}{'16 connections':>27}")
    print(f"{'screen':20}{'API call':20}{'p99 ms':>9}{'x base':>8}"
          f"{'req/s':>9}{'p99 ms':>9}{'x base':>9}{'non-2xx':>9}")
    print(f"{'(baseline)':20}{'/healthz':20}{h1[1]:>9.2f}{1:>7.2f}x"
          f"{h_rps:>9.0f}{h_p99:>9.2f}{1:>8.2f}x{h_err:>9}")
    worst = 0.0
    for screen, path, p1, rps, p99, err in rows:
        worst = max(worst, p1)
        print(f"{screen:20}{path:20}{p1:>9.2f}{p1 / h1[1]:>7.2f}x"
              f"{rps:>9.0f}{p99:>9.2f}{p99 / h_p99:>8.2f}x{err:>9}")
    print()
    print(f"first load: {nfiles} files, {raw / 1024:.1f} KB as sent "
          f"(Accept-Encoding: gzip), {gz / 1024:.1f} KB gzip -6")
    print(f"login form ready: median {load['ready_ms']:.0f} ms, "
          f"max {load['ready_max_ms']:.0f} ms over {load['runs']} cold "
          f"loads; /healthz in the same browser {load['base_ms']:.0f} ms "
          f"({load['ready_ms'] / load['base_ms']:.1f}x)")
    print()
    print("targets (reported only: timing never fails the run)")
    print(f"  first load at most 200 KB compressed  {raw / 1024:>7.1f} KB "
          f"{'met' if raw <= 200 * 1024 else 'NOT MET'}")
    print(f"  interactive within 1 s               {load['ready_ms']:>7.0f} ms "
          f"{'met' if load['ready_ms'] <= 1000 else 'NOT MET'}")
    print(f"  each screen's API p99 at most 20 ms  {worst:>7.2f} ms "
          "(one connection) "
          f"{'met' if worst <= 20 else 'NOT MET'}")


if __name__ == "__main__":
    main()
