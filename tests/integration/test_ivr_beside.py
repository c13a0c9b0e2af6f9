"""The edge asks the IVR beside the call's rtpengine (docs/deploy.md,
"Media"): with "{rtpengine}" in OV_IVR_URL, ovbus sends each prompt.play
to the IVR at the host of the rtpengine that holds the call. Two IVRs,
on 127.0.0.1 and 127.0.0.2, each knowing only its own rtpengine, stand
for two media nodes; ovbus runs in plain Lua, as Kamailio loads it."""

import os
import random
import socket
import subprocess
import tempfile

from conftest import BIN, ROOT, wait_until

HOSTS = ["127.0.0.1", "127.0.0.2"]

LUA = r"""
package.cpath = arg[1] .. "/build/lib/?.so;" .. package.cpath
require("ovbus")
ovbus.configure{router = "tcp://127.0.0.1:1", ivr = arg[2], play_deadline_ms = 3000}
for i = 3, #arg do
	local rep, err, msg = ovbus.play{tenant_id = "00000000-0000-0000-0000-000000000001",
		message = "closed", call_id = "c" .. i, from_tag = "t", rtpengine = arg[i]}
	print(arg[i] .. "|" .. (rep and "ok" or err) .. "|" .. (msg or ""))
end
"""


def free_on_both(kind=socket.SOCK_STREAM):
    for _ in range(100):
        port = random.randrange(20000, 32000)
        ok = True
        for h in HOSTS:
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind((h, port))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return port
    raise RuntimeError("no free port")


def http_ok(host, port):
    import urllib.request
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/readyz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def plays(ivr_url, rtpengines):
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as f:
        f.write(LUA)
        f.flush()
        r = subprocess.run(["lua5.1", f.name, str(ROOT), ivr_url, *rtpengines],
                           capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return [line.split("|", 2) for line in r.stdout.splitlines()]


def test_play_goes_to_the_ivr_beside_the_calls_rtpengine(tmp_path):
    bus = free_on_both()
    ng = free_on_both(socket.SOCK_DGRAM)
    procs = []
    try:
        for i, h in enumerate(HOSTS):
            http = free_on_both()
            env = {"PATH": os.environ["PATH"], "OV_BUS_LISTEN": f"tcp://{h}:{bus}",
                   "OV_HTTP_ADDR": h, "OV_HTTP_PORT": str(http),
                   # Each knows its own rtpengine only, like a media pod.
                   "OV_RTPENGINE_NG": f"udp:{h}:{ng}",
                   "OV_IVR_CACHE_DIR": str(tmp_path / f"prompts{i}")}
            procs.append(subprocess.Popen([os.path.join(BIN, "ov-ivr")], env=env,
                                          stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
            wait_until(lambda: http_ok(h, http), 10, f"the IVR on {h}")
        rtpes = [f"udp:{HOSTS[1]}:{ng}", f"udp:{HOSTS[0]}:{ng}", f"udp:{HOSTS[1]}:{ng}"]

        # Beside: each play reaches the IVR that knows that rtpengine. It
        # has no admin to render from, so "unavailable: no admin" is how
        # an IVR that took the call answers.
        for rtpe, err, msg in plays(f"tcp://{{rtpengine}}:{bus}", rtpes):
            assert err == "unavailable" and "no admin" in msg, (rtpe, err, msg)

        # One address for every IVR (the old way): the play for the second
        # node's rtpengine reaches the first node's IVR, which refuses it.
        got = plays(f"tcp://{HOSTS[0]}:{bus}", rtpes)
        assert got[0][1] == "invalid_argument" and "is not one of" in got[0][2], got
        assert got[1][1] == "unavailable", got

        # A call whose rtpengine the edge does not know has no IVR to ask.
        (_, err, msg), = plays(f"tcp://{{rtpengine}}:{bus}", [""])
        assert err == "unavailable" and "no IVR beside it" in msg
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            assert p.wait(15) == 0
