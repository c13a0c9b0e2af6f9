"""Call history: every call through Kamailio, however it ends, shows in
the recent calls of its caller and of the members it rang (GET
/v1/me/calls), and in the company's day (GET /v1/calls/today), within a
second of its end. Records come from Kamailio's dialog events through
admin's calls.record (docs/admin.md, "Call history")."""
import time

import pytest

from calls import Company, finish
from conftest import wait_until


@pytest.fixture(scope="module")
def company(stack, operator):
    return Company(stack, operator, [("Mario Rossi", "Mario", "01"),
                                     ("Sara Bianchi", "Sara", "02"),
                                     ("Laura Verdi", "Laura", "05")])


def ok(r):
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def calls_of(company, username):
    r = company.users[username]["api"].get("/v1/me/calls")
    assert r.status == 200, r
    return r.json["calls"]


def today(company):
    r = company.admin.get("/v1/calls/today")
    assert r.status == 200, r
    return r.json


def test_internal_call_shows_for_both_within_a_second(stack, company):
    laura = company.phone("Laura")
    try:
        ok(company.call_from("Mario", "05", hold_ms=500))
        ended = time.monotonic()
        assert finish(laura)[0] == 0
    finally:
        laura.kill()
    mine = wait_until(lambda: [c for c in calls_of(company, "Mario")
                               if c["number"] == "05" and c["ended_at"]],
                      5, "Mario's call, ended")
    assert time.monotonic() - ended < 1.5
    m = mine[0]
    assert (m["direction"], m["internal"], m["name"], m["outcome"]) == \
        ("out", True, "Laura Verdi", "answered"), m
    assert m["duration_s"] is not None and m["ended_at"] >= m["answered_at"], m
    l = [c for c in calls_of(company, "Laura") if c["id"] == m["id"]][0]
    assert (l["direction"], l["number"], l["name"], l["outcome"]) == \
        ("in", "01", "Mario Rossi", "answered"), l
    # Sara was not part of it.
    assert not [c for c in calls_of(company, "Sara") if c["id"] == m["id"]]


def test_busy_member_sees_a_missed_call_and_the_day_counts_it(stack,
                                                              company):
    company.ringing("simultaneous", ["Mario"])
    company.apply()
    before = today(company)["missed"]
    mario = company.phone("Mario", "uas_busy.xml")
    try:
        ok(company.call_in(caller="3337654321", expect=486))
        assert finish(mario)[0] == 0
    finally:
        mario.kill()
    c = wait_until(lambda: [c for c in calls_of(company, "Mario")
                            if c["number"] == "3337654321"], 3,
                   "the missed call")[0]
    assert (c["direction"], c["outcome"], c["answered_at"]) == \
        ("in", "missed", None), c
    day = wait_until(lambda: today(company)["missed"] > before and
                     today(company), 3, "the day's missed count")
    row = [x for x in day["calls"] if x["id"] == c["id"]][0]
    assert (row["direction"], row["from"], row["outcome"], row["code"]) == \
        ("in", "3337654321", "missed", 486), row


def test_call_in_progress_then_answered_in_the_day(stack, company):
    company.ringing("simultaneous", ["Laura"])
    company.apply()
    before = today(company)["answered"]
    laura = company.phone("Laura")
    caller = company.call_in(caller="3331112222", hold_ms=4000,
                             background=True)
    try:
        live = wait_until(lambda: [x for x in today(company)["in_progress"]
                                   if x["from"] == "3331112222"], 5,
                          "the call in progress")[0]
        assert live["answered_by"] == "Laura Verdi", live
        assert finish(caller)[0] == 0
        assert finish(laura)[0] == 0
    finally:
        laura.kill()
        caller.kill()
    day = wait_until(lambda: (lambda d: d["answered"] > before and
                              not [x for x in d["in_progress"]
                                   if x["id"] == live["id"]] and d)(
        today(company)), 3, "the call ended")
    row = [x for x in day["calls"] if x["id"] == live["id"]][0]
    assert row["state"] == "ended" and row["duration_s"] >= 3, row
    l = [c for c in calls_of(company, "Laura") if c["id"] == live["id"]][0]
    assert (l["direction"], l["number"], l["name"], l["outcome"]) == \
        ("in", "3331112222", None, "answered"), l


def test_another_company_sees_none_of_it(stack, operator, company):
    other = Company(stack, operator, [("Anna Neri", "Anna", "01")])
    assert calls_of(other, "Anna") == []
    day = today(other)
    assert day["calls"] == [] and day["in_progress"] == []
    assert calls_of(company, "Mario")   # the first company's are there


def test_bad_query_is_a_clear_error(company):
    api = company.users["Mario"]["api"]
    r = api.get("/v1/me/calls?limit=0")
    assert r.status == 400 and r.json["field"] == "limit", r
    r = api.get("/v1/me/calls?before=yesterday")
    assert r.status == 400 and r.json["field"] == "before", r
    # A user is not the company's admin.
    assert api.get("/v1/calls/today").status == 403
