"""The stack's mailbox: the .eml files scripts/smtp-sink.py stores.

Files are written then renamed into place, so a listed file is whole;
parsed messages are cached by file name.
"""
import email
import email.policy
import os
import re
import time

MESSAGE_ID = re.compile(r"^<outbox-(\d+)\.ovunque@[^>]+>$")


class Mailbox:
    def __init__(self, directory):
        self.dir = directory
        self._cache = {}

    def messages(self):
        """Every stored mail, oldest first: (file name, EmailMessage)."""
        try:
            names = sorted(n for n in os.listdir(self.dir) if n.endswith(".eml"))
        except FileNotFoundError:
            return []
        out = []
        for n in names:
            if n not in self._cache:
                with open(os.path.join(self.dir, n), "rb") as f:
                    self._cache[n] = email.message_from_binary_file(
                        f, policy=email.policy.default)
            out.append((n, self._cache[n]))
        return out

    def raw(self, name):
        with open(os.path.join(self.dir, name), "rb") as f:
            return f.read()

    def to(self, address):
        return [m for _, m in self.messages() if m["To"] == address]

    def of_outbox(self, outbox_id):
        """The mails of one outbox row (more than one only after a crash)."""
        return [m for _, m in self.messages()
                if outbox_id_of(m) == outbox_id]

    def wait(self, pred, timeout, what):
        """The first mail matching pred, polling until timeout seconds."""
        end = time.monotonic() + timeout
        while True:
            for _, m in self.messages():
                if pred(m):
                    return m
            if time.monotonic() > end:
                raise AssertionError(f"no mail {what} after {timeout}s")
            time.sleep(0.02)


def outbox_id_of(msg):
    m = MESSAGE_ID.match(msg["Message-ID"] or "")
    return int(m.group(1)) if m else None


def text_of(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def html_of(msg):
    return msg.get_body(preferencelist=("html",)).get_content()


def field(msg, *names):
    """The value of the first "Name: value" line of the text part."""
    for line in text_of(msg).splitlines():
        for n in names:
            if line.startswith(n + ": "):
                return line[len(n) + 2:]
    return None


# The secret each kind carries, and how its mail labels it.
SECRETS = {"admin_activation": ("password", ("Password",)),
           "user_activation": ("password", ("Password",)),
           "password_reset": ("code", ("Codice", "Code"))}


def fill_secret(mail_dir, outbox_id, kind, params, timeout=10):
    """Once notify has sent a mail it erases its password or code from
    the outbox; tests that need it read it where the user would: in the
    mail. Fills params in place."""
    key, labels = SECRETS.get(kind, (None, ()))
    if not key or key in params:
        return params
    box = Mailbox(mail_dir)
    msg = box.wait(lambda m: outbox_id_of(m) == outbox_id, timeout,
                   f"for outbox row {outbox_id}")
    params[key] = field(msg, *labels)
    return params
