"""The admin REST API against a real stack: the seed's account side."""
import itertools
import json
import random
import struct
import time
import zlib


from admin_api import Api, outbox, psql
from conftest import wait_until

_numbers = itertools.count(random.randrange(100000, 800000))


def new_number():
    return f"06{next(_numbers):07d}"  # a Rome landline, unique per test


def create_tenant(stack, operator, **over):
    body = {"company_name": "Società Prova Srl", "number": new_number(),
            "admin_email": "admin@prova.example", **over}
    r = operator.post("/v1/tenants", body)
    assert r.status == 201, r
    return r.json


def admin_login(stack, tenant, change_to="Nuova.Password1"):
    """Logs the tenant's admin in with the mailed password and changes it,
    as the seed's first login does. Returns an Api with a fresh token."""
    mail = outbox(stack, tenant["id"], "admin_activation")[0]
    api = Api(stack.env["OV_ADMIN_HTTP"])
    r = api.post("/v1/auth/login", {"number": tenant["number"],
                                    "username": mail["params"]["username"],
                                    "password": mail["params"]["password"]})
    assert r.status == 200, r
    api.token = r.json["token"]
    r = api.post("/v1/auth/password", {"old_password": mail["params"]["password"],
                                       "new_password": change_to,
                                       "confirm_password": change_to})
    assert r.status == 200, r
    r = api.post("/v1/auth/login", {"number": tenant["number"],
                                    "username": "Amministratore",
                                    "password": change_to})
    assert r.status == 200, r
    api.token = r.json["token"]
    return api


def assert_problem(r, status, field=None):
    assert r.status == status, r
    assert r.headers["Content-Type"] == "application/problem+json"
    doc = r.json
    assert doc["status"] == status and doc["detail"]
    if field:
        assert doc.get("field") == field, doc


def test_operator_creates_a_tenant_and_the_admin_mail_is_queued(stack, operator):
    t = create_tenant(stack, operator, number="06 1234 5678".replace("5678", str(next(_numbers))[-4:]))
    assert t["number"].startswith("+3906")
    assert t["timezone"] == "Europe/Rome" and t["state"] == "active"
    assert t["sip_domain"].endswith(".sip.ovunque.test")
    mails = outbox(stack, t["id"], "admin_activation")
    assert len(mails) == 1
    m = mails[0]
    assert m["to"] == "admin@prova.example" and m["language"] == "it"
    assert m["params"]["username"] == "Amministratore"
    assert m["params"]["number"] == t["number"]
    pw = m["params"]["password"]
    assert len(pw) >= 8 and any(c.isdigit() for c in pw)
    # The password is in the mail, never in the API's answer or the log.
    assert pw not in json.dumps(t)
    assert pw not in open(stack.log_path("admin")).read()
    # The tenant comes with its main line and an initial draft.
    assert psql(stack, "SELECT name FROM admin.lines WHERE tenant_id = :'p1'",
                t["id"]) == [["Fibra Principale"]]
    r = operator.get(f"/v1/tenants/{t['id']}")
    assert r.status == 200 and r.json["id"] == t["id"]


def test_tenant_validation_names_the_field(stack, operator):
    ok = {"company_name": "X Srl", "number": new_number(),
          "admin_email": "a@b.example"}
    for field, bad in [("number", "12345"), ("number", "3331234567"),
                       ("admin_email", "not-an-email"),
                       ("company_name", ""), ("timezone", "Mars/Olympus"),
                       ("language", "fr")]:
        assert_problem(operator.post("/v1/tenants", {**ok, field: bad}), 400,
                       field)
    assert_problem(operator.post("/v1/tenants", {**ok, "colour": "red"}), 400,
                   "colour")
    assert_problem(operator.post("/v1/tenants", {**ok, "number": 612345678}),
                   400, "number")
    del ok["admin_email"]
    assert_problem(operator.post("/v1/tenants", ok), 400, "admin_email")


def test_a_number_belongs_to_one_tenant(stack, operator):
    t = create_tenant(stack, operator)
    r = operator.post("/v1/tenants", {"company_name": "Altra", "number":
                                      t["number"], "admin_email": "x@y.example"})
    assert_problem(r, 409)


def test_malformed_and_oversized_bodies(stack, operator):
    assert_problem(operator.call("POST", "/v1/tenants", raw=b"{nope",
                                 headers={"Content-Type": "application/json"}),
                   400)
    json_ct = {"Content-Type": "application/json"}
    assert_problem(operator.call("POST", "/v1/tenants", raw=b"[1,2]",
                                 headers=json_ct), 400)
    big = json.dumps({"company_name": "x" * 70000}).encode()
    assert_problem(operator.call("POST", "/v1/tenants", raw=big,
                                 headers=json_ct), 413)
    assert_problem(operator.get("/v1/tenants/not-a-uuid"), 404)
    assert_problem(operator.get("/v1/tenants/00000000-0000-4000-8000-000000000000"), 404)
    r = operator.delete("/v1/tenants")
    assert_problem(r, 405)
    assert r.headers["Allow"] == "GET, POST"
    assert r.json["title"] == "Method Not Allowed"


