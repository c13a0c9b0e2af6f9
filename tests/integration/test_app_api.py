"""The admin API the app uses: the company directory, personal contacts,
the apply diff and "try it" (simulate), each as the app calls it, with
another company's and another person's data invisible (404)."""
import pytest

from admin_api import Api, psql
from calls import Company
from conftest import wait_until


@pytest.fixture(scope="module")
def acme(stack, operator):
    """Mario (01) and Laura (05), applied and logged in."""
    return Company(stack, operator, [("Mario Rossi", "Mario", "01"),
                                     ("Laura Bianchi", "Laura", "05")])


@pytest.fixture(scope="module")
def other(stack, operator):
    """Another company, with a user of its own."""
    return Company(stack, operator, [("Gianni Verdi", "Gianni", "01")])


def assert_problem(r, status, field=None):
    assert r.status == status, r
    assert r.headers["Content-Type"] == "application/problem+json", r
    doc = r.json
    assert doc["status"] == status and doc["detail"], doc
    if field is not None:
        assert doc.get("field") == field, doc
    return doc


ANNA = {"name": "Anna Neri", "numbers": [
    {"label": "mobile", "number": "+39 335 123 4567"},
    {"label": "work", "number": "05"}],
    "email": "anna@neri.example", "company": "Neri Srl",
    "note": "chiamare dopo le 15\nmai il lunedì"}


# ---- personal contacts ----

def test_contacts_create_read_change_delete(acme):
    laura = acme.users["Laura"]["api"]
    r = laura.post("/v1/me/contacts", ANNA)
    assert r.status == 201, r
    c = r.json
    assert c["name"] == "Anna Neri"
    assert c["numbers"] == [{"label": "mobile", "number": "+393351234567"},
                            {"label": "work", "number": "05"}]
    assert c["email"] == "anna@neri.example" and c["company"] == "Neri Srl"
    assert c["note"] == ANNA["note"]
    assert c["created_at"] and c["updated_at"]
    r = laura.post("/v1/me/contacts", {"name": "bruno", "numbers": [
        {"label": "home", "number": "061234567"}]})
    assert r.status == 201, r
    bruno = r.json
    assert bruno["email"] is None and bruno["company"] is None
    assert bruno["note"] is None

    r = laura.get("/v1/me/contacts")
    assert r.status == 200, r
    assert [x["name"] for x in r.json["contacts"]] == ["Anna Neri", "bruno"]

    r = laura.patch(f"/v1/me/contacts/{c['id']}",
                    {"company": None, "numbers": [{"label": "other",
                                                   "number": "112"}]})
    assert r.status == 200, r
    assert r.json["company"] is None and r.json["name"] == "Anna Neri"
    assert r.json["email"] == "anna@neri.example"
    assert r.json["numbers"] == [{"label": "other", "number": "112"}]

    assert laura.delete(f"/v1/me/contacts/{c['id']}").status == 204
    assert_problem(laura.delete(f"/v1/me/contacts/{c['id']}"), 404)
    assert_problem(laura.patch(f"/v1/me/contacts/{c['id']}", {"name": "X"}),
                   404)
    names = [x["name"] for x in laura.get("/v1/me/contacts").json["contacts"]]
    assert names == ["bruno"]
    assert laura.delete(f"/v1/me/contacts/{bruno['id']}").status == 204


def test_contacts_search_by_name_company_and_number(acme):
    mario = acme.users["Mario"]["api"]
    ids = []
    for body in [{"name": "Carla Gialli", "numbers": [
                     {"label": "mobile", "number": "3471112233"}]},
                 {"name": "Dario", "company": "Officina Gialli",
                  "numbers": [{"label": "work", "number": "0699887766"}]},
                 {"name": "Elena", "numbers": [
                     {"label": "home", "number": "0211223344"}]}]:
        r = mario.post("/v1/me/contacts", body)
        assert r.status == 201, r
        ids.append(r.json["id"])

    def names(q):
        r = mario.get(f"/v1/me/contacts?q={q}")
        assert r.status == 200, r
        return [x["name"] for x in r.json["contacts"]]

    assert names("gialli") == ["Carla Gialli", "Dario"]
    assert names("998877") == ["Dario"]
    assert names("347%20111") == ["Carla Gialli"]  # as typed, with a space
    assert names("nobody") == []
    assert names("") == ["Carla Gialli", "Dario", "Elena"]
    assert_problem(mario.get("/v1/me/contacts?q=" + "x" * 101), 400, "q")
    for i in ids:
        assert mario.delete(f"/v1/me/contacts/{i}").status == 204


