#!/usr/bin/python3
"""A local SMTP sink (python3-aiosmtpd) for `make run`, tests and benchmarks.

  smtp-sink.py serve --port P --dir DIR [--host H] [--control FILE]
                     [--auth USER:PASS]
      Accepts every mail and stores it, exactly as received, as
      DIR/<time>-<pid>-<n>.eml (written, then renamed into place, before
      the 250 reply). Runs until SIGTERM or SIGINT.

      --control FILE: read before each recipient and each mail, one rule
      a line, "MATCH ACTION", MATCH being * or a substring of the
      recipient address, the first matching line winning:
          *              451 4.3.0 Try again later   refuse RCPT with this
          bounce@        550 5.1.1 No such mailbox    reply
          slow@          delay 0.05                   wait before storing
      A missing or empty file means accept everything.

      --auth USER:PASS: offer AUTH PLAIN/LOGIN (without TLS: it is a
      test sink) and refuse mail from clients that did not log in.

  smtp-sink.py secret --dir DIR --outbox-id N --field NAME [--timeout S]
      Waits for the mail of outbox row N (Message-ID <outbox-N.ovunque@…>)
      and prints the value of the "NAME: value" line of its text part
      (the demo tenant's password, for scripts/stack.sh).
"""
import argparse
import email
import email.policy
import itertools
import os
import signal
import sys
import threading
import time


class Rules:
    """The control file, re-read when it changes."""

    def __init__(self, path):
        self.path = path
        self.stamp = None
        self.rules = []

    def _load(self):
        try:
            st = os.stat(self.path)
        except OSError:
            self.rules, self.stamp = [], None
            return
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if stamp == self.stamp:
            return
        rules = []
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and " " in line:
                    match, action = line.split(None, 1)
                    rules.append((match, action.strip()))
        self.rules, self.stamp = rules, stamp

    def action(self, addresses):
        if not self.path:
            return None
        self._load()
        for match, action in self.rules:
            if match == "*" or any(match in a for a in addresses):
                return action
        return None


def serve(args):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    os.makedirs(args.dir, exist_ok=True)
    rules = Rules(args.control)
    seq = itertools.count(1)
    pid = os.getpid()

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address,
                              rcpt_options):
            if args.auth and not session.authenticated:
                return "530 5.7.0 Authentication required"
            act = rules.action([address])
            if act and act[:1].isdigit():
                return act
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            act = rules.action(envelope.rcpt_tos)
            if act and act.startswith("delay "):
                import asyncio
                await asyncio.sleep(float(act.split()[1]))
            name = "%s-%d-%06d.eml" % (time.strftime("%Y%m%dT%H%M%S"), pid,
                                        next(seq))
            tmp = os.path.join(args.dir, "." + name + ".tmp")
            # 0600: a mail may carry a temporary password or a code.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.rename(tmp, os.path.join(args.dir, name))
            return "250 2.0.0 Stored " + name

    kw = {"decode_data": False, "enable_SMTPUTF8": True}
    if args.auth:
        user, _, password = args.auth.partition(":")

        def check(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode() == user and
                  auth_data.password.decode() == password)
            # handled=False: aiosmtpd then answers 535 itself.
            return AuthResult(success=ok, handled=False)

        kw.update(authenticator=check, auth_require_tls=False)
    ctl = Controller(Handler(), hostname=args.host, port=args.port,
                     ready_timeout=10, **kw)
    ctl.start()
    print(f"smtp-sink: listening on {args.host}:{args.port}, mails in "
          f"{args.dir}", file=sys.stderr, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    ctl.stop()


def find(directory, outbox_id):
    prefix = f"<outbox-{outbox_id}.ovunque@"
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".eml"):
            continue
        with open(os.path.join(directory, name), "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        if (msg["Message-ID"] or "").startswith(prefix):
            return msg
    return None


def secret(args):
    end = time.monotonic() + args.timeout
    while True:
        msg = find(args.dir, args.outbox_id) if os.path.isdir(args.dir) else None
        if msg:
            break
        if time.monotonic() > end:
            sys.exit(f"smtp-sink: no mail of outbox row {args.outbox_id} "
                     f"in {args.dir}")
        time.sleep(0.05)
    text = msg.get_body(preferencelist=("plain",)).get_content()
    prefix = args.field + ": "
    for line in text.splitlines():
        if line.startswith(prefix):
            print(line[len(prefix):])
            return
    sys.exit(f"smtp-sink: the mail of outbox row {args.outbox_id} has no "
             f"{args.field}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--dir", required=True)
    s.add_argument("--control")
    s.add_argument("--auth")
    s.set_defaults(fn=serve)
    q = sub.add_parser("secret")
    q.add_argument("--dir", required=True)
    q.add_argument("--outbox-id", type=int, required=True)
    q.add_argument("--field", required=True)
    q.add_argument("--timeout", type=float, default=10)
    q.set_defaults(fn=secret)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