def test_credentials_are_required(stack, operator):
    api = Api(stack.env["OV_ADMIN_HTTP"])
    assert_problem(api.get("/v1/tenants"), 401)
    assert_problem(api.get("/v1/tenants", token="ovk_wrong"), 401)
    assert_problem(api.get("/v1/users", token="ovt_wrong"), 401)


def test_first_login_forces_a_password_change_then_logs_out(stack, operator):
    t = create_tenant(stack, operator)
    mail = outbox(stack, t["id"], "admin_activation")[0]["params"]
    api = Api(stack.env["OV_ADMIN_HTTP"])
    r = api.post("/v1/auth/login", {"number": t["number"],
                                    "username": "amministratore",
                                    "password": mail["password"]})
    assert r.status == 200, r
    assert r.json["must_change_password"] is True
    assert r.json["user"]["role"] == "admin"
    api.token = r.json["token"]
    r = api.get("/v1/users")
    assert_problem(r, 403)
    assert r.json["code"] == "password_change_required"
    assert api.get("/v1/me").status == 200
    # The policy, rule by rule, naming the field.
    for bad in ["Short.1", "nouppercase.1", "NOLOWERCASE.1", "NoDigits.!",
                "NoSpecial12", mail["password"]]:
        r = api.post("/v1/auth/password", {"old_password": mail["password"],
                                           "new_password": bad,
                                           "confirm_password": bad})
        assert_problem(r, 400, "new_password")
    r = api.post("/v1/auth/password", {"old_password": "wrong",
                                       "new_password": "Buona.Password1",
                                       "confirm_password": "Buona.Password1"})
    assert_problem(r, 400, "old_password")
    r = api.post("/v1/auth/password", {"old_password": mail["password"],
                                       "new_password": "Buona.Password1",
                                       "confirm_password": "Buona.Password2"})
    assert_problem(r, 400, "confirm_password")
    r = api.post("/v1/auth/password", {"old_password": mail["password"],
                                       "new_password": "Buona.Password1",
                                       "confirm_password": "Buona.Password1"})
    assert r.status == 200 and r.json == {"password_changed": True,
                                          "logged_out": True}
    # Forced logout: the token is gone.
    assert_problem(api.get("/v1/me"), 401)
    # The old password no longer works; the new one does, with no
    # change required.
    r = api.post("/v1/auth/login", {"number": t["number"],
                                    "username": "Amministratore",
                                    "password": mail["password"]}, token="")
    assert_problem(r, 401)
    r = api.post("/v1/auth/login", {"number": t["number"],
                                    "username": "Amministratore",
                                    "password": "Buona.Password1"}, token="")
    assert r.status == 200 and r.json["must_change_password"] is False
    assert len(outbox(stack, t["id"], "password_changed")) == 1


def test_logout_ends_this_session_or_all_of_them(stack, operator):
    t = create_tenant(stack, operator)
    first = admin_login(stack, t)
    login = {"number": t["number"], "username": "Amministratore",
             "password": "Nuova.Password1"}

    def session():
        r = Api(stack.env["OV_ADMIN_HTTP"]).post("/v1/auth/login", login)
        assert r.status == 200, r
        return Api(stack.env["OV_ADMIN_HTTP"], r.json["token"])

    second, third = session(), session()
    # Another company's admin is not touched by any of this.
    other = admin_login(stack, create_tenant(stack, operator))
    # No body: this token only.
    assert first.post("/v1/auth/logout").status == 204
    assert_problem(first.get("/v1/me"), 401)
    assert second.get("/v1/me").status == 200
    assert_problem(second.post("/v1/auth/logout", {"all": "yes"}), 400,
                   field="all")
    assert_problem(second.post("/v1/auth/logout", {"every": True}), 400,
                   field="every")
    assert second.get("/v1/me").status == 200
    # {"all": true}: every session of this person, and only theirs.
    assert second.post("/v1/auth/logout", {"all": True}).status == 204
    assert_problem(second.get("/v1/me"), 401)
    assert_problem(third.get("/v1/me"), 401)
    assert other.get("/v1/me").status == 200
    actions = [x[0] for x in psql(stack, "SELECT action FROM admin.audit "
                                  "WHERE tenant_id = :'p1' ORDER BY id",
                                  t["id"])]
    assert actions.count("user.logout_all") == 1


def test_login_answers_never_tell_what_was_wrong(stack, operator):
    t = create_tenant(stack, operator)
    api = admin_login(stack, t)
    anon = Api(stack.env["OV_ADMIN_HTTP"])
    answers = set()
    for number, user, pw in [(t["number"], "Amministratore", "Wrong.Pass1"),
                             (t["number"], "nobody", "Nuova.Password1"),
                             ("0699999999", "Amministratore", "Nuova.Password1")]:
        r = anon.post("/v1/auth/login", {"number": number, "username": user,
                                         "password": pw})
        assert r.status == 401
        answers.add(r.body)
    assert len(answers) == 1
    assert api.get("/v1/me").status == 200


