#!/usr/bin/env python3
"""bench/ivr: the IVR's two costs that a caller could feel, on a private
stack (PostgreSQL, admin, the IVR; no Kamailio).

1. Synthesis time per second of audio. N prompts (default 20,
   OV_BENCH_PROMPTS) that are each new to the cache (closed_hours in
   Italian and English, a different opening minute each) go through
   prompt.render with audio; the IVR's own metrics give the synthesis
   time and the audio length (ov_ivr_synth_seconds_sum,
   ov_ivr_synth_audio_ms_total). Baseline in the same run: writing the
   same WAV bytes to a file on the same disk (open, write, fsync,
   close), per second of audio; and espeak-ng's command line
   (`espeak-ng -w`) on the same texts when it is installed.
   Target: well under real time (the IVR renders at apply; a miss at
   play time synthesises while the caller waits).

2. prompt.play with a cache hit: from the bus request leaving the
   client (ovctl, CLOCK_MONOTONIC) to the rtpengine command arriving at
   a fake rtpengine (a UDP listener on the stack's ng port that stamps
   each command on arrival and answers at once). P plays one after
   another (default 2,000, OV_BENCH_PLAYS) after 200 to warm up.
   Baseline in the same run: the bus round trip of a play the IVR
   refuses at once (an unknown message: decoded, answered, no cache,
   no rtpengine). Also the IVR's own histogram ov_ivr_play_seconds
   (request in to command sent) as a bucket bound. Target: p99 at most
   2 ms.

Timing never fails the run; only a benchmark that cannot run does.
"""
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from admin_api import Api  # noqa: E402
from calls import login, mailed_password  # noqa: E402
from conftest import Stack, free_base, wait_until  # noqa: E402

PROMPTS = int(os.environ.get("OV_BENCH_PROMPTS", "20"))
PLAYS = int(os.environ.get("OV_BENCH_PLAYS", "2000"))
WARM = 200
TARGET_P99_MS = 2.0
# The stack without rtpengine and Kamailio: the fake takes the ng port.
PROCS = "postgres smtp registrar admin ivr"


