#!/usr/bin/env python3
"""bench/ivr/announce.py: how many simultaneous announcements one IVR and
one rtpengine sustain (issue 7: at least 100 with no RTP gap over 40 ms
at the receivers).

A private stack (scripts/stack.sh: PostgreSQL, the services with the
IVR, Kamailio) on free ports, and our own rtpengine on its ng port with
a wide RTP port range and --delete-delay=0 (as bench/sip starts it: the
stack's 1,000 ports held 30 s after each call would run out). A company
is made through the admin REST API (tests/integration/calls.py) with a
closed message whose opening hours exclude today, so it is closed now;
its tenant's max_calls is raised with PATCH /v1/tenants/{id}. The IVR
pre-renders the prompt at apply; its length is the preview's
duration_ms (GET /v1/messages/closed/preview).

One step per N: 25, 50, 100, 150, then 200 and 300 while each step
meets the target and the run stays under about 3 minutes. Stepping
stops early after a step far from it (over 10% of the calls failed or
without the whole prompt) or a step not met at N >= 150.

1. Calls. N UDP receivers in this process (one thread, epoll), each on
   its own port; one SIPp (bench/ivr/announce.xml) places N calls from
   the carrier's trunk port at N per 2 s (-r N -rp 2000 -l N -m N), an
   injection file (-inf) giving each call's SDP its receiver's port.
   Each call gets 183 with rtpengine's SDP, the IVR has rtpengine play
   the prompt into it, then 480. With a prompt of about 11 s, all N
   play at once for most of it (the report prints how long).
2. Baseline, the same N receivers (new ports), fed by a plain Python
   sender in another process pacing one 20 ms PCMA packet to every
   port per tick (absolute deadlines), for as many packets as the
   prompt has: the gaps this VM shows with a sender that does nothing
   else.

Arrival times are the kernel's (SO_TIMESTAMPNS: on loopback, stamped
as the sender's packet is queued to the receiving socket), so the Python
reader's own scheduling does not count; the worst gap the reader itself
saw is printed too. Per receiver, from its first packet to its last: the
largest gap between two packets, packets missing by RTP sequence number,
and the audio that arrived from the first to the last packet with sound
(RMS over 300, as tests/integration/rtp.py) — a call got the whole
prompt when that is at least 90% of duration_ms.

Per step: calls SIPp completed (183 then 480), calls whose message
Kamailio skipped (edge.announce_failed/_skipped in its log: 480 without
the prompt), receivers with the whole prompt, the worst and the p99 of
the per-receiver largest gap, receivers with a gap over 40 ms, those
gaps split into the ones while calls were still being set up (before
the last stream's first packet) and after, and grouped into moments
(gaps ending within 100 ms of each other: one stall of many streams);
the ratio of the gaps to the baseline's; the CPU that rtpengine, the
IVR, Kamailio, the router, SIPp, the receivers and the rest of the
machine used while the calls ran.

A step meets the target when every call completed, every receiver got
the whole prompt and none saw a gap over 40 ms. Timing never fails the
run; only a benchmark that cannot run does (no call completes, no
receiver hears anything in the first step).

Knobs: OV_BENCH_ANNOUNCE_STEPS ("100,150": only these N, in order);
OV_BENCH_ANNOUNCE_LANGS (default "it", about 11 s; "it,en" is about
22 s); OV_BENCH_ANNOUNCE_RAMP_S (default 2: N calls per that many
seconds); OV_BENCH_RTPENGINE_ARGS (extra rtpengine flags, to try a
lever such as "--scheduling=fifo --priority=10"; the product's flags
are scripts/stack.sh's); OV_KEEP_RUN=1 keeps the run directory (logs,
SIPp statistics and error files).
"""
import argparse
import bisect
import csv
import datetime
import importlib.util
import math
import os
import resource
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zoneinfo

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))