def test_contacts_validation_names_the_field(acme):
    laura = acme.users["Laura"]["api"]
    one = [{"label": "home", "number": "061234"}]
    for body, field in [
            ({"numbers": one}, "name"),
            ({"name": "", "numbers": one}, "name"),
            ({"name": "x" * 101, "numbers": one}, "name"),
            ({"name": "X"}, "numbers"),
            ({"name": "X", "numbers": []}, "numbers"),
            ({"name": "X", "numbers": one * 6}, "numbers"),
            ({"name": "X", "numbers": [{"label": "fax", "number": "061234"}]},
             "numbers[0].label"),
            ({"name": "X", "numbers": one + [{"label": "home",
                                              "number": "12"[:1]}]},
             "numbers[1].number"),
            ({"name": "X", "numbers": [{"label": "home",
                                        "number": "1" * 21}]},
             "numbers[0].number"),
            ({"name": "X", "numbers": [{"label": "home",
                                        "number": "06-abc"}]},
             "numbers[0].number"),
            ({"name": "X", "numbers": one, "email": "not-an-address"}, "email"),
            ({"name": "X", "numbers": one, "note": "n" * 501}, "note"),
            ({"name": "X", "numbers": one, "tenant_id": "x"}, "tenant_id")]:
        assert_problem(laura.post("/v1/me/contacts", body), 400, field)
    r = laura.post("/v1/me/contacts", {"name": "Ok", "numbers": one})
    assert r.status == 201
    cid = r.json["id"]
    assert_problem(laura.patch(f"/v1/me/contacts/{cid}", {}), 400)
    assert_problem(laura.patch(f"/v1/me/contacts/{cid}", {"name": None}), 400,
                   "name")
    assert_problem(laura.patch("/v1/me/contacts/not-a-uuid", {"name": "Y"}),
                   404)
    assert laura.delete(f"/v1/me/contacts/{cid}").status == 204


def test_contacts_are_invisible_to_other_people_and_companies(acme, other):
    laura = acme.users["Laura"]["api"]
    r = laura.post("/v1/me/contacts", ANNA)
    assert r.status == 201
    cid = r.json["id"]
    # Mario (same company), the company's admin and another company's
    # user: none lists, changes or deletes Laura's contact.
    for api in [acme.users["Mario"]["api"], acme.admin,
                other.users["Gianni"]["api"], other.admin]:
        listed = api.get("/v1/me/contacts?q=Anna").json["contacts"]
        assert all(x["id"] != cid for x in listed)
        assert_problem(api.patch(f"/v1/me/contacts/{cid}", {"name": "Mine"}),
                       404)
        assert_problem(api.delete(f"/v1/me/contacts/{cid}"), 404)
    r = laura.get("/v1/me/contacts")
    assert [x["name"] for x in r.json["contacts"]] == ["Anna Neri"]
    assert laura.delete(f"/v1/me/contacts/{cid}").status == 204


def test_contacts_need_a_person(stack, operator, acme):
    assert_problem(operator.get("/v1/me/contacts"), 403)
    assert_problem(Api(stack.env["OV_ADMIN_HTTP"]).get("/v1/me/contacts"), 401)


def test_an_address_book_holds_at_most_2000(stack, acme):
    mario = acme.users["Mario"]["api"]
    # Fill up to the limit in the database (2,000 POSTs would only test
    # patience); the API's own count decides.
    psql(stack, "INSERT INTO admin.contacts (tenant_id, owner_id, name, "
         "numbers) SELECT :'p1', :'p2', 'Filler ' || i, "
         "'[{\"label\":\"other\",\"number\":\"0600000\"}]' "
         "FROM generate_series(1, 1999) i", acme.id, acme.users["Mario"]["id"])
    one = [{"label": "home", "number": "061234"}]
    r = mario.post("/v1/me/contacts", {"name": "The last", "numbers": one})
    assert r.status == 201, r
    doc = assert_problem(mario.post("/v1/me/contacts",
                                    {"name": "One more", "numbers": one}), 409)
    assert doc["code"] == "contact_limit" and "2000" in doc["detail"]
    # Another person's book is their own.
    r = acme.users["Laura"]["api"].post("/v1/me/contacts",
                                        {"name": "Fine", "numbers": one})
    assert r.status == 201
    acme.users["Laura"]["api"].delete(f"/v1/me/contacts/{r.json['id']}")
    psql(stack, "DELETE FROM admin.contacts WHERE owner_id = :'p1'",
         acme.users["Mario"]["id"])


