"""A small client of the admin REST API for tests (standard library only)."""
import json
import subprocess
import urllib.error
import urllib.request

import leaks


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Api:
    def __init__(self, base, token=None, source=None):
        """source: another loopback address to send from ("127.0.0.7"),
        for a test whose failed logins or reset requests must not count
        against the address every other test uses (the throttle counts
        per address too, docs/admin.md)."""
        self.base = base
        self.token = token
        self.source = source

    def call(self, method, path, body=None, raw=None, headers=None, token=None):
        h = {"Accept": "application/json"}
        tok = token if token is not None else self.token
        if tok:
            h["Authorization"] = f"Bearer {tok}"
            leaks.bearer(tok)
        data = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
            leaks.request(body)
        h.update(headers or {})
        if self.source:
            r = self._call_from(method, path, data, h)
        else:
            req = urllib.request.Request(self.base + path, data=data,
                                         headers=h, method=method)
            try:
                with urllib.request.urlopen(req, timeout=30) as x:
                    r = Response(x.status, dict(x.headers), x.read())
            except urllib.error.HTTPError as e:
                r = Response(e.code, dict(e.headers), e.read())
        ctype = next((v for k, v in r.headers.items()
                      if k.lower() == "content-type"), "")
        if "json" in ctype:
            try:
                leaks.response(json.loads(r.body))
            except ValueError:
                pass
        return r

    def _call_from(self, method, path, data, headers):
        import http.client
        import urllib.parse
        u = urllib.parse.urlparse(self.base)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30,
                                       source_address=(self.source, 0))
        try:
            c.request(method, path, data, headers)
            r = c.getresponse()
            return Response(r.status, dict(r.getheaders()), r.read())
        finally:
            c.close()

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


def psql(stack, sql, *args):
    """Runs one query against the stack's database; rows as lists."""
    url = stack.env["OV_DB_URL"]
    cmd = ["psql", url, "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    for i, a in enumerate(args, 1):
        cmd += ["-v", f"p{i}={a}"]
    r = subprocess.run(cmd, input=sql, capture_output=True, text=True,
                       check=True, timeout=30)
    return [line.split("\t") for line in r.stdout.splitlines() if line]


def outbox(stack, tenant_id, kind):
    """The mails of that kind queued for a tenant, oldest first. A
    password or code is sealed to notify's key in the row (only notify
    opens it) and erased once the mail is sent: it is read from the mail
    in the stack's mailbox, as the user would."""
    from mailsink import fill_secret
    rows = psql(stack, "SELECT id, recipient, language, params FROM admin.outbox "
                "WHERE tenant_id = :'p1' AND kind = :'p2' ORDER BY id",
                tenant_id, kind)
    out = []
    for r in rows:
        params = {k: v for k, v in json.loads(r[3]).items()
                  if not (isinstance(v, str) and v.startswith("sealed:"))}
        out.append({"to": r[1], "language": r[2],
                    "params": fill_secret(stack.env.get("OV_MAIL_DIR", ""),
                                          int(r[0]), kind, params)})
    return out
