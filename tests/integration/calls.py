"""A company on a real stack, as the calls tests need it: a tenant, its
users logged in with their SIP credentials, SIPp phones registered."""
import glob
import itertools
import os
import random
import re
import tempfile

from admin_api import Api, outbox
from conftest import free_udp_port, wait_until

_numbers = itertools.count(random.randrange(100000, 800000))


def new_number():
    return f"06{next(_numbers):07d}"


# The private address phones behind NAT write in their headers and SDP.
# It appears only inside messages: nothing is ever sent to it.
PRIVATE_IP = "192.168.1.10"
SIPP_DIR = os.path.join(os.path.dirname(__file__), "..", "sipp")


def behind_nat(scenario, rtp_port=None):
    """A copy of tests/sipp/<scenario> as a phone behind NAT sends it:
    its private address and port 5060 in Via and Contact, its SDP's o=
    and c= lines private; with rtp_port, that port in m= (the test's own
    RTP socket on loopback, where the NAT would map it). Returns the
    copy's path, for Stack.sipp*()."""
    with open(os.path.join(SIPP_DIR, scenario)) as f:
        text = f.read()
    text = text.replace("[local_ip]:[local_port]", f"{PRIVATE_IP}:5060")
    text = re.sub(r"IN IP\[(local|media)_ip_type\] \[(local|media)_ip\]",
                  f"IN IP4 {PRIVATE_IP}", text)
    if rtp_port:
        text = text.replace("m=audio [media_port]", f"m=audio {rtp_port}")
    fd, path = tempfile.mkstemp(prefix="ov-nat-", suffix=".xml")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def with_rtp_port(scenario, rtp_port):
    """A copy of tests/sipp/<scenario> whose SDP offers rtp_port."""
    with open(os.path.join(SIPP_DIR, scenario)) as f:
        text = f.read().replace("m=audio [media_port]", f"m=audio {rtp_port}")
    fd, path = tempfile.mkstemp(prefix="ov-rtp-", suffix=".xml")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def mailed_password(stack, tenant_id, kind, recipient):
    """The temporary password of an activation mail (admin_api.outbox
    reads it from the delivered mail once notify has erased it)."""
    for m in reversed(outbox(stack, tenant_id, kind)):
        if m["to"] == recipient and m["params"].get("password"):
            return m["params"]["password"]
    raise AssertionError(f"no password mailed to {recipient}")


def login(stack, number, username, password, change_to):
    api = Api(stack.env["OV_ADMIN_HTTP"])
    r = api.post("/v1/auth/login", {"number": number, "username": username,
                                    "password": password})
    assert r.status == 200, r
    api.token = r.json["token"]
    r = api.post("/v1/auth/password", {"old_password": password,
                                       "new_password": change_to,
                                       "confirm_password": change_to})
    assert r.status == 200, r
    r = api.post("/v1/auth/login", {"number": number, "username": username,
                                    "password": change_to})
    assert r.status == 200, r
    api.token = r.json["token"]
    return api


