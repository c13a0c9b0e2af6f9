"""Calls end to end: SIPp phones register through Kamailio with the
credentials of GET /v1/me/sip; SIPp as the carrier's trunk calls the
fixed number; the router's plan rings, forwards and refuses."""
import re
import time

import pytest

from calls import Company, finish, messages
from conftest import wait_until

pytest_plugins = []


@pytest.fixture(scope="module")
def company(stack, operator):
    return Company(stack, operator, [("Mario Rossi", "Mario", "01"),
                                     ("Sara Bianchi", "Sara", "02"),
                                     ("Laura Verdi", "Laura", "05")])


@pytest.fixture(scope="module")
def nat_company(stack, operator):
    """The same company, every phone of it behind NAT."""
    return Company(stack, operator, [("Mario Rossi", "Mario", "01"),
                                     ("Sara Bianchi", "Sara", "02"),
                                     ("Laura Verdi", "Laura", "05")],
                   nat=True)


@pytest.fixture(params=["public", "behind NAT"])
def any_company(request):
    """The ringing tests run with phones on public addresses and with
    every phone behind NAT."""
    name = "company" if request.param == "public" else "nat_company"
    return request.getfixturevalue(name)


def ok(r):
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def answered_in(c, username):
    """username's phone registers, the trunk calls the fixed number and
    the phone answers."""
    phone = c.phone(username)
    try:
        ok(c.call_in())
        assert finish(phone)[0] == 0
    finally:
        phone.kill()


def test_register_right_and_wrong_password(stack, company):
    port = company.users["Mario"]["port"]
    ok(company.register("Mario", port))
    ok(company.register("Mario", port, expect=403, password="sbagliata"))
    # Its binding is listed among the user's devices.
    r = company.users["Mario"]["api"].get("/v1/me/devices")
    assert r.status == 200, r
    contacts = [b["contact"] for d in r.json["devices"]
                for b in d.get("bindings", [])]
    assert any(f":{port}" in c for c in contacts), r.json


def test_register_for_someone_else_is_refused(stack, company):
    from conftest import free_udp_port
    sip = company.users["Mario"]["sip"]
    r = stack.sipp("register.xml", "-s", company.users["Sara"]["sip"]["username"],
                   "-key", "domain", company.domain, "-key", "expires", "60",
                   "-au", sip["auth_username"], "-ap", sip["password"],
                   port=free_udp_port(), expect=403)
    ok(r)


def test_internal_call_by_extension_shows_extension_and_username(stack, company):
    laura = company.phone("Laura")
    try:
        ok(company.call_from("Mario", "05"))
        code, out = finish(laura)
        assert code == 0, out[-3000:]
        trace = messages(laura)
        invite = trace[trace.index("INVITE sip:"):]
        frm = re.search(r"^From:(.*)$", invite, re.M).group(1)
        assert '"Mario"' in frm and "sip:01@" in frm, frm
    finally:
        laura.kill()


def test_simultaneous_all_ring_one_answers_others_cancelled(stack, any_company):
    company = any_company
    company.ringing("simultaneous", ["Mario", "Sara"])
    company.apply()
    mario = company.phone("Mario", "uas_ring.xml")
    sara = company.phone("Sara", "uas.xml")
    try:
        ok(company.call_in())
        code, out = finish(sara)
        assert code == 0, out[-3000:]
        code, out = finish(mario)
        assert code == 0, out[-3000:]
        trace = messages(mario)
        cancel = trace[trace.index("CANCEL sip:"):]
        assert re.search(r"^Reason: SIP;cause=200", cancel, re.M), cancel
        # External display: "telefono virtuale" and the caller's number.
        strace = messages(sara)
        frm = re.search(r"^From:(.*)$", strace[strace.index("INVITE sip:"):],
                        re.M).group(1)
        assert '"telefono virtuale"' in frm and "3331234567" in frm, frm
    finally:
        mario.kill()
        sara.kill()