class FakeRtpengine:
    """Answers every ng command with ok and a duration; stamps arrivals
    with time.monotonic_ns() (CLOCK_MONOTONIC, as ovctl's send times)."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.arrivals = []
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            now = time.monotonic_ns()
            cookie, _, body = data.partition(b" ")
            if b"play media" in body:
                self.arrivals.append(now)
                reply = b"d8:durationi1000e6:result2:oke"
            else:
                reply = b"d6:result4:ponge"
            self.sock.sendto(cookie + b" " + reply, peer)

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def metric(stack, name):
    with urllib.request.urlopen(stack.env["OV_IVR_HTTP"] + "/metrics",
                                timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([a-z_]+)(\{[^}]*\})? (\S+)$", line)
        if m and m.group(1) == name:
            out[m.group(2) or ""] = float(m.group(3))
    return out


def bucket_p99(stack, name):
    """The upper bound of the bucket holding the 99th percentile."""
    b = metric(stack, name + "_bucket")
    pairs = sorted((float(re.search(r'le="([^"]+)"', k).group(1)), v)
                   for k, v in b.items())
    total = pairs[-1][1]
    for le, n in pairs:
        if n >= 0.99 * total:
            return le
    return float("inf")


def setup_tenant(stack):
    r = subprocess.run([os.path.join(ROOT, "build", "bin", "ovctl"), "--env",
                        os.path.join(stack.run_dir, "stack.env"), "apikey",
                        "create", "bench"], capture_output=True, text=True,
                       check=True)
    op = Api(stack.env["OV_ADMIN_HTTP"], r.stdout.strip())
    number = f"06{random.randrange(1000000, 9999999)}"
    mail = f"admin@bench{number}.example"
    r = op.post("/v1/tenants", {"company_name": "Bench Srl",
                                "number": number, "admin_email": mail})
    assert r.status == 201, r
    t = r.json
    pw = mailed_password(stack, t["id"], "admin_activation", mail)
    api = login(stack, t["number"], "Amministratore", pw, "Nuova.Password1")
    r = api.put("/v1/messages/closed", {
        "enabled": True, "template_id": "closed_hours", "voice": "female",
        "languages": ["it", "en"],
        "values": {"open": "09:00", "close": "18:00", "day_from": "monday",
                   "day_to": "friday"}})
    assert r.status == 200, r
    assert api.post("/v1/apply").status == 200
    return t["id"]


def ovctl(stack, *args, timeout=600):
    return subprocess.run([os.path.join(ROOT, "build", "bin", "ovctl"),
                           "--env", os.path.join(stack.run_dir, "stack.env"),
                           *args], capture_output=True, text=True,
                          timeout=timeout)


def synthesis(stack, tenant, tmp):
    before_s = metric(stack, "ov_ivr_synth_seconds_sum").get("", 0.0)
    before_n = metric(stack, "ov_ivr_synth_seconds_count").get("", 0.0)
    before_ms = metric(stack, "ov_ivr_synth_audio_ms_total").get("", 0.0)
    wavs, texts = [], []
    minutes = random.sample(range(10, 60), min(PROMPTS, 50))
    for i in range(PROMPTS):
        m = minutes[i % len(minutes)]
        hour = 7 + i // len(minutes)
        path = os.path.join(tmp, f"p{i}.wav")
        r = ovctl(stack, "ivr", "render", "--tenant", tenant, "--template",
                  "closed_hours", "--languages", "it,en", "--value",
                  f"open=0{hour}:{m}", "--value", "close=18:00", "--value",
                  "day_from=monday", "--value", "day_to=friday", "--wav",
                  path)
        if r.returncode != 0:
            raise RuntimeError(f"render failed: {r.stderr}")
        wavs.append(path)
        texts.append(r.stdout.split("\nduration_ms=")[0])
    synth_s = metric(stack, "ov_ivr_synth_seconds_sum")[""] - before_s
    made = metric(stack, "ov_ivr_synth_seconds_count")[""] - before_n
    audio_s = (metric(stack, "ov_ivr_synth_audio_ms_total")[""]
               - before_ms) / 1000.0
    # Baseline: the same bytes to disk.
    data = [open(p, "rb").read() for p in wavs]
    t0 = time.perf_counter()
    for i, b in enumerate(data):
        fd = os.open(os.path.join(tmp, f"copy{i}.wav"),
                     os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, b)
        os.fsync(fd)
        os.close(fd)
    write_s = time.perf_counter() - t0
    cli_s = None
    cli = shutil.which("espeak-ng")
    if cli:
        t0 = time.perf_counter()
        for i, text in enumerate(texts):
            it, _, en = text.partition("\n")
            subprocess.run([cli, "-v", "it+f3", "-s", "160", "-w",
                            os.path.join(tmp, f"cli{i}a.wav"), it], check=True)
            subprocess.run([cli, "-v", "en+f3", "-s", "160", "-w",
                            os.path.join(tmp, f"cli{i}b.wav"), en], check=True)
        cli_s = time.perf_counter() - t0
    return made, synth_s, audio_s, write_s, cli_s


def plays(stack, tenant, fake):
    base = ["ivr", "play", "--tenant", tenant, "--call-id",
            "bench-call@127.0.0.1", "--from-tag", "bench-tag", "--count"]
    r = ovctl(stack, *base, str(WARM), "--message", "closed")
    if r.returncode != 0:
        raise RuntimeError(f"warm-up plays failed: {r.stdout[-500:]}"
                           f"{r.stderr}")
    fake.arrivals.clear()
    r = ovctl(stack, *base, str(PLAYS), "--message", "closed")
    if r.returncode != 0:
        raise RuntimeError(f"plays failed: {r.stdout[-500:]}{r.stderr}")
    sent = [int(m.group(1)) for m in
            re.finditer(r"sent_us=(\d+) rtt_us=\d+ ok", r.stdout)]
    rtt = [int(m.group(1)) for m in
           re.finditer(r"rtt_us=(\d+) ok", r.stdout)]
    if len(sent) != PLAYS or len(fake.arrivals) != PLAYS:
        raise RuntimeError(f"{len(sent)} sent, {len(fake.arrivals)} "
                           f"arrived of {PLAYS}")
    one_way = [a / 1000.0 - s for a, s in zip(fake.arrivals, sent)]
    # Baseline: the same client and server, a play refused at once.
    r = ovctl(stack, *base, str(PLAYS), "--message", "nothing")
    base_rtt = [int(m.group(1)) for m in
                re.finditer(r"rtt_us=(\d+) not_found", r.stdout)]
    if len(base_rtt) != PLAYS:
        raise RuntimeError("baseline plays were not refused as expected")
    return one_way, rtt, base_rtt


def main():
    run_dir = tempfile.mkdtemp(prefix="ov-bench-ivr-")
    os.chmod(run_dir, 0o755)
    stack = Stack(run_dir, free_base())
    os.environ["OV_STACK_PROCS"] = PROCS
    fake = None
    tmp = tempfile.mkdtemp(prefix="ov-bench-ivr-wav-")
    try:
        stack.up()
        port = int(stack.env["OV_RTPENGINE_NG"].rsplit(":", 1)[1])
        fake = FakeRtpengine(port)
        tenant = setup_tenant(stack)
        wait_until(lambda: metric(stack, "ov_ivr_synth_seconds_count")
                   .get("", 0) >= 1, 10, "the closed prompt pre-rendered")
        made, synth_s, audio_s, write_s, cli_s = synthesis(stack, tenant, tmp)
        one_way, rtt, base_rtt = plays(stack, tenant, fake)
        in_ivr_p99 = bucket_p99(stack, "ov_ivr_play_seconds")
    except Exception as e:  # a benchmark that cannot run fails
        print(f"bench-ivr: could not run: {e}", file=sys.stderr)
        for name in ("ivr", "admin"):
            p = stack.log_path(name)
            if os.path.exists(p):
                print(f"--- {name} log (tail)", file=sys.stderr)
                print("".join(open(p).readlines()[-15:]), file=sys.stderr)
        return 1
    finally:
        if fake:
            fake.close()
        stack.down()
        shutil.rmtree(run_dir, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)

    cpus = os.cpu_count()
    print(f"bench-ivr: espeak-ng in ov-ivr, {cpus} CPUs, "
          f"{PROMPTS} prompts (closed_hours it+en), {PLAYS} plays")
    print()
    print("1. synthesis (prompts new to the cache, through prompt.render)")
    per_s = synth_s / audio_s
    write_per_s = write_s / audio_s
    print(f"   prompts synthesised      {made:.0f}, {audio_s:.1f} s of audio "
          f"in {synth_s * 1000:.0f} ms")
    print(f"   synthesis per audio s    {per_s * 1000:.2f} ms "
          f"({1 / per_s:.0f}x faster than real time)")
    print(f"   baseline: write+fsync    {write_per_s * 1000:.2f} ms per "
          f"audio s; synthesis/write = {per_s / write_per_s:.1f}x")
    if cli_s is not None:
        print(f"   baseline: espeak-ng -w   {cli_s / audio_s * 1000:.2f} ms "
              f"per audio s; in-process/CLI = {synth_s / cli_s:.2f}x")
    else:
        print("   baseline: espeak-ng -w   (espeak-ng command line not "
              "installed: skipped)")
    verdict = "met" if per_s < 0.1 else "NOT met"
    print(f"   target: under 0.1 s per audio second: {verdict}")
    print()
    print("2. prompt.play with a cache hit (request sent -> ng command "
          "arrived)")
    p50, p99, mx = pct(one_way, 50), pct(one_way, 99), max(one_way)
    b50, b99 = pct(base_rtt, 50), pct(base_rtt, 99)
    print(f"   play, one way            p50 {p50:.0f} us  p99 {p99:.0f} us  "
          f"max {mx:.0f} us")
    print(f"   play, round trip         p50 {pct(rtt, 50)} us  "
          f"p99 {pct(rtt, 99)} us")
    print(f"   baseline: refused play   p50 {b50} us  p99 {b99} us "
          f"(bus round trip, no work)")
    print(f"   ratio p99 play one way / refused round trip = "
          f"{p99 / b99:.2f}")
    print(f"   in the IVR (histogram)   p99 <= {in_ivr_p99 * 1000:g} ms "
          f"(ov_ivr_play_seconds bucket)")
    verdict = "met" if p99 <= TARGET_P99_MS * 1000 else "NOT met"
    print(f"   target: p99 <= {TARGET_P99_MS:g} ms: {verdict} "
          f"({p99 / 1000:.2f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
