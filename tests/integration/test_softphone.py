"""The issue's "done when": a real softphone from Debian (baresip) registers
with the credentials of GET /v1/me/sip and calls a colleague by extension;
the colleague's baresip answers."""
import math
import os
import shutil
import struct
import wave
import subprocess
import tempfile

import pytest

from calls import Company
from conftest import free_udp_port, wait_until

pytestmark = pytest.mark.skipif(shutil.which("baresip") is None,
                                reason="baresip-core is not installed "
                                       "(scripts/deps.sh installs it)")


@pytest.fixture(scope="module")
def operator(stack):
    from admin_api import Api
    r = stack.ovctl("apikey", "create", "softphone tests")
    assert r.returncode == 0, r.stderr
    return Api(stack.env["OV_ADMIN_HTTP"], r.stdout.strip())


def baresip(stack, sip, answer, *commands, seconds=12, heard=None):
    """A baresip with sip's credentials; its output is collected. With
    heard (a directory), what it receives (what its user would hear) is
    written there as WAV (the sndfile module)."""
    d = tempfile.mkdtemp(prefix="ov-baresip-")
    port = free_udp_port()
    # What the phone "says": a quiet 8 kHz tone (ausine is 48 kHz only;
    # there is no sound card here), longer than any call here: at its
    # end baresip hangs up.
    tone = os.path.join(d, "tone.wav")
    second = b"".join(
        struct.pack("<h", int(800 * math.sin(2 * math.pi * 440 * i / 8000)))
        for i in range(8000))
    with wave.open(tone, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(second * (seconds + 30))
    with open(os.path.join(d, "config"), "w") as f:
        f.write(f"""poll_method epoll
sip_listen 127.0.0.1:{port}
audio_player aufile,/dev/null
audio_source aufile,{tone}
audio_alert aufile,/dev/null
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module menu.so
{"module sndfile.so" if heard else ""}
snd_path {heard or d}
module account.so
""")
    proxy = f"sip:127.0.0.1:{stack.env['OV_SIP_PORT']}"
    mode = ";answermode=auto" if answer else ""
    with open(os.path.join(d, "accounts"), "w") as f:
        f.write(f"<sip:{sip['username']}@{sip['domain']}>;"
                f"auth_user={sip['auth_username']};"
                f"auth_pass={sip['password']};"
                f"outbound=\"{proxy}\";regint=120;audio_codecs=PCMA{mode}\n")
    cmd = ["baresip", "-4", "-f", d, "-t", str(seconds)]
    for c in commands:
        cmd += ["-e", c]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            text=True, cwd=d)


def test_baresip_registers_and_calls_a_colleague_by_extension(stack, operator):
    c = Company(stack, operator, [("Mario Rossi", "Mario", "01"),
                                  ("Laura Verdi", "Laura", "05")])
    mario = baresip(stack, c.users["Mario"]["sip"], True, seconds=14)
    try:
        # Mario's phone is registered once the registrar lists it.
        def registered():
            r = c.users["Mario"]["api"].get("/v1/me/devices")
            return any(d.get("bindings") for d in r.json["devices"])
        wait_until(registered, 10, "baresip registered", interval=0.2)
        laura = baresip(stack, c.users["Laura"]["sip"], False, "/dial 01",
                        seconds=6)
        out_laura, _ = laura.communicate(timeout=30)
    finally:
        out_mario, _ = mario.communicate(timeout=30)
    assert "established" in out_laura.lower(), out_laura[-3000:] + out_mario[-3000:]
    assert "established" in out_mario.lower(), out_mario[-3000:]


def wav_sound_ms(path, threshold=300):
    """Milliseconds from the first to the last 20 ms block with sound."""
    with wave.open(path, "rb") as w:
        rate, n = w.getframerate(), w.getnframes()
        frames = w.readframes(n)
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    block = rate // 50
    loud = [(sum(x * x for x in samples[i:i + block]) / block) ** 0.5 > threshold
            for i in range(0, len(samples) - block + 1, block)]
    if True not in loud:
        return 0
    first, last = loud.index(True), len(loud) - 1 - loud[::-1].index(True)
    return (last - first + 1) * 20


def test_baresip_calling_the_closed_company_hears_the_closed_message(
        stack, operator):
    import datetime
    import zoneinfo
    days = ["monday", "tuesday", "wednesday", "thursday", "friday",
            "saturday", "sunday"]
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Rome")).weekday()
    c = Company(stack, operator, [("Mario Rossi", "Mario", "01")])
    r = c.admin.put("/v1/messages/closed", {
        "enabled": True, "template_id": "closed_hours", "voice": "female",
        "languages": ["it", "en"],
        "values": {"open": "09:00", "close": "18:00", "day_from": "monday",
                   "day_to": "friday"},
        "ranges": [{"days": [d for i, d in enumerate(days) if i != today],
                    "from": "09:00", "to": "18:00"}]})
    assert r.status == 200, r
    c.apply()
    expected = c.admin.get("/v1/messages/closed/preview").json["duration_ms"]
    heard = tempfile.mkdtemp(prefix="ov-heard-")
    mario = baresip(stack, c.users["Mario"]["sip"], False,
                    f"/dial {c.national}", seconds=expected // 1000 + 8,
                    heard=heard)
    out, _ = mario.communicate(timeout=120)
    assert "480" in out, out[-3000:]
    # sndfile writes what was received and decoded as *-dec.wav.
    dumps = [f for f in os.listdir(heard) if f.endswith("-dec.wav")]
    assert dumps, (os.listdir(heard), out[-3000:])
    got = wav_sound_ms(os.path.join(heard, dumps[0]))
    assert got >= 0.9 * expected, (got, expected, out[-2000:])