def test_a_person_who_leaves_takes_their_contacts(stack, operator):
    co = Company(stack, operator, [("Piero Blu", "Piero", "07")])
    piero = co.users["Piero"]
    r = piero["api"].post("/v1/me/contacts", ANNA)
    assert r.status == 201
    assert co.admin.delete(f"/v1/users/{piero['id']}").status == 204
    assert psql(stack, "SELECT count(*) FROM admin.contacts WHERE "
                "owner_id = :'p1'", piero["id"]) == [["0"]]


# ---- the company directory ----

def entries(api, q=None):
    r = api.get("/v1/directory" + (f"?q={q}" if q is not None else ""))
    assert r.status == 200, r
    return r.json


def test_directory_lists_the_company_with_live_presence(stack, acme, other):
    laura = acme.users["Laura"]
    d = entries(laura["api"])
    assert d["live"] is True
    by = {e["name"]: e for e in d["entries"]}
    assert d["entries"][0] == {"type": "main_line", "id": "main",
                               "name": "Fibra Principale", "username": None,
                               "extension": None, "presence": "available",
                               "registered": False}
    assert by["Mario Rossi"]["extension"] == "01"
    assert by["Mario Rossi"]["username"] == "Mario"
    assert by["Mario Rossi"]["id"] == acme.users["Mario"]["id"]
    assert by["Laura Bianchi"]["type"] == "user"
    assert "Gianni Verdi" not in by  # another company's
    exts = [e["extension"] for e in d["entries"] if e["type"] == "user"]
    assert exts == sorted(exts, key=lambda x: (x is not None, x or ""))

    # Laura goes on do-not-disturb and registers a phone: both show.
    assert laura["api"].patch("/v1/me", {"presence": "dnd"}).status == 200
    r = acme.register("Laura", laura["port"])
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    d = entries(acme.users["Mario"]["api"])
    by = {e["name"]: e for e in d["entries"]}
    assert by["Laura Bianchi"]["presence"] == "dnd"
    assert by["Laura Bianchi"]["registered"] is True
    assert by["Mario Rossi"]["registered"] is False
    assert by["Mario Rossi"]["presence"] == "available"
    # Unregistered and back: the directory follows.
    r = acme.register("Laura", laura["port"], expires=0)
    assert r.returncode == 0
    assert laura["api"].patch("/v1/me", {"presence": "available"}).status == 200
    by = {e["name"]: e for e in entries(acme.admin)["entries"]}
    assert by["Laura Bianchi"]["registered"] is False
    assert by["Laura Bianchi"]["presence"] == "available"


def test_directory_search_and_who_is_listed(stack, acme):
    assert [e["name"] for e in entries(acme.admin, "05")["entries"]] == \
        ["Laura Bianchi"]
    assert [e["name"] for e in entries(acme.admin, "rossi")["entries"]] == \
        ["Mario Rossi"]
    assert [e["name"] for e in entries(acme.admin, "fibra")["entries"]] == \
        ["Fibra Principale"]
    assert entries(acme.admin, "nessuno")["entries"] == []
    # A person added but not applied yet is not in the directory.
    r = acme.admin.post("/v1/users", {"name": "Nuovo Arrivo",
                                      "email": f"nuovo@{acme.mail_domain}",
                                      "username": "Nuovo", "extension": "09"})
    assert r.status == 201
    assert entries(acme.admin, "Nuovo")["entries"] == []
    assert acme.admin.delete(f"/v1/users/{r.json['id']}").status == 204
    assert_problem(acme.admin.get("/v1/directory?q=" + "x" * 101), 400, "q")


