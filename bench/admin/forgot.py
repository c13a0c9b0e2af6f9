#!/usr/bin/env python3
"""bench/admin/forgot: does POST /v1/auth/forgot tell who has an account?

On a private stack (PostgreSQL + ov-admin), 200 forgot requests for a
known user and 200 for an unknown one, interleaved (known, unknown,
known, ...), each timed from the client: request sent to answer read.
The order alternates each round (known first, then unknown first), so
neither path always follows the other's background work. Prints both
medians, p90s and the difference. The throttle counts are wiped before
each round (untimed) so that every request is answered 202. Another
build can be measured with OV_BIN_DIR (scripts/stack.sh).

Timing never fails the run; only a benchmark that cannot run does.
"""
import os
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from admin_api import Api, psql  # noqa: E402
from conftest import Stack, free_base  # noqa: E402

ROUNDS = int(os.environ.get("OV_BENCH_FORGOT_ROUNDS", "200"))


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    run_dir = tempfile.mkdtemp(prefix="ov-bench-forgot-")
    os.chmod(run_dir, 0o755)
    os.environ["OV_STACK_PROCS"] = "postgres admin"
    stack = Stack(run_dir, free_base())
    try:
        stack.up()
        key = stack.ovctl("apikey", "create", "bench").stdout.strip()
        operator = Api(stack.env["OV_ADMIN_HTTP"], key)
        r = operator.post("/v1/tenants", {"company_name": "Bench Srl",
                                          "number": "06 5550 0031",
                                          "admin_email": "bench@example.it"})
        assert r.status == 201, r
        number = r.json["number"]
        anon = Api(stack.env["OV_ADMIN_HTTP"])
        known = {"number": number, "username": "Amministratore"}
        unknown = {"number": number, "username": "Nessuno"}
        times = {"known": [], "unknown": []}
        for i in range(ROUNDS + 10):
            psql(stack, "DELETE FROM admin.login_failures")
            time.sleep(0.02)  # psql's exit is not the next request's cost
            pair = [("known", known), ("unknown", unknown)]
            for name, body in pair if i % 2 else pair[::-1]:
                t0 = time.perf_counter()
                r = anon.post("/v1/auth/forgot", body)
                dt = (time.perf_counter() - t0) * 1000
                assert r.status == 202, r
                if i >= 10:  # the first rounds warm up
                    times[name].append(dt)
        # Every known request's mail, once the reset worker is through.
        want, end = ROUNDS + 10, time.monotonic() + 10
        while True:
            mails = int(psql(stack, "SELECT count(*) FROM admin.outbox "
                                    "WHERE kind = 'password_reset'")[0][0])
            if mails >= want or time.monotonic() > end:
                break
            time.sleep(0.1)
        assert mails == want, (mails, want)
        k, u = times["known"], times["unknown"]
        print(f"forgot, {ROUNDS} requests each, interleaved, ms")
        print(f"  known user:   median {statistics.median(k):.2f}  "
              f"p90 {pct(k, 90):.2f}")
        print(f"  unknown user: median {statistics.median(u):.2f}  "
              f"p90 {pct(u, 90):.2f}")
        print(f"  difference of medians: "
              f"{statistics.median(k) - statistics.median(u):+.2f} ms")
        print(f"  reset mails queued: {mails} of {want}")
    finally:
        stack.sh("down", check=False)
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