def test_failed_logins_are_throttled_per_account(stack, operator):
    t = create_tenant(stack, operator)
    admin_login(stack, t)
    anon = Api(stack.env["OV_ADMIN_HTTP"])
    wrong = {"number": t["number"], "username": "Amministratore",
             "password": "Wrong.Pass1"}
    statuses = [anon.post("/v1/auth/login", wrong).status for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    r = anon.post("/v1/auth/login", {**wrong, "password": "Nuova.Password1"})
    assert_problem(r, 429)
    assert int(r.headers["Retry-After"]) >= 1


def post_from(stack, source, path, body):
    """A POST from another loopback address (127.0.0.x), so the address
    throttle of the tests' own 127.0.0.1 is left alone."""
    import http.client
    import urllib.parse
    u = urllib.parse.urlparse(stack.env["OV_ADMIN_HTTP"])
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30,
                                   source_address=(source, 0))
    try:
        c.request("POST", path, json.dumps(body).encode(),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def test_throttled_logins_are_logged_once_a_minute_per_account(stack, operator):
    """Issue 21, item 8: an attack shows in the log, not only in
    /metrics, without a line per refused attempt."""
    t = create_tenant(stack, operator)
    wrong = {"number": t["number"], "username": "Amministratore",
             "password": "Wrong.Pass1"}
    statuses = [post_from(stack, "127.0.0.5", "/v1/auth/login", wrong)
                for _ in range(12)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}

    def lines():
        return [e for e in stack.log_events("admin")
                if e["event"] == "auth.throttled"
                and e.get("number") == t["number"]]
    [line] = wait_until(lines, 5, "an auth.throttled line")
    assert line["limit"] == "account" and line["level"] == "warn"
    assert line["username"] == "amministratore"
    assert line["client_ip"] == "127.0.0.5"
    assert line["retry_after_s"] >= 1
    assert "Wrong.Pass1" not in json.dumps(line)
    assert len(lines()) == 1  # seven refusals, one line


def test_forgot_calls_never_lock_the_real_user_out(stack, operator):
    """Issue 18: five forgot calls for a known user, from anywhere, made
    that user's correct login answer 429. Reset requests now have
    counters of their own: they limit reset mails, never logins."""
    t = create_tenant(stack, operator)
    admin_login(stack, t)
    outsider = Api(stack.env["OV_ADMIN_HTTP"], source="127.0.0.21")
    who = {"number": t["number"], "username": "Amministratore"}
    statuses = [outsider.post("/v1/auth/forgot", who).status
                for _ in range(8)]
    # Three reset mails, then the mailbox is protected.
    assert statuses[:3] == [202] * 3 and set(statuses[3:]) == {429}, statuses
    r = outsider.post("/v1/auth/forgot", who)
    assert_problem(r, 429)
    assert int(r.headers["Retry-After"]) >= 1
    wait_until(lambda: len(outbox(stack, t["id"], "password_reset")) == 3,
               10, "three reset mails")
    right = {**who, "password": "Nuova.Password1"}
    # From the address the user logged in from, and from a new one.
    assert Api(stack.env["OV_ADMIN_HTTP"]).post(
        "/v1/auth/login", right).status == 200
    assert Api(stack.env["OV_ADMIN_HTTP"], source="127.0.0.22").post(
        "/v1/auth/login", right).status == 200


def test_an_attacker_address_is_slowed_not_the_users(stack, operator):
    """The (account, address) backoff: 5 wrong guesses from one address,
    then 429 with Retry-After there; the real user, from their own
    address, logs in at once."""
    t = create_tenant(stack, operator)
    admin_login(stack, t)
    attacker = Api(stack.env["OV_ADMIN_HTTP"], source="127.0.0.23")
    wrong = {"number": t["number"], "username": "Amministratore",
             "password": "Wrong.Pass1"}
    statuses = [attacker.post("/v1/auth/login", wrong).status
                for _ in range(6)]
    assert statuses == [401] * 5 + [429], statuses
    r = attacker.post("/v1/auth/login", {**wrong,
                                         "password": "Nuova.Password1"})
    assert_problem(r, 429)  # the right password is not even verified
    assert int(r.headers["Retry-After"]) >= 1
    r = Api(stack.env["OV_ADMIN_HTTP"]).post(
        "/v1/auth/login", {**wrong, "password": "Nuova.Password1"})
    assert r.status == 200, r


def test_guesses_from_many_addresses_lock_new_addresses_only(stack, operator):
    """Guesses spread over addresses A, B, C... (each under its own
    limit) count against the account for addresses that never logged
    into it: after 10 of them a new address waits, whatever password it
    sends; the real user's address is not affected."""
    t = create_tenant(stack, operator)
    admin_login(stack, t)
    wrong = {"number": t["number"], "username": "Amministratore",
             "password": "Wrong.Pass1"}
    right = {**wrong, "password": "Nuova.Password1"}
    base = stack.env["OV_ADMIN_HTTP"]
    bots = [Api(base, source=f"127.0.0.{a}") for a in (24, 25, 26, 27)]
    statuses = [bots[i % 3].post("/v1/auth/login", wrong).status
                for i in range(10)]
    assert statuses == [401] * 10, statuses
    r = bots[3].post("/v1/auth/login", wrong)
    assert_problem(r, 429)
    # Two more failures once allowed: the wait doubles (1, 2, 4 s), so
    # the checks below are well inside it.
    for wait in (1.1, 2.1):
        time.sleep(wait)
        assert bots[3].post("/v1/auth/login", wrong).status == 401
    r = Api(base, source="127.0.0.28").post("/v1/auth/login", right)
    assert_problem(r, 429)
    assert int(r.headers["Retry-After"]) >= 2
    r = Api(base).post("/v1/auth/login", right)
    assert r.status == 200, r
    lines = [e for e in stack.log_events("admin")
             if e["event"] == "auth.throttled"
             and e.get("number") == t["number"]]
    assert {e["limit"] for e in lines} == {"account_new_addresses"}, lines


def test_guesses_sent_at_once_are_counted_one_by_one(stack, operator):
    """Without the attempt locks, guesses sent at the same instant all
    passed the check before the first failure was counted (a password
    check lies between). After 4 failures from one new address, one
    more is free: of 8 guesses sent at once, exactly one is checked."""
    import threading
    t = create_tenant(stack, operator)
    attacker = Api(stack.env["OV_ADMIN_HTTP"], source="127.0.0.29")
    wrong = {"number": t["number"], "username": "Amministratore",
             "password": "Wrong.Pass1"}
    assert [attacker.post("/v1/auth/login", wrong).status
            for _ in range(4)] == [401] * 4
    statuses = []
    go = threading.Barrier(8)

    def guess():
        go.wait()
        statuses.append(attacker.post("/v1/auth/login", wrong).status)
    threads = [threading.Thread(target=guess) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(statuses) == [401] + [429] * 7, statuses


def test_parse_errors_say_where_never_what(stack, operator):
    """Issue 21, item 7: a bad byte in a login body was answered with
    the text around it, the password's start included."""
    api = Api(stack.env["OV_ADMIN_HTTP"])
    body = b'{"number":"0612345678","username":"Amministratore",' \
           b'"password":"Segreto.9\xff\xfe"}'
    r = api.call("POST", "/v1/auth/login", raw=body,
                 headers={"Content-Type": "application/json"})
    assert_problem(r, 400)
    assert "Seg" not in r.json["detail"], r.json
    assert "invalid UTF-8 at byte" in r.json["detail"], r.json
    r = api.call("POST", "/v1/auth/login", raw=b'{"password":"Segreto.9',
                 headers={"Content-Type": "application/json"})
    assert_problem(r, 400)
    assert "Seg" not in r.json["detail"], r.json


def test_forgot_and_reset_password(stack, operator):
    t = create_tenant(stack, operator)
    admin_login(stack, t)
    anon = Api(stack.env["OV_ADMIN_HTTP"])
    # Same answer whether or not the account exists.
    r1 = anon.post("/v1/auth/forgot", {"number": t["number"],
                                       "username": "Amministratore"})
    r2 = anon.post("/v1/auth/forgot", {"number": t["number"],
                                       "username": "nessuno"})
    assert (r1.status, r1.body) == (r2.status, r2.body) == (202, r1.body)
    # The reset worker makes the code and the mail (docs/admin.md).
    mails = wait_until(lambda: outbox(stack, t["id"], "password_reset"),
                       10, "the reset mail")
    time.sleep(0.5)
    assert len(outbox(stack, t["id"], "password_reset")) == 1
    code = mails[0]["params"]["code"]
    reset = {"number": t["number"], "username": "Amministratore",
             "code": "WRONGCODE1", "new_password": "Dopo.Reset9",
             "confirm_password": "Dopo.Reset9"}
    assert_problem(anon.post("/v1/auth/reset", reset), 400, "code")
    r = anon.post("/v1/auth/reset", {**reset, "code": code})
    assert r.status == 200, r
    # Single use.
    assert_problem(anon.post("/v1/auth/reset", {**reset, "code": code}), 400,
                   "code")
    r = anon.post("/v1/auth/login", {"number": t["number"],
                                     "username": "Amministratore",
                                     "password": "Dopo.Reset9"})
    assert r.status == 200


def test_admin_manages_users(stack, operator):
    t = create_tenant(stack, operator)
    api = admin_login(stack, t)
    r = api.post("/v1/users", {"name": "Mario Rossi", "email": "mario@prova.example",
                               "username": "Mario", "extension": "01"})
    assert r.status == 201, r
    mario = r.json
    assert mario["state"] == "draft" and mario["extension"] == "01"
    # Unique extension and case-insensitive username, naming the field.
    r = api.post("/v1/users", {"name": "Altro", "email": "a@prova.example",
                               "username": "mario", "extension": "02"})
    assert_problem(r, 409, "username")
    r = api.post("/v1/users", {"name": "Altro", "email": "a@prova.example",
                               "username": "Altro", "extension": "01"})
    assert_problem(r, 409, "extension")
    for field, bad in [("extension", "00"), ("extension", "100"),
                       ("username", "1abc"), ("email", "x@"), ("name", "")]:
        body = {"name": "Sara", "email": "s@prova.example", "username": "Sara",
                "extension": "03", field: bad}
        assert_problem(api.post("/v1/users", body), 400, field)
    r = api.patch(f"/v1/users/{mario['id']}", {"extension": "05"})
    assert r.status == 200 and r.json["extension"] == "05"
    users = api.get("/v1/users").json["users"]
    assert [u["username"] for u in users] == ["Amministratore", "Mario"]
    assert api.delete(f"/v1/users/{mario['id']}").status == 204
    assert_problem(api.get(f"/v1/users/{mario['id']}"), 404)
    # The administrator stays.
    me = api.get("/v1/me").json
    assert_problem(api.delete(f"/v1/users/{me['id']}"), 409)


def test_tenant_isolation(stack, operator):
    a = create_tenant(stack, operator)
    b = create_tenant(stack, operator)
    api_a = admin_login(stack, a)
    api_b = admin_login(stack, b)
    u = api_b.post("/v1/users", {"name": "Laura", "email": "l@b.example",
                                 "username": "Laura", "extension": "05"}).json
    for method, path, body in [("GET", f"/v1/users/{u['id']}", None),
                               ("PATCH", f"/v1/users/{u['id']}", {"name": "X"}),
                               ("DELETE", f"/v1/users/{u['id']}", None)]:
        assert_problem(api_a.call(method, path, body=body), 404)
    assert [x["username"] for x in api_a.get("/v1/users").json["users"]] == \
        ["Amministratore"]
    # The same username and extension are fine in another tenant.
    r = api_a.post("/v1/users", {"name": "Laura", "email": "l@a.example",
                                 "username": "Laura", "extension": "05"})
    assert r.status == 201
    # Tenant admins are not operators.
    assert_problem(api_a.get("/v1/tenants"), 403)
    assert_problem(api_a.get(f"/v1/tenants/{b['id']}"), 403)
    # Operators are not tenant admins.
    assert_problem(operator.get("/v1/users"), 403)


def tiny_png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) +
            chunk(b"IEND", b""))


