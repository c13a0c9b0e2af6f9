#!/usr/bin/env python3
"""bench/sip: calls and registrations through the whole stack, against
the same Kamailio with a static route and no bus, in one run.

A private stack (scripts/stack.sh) and a second Kamailio, the baseline
(scripts/kamailio.sh with OV_BENCH_STATIC_URI and OV_BENCH_STATIC_HA1:
the same cfg, Lua, rtpengine, -m/-M, allocator and children, no bus, no
plan, no database). One SIPp phone answers every call of both.

1. Call setup rate: SIPp as the carrier's trunk (INVITE, 200, ACK,
   BYE) to a company's fixed number. The product asks the router for a
   plan (ring the one member, whose SIPp phone registered with the
   credentials of GET /v1/me/sip), anchors the media in rtpengine and
   relays; the baseline relays to the phone with the media anchored the
   same way. Each side's highest rate that completes every call (failed
   at most 0.1%, retransmitted at most 1%: see MAX_FAILED), found by
   stepping the SIPp rate up by 1.5x, then bisecting twice; the two
   sides take turns, step by step, so both see the same machine. Then
   the product at 0.7x the baseline's rate, for the failed-call
   percentage.
2. REGISTER with digest authentication (REGISTER, 401, REGISTER, 200):
   the product fetches the HA1 from the registrar over the bus and
   saves the binding in PostgreSQL; the baseline checks a fixed HA1 and
   answers 200. Highest clean rate of each, the same way.
3. The router's `route` over the bus (build/bin/bench-router route) for
   the same company's fixed number, against `ping` on the same server.

rtpengine is started here, not by stack.sh: the stack's (1,000 ports,
sessions kept 30 s after their delete) runs out of ports after about
250 calls in 30 s, and a call whose offer fails still connects, with
its media not anchored. This one has the same flags but a wider port
range and --delete-delay=0; both Kamailios use it, and every step
counts the rtpengine errors its Kamailio logged (over 0.1% of the
calls: not clean).

Every step also reads the CPU time of each component from /proc (per
completed call) and how much of the machine other work took: the table
at the end says what limits each side.

Timing never fails the run; only a benchmark that cannot run does.
OV_BENCH_SECONDS (default 5) is the length of one SIPp step;
OV_BENCH_SIP_PARTS (default "calls,register,route") runs only some;
OV_KEEP_RUN=1 keeps the run directory (logs, SIPp statistics).
"""
import csv
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from admin_api import Api  # noqa: E402
from calls import Company  # noqa: E402
from conftest import (Stack, free_base, free_udp_port, port_free,  # noqa: E402
                      wait_until)

STEP_S = float(os.environ.get("OV_BENCH_SECONDS", "5"))
# Which parts to run (all by default): "calls,register,route".
PARTS = os.environ.get("OV_BENCH_SIP_PARTS", "calls,register,route").split(",")
# The same for the product's Kamailio and the baseline (kamailio.sh
# reads both): enough shared memory for the transactions of a few
# thousand calls/s (they linger 5 s), and pike out of the way (every
# SIPp sends from 127.0.0.1). Pike keeps its limit in 16 bits: 65535
# is the most it takes (1,000,000 wraps to 16,960, which blocked
# 127.0.0.1 at 8,500 requests/s).
KAMAILIO_ENV = {"OV_KAMAILIO_SHM_MB": "512", "OV_PIKE_DENSITY": "65535"}
# A rate is sustained when at most MAX_FAILED of the calls failed (or
# connected without media anchoring), at most MAX_RETRANS were sent
# again (a reply over 500 ms late: a queue is building) and SIPp kept
# up with at least MIN_COMPLETED of the offered rate (on a busy machine
# the caller's SIPp may fall a little behind: the rate reported is
# always the completed one).
MAX_FAILED = 0.001
MAX_RETRANS = 0.01
MIN_COMPLETED = 0.8
CALLER = "3331234567"
HOLD_MS = 100
# Our rtpengine's RTP ports: above every stack's range (free_base picks
# bases up to 60000, each with BASE+100..BASE+1099) and above Linux's
# ephemeral ports; 3,800 ports hold about 950 calls at once.
RTP_PORTS = (61200, 64999)
# The stack without its rtpengine (ours takes its ng port) and without
# the IVR: these calls' plans have no announce step, so nothing on
# their path asks it.
STACK_PROCS = "postgres smtp registrar admin router notify kamailio"
CALL_TARGET = 0.7
REG_TARGET = 0.5
ROUTE_LOAD = 0.8
ROUTE_TARGET_US = 1000
# Route round trips sampled per second beside the calls (about a
# quarter more route requests than the calls make themselves).
SAMPLE_RATE = 100


