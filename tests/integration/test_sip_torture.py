"""Unusual but valid SIP gets a proper answer; invalid SIP is refused
with a 4xx/5xx or dropped, never answered 2xx and never relayed.

In the spirit of RFC 4475 (SIP torture tests): escaped characters,
compact and folded headers, odd whitespace, unknown methods, and
messages no parser should accept. Each goes to the edge over UDP as
raw bytes from a fresh socket.
"""
import socket
import uuid

import pytest

VIA = "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{tag};rport"


def send(stack, lines, timeout=1.5):
    """One datagram; the first status line of the answer, or None when
    the edge dropped it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    tag = uuid.uuid4().hex[:8]
    msg = "\r\n".join(lines).format(port=port, tag=tag,
                                    sip=stack.env["OV_SIP_PORT"])
    s.sendto(msg.encode("utf-8", "surrogateescape"),
             ("127.0.0.1", int(stack.env["OV_SIP_PORT"])))
    try:
        data, _ = s.recvfrom(65535)
        return data.split(b"\r\n", 1)[0].decode(errors="replace")
    except socket.timeout:
        return None
    finally:
        s.close()


def options(*headers, ruri="sip:127.0.0.1:{sip}", method="OPTIONS",
            cseq=None, end=("", "")):
    return [f"{method} {ruri} SIP/2.0", VIA, "Max-Forwards: 70",
            "From: <sip:t@127.0.0.1>;tag={tag}", "To: <sip:127.0.0.1:{sip}>",
            "Call-ID: torture-{tag}@127.0.0.1",
            f"CSeq: {cseq or '1 ' + method}", *headers,
            "Content-Length: 0", *end]


VALID = {
    # RFC 3261 19.1.2: an escaped character in the user part is the
    # same URI as the character itself.
    "escaped user": (options(ruri="sip:%74orture@127.0.0.1:{sip}"), "200"),
    "compact headers": ([
        "OPTIONS sip:127.0.0.1:{sip} SIP/2.0",
        "v: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{tag};rport",
        "Max-Forwards: 70", "f: <sip:t@127.0.0.1>;tag={tag}",
        "t: <sip:127.0.0.1:{sip}>", "i: torture-{tag}@127.0.0.1",
        "CSeq: 1 OPTIONS", "l: 0", "", ""], "200"),
    "folded header": (options("Subject: a subject that goes",
                              "  on the next line"), "200"),
    "odd whitespace": ([
        "OPTIONS sip:127.0.0.1:{sip} SIP/2.0",
        "Via :  SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{tag};rport",
        "Max-Forwards:\t70", "From:<sip:t@127.0.0.1>;tag={tag}",
        "To:   <sip:127.0.0.1:{sip}>", "Call-ID:torture-{tag}@127.0.0.1",
        "CSeq:   1    OPTIONS", "Content-Length :0", "", ""], "200"),
    "header names in any case": ([
        "OPTIONS sip:127.0.0.1:{sip} SIP/2.0",
        "VIA: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{tag};rport",
        "max-forwards: 70", "FROM: <sip:t@127.0.0.1>;tag={tag}",
        "to: <sip:127.0.0.1:{sip}>", "call-id: torture-{tag}@127.0.0.1",
        "cseq: 1 OPTIONS", "CONTENT-LENGTH: 0", "", ""], "200"),
    "unknown header": (options("X-Unknown-Thing: ;;; whatever ;;;"), "200"),
    # Methods are case-sensitive: "options" is an unknown extension.
    "unknown method": (options(method="FROBNICATE"), "501"),
    "lower-case method": (options(method="options"), "501"),
    "known method we do not serve": (options(method="SUBSCRIBE",
                                             end=("Event: presence", "", "")),
                                     "405"),
}


@pytest.mark.parametrize("case", sorted(VALID))
def test_unusual_but_valid_gets_a_proper_answer(stack, case):
    lines, code = VALID[case]
    status = send(stack, lines)
    assert status is not None and status.startswith(f"SIP/2.0 {code} "), \
        (case, status)


INVALID = {
    "no Call-ID": [l for l in options() if not l.startswith("Call-ID")],
    "CSeq method differs": options(cseq="1 INVITE"),
    "Request-URI not a URI": options(ruri="not a uri"),
    "SIP version 3.0": [l.replace("SIP/2.0", "SIP/3.0", 1) if i == 0 else l
                        for i, l in enumerate(options())],
    "Content-Length past the end": [
        l.replace("Content-Length: 0", "Content-Length: 300")
        for l in options()],
    "negative Max-Forwards": [l.replace("Max-Forwards: 70", "Max-Forwards: -1")
                              for l in options()],
    "NUL in a header": options("Subject: a\x00b"),
    "no From": [l for l in options() if not l.startswith("From")],
    "INVITE with a body that is not SDP, from nobody we know": [
        "INVITE sip:0612345678@127.0.0.1:{sip} SIP/2.0", VIA,
        "Max-Forwards: 70", "From: <sip:x@127.0.0.1>;tag={tag}",
        "To: <sip:0612345678@127.0.0.1>", "Call-ID: torture-{tag}@127.0.0.1",
        "CSeq: 1 INVITE", "Contact: <sip:x@127.0.0.1:{port}>",
        "Content-Type: application/sdp", "Content-Length: 5", "", "hello"],
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_is_refused_or_dropped_never_accepted(stack, case):
    status = send(stack, INVALID[case])
    # Dropped (None), or a final refusal; never a 1xx/2xx/3xx, which
    # would mean it was taken for a request and acted on.
    assert status is None or status[8:9] in ("4", "5"), (case, status)
