"""Kamailio on a real stack, with SIPp as the phone: OPTIONS, INVITE to
the router and back, the router dying and coming back."""
import os
import signal
import socket
import subprocess
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


def test_edge_http_serves_metrics_and_health_and_refuses_sip(stack):
    """Kamailio's own HTTP port (OV_HTTP_PORT): Prometheus metrics with
    its statistics and our call counters, the probes' /healthz and
    /readyz; anything else is refused, SIP included."""
    for path in ("/healthz", "/readyz"):
        assert stack.http("edge", path)[0] == 200
    assert stack.http("edge", "/nothing")[0] == 404
    before = stack.metric("edge", "kamailio_calls_total", 'origin="trunk"')
    assert sipp_ok(stack, "invite_404.xml")
    assert stack.metric("edge", "kamailio_calls_total",
                        'origin="trunk"') == before + 1
    status, ctype, text = stack.http("edge", "/metrics")
    assert status == 200 and "kamailio_dialog_active_dialogs" in text
    # SIP sent to the HTTP port gets a 403, not a call.
    port = int(stack.env["OV_EDGE_HTTP"].rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        branch = "z9hG4bK" + uuid.uuid4().hex
        s.sendall((
            f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP 127.0.0.1:{s.getsockname()[1]};branch={branch}\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=1\r\n"
            f"To: <sip:127.0.0.1:{port}>\r\nCall-ID: {uuid.uuid4().hex}\r\n"
            "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode())
        assert s.recv(4096).startswith(b"SIP/2.0 403 ")


def launcher(tmp, **env):
    """scripts/kamailio.sh with env, Kamailio itself replaced by
    /bin/true: what it checks and writes before it starts."""
    e = dict(os.environ, OV_SIP_PORT="5060", OV_RUN_DIR=tmp,
             OV_ROUTER_URL="ipc:///r", OV_REGISTRAR_URL="ipc:///g",
             OV_RTPENGINE="udp:127.0.0.1:2223", OV_KAMAILIO="/bin/true")
    e.update(env)
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    return subprocess.run(["bash", os.path.join(root, "scripts",
                                                "kamailio.sh")],
                          env=e, capture_output=True, text=True, timeout=30)


def test_trunk_sources_become_the_permissions_address_file(tmp_path):
    r = launcher(str(tmp_path), OV_TRUNK_SOURCES=(
        "1.2.3.4:5060, 10.1.0.0/16,[2001:db8::1]:5061,fd00::/8,5.6.7.8"))
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "kamailio" / "trunk.address") as f:
        rows = [line.split() for line in f if not line.startswith("#")]
    assert rows == [["1", "1.2.3.4", "32", "5060"],
                    ["1", "10.1.0.0", "16", "0"],
                    ["1", "2001:db8::1", "128", "5061"],
                    ["1", "fd00::", "8", "0"],
                    ["1", "5.6.7.8", "32", "0"]]
    for bad in ("carrier.example", "1.2.3.4/33", "1.2.3.4:70000",
                "fd00::/129", "1.2.3"):
        r = launcher(str(tmp_path), OV_TRUNK_SOURCES=bad)
        assert r.returncode == 2 and "OV_TRUNK_SOURCES" in r.stderr, (bad, r)
