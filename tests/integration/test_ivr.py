"""The IVR against a real stack: messages pre-rendered at apply into the
prompt cache, admin's preview (text and audio) through the IVR, and
prompt.play into a call rtpengine holds, heard at the caller's RTP
address. (Calls through Kamailio with SIPp are in test_calls.py.)"""
import io
import os
import random
import socket
import struct
import subprocess
import time
import wave

from calls import login, mailed_password, new_number
from conftest import wait_until

HOURS = {"open": "09:00", "close": "18:00", "day_from": "monday",
         "day_to": "friday"}


def company(stack, operator):
    """A new tenant and its admin, logged in; (tenant, api)."""
    number = new_number()
    mail = f"admin@ivr{number}.example"
    r = operator.post("/v1/tenants", {"company_name": "Voce Srl",
                                      "number": number, "admin_email": mail})
    assert r.status == 201, r
    t = r.json
    pw = mailed_password(stack, t["id"], "admin_activation", mail)
    return t, login(stack, t["number"], "Amministratore", pw,
                    "Nuova.Password1")


def put_message(api, kind, template, values=None, voice="female",
                languages=("it", "en")):
    r = api.put(f"/v1/messages/{kind}", {
        "enabled": True, "template_id": template, "voice": voice,
        "languages": list(languages), "values": values or {}})
    assert r.status == 200, r


def preview(api, kind="closed"):
    r = api.get(f"/v1/messages/{kind}/preview")
    assert r.status == 200, r
    return r.json


def preview_wav(api, kind="closed"):
    r = api.get(f"/v1/messages/{kind}/preview",
                headers={"Accept": "audio/wav"})
    assert r.status == 200, r
    assert r.headers["Content-Type"] == "audio/wav"
    return r.body


