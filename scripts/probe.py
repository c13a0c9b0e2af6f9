#!/usr/bin/env python3
"""Readiness probes for scripts/stack.sh, standard library only.

  probe.py http URL            exit 0 when URL answers 200
  probe.py sip HOST PORT       exit 0 when an OPTIONS gets a 200 over UDP
  probe.py ng HOST PORT        exit 0 when rtpengine answers ng "ping"
"""
import os
import socket
import sys
import urllib.request


def http(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status == 200
    except Exception:
        return False


def udp_ask(host, port, payload, timeout=0.5):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.bind(("127.0.0.1", 0))
        s.sendto(payload, (host, int(port)))
        data, _ = s.recvfrom(65535)
        return data, s.getsockname()[1]
    except OSError:
        return None, None
    finally:
        s.close()


def sip(host, port):
    tag = os.urandom(4).hex()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    msg = (
        f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK{tag};rport\r\n"
        f"Max-Forwards: 70\r\n"
        f"From: <sip:probe@127.0.0.1>;tag={tag}\r\n"
        f"To: <sip:{host}:{port}>\r\n"
        f"Call-ID: probe-{tag}@127.0.0.1\r\n"
        f"CSeq: 1 OPTIONS\r\n"
        f"Content-Length: 0\r\n\r\n"
    ).encode()
    try:
        s.sendto(msg, (host, int(port)))
        data, _ = s.recvfrom(65535)
        return data.startswith(b"SIP/2.0 200")
    except OSError:
        return False
    finally:
        s.close()


def ng(host, port):
    cookie = os.urandom(4).hex().encode()
    data, _ = udp_ask(host, port, cookie + b" d7:command4:pinge")
    return bool(data) and data.startswith(cookie + b" ") and b"pong" in data


def main():
    kind, args = sys.argv[1], sys.argv[2:]
    ok = {"http": http, "sip": sip, "ng": ng}[kind](*args)
    sys.exit(0 if ok else 1)


main()