class Step:
    """One SIPp run at a fixed offered rate."""

    def __init__(self, offered, stats, seconds, media_errors=0, cpu=None):
        self.offered = offered
        # CPU seconds by component over the step (Cpu.delta)
        self.cpu = cpu or {}
        # Calls whose media rtpengine did not anchor (Kamailio logged
        # an rtpengine error): they connected, but not the whole path.
        self.media_errors = media_errors
        last = stats[-1] if stats else {}
        self.ok = int(last.get("SuccessfulCall(C)", 0))
        self.failed = int(last.get("FailedCall(C)", 0))
        # Calls SIPp was told to make and did not end (it was stopped,
        # or never started) count as failed.
        self.failed += max(0, int(round(offered * seconds)) - self.ok -
                           self.failed)
        self.total = self.ok + self.failed
        self.retrans = int(last.get("Retransmissions(C)", 0))
        self.rate = window_rate(stats, seconds)
        self.rtt_ms = ms(last.get("ResponseTime1(C)", ""))

    @property
    def failed_pct(self):
        return 100.0 * self.failed / self.total if self.total else 100.0

    @property
    def clean(self):
        return (self.total > 0 and self.failed <= MAX_FAILED * self.total
                and self.media_errors <= MAX_FAILED * self.total
                and self.retrans <= MAX_RETRANS * self.total
                and self.rate >= MIN_COMPLETED * self.offered)

    def __str__(self):
        return (f"offered {self.offered:>6}/s  completed {self.rate:>7.0f}/s  "
                f"ok {self.ok:>6}  failed {self.failed:>5} "
                f"({self.failed_pct:.2f}%)  retrans {self.retrans:>5}  "
                f"rtpengine errors {self.media_errors:>4}  "
                f"->200 {self.rtt_ms:>5.0f} ms  "
                f"{'clean' if self.clean else 'NOT sustained'}")


def ms(hhmmss):
    """SIPp's "HH:MM:SS:micro" as milliseconds."""
    try:
        h, m, s, us = (int(x) for x in hhmmss.split(":"))
    except ValueError:
        return 0.0
    return ((h * 60 + m) * 60 + s) * 1000 + us / 1000


def stamp(row):
    # CurrentTime is "date\ttime\tunix.micro".
    return float(row["CurrentTime"].split("\t")[-1])


def window_rate(stats, seconds):
    """Calls completed per second while SIPp was sending: between the
    dump after the first second and the last dump before it stopped
    sending (the start and the tail are left out)."""
    if len(stats) < 2:
        return 0.0
    t0 = stamp(stats[0])
    inside = [r for r in stats if 0.9 <= stamp(r) - t0 <= seconds + 0.2]
    if len(inside) < 2:
        inside = stats
    a, b = inside[0], inside[-1]
    dt = stamp(b) - stamp(a)
    if dt <= 0:
        return 0.0
    return (int(b["SuccessfulCall(C)"]) - int(a["SuccessfulCall(C)"])) / dt


class Sipp:
    """Runs SIPp scenarios of bench/sip in a scratch directory."""

    def __init__(self, work, cpu=None):
        self.work = work
        self.n = 0
        self.cpu = cpu

    def step(self, scenario, args, local_port, target_port, rate,
             kamailio_log=None, seconds=None):
        seconds = seconds or STEP_S
        self.n += 1
        watch = LogWatch(kamailio_log) if kamailio_log else None
        before = self.cpu.sample() if self.cpu else None
        stf = os.path.join(self.work, f"step{self.n}.csv")
        total = max(1, int(round(rate * seconds)))
        cmd = ["sipp", "-sf", os.path.join(HERE, scenario),
               "-i", "127.0.0.1", "-p", str(local_port), *args,
               "-r", str(rate), "-rp", "1000", "-m", str(total),
               "-l", str(max(500, rate)), "-recv_timeout", "3000",
               "-nostdin", "-trace_stat", "-stf", stf, "-fd", "1",
               f"127.0.0.1:{target_port}"]
        err = b""
        try:
            err = subprocess.run(cmd, cwd=self.work,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE,
                                 timeout=seconds + 60).stderr
        except subprocess.TimeoutExpired:
            pass  # the calls it did not end count as failed
        cpu = self.cpu.delta(before) if self.cpu else None
        stats = []
        if os.path.exists(stf):
            with open(stf, newline="") as f:
                stats = list(csv.DictReader(f, delimiter=";"))
        if not stats:
            print(f"  sipp wrote no statistics: "
                  f"{err.decode(errors='replace')[-500:]}", file=sys.stderr)
        return Step(rate, stats, seconds, watch.errors() if watch else 0,
                    cpu)


