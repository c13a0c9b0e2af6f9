"""The admin API's HTTP edge, as an attacker on the internet would try it
(issue 21; docs/admin.md, "The HTTP edge"): request smuggling, bodies
of other media types, the security headers, libmicrohttpd's own answers
and log lines."""
import json
import socket
import time
import urllib.parse
import urllib.request

from admin_api import Api
from conftest import wait_until


def addr(stack):
    u = urllib.parse.urlparse(stack.env["OV_ADMIN_HTTP"])
    return u.hostname, u.port


def exchange(stack, data, timeout=5.0):
    """Sends raw bytes on a fresh connection and reads until the server
    closes it (or timeout). Returns (bytes read, closed by the server)."""
    s = socket.create_connection(addr(stack), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                b = s.recv(65536)
            except socket.timeout:
                return out, False
            if not b:
                return out, True
            out += b
        return out, False
    finally:
        s.close()


def responses(raw):
    """The responses in a byte stream: [(status, headers, body)]."""
    out = []
    while raw.startswith(b"HTTP/1."):
        head, _, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        out.append((status, headers, rest[:n]))
        raw = rest[n:]
    return out


def assert_problem_raw(resp, status):
    st, headers, body = resp
    assert st == status, resp
    assert headers["content-type"] == "application/problem+json", resp
    assert headers["x-content-type-options"] == "nosniff", resp
    doc = json.loads(body)
    assert doc["status"] == status and doc["detail"], doc


def test_content_length_with_chunked_is_refused_and_the_connection_closed(stack):
    hidden = b"GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n"
    body = b"0\r\n\r\n" + hidden
    req = (b"POST /v1/auth/forgot HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: application/json\r\n"
           b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n" % len(body)
           + body)
    raw, closed = exchange(stack, req)
    got = responses(raw)
    # One answer, 400, and the request hidden in the body never runs.
    assert len(got) == 1, raw
    assert_problem_raw(got[0], 400)
    assert got[0][1].get("connection") == "close"
    assert closed


def test_two_content_lengths_are_refused(stack):
    req = (b"POST /v1/auth/forgot HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: application/json\r\n"
           b"Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}")
    raw, closed = exchange(stack, req)
    got = responses(raw)
    assert len(got) == 1, raw
    assert_problem_raw(got[0], 400)
    assert closed


def test_chunked_bodies_need_a_length_and_a_bad_chunk_is_problem_json(stack):
    body = json.dumps({"number": "+390612345678", "username": "x"}).encode()
    req = (b"POST /v1/auth/forgot HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    raw, closed = exchange(stack, req)
    got = responses(raw)
    assert len(got) == 1, raw
    assert_problem_raw(got[0], 411)
    assert closed
    # The probe: a bad chunk size got libmicrohttpd's HTML.
    raw, closed = exchange(stack, b"POST /v1/auth/forgot HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Type: application/json\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n")
    got = responses(raw)
    assert len(got) == 1, raw
    assert got[0][0] in (400, 411)
    assert_problem_raw(got[0], got[0][0])


def test_libmicrohttpd_own_errors_are_problem_json(stack):
    # A 100 KB header: over the connection's memory, refused by the
    # library before any handler runs.
    raw, closed = exchange(stack, b"GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n"
                           b"X-Big: " + b"a" * 100_000 + b"\r\n\r\n")
    got = responses(raw)
    assert len(got) == 1, raw[:300]
    assert_problem_raw(got[0], 431)
    assert closed
    # A request line it cannot parse.
    raw, closed = exchange(stack, b"GET /v1/openapi.json HTTP/1.1\r\n"
                           b"Host: x\r\nBroken header line\r\n\r\n")
    got = responses(raw)
    assert len(got) == 1, raw[:300]
    assert_problem_raw(got[0], 400)


def test_libmicrohttpd_messages_are_json_log_lines(stack):
    exchange(stack, b"GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n"
             b"X-Big: " + b"a" * 100_000 + b"\r\n\r\n")
    exchange(stack, b"POST /v1/auth/forgot HTTP/1.1\r\nHost: x\r\n"
             b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello")
    with open(stack.log_path("admin"), errors="replace") as f:
        lines = [line for line in f if line.strip()]
    bad = [line for line in lines if not line.startswith("{")]
    assert not bad, bad[:5]
    for line in lines:
        assert json.loads(line)["event"]
    assert any(json.loads(line)["event"] == "http.server_message"
               for line in lines)


def test_bodies_must_be_json(stack, operator):
    api = Api(stack.env["OV_ADMIN_HTTP"], source="127.0.0.6")
    forgot = {"number": "+390600000001", "username": "Amministratore"}
    # What any web page can send from a victim's browser with no CORS
    # preflight: text/plain, a form, multipart.
    for ct, data in [("text/plain", json.dumps(forgot).encode()),
                     ("application/x-www-form-urlencoded",
                      urllib.parse.urlencode(forgot).encode()),
                     ("multipart/form-data; boundary=x",
                      b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\nb\r\n--x--\r\n")]:
        r = api.call("POST", "/v1/auth/forgot", raw=data,
                     headers={"Content-Type": ct})
        assert r.status == 415, (ct, r)
        assert r.headers["Content-Type"] == "application/problem+json"
    r = api.call("POST", "/v1/auth/forgot", raw=json.dumps(forgot).encode(),
                 headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status == 202, r
    # An authenticated JSON operation, and a body sent where none is
    # taken, the same.
    r = operator.call("POST", "/v1/tenants", raw=b'{"company_name":"x"}',
                      headers={"Content-Type": "text/plain"})
    assert r.status == 415, r
    r = api.call("POST", "/v1/auth/logout", raw=b"a=b",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 415, r


def test_every_answer_has_the_security_headers(stack, operator):
    api = Api(stack.env["OV_ADMIN_HTTP"])
    for r in [api.get("/v1/openapi.json"), api.get("/v1/users"),
              api.get("/v1/nothing-here"), operator.get("/v1/tenants")]:
        h = {k.lower(): v for k, v in r.headers.items()}
        assert h["x-content-type-options"] == "nosniff", r
        assert h["content-security-policy"] == \
            "default-src 'none'; frame-ancestors 'none'", r
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"
    for svc in ("admin", "notify", "router"):
        url = stack.env[f"OV_{svc.upper()}_HTTP"] + "/healthz"
        with urllib.request.urlopen(url, timeout=5) as r:
            assert r.headers["X-Content-Type-Options"] == "nosniff", svc


def test_app_pages_allow_only_the_app_and_its_sip_websocket(stack):
    ws = urllib.parse.urlparse(stack.env["OV_SIP_WS_URL"])
    for path in ("/", "/login", "/manifest.webmanifest"):
        r = Api(stack.env["OV_ADMIN_HTTP"]).get(path)
        assert r.status == 200, (path, r)
        h = {k.lower(): v for k, v in r.headers.items()}
        assert h["x-content-type-options"] == "nosniff"
        csp = {d.split()[0]: d.split()[1:]
               for d in h["content-security-policy"].split("; ")}
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["connect-src"] == ["'self'", f"{ws.scheme}://{ws.netloc}"]
        assert not any("unsafe" in v for vs in csp.values() for v in vs)


def slow_connection(stack, source="127.0.0.2"):
    """A connection from another loopback address that has sent one byte
    of a request head."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(5)
    s.connect(addr(stack))
    s.sendall(b"G")
    return s


def closed_by_server(s):
    s.settimeout(0.05)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


def test_slow_clients_get_their_share_and_a_deadline(stack):
    """Issue 21, item 1, short: one address's slow connections are held
    to the per-address limit, the others are answered meanwhile, and a
    head that trickles in a byte at a time is cut at its deadline."""
    stack.restart("admin", OV_HTTP_PER_IP_LIMIT="8", OV_HTTP_HEAD_TIMEOUT_S="60")
    socks = []
    try:
        socks = [slow_connection(stack) for _ in range(20)]
        # Those over the limit are closed at once; 8 stay open.
        wait_until(lambda: sum(closed_by_server(s) for s in socks) >= 12,
                   5, "connections over the per-address limit closed")
        api = Api(stack.env["OV_ADMIN_HTTP"])
        for _ in range(5):  # from 127.0.0.1 meanwhile
            assert api.get("/v1/openapi.json").status == 200
        assert sum(not closed_by_server(s) for s in socks) == 8
        for s in socks:
            s.close()
        stack.restart("admin", OV_HTTP_HEAD_TIMEOUT_S="2")
        # Trickle: a byte every 0.2 s restarted libmicrohttpd's timeout
        # each time; the head's deadline does not restart.
        t = slow_connection(stack, "127.0.0.3")
        socks.append(t)
        cut = stack.metric("admin", "ov_http_refused_total",
                           'reason="head_timeout"')

        def trickled_and_cut():
            try:
                t.sendall(b"E")
            except OSError:
                return True
            return closed_by_server(t)
        wait_until(trickled_and_cut, 15, "a trickling head cut", interval=0.2)
        assert stack.metric("admin", "ov_http_refused_total",
                            'reason="head_timeout"') > cut
    finally:
        for s in socks:
            s.close()
        stack.restart("admin")
