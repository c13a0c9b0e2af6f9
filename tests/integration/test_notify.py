"""The notify service against a real stack and a real SMTP server
(scripts/smtp-sink.py, python3-aiosmtpd): the seed's mails as a user gets
them, failures, replicas and crashes."""
import collections
import email.utils
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest

from admin_api import Api, psql
from conftest import BIN, ROOT, wait_until
from mailsink import Mailbox, field, html_of, outbox_id_of, text_of

_numbers = itertools.count(random.randrange(8000000, 9800000, 1000))
DOMAIN = "ovunque.test"  # the stack's OV_MAIL_FROM domain: Message-IDs


def new_number():
    return f"06{next(_numbers):07d}"


def tag():
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def operator(stack):
    r = stack.ovctl("apikey", "create", "notify tests")
    assert r.returncode == 0, r.stderr
    return Api(stack.env["OV_ADMIN_HTTP"], r.stdout.strip())


@pytest.fixture(scope="module")
def box(stack):
    return Mailbox(stack.env["OV_MAIL_DIR"])


@contextmanager
def sink_rules(stack, *lines):
    """Makes the stack's SMTP sink answer as the rules say, then not."""
    path = stack.env["OV_SMTP_CONTROL"]
    with open(path, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    try:
        yield
    finally:
        open(path, "w").close()


def create_tenant(operator, email, language="it", name="Società Prova Srl"):
    r = operator.post("/v1/tenants", {"company_name": name,
                                      "number": new_number(),
                                      "admin_email": email,
                                      "language": language})
    assert r.status == 201, r
    return r.json


def outbox_rows(stack, tenant_id, kind):
    rows = psql(stack, "SELECT id, params FROM admin.outbox WHERE "
                "tenant_id = :'p1' AND kind = :'p2' ORDER BY id",
                tenant_id, kind)
    return [(int(r[0]), json.loads(r[1])) for r in rows]


def delivery(stack, outbox_id):
    rows = psql(stack, "SELECT state, attempts, coalesce(last_error, ''), "
                "coalesce(smtp_code, 0), claimed_by FROM notify.deliveries "
                "WHERE outbox_id = :'p1'", outbox_id)
    return rows[0] if rows else None


def wait_state(stack, outbox_id, state, timeout=10):
    return wait_until(lambda: (d := delivery(stack, outbox_id)) and
                      d[0] == state and d, timeout,
                      f"outbox row {outbox_id} to be {state}")


def login(stack, number, username, password):
    r = Api(stack.env["OV_ADMIN_HTTP"]).post(
        "/v1/auth/login", {"number": number, "username": username,
                           "password": password})
    return r


def admin_api(stack, tenant, box):
    """The tenant's admin, logged in with the mailed password, which it
    changes as the first login requires."""
    msg = box.wait(lambda m: m["To"] == tenant["admin_email"], 5,
                   f"to {tenant['admin_email']}")
    pw = field(msg, "Password")
    api = Api(stack.env["OV_ADMIN_HTTP"])
    r = login(stack, tenant["number"], "Amministratore", pw)
    assert r.status == 200, r
    api.token = r.json["token"]
    r = api.post("/v1/auth/password", {"old_password": pw,
                                       "new_password": "Nuova.Password1",
                                       "confirm_password": "Nuova.Password1"})
    assert r.status == 200, r
    r = login(stack, tenant["number"], "Amministratore", "Nuova.Password1")
    api.token = r.json["token"]
    return api


def national(e164):
    return e164[3:] if e164.startswith("+39") else e164


# ---- the seed's mails ----

def test_new_tenant_gets_the_admin_activation_mail_promptly(
        stack, operator, box):
    # Woken by NOTIFY it takes well under a second (bench/notify measures
    # it); the bound here is loose because a test must not fail on a busy
    # machine's timing.
    addr = f"admin-{tag()}@prova.example"
    t = create_tenant(operator, addr)
    msg = box.wait(lambda m: m["To"] == addr, 10.0, f"to {addr}")

    [(oid, _)] = outbox_rows(stack, t["id"], "admin_activation")
    # Headers: sender, recipient, subject, a stable Message-ID, a date.
    assert msg["From"] == "Ovunque <noreply@ovunque.test>"
    assert msg["Subject"] == "Attivazione servizio Ovunque"
    assert msg["Message-ID"] == f"<outbox-{oid}.ovunque@{DOMAIN}>"
    sent = email.utils.parsedate_to_datetime(msg["Date"])
    assert abs((datetime.now(timezone.utc) - sent).total_seconds()) < 60
    assert msg["Content-Language"] == "it"
    assert msg["Auto-Submitted"] == "auto-generated"
    # multipart/alternative: the text, then the HTML, both UTF-8.
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain",
                                                    "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    text, html = text_of(msg), html_of(msg)
    # The seed's content: username, password, fixed number, accents.
    assert field(msg, "Username") == "Amministratore"
    assert field(msg, "Numero fisso") == national(t["number"])
    pw = field(msg, "Password")
    assert pw and len(pw) >= 8
    assert "il servizio Ovunque per Società Prova Srl è attivo." in text
    assert "Questa mail è generata automaticamente, non rispondere" in text
    assert "«Telefono Virtuale»" in text
    assert "<strong>Società Prova Srl</strong> è attivo" in html
    assert f">{pw}</strong>" in html.replace("&amp;", "&")
    # On the wire: UTF-8 bytes (è is C3 A8), not Latin-1.
    raw = [box.raw(n) for n, m in box.messages() if m is msg][0]
    assert b"=C3=A8" in raw and b"=E8" not in raw
    # The mailed password works: the first login must change it.
    r = login(stack, t["number"], "Amministratore", pw)
    assert r.status == 200 and r.json["must_change_password"] is True
    # Once sent, the password is gone from the database and never logged.
    wait_state(stack, oid, "sent")
    [(_, params)] = outbox_rows(stack, t["id"], "admin_activation")
    assert "password" not in params
    assert params["username"] == "Amministratore"
    assert pw not in open(stack.log_path("notify")).read()


def test_english_tenant_gets_the_english_mail(stack, operator, box):
    addr = f"admin-{tag()}@english.example"
    t = create_tenant(operator, addr, language="en", name="Acme Ltd")
    msg = box.wait(lambda m: m["To"] == addr, 5, f"to {addr}")
    assert msg["Subject"] == "Your Ovunque service is active"
    assert msg["Content-Language"] == "en"
    assert field(msg, "Fixed number") == national(t["number"])
    assert "the Ovunque service for Acme Ltd is now active." in text_of(msg)
    assert '<html lang="en">' in html_of(msg)


def test_apply_mails_attivazione_utenza_to_new_users(stack, operator, box):
    t = create_tenant(operator, f"admin-{tag()}@prova.example")
    api = admin_api(stack, t, box)
    addr = f"laura-{tag()}@prova.example"
    r = api.post("/v1/users", {"name": "Laura Neri", "email": addr,
                               "username": "Laura", "extension": "05"})
    assert r.status == 201, r
    # Nothing is mailed before "Aggiorna Configurazione".
    assert outbox_rows(stack, t["id"], "user_activation") == []
    r = api.post("/v1/apply")
    assert r.status == 200, r
    msg = box.wait(lambda m: m["To"] == addr, 1.0, f"to {addr}")
    assert msg["Subject"] == "Attivazione Utenza Ovunque"
    text = text_of(msg)
    assert "Attivazione Utenza Ovunque" in text
    assert "Grazie per esserti registrato al servizio Ovunque." in text
    assert field(msg, "Username") == "Laura"
    assert field(msg, "Utenza") == national(t["number"])
    assert 'scaricare l\'APP "Telefono Virtuale": https://ovunque.test/app' \
        in text
    assert 'href="https://ovunque.test/app"' in html_of(msg)
    pw = field(msg, "Password")
    r = login(stack, t["number"], "Laura", pw)
    assert r.status == 200 and r.json["must_change_password"] is True
    [(oid, _)] = outbox_rows(stack, t["id"], "user_activation")
    wait_state(stack, oid, "sent")
    assert "password" not in outbox_rows(stack, t["id"],
                                         "user_activation")[0][1]


def test_forgot_password_mails_a_code_and_a_change_mails_a_notice(
        stack, operator, box):
    addr = f"admin-{tag()}@prova.example"
    t = create_tenant(operator, addr)
    box.wait(lambda m: m["To"] == addr, 5, f"to {addr}")
    anon = Api(stack.env["OV_ADMIN_HTTP"])
    r = anon.post("/v1/auth/forgot", {"number": t["number"],
                                      "username": "Amministratore"})
    assert r.status == 202, r
    msg = box.wait(lambda m: m["To"] == addr and "codice" in m["Subject"],
                   5, "with the reset code")
    assert msg["Subject"] == "Ovunque: codice per reimpostare la password"
    code = field(msg, "Codice")
    assert code and len(code) >= 6
    assert "valido per 30 minuti" in text_of(msg)
    # The local stack points the link at the app's reset page
    # (OV_MAIL_RESET_URL, scripts/stack.sh; docs/app.md).
    assert stack.env["OV_APP_URL"] + "password" in text_of(msg)
    [(oid, _)] = outbox_rows(stack, t["id"], "password_reset")
    wait_state(stack, oid, "sent")
    assert "code" not in outbox_rows(stack, t["id"], "password_reset")[0][1]
    assert code not in open(stack.log_path("notify")).read()
    # The code works; the change is announced by mail.
    r = anon.post("/v1/auth/reset", {"number": t["number"],
                                     "username": "Amministratore",
                                     "code": code,
                                     "new_password": "Dopo.Reset9",
                                     "confirm_password": "Dopo.Reset9"})
    assert r.status == 200, r
    msg = box.wait(lambda m: m["To"] == addr and "modificata" in m["Subject"],
                   5, "announcing the change")
    assert msg["Subject"] == "Ovunque: password modificata"
    assert "tutte le sessioni aperte sono state chiuse" in text_of(msg)


def test_no_password_or_code_reaches_postgresql_in_the_clear(
        stack, operator, box):
    """Issue 21, item 2: the outbox rows hold secrets sealed to notify's
    key, so neither the table's files nor the WAL (nor a backup) ever
    held one in the clear: every byte of the data directory is searched
    for every secret this test made."""
    addr = f"admin-{tag()}@prova.example"
    t = create_tenant(operator, addr)
    msg = box.wait(lambda m: m["To"] == addr, 5, f"to {addr}")
    secrets = [field(msg, "Password")]
    [(oid, params)] = outbox_rows(stack, t["id"], "admin_activation")
    api = admin_api(stack, t, box)
    users = []
    for i in range(3):
        users.append(f"u{i}-{tag()}@prova.example")
        r = api.post("/v1/users", {"name": f"Utente {i}", "email": users[-1],
                                   "username": f"Utente{i}",
                                   "extension": f"1{i}"})
        assert r.status == 201, r
    assert api.post("/v1/apply").status == 200
    for u in users:
        secrets.append(field(box.wait(lambda m, u=u: m["To"] == u, 5, u),
                             "Password"))
    anon = Api(stack.env["OV_ADMIN_HTTP"], source="127.0.0.7")
    for _ in range(2):
        r = anon.post("/v1/auth/forgot", {"number": t["number"],
                                          "username": "Amministratore"})
        assert r.status == 202, r
    codes = wait_until(
        lambda: (c := [field(m, "Codice") for _, m in box.messages()
                       if m["To"] == addr and "codice" in m["Subject"]])
        and len(c) == 2 and c, 10, "two reset codes")
    secrets += codes
    assert all(s and len(s) >= 6 for s in secrets), secrets
    for kind in ("admin_activation", "user_activation", "password_reset"):
        for oid, _ in outbox_rows(stack, t["id"], kind):
            wait_state(stack, oid, "sent")
    psql(stack, "CHECKPOINT")
    found = []
    roots = [os.path.join(stack.run_dir, "pg"),
             os.path.join(stack.run_dir, "log", "postgres.log")]
    for root in roots:
        paths = [root] if os.path.isfile(root) else [
            os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
        for p in paths:
            try:
                with open(p, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            found += [(s, p) for s in secrets if s.encode() in data]
    assert not found, found


# ---- failures ----

def test_smtp_down_then_up_delivers_exactly_once(stack, operator, box):
    addr = f"admin-{tag()}@prova.example"
    stack.sh("stop", "smtp")
    try:
        t = create_tenant(operator, addr)
        [(oid, _)] = outbox_rows(stack, t["id"], "admin_activation")
        retry = wait_until(lambda: [e for e in stack.log_events("notify")
                                    if e["event"] == "mail.retry" and
                                    e.get("outbox_id") == oid], 10,
                           "a failed attempt")[0]
        assert retry["smtp_code"] == 0 and "connect" in retry["error"]
        assert retry["tenant"] == t["id"]
        assert delivery(stack, oid)[0] == "queued"
        # The password stays until the mail is out.
        assert "password" in outbox_rows(stack, t["id"],
                                         "admin_activation")[0][1]
    finally:
        stack.start("smtp")
    box.wait(lambda m: m["To"] == addr, 10, f"to {addr}")
    d = wait_state(stack, oid, "sent")
    assert int(d[1]) >= 2
    assert len(box.of_outbox(oid)) == 1
    assert "password" not in outbox_rows(stack, t["id"],
                                         "admin_activation")[0][1]


def test_5xx_is_a_dead_letter_with_its_reason(stack, operator, box):
    addr = f"admin-{tag()}@prova.example"
    t = create_tenant(operator, addr)
    api = admin_api(stack, t, box)
    # The first login's notice goes out before the mailbox disappears.
    [(first, _)] = outbox_rows(stack, t["id"], "password_changed")
    wait_state(stack, first, "sent")
    with sink_rules(stack, f"{addr} 550 5.1.1 No such mailbox here"):
        # A password change: its notice bounces.
        r = api.post("/v1/auth/password", {
            "old_password": "Nuova.Password1", "new_password": "Terza.Pass3",
            "confirm_password": "Terza.Pass3"})
        assert r.status == 200, r
        [(changed, _)] = outbox_rows(stack, t["id"], "password_changed")[-1:]
        d = wait_state(stack, changed, "failed")
        # One attempt: a 5xx is final.
        assert d[1] == "1" and d[3] == "550"
        assert "550 5.1.1 No such mailbox here" in d[2]
        # A reset code that bounces is erased all the same.
        anon = Api(stack.env["OV_ADMIN_HTTP"])
        assert anon.post("/v1/auth/forgot", {
            "number": t["number"], "username": "Amministratore"}).status == 202
        [(reset, params)] = wait_until(
            lambda: outbox_rows(stack, t["id"], "password_reset"), 10,
            "the reset mail")
        wait_state(stack, reset, "failed")
        assert "code" not in outbox_rows(stack, t["id"],
                                         "password_reset")[0][1]
    r = stack.ovctl("mail", "list", "--tenant", t["id"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:4] == ["ID", "KIND", "STATE", "ATTEMPTS"]
    row = [i for i, line in enumerate(lines) if line.startswith(f"{changed} ")]
    assert row and "password_changed" in lines[row[0]] and \
        "failed" in lines[row[0]] and addr in lines[row[0]]
    assert "last error (SMTP 550): 550 5.1.1 No such mailbox here" in \
        lines[row[0] + 1]
    r = stack.ovctl("mail", "list", "--tenant", t["id"], "--state", "failed")
    ids = [int(line.split()[0]) for line in r.stdout.splitlines()[1:]
           if line[:1].isdigit()]
    assert ids == [reset, changed]
    # The code is gone, so the reset mail cannot be sent again.
    r = stack.ovctl("mail", "resend", "--tenant", t["id"], str(reset))
    assert r.returncode == 1
    assert "failed_precondition" in r.stderr and "erased" in r.stderr
    # The notice can, once the mailbox exists again.
    r = stack.ovctl("mail", "resend", "--tenant", t["id"], str(changed))
    assert r.returncode == 0, r.stderr
    assert f"mail {changed} queued again" in r.stdout
    wait_state(stack, changed, "sent")
    assert len([m for m in box.of_outbox(changed)]) == 1
    # Only a failed mail is resent.
    r = stack.ovctl("mail", "resend", "--tenant", t["id"], str(changed))
    assert r.returncode == 1 and "only a failed mail" in r.stderr


def test_a_tenant_sees_only_its_own_mails(stack, operator, box):
    a = create_tenant(operator, f"a-{tag()}@prova.example")
    b = create_tenant(operator, f"b-{tag()}@prova.example")
    [(ida, _)] = outbox_rows(stack, a["id"], "admin_activation")
    [(idb, _)] = outbox_rows(stack, b["id"], "admin_activation")
    wait_state(stack, ida, "sent")
    wait_state(stack, idb, "sent")
    r = stack.ovctl("mail", "list", "--tenant", a["id"], "--limit", "500")
    assert r.returncode == 0, r.stderr
    ids = [int(line.split()[0]) for line in r.stdout.splitlines()
           if line[:1].isdigit()]
    assert ids == [ida]
    assert b["admin_email"] not in r.stdout
    # Another tenant's mail does not exist for this one.
    r = stack.ovctl("mail", "resend", "--tenant", a["id"], str(idb))
    assert r.returncode == 1 and f"no mail {idb}" in r.stderr
    # No tenant, no list.
    r = stack.ovctl("call", "notify", "mail.list")
    assert "invalid_argument" in (r.stdout + r.stderr)
    # Health carries the queue's state.
    r = stack.ovctl("ping", "notify")
    assert r.returncode == 0 and "db=ok" in r.stdout
    assert stack.metric("notify", "ov_notify_mails_total",
                        'outcome="sent"') >= 2


# ---- replicas and crashes ----

class Replica:
    """One more ov-notify on the stack's database, with its own ports."""
    _n = itertools.count(1)

    def __init__(self, stack, **env):
        n = next(self._n)
        self.stack = stack
        self.log = os.path.join(stack.run_dir, "log", f"notify-r{n}.log")
        self.port = stack.base + 30 + n
        e = dict(os.environ, OV_DB_URL=stack.env["OV_DB_URL"],
                 OV_BUS_LISTEN=f"ipc://{stack.run_dir}/bus/notify-r{n}.ipc",
                 OV_HTTP_PORT=str(self.port),
                 OV_SMTP_URL=stack.env["OV_SMTP_URL"],
                 OV_NOTIFY_SECRET_KEY=stack.notify_keys()["OV_NOTIFY_SECRET_KEY"])
        e.update({k: str(v) for k, v in env.items()})
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([os.path.join(BIN, "ov-notify")],
                                         env=e, stdout=log, stderr=log)
        wait_until(self._ready, 15, f"replica {n}")

    def _ready(self):
        assert self.proc.poll() is None, open(self.log).read()[-2000:]
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/readyz", timeout=1) as r:
                return r.status == 200
        except Exception:
            return False

    def events(self, name):
        out = []
        with open(self.log, errors="replace") as f:
            for line in f:
                if line.startswith("{"):
                    e = json.loads(line)
                    if e["event"] == name:
                        out.append(e)
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            assert self.proc.wait(20) == 0

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


@pytest.fixture
def replicas(stack):
    """The stack's notify stopped: the test runs its own replicas."""
    started = []
    stack.sh("stop", "notify")
    try:
        yield lambda **env: started.append(Replica(stack, **env)) or started[-1]
    finally:
        for r in started:
            if r.proc.poll() is None:
                r.proc.kill()
                r.proc.wait(10)
        stack.start("notify")


def queue_mails(stack, tenant_id, label, n):
    """n activation mails written as admin writes them (with a NOTIFY),
    in one transaction; their outbox ids."""
    rows = psql(stack, "WITH o AS (INSERT INTO admin.outbox (tenant_id, "
                "kind, recipient, language, params) SELECT :'p1', "
                "'user_activation', 'r' || g || '-' || :'p2' || "
                "'@bulk.example', 'it', jsonb_build_object('username', "
                "'Utente' || g, 'password', 'Bulk.Pass' || g, 'number', "
                "'+390612345678', 'name', 'Utente') FROM generate_series(1, "
                ":'p3'::int) g RETURNING id, recipient) "
                "SELECT id, recipient, pg_notify('ov_outbox', id::text) FROM o",
                tenant_id, label, n)
    return {int(r[0]): r[1] for r in rows}


def delivered(box, ids):
    """outbox id -> the mails that arrived for it."""
    got = collections.defaultdict(list)
    for _, m in box.messages():
        oid = outbox_id_of(m)
        if oid in ids:
            got[oid].append(m)
    return got


def test_two_replicas_deliver_200_mails_exactly_once(stack, operator, box,
                                                     replicas):
    t = create_tenant(operator, f"bulk-{tag()}@prova.example")
    r1 = replicas(OV_NOTIFY_BATCH=8)
    r2 = replicas(OV_NOTIFY_BATCH=8)
    ids = queue_mails(stack, t["id"], tag(), 200)
    wait_until(lambda: len(delivered(box, ids)) == 200, 30, "200 mails")
    wait_until(lambda: psql(stack, "SELECT count(*) FROM notify.deliveries "
                            "WHERE outbox_id = ANY(:'p1'::bigint[]) AND "
                            "state = 'sent'",
                            "{" + ",".join(map(str, ids)) + "}")[0][0] ==
               "200", 10, "200 sent")
    got = delivered(box, ids)
    # Each exactly once, to its own recipient.
    assert sorted(len(v) for v in got.values()) == [1] * 200
    assert all(got[i][0]["To"] == ids[i] for i in ids)
    # Both replicas took part, and no claim was ever lost.
    by = psql(stack, "SELECT claimed_by, count(*) FROM notify.deliveries "
              "WHERE outbox_id = ANY(:'p1'::bigint[]) GROUP BY 1",
              "{" + ",".join(map(str, ids)) + "}")
    assert len(by) == 2, by
    sent = [e["outbox_id"] for r in (r1, r2) for e in r.events("mail.sent")
            if e["outbox_id"] in ids]
    assert sorted(sent) == sorted(ids)
    assert r1.events("mail.lease_lost") == r2.events("mail.lease_lost") == []
    # Every password erased.
    assert psql(stack, "SELECT count(*) FROM admin.outbox WHERE id = "
                "ANY(:'p1'::bigint[]) AND params ? 'password'",
                "{" + ",".join(map(str, ids)) + "}") == [["0"]]


def test_a_replica_killed_mid_batch_loses_nothing(stack, operator, box,
                                                  replicas):
    t = create_tenant(operator, f"kill-{tag()}@prova.example")
    label = tag()
    # Slow mails, and a short lease: a dead replica's rows come back soon.
    with sink_rules(stack, f"{label} delay 0.03"):
        a = replicas(OV_NOTIFY_LEASE_S=3, OV_SMTP_TIMEOUT_MS=1500,
                     OV_SMTP_CONNECT_TIMEOUT_MS=500)
        ids = queue_mails(stack, t["id"], label, 200)
        wait_until(lambda: len(delivered(box, ids)) >= 30, 20, "30 mails")
        a.kill()
    held = psql(stack, "SELECT count(*) FROM notify.deliveries WHERE "
                "outbox_id = ANY(:'p1'::bigint[]) AND state = 'sending'",
                "{" + ",".join(map(str, ids)) + "}")[0][0]
    assert int(held) > 0, "the replica held no claim when it died"
    replicas()
    wait_until(lambda: len(delivered(box, ids)) == 200, 30, "all 200 mails")
    got = delivered(box, ids)
    # Nothing lost. A mail the dead replica was sending may arrive twice,
    # but only ever as the same mail: same Message-ID, same recipient.
    for i, mails in got.items():
        assert {m["Message-ID"] for m in mails} == \
            {f"<outbox-{i}.ovunque@{DOMAIN}>"}
        assert {m["To"] for m in mails} == {ids[i]}
    dupes = sum(len(v) - 1 for v in got.values())
    assert dupes <= int(held)
    # The rows it held went out again after their lease, as a second
    # attempt, and every password is gone.
    wait_until(lambda: psql(stack, "SELECT count(*) FROM notify.deliveries "
                            "WHERE outbox_id = ANY(:'p1'::bigint[]) AND "
                            "state = 'sent'",
                            "{" + ",".join(map(str, ids)) + "}")[0][0] ==
               "200", 10, "200 sent")
    retaken = psql(stack, "SELECT count(*) FROM notify.deliveries WHERE "
                   "outbox_id = ANY(:'p1'::bigint[]) AND attempts = 2",
                   "{" + ",".join(map(str, ids)) + "}")[0][0]
    assert int(retaken) >= int(held)
    assert psql(stack, "SELECT count(*) FROM admin.outbox WHERE id = "
                "ANY(:'p1'::bigint[]) AND params ? 'password'",
                "{" + ",".join(map(str, ids)) + "}") == [["0"]]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_smtp_authentication(stack, operator, replicas, tmp_path):
    """A relay that wants AUTH: the right credentials deliver, wrong ones
    are retried (our configuration, not the recipient's fault), and the
    password never reaches the log."""
    port = free_port()
    sink = subprocess.Popen(["/usr/bin/python3",
                             os.path.join(ROOT, "scripts", "smtp-sink.py"),
                             "serve", "--port", str(port), "--dir",
                             str(tmp_path / "mail"), "--auth",
                             "ovunque:Relay.Secret1"],
                            stderr=subprocess.DEVNULL)
    try:
        def listening():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0
        wait_until(listening, 10, "the relay")
        relay = Mailbox(str(tmp_path / "mail"))
        t = create_tenant(operator, f"auth-{tag()}@prova.example")
        bad = replicas(OV_SMTP_URL=f"smtp://127.0.0.1:{port}",
                       OV_SMTP_USER="ovunque", OV_SMTP_PASSWORD="wrong",
                       OV_NOTIFY_BACKOFF_MS=200)
        ids = queue_mails(stack, t["id"], tag(), 1)
        [oid] = ids
        e = wait_until(lambda: [e for e in bad.events("mail.retry")
                                if e["outbox_id"] == oid], 10,
                       "a refused login")[0]
        assert e["smtp_code"] == 535
        # Retried, not given up: queued again, or already being sent
        # again (the backoff is 200 ms; a busy machine may be there).
        assert delivery(stack, oid)[0] in ("queued", "sending")
        bad.stop()
        good = replicas(OV_SMTP_URL=f"smtp://127.0.0.1:{port}",
                        OV_SMTP_USER="ovunque",
                        OV_SMTP_PASSWORD="Relay.Secret1")
        relay.wait(lambda m: outbox_id_of(m) == oid, 10, "through the relay")
        wait_state(stack, oid, "sent")
        for r in (bad, good):
            assert "Relay.Secret1" not in open(r.log).read()
    finally:
        sink.terminate()
        sink.wait(10)