def samples(body):
    """(rate, samples) of a 16-bit mono WAV."""
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE"
    with wave.open(io.BytesIO(body)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        n = w.getnframes()
        return w.getframerate(), struct.unpack(f"<{n}h", w.readframes(n))


def language_gap_s(rate, s):
    """Where the silence the IVR puts between two languages starts (s):
    the first run of exact zeros of at least 250 ms (espeak-ng's own
    pauses are never exactly silent)."""
    run = 0
    for i, x in enumerate(s):
        run = run + 1 if x == 0 else 0
        if run == rate // 4:
            return (i - run + 1) / rate
    return None


def pitch_hz(rate, s):
    """Median pitch of the voiced frames (autocorrelation, 11 kHz)."""
    s = [(s[i] + s[i + 1]) // 2 for i in range(0, len(s) - 1, 2)]
    rate //= 2
    fr = int(rate * 0.04)
    found = []
    for i in range(0, len(s) - fr, fr * 4):
        f = s[i:i + fr]
        e = sum(x * x for x in f)
        if e < fr * 1500 ** 2:
            continue
        c, lag = max((sum(f[j] * f[j + k] for j in range(fr - k)), k)
                     for k in range(rate // 400, rate // 70))
        if c > 0.3 * e:
            found.append(rate / lag)
    found.sort()
    assert len(found) >= 5, "no voiced frames"
    return found[len(found) // 2]


def cache_files(stack):
    d = os.path.join(stack.run_dir, "prompts")
    return {f for f in os.listdir(d) if f.endswith(".wav")}


def test_apply_prerenders_the_message_into_the_cache(stack, operator):
    """A caller never waits for synthesis: apply is enough for the
    prompt to be on disk, in the cache directory rtpengine reads."""
    t, api = company(stack, operator)
    # Hours no other test uses: a prompt of its own.
    minute = f"{random.randrange(10, 60):02d}"
    put_message(api, "closed", "closed_hours",
                {**HOURS, "open": f"07:{minute}"})
    before = cache_files(stack)
    r = api.post("/v1/apply")
    assert r.status == 200, r
    t0 = time.monotonic()
    new = wait_until(lambda: cache_files(stack) - before, 2.0,
                     "the closed prompt in the cache")
    took = time.monotonic() - t0
    assert len(new) == 1, new
    path = os.path.join(stack.run_dir, "prompts", new.pop())
    with open(path, "rb") as f:
        rate, s = samples(f.read())
    assert rate == 22050
    assert 10 < len(s) / rate < 40, len(s) / rate
    ev = wait_until(lambda: [e for e in stack.log_events("ivr")
                             if e["event"] == "prompt.rendered"
                             and e["tenant"] == t["id"]], 2.0,
                    "prompt.rendered logged")
    assert ev[0]["version"] == 1 and ev[0]["message"] == "closed"
    assert ev[0]["cached"] is False and ev[0]["why"] == "applied"
    assert path.endswith(ev[0]["prompt"] + ".wav")
    # No text at info level: an id and a length.
    assert "Salve" not in open(stack.log_path("ivr")).read()
    assert took < 2.0
    r = stack.ovctl("ping", "ivr")
    assert r.returncode == 0, r.stdout + r.stderr


def test_preview_speaks_the_values_in_italian_then_english(stack, operator):
    t, api = company(stack, operator)
    put_message(api, "closed", "closed_hours",
                {"open": "08:30", "close": "17:00", "day_from": "tuesday",
                 "day_to": "saturday"})
    p = preview(api)
    assert p["kind"] == "closed" and p["languages"] == ["it", "en"]
    it = p["text"].index("dalle 8:30 alle 17 da martedì a sabato.")
    en = p["text"].index("from 8:30 am to 5 pm, Tuesday to Saturday.")
    assert it < en
    assert "{" not in p["text"]
    assert 10000 < p["duration_ms"] < 40000

    put_message(api, "closed", "closed_holidays",
                {"date_from": "2023-04-21", "date_to": "2023-04-25"},
                languages=("en", "it"))
    p = preview(api)
    en = p["text"].index("from 21st April 2023 to 25th April 2023.")
    it = p["text"].index("dal 21 aprile 2023 al 25 aprile 2023.")
    assert en < it

    put_message(api, "welcome", "welcome_short", languages=("it",))
    p = preview(api, "welcome")
    assert p["text"] == "Salve! Grazie per aver chiamato."


def test_preview_audio_is_a_wav_as_long_as_said(stack, operator):
    t, api = company(stack, operator)
    put_message(api, "closed", "closed_hours", HOURS)
    ms = preview(api)["duration_ms"]
    rate, s = samples(preview_wav(api))
    assert rate == 22050
    assert abs(len(s) * 1000 // rate - ms) <= 1
    loud = sum(1 for x in s if abs(x) > 1000)
    assert loud > len(s) // 10


def test_language_order_and_voice_change_what_is_heard(stack, operator):
    t, api = company(stack, operator)
    heard = {}
    for name, voice, langs in [("it,en", "female", ("it", "en")),
                               ("en,it", "female", ("en", "it")),
                               ("it", "female", ("it",)),
                               ("en", "female", ("en",))]:
        put_message(api, "closed", "closed_hours", HOURS, voice, langs)
        heard[name] = samples(preview_wav(api))
    assert heard["it,en"][1] != heard["en,it"][1]
    rate = heard["it,en"][0]
    # The first language is the one chosen first: the silence between
    # the two comes after the Italian in it,en and after the English
    # in en,it, each as long as that language alone.
    first_it = language_gap_s(rate, heard["it,en"][1])
    first_en = language_gap_s(rate, heard["en,it"][1])
    alone_it = len(heard["it"][1]) / rate
    alone_en = len(heard["en"][1]) / rate
    assert first_it is not None and first_en is not None
    assert abs(first_it - alone_it) < 0.05 * alone_it + 0.35
    assert abs(first_en - alone_en) < 0.05 * alone_en + 0.35
    assert abs(alone_it - alone_en) > 0.5
    assert abs(first_it - first_en) > 0.5
    assert language_gap_s(rate, heard["it"][1]) is None

    # Voice: the female voice is pitched well above the male one, and
    # the two differ in bytes and length.
    voices = {}
    for voice in ("male", "female"):
        put_message(api, "welcome", "welcome_hold", voice=voice)
        body = preview_wav(api, "welcome")
        voices[voice] = (body, pitch_hz(*samples(body)),
                         preview(api, "welcome")["duration_ms"])
    assert voices["male"][0] != voices["female"][0]
    assert voices["male"][2] != voices["female"][2]
    assert voices["female"][1] > 1.5 * voices["male"][1], \
        (voices["female"][1], voices["male"][1])
    assert 70 < voices["male"][1] < 160


def test_a_missing_value_never_reaches_a_caller(stack, operator):
    """The draft may lack a value; preview and apply name it, and the
    IVR never speaks "{close}"."""
    t, api = company(stack, operator)
    put_message(api, "closed", "closed_hours",
                {"open": "09:00", "day_from": "monday", "day_to": "friday"})
    r = api.get("/v1/messages/closed/preview")
    assert r.status == 422, r
    assert r.json["field"] == "values.close"
    r = api.post("/v1/apply")
    assert r.status == 422, r
    assert r.json["field"] == "messages.closed.values.close"
    # A kind without a message in the draft, and no such kind.
    assert api.get("/v1/messages/no_answer/preview").status == 404
    assert api.get("/v1/messages/holiday/preview").status == 404
    # Another tenant's admin previews its own draft, never this one.
    other_t, other = company(stack, operator)
    assert other.get("/v1/messages/closed/preview").status == 404


def _benc(v):
    if isinstance(v, dict):
        return b"d" + b"".join(_benc(k) + _benc(x)
                               for k, x in sorted(v.items())) + b"e"
    if isinstance(v, str):
        v = v.encode()
    return b"%d:%s" % (len(v), v)


def ng(stack, cmd):
    """One ng command to the stack's rtpengine; the raw answer."""
    port = int(stack.env["OV_RTPENGINE_NG"].rsplit(":", 1)[1])
    cookie = b"t%d" % random.randrange(10 ** 9)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        s.sendto(cookie + b" " + _benc(cmd), ("127.0.0.1", port))
        reply = s.recv(65535)
    finally:
        s.close()
    assert reply.startswith(cookie + b" ")
    return reply[len(cookie) + 1:]


def play(stack, tenant, message, call_id, tag, *extra):
    return stack.ovctl("ivr", "play", "--tenant", tenant, "--message",
                       message, "--call-id", call_id, "--from-tag", tag,
                       *extra)


def test_play_into_a_call_reaches_the_caller(stack, operator):
    """prompt.play tells rtpengine to play the cached prompt towards the
    caller: the caller's RTP port receives it whole, as PCMA, and the
    answer says how long it plays."""
    t, api = company(stack, operator)
    put_message(api, "welcome", "welcome_hold")
    ms = preview(api, "welcome")["duration_ms"]
    assert api.post("/v1/apply").status == 200
    wait_until(lambda: any(e["event"] == "prompt.rendered"
                           and e["tenant"] == t["id"]
                           for e in stack.log_events("ivr")), 2.0,
               "pre-rendered")
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    port = rtp.getsockname()[1]
    call_id = f"ivr-test-{random.randrange(10 ** 9)}@127.0.0.1"
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
           "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           f"m=audio {port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
           "a=sendrecv\r\n")
    try:
        assert b"6:result2:ok" in ng(stack, {
            "command": "offer", "call-id": call_id, "from-tag": "caller",
            "sdp": sdp})
        r = play(stack, t["id"], "welcome", call_id, "caller")
        assert r.returncode == 0, r.stderr
        assert f"duration_ms={ms}" in r.stdout
        rtp.settimeout(1.0)
        packets = loud = 0
        first = last = None
        try:
            while True:
                data, _ = rtp.recvfrom(2048)
                now = time.monotonic()
                first = first or now
                last = now
                assert data[1] & 0x7f == 8  # PCMA
                packets += 1
                # A-law silence is 0xd5/0x55 and their neighbours.
                if any(b not in (0xd5, 0x55, 0xd4, 0x54) for b in data[12:]):
                    loud += 1
        except socket.timeout:
            pass
        expected = ms / 20
        assert packets >= 0.9 * expected, (packets, expected)
        assert loud >= 0.6 * expected, (loud, expected)
        assert (last - first) * 1000 >= 0.9 * ms
    finally:
        rtp.close()
        ng(stack, {"command": "delete", "call-id": call_id,
                   "from-tag": "caller"})
    ev = [e for e in stack.log_events("ivr")
          if e["event"] == "prompt.played" and e.get("call_id") == call_id]
    assert ev and ev[0]["cached"] is True and ev[0]["ms"] == ms


def test_play_failures_are_clear(stack, operator):
    t, api = company(stack, operator)
    put_message(api, "closed", "closed_hours", HOURS)
    assert api.post("/v1/apply").status == 200
    # A call rtpengine does not hold.
    r = play(stack, t["id"], "closed", "no-such-call@x", "caller")
    assert r.returncode == 1
    assert "not_found" in r.stderr and "Unknown call" in r.stderr
    # A message the version does not have, a version that does not
    # exist, a message that does not exist.
    r = play(stack, t["id"], "welcome", "c@x", "caller")
    assert r.returncode == 1 and "no welcome message enabled" in r.stderr
    r = play(stack, t["id"], "closed", "c@x", "caller", "--version", "99")
    assert r.returncode == 1 and "not_found" in r.stderr
    r = play(stack, t["id"], "holiday", "c@x", "caller")
    assert r.returncode == 1 and "not_found" in r.stderr
    # An rtpengine the IVR was not told about is refused, not called.
    r = play(stack, t["id"], "closed", "c@x", "caller", "--rtpengine",
             "udp:192.0.2.1:2223")
    assert r.returncode == 1 and "invalid_argument" in r.stderr
    failed = [e for e in stack.log_events("ivr")
              if e["event"] == "prompt.play_failed"
              and e.get("tenant") == t["id"]]
    assert len(failed) >= 5
    # rtpengine down: unavailable, quickly, and logged.
    stack.sh("stop", "rtpengine")
    try:
        t0 = time.monotonic()
        r = play(stack, t["id"], "closed", "c@x", "caller")
        assert r.returncode == 1 and "unavailable" in r.stderr
        assert time.monotonic() - t0 < 2
    finally:
        stack.start("rtpengine")


def test_ivr_down_preview_503_then_restart_keeps_the_cache(stack, operator):
    t, api = company(stack, operator)
    put_message(api, "closed", "closed_hours",
                {**HOURS, "close": "19:45"})
    assert api.post("/v1/apply").status == 200
    wait_until(lambda: any(e["event"] == "prompt.rendered"
                           and e["tenant"] == t["id"]
                           for e in stack.log_events("ivr")), 2.0,
               "pre-rendered")
    files = cache_files(stack)
    stack.sh("stop", "ivr")
    try:
        r = api.get("/v1/messages/closed/preview")
        assert r.status == 503, r
        assert r.headers["Content-Type"] == "application/problem+json"
        assert r.headers.get("Retry-After")
        r = api.get("/v1/messages/closed/preview",
                    headers={"Accept": "audio/wav"})
        assert r.status == 503
    finally:
        stack.start("ivr")
    # Back: the prompts survived the restart and nothing was made
    # again for this tenant (found in the cache).
    assert files <= cache_files(stack)
    restarted = wait_until(
        lambda: [e for e in stack.log_events("ivr")
                 if e["event"] == "prompt.rendered"
                 and e["tenant"] == t["id"]][1:], 10,
        "pre-rendered again after the restart")
    assert restarted[-1]["cached"] is True
    scans = [e for e in stack.log_events("ivr") if e["event"] == "cache.scanned"]
    assert scans[-1]["prompts"] >= 1
    wait_until(lambda: api.get("/v1/messages/closed/preview").status == 200,
               10, "preview through the IVR again")