TARGET_N = 100
GAP_MS = 40.0
WHOLE = 0.9  # share of duration_ms that makes the whole prompt
PLANNED = [25, 50, 100, 150]
EXTRA = [200, 300]  # only while clean and within the time budget
BUDGET_S = 170  # the steps' share of about 3 minutes
PACKET_MS = 20
# The calls of a step are placed over this many seconds (N / RAMP_S per
# second): 2 s puts every call's set-up inside the prompt's first fifth.
RAMP_S = float(os.environ.get("OV_BENCH_ANNOUNCE_RAMP_S", "2"))
# Our rtpengine's RTP ports: above Linux's ephemeral ports (32768-60999,
# where the receivers' ports come from) and every stack's range; 2,000
# ports hold 500 calls (4 each). bench/sip's rtpengine uses 61200-64999:
# the two are meant to run one after the other, as bench/run.sh does.
RTP_PORTS = (63000, 64999)
STACK_PROCS = "postgres smtp registrar admin router ivr notify kamailio"
KAMAILIO_ENV = {"OV_KAMAILIO_SHM_MB": "512", "OV_PIKE_DENSITY": "65535"}
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday"]
# Extra rtpengine flags, to try a lever (the product's are stack.sh's).
RTPENGINE_ARGS = os.environ.get("OV_BENCH_RTPENGINE_ARGS", "").split()
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux


# ---- G.711: loudness of a payload, and a tone for the baseline ----

def _alaw(b):
    b ^= 0x55
    t = (b & 0x0F) << 4
    seg = (b & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if b & 0x80 else -t


def _ulaw(b):
    b = ~b & 0xFF
    t = ((b & 0x0F) << 3) + 0x84
    t <<= (b & 0x70) >> 4
    return (0x84 - t) if b & 0x80 else (t - 0x84)


ALAW = [_alaw(i) for i in range(256)]
SQUARE = {8: [v * v for v in ALAW], 0: [_ulaw(i) ** 2 for i in range(256)]}
LOUD_RMS = 300


def loud(pt, payload):
    if not payload:
        return False
    sq = SQUARE[pt]
    return sum(sq[b] for b in payload) > LOUD_RMS * LOUD_RMS * len(payload)


def tone():
    """160 PCMA bytes of a 400 Hz tone (20 ms, whole periods)."""
    codes = sorted(range(256), key=lambda c: ALAW[c])
    values = [ALAW[c] for c in codes]
    out = bytearray()
    for i in range(160):
        v = 8000 * math.sin(2 * math.pi * 400 * i / 8000)
        j = bisect.bisect_left(values, v)
        j = min(range(max(0, j - 1), min(256, j + 1)),
                key=lambda k: abs(values[k] - v))
        out.append(codes[j])
    return bytes(out)


# ---- the baseline sender (run as a separate process: --send) ----

def send_main(ports, packets):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    payload = tone()
    dests = [("127.0.0.1", p) for p in ports]
    t0 = time.monotonic() + 0.05
    for k in range(packets):
        wait = t0 + k * PACKET_MS / 1000 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        pkt = struct.pack("!BBHII", 0x80, 8, k & 0xFFFF,
                          (k * 160) & 0xFFFFFFFF, 0x0B5E1) + payload
        for d in dests:
            s.sendto(pkt, d)
    return 0


# ---- the receivers ----

class Receivers:
    """N UDP sockets on 127.0.0.1, read by one thread through epoll;
    every datagram kept with the kernel's arrival time and the time the
    reader got it (both CLOCK_REALTIME, ns)."""

    def __init__(self, n):
        self.sel = selectors.DefaultSelector()
        self.socks = []
        self.got = [[] for _ in range(n)]
        for i in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            s.bind(("127.0.0.1", 0))
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, i)
            self.socks.append(s)
        self.ports = [s.getsockname()[1] for s in self.socks]
        self._stop = False
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        space = socket.CMSG_SPACE(16)
        while not self._stop:
            for key, _ in self.sel.select(0.1):
                s, out = key.fileobj, self.got[key.data]
                while True:
                    try:
                        data, anc, _, _ = s.recvmsg(2048, space)
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        return
                    now = time.time_ns()
                    ts = now
                    for level, kind, cd in anc:
                        if (level == socket.SOL_SOCKET and
                                kind == SO_TIMESTAMPNS and len(cd) >= 16):
                            sec, nsec = struct.unpack("qq", cd[:16])
                            ts = sec * 1_000_000_000 + nsec
                    out.append((ts, now, data))

    def close(self):
        self._stop = True
        self._t.join(timeout=2)
        for s in self.socks:
            self.sel.unregister(s)
            s.close()
        self.sel.close()


