#!/usr/bin/env python3
"""bench/replicas: two replicas each of router, registrar, admin and
notify behind one Kamailio, under call, REGISTER and mail load; one
replica of each killed (SIGKILL) in turn and started again, then every
replica replaced one at a time (SIGTERM: drain, then a new one) while
long calls are up.

A private stack (scripts/stack.sh with OV_REPLICAS="router=2
registrar=2 admin=2 notify=2", without the IVR: these calls play no
message), bench/sip's rtpengine (wide port range, no delete delay), a
company whose phone (SIPp) answers every call and whose other users'
devices register over and over.

Phases, each PHASE_S seconds of the same load (tests/integration/
replicas.py): calls from the trunk at CALL_RATE (100 ms each), REGISTER
at REG_RATE over DEVICES devices (each device every DEVICES/REG_RATE
seconds), MAIL_RATE companies created per second through both admins
(an activation mail each).

  baseline      nothing killed: the failures the load has by itself;
  router, registrar, admin, notify
                SIGKILL replica 2 at KILL_AT s, `stack.sh start` it
                DOWN_S s later;
  rolling       calls lasting LONG_S s at LONG_RATE/s, and while they
                are up every replica of the four services, one at a
                time, `stack.sh stop` (SIGTERM: drains) and `start`.

Per phase: calls and registrations failed and the seconds they failed
in (relative to the kill), and each replica's requests/s before the
kill, while its peer was dead, and after the peer came back (from their
/metrics: ov_bus_requests_total, for notify mails sent). At the end:
bindings lost (a device got 200 but the registrar's table does not
have that binding), mails lost or doubled (outbox rows without a mail
in the SMTP sink, or with more than one), after waiting up to notify's
lease (OV_NOTIFY_LEASE_S, 60 s) for the rows a dead replica held.

Timing never fails the run; only a benchmark that cannot run does.
Environment: OV_BENCH_CALL_RATE (default 150), OV_BENCH_REG_RATE (15),
OV_BENCH_PHASE_S (30), OV_BENCH_PHASES (all, comma-separated),
OV_KEEP_RUN=1 keeps the run directory.
"""
import importlib.util
import os
import shutil
import signal
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import replicas as rp  # noqa: E402
from admin_api import Api  # noqa: E402
from calls import Company  # noqa: E402
from conftest import Stack, free_base  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "sip_bench", os.path.join(ROOT, "bench", "sip", "bench.py"))
sip_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sip_bench)

CALL_RATE = int(os.environ.get("OV_BENCH_CALL_RATE", "150"))
REG_RATE = int(os.environ.get("OV_BENCH_REG_RATE", "15"))
PHASE_S = float(os.environ.get("OV_BENCH_PHASE_S", "30"))
MAIL_RATE = 2.0
DEVICES = 30  # 5 per person (admin's limit): 6 people
KILL_AT = 5.0
DOWN_S = 5.0
LONG_S = 20
LONG_RATE = 3
REPLICAS = "router=2 registrar=2 admin=2 notify=2"
SERVICES = ["router", "registrar", "admin", "notify"]
PHASES = os.environ.get("OV_BENCH_PHASES",
                        "cost,baseline," + ",".join(SERVICES) + ",rolling"
                        ).split(",")
COST_S = 10
COMPONENTS = ["kamailio", "router", "registrar", "admin", "notify",
              "postgres", "rtpengine"]
STACK_PROCS = "postgres smtp registrar admin router notify kamailio"
LEASE_S = 60


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Phase:
    def __init__(self, name):
        self.name = name
        self.calls = self.regs = None
        self.t0 = self.t_kill = self.t_start = self.t_back = None
        self.steps = []       # rolling: (name, seconds to stop, to start)
        self.load_before = self.load_after = None
        self.t_end = None
        # companies created, requests refused by a dead admin (sent
        # again to the other), answered but not created
        self.mails = (0, 0, 0)


def cost_phase(stack, company, work, cpu, ph):
    """Calls alone (no REGISTER, no mails): CPU per call of each
    component, replicas summed."""
    ph.load_before = loadavg()
    ph.t0 = time.time()
    before = cpu.sample()
    c = rp.calls(stack, company, work, "cost-calls", CALL_RATE,
                 int(CALL_RATE * COST_S))
    ph.calls = c.result(COST_S + 90)
    d = cpu.delta(before)
    ph.t_end = time.time()
    ph.cpu = {k: sum(v for n, v in d.items() if n.split("-")[0] == k)
              for k in COMPONENTS}
    ph.cpu["machine busy"] = d["machine busy"]
    ph.load_after = loadavg()
    print(f"  {ph.name:<10} calls ok {ph.calls.ok} failed {ph.calls.lost}"
          f"  load {ph.load_before} -> {ph.load_after}", flush=True)
    time.sleep(2)


