"""SIP over WebSocket (docs/edge.md, "SIP over WebSocket"): a browser's
path into the edge. A small client written here with the standard
library only (the HTTP upgrade and RFC 6455 frames by hand) registers
with digest authentication over ws, as JsSIP does: Contact
sip:...@....invalid;transport=ws, Via SIP/2.0/WS ....invalid."""
import base64
import hashlib
import os
import re
import socket
import ssl
import struct
import time

import pytest

from calls import Company
from conftest import wait_until


def _md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def _header(msg, name):
    m = re.search(rf"^{name}:\s*(.*?)\r?$", msg, re.M | re.I)
    return m.group(1).strip() if m else None


class WsPhone:
    """One WebSocket connection to the edge, sub-protocol sip."""

    def __init__(self, url):
        m = re.match(r"^(wss?)://([^:/]+):(\d+)", url)
        scheme, host, port = m.group(1), m.group(2), int(m.group(3))
        sock = socket.create_connection((host, port), timeout=5)
        if scheme == "wss":
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # the stack's self-signed one
            sock = ctx.wrap_socket(sock)
        self.sock = sock
        self.edge = f"{host}:{port}"
        self.transport = scheme.upper()
        self.host = os.urandom(4).hex() + ".invalid"
        self.tag = os.urandom(4).hex()
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall((f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\n"
                      "Sec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Protocol: sip\r\n"
                      "Origin: http://127.0.0.1\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buf:
            data = sock.recv(4096)
            assert data, "connection closed during the upgrade"
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        head = head.decode()
        assert head.startswith("HTTP/1.1 101"), head
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        assert _header(head, "Sec-WebSocket-Accept") == accept.decode(), head

    # ---- frames ----

    def send_frame(self, payload, opcode=1, length=None):
        """A masked frame (a client's); length overrides the declared
        payload length (for oversized frames sent in part)."""
        n = len(payload) if length is None else length
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def _need(self, n, deadline):
        while len(self.buf) < n:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed by the edge")
            self.buf += data

    def recv_frame(self, timeout=5):
        """(opcode, payload) of the next frame from the edge."""
        deadline = time.monotonic() + timeout
        self._need(2, deadline)
        opcode, n = self.buf[0] & 0x0F, self.buf[1] & 0x7F
        off = 2
        if n == 126:
            self._need(4, deadline)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10, deadline)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._need(off + n, deadline)
        payload, self.buf = self.buf[off:off + n], self.buf[off + n:]
        return opcode, payload

    def recv_sip(self, timeout=5, skip=()):
        """The next SIP message (text frame), answering Pings; messages
        starting with one of `skip` are passed over."""
        deadline = time.monotonic() + timeout
        while True:
            opcode, payload = self.recv_frame(deadline - time.monotonic())
            if opcode == 9:  # Ping: answer with its data
                self.send_frame(payload, opcode=10)
                continue
            if opcode == 8:
                raise ConnectionError("Close frame from the edge")
            msg = payload.decode(errors="replace")
            if not msg.startswith(skip):
                return msg

    def closed_by_edge(self, timeout=5):
        """True once the edge closed the connection (Close frame, or
        the TCP connection ended)."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                opcode, _ = self.recv_frame(deadline - time.monotonic())
                if opcode == 8:
                    return True
        except (ConnectionError, OSError):
            return True
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # ---- SIP ----

    def _via(self):
        return (f"SIP/2.0/{self.transport} {self.host};"
                f"branch=z9hG4bK{os.urandom(6).hex()}")

    def request(self, method, uri, user, domain, cseq, call_id, extra=""):
        self.send_frame((
            f"{method} {uri} SIP/2.0\r\nVia: {self._via()}\r\n"
            f"From: <sip:{user}@{domain}>;tag={self.tag}\r\n"
            f"To: <sip:{user}@{domain}>\r\nCall-ID: {call_id}\r\n"
            f"CSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n{extra}"
            "User-Agent: ovunque ws test\r\nContent-Length: 0\r\n\r\n")
            .encode())
        return self.recv_sip(skip=("SIP/2.0 100",))

    def register(self, sip, expires=300):
        """REGISTER with the credentials of GET /v1/me/sip; answers
        the 401 and returns the final response."""
        user, domain = sip["username"], sip["domain"]
        call_id = os.urandom(8).hex()
        contact = (f"Contact: <sip:{self.tag}@{self.host};"
                   f"transport=ws>;expires={expires}\r\n"
                   f"Expires: {expires}\r\n")
        r = self.request("REGISTER", f"sip:{domain}", user, domain, 1,
                         call_id, contact)
        if not r.startswith("SIP/2.0 401"):
            return r
        ch = _header(r, "WWW-Authenticate")
        realm = re.search(r'realm="([^"]*)"', ch).group(1)
        nonce = re.search(r'nonce="([^"]*)"', ch).group(1)
        uri, cnonce = f"sip:{domain}", os.urandom(4).hex()
        ha1 = _md5(f"{sip['auth_username']}:{realm}:{sip['password']}")
        resp = _md5(f"{ha1}:{nonce}:00000001:{cnonce}:auth:"
                    f"{_md5('REGISTER:' + uri)}")
        auth = (f'Authorization: Digest username="{sip["auth_username"]}", '
                f'realm="{realm}", nonce="{nonce}", uri="{uri}", '
                f'response="{resp}", qop=auth, nc=00000001, '
                f'cnonce="{cnonce}", algorithm=MD5\r\n')
        return self.request("REGISTER", f"sip:{domain}", user, domain, 2,
                            call_id, contact + auth)

    def options(self):
        """OPTIONS to the edge itself (its ws address)."""
        return self.request("OPTIONS", f"sip:{self.edge};transport=ws",
                            "ping", self.host, 1, os.urandom(8).hex())


@pytest.fixture(scope="module")
def company(stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "07")])
    r = c.users["Anna"]["api"].get("/v1/me/sip?device=web")
    assert r.status == 200, r
    c.users["Anna"]["web"] = r.json
    return c


def web_bindings(company):
    r = company.users["Anna"]["api"].get("/v1/me/devices")
    assert r.status == 200, r
    for d in r.json["devices"]:
        if d["device"] == "web":
            return d["bindings"]
    return []


def udp_options_ok(stack):
    r = stack.sipp("options.xml")
    return r.returncode == 0


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_register_over_websocket_with_digest(stack, company, scheme):
    url = stack.env.get(f"OV_SIP_{scheme.upper()}_URL")
    if not url:
        pytest.skip(f"no {scheme} listener (no openssl for the certificate)")
    sip = company.users["Anna"]["web"]
    assert sip["ws_url"] == stack.env["OV_SIP_WS_URL"]
    phone = WsPhone(url)
    try:
        r = phone.register(sip)
        assert r.startswith("SIP/2.0 200"), r
        assert phone.host in _header(r, "Contact"), r
        bs = wait_until(lambda: web_bindings(company), 5,
                        "the web device's binding")
        assert any(b["received"].endswith(";transport=" + scheme) and
                   phone.host in b["contact"] for b in bs), bs
        # The connection carries more than one transaction.
        assert phone.options().startswith("SIP/2.0 200")
        # Expires 0 removes it.
        r = phone.register(sip, expires=0)
        assert r.startswith("SIP/2.0 200"), r
        wait_until(lambda: not any(phone.host in b["contact"]
                                   for b in web_bindings(company)), 5,
                   "the binding removed")
    finally:
        phone.close()


def test_call_reaches_the_browser_on_its_own_connection(stack, company):
    """An INVITE to a ws binding goes back on the connection the
    REGISTER came on (its received address, no new connection)."""
    company.ringing("simultaneous", ["Anna"])
    company.apply()
    phone = WsPhone(stack.env["OV_SIP_WS_URL"])
    caller = None
    try:
        assert phone.register(company.users["Anna"]["web"]).startswith(
            "SIP/2.0 200")
        caller = company.call_in(background=True, limit="20s")
        invite = phone.recv_sip(timeout=10)
        assert invite.startswith("INVITE "), invite
        assert ";transport=ws" in invite.split("\r\n", 1)[0], invite
        # Busy: the call ends (the caller's SIPp fails; not our concern).
        via = "\r\n".join(f"Via: {v}" for v in re.findall(
            r"^Via:\s*(.*?)\r?$", invite, re.M | re.I))
        hdr = {h: _header(invite, h) for h in ("From", "To", "Call-ID", "CSeq")}
        phone.send_frame((
            f"SIP/2.0 486 Busy Here\r\n{via}\r\nFrom: {hdr['From']}\r\n"
            f"To: {hdr['To']};tag={phone.tag}\r\nCall-ID: {hdr['Call-ID']}\r\n"
            f"CSeq: {hdr['CSeq']}\r\nContent-Length: 0\r\n\r\n").encode())
        ack = phone.recv_sip(timeout=5)
        assert ack.startswith("ACK "), ack
    finally:
        if caller:
            caller.kill()
            caller.communicate()
        phone.close()


def test_oversized_frame_closes_only_its_connection(stack, company):
    good = WsPhone(stack.env["OV_SIP_WS_URL"])
    bad = WsPhone(stack.env["OV_SIP_WS_URL"])
    try:
        # A frame that declares 1 MiB (far over the 16 KiB read buffer);
        # the edge closes the connection before it all arrives.
        try:
            bad.send_frame(b"OPTIONS " + b"x" * 65536, length=1 << 20)
        except OSError:
            pass  # already closed under us: what we want
        assert bad.closed_by_edge(), "the oversized frame was accepted"
        # A malformed one (reserved opcode 3) too.
        worse = WsPhone(stack.env["OV_SIP_WS_URL"])
        try:
            worse.send_frame(b"hello", opcode=3)
            assert worse.closed_by_edge(), "a reserved opcode was accepted"
        finally:
            worse.close()
        # Others are unharmed: the other WebSocket and UDP.
        assert good.options().startswith("SIP/2.0 200")
        assert udp_options_ok(stack)
    finally:
        good.close()
        bad.close()


def test_keepalive_over_the_websocket_and_a_closed_one_drops_the_binding(
        stack, company):
    """usrloc pings a browser (always "behind NAT") with OPTIONS over
    its WebSocket; when the connection closes (a tab closed, a laptop
    asleep past the WebSocket pings), handle_lost_tcp expires the
    contact and the registrar drops the binding at the next timer run,
    without waiting for the registration to expire."""
    stack.restart("kamailio", OV_NAT_PING_S="1", OV_NAT_PING_TIMEOUT_S="30")
    phone = WsPhone(stack.env["OV_SIP_WS_URL"])
    try:
        assert phone.register(company.users["Anna"]["web"]).startswith(
            "SIP/2.0 200")
        wait_until(lambda: any(phone.host in b["contact"]
                               for b in web_bindings(company)), 5,
                   "the binding")
        ping = phone.recv_sip(timeout=5)
        assert ping.startswith("OPTIONS "), ping
        phone.close()
        start = time.monotonic()
        wait_until(lambda: not any(phone.host in b["contact"]
                                   for b in web_bindings(company)), 10,
                   "the closed WebSocket's binding dropped")
        assert time.monotonic() - start < 10
    finally:
        phone.close()
        stack.restart("kamailio")