class Stream:
    """What one receiver got: G.711 RTP packets from first to last."""

    def __init__(self, got):
        pkts = []
        for ts, now, d in got:
            if len(d) < 12 or d[0] >> 6 != 2:
                continue
            pt = d[1] & 0x7F
            if pt not in SQUARE:
                continue
            off = 12 + 4 * (d[0] & 0x0F)
            pkts.append((ts, now, struct.unpack("!H", d[2:4])[0], pt,
                         d[off:]))
        pkts.sort(key=lambda p: p[0])
        self.packets = len(pkts)
        self.gap_ms = self.reader_gap_ms = 0.0
        self.audio_ms = 0.0
        self.lost = 0
        self.start = self.end = None
        # (arrival of the packet after the gap, ns; gap, ms) over GAP_MS
        self.long_gaps = []
        if not pkts:
            return
        self.start, self.end = pkts[0][0], pkts[-1][0]
        self.gap_ms = max((b[0] - a[0] for a, b in zip(pkts, pkts[1:])),
                          default=0) / 1e6
        self.long_gaps = [(b[0], (b[0] - a[0]) / 1e6)
                          for a, b in zip(pkts, pkts[1:])
                          if b[0] - a[0] > GAP_MS * 1e6]
        reader = sorted(p[1] for p in pkts)
        self.reader_gap_ms = max((b - a for a, b in zip(reader, reader[1:])),
                                 default=0) / 1e6
        # Missing by sequence number (16 bits, wrapping), in arrival order.
        seqs, ext, last = set(), 0, None
        for p in pkts:
            if last is not None:
                ext += (p[2] - last + 0x8000) % 0x10000 - 0x8000
            last = p[2]
            seqs.add(ext)
        self.lost = max(seqs) - min(seqs) + 1 - len(seqs)
        first = next((i for i, p in enumerate(pkts) if loud(p[3], p[4])),
                     None)
        if first is None:
            return
        last_loud = next(i for i in range(len(pkts) - 1, -1, -1)
                         if loud(pkts[i][3], pkts[i][4]))
        self.audio_ms = sum(len(p[4]) for p in
                            pkts[first:last_loud + 1]) / 8


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))] if xs else 0.0


class Phase:
    """One phase (calls or baseline) of one step, summarised."""

    def __init__(self, n, streams, expected_ms):
        self.n = n
        heard = [s for s in streams if s.packets]
        self.heard = len(heard)
        self.whole = sum(1 for s in streams
                         if s.audio_ms >= WHOLE * expected_ms)
        gaps = [s.gap_ms for s in heard]
        self.worst = max(gaps, default=0.0)
        self.p99 = pct(gaps, 99)
        self.over = sum(1 for g in gaps if g > GAP_MS)
        self.lost = sum(s.lost for s in heard)
        self.packets = sum(s.packets for s in heard)
        self.reader_worst = max((s.reader_gap_ms for s in heard),
                                default=0.0)
        # How long all the whole streams played at the same time (a call
        # whose play the IVR gave up on may still get a few packets).
        full = [s for s in heard if s.audio_ms >= WHOLE * expected_ms]
        self.overlap_s = max(0.0, (min(s.end for s in full) -
                                   max(s.start for s in full)) / 1e9) \
            if full else 0.0
        self.spread_s = (max(s.start for s in heard) -
                         min(s.start for s in heard)) / 1e9 if heard else 0.0
        # Gaps over GAP_MS while calls were still being set up (up to
        # the last stream's first packet) and once every stream played.
        last_start = max((s.start for s in heard), default=0)
        self.long_setup = sum(1 for s in heard for t, _ in s.long_gaps
                              if t <= last_start)
        self.long_steady = sum(1 for s in heard for t, _ in s.long_gaps
                               if t > last_start)
        # Long gaps that ended within 100 ms of each other are one
        # moment: one stall hitting many streams (rtpengine's thread or
        # the VM paused), not one stream falling behind.
        ends = sorted(t for s in heard for t, _ in s.long_gaps)
        self.stalls, self.widest = 0, 0
        i = 0
        while i < len(ends):
            j = i
            while j < len(ends) and ends[j] - ends[i] <= 100_000_000:
                j += 1
            self.stalls += 1
            self.widest = max(self.widest, j - i)
            i = j


