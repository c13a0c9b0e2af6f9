"""Phones behind NAT (docs/edge.md, "Phones behind NAT"): they write a
private address in Via, Contact and SDP, and can be reached only where
their packets come from. On loopback: SIPp phones (behind_nat()) and
the test phone of sipua.py send from 127.0.0.1 and name 192.168.1.10;
nothing is ever sent to that address."""
import re
import struct
import threading
import time

import pytest

from calls import Company, behind_nat, finish, messages, with_rtp_port
from conftest import wait_until
from rtp import RtpListener
from sipua import Phone


@pytest.fixture(scope="module")
def company(stack, operator):
    return Company(stack, operator, [("Mario Rossi", "Mario", "01"),
                                     ("Sara Bianchi", "Sara", "02"),
                                     ("Laura Verdi", "Laura", "05")],
                   nat=True)


def ok(r):
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def sdp_media(text, after):
    """(address, port) of the SDP in the first message of text that
    starts with `after`."""
    msg = text[text.index(after):]
    addr = re.search(r"^c=IN IP4 (\S+)", msg, re.M).group(1)
    port = int(re.search(r"^m=audio (\d+) ", msg, re.M).group(1))
    return addr, port


def send_rtp(rtp, dest, count=50):
    """count PCMA packets of 20 ms from rtp's socket to dest."""
    ssrc = rtp.port
    for seq in range(count):
        head = struct.pack("!BBHII", 0x80, 8, seq, seq * 160, ssrc)
        rtp.sock.sendto(head + bytes([0xD5]) * 160, dest)
        time.sleep(0.02)


def final_replies(trace, cseq):
    """Status codes of the final replies received for CSeq `cseq`
    ("2 BYE", or just "BYE") in a SIPp trace."""
    codes = []
    for msg in re.split(r"\n(?=-+ \S)", trace):
        if "message received" not in msg:
            continue
        m = re.search(r"^SIP/2\.0 (\d{3})", msg, re.M)
        if m and int(m.group(1)) >= 200 and \
                re.search(rf"^CSeq:\s*(\d+ )?{cseq}\s*$", msg, re.M | re.I):
            codes.append(int(m.group(1)))
    return codes


def test_callee_behind_nat_gets_ack_and_bye_and_audio_flows(stack, company):
    company.ringing("simultaneous", ["Laura"])
    company.apply()
    port = company.users["Laura"]["port"]
    ok(company.register("Laura", port))
    callee_rtp, caller_rtp = RtpListener(), RtpListener()
    laura = stack.sipp_bg(behind_nat("uas.xml", callee_rtp.port),
                          "-trace_msg", port=port, limit="90s")
    # The caller hangs up after 40 s: past the 32 s a phone waits for
    # the ACK of its 200, so a lost ACK would have ended the call.
    caller = stack.sipp_bg(with_rtp_port("call.xml", caller_rtp.port),
                           "-s", company.national, "-key", "from",
                           "3331234567", "-key", "domain", company.domain,
                           "-d", "40000", "-trace_msg",
                           port=stack.trunk_in, limit="90s")
    try:
        wait_until(lambda: "SIP/2.0 200" in messages(caller), 15,
                   "the caller's 200")
        # Each end sends to the rtpengine port its SDP names.
        to_callee = sdp_media(messages(laura), "INVITE sip:")
        to_caller = sdp_media(messages(caller), "SIP/2.0 200")
        t = threading.Thread(target=send_rtp, args=(callee_rtp, to_callee))
        t.start()
        send_rtp(caller_rtp, to_caller)
        t.join()
        wait_until(lambda: len(callee_rtp.packets) >= 40 and
                   len(caller_rtp.packets) >= 40, 5,
                   f"audio both ways (callee got {len(callee_rtp.packets)}, "
                   f"caller got {len(caller_rtp.packets)})")
        code, out = finish(caller, timeout=90)
        assert code == 0, out[-3000:]
        code, out = finish(laura, timeout=30)
        assert code == 0, out[-3000:]   # got the ACK, then the BYE
        trace = messages(laura)
        assert "ACK sip:" in trace and "BYE sip:" in trace
        # One final answer to the caller's BYE, and it is 200.
        assert set(final_replies(messages(caller), "BYE")) == {200}
    finally:
        laura.kill()
        caller.kill()
        callee_rtp.close()
        caller_rtp.close()