class Company:
    """A tenant with users (name, username, extension) applied, each
    logged in with the SIP credentials of GET /v1/me/sip."""

    def __init__(self, stack, operator, users, nat=False, **tenant):
        self.stack = stack
        # Every phone of the company behind NAT (behind_nat()).
        self.nat = nat
        number = new_number()
        # Addresses unique to the company: the mails are found by them.
        self.mail_domain = f"c{number}.example"
        body = {"company_name": "Chiamate Srl", "number": number,
                "admin_email": f"admin@{self.mail_domain}", **tenant}
        r = operator.post("/v1/tenants", body)
        assert r.status == 201, r
        self.tenant = r.json
        self.id = self.tenant["id"]
        self.domain = self.tenant["sip_domain"]
        self.number = self.tenant["number"]
        self.national = "0" + self.number[4:] if self.number.startswith("+390") else self.number
        pw = mailed_password(stack, self.id, "admin_activation",
                             f"admin@{self.mail_domain}")
        self.admin = login(stack, self.number, "Amministratore", pw,
                           "Nuova.Password1")
        self.users = {}
        for name, username, ext in users:
            r = self.admin.post("/v1/users", {
                "name": name, "email": f"{username.lower()}@{self.mail_domain}",
                "username": username, "extension": ext})
            assert r.status == 201, r
            # One port per user's phone: registering again replaces
            # its binding instead of leaving dead ones behind.
            self.users[username] = {"id": r.json["id"], "ext": ext,
                                    "name": name, "port": free_udp_port()}
        self.apply()
        for username, u in self.users.items():
            pw = mailed_password(stack, self.id, "user_activation",
                                 f"{username.lower()}@{self.mail_domain}")
            u["api"] = login(stack, self.number, username, pw, "Utente.Nuovo1")
            r = u["api"].get("/v1/me/sip")
            assert r.status == 200, r
            u["sip"] = r.json

    def apply(self):
        r = self.admin.post("/v1/apply")
        assert r.status == 200, r
        version = r.json["version"]
        # The router has it once simulate answers with this version.
        wait_until(lambda: self.router_version() >= version, 10,
                   f"router has version {version}")
        return version

    def router_version(self):
        r = self.stack.ovctl("simulate", "--tenant", self.id, "--from",
                             "3331234567", "--to", self.national)
        for line in r.stdout.splitlines():
            if line.startswith("tenant "):
                return int(line.split()[-1])
        return 0

    def ringing(self, mode, members, rings=3):
        body = {"mode": mode, "rings": rings, "members": [
            {"type": "user", "id": self.users[m]["id"]} for m in members]}
        r = self.admin.put("/v1/ringing", body)
        assert r.status == 200, r

    def forwarding(self, **kinds):
        body = {k: {"enabled": True, "number": v} for k, v in kinds.items()}
        r = self.admin.put("/v1/forwarding", body)
        assert r.status == 200, r

    def register(self, username, port, expires=300, expect=200,
                 password=None):
        sip = self.users[username]["sip"]
        return self.stack.sipp(
            self.scenario("register.xml"), "-s", sip["username"], "-key",
            "domain",
            self.domain, "-key", "expires", str(expires), "-au",
            sip["auth_username"], "-ap", password or sip["password"],
            port=port, expect=expect)

    def phone(self, username, scenario="uas.xml", limit="60s"):
        """A registered SIPp phone of username waiting for a call."""
        port = self.users[username]["port"]
        r = self.register(username, port)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
        return self.stack.sipp_bg(self.scenario(scenario), "-trace_msg",
                                  port=port, limit=limit)

    def scenario(self, name):
        """A phone's SIPp scenario: as it is, or behind NAT."""
        return behind_nat(name) if self.nat else name

    def call_in(self, caller="3331234567", expect=None, limit="60s",
                hold_ms=200, background=False):
        """The carrier's trunk calls the fixed number; answered calls last
        hold_ms."""
        extra = ["-s", self.national, "-key", "from", caller, "-key",
                 "domain", self.domain, "-d", str(hold_ms)]
        if background:
            return self.stack.sipp_bg("call.xml", *extra, "-trace_msg",
                                      port=self.stack.trunk_in, limit=limit)
        if expect:
            return self.stack.sipp("call_fail.xml", *extra,
                                   port=self.stack.trunk_in, limit=limit,
                                   timeout=120, expect=expect)
        return self.stack.sipp("call.xml", *extra, port=self.stack.trunk_in,
                               limit=limit, timeout=120)

    def call_from(self, username, dialled, expect=None, limit="60s",
                  hold_ms=200, background=False):
        """A registered user's phone calls `dialled`."""
        sip = self.users[username]["sip"]
        extra = ["-s", dialled, "-key", "from", sip["username"], "-key",
                 "domain", self.domain, "-au", sip["auth_username"], "-ap",
                 sip["password"], "-d", str(hold_ms)]
        if background:
            return self.stack.sipp_bg(self.scenario("call_device.xml"),
                                      *extra, limit=limit)
        if expect:
            return self.stack.sipp(self.scenario("call_device_fail.xml"),
                                   *extra, limit=limit, timeout=120,
                                   expect=expect)
        return self.stack.sipp(self.scenario("call_device.xml"), *extra,
                               limit=limit, timeout=120)


def messages(proc):
    """The SIP messages a background SIPp received and sent (its
    -trace_msg file), after it ended."""
    text = ""
    for path in glob.glob(os.path.join(proc.cwd, "*_messages.log")):
        with open(path, errors="replace") as f:
            text += f.read()
    return text


def finish(proc, timeout=90):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out + err
