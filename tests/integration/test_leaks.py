"""The log check itself (leaks.py) finds what it must and only that:
Stack.down() runs it on every stack of the test run."""
import hashlib
import os

import leaks


def test_scan_finds_a_secret_in_any_field_header_or_parameter(tmp_path):
    os.makedirs(tmp_path / "log")
    leaks.request({"number": "0612345678", "username": "mario",
                   "password": "Segreta.Prova-9"})
    leaks.response({"token": "tok_ABCDEFGHIJKLMNOP", "code": "invalid_argument"})
    leaks.response({"auth_username": "u1.abc", "domain": "d.example",
                    "password": "sipSECRET12345"})
    ha1 = hashlib.md5(b"u1.abc:d.example:sipSECRET12345").hexdigest()
    with open(tmp_path / "log" / "admin.log", "w") as f:
        f.write('{"event":"auth.login","username":"mario"}\n')
        f.write('{"event":"http.request","code":"invalid_argument"}\n')
        f.write('{"event":"oops","body":"{\\"password\\":\\"Segreta.Prova-9\\"}"}\n')
    with open(tmp_path / "log" / "kamailio.log", "w") as f:
        f.write("GET /x?token=tok_ABCDEFGHIJKLMNOP&y=1 HTTP/1.1\n")
        f.write(f"ha1 {ha1}\n")
    hits = leaks.scan(str(tmp_path))
    assert [(h[0], h[1]) for h in hits] == [
        ("admin.log", 3), ("kamailio.log", 1), ("kamailio.log", 2)], hits
    # A problem's error code in a response is not a secret.
    assert "invalid_argument" not in leaks.SECRETS
