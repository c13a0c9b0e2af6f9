"""Voice messages heard by callers: SIPp calls the fixed number with its
SDP pointing at a real RTP receiver in the test; the IVR's prompt comes
through rtpengine as early media (183), then the plan goes on."""
import datetime
import json
import os
import subprocess
import time
import zoneinfo


from calls import Company, finish
from conftest import ROOT, free_udp_port, wait_until
from rtp import RtpListener

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday"]


def ok(r):
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def closed_now(c, languages=("it",), voice="female"):
    """A closed message whose opening hours exclude today: closed now."""
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Rome")).weekday()
    r = c.admin.put("/v1/messages/closed", {
        "enabled": True, "template_id": "closed_hours", "voice": voice,
        "languages": list(languages),
        "values": {"open": "09:00", "close": "18:00", "day_from": "monday",
                   "day_to": "friday"},
        "ranges": [{"days": [d for i, d in enumerate(DAYS) if i != today],
                    "from": "00:00", "to": "23:59"}]})
    assert r.status == 200, r


def preview_ms(c, kind):
    r = c.admin.get(f"/v1/messages/{kind}/preview")
    assert r.status == 200, r
    return r.json["duration_ms"]


def call_with_media(stack, c, scenario, expect=None, hold_ms=200):
    rtp = RtpListener()
    try:
        r = stack.sipp(scenario, "-s", c.national, "-key", "from",
                       "3331234567", "-key", "domain", c.domain, "-key",
                       "rtp_port", str(rtp.port), "-d", str(hold_ms),
                       port=stack.trunk_in, limit="60s", timeout=120,
                       expect=expect)
        time.sleep(0.3)  # the last packets in flight
    finally:
        rtp.close()
    return r, rtp


def test_closed_message_is_heard_then_480(stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    c.ringing("sequential", ["Anna"])
    closed_now(c)
    c.apply()
    expected = preview_ms(c, "closed")
    assert expected > 1000
    start = time.monotonic()
    r, rtp = call_with_media(stack, c, "call_announce.xml", expect=480)
    ok(r)
    took = (time.monotonic() - start) * 1000
    # The whole message was played before the 480, as sound.
    assert rtp.sound_ms() >= 0.9 * expected, (rtp.sound_ms(), expected)
    assert rtp.loud_share() > 0.5  # speech, not a click and silence
    assert took >= 0.9 * expected
    assert rtp.max_gap_ms() < 200


def test_welcome_then_the_member_answers(stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    c.ringing("sequential", ["Anna"])
    r = c.admin.put("/v1/messages/welcome", {
        "enabled": True, "template_id": "welcome_short", "voice": "male",
        "languages": ["it"]})
    assert r.status == 200, r
    c.apply()
    expected = preview_ms(c, "welcome")
    anna = c.phone("Anna")
    try:
        r, rtp = call_with_media(stack, c, "call_welcome.xml")
        ok(r)
        assert finish(anna)[0] == 0
        assert rtp.sound_ms() >= 0.9 * expected, (rtp.sound_ms(), expected)
    finally:
        anna.kill()


def test_no_answer_message_after_the_rings(stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    c.ringing("simultaneous", ["Anna"])
    r = c.admin.put("/v1/messages/no_answer", {
        "enabled": True, "template_id": "no_answer_retry", "voice": "female",
        "languages": ["it"], "rings": 3})
    assert r.status == 200, r
    c.apply()
    expected = preview_ms(c, "no_answer")
    anna = c.phone("Anna", "uas_ring.xml")
    try:
        start = time.monotonic()
        r, rtp = call_with_media(stack, c, "call_announce.xml", expect=480)
        ok(r)
        took = (time.monotonic() - start) * 1000
        assert took >= 15000 + 0.9 * expected
        assert rtp.sound_ms() >= 0.9 * expected, (rtp.sound_ms(), expected)
    finally:
        anna.kill()


def test_language_order_and_voice_change_the_audio(stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    heard = {}
    for key, langs, voice in (("it,en/f", ("it", "en"), "female"),
                              ("en,it/f", ("en", "it"), "female"),
                              ("it,en/m", ("it", "en"), "male")):
        closed_now(c, langs, voice)
        c.apply()
        r, rtp = call_with_media(stack, c, "call_announce.xml", expect=480)
        ok(r)
        heard[key] = rtp.signature()
        assert len(heard[key]) > 8000
    # Same words, another order; same order, another voice: other audio.
    assert heard["it,en/f"][:8000] != heard["en,it/f"][:8000]
    assert heard["it,en/f"][:8000] != heard["it,en/m"][:8000]


def test_rtpengine_down_closed_still_ends_with_480(stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    c.ringing("sequential", ["Anna"])
    closed_now(c)
    c.apply()
    stack.sh("stop", "rtpengine")
    try:
        start = time.monotonic()
        r, rtp = call_with_media(stack, c, "call_fail.xml", expect=480)
        ok(r)
        # No prompt, no hang: the plan's final code, within the
        # rtpengine module's time-outs.
        assert time.monotonic() - start < 10
        assert rtp.sound_ms() == 0
    finally:
        stack.start("rtpengine")


def prompts_played(stack):
    """rtpengine instance of every prompt.played line of the IVR's log."""
    out = []
    with open(stack.log_path("ivr")) as f:
        for line in f:
            if '"prompt.played"' in line:
                out.append(json.loads(line).get("rtpengine", ""))
    return out


def test_two_rtpengines_every_caller_hears_the_message(stack, operator):
    """A carrier runs an rtpengine per media node: Kamailio spreads calls
    over them by Call-ID, and the IVR must play into the one holding
    each call (the edge says which), or half the callers hear nothing."""
    ng2 = free_udp_port()
    rtpe2 = subprocess.Popen(
        ["rtpengine", "--config-file=none", "--table=-1",
         "--interface=127.0.0.1", f"--listen-ng=127.0.0.1:{ng2}",
         f"--port-min={stack.base + 1100}", f"--port-max={stack.base + 1199}",
         "--foreground", "--log-stderr"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    second = f"udp:127.0.0.1:{ng2}"
    try:
        wait_until(lambda: subprocess.run(
            ["python3", os.path.join(ROOT, "scripts", "probe.py"), "ng",
             "127.0.0.1", str(ng2)], capture_output=True).returncode == 0,
            10, "the second rtpengine answers ping", interval=0.2)
        stack.restart("ivr", OV_RTPENGINE_MORE=second)
        stack.restart("kamailio", OV_RTPENGINE_MORE=second)
        c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
        c.ringing("sequential", ["Anna"])
        closed_now(c)
        c.apply()
        expected = preview_ms(c, "closed")
        before = len(prompts_played(stack))
        # Calls until each rtpengine has carried one (the Call-ID's hash
        # decides; 16 calls all on one side: 1 in 32,768).
        for _ in range(16):
            r, rtp = call_with_media(stack, c, "call_announce.xml",
                                     expect=480)
            ok(r)
            assert rtp.sound_ms() >= 0.9 * expected, (rtp.sound_ms(),
                                                      expected)
            used = set(prompts_played(stack)[before:])
            if second in used and len(used) == 2:
                break
        assert second in used and len(used) == 2, used
    finally:
        rtpe2.terminate()
        rtpe2.wait(timeout=10)
        stack.restart("kamailio")
        stack.restart("ivr")