class Cpu:
    """CPU time of the processes a step exercises, by component: each
    named pid and all its descendants (Kamailio's workers, PostgreSQL's
    backends), from /proc, plus the whole machine's busy time."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, roots):
        self.roots = roots  # name -> pid

    @staticmethod
    def _procs():
        out = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    st = f.read()
            except OSError:
                continue
            # The command may hold spaces and parentheses: split after
            # its last ")".
            rest = st[st.rfind(")") + 2:].split()
            out[int(d)] = (int(rest[1]), int(rest[11]) + int(rest[12]))
        return out

    def sample(self):
        procs = self._procs()
        children = {}
        for pid, (ppid, _) in procs.items():
            children.setdefault(ppid, []).append(pid)
        res = {}
        for name, root in self.roots.items():
            total, todo = 0, [root]
            while todo:
                pid = todo.pop()
                if pid in procs:
                    total += procs[pid][1]
                todo.extend(children.get(pid, []))
            res[name] = total / self.TICK
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        # user nice system idle iowait irq softirq steal
        res["machine busy"] = (sum(v[:8]) - v[3] - v[4]) / self.TICK
        res["machine"] = sum(v[:8]) / self.TICK
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        res["sipp"] = ru.ru_utime + ru.ru_stime  # the UAC runs we waited for
        return res

    def delta(self, before):
        after = self.sample()
        d = {k: after[k] - before[k] for k in after}
        # The phone's SIPp counts with the caller's.
        d["sipp"] += d.pop("phone", 0.0)
        return d


class LogWatch:
    """Counts the rtpengine errors a Kamailio logs from now on."""

    def __init__(self, path):
        self.path = path
        self.at = os.path.getsize(path) if os.path.exists(path) else 0

    def errors(self):
        n = 0
        with open(self.path, "rb") as f:
            f.seek(self.at)
            for line in f:
                if b"ERROR" in line and b"rtpengine" in line:
                    n += 1
        return n


class Rtpengine:
    """rtpengine as stack.sh starts it, on the stack's ng port, with
    RTP_PORTS and no delete delay (see the top of this file)."""

    def __init__(self, run_dir, base):
        self.port = base + 2
        os.makedirs(os.path.join(run_dir, "log"), exist_ok=True)
        self.log = os.path.join(run_dir, "log", "rtpengine.log")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                ["rtpengine", "--config-file=none", "--table=-1",
                 "--interface=127.0.0.1",
                 f"--listen-ng=127.0.0.1:{self.port}",
                 f"--port-min={RTP_PORTS[0]}", f"--port-max={RTP_PORTS[1]}",
                 "--delete-delay=0", "--foreground", "--log-stderr",
                 "--log-level=5"],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        probe = [sys.executable, os.path.join(ROOT, "scripts", "probe.py"),
                 "ng", "127.0.0.1", str(self.port)]
        try:
            wait_until(lambda: self.proc.poll() is not None or
                       subprocess.run(probe).returncode == 0, 10,
                       "rtpengine", interval=0.1)
        except AssertionError:
            stop_session(self.proc)
            raise
        if self.proc.poll() is not None:
            raise RuntimeError(f"rtpengine exited; see {self.log}")


def search(start, factor=1.5, limit=30000, refine=2):
    """Yields the offered rates to try and is sent each one's Step: up
    by `factor` until a step is not clean, then `refine` bisections
    between the best clean and the first unclean rate."""
    good = bad = None
    rate = start
    while rate <= limit:
        m = yield rate
        if not m.clean:
            bad = m
            break
        good = m
        rate = int(rate * factor)
    if good is None and bad is not None:
        # Not even the first step: go down instead.
        rate = start
        for _ in range(3):
            rate = max(1, rate // 2)
            m = yield rate
            if m.clean:
                good = m
                break
            bad = m
    for _ in range(refine):
        if not (good and bad) or bad.offered - good.offered < 20:
            break
        m = yield (good.offered + bad.offered) // 2
        if m.clean:
            good = m
        else:
            bad = m


def find_max(sides, start):
    """Runs search() for every side ({name: run(rate) -> Step}), one
    step of each in turn, so that both see the same machine (other
    work on it comes and goes). Returns {name: (best clean Step or
    None, [every Step])}."""
    gens = {name: search(start) for name in sides}
    nxt = {name: next(g) for name, g in gens.items()}
    steps = {name: [] for name in sides}
    while nxt:
        for name in list(nxt):
            m = sides[name](nxt[name])
            steps[name].append(m)
            print(f"  {name:<9} {m}", flush=True)
            # An unclean step leaves retransmissions and transactions
            # behind: let them end before the next.
            time.sleep(1 if m.clean else 4)
            try:
                nxt[name] = gens[name].send(m)
            except StopIteration:
                del nxt[name]
    return {name: (max((m for m in st if m.clean), key=lambda m: m.rate,
                       default=None), st) for name, st in steps.items()}


class Baseline:
    """The baseline Kamailio: scripts/kamailio.sh with the bench hooks,
    its own port and run directory, the stack's rtpengine and bus URLs
    (never used: the hooks return before any bus call)."""

    def __init__(self, stack, static_uri, static_ha1):
        self.dir = os.path.join(stack.run_dir, "baseline")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_sip_port(avoid=(int(stack.env["OV_SIP_PORT"]),))
        env = dict(os.environ, **KAMAILIO_ENV)
        env.update({
            "OV_SIP_ADDR": "127.0.0.1",
            "OV_SIP_PORT": str(self.port),
            "OV_RUN_DIR": self.dir,
            "OV_ROUTER_URL": stack.env["OV_ROUTER_URL"],
            "OV_REGISTRAR_URL": stack.env["OV_REGISTRAR_URL"],
            "OV_RTPENGINE": stack.env["OV_RTPENGINE_NG"],
            "OV_TRUNK_SOURCES": f"127.0.0.1:{stack.env['OV_TRUNK_IN_PORT']}",
            "OV_TRUNK_URI": f"sip:127.0.0.1:{stack.env['OV_TRUNK_OUT_PORT']}",
            "OV_BENCH_STATIC_URI": static_uri,
            "OV_BENCH_STATIC_HA1": static_ha1,
        })
        self.log = os.path.join(self.dir, "kamailio.log")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                ["bash", os.path.join(ROOT, "scripts", "kamailio.sh")],
                env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until(lambda: self.proc.poll() is not None or subprocess.run(
                [sys.executable, os.path.join(ROOT, "scripts", "probe.py"),
                 "sip", "127.0.0.1", str(self.port)]).returncode == 0,
                15, "the baseline Kamailio", interval=0.1)
        except AssertionError:
            self.stop()
            raise
        if self.proc.poll() is not None:
            with open(self.log, errors="replace") as f:
                tail = f.read()[-3000:]
            raise RuntimeError(f"the baseline Kamailio exited:\n{tail}")

    def stop(self):
        stop_session(self.proc)


def stop_session(proc, grace=15):
    """SIGTERM the session proc leads (we started it with
    start_new_session), then SIGKILL after a grace."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def free_sip_port(avoid=()):
    import socket
    for _ in range(50):
        p = free_udp_port()
        if p not in avoid and port_free(p) and port_free(p, socket.SOCK_DGRAM):
            return p
    raise RuntimeError("no free port for the baseline Kamailio")