def run_phase(stack, company, work, devices, sampler, key, ph):
    ph.load_before = loadavg()
    rolling = ph.name == "rolling"
    seconds = PHASE_S if not rolling else LONG_S + 25
    mails = rp.MailLoad(stack, key, MAIL_RATE)
    ph.t0 = time.time()
    if rolling:
        # Long calls only: the trunk has one port, and every call set
        # up while replicas are replaced must survive as well.
        n = int(LONG_RATE * (seconds - LONG_S - 2))
        ph.calls = rp.calls(stack, company, work, "rolling-calls",
                            LONG_RATE, n, hold_ms=LONG_S * 1000)
    else:
        ph.calls = rp.calls(stack, company, work, f"{ph.name}-calls",
                            CALL_RATE, int(CALL_RATE * seconds))
    ph.regs = rp.registers(stack, company, work, f"{ph.name}-regs",
                           devices, REG_RATE, int(REG_RATE * seconds))
    mails.start()
    if ph.name in SERVICES:
        time.sleep(max(0.0, ph.t0 + KILL_AT - time.time()))
        ph.t_kill = time.time()
        rp.kill(stack, f"{ph.name}-2")
        time.sleep(DOWN_S)
        ph.t_start = time.time()
        rp.restart(stack, f"{ph.name}-2")
        ph.t_back = time.time()
    elif rolling:
        time.sleep(8)
        ph.t_kill = time.time()
        for s in SERVICES:
            for k in (1, 2):
                name = f"{s}-{k}"
                a = time.time()
                stack.sh("stop", name)
                b = time.time()
                stack.start(name)
                ph.steps.append((name, b - a, time.time() - b))
        ph.t_back = time.time()
    time.sleep(max(0.0, ph.t0 + seconds - time.time()))
    ph.t_end = time.time()
    mails.stop.set()
    mails.join()
    ph.mails = (len(mails.created), len(mails.refused), len(mails.failed))
    ph.calls = ph.calls.result(seconds + 90)
    ph.regs_run = ph.regs
    ph.regs = ph.regs.result(seconds + 60)
    ph.load_after = loadavg()
    print(f"  {ph.name:<10} calls ok {ph.calls.ok} failed {ph.calls.lost}"
          f" (connected and dropped {ph.calls.dropped})"
          f"  REGISTER ok {ph.regs.ok} failed {ph.regs.lost}  mails "
          f"{ph.mails[0]} (refused {ph.mails[1]})  load {ph.load_before}"
          f" -> {ph.load_after}", flush=True)
    time.sleep(2)


def window(o, t0):
    w = o.window(t0) if t0 else None
    if not o.fail_times:
        return "-"
    if w is None:
        return f"{len(o.fail_times)} failed"
    return f"{w[0]:+.0f}..{w[1]:+.0f} s"


def report(stack, phases, sampler, lost_b, n_dev, mails, started, cost):
    base = next((p for p in phases if p.name == "baseline"), None)
    print()
    if cost and cost.calls.ok:
        n = cost.calls.ok
        print(f"CPU per call (us), calls alone at {CALL_RATE}/s for "
              f"{COST_S} s ({n} ok, {cost.calls.lost} failed; load "
              f"{cost.load_before}), replicas summed:")
        print("  " + "".join(f"{k:>11}" for k in COMPONENTS))
        print("  " + "".join(f"{cost.cpu[k] * 1e6 / n:>11.0f}"
                             for k in COMPONENTS))
        print()
    print(f"bench-replicas: {REPLICAS}, one Kamailio, {os.cpu_count()} "
          f"CPUs shared with other work; calls {CALL_RATE}/s of 100 ms "
          f"from the trunk,\nREGISTER {REG_RATE}/s over {DEVICES} "
          f"devices, {MAIL_RATE:g} companies/s created (an activation "
          f"mail each); {PHASE_S:g} s a phase;\nkilled: replica 2 with "
          f"SIGKILL at {KILL_AT:g} s, started again {DOWN_S:g} s later "
          f"(started {started})\n")
    print(f"{'phase':<11}{'calls':>7}{'failed':>8}{'ratio':>7}"
          f"{'window (from kill)':>20}{'REGISTER':>10}{'failed':>8}"
          f"{'window':>14}{'mails':>7}{'refused/5xx':>12} load avg")
    for p in phases:
        c, r = p.calls, p.regs
        ratio = "-"
        if base and p is not base and p.name != "rolling":
            b = base.calls.lost / max(1, base.calls.ok + base.calls.lost)
            x = c.lost / max(1, c.ok + c.lost)
            ratio = f"{x / b:.1f}x" if b else ("0" if not x else "inf")
        print(f"{p.name:<11}{c.ok + c.lost:>7}{c.lost:>8}{ratio:>7}"
              f"{window(c, p.t_kill):>20}{r.ok + r.lost:>10}{r.lost:>8}"
              f"{window(r, p.t_kill):>14}{p.mails[0]:>7}"
              f"{p.mails[1]:>5}/{p.mails[2]:<3}"
              f"  {p.load_before} -> {p.load_after}")
    print()
    print("requests/s per replica (bus requests; notify: mails sent) "
          "before the kill, while replica 2 was down, after it was ready "
          "again;\nand how long its start took (stack.sh start: until "
          "/readyz):")
    for p in phases:
        if p.name not in SERVICES:
            continue
        ends = p.t_end
        parts = []
        for n in rp.instances(stack, p.name):
            a = sampler.rate(n, p.t0 + 1, p.t_kill)
            b = sampler.rate(n, p.t_kill + 0.5, p.t_start)
            c = sampler.rate(n, p.t_back + 1, ends)
            parts.append(f"{n} {a:6.1f} {b:6.1f} {c:6.1f}")
        print(f"  {p.name:<10} " + "   ".join(parts) +
              f"   start {p.t_back - p.t_start:.1f} s")
    roll = next((p for p in phases if p.name == "rolling"), None)
    if roll:
        print()
        print(f"rolling replacement under {LONG_RATE} calls/s of {LONG_S} s "
              f"(each step: SIGTERM and drain, then start and ready):")
        print("  " + ", ".join(f"{n} {a:.1f}+{b:.1f} s"
                               for n, a, b in roll.steps))
        c = roll.calls
        print(f"  calls {c.ok + c.lost}, connected {c.connected}, ended "
              f"with their BYE {c.ended}, connected and dropped "
              f"{c.dropped}, failed {c.lost}")
    rows, lost, doubled, delays = mails
    print()
    print(f"bindings: {n_dev} devices registered, {len(lost_b)} lost "
          f"{lost_b[:5] if lost_b else ''}")
    print(f"mails: {len(rows)} queued, {len(lost)} lost, {len(doubled)} "
          f"doubled {doubled[:5] if doubled else ''}")
    if delays:
        print(f"  queued to stored: median {delays[len(delays) // 2]:.2f} s,"
              f" slowest {delays[-1]:.1f} s; over 5 s: "
              f"{sum(1 for d in delays if d > 5)}")


