"""Kamailio on a real stack, with SIPp as the phone: OPTIONS, INVITE to
the router and back, the router dying and coming back."""
import os
import signal
import socket
import time
import uuid

from conftest import wait_until

NUMBER = "0612345678"  # no tenant owns it: the router's plan is 404


def sipp_ok(stack, scenario):
    r = stack.sipp(scenario, "-s", NUMBER, port=stack.trunk_in)
    return r.returncode == 0


def test_options_answered_200(stack):
    r = stack.sipp("options.xml")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]


def test_invite_gets_the_routers_plan(stack):
    before = stack.metric("router", "ov_bus_requests_total",
                          'method="route",code="ok"')
    r = stack.sipp("invite_404.xml", "-s", NUMBER, port=stack.trunk_in)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    # The 404 came from the router's plan, not from Kamailio alone.
    assert stack.metric("router", "ov_bus_requests_total",
                        'method="route",code="ok"') == before + 1


def test_router_killed_503_then_back_without_restarting_kamailio(stack):
    kamailio = stack.pid("kamailio")
    router = stack.pid("router")
    os.kill(router, signal.SIGKILL)
    wait_until(lambda: not os.path.exists(f"/proc/{router}"), 10, "router gone")
    try:
        # 503 with Retry-After within 300 ms (SIPp's receive time-out),
        # several times in a row, while OPTIONS are still answered.
        for _ in range(3):
            r = stack.sipp("invite_503.xml", "-s", NUMBER,
                           port=stack.trunk_in)
            assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
            assert stack.sipp("options.xml").returncode == 0
    finally:
        stack.start("router")
    wait_until(lambda: sipp_ok(stack, "invite_404.xml"), 10,
               "plans again after the router restarted")
    assert stack.pid("kamailio") == kamailio
    assert os.path.exists(f"/proc/{kamailio}")


def raw_sip(stack, lines):
    """Sends one request over UDP and returns the first status line."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    tag = uuid.uuid4().hex[:8]
    msg = "\r\n".join(l.format(port=port, tag=tag,
                               sip=stack.env["OV_SIP_PORT"]) for l in lines)
    s.sendto(msg.encode(), ("127.0.0.1", int(stack.env["OV_SIP_PORT"])))
    try:
        data, _ = s.recvfrom(65535)
        return data.split(b"\r\n", 1)[0].decode()
    finally:
        s.close()


def test_max_forwards_exhausted_gets_483(stack):
    status = raw_sip(stack, [
        "OPTIONS sip:someone@127.0.0.1:{sip} SIP/2.0",
        "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{tag};rport",
        "Max-Forwards: 0",
        "From: <sip:t@127.0.0.1>;tag={tag}",
        "To: <sip:someone@127.0.0.1:{sip}>",
        "Call-ID: mf-{tag}@127.0.0.1",
        "CSeq: 1 OPTIONS",
        "Content-Length: 0", "", ""])
    assert status.startswith("SIP/2.0 483"), status


def test_malformed_request_gets_400(stack):
    status = raw_sip(stack, [
        "OPTIONS sip:127.0.0.1:{sip} SIP/2.0",
        "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{tag};rport",
        "Max-Forwards: 70",
        "From: <sip:t@127.0.0.1>;tag={tag}",
        "To: <sip:127.0.0.1:{sip}>",
        "Call-ID: bad-{tag}@127.0.0.1",
        "CSeq: one OPTIONS",
        "Content-Length: 0", "", ""])
    assert status.startswith("SIP/2.0 400"), status