def test_me_profile_presence_photo_consents(stack, operator):
    t = create_tenant(stack, operator)
    api = admin_login(stack, t)
    me = api.get("/v1/me").json
    assert me["presence"] == "available" and me["tutorial_seen"] is False
    assert me["tenant"]["number"] == t["number"]
    r = api.patch("/v1/me", {"presence": "dnd", "tutorial_seen": True})
    assert r.status == 200 and r.json["presence"] == "dnd"
    assert_problem(api.patch("/v1/me", {"presence": "busy"}), 400, "presence")
    png = tiny_png()
    r = api.put("/v1/me/photo", raw=png, headers={"Content-Type": "image/png"})
    assert r.status == 204, r
    r = api.get("/v1/me/photo")
    assert r.status == 200 and r.body == png
    assert r.headers["Content-Type"] == "image/png"
    assert_problem(api.put("/v1/me/photo", raw=b"GIF89a....",
                           headers={"Content-Type": "image/png"}), 415)
    assert_problem(api.put("/v1/me/photo", raw=png + b"\0" * 300000,
                           headers={"Content-Type": "image/png"}), 413)
    r = api.put("/v1/me/consents/call_account", {"version": "1",
                                                 "granted": True})
    assert r.status == 200
    assert r.json["consents"][0]["id"] == "call_account"
    assert r.json["consents"][0]["granted"] is True
    # Every change of one's own profile is in the audit log too.
    actions = [x[0] for x in psql(stack, "SELECT action FROM admin.audit "
                                  "WHERE tenant_id = :'p1' ORDER BY id", t["id"])]
    for a in ("me.update", "me.photo", "me.consent"):
        assert a in actions