def main():
    for tool in ("sipp", "kamailio", "psql"):
        if not shutil.which(tool):
            sys.exit(f"bench replicas: {tool} is missing (scripts/deps.sh)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run_dir = tempfile.mkdtemp(prefix="ov-bench-replicas-")
    os.chmod(run_dir, 0o755)
    work = os.path.join(run_dir, "sipp")
    os.makedirs(work)
    os.environ.update(rp.KAMAILIO_ENV)
    os.environ["OV_STACK_PROCS"] = STACK_PROCS
    os.environ["OV_REPLICAS"] = REPLICAS
    os.environ.setdefault("OV_NAT_PING_S", "0")
    stack = Stack(run_dir, free_base())
    started = []
    phases = []
    try:
        rtp = sip_bench.Rtpengine(run_dir, stack.base)
        started.append(rtp.proc)
        stack.up()
        key = stack.ovctl("apikey", "create", "bench").stdout.strip()
        operator = Api(stack.env["OV_ADMIN_HTTP"], key)
        regs = [f"Reg{i}" for i in range(DEVICES // 5)]
        company = Company(stack, operator, [
            ("Telefono Banco", "Banco", "01")] + [
            (f"Registro {u}", u, f"{10 + i}") for i, u in enumerate(regs)])
        r = operator.patch(f"/v1/tenants/{company.id}", {"max_calls": 1000})
        assert r.status == 200, r
        company.ringing("sequential", ["Banco"], rings=3)
        company.apply()
        started.append(rp.phone(stack, company, "Banco", work))
        devices = rp.devices_file(
            [d for u in regs for d in rp.new_devices(company, u, 5)],
            os.path.join(work, "devices.csv"))
        first_mail = rp.outbox_next_id(stack)
        sampler = rp.Sampler(stack, SERVICES)
        sampler.start()
        begun = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        last = {}
        cpu = sip_bench.Cpu({n: stack.pid(n) for n in
                             ["kamailio", "postgres"] +
                             [i for s in SERVICES
                              for i in rp.instances(stack, s)]}
                            | {"rtpengine": rtp.proc.pid})
        cost = None
        for name in PHASES:
            ph = Phase(name)
            if name == "cost":
                cost_phase(stack, company, work, cpu, ph)
                cost = ph
                continue
            run_phase(stack, company, work, devices, sampler, key, ph)
            phases.append(ph)
            for u, t in rp.registered(ph.regs_run).items():
                last[u] = max(last.get(u, 0), t)
        sampler.stop.set()
        lost_b = rp.lost_bindings(stack, company, last)
        print(f"waiting for the mails (up to notify's lease, {LEASE_S} s)",
              flush=True)
        mails = rp.mail_check(stack, first_mail, LEASE_S + 15)
        report(stack, phases, sampler, lost_b, len(last), mails, begun,
               cost)
    finally:
        for p in reversed(started):
            sip_bench.stop_session(p)
        stack.down()
        if os.environ.get("OV_KEEP_RUN") != "1":
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            print(f"run directory kept: {run_dir}")


if __name__ == "__main__":
    main()
