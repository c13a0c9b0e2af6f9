"""No secret in any log line.

Every secret the tests send or are handed is remembered here: passwords
in request bodies (right or wrong: a mistyped password is still
someone's password), tokens, SIP passwords and their HA1s, reset codes,
API keys, and the stack's own keys. When a stack stops, every line of
every log in its run directory is checked for any of them
(`Stack.down`), so a whole `make test` run is covered, service by
service, Kamailio, rtpengine and PostgreSQL included.

Logs are split into words at characters that JSON, SIP and HTTP use as
delimiters, then at URL delimiters, and each word is looked up in the
set: linear in the size of the logs, whatever the number of secrets. A
secret written inside a longer word (say, concatenated without a
delimiter) would escape this; a leak through a field, header or query
parameter would not.
"""
import base64
import hashlib
import os
import re

# Shorter strings are not checked: they would match ordinary words.
MIN_LEN = 8

SECRETS = set()

# Keys whose string values are secrets, in any JSON body sent or
# received. ("code" only in requests: in responses it is a problem's
# error code.)
REQUEST_KEYS = {"password", "new_password", "old_password",
                "confirm_password", "auth_password", "code", "token"}
RESPONSE_KEYS = {"password", "auth_password", "token", "api_key"}

_WORDS = re.compile(r"[^\s\"'<>,;{}()\[\]\\]+")
_PARTS = re.compile(r"[^=&?:/@]+")


def remember(value):
    if isinstance(value, str) and len(value) >= MIN_LEN:
        SECRETS.add(value)


def _walk(obj, keys):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in keys:
                remember(v)
            _walk(v, keys)
        sip_credentials(obj)
    elif isinstance(obj, list):
        for v in obj:
            _walk(v, keys)


def sip_credentials(d):
    """A device's SIP credentials (GET /v1/me/sip): the password and the
    HA1s a registrar or a log could give away (RFC 2617 MD5, RFC 7616
    SHA-256)."""
    pw = d.get("password")
    user = d.get("auth_username") or d.get("username")
    realm = d.get("domain")
    if not (isinstance(pw, str) and isinstance(user, str)
            and isinstance(realm, str)):
        return
    a1 = f"{user}:{realm}:{pw}".encode()
    remember(hashlib.md5(a1).hexdigest())
    remember(hashlib.sha256(a1).hexdigest())


def request(body):
    _walk(body, REQUEST_KEYS)


def response(body):
    _walk(body, RESPONSE_KEYS)


def bearer(token):
    remember(token)


def run_dir_keys(run_dir):
    """The stack's own secrets: the SIP key, notify's secret key, the
    demo's passwords and the operator key in stack.env/demo.env."""
    path = os.path.join(run_dir, "sip-secret.key")
    if os.path.exists(path):
        with open(path) as f:
            remember(f.read().strip())
    pem = os.path.join(run_dir, "notify-key.pem")
    if os.path.exists(pem):
        with open(pem) as f:
            body = "".join(line.strip() for line in f
                           if not line.startswith("-----"))
        # PKCS#8 X25519: the secret key is the last 32 bytes, as
        # stack.sh hands it to notify (base64).
        try:
            remember(base64.b64encode(base64.b64decode(body)[-32:]).decode())
        except ValueError:
            pass
    for name in ("stack.env", "demo.env"):
        path = os.path.join(run_dir, name)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                if k.endswith(("_PASSWORD", "_KEY", "_SECRET", "_TOKEN")):
                    remember(v)


def scan(run_dir):
    """(file, line number, which secret) for every log line of the run
    directory that holds a secret; the secret is named by its first
    characters only."""
    run_dir_keys(run_dir)
    hits = []
    log_dir = os.path.join(run_dir, "log")
    if not os.path.isdir(log_dir) or not SECRETS:
        return hits
    for name in sorted(os.listdir(log_dir)):
        path = os.path.join(log_dir, name)
        with open(path, errors="replace") as f:
            for n, line in enumerate(f, 1):
                for word in _WORDS.findall(line):
                    found = word if word in SECRETS else next(
                        (p for p in _PARTS.findall(word) if p in SECRETS),
                        None)
                    if found:
                        hits.append((name, n, found[:4] + "..."))
    return hits