def test_directory_is_the_callers_company_only(stack, operator, acme, other):
    names = {e["name"] for e in entries(other.users["Gianni"]["api"])["entries"]}
    assert names >= {"Fibra Principale", "Gianni Verdi"}
    assert not names & {"Mario Rossi", "Laura Bianchi"}
    assert_problem(operator.get("/v1/directory"), 403)


# ---- the apply diff ----

def diff(api):
    r = api.get("/v1/config/diff")
    assert r.status == 200, r
    d = r.json
    assert d["pending"] == len(d["changes"])
    for c in d["changes"]:
        assert set(c) == {"kind", "subject", "before", "after", "text_it",
                          "text_en"}, c
    return d


def texts(d, lang="it"):
    return [c[f"text_{lang}"] for c in d["changes"]]


def unapplied_admin(stack, operator):
    """A new company's administrator, logged in, nothing applied."""
    from calls import login, mailed_password, new_number
    number = new_number()
    r = operator.post("/v1/tenants", {"company_name": "Nuova Srl",
                                      "number": number,
                                      "admin_email": f"a@n{number}.example"})
    assert r.status == 201, r
    t = r.json
    pw = mailed_password(stack, t["id"], "admin_activation",
                         f"a@n{number}.example")
    return login(stack, t["number"], "Amministratore", pw, "Nuova.Password1")


def test_diff_before_the_first_apply(stack, operator):
    admin = unapplied_admin(stack, operator)
    d = diff(admin)
    assert d["live_version"] is None
    assert texts(d) == ["Nuovo utente: Amministratore", "Squillo: sequenziale",
                        "Ordine di squillo: Fibra Principale",
                        "Squilli per utente: 4"]
    assert texts(d, "en") == ["Amministratore added", "Ringing: sequential",
                              "Ringing order: Fibra Principale",
                              "Rings per member: 4"]
    assert admin.post("/v1/apply").status == 200
    d = diff(admin)
    assert d == {"pending": 0, "live_version": 1, "changes": []}


def test_diff_words_each_change_and_apply_clears_it(stack, operator, other):
    co = Company(stack, operator, [("Mario", "Mario", "01")])
    mario = co.users["Mario"]
    d = diff(co.admin)
    assert d["pending"] == 0 and d["live_version"] >= 1
    live = d["live_version"]

    r = co.admin.post("/v1/users", {"name": "Laura", "username": "Laura",
                                    "email": f"laura@{co.mail_domain}",
                                    "extension": "05"})
    assert r.status == 201
    laura_id = r.json["id"]
    r = co.admin.put("/v1/ringing", {"mode": "simultaneous", "rings": 6,
                                     "members": [
                                         {"type": "user", "id": laura_id},
                                         {"type": "user", "id": mario["id"]}]})
    assert r.status == 200, r
    r = co.admin.put("/v1/forwarding", {"busy": {"enabled": True,
                                                 "number": "3351234567"}})
    assert r.status == 200, r
    r = co.admin.put("/v1/messages/welcome", {
        "enabled": True, "template_id": "welcome_short"})
    assert r.status == 200, r
    r = co.admin.patch(f"/v1/users/{mario['id']}", {"name": "Mario Rossi"})
    assert r.status == 200, r

    d = diff(co.admin)
    assert d["live_version"] == live
    kinds = [c["kind"] for c in d["changes"]]
    assert kinds == ["user_renamed", "user_added", "ringing_mode_changed",
                     "ringing_order_changed", "ringing_rings_changed",
                     "forwarding_set", "message_enabled"], d
    assert texts(d) == [
        "Mario (01) rinominato in Mario Rossi",
        "Nuovo utente: Laura (05)",
        "Squillo: sequenziale → simultaneo",
        "Squillano insieme: Fibra Principale → Laura, Mario Rossi",
        "Squilli per utente: 4 → 6",
        "Inoltro se occupato attivato verso +393351234567",
        "Messaggio di benvenuto attivato"]
    assert texts(d, "en") == [
        "Mario (01) renamed Mario Rossi",
        "Laura (05) added",
        "Ringing: sequential → simultaneous",
        "Ringing together: Fibra Principale → Laura, Mario Rossi",
        "Rings per member: 4 → 6",
        "Forwarding when busy set to +393351234567",
        "Welcome message enabled"]
    added = d["changes"][1]
    assert added["subject"] == laura_id and added["before"] is None
    assert added["after"] == {"name": "Laura", "username": "Laura",
                              "extension": "05"}

    # Another company sees its own configuration only.
    assert diff(other.admin)["pending"] == 0
    # Only the administrator may read it.
    assert_problem(mario["api"].get("/v1/config/diff"), 403)
    assert_problem(operator.get("/v1/config/diff"), 403)

    r = co.admin.post("/v1/apply")
    assert r.status == 200 and r.json["version"] == live + 1
    assert diff(co.admin) == {"pending": 0, "live_version": live + 1,
                              "changes": []}

    # Removing, moving, turning off: each worded.
    assert co.admin.delete(f"/v1/users/{laura_id}").status == 204
    r = co.admin.put("/v1/ringing", {"mode": "sequential", "rings": 6,
                                     "members": [{"type": "user",
                                                  "id": mario["id"]}]})
    assert r.status == 200
    assert co.admin.put("/v1/forwarding", {}).status == 200
    r = co.admin.put("/v1/messages/welcome", {
        "enabled": False, "template_id": "welcome_short"})
    assert r.status == 200
    r = co.admin.patch(f"/v1/users/{mario['id']}", {"extension": "07"})
    assert r.status == 200
    d = diff(co.admin)
    assert texts(d) == [
        "Interno di Mario Rossi: 01 → 07",
        "Utente rimosso: Laura (05)",
        "Squillo: simultaneo → sequenziale",
        "Ordine di squillo: Laura, Mario Rossi → Mario Rossi",
        "Inoltro se occupato disattivato",
        "Messaggio di benvenuto disattivato"], d
    assert co.admin.post("/v1/apply").status == 200
    assert diff(co.admin)["pending"] == 0