def test_sequential_first_does_not_answer_second_does(stack, any_company):
    company = any_company
    company.ringing("sequential", ["Mario", "Sara"], rings=3)
    company.apply()
    mario = company.phone("Mario", "uas_ring.xml")
    sara = company.phone("Sara", "uas.xml")
    try:
        start = time.monotonic()
        ok(company.call_in())
        took = time.monotonic() - start
        # 3 rings of 5 s for Mario, then Sara answers after 1 s.
        assert 15 <= took <= 18, took
        assert finish(sara)[0] == 0
        assert finish(mario)[0] == 0
    finally:
        mario.kill()
        sara.kill()


def test_nobody_registered_is_480_or_the_unreachable_forward(stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    c.ringing("sequential", ["Anna"])
    c.apply()
    ok(c.call_in(expect=480))
    c.forwarding(unreachable="335 123 4567")
    c.apply()
    trunk = stack.sipp_bg("uas.xml", "-trace_msg", port=stack.trunk_out)
    try:
        ok(c.call_in())
        assert finish(trunk)[0] == 0
        trace = messages(trunk)
        invite = trace[trace.index("INVITE sip:"):]
        assert invite.startswith("INVITE sip:+393351234567@"), invite[:200]
        assert re.search(r"^Diversion: .*reason=unavailable", invite, re.M)
    finally:
        trunk.kill()


def test_busy_member_then_busy_forward(stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    c.ringing("sequential", ["Anna"])
    c.apply()
    anna = c.phone("Anna", "uas_busy.xml")
    try:
        ok(c.call_in(expect=486))
    finally:
        anna.kill()
    c.forwarding(busy="06 5555 1234")
    c.apply()
    anna = c.phone("Anna", "uas_busy.xml")
    trunk = stack.sipp_bg("uas.xml", "-trace_msg", port=stack.trunk_out)
    try:
        ok(c.call_in())
        assert finish(trunk)[0] == 0
        invite = messages(trunk)
        assert re.search(r"^Diversion: .*reason=user-busy", invite, re.M)
    finally:
        anna.kill()
        trunk.kill()


def test_unconditional_forward(stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    c.forwarding(unconditional="335 765 4321")
    c.apply()
    trunk = stack.sipp_bg("uas.xml", "-trace_msg", port=stack.trunk_out)
    try:
        ok(c.call_in())
        assert finish(trunk)[0] == 0
        invite = messages(trunk)
        assert "INVITE sip:+393357654321@" in invite
        assert re.search(r"^Diversion: .*reason=unconditional", invite, re.M)
    finally:
        trunk.kill()


def test_outgoing_call_shows_the_fixed_number(stack, company):
    trunk = stack.sipp_bg("uas.xml", "-trace_msg", port=stack.trunk_out)
    try:
        ok(company.call_from("Mario", "3351234567"))
        assert finish(trunk)[0] == 0
        trace = messages(trunk)
        invite = trace[trace.index("INVITE sip:"):]
        assert invite.startswith("INVITE sip:+393351234567@"), invite[:200]
        frm = re.search(r"^From:(.*)$", invite, re.M).group(1)
        assert company.number in frm, frm
    finally:
        trunk.kill()


def test_premium_number_refused_403(stack, company):
    ok(company.call_from("Mario", "899123456", expect=403))


def test_unauthenticated_invite_from_a_device_is_challenged(stack, company):
    # call_device_fail.xml answers the 407; a wrong password then gets 403.
    sip = company.users["Mario"]["sip"]
    r = stack.sipp("call_device_fail.xml", "-s", "05", "-key", "from",
                   sip["username"], "-key", "domain", company.domain,
                   "-au", sip["auth_username"], "-ap", "sbagliata",
                   expect=403)
    ok(r)


def test_no_way_across_tenants(stack, operator, company):
    other = Company(stack, operator, [("Gino Gialli", "Gino", "01")])
    laura = company.phone("Laura", limit="8s")
    try:
        # Gino dials 05: in his tenant nobody has it.
        ok(other.call_from("Gino", "05", expect=404))
        # With Mario's username in Gino's domain: not a credential there.
        sip = company.users["Mario"]["sip"]
        r = stack.sipp("call_device_fail.xml", "-s", "05", "-key", "from",
                       sip["username"], "-key", "domain", other.domain,
                       "-au", sip["auth_username"], "-ap", sip["password"],
                       expect=403)
        ok(r)
    finally:
        laura.kill()


def test_simulate_prints_the_plan_in_words(stack, company):
    company.ringing("sequential", ["Mario", "Sara"], rings=4)
    company.apply()
    for u in ("Mario", "Sara"):
        ok(company.register(u, company.users[u]["port"]))
    r = stack.ovctl("simulate", "--tenant", company.id, "--from",
                    "3331234567", "--to", company.national)
    assert r.returncode == 0, r.stderr
    words = r.stdout.splitlines()[0]
    assert "Mario" in words and "Sara" in words, words


def test_media_is_anchored_at_rtpengine(stack, company):
    laura = company.phone("Laura")
    try:
        ok(company.call_from("Mario", "05"))
        assert finish(laura)[0] == 0
        trace = messages(laura)
        invite = trace[trace.index("INVITE sip:"):]
        port = int(re.search(r"^m=audio (\d+) ", invite, re.M).group(1))
        lo, hi = (int(stack.env["OV_RTP_PORT_MIN"]),
                  int(stack.env["OV_RTP_PORT_MAX"]))
        assert lo <= port <= hi, port
    finally:
        laura.kill()


def test_two_devices_of_one_user_both_ring(stack, company):
    from conftest import free_udp_port
    r = company.users["Laura"]["api"].get("/v1/me/sip?device=desk")
    assert r.status == 200, r
    desk = r.json
    assert desk["auth_username"] != company.users["Laura"]["sip"]["auth_username"]
    port = free_udp_port()
    ok(stack.sipp("register.xml", "-s", desk["username"], "-key", "domain",
                  company.domain, "-key", "expires", "120", "-au",
                  desk["auth_username"], "-ap", desk["password"], port=port,
                  expect=200))
    app = company.phone("Laura", "uas_ring.xml")
    desk_phone = stack.sipp_bg("uas.xml", "-trace_msg", port=port)
    try:
        ok(company.call_from("Mario", "05"))
        assert finish(desk_phone)[0] == 0
        assert finish(app)[0] == 0  # rang, then was cancelled
    finally:
        app.kill()
        desk_phone.kill()
        # The desk phone leaves: no dead binding for the next tests.
        stack.sipp("register.xml", "-s", desk["username"], "-key", "domain",
                   company.domain, "-key", "expires", "0", "-au",
                   desk["auth_username"], "-ap", desk["password"],
                   port=port, expect=200)


def test_the_next_call_sees_a_registration_at_once(stack, operator):
    """The router caches who is reachable; the registrar's reach.changed
    event makes the very next call see a phone that came or went."""
    def lookups(result):
        return stack.metric("router", "ov_router_reach_lookups_total",
                            f'result="{result}"') or 0
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    c.ringing("sequential", ["Anna"])
    c.apply()
    hits = lookups("hit")
    ok(c.call_in(expect=480))
    ok(c.call_in(expect=480))  # nothing changed: from the cache
    assert lookups("hit") > hits
    answered_in(c, "Anna")
    ok(c.register("Anna", c.users["Anna"]["port"], expires=0))
    ok(c.call_in(expect=480))


def test_unregistered_user_is_480(stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "01"),
                                  ("Bruno Blu", "Bruno", "02")])
    port = c.users["Anna"]["port"]
    ok(c.register("Anna", port, expires=120))
    ok(c.register("Anna", port, expires=0))  # unregisters
    ok(c.call_from("Bruno", "01", expect=480))


def test_tenant_call_limit(stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "01"),
                                  ("Bruno Blu", "Bruno", "02"),
                                  ("Carla Rosa", "Carla", "03")])
    r = operator.patch(f"/v1/tenants/{c.id}", {"max_calls": 1})
    assert r.status == 200, r
    c.apply()
    anna = c.phone("Anna")
    held = c.call_from("Bruno", "01", hold_ms=4000, background=True)
    try:
        # While Bruno talks to Anna, Carla's call is one too many.
        from conftest import wait_until
        time.sleep(0.5)
        ok(c.call_from("Carla", "3351234567", expect=503))
        out, err = held.communicate(timeout=30)
        assert held.returncode == 0, out[-2000:] + err[-2000:]
        assert finish(anna)[0] == 0
    finally:
        anna.kill()
        held.kill()