class Step:
    def __init__(self, n):
        self.n = n
        self.ok = self.failed = 0
        self.calls = self.base = None
        self.cpu = {}
        self.wall = 0.0
        self.no_prompt = 0  # Kamailio's edge.announce_failed/_skipped

    @property
    def met(self):
        c = self.calls
        return (self.failed == 0 and self.ok == self.n and c is not None
                and c.whole == self.n and c.over == 0)

    @property
    def broken(self):
        """Far from the target: stepping up further says nothing more."""
        c = self.calls
        return (c is None or self.failed > 0.1 * self.n or
                c.whole < 0.9 * self.n)


# ---- the stack, the company, the calls ----

def load_bench_sip():
    spec = importlib.util.spec_from_file_location(
        "bench_sip", os.path.join(ROOT, "bench", "sip", "bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


bs = Api = Company = Stack = free_base = wait_until = None


def load_stack_modules():
    """bench/sip (Cpu, stop_session) and the integration tests' helpers;
    not loaded by the baseline sender, which starts fast without them."""
    global bs, Api, Company, Stack, free_base, wait_until
    bs = load_bench_sip()  # also puts tests/integration on sys.path
    from admin_api import Api
    from calls import Company
    from conftest import Stack, free_base, wait_until


class Rtpengine:
    """rtpengine as scripts/stack.sh starts it, on the stack's ng port,
    with RTP_PORTS and no delete delay."""

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
                 "--log-level=5", *RTPENGINE_ARGS],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        probe = [sys.executable, os.path.join(ROOT, "scripts", "probe.py"),
                 "ng", "127.0.0.1", str(self.port)]
        try:
            wait_until(lambda: self.proc.poll() is not None or
                       subprocess.run(probe).returncode == 0, 10,
                       "rtpengine", interval=0.1)
        except AssertionError:
            bs.stop_session(self.proc)
            raise
        if self.proc.poll() is not None:
            raise RuntimeError(f"rtpengine exited; see {self.log}")


def closed_company(stack, languages):
    key = stack.ovctl("apikey", "create", "bench announce").stdout.strip()
    operator = Api(stack.env["OV_ADMIN_HTTP"], key)
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    r = operator.patch(f"/v1/tenants/{c.id}", {"max_calls": 1000})
    if r.status != 200:
        raise RuntimeError(f"PATCH max_calls: {r}")
    c.ringing("sequential", ["Anna"])
    # Opening hours that exclude today: the company is closed now.
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Rome")).weekday()
    r = c.admin.put("/v1/messages/closed", {
        "enabled": True, "template_id": "closed_hours", "voice": "female",
        "languages": languages,
        "values": {"open": "09:00", "close": "18:00", "day_from": "monday",
                   "day_to": "friday"},
        "ranges": [{"days": [d for i, d in enumerate(DAYS) if i != today],
                    "from": "00:00", "to": "23:59"}]})
    if r.status != 200:
        raise RuntimeError(f"PUT /v1/messages/closed: {r}")
    c.apply()
    r = c.admin.get("/v1/messages/closed/preview")
    if r.status != 200:
        raise RuntimeError(f"preview: {r}")
    return c, int(r.json["duration_ms"])


def sipp_counts(stf):
    rows = []
    if os.path.exists(stf):
        with open(stf, newline="") as f:
            rows = list(csv.DictReader(f, delimiter=";"))
    last = rows[-1] if rows else {}
    return (int(last.get("SuccessfulCall(C)", 0)),
            int(last.get("FailedCall(C)", 0)))


def calls_phase(ctx, step):
    n, work = step.n, ctx["work"]
    rx = Receivers(n)
    inf = os.path.join(work, f"calls{n}.csv")
    with open(inf, "w") as f:
        f.write("SEQUENTIAL\n")
        for i, port in enumerate(rx.ports):
            f.write(f"{port};{3330000000 + i}\n")
    stf = os.path.join(work, f"step{n}.csv")
    limit = int(RAMP_S + ctx["expected_ms"] / 1000 + 60)
    c = ctx["company"]
    cmd = ["sipp", "-sf", os.path.join(HERE, "announce.xml"), "-inf", inf,
           "-i", "127.0.0.1", "-p", str(ctx["stack"].trunk_in),
           "-s", c.national, "-key", "domain", c.domain,
           "-r", str(n), "-rp", str(int(RAMP_S * 1000)), "-l", str(n),
           "-m", str(n),
           "-timeout", f"{limit}s", "-nostdin", "-trace_stat", "-stf", stf,
           "-fd", "1", "-trace_err", "-error_file",
           os.path.join(work, f"errors{n}.log"),
           f"127.0.0.1:{ctx['stack'].env['OV_SIP_PORT']}"]
    klog = ctx["stack"].log_path("kamailio")
    at = os.path.getsize(klog) if os.path.exists(klog) else 0
    before = ctx["cpu"].sample()
    me = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    try:
        subprocess.run(cmd, cwd=work, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=limit + 30)
    except subprocess.TimeoutExpired:
        pass  # the calls it did not end count as failed
    step.wall = time.monotonic() - t0
    step.cpu = ctx["cpu"].delta(before)
    me2 = resource.getrusage(resource.RUSAGE_SELF)
    step.cpu["receivers"] = (me2.ru_utime + me2.ru_stime -
                             me.ru_utime - me.ru_stime)
    time.sleep(0.3)  # the last packets in flight
    rx.close()
    step.ok, _ = sipp_counts(stf)
    with open(klog, "rb") as f:
        f.seek(at)
        step.no_prompt = sum(1 for line in f
                             if b"edge.announce_failed" in line or
                             b"edge.announce_skipped" in line)
    step.failed = n - step.ok
    step.calls = Phase(n, [Stream(g) for g in rx.got], ctx["expected_ms"])


def baseline_phase(ctx, step):
    n = step.n
    rx = Receivers(n)
    packets = int(math.ceil(ctx["expected_ms"] / PACKET_MS))
    try:
        subprocess.run([sys.executable, os.path.abspath(__file__), "--send",
                        "--packets", str(packets), "--ports",
                        ",".join(map(str, rx.ports))],
                       timeout=packets * PACKET_MS / 1000 + 30, check=True)
    finally:
        time.sleep(0.2)
        rx.close()
    step.base = Phase(n, [Stream(g) for g in rx.got], ctx["expected_ms"])


def run_step(ctx, n):
    step = Step(n)
    calls_phase(ctx, step)
    time.sleep(1)  # rtpengine and Kamailio finish the last calls
    baseline_phase(ctx, step)
    return step


# ---- the report ----

COMPONENTS = ("rtpengine", "ivr", "kamailio", "router", "sipp",
              "receivers")


def ratio(a, b):
    return f"{a / b:.2f}x" if b else "-"


def progress(s):
    c, b = s.calls, s.base
    print(f"  N={s.n:<4} calls {s.ok}/{s.n} (failed {s.failed}), no prompt {s.no_prompt}, "
          f"whole {c.whole}; gap worst {c.worst:.1f} ms p99 {c.p99:.1f} ms, "
          f"receivers >{GAP_MS:g} ms {c.over} (gaps: {c.long_setup} during "
          f"set-up, {c.long_steady} after, {c.stalls} moments); all playing {c.overlap_s:.1f} s"
          f" | baseline worst {b.worst:.1f} ms p99 {b.p99:.1f} ms, "
          f">{GAP_MS:g} ms {b.over} | {'met' if s.met else 'NOT met'}",
          flush=True)


def report(steps, expected_ms, languages):
    cpus = os.cpu_count() or 1
    extra = f" {' '.join(RTPENGINE_ARGS)}" if RTPENGINE_ARGS else ""
    print()
    print(f"bench-ivr announce: closed_hours ({','.join(languages)}, "
          f"female), {expected_ms / 1000:.1f} s per prompt; one IVR, one "
          f"rtpengine (userspace{extra}), Kamailio; {cpus} CPUs shared.\n"
          f"N calls placed at N per {RAMP_S:g} s by one SIPp. Gaps from kernel "
          f"arrival times (SO_TIMESTAMPNS), per receiver from its first "
          f"packet to its last.\nWhole prompt: audio from first to last "
          f"sound >= {WHOLE * 100:.0f}% of duration_ms. Baseline: the same "
          f"N receivers fed by one Python\nprocess pacing 20 ms packets.\n")
    print(f"{'':7}{'calls':>9}{'failed':>7}{'no prompt':>10}{'whole':>7}"
          f"{'lost pkts':>10}{'all playing':>12}")
    for s in steps:
        c = s.calls
        print(f"N={s.n:<5}{s.ok:>4}/{s.n:<4}{s.failed:>7}{s.no_prompt:>10}"
              f"{c.whole:>7}{c.lost:>10}{c.overlap_s:>11.1f}s")
    print("  calls: 183 then 480 (SIPp); failed: the others; no prompt: "
          "Kamailio logged "
          "edge.announce_failed/_skipped\n  (the IVR or rtpengine did not "
          "answer in time: 480 without the message)")
    print()
    print(f"{'max gap per receiver, ms':<26}{'worst':>7}{'p99':>7}"
          f"{'>40ms':>6}{'gaps>40 setup/after':>21}{'moments':>8}  "
          f"{'baseline':>8}{'p99':>6}{'>40ms':>6}  {'ratio':>6}{'p99':>6}")
    for s in steps:
        c, b = s.calls, s.base
        print(f"N={s.n:<24}{c.worst:>7.1f}{c.p99:>7.1f}{c.over:>6}"
              f"{c.long_setup:>14}/{c.long_steady:<6}{c.stalls:>8}"
              f"  {b.worst:>8.1f}{b.p99:>6.1f}{b.over:>6}  "
              f"{ratio(c.worst, b.worst):>6}{ratio(c.p99, b.p99):>6}")
    print(f"  >40ms: receivers with a gap over {GAP_MS:g} ms; gaps>40: such "
          "gaps, while calls were still being set up\n  (up to the last "
          "stream's first packet) and after; moments: those gaps grouped "
          "by when they\n  ended (within 100 ms: one stall of many "
          "streams); ratio: calls / baseline")
    print()
    print("CPUs busy on average while the calls ran (others: the rest of the "
          "machine):")
    print(f"{'':7}{'wall s':>7}" + "".join(f"{c:>10}" for c in COMPONENTS) +
          f"{'others':>8}")
    for s in steps:
        c = s.cpu
        wall = s.wall or 1.0
        ours = sum(c.get(k, 0.0) for k in COMPONENTS + ("admin", "postgres"))
        others = max(0.0, c.get("machine busy", 0.0) - ours) / wall
        print(f"N={s.n:<5}{s.wall:>7.1f}" +
              "".join(f"{c.get(k, 0.0) / wall:>10.2f}" for k in COMPONENTS) +
              f"{others:>8.2f}")
    print("  rtpengine per stream: " + ", ".join(
        f"N={s.n} {s.cpu.get('rtpengine', 0.0) / s.wall / s.n * 100:.2f}%"
        for s in steps if s.wall) + " of one CPU")
    reader = max((max(s.calls.reader_worst, s.base.reader_worst)
                  for s in steps), default=0.0)
    print(f"  worst gap the Python reader itself saw (not counted: kernel "
          f"times are): {reader:.1f} ms")
    print()
    best = max((s.n for s in steps if s.met), default=0)
    print("target (reported only: timing never fails the run)")
    print(f"  >= {TARGET_N} simultaneous announcements, every call whole, "
          f"no gap over {GAP_MS:g} ms: largest N met {best}  "
          f"{'met' if best >= TARGET_N else 'NOT met'}")


# ---- main ----

def plan():
    env = os.environ.get("OV_BENCH_ANNOUNCE_STEPS")
    if env:
        return [int(x) for x in env.split(",") if x.strip()], []
    return list(PLANNED), list(EXTRA)


def tails(stack, names=("kamailio", "ivr", "rtpengine")):
    for name in names:
        p = stack.log_path(name)
        if os.path.exists(p):
            with open(p, errors="replace") as f:
                print(f"--- {name} log (tail)\n" + "".join(
                    f.readlines()[-15:]), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--send", action="store_true")
    ap.add_argument("--ports", default="")
    ap.add_argument("--packets", type=int, default=0)
    args = ap.parse_args()
    if args.send:
        return send_main([int(p) for p in args.ports.split(",") if p],
                         args.packets)
    load_stack_modules()
    for tool in ("sipp", "kamailio", "rtpengine", "psql"):
        if not shutil.which(tool):
            print(f"bench ivr announce: {tool} is missing (scripts/deps.sh)",
                  file=sys.stderr)
            return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    languages = os.environ.get("OV_BENCH_ANNOUNCE_LANGS", "it").split(",")
    run_dir = tempfile.mkdtemp(prefix="ov-bench-announce-")
    os.chmod(run_dir, 0o755)
    work = os.path.join(run_dir, "sipp")
    os.makedirs(work)
    os.environ.update(KAMAILIO_ENV)
    os.environ["OV_STACK_PROCS"] = STACK_PROCS
    stack = Stack(run_dir, free_base())
    rtp = None
    steps = []
    expected_ms = 0
    try:
        rtp = Rtpengine(run_dir, stack.base)
        stack.up()
        company, expected_ms = closed_company(stack, languages)
        cpu = bs.Cpu({"rtpengine": rtp.proc.pid, "ivr": stack.pid("ivr"),
                      "kamailio": stack.pid("kamailio"),
                      "router": stack.pid("router"),
                      "admin": stack.pid("admin"),
                      "postgres": stack.pid("postgres")})
        ctx = {"stack": stack, "company": company, "work": work, "cpu": cpu,
               "expected_ms": expected_ms}
        planned, extra = plan()
        print(f"simultaneous announcements: prompt {expected_ms} ms, "
              f"N = {planned} then {extra} while met:", flush=True)
        t0 = time.monotonic()
        per_step = 2 * expected_ms / 1000 + RAMP_S + 4
        for n in planned + extra:
            if n in extra and (not steps or not steps[-1].met or
                               time.monotonic() - t0 + per_step > BUDGET_S):
                break
            s = run_step(ctx, n)
            steps.append(s)
            progress(s)
            if len(steps) == 1 and (s.ok == 0 or s.calls.heard == 0):
                raise RuntimeError(
                    f"{s.ok} of {n} calls completed, {s.calls.heard} "
                    "receivers heard anything: the setup is broken "
                    "(OV_KEEP_RUN=1 keeps the logs)")
            if s.broken or (not s.met and n >= 150):
                break
            time.sleep(1)
    except Exception as e:  # a benchmark that cannot run fails
        print(f"bench-ivr announce: could not run: {e}", file=sys.stderr)
        tails(stack)
        return 1
    finally:
        if rtp:
            bs.stop_session(rtp.proc)
        stack.down()
        if os.environ.get("OV_KEEP_RUN") != "1":
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            print(f"run directory kept: {run_dir}")
    report(steps, expected_ms, languages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