# ---- "try it" ----

CLOSED = {"enabled": True, "template_id": "closed_hours",
          "values": {"open": "09:00", "close": "18:00",
                     "day_from": "monday", "day_to": "friday"},
          "ranges": [{"days": ["monday", "tuesday", "wednesday", "thursday",
                               "friday"], "from": "09:00", "to": "18:00"}]}


def simulate(api, body, status=200):
    r = api.post("/v1/simulate", body)
    assert r.status == status, r
    return r.json


def test_simulate_says_what_a_call_would_do(stack, operator, other):
    co = Company(stack, operator, [("Mario", "Mario", "01"),
                                   ("Laura", "Laura", "05")])
    co.ringing("sequential", ["Mario", "Laura"], rings=4)
    r = co.admin.put("/v1/messages/closed", CLOSED)
    assert r.status == 200, r
    version = co.apply()
    mario, laura = co.users["Mario"], co.users["Laura"]
    r = co.register("Mario", mario["port"])
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert laura["api"].patch("/v1/me", {"presence": "dnd"}).status == 200

    # Monday 2026-12-14, 10:00 in Rome: open. Mario rings, Laura is
    # skipped (do-not-disturb); nobody answers: 480.
    monday = {"from": "3351234567", "at": "2026-12-14T10:00"}

    def rings_mario():
        d = simulate(co.admin, monday)
        return d if d["steps"] and d["steps"][0].get("member") == \
            "Mario (01)" else None
    d = wait_until(rings_mario, 10, "the router sees Mario registered")
    assert d["version"] == version and d["from"] == "3351234567"
    assert d["at"] == "2026-12-14T10:00" and d["timezone"] == "Europe/Rome"
    assert d["steps"] == [{"kind": "ring", "member": "Mario (01)",
                           "timeout_s": 20, "devices": 1,
                           "text_en": "ring Mario (01) for 20 s",
                           "text_it": "fai squillare Mario (01) per 20 s"}]
    assert d["skipped"] == [{"member": "Laura (05)",
                             "reason": "do-not-disturb"}]
    assert d["if_busy"] == [{"kind": "reject", "code": 486,
                             "reason": "Busy Here",
                             "text_en": "reject with 486 Busy Here",
                             "text_it": "rifiuta con 486 Busy Here"}]
    assert [s["kind"] for s in d["if_no_answer"]] == ["reject"]
    assert d["if_no_answer"][0]["code"] == 480
    assert d["text"] == ["ring Mario (01) for 20 s",
                         "if all busy: reject with 486 Busy Here",
                         "if no answer: reject with 480 Temporarily "
                         "Unavailable"]
    assert d["text_it"] == ["fai squillare Mario (01) per 20 s",
                            "se tutti occupati: rifiuta con 486 Busy Here",
                            "se nessuno risponde: rifiuta con 480 "
                            "Temporarily Unavailable"]
    # The words are ovctl simulate's.
    r = stack.ovctl("simulate", "--tenant", co.id, "--from", "3351234567",
                    "--to", co.national, "--at", "2026-12-14T10:00")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "; ".join(d["text"])

    # Sunday 2026-12-13: closed. Nothing rings, so nobody is skipped.
    d = simulate(co.admin, {"from": "+393351234567",
                            "at": "2026-12-13T10:00"})
    assert [s["kind"] for s in d["steps"]] == ["announce", "reject"]
    assert d["steps"][0]["message"] == "closed"
    assert d["steps"][0]["text_it"] == \
        "riproduci il messaggio di azienda chiusa"
    assert d["steps"][0]["text_en"] == "play the closed message"
    assert d["skipped"] == [] and d["if_busy"] == []

    # Laura available again, Mario's phone gone: Mario is not registered.
    assert laura["api"].patch("/v1/me", {"presence": "available"}).status \
        == 200
    assert co.register("Mario", mario["port"], expires=0).returncode == 0

    def nobody_rings():
        d = simulate(co.admin, monday)
        return d if not any(s["kind"] == "ring" for s in d["steps"]) \
            else None
    d = wait_until(nobody_rings, 10, "the router sees Mario unregistered")
    assert {(s["member"], s["reason"]) for s in d["skipped"]} == {
        ("Mario (01)", "not registered"), ("Laura (05)", "not registered")}
    assert d["text"] == ["reject with 480 Temporarily Unavailable"]

    # Forwarded unconditionally: the first and only step.
    co.forwarding(unconditional="3351234567")
    co.apply()
    d = simulate(co.admin, {"from": "3471234567"})
    assert d["steps"][0]["kind"] == "forward"
    assert d["steps"][0]["number"] == "+393351234567"
    assert d["steps"][0]["diversion"] == "unconditional"
    assert d["steps"][0]["text_it"] == \
        "inoltra a +393351234567 (incondizionato)"
    assert d["skipped"] == []
    assert len(d["at"]) == 16  # now, in the company's local time

    # Another company's plan is its own.
    d = simulate(other.admin, monday)
    assert "Mario" not in " ".join(d["text"])