def test_caller_behind_nat_holds_is_held_and_gets_the_bye(stack, company):
    """Mario and Laura both behind NAT: Mario calls 05, puts Laura on
    hold, Laura puts him on hold, then hangs up."""
    port = company.users["Laura"]["port"]
    ok(company.register("Laura", port))
    ok(company.register("Mario", company.users["Mario"]["port"]))
    laura = stack.sipp_bg(behind_nat("uas_hold.xml"), "-trace_msg",
                          port=port, limit="60s")
    sip = company.users["Mario"]["sip"]
    try:
        r = stack.sipp(behind_nat("call_device_hold.xml"), "-s", "05",
                       "-key", "from", sip["username"], "-key", "domain",
                       company.domain, "-au", sip["auth_username"], "-ap",
                       sip["password"], "-trace_msg", limit="60s",
                       timeout=90)
        ok(r)
        code, out = finish(laura)
        assert code == 0, out[-3000:]
    finally:
        laura.kill()


def test_tcp_phone_behind_nat_gets_everything_on_its_connection(stack,
                                                              company):
    company.ringing("simultaneous", ["Sara"])
    company.apply()
    sip = company.users["Sara"]["sip"]
    phone = Phone(int(stack.env["OV_SIP_PORT"]), "tcp")
    try:
        r = phone.register(sip["username"], company.domain,
                           sip["auth_username"], sip["password"])
        assert r.startswith("SIP/2.0 200"), r
        ok(company.call_in(hold_ms=1000))
        phone.wait(lambda: phone.received("BYE"), 10, "the BYE")
        # The phone has one connection and listens nowhere: the INVITE,
        # the ACK and the BYE all came on it.
        assert phone.received("INVITE") and phone.received("ACK")
        phone.register(sip["username"], company.domain,
                       sip["auth_username"], sip["password"], expires=0)
    finally:
        phone.close()


def test_failed_relay_in_dialog_gets_one_final_answer(stack, company):
    """A BYE whose next hop cannot be reached (a transport the edge has
    no socket for) is answered once, by tm, not again by the script."""
    company.ringing("simultaneous", ["Laura"])
    company.apply()
    port = company.users["Laura"]["port"]
    ok(company.register("Laura", port))
    laura = stack.sipp_bg(behind_nat("uas.xml"), "-trace_msg", port=port,
                          limit="30s")
    try:
        caller = stack.sipp_bg("call_bye_unreachable.xml", "-s",
                               company.national, "-key", "from",
                               "3331234567", "-key", "domain",
                               company.domain, "-trace_msg",
                               port=stack.trunk_in, limit="30s")
        code, out = finish(caller, timeout=60)
        assert code == 0, out[-3000:]
        trace = messages(caller)
        codes = final_replies(trace, "2 BYE")
        assert len(codes) == 1 and codes[0] >= 400, codes
        assert final_replies(trace, "3 BYE") == [200]
    finally:
        laura.kill()


def test_keepalives_ping_nated_phone_and_a_silent_one_is_dropped(stack,
                                                                 company):
    # This edge pings every second and drops after 3 s of silence.
    stack.restart("kamailio", OV_NAT_PING_S="1", OV_NAT_PING_TIMEOUT_S="3")
    sip = company.users["Sara"]["sip"]
    phone = Phone(int(stack.env["OV_SIP_PORT"]), "udp")
    try:
        company.ringing("simultaneous", ["Sara"])
        company.apply()
        r = phone.register(sip["username"], company.domain,
                           sip["auth_username"], sip["password"])
        assert r.startswith("SIP/2.0 200"), r
        phone.wait(lambda: len(phone.pings) >= 3, 10, "three keepalives")
        gaps = [b - a for a, b in zip(phone.pings, phone.pings[1:])]
        assert all(0.5 <= g <= 2.5 for g in gaps), gaps
        # Answered pings keep it; a silent phone loses its binding.
        assert devices_registered(company, "Sara")
        phone.answer_pings = False
        wait_until(lambda: not devices_registered(company, "Sara"), 30,
                   "the silent phone's binding dropped")
        # The router skips it at once: nobody else rings, 480.
        start = time.monotonic()
        ok(company.call_in(expect=480))
        assert time.monotonic() - start < 3
    finally:
        phone.close()
        stack.restart("kamailio")


def devices_registered(company, username):
    r = company.users[username]["api"].get("/v1/me/devices")
    assert r.status == 200, r
    return [b for d in r.json["devices"] for b in d.get("bindings", [])]
