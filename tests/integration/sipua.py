"""A small SIP phone for the tests SIPp cannot play: one that keeps a
single connection (TCP) or socket (UDP) for everything, the way a phone
behind NAT must, and answers (or ignores) the edge's keepalive OPTIONS.

It registers with digest authentication, answers INVITEs (180, 200 with
SDP), and records every request it receives with the connection it came
on. Addresses it writes in Via, Contact and SDP are private ones, as a
phone behind NAT writes them; its packets go only to the edge on
loopback."""
import hashlib
import os
import re
import socket
import threading
import time

PRIVATE = "192.168.1.10"


def _md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def _header(msg, name):
    m = re.search(rf"^{name}:\s*(.*?)\r?$", msg, re.M | re.I)
    return m.group(1).strip() if m else None


class Phone:
    def __init__(self, edge_port, transport="udp", rtp_port=40000):
        self.transport = transport
        self.edge = ("127.0.0.1", edge_port)
        self.rtp_port = rtp_port
        self.answer_pings = True
        self.pings = []            # arrival times of keepalive OPTIONS
        self.requests = []         # (method, message) received
        self.responses = []        # messages received
        self.tag = os.urandom(4).hex()
        self._lock = threading.Condition()
        if transport == "tcp":
            self.sock = socket.create_connection(self.edge, timeout=5)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.local_port = self.sock.getsockname()[1]
        self._buf = b""
        self._stop = False
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    # ---- wire ----

    def send(self, text):
        data = text.encode()
        if self.transport == "tcp":
            self.sock.sendall(data)
        else:
            self.sock.sendto(data, self.edge)

    def _messages(self):
        if self.transport == "udp":
            try:
                data, _ = self.sock.recvfrom(65535)
            except (socket.timeout, OSError):
                return []
            return [data.decode(errors="replace")]
        try:
            data = self.sock.recv(65535)
        except socket.timeout:
            data = None
        except OSError:
            return []
        if data == b"":
            self._stop = True
            return []
        if data:
            self._buf += data
        out = []
        while True:
            self._buf = self._buf.lstrip(b"\r\n")
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = self._buf[:end].decode(errors="replace")
            n = int(_header(head, "Content-Length") or _header(head, "l") or 0)
            if len(self._buf) < end + 4 + n:
                break
            out.append(self._buf[:end + 4 + n].decode(errors="replace"))
            self._buf = self._buf[end + 4 + n:]
        return out

    def _run(self):
        while not self._stop:
            for msg in self._messages():
                self._handle(msg)

    def close(self):
        self._stop = True
        self._t.join(2)
        self.sock.close()

    # ---- messages ----

    def _via(self):
        return (f"SIP/2.0/{self.transport.upper()} {PRIVATE}:5060"
                f";branch=z9hG4bK{os.urandom(6).hex()};rport")

    def _contact(self, user):
        return f"<sip:{user}@{PRIVATE}:5060;transport={self.transport}>"

    def _reply(self, req, code, reason, extra="", body=""):
        lines = [f"SIP/2.0 {code} {reason}"]
        for line in req.split("\r\n")[1:]:
            if not line:
                break
            name = line.split(":", 1)[0].strip().lower()
            if name in ("via", "v", "from", "f", "call-id", "i", "cseq",
                        "record-route"):
                lines.append(line)
            elif name in ("to", "t"):
                lines.append(line if ";tag=" in line
                             else f"{line};tag={self.tag}")
        if extra:
            lines.append(extra)
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body)}")
        self.send("\r\n".join(lines) + "\r\n\r\n" + body)

    def sdp(self):
        return (f"v=0\r\no=phone 1 1 IN IP4 {PRIVATE}\r\ns=-\r\n"
                f"c=IN IP4 {PRIVATE}\r\nt=0 0\r\n"
                f"m=audio {self.rtp_port} RTP/AVP 8\r\n"
                "a=rtpmap:8 PCMA/8000\r\n")

    def _handle(self, msg):
        first = msg.split("\r\n", 1)[0]
        with self._lock:
            if first.startswith("SIP/2.0"):
                self.responses.append(msg)
                self._lock.notify_all()
                return
            method = first.split(" ", 1)[0]
            self.requests.append((method, msg))
            self._lock.notify_all()
        if method == "OPTIONS":
            self.pings.append(time.monotonic())
            if self.answer_pings:
                self._reply(msg, 200, "OK")
        elif method == "INVITE":
            self._reply(msg, 180, "Ringing", f"Contact: {self._contact('phone')}")
            self._reply(msg, 200, "OK", f"Contact: {self._contact('phone')}",
                        self.sdp())
        elif method in ("BYE", "CANCEL"):
            self._reply(msg, 200, "OK")

    def wait(self, pred, timeout, what):
        end = time.monotonic() + timeout
        with self._lock:
            while True:
                v = pred()
                if v:
                    return v
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"phone: timed out waiting for {what}")
                self._lock.wait(min(left, 0.2))

    def received(self, method):
        return [m for k, m in self.requests if k == method]

    # ---- REGISTER ----

    def register(self, user, domain, auth_user, password, expires=300):
        """Registers sip:user@domain (answering the 401); returns the
        final response."""
        call_id = os.urandom(8).hex()
        seen = len(self.responses)
        auth = ""
        for cseq in (1, 2):
            self.send(
                f"REGISTER sip:{domain} SIP/2.0\r\n"
                f"Via: {self._via()}\r\n"
                f"From: <sip:{user}@{domain}>;tag={self.tag}\r\n"
                f"To: <sip:{user}@{domain}>\r\n"
                f"Call-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\n"
                f"Contact: {self._contact(user)}\r\n{auth}"
                f"Expires: {expires}\r\nMax-Forwards: 70\r\n"
                "User-Agent: ovunque test phone\r\nContent-Length: 0\r\n\r\n")
            r = self.wait(lambda: [m for m in self.responses[seen:]
                                   if not m.startswith("SIP/2.0 100")],
                          5, "a REGISTER answer")[0]
            seen = self.responses.index(r) + 1
            if not r.startswith("SIP/2.0 401") or cseq == 2:
                return r
            ch = _header(r, "WWW-Authenticate")
            realm = re.search(r'realm="([^"]*)"', ch).group(1)
            nonce = re.search(r'nonce="([^"]*)"', ch).group(1)
            uri = f"sip:{domain}"
            cnonce = os.urandom(4).hex()
            ha1 = _md5(f"{auth_user}:{realm}:{password}")
            ha2 = _md5(f"REGISTER:{uri}")
            resp = _md5(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}")
            auth = (f'Authorization: Digest username="{auth_user}", '
                    f'realm="{realm}", nonce="{nonce}", uri="{uri}", '
                    f'response="{resp}", qop=auth, nc=00000001, '
                    f'cnonce="{cnonce}", algorithm=MD5\r\n')
        raise AssertionError("unreachable")
