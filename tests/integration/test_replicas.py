"""Two replicas of router, registrar, admin and notify (OV_REPLICAS):
one of each killed with SIGKILL and started again while calls,
registrations and mails go on. Nothing a user has is lost: no binding,
no mail, no connected call; new calls fail only around a death. The
figures are bench/replicas' (docs/deploy.md); this counts.
"""
import os
import shutil
import threading
import time

import pytest

import replicas as rp
from admin_api import Api
from calls import Company
from conftest import new_stack

SERVICES = ["router", "registrar", "admin", "notify"]
# A dead notify's claimed mails go out again once its lease passes
# (60 s by default): 5 s here, with SMTP time-outs that fit in it, so
# the test waits for them. Children of stack.sh inherit these.
STACK_ENV = {
    "OV_REPLICAS": "router=2 registrar=2 admin=2 notify=2",
    "OV_STACK_PROCS": "postgres rtpengine smtp registrar admin router "
                      "notify kamailio",
    "OV_NOTIFY_LEASE_S": "5",
    "OV_SMTP_CONNECT_TIMEOUT_MS": "1000",
    "OV_SMTP_TIMEOUT_MS": "3000",
    **rp.KAMAILIO_ENV,
}
CALL_RATE, HOLD_S = 4, 6      # about 24 calls connected at any time
REG_RATE = 10                 # 10 devices: each one every second
DOWN_S = 1.5                  # a replica stays dead this long


@pytest.fixture(scope="module")
def rstack():
    saved = {k: os.environ.get(k) for k in STACK_ENV}
    os.environ.update(STACK_ENV)
    s = new_stack()
    try:
        s.up()
        yield s
    finally:
        # The environment comes back whatever down() says (it fails on
        # a secret in the logs): later tests must not inherit it.
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        s.down()
        if os.environ.get("OV_KEEP_RUN") != "1":
            shutil.rmtree(s.run_dir, ignore_errors=True)


def test_stack_runs_two_of_each(rstack):
    """Each replica is its own process with its own bus address and
    HTTP port, and every client is given all of them."""
    for svc in SERVICES:
        names = rp.instances(rstack, svc)
        assert names == [f"{svc}-1", f"{svc}-2"]
        urls = rstack.env[f"OV_{svc.upper()}_URL"].split(",")
        assert [u.rsplit("/", 1)[1] for u in urls] == \
            [f"{n}.ipc" for n in names]
        ports = {rp.http_of(rstack, n) for n in names}
        assert len(ports) == 2
        assert len({rstack.pid(n) for n in names}) == 2
    assert len(rstack.env["OV_ADMIN_EVENTS_URL"].split(",")) == 2
    assert len(rstack.env["OV_REGISTRAR_EVENTS_URL"].split(",")) == 2
    # One IVR: no replica suffix.
    assert rp.instances(rstack, "ivr") == ["ivr"]


def test_killing_one_replica_of_each_loses_nothing(rstack, tmp_path):
    r = rstack.ovctl("apikey", "create", "test_replicas")
    assert r.returncode == 0, r.stderr
    key = r.stdout.strip()
    operator = Api(rstack.env["OV_ADMIN_HTTP"], key)
    company = Company(rstack, operator, [
        ("Telefono Banco", "Banco", "01"), ("Registro Uno", "RegA", "10"),
        ("Registro Due", "RegB", "11")])
    # About 24 calls at once: above the default limit of 10 a company.
    r = operator.patch(f"/v1/tenants/{company.id}", {"max_calls": 100})
    assert r.status == 200, r
    company.ringing("sequential", ["Banco"], rings=3)
    company.apply()
    work = str(tmp_path)
    phone = rp.phone(rstack, company, "Banco", work)
    try:
        devices = rp.devices_file(
            rp.new_devices(company, "RegA", 5) +
            rp.new_devices(company, "RegB", 5),
            os.path.join(work, "devices.csv"))
        first_mail = rp.outbox_next_id(rstack)
        seconds = HOLD_S + 4 * DOWN_S + 12
        calls = rp.calls(rstack, company, work, "calls", CALL_RATE,
                         int(CALL_RATE * seconds), hold_ms=HOLD_S * 1000)
        regs = rp.registers(rstack, company, work, "regs", devices,
                            REG_RATE, int(REG_RATE * seconds))
        mails = rp.MailLoad(rstack, key, 1.0)
        mails.start()
        time.sleep(HOLD_S)  # calls connected before the first death
        # One replica of each killed DOWN_S apart, then all four
        # started again at once (each start waits for its /readyz).
        killed = {}
        for svc in SERVICES:
            killed[svc] = time.time()
            rp.kill(rstack, f"{svc}-2")
            time.sleep(DOWN_S)
        back = {}

        def start(svc):
            rp.restart(rstack, f"{svc}-2")
            back[svc] = time.time()
        threads = [threading.Thread(target=start, args=(s,))
                   for s in SERVICES]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        deaths = [(f"{s}-2", killed[s], back[s]) for s in SERVICES]
        c = calls.result(seconds + HOLD_S + 60)
        g = regs.result(seconds + 60)
        mails.stop.set()
        mails.join()
    finally:
        phone.kill()
        phone.wait()

    # Every call that was answered ended with its BYE: no replica's
    # death dropped a connected call.
    assert c.connected > 0 and c.dropped == 0, (c.connected, c.ended)
    # New calls may fail only while a replica is dead or just after
    # (its peers' clients notice the closed connection at once): a
    # failure outside every death's window would be a bug elsewhere.
    def near_a_death(t):
        return any(a - 1 <= t <= b + 5 for _, a, b in deaths)

    def rel(times):
        t0 = deaths[0][1]
        return ([round(t - t0, 1) for t in times],
                [(n, round(a - t0, 1), round(b - t0, 1))
                 for n, a, b in deaths])
    assert all(near_a_death(t) for t in c.fail_times), rel(c.fail_times)
    assert c.lost <= 0.1 * (c.ok + c.lost), (c.ok, c.lost)
    assert all(near_a_death(t) for t in g.fail_times), rel(g.fail_times)
    assert g.ok > 0

    # Every binding a phone was given is in the registrar's table.
    last = rp.registered(regs)
    assert len(last) == 10
    assert rp.lost_bindings(rstack, company, last) == []

    # Every company created has its activation mail, exactly once; a
    # request its admin could not take went to the other one.
    assert mails.created and not mails.failed, mails.failed
    rows, lost, doubled, _ = rp.mail_check(rstack, first_mail, 20)
    assert len(rows) >= len(mails.created)
    assert lost == [] and doubled == [], (lost, doubled)

    # Both replicas of each service work again.
    for svc in SERVICES:
        for n in rp.instances(rstack, svc):
            assert rp.metric(rp.http_of(rstack, n), "ov_bus_requests_total") \
                is not None, n