def test_simulate_refuses_bad_input_and_other_roles(stack, operator, acme):
    for body, field in [({"from": "33"}, "from"),
                        ({"from": "335 1234567"}, "from"),
                        ({"from": "anonymous"}, "from"),
                        ({"from": "3351234567", "at": "2026-12-13"}, "at"),
                        ({"from": "3351234567", "at": "2026-02-30T10:00"},
                         "at"),
                        ({"from": "3351234567", "at": "2026-12-13T25:00"},
                         "at")]:
        doc = assert_problem(acme.admin.post("/v1/simulate", body), 422,
                             field)
        assert doc["code"] == "invalid_argument"
    assert_problem(acme.admin.post("/v1/simulate", {}), 400, "from")
    assert_problem(acme.admin.post("/v1/simulate", {"from": 3351234567}),
                   400, "from")
    assert_problem(acme.admin.post("/v1/simulate", {"from": "3351234567",
                                                    "to": "0612345678"}),
                   400, "to")
    assert_problem(acme.users["Mario"]["api"].post(
        "/v1/simulate", {"from": "3351234567"}), 403)
    assert_problem(operator.post("/v1/simulate", {"from": "3351234567"}), 403)


def test_simulate_before_the_first_apply(stack, operator):
    admin = unapplied_admin(stack, operator)
    doc = assert_problem(admin.post("/v1/simulate", {"from": "3351234567"}),
                         409)
    assert doc["code"] == "failed_precondition"