def phone(stack, port, work):
    """The SIPp phone answering every call, for the whole run."""
    log = open(os.path.join(work, "uas.log"), "ab")
    cmd = ["sipp", "-sf", os.path.join(HERE, "uas.xml"), "-i", "127.0.0.1",
           "-p", str(port), "-recv_timeout", "5000", "-nostdin"]
    p = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL,
                         stderr=log, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    log.close()
    time.sleep(0.3)
    if p.poll() is not None:
        raise RuntimeError("the SIPp phone did not start; see uas.log")
    return p


def call_args(company):
    return ["-s", company.national, "-key", "from", CALLER, "-key",
            "domain", company.domain, "-d", str(HOLD_MS)]


def register_args(company, sip):
    return ["-s", sip["username"], "-key", "domain", company.domain,
            "-key", "expires", "600", "-au", sip["auth_username"],
            "-ap", sip["password"]]


def calls_ok(sipp, company, target_port, trunk, log):
    """A few calls first, so a broken setup fails loudly, not as a
    rate: every one connected, with its media anchored."""
    m = sipp.step("uac.xml", call_args(company), trunk, target_port, 5,
                  log, seconds=1)
    return m.ok == 5 and m.failed == 0 and m.media_errors == 0


def route_bench(stack, company):
    exe = os.path.join(ROOT, "build", "bin", "bench-router")
    r = subprocess.run([exe, "route", "--url", stack.env["OV_ROUTER_URL"],
                        "--to", company.national, "--from", CALLER],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"bench-router route failed:\n{r.stdout}\n"
                           f"{r.stderr}")
    return r.stdout