def test_suspend_resume_delete(stack, operator):
    t = create_tenant(stack, operator)
    api = admin_login(stack, t)
    r = operator.post(f"/v1/tenants/{t['id']}/suspend")
    assert r.status == 200 and r.json["state"] == "suspended"
    assert_problem(operator.post(f"/v1/tenants/{t['id']}/suspend"), 409)
    assert_problem(api.get("/v1/me"), 401)
    login = {"number": t["number"], "username": "Amministratore",
             "password": "Nuova.Password1"}
    assert_problem(api.post("/v1/auth/login", login, token=""), 401)
    assert operator.post(f"/v1/tenants/{t['id']}/resume").json["state"] == "active"
    assert api.post("/v1/auth/login", login, token="").status == 200
    r = operator.patch(f"/v1/tenants/{t['id']}", {"max_calls": 4,
                                                   "language": "en",
                                                   "admin_email": "new@p.example"})
    assert r.status == 200 and r.json["max_calls"] == 4
    me = api.post("/v1/auth/login", login, token="").json["token"]
    assert Api(stack.env["OV_ADMIN_HTTP"], me).get("/v1/me").json["email"] == \
        "new@p.example"
    assert operator.delete(f"/v1/tenants/{t['id']}").status == 204
    assert_problem(operator.get(f"/v1/tenants/{t['id']}"), 404)
    # Personal data is gone; the audit record stays.
    rows = psql(stack, "SELECT count(*) FROM admin.users WHERE tenant_id = :'p1' "
                "AND (email <> '' OR password_hash IS NOT NULL)", t["id"])
    assert rows == [["0"]]
    actions = [r[0] for r in psql(stack, "SELECT action FROM admin.audit "
                                  "WHERE tenant_id = :'p1' ORDER BY id", t["id"])]
    assert actions[0] == "tenant.create" and actions[-1] == "tenant.delete"
    assert "tenant.suspend" in actions and "user.password_change" in actions