def test_router_restarted_during_a_call(stack, company):
    import os
    import signal
    from conftest import wait_until
    laura = company.phone("Laura")
    held = company.call_from("Mario", "05", hold_ms=3000, background=True)
    try:
        time.sleep(1)
        router = stack.pid("router")
        os.kill(router, signal.SIGKILL)
        wait_until(lambda: not os.path.exists(f"/proc/{router}"), 10,
                   "router gone")
        stack.start("router")
        # The call in progress ends normally: it needs no plan any more.
        out, err = held.communicate(timeout=30)
        assert held.returncode == 0, out[-2000:] + err[-2000:]
        assert finish(laura)[0] == 0
    finally:
        laura.kill()
        held.kill()
    # New calls get plans from the new router, once Kamailio's workers
    # have reconnected (until then: 503 with Retry-After, never a hang).

    def call_goes_through():
        laura = company.phone("Laura", limit="5s")
        try:
            return company.call_from("Mario", "05", limit="5s").returncode == 0
        finally:
            laura.kill()
            laura.wait()
    wait_until(call_goes_through, 30, "calls after the router restarted",
               interval=0.5)


def test_register_too_brief_gets_423(stack, company):
    r = company.register("Sara", company.users["Sara"]["port"], expires=10,
                         expect=423)
    ok(r)