def route_under_load(stack, company, sipp, calls_step, rate):
    """bench-router route --rate beside SIPp calling at `rate` (80% of
    the full stack's maximum): the round trip a call sees while the
    stack carries that load. Returns (Step, sampler output)."""
    exe = os.path.join(ROOT, "build", "bin", "bench-router")
    seconds = max(3.0, STEP_S)
    sampler = subprocess.Popen(
        [exe, "route", "--url", stack.env["OV_ROUTER_URL"], "--to",
         company.national, "--from", CALLER, "--threads", "1",
         "--rate", str(SAMPLE_RATE), "--seconds", str(seconds)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # The calls start with the sampler and outlast both of its runs.
    step = calls_step(rate, 2 * seconds + 2)
    out, _ = sampler.communicate(timeout=120)
    return step, out


def met(ok):
    return "met" if ok else "NOT met"


def ratio(a, b):
    return a.rate / b.rate if a and b and b.rate else 0.0


COMPONENTS = ("kamailio", "router", "registrar", "postgres", "rtpengine",
              "sipp")


def cpu_table(title, rows):
    """CPU per completed call by component, and how busy the rest of
    the machine was (other work on it: noise)."""
    print(f"{title:28}" + "".join(f"{c:>10}" for c in COMPONENTS) +
          f"{'total':>8}{'others':>9}")
    for label, kam, m in rows:
        if m is None or not m.cpu or not m.ok:
            continue
        c = dict(m.cpu)
        c["kamailio"] = c[kam]
        ours = sum(c[k] for k in COMPONENTS)
        everything = ours + c["baseline" if kam == "full" else "full"]
        wall = c["machine"] / (os.cpu_count() or 1)
        others = max(0.0, c["machine busy"] - everything) / wall
        print(f"{label:28}" + "".join(f"{c[k] * 1e6 / m.ok:>10.0f}"
                                      for k in COMPONENTS) +
              f"{ours * 1e6 / m.ok:>8.0f}{others:>6.2f} cpu")


def report(r):
    calls_b, calls_p, at_target = r["calls_b"], r["calls_p"], r["at_target"]
    reg_b, reg_p = r["reg_b"], r["reg_p"]
    calls, regs = "calls" in PARTS, "register" in PARTS
    print()
    if calls or regs:
        shm = KAMAILIO_ENV["OV_KAMAILIO_SHM_MB"]
        print(f"bench-sip: Kamailio 5.6 for both (same cfg and Lua, -m "
              f"{shm} -M 8,\ndefault allocator, 4 UDP workers), rtpengine, "
              f"SIPp at both ends, {os.cpu_count()} CPUs shared;\n"
              f"{STEP_S:g} s per step; sustained: failed <= "
              f"{MAX_FAILED * 100:g}%, media anchored, retransmitted <= "
              f"{MAX_RETRANS * 100:g}%;\nthe rate is the completed calls/s "
              f"of the best sustained step\n")

    def row(label, s):
        if s is None:
            print(f"{label:44}{'none sustained':>20}")
        else:
            print(f"{label:44}{s.rate:>10.0f}{s.failed_pct:>10.2f}"
                  f"{s.rtt_ms:>10.1f}")

    if calls:
        print(f"{'':44}{'calls/s':>10}{'failed %':>10}{'->200 ms':>10}")
        row("call setup, baseline (static route)", calls_b)
        row("call setup, full stack (router plan)", calls_p)
        print(f"{'ratio full / baseline':44}"
              f"{ratio(calls_p, calls_b):>9.2f}x")
        if at_target:
            row(f"full stack at {CALL_TARGET}x baseline "
                f"({at_target.offered}/s offered)", at_target)
        print()
    if regs:
        print(f"{'':44}{'reg/s':>10}{'failed %':>10}{'->200 ms':>10}")
        row("REGISTER+auth, baseline (fixed HA1)", reg_b)
        row("REGISTER+auth, full stack (registrar, PG)", reg_p)
        print(f"{'ratio full / baseline':44}{ratio(reg_p, reg_b):>9.2f}x")
        print()
    if calls or regs:
        print("CPU per completed call or registration (us) at those rates:")
        cpu_table("", [("call, baseline", "baseline", calls_b),
                       ("call, full stack", "full", calls_p),
                       ("REGISTER, baseline", "baseline", reg_b),
                       ("REGISTER, full stack", "full", reg_p)])
        print()
    if r["route"]:
        print(r["route"].rstrip())
        print()
    loaded_p99 = None
    if r["loaded"]:
        m, out = r["loaded"]
        print(f"route round trip while the full stack carries "
              f"{m.offered} calls/s ({ROUTE_LOAD:g}x its max; "
              f"{m.rate:.0f} completed,\n{m.failed_pct:.2f}% failed), "
              f"sampled by bench-router route --rate {SAMPLE_RATE}:")
        print("\n".join(line for line in out.splitlines()
                        if not line.startswith("sampled:")).rstrip())
        for line in out.splitlines():
            if line.startswith("sampled:"):
                loaded_p99 = float(line.split()[3])
        print()
    cr, rr = ratio(calls_p, calls_b), ratio(reg_p, reg_b)
    print("targets (reported only: timing never fails the run)")
    if calls:
        print(f"  calls/s full stack >= {CALL_TARGET}x baseline     "
              f"{cr:>8.2f}x  {met(cr >= CALL_TARGET)}")
    if at_target:
        ok = at_target.total > 0 and at_target.failed_pct < 0.1
        print(f"  failed calls < 0.1% at {CALL_TARGET}x baseline   "
              f"{at_target.failed_pct:>8.2f}%  {met(ok)}")
    if regs:
        print(f"  REGISTER/s full stack >= {REG_TARGET}x baseline  "
              f"{rr:>8.2f}x  {met(rr >= REG_TARGET)}")
    for line in r["route_targets"]:
        print(line)
    if loaded_p99 is not None:
        print(f"  route p99 at {ROUTE_LOAD:g}x max calls/s <= 1 ms      "
              f"{loaded_p99 / 1000:>7.2f} ms  "
              f"{met(loaded_p99 <= ROUTE_TARGET_US)}")


def main():
    for tool in ("sipp", "kamailio", "psql"):
        if not shutil.which(tool):
            sys.exit(f"bench sip: {tool} is missing (scripts/deps.sh)")
    exe = os.path.join(ROOT, "build", "bin", "bench-router")
    if not os.access(exe, os.X_OK):
        sys.exit(f"bench sip: {exe} is missing; run make")
    # SIGTERM (a stopped `make bench`) stops everything, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run_dir = tempfile.mkdtemp(prefix="ov-bench-sip-")
    os.chmod(run_dir, 0o755)
    work = os.path.join(run_dir, "sipp")
    os.makedirs(work)
    # The product's Kamailio gets the same settings as the baseline.
    os.environ.update(KAMAILIO_ENV)
    os.environ["OV_STACK_PROCS"] = STACK_PROCS
    stack = Stack(run_dir, free_base())
    started = []
    res = {"at_target": None, "calls_b": None, "calls_p": None,
           "reg_b": None, "reg_p": None, "route": "", "route_targets": [],
           "loaded": None}
    try:
        rtp = Rtpengine(run_dir, stack.base)
        started.append(rtp.proc)
        stack.up()
        key = stack.ovctl("apikey", "create", "bench").stdout.strip()
        operator = Api(stack.env["OV_ADMIN_HTTP"], key)
        company = Company(stack, operator, [
            ("Telefono Banco", "Banco", "01"),
            ("Registro Prova", "Registro", "02")])
        # Concurrent calls are capped per tenant (10 by default): lift
        # the cap to the most admin allows, so it is not what is measured.
        r = operator.patch(f"/v1/tenants/{company.id}", {"max_calls": 1000})
        if r.status != 200:
            raise RuntimeError(f"PATCH max_calls: {r}")
        company.ringing("sequential", ["Banco"], rings=3)
        company.apply()
        uas_port = free_udp_port()
        r = company.register("Banco", uas_port, expires=3600)
        if r.returncode != 0:
            raise RuntimeError("the bench phone could not register:\n" +
                               r.stdout[-2000:] + r.stderr[-2000:])
        phone_proc = phone(stack, uas_port, work)
        started.append(phone_proc)
        reg = company.users["Registro"]["sip"]
        ha1 = hashlib.md5(f"{reg['auth_username']}:{company.domain}:"
                          f"{reg['password']}".encode()).hexdigest()
        base = Baseline(stack, f"sip:127.0.0.1:{uas_port}", ha1)
        started.append(base.proc)

        def pid(name):
            with open(os.path.join(run_dir, "pid", f"{name}.pid")) as f:
                return int(f.read().strip())

        cpu = Cpu({"full": pid("kamailio"), "baseline": base.proc.pid,
                   "router": pid("router"), "registrar": pid("registrar"),
                   "postgres": pid("postgres"), "rtpengine": rtp.proc.pid,
                   "phone": phone_proc.pid})
        sipp = Sipp(work, cpu)
        trunk = stack.trunk_in
        product_port = int(stack.env["OV_SIP_PORT"])
        logs = {base.port: base.log,
                product_port: stack.log_path("kamailio")}
        for name, port in (("baseline", base.port), ("full", product_port)):
            if not calls_ok(sipp, company, port, trunk, logs[port]):
                raise RuntimeError(f"calls through the {name} side "
                                   "failed (OV_KEEP_RUN=1 keeps the logs)")

        def calls(port):
            return lambda rate, seconds=None: sipp.step(
                "uac.xml", call_args(company), trunk, port, rate,
                logs[port], seconds)

        if "calls" in PARTS:
            print("call setup (INVITE, 200, ACK, BYE), stepping the rate:",
                  flush=True)
            found = find_max({"baseline": calls(base.port),
                              "full": calls(product_port)}, 100)
            res["calls_b"] = found["baseline"][0]
            res["calls_p"] = found["full"][0]
            if res["calls_b"]:
                rate = max(1, int(res["calls_b"].rate * CALL_TARGET))
                m = calls(product_port)(rate)
                print(f"  {'full@0.7x':<9} {m}", flush=True)
                res["at_target"] = m
                time.sleep(2)

        reg_port = free_udp_port()

        def registers(port):
            return lambda rate: sipp.step("register.xml",
                                          register_args(company, reg),
                                          reg_port, port, rate, logs[port])

        if "register" in PARTS:
            print("REGISTER with digest authentication, stepping the rate:",
                  flush=True)
            found = find_max({"baseline": registers(base.port),
                              "full": registers(product_port)}, 250)
            res["reg_b"], res["reg_p"] = found["baseline"][0], found["full"][0]

        if "route" in PARTS and res["calls_p"]:
            rate = max(1, int(res["calls_p"].rate * ROUTE_LOAD))
            print(f"bus route round trip beside {rate} calls/s "
                  f"({ROUTE_LOAD:g}x the full stack's max):", flush=True)
            m, out = route_under_load(stack, company, sipp,
                                      calls(product_port), rate)
            print(f"  {'full':<9} {m}", flush=True)
            res["loaded"] = (m, out)
            time.sleep(2)

        if "route" in PARTS:
            print("bus route round trip (bench-router route):", flush=True)
            out = route_bench(stack, company)
            res["route"] = "\n".join(line for line in out.splitlines()
                                     if not line.startswith("target:"))
            res["route_targets"] = ["  " + line[len("target:"):].strip()
                                    for line in out.splitlines()
                                    if line.startswith("target:")]
    finally:
        for p in reversed(started):
            stop_session(p)
        stack.down()
        if os.environ.get("OV_KEEP_RUN") != "1":
            shutil.rmtree(run_dir, ignore_errors=True)
    report(res)


if __name__ == "__main__":
    main()
