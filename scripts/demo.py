#!/usr/bin/env python3
"""Sets up the demo tenant of `make run` as a company would, through the
admin REST API, so a softphone can be used at once:

- the administrator logs in with the mailed temporary password and sets
  a new one (the seed's first login);
- two users, Mario (extension 01) and Laura (extension 05), are added;
- sequential ringing of Mario then Laura, 4 rings each;
- the closed message in opening-hours mode, Monday to Friday 9:00 to
  18:00, Italian then English, female voice;
- "Aggiorna Configurazione" (apply): the users' activation mails go out;
- each user logs in with the mailed password, sets a new one and fetches
  the SIP credentials of their app (GET /v1/me/sip).

Passwords come from the mails in the local SMTP sink, as a person would
read them. Prints KEY=VALUE lines for demo.env (values not quoted).

    demo.py --api http://127.0.0.1:17013 --mail-dir run/mail \
            --number +39069990000 --admin-password TEMP
"""
import argparse
import email
import email.policy
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request

USERS = [("Mario Rossi", "Mario", "01"), ("Laura Bianchi", "Laura", "05")]
DOMAIN = "demo.example"


def call(api, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(api + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"demo: {method} {path}: {e.code} {e.read().decode()}")
    return json.loads(text) if text else {}


def new_password():
    # The policy: 8+ characters, a digit, an upper-case and a lower-case
    # letter and one of . ! ? $ % * - ; # ^
    return "Demo" + secrets.token_hex(4) + "7!"


def mailed_password(mail_dir, recipient, timeout=20):
    """The Password line of the newest mail to recipient."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        names = [n for n in os.listdir(mail_dir) if n.endswith(".eml")] \
            if os.path.isdir(mail_dir) else []
        paths = sorted((os.path.join(mail_dir, n) for n in names),
                       key=os.path.getmtime, reverse=True)
        for path in paths:
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(
                    f, policy=email.policy.default)
            if recipient not in (msg["To"] or ""):
                continue
            text = msg.get_body(preferencelist=("plain",)).get_content()
            for line in text.splitlines():
                if line.startswith("Password: "):
                    return line[len("Password: "):]
        time.sleep(0.1)
    sys.exit(f"demo: no mail with a password to {recipient} in {mail_dir}")


def first_login(api, number, username, password):
    """Logs in with the mailed password, sets a new one, logs in again."""
    tok = call(api, "POST", "/v1/auth/login", {
        "number": number, "username": username, "password": password})["token"]
    new = new_password()
    call(api, "POST", "/v1/auth/password", {
        "old_password": password, "new_password": new,
        "confirm_password": new}, tok)
    tok = call(api, "POST", "/v1/auth/login", {
        "number": number, "username": username, "password": new})["token"]
    return new, tok


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--api", required=True)
    p.add_argument("--mail-dir", required=True)
    p.add_argument("--number", required=True)
    p.add_argument("--admin-password", required=True)
    a = p.parse_args()

    admin_pw, tok = first_login(a.api, a.number, "Amministratore",
                                a.admin_password)
    ids = []
    for name, username, ext in USERS:
        u = call(a.api, "POST", "/v1/users", {
            "name": name, "email": f"{username.lower()}@{DOMAIN}",
            "username": username, "extension": ext}, tok)
        ids.append(u["id"])
    call(a.api, "PUT", "/v1/ringing", {
        "mode": "sequential", "rings": 4,
        "members": [{"type": "user", "id": i} for i in ids]}, tok)
    call(a.api, "PUT", "/v1/messages/closed", {
        "enabled": True, "template_id": "closed_hours", "voice": "female",
        "languages": ["it", "en"],
        "values": {"open": "09:00", "close": "18:00",
                   "day_from": "monday", "day_to": "friday"},
        "ranges": [{"days": ["monday", "tuesday", "wednesday", "thursday",
                             "friday"], "from": "09:00", "to": "18:00"}]},
        tok)
    call(a.api, "POST", "/v1/apply", None, tok)

    print(f"OV_DEMO_ADMIN_PASSWORD={admin_pw}")
    for name, username, ext in USERS:
        pw = mailed_password(a.mail_dir, f"{username.lower()}@{DOMAIN}")
        pw, utok = first_login(a.api, a.number, username, pw)
        sip = call(a.api, "GET", "/v1/me/sip", token=utok)
        key = "OV_DEMO_" + username.upper()
        print(f"{key}_PASSWORD={pw}")
        print(f"{key}_EXTENSION={ext}")
        print(f"{key}_SIP=<sip:{sip['username']}@{sip['domain']}>;"
              f"auth_user={sip['auth_username']};"
              f"auth_pass={sip['password']};"
              f"outbound=\"sip:{sip['proxy']}\"")


if __name__ == "__main__":
    main()