def test_closed_now_is_480_without_ringing(stack, operator):
    import datetime
    import zoneinfo
    days = ["monday", "tuesday", "wednesday", "thursday", "friday",
            "saturday", "sunday"]
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Rome")).weekday()
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    c.ringing("sequential", ["Anna"])
    # Open every day but today: closed now, whatever the hour.
    r = c.admin.put("/v1/messages/closed", {
        "enabled": True, "template_id": "closed_hours", "voice": "female",
        "languages": ["it"],
        "values": {"open": "00:00", "close": "23:59", "day_from": "monday",
                   "day_to": "sunday"},
        "ranges": [{"days": [d for i, d in enumerate(days) if i != today],
                    "from": "00:00", "to": "23:59"}]})
    assert r.status == 200, r
    c.apply()
    anna = c.phone("Anna", "uas.xml", limit="8s")
    try:
        # The closed message plays (test_announce.py hears it), then 480;
        # Anna's phone never rings.
        ok(c.call_in(expect=480))
        anna.wait(timeout=20)
        assert "INVITE sip:" not in messages(anna)
    finally:
        anna.kill()


def test_suspended_tenant_refuses_calls_until_resumed(stack, operator):
    """The operator suspends a company: calls to its number find it
    temporarily unavailable, its phones reach only emergency numbers;
    resumed, everything works again."""
    c = Company(stack, operator, [("Anna Neri", "Anna", "01"),
                                  ("Bruno Blu", "Bruno", "02")])
    c.ringing("sequential", ["Anna"])
    version = c.apply()
    r = operator.post(f"/v1/tenants/{c.id}/suspend")
    assert r.status == 200, r
    wait_until(lambda: c.router_version() > version, 10,
               "router has the suspended version")
    ok(c.call_in(expect=480))
    ok(c.call_from("Bruno", "01", expect=403))
    ok(c.call_from("Bruno", "3351234567", expect=403))
    r = operator.post(f"/v1/tenants/{c.id}/resume")
    assert r.status == 200, r
    wait_until(lambda: c.router_version() > version + 1, 10,
               "router has the resumed version")
    answered_in(c, "Anna")


def test_deleted_tenant_number_is_nobodys_and_phones_are_refused(
        stack, operator):
    c = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    c.ringing("sequential", ["Anna"])
    c.apply()
    port = c.users["Anna"]["port"]
    ok(c.register("Anna", port))
    r = operator.delete(f"/v1/tenants/{c.id}")
    assert r.status == 204, r
    wait_until(lambda: c.router_version() == 0, 10,
               "the router no longer routes the number")
    ok(c.call_in(expect=404))
    # Its credentials are gone from the registrar.
    ok(c.register("Anna", port, expect=403))
    r = stack.ovctl("registrar", "bindings", "--tenant", c.id)
    assert r.returncode == 0, r.stderr
    assert "sip:" not in r.stdout, r.stdout