def test_seed_flow_configure_and_apply(stack, operator):
    """The seed's admin side: users, ringing, forwarding, messages, apply."""
    import subprocess
    import threading
    t = create_tenant(stack, operator)
    api = admin_login(stack, t)
    mario = api.post("/v1/users", {"name": "Mario Rossi", "email": "mario@p.example",
                                   "username": "Mario", "extension": "01"}).json
    sara = api.post("/v1/users", {"name": "Sara Bianchi", "email": "sara@p.example",
                                  "username": "Sara", "extension": "02"}).json
    # Nothing takes effect before apply: no mails, users are drafts.
    assert outbox(stack, t["id"], "user_activation") == []
    r = api.put("/v1/ringing", {"mode": "sequential", "rings": 5, "members": [
        {"type": "main_line"}, {"type": "user", "id": mario["id"]},
        {"type": "user", "id": sara["id"]}]})
    assert r.status == 200, r
    assert r.json["ringing"]["rings"] == 5
    r = api.put("/v1/forwarding", {"no_answer": {"enabled": True,
                                                 "number": "335 123 4567"}})
    assert r.status == 200, r
    assert r.json["forwarding"]["no_answer"]["number"] == "+393351234567"
    assert r.json["forwarding"]["busy"]["enabled"] is False
    r = api.put("/v1/messages/closed", {
        "enabled": True, "template_id": "closed_hours", "voice": "female",
        "languages": ["it", "en"],
        "values": {"open": "09:00", "close": "18:00", "day_from": "monday",
                   "day_to": "friday"},
        "ranges": [{"days": ["monday", "tuesday", "wednesday", "thursday",
                             "friday"], "from": "09:00", "to": "18:00"}]})
    assert r.status == 200, r
    r = api.put("/v1/messages/welcome", {"enabled": True,
                                         "template_id": "welcome_short"})
    assert r.status == 200, r
    assert r.json["messages"]["welcome"]["voice"] == "female"
    assert r.json["messages"]["welcome"]["languages"] == ["it"]

    watch = subprocess.Popen([f"{stack.env['OV_BIN_DIR']}/ovctl", "--env",
                              f"{stack.run_dir}/stack.env", "watch",
                              "--count", "1", "--timeout-ms", "20000"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert watch.stdout.readline().startswith("watching")
        # PUB/SUB connects asynchronously: apply once the subscriber is
        # attached, which admin's metrics cannot tell; so apply and, if
        # the event was dropped, the subscriber still sees the next one.
        r = api.post("/v1/apply")
        assert r.status == 200, r
        res = r.json
        assert res["version"] == 1 and res["changed"] is True
        assert sorted(res["activated"]) == sorted([mario["id"], sara["id"]])
        line = ""
        try:
            out, _ = watch.communicate(timeout=3)
            line = out
        except subprocess.TimeoutExpired:
            # The first event went out before the subscription: change
            # something and apply again.
            api.put("/v1/messages/welcome", {"enabled": False,
                                             "template_id": "welcome_short"})
            assert api.post("/v1/apply").json["version"] == 2
            out, _ = watch.communicate(timeout=10)
            line = out
        assert f"config.applied tenant={t['id']} version=" in line
    finally:
        watch.kill()
        watch.wait()

    # Activation mails ("Attivazione Utenza") with the credentials.
    mails = outbox(stack, t["id"], "user_activation")
    assert sorted(m["to"] for m in mails) == ["mario@p.example", "sara@p.example"]
    m = [m for m in mails if m["to"] == "mario@p.example"][0]["params"]
    assert m["username"] == "Mario" and m["number"] == t["number"]
    users = {u["username"]: u for u in api.get("/v1/users").json["users"]}
    assert users["Mario"]["state"] == "active"
    # Mario logs in with the mailed password and must change it.
    anon = Api(stack.env["OV_ADMIN_HTTP"])
    r = anon.post("/v1/auth/login", {"number": t["number"], "username": "mario",
                                     "password": m["password"]})
    assert r.status == 200 and r.json["must_change_password"] is True
    assert r.json["user"]["role"] == "user"
    # A user is not an admin.
    assert_problem(Api(stack.env["OV_ADMIN_HTTP"], r.json["token"]).get(
        "/v1/users"), 403)

    # The snapshot the router and the IVR will read.
    r = stack.ovctl("snapshot", "--tenant", t["id"])
    assert r.returncode == 0, r.stderr
    assert "ringing sequential rings=5: Fibra Principale Mario Rossi/01 " \
        "Sara Bianchi/02" in r.stdout
    assert "forward no_answer +393351234567" in r.stdout
    assert "message closed on template=closed_hours voice=female " \
        "languages=it,en" in r.stdout

    # Applying an unchanged draft changes nothing.
    before = len(outbox(stack, t["id"], "user_activation"))
    version = api.post("/v1/apply").json["version"]
    r = api.post("/v1/apply")
    assert r.json == {"version": version, "changed": False, "diff": [],
                      "activated": []}
    assert len(outbox(stack, t["id"], "user_activation")) == before

    # A change gives a new version and a readable diff.
    r = api.put("/v1/ringing", {"mode": "simultaneous", "members": [
        {"type": "user", "id": mario["id"]}, {"type": "user", "id": sara["id"]}]})
    r = api.post("/v1/apply")
    assert r.json["version"] == version + 1
    assert 'ringing.mode: "sequential" -> "simultaneous"' in r.json["diff"]

    # The audit log, newest first, by pages.
    page = api.get("/v1/audit?limit=2").json
    assert [x["action"] for x in page["records"]] == ["config.apply",
                                                      "config.ringing"]
    older = api.get(f"/v1/audit?limit=50&before={page['next_before']}").json
    actions = [x["action"] for x in older["records"]]
    assert "user.create" in actions and "tenant.create" in actions
    assert all("password" not in json.dumps(x["detail"]).lower()
               for x in older["records"])


def test_draft_validation_names_the_field(stack, operator):
    t = create_tenant(stack, operator)
    api = admin_login(stack, t)
    other = admin_login(stack, create_tenant(stack, operator))
    stranger = other.post("/v1/users", {"name": "X", "email": "x@o.example",
                                        "username": "Xavier", "extension": "07"}).json
    cases = [
        ("/v1/ringing", {"mode": "sequential", "rings": 9,
                         "members": [{"type": "main_line"}]}, "rings"),
        ("/v1/ringing", {"mode": "round-robin", "members": []}, "mode"),
        ("/v1/ringing", {"mode": "simultaneous", "members": [
            {"type": "user", "id": stranger["id"]}]}, "members"),
        ("/v1/forwarding", {"busy": {"enabled": True}}, "busy.number"),
        ("/v1/forwarding", {"busy": {"enabled": True, "number": "899123456"}},
         "busy.number"),
        ("/v1/messages/welcome", {"enabled": True,
                                  "template_id": "closed_hours"}, "template_id"),
        ("/v1/messages/closed", {"enabled": True, "template_id": "closed_hours",
                                 "values": {"open": "9"}}, "values.open"),
        ("/v1/messages/closed", {"enabled": True, "template_id": "closed_hours",
                                 "languages": ["it", "it"]}, "languages"),
        ("/v1/messages/no_answer", {"enabled": True,
                                    "template_id": "no_answer_retry",
                                    "rings": 2}, "rings"),
    ]
    for path, body, field in cases:
        assert_problem(api.put(path, body), 400, field)
    assert_problem(api.put("/v1/messages/holiday", {"enabled": True,
                                                    "template_id": "x"}), 404)
    # A draft may lack values; apply may not.
    r = api.put("/v1/messages/closed", {"enabled": True,
                                        "template_id": "closed_hours",
                                        "values": {"open": "09:00"}})
    assert r.status == 200
    r = api.post("/v1/apply")
    assert_problem(r, 422)
    assert r.json["field"].startswith("messages.closed.values.")
    catalogue = api.get("/v1/message-templates").json["templates"]
    ids = {x["id"]: x for x in catalogue}
    assert ids["welcome_short"]["text"]["it"] == "Salve! Grazie per aver chiamato."
    assert [p["name"] for p in ids["closed_hours"]["placeholders"]] == \
        ["open", "close", "day_from", "day_to"]


def test_make_run_demo_tenant(stack):
    """`make run` creates an operator key and a demo tenant and hands
    their credentials out in stack.env; running it again keeps them."""
    r = stack.sh("demo")
    assert r.returncode == 0, r.stderr
    env = dict(line.split("=", 1) for line in
               open(f"{stack.run_dir}/stack.env").read().splitlines()
               if "=" in line and not line.startswith("#"))
    assert env["OV_DEMO_OPERATOR_KEY"].startswith("ovk_")
    op = Api(stack.env["OV_ADMIN_HTTP"], env["OV_DEMO_OPERATOR_KEY"])
    t = op.get(f"/v1/tenants/{env['OV_DEMO_TENANT_ID']}")
    assert t.status == 200 and t.json["number"] == env["OV_DEMO_NUMBER"]
    r = Api(stack.env["OV_ADMIN_HTTP"]).post("/v1/auth/login", {
        "number": env["OV_DEMO_NUMBER"],
        "username": env["OV_DEMO_ADMIN_USERNAME"],
        "password": env["OV_DEMO_ADMIN_PASSWORD"]})
    # The demo set its company up: first login done, users with phones.
    assert r.status == 200 and r.json["must_change_password"] is False
    assert env["OV_DEMO_MARIO_SIP"].startswith("<sip:mario@")
    assert "auth_pass=" in env["OV_DEMO_LAURA_SIP"]
    stack.sh("demo")
    again = open(f"{stack.run_dir}/demo.env").read()
    assert f"OV_DEMO_TENANT_ID={env['OV_DEMO_TENANT_ID']}" in again


def test_openapi_documents_every_route_and_only_real_ones(stack):
    """The served document against the running service: each documented
    operation reaches a handler (never the "no such resource" 404 or a
    405), and the service refuses to start with an undocumented route."""
    api = Api(stack.env["OV_ADMIN_HTTP"])
    doc = api.get("/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    ops = [(m.upper(), p) for p, item in doc["paths"].items()
           for m in item if m in ("get", "post", "put", "patch", "delete")]
    assert len(ops) > 25
    some_id = "00000000-0000-4000-8000-000000000000"
    for method, path in ops:
        concrete = path.replace("{id}", some_id).replace("{kind}", "welcome")
        r = api.call(method, concrete)
        assert r.status != 405, (method, path)
        if r.status == 404:
            # A real handler's 404 names the resource, not the route.
            assert r.json["detail"] != "no such resource", (method, path)


def test_ovctl_tenant_commands(stack, operator):
    import os
    import subprocess
    env = dict(os.environ, OV_OPERATOR_KEY=operator.token)

    def ovctl(*args):
        return subprocess.run([f"{stack.env['OV_BIN_DIR']}/ovctl", "--env",
                               f"{stack.run_dir}/stack.env", "tenant", *args],
                              env=env, capture_output=True, text=True,
                              timeout=30)

    number = new_number()
    r = ovctl("create", "--name", "Cli Srl", "--number", number,
              "--email", "cli@example.it")
    assert r.returncode == 0, r.stderr
    t = json.loads(r.stdout)
    assert t["company_name"] == "Cli Srl"
    r = ovctl("set", t["id"], "--max-calls", "3", "--international", "on")
    assert r.returncode == 0 and json.loads(r.stdout)["max_calls"] == 3
    assert json.loads(r.stdout)["allow_international"] is True
    assert ovctl("suspend", t["id"]).returncode == 0
    assert json.loads(ovctl("show", t["id"]).stdout)["state"] == "suspended"
    assert ovctl("resume", t["id"]).returncode == 0
    ids = [x["id"] for x in json.loads(ovctl("list").stdout)["tenants"]]
    assert t["id"] in ids
    # Errors come back as the API's problem, with a non-zero exit.
    r = ovctl("create", "--name", "Bad", "--number", "12", "--email", "x@y.it")
    assert r.returncode == 1 and json.loads(r.stdout)["field"] == "number"
    assert ovctl("delete", t["id"]).returncode == 0
    assert ovctl("show", t["id"]).returncode == 1


def test_every_admin_and_operator_endpoint_refuses_a_user(stack, operator):
    """A user's token gets 403 on every operation that is not theirs, and a
    tenant admin's on every operator operation, walking the document."""
    t = create_tenant(stack, operator)
    api = admin_login(stack, t)
    api.post("/v1/users", {"name": "Laura", "email": "l@t.example",
                           "username": "Laura", "extension": "05"})
    assert api.post("/v1/apply").status == 200
    mail = [m for m in outbox(stack, t["id"], "user_activation")][0]["params"]
    user = Api(stack.env["OV_ADMIN_HTTP"])
    r = user.post("/v1/auth/login", {"number": t["number"], "username": "Laura",
                                     "password": mail["password"]})
    user.token = r.json["token"]
    r = user.post("/v1/auth/password", {"old_password": mail["password"],
                                        "new_password": "Laura.Pass5",
                                        "confirm_password": "Laura.Pass5"})
    assert r.status == 200
    user.token = user.post("/v1/auth/login", {
        "number": t["number"], "username": "Laura",
        "password": "Laura.Pass5"}).json["token"]
    doc = Api(stack.env["OV_ADMIN_HTTP"]).get("/v1/openapi.json").json
    some_id = "00000000-0000-4000-8000-000000000000"
    checked = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            roles = op.get("x-roles", []) if isinstance(op, dict) else []
            if "public" in roles or not path.startswith("/v1/"):
                continue
            concrete = path.replace("{id}", some_id).replace("{kind}", "welcome")
            if "user" not in roles:
                assert_problem(user.call(method.upper(), concrete, body={}), 403)
                checked += 1
            if "admin" not in roles:
                assert_problem(api.call(method.upper(), concrete, body={}), 403)
    assert checked >= 15
