"""ovctl's command line: getopt_long, --help everywhere, usage errors.

The help and usage tests need no stack (ovctl parses before it reads
stack.env or opens a socket); the last ones run real commands against
the stack with options and arguments in orders the hand-written parser
did not take.
"""
import json
import os
import random
import re
import subprocess

import pytest

from conftest import BIN

OVCTL = os.path.join(BIN, "ovctl")

# Every command, and each group's commands; `ovctl G --help` must list
# exactly these.
GROUPS = {
    "apikey": ["create"],
    "tenant": ["create", "list", "show", "set", "suspend", "resume",
               "delete"],
    "mail": ["list", "resend"],
    "registrar": ["bindings", "devices", "ha1", "save", "rotate",
                  "presence", "forget"],
    "ivr": ["play", "render"],
}
SINGLE = ["ping", "call", "watch", "snapshot", "simulate"]
COMMANDS = [[c] for c in SINGLE] + \
    [[g, s] for g, subs in GROUPS.items() for s in subs]
IDS = [" ".join(c) for c in COMMANDS]


def run(*args, env=None):
    # No stack.env anywhere: nothing here may need one.
    e = dict(os.environ, OV_RUN_DIR="/nonexistent", **(env or {}))
    return subprocess.run([OVCTL, *args], capture_output=True, text=True,
                          timeout=30, env=e)


def test_overview():
    for flag in ("--help", "-h"):
        r = run(flag)
        assert r.returncode == 0 and r.stderr == "", r
        assert r.stdout.startswith("usage: ovctl [--env FILE] "
                                   "[--deadline-ms N] COMMAND")
        for c in SINGLE + list(GROUPS):
            assert re.search(rf"^  {c} ", r.stdout, re.M), c
    r = run()
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("usage: ovctl ")


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_help_of_every_command(cmd):
    name = " ".join(cmd)
    for flag in ("--help", "-h"):
        r = run(*cmd, flag)
        assert r.returncode == 0 and r.stderr == "", r
        assert r.stdout.startswith(f"usage: ovctl {name}"), r.stdout
        # A usage line, a blank line, then what it does.
        assert "\n\n" in r.stdout and len(r.stdout.splitlines()) >= 3
    # --help ends the parse: the words after it are not looked at.
    r = run(*cmd, "--help", "extra", "words")
    assert r.returncode == 0 and r.stdout.startswith(f"usage: ovctl {name}")


@pytest.mark.parametrize("group", list(GROUPS))
def test_help_of_a_group_lists_its_commands(group):
    r = run(group, "--help")
    assert r.returncode == 0 and r.stderr == "", r
    listed = re.findall(rf"^(?:usage: |       )ovctl {group} (\S+)",
                        r.stdout, re.M)
    assert listed == GROUPS[group]
    r = run(group)
    assert r.returncode == 2 and "which command?" in r.stderr
    r = run(group, "nosuch")
    assert r.returncode == 2 and r.stdout == ""
    assert f'ovctl {group}: no command "nosuch"' in r.stderr
    assert f"usage: ovctl {group} " in r.stderr


def test_options_named_in_the_help():
    """Each option a command takes is in its help, and the help names
    no option the command refuses."""
    for cmd in COMMANDS:
        out = run(*cmd, "--help").stdout
        for opt in sorted(set(re.findall(r"--[a-z][a-z-]*", out))):
            r = run(*cmd, opt)  # without its value
            assert r.returncode == 2, (cmd, opt, r)
            assert f"option '{opt}' requires an argument" in r.stderr, \
                (cmd, opt, r.stderr)


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_bad_option_exits_2_naming_it(cmd):
    name = " ".join(cmd)
    r = run(*cmd, "--no-such-option", "x")
    assert r.returncode == 2 and r.stdout == "", r
    assert f"ovctl {name}: unrecognized option '--no-such-option'" \
        in r.stderr
    assert f"usage: ovctl {name}" in r.stderr
    r = run(*cmd, "-q")
    assert r.returncode == 2
    assert f"ovctl {name}: invalid option -- 'q'" in r.stderr


@pytest.mark.parametrize("args,message", [
    (["--env"], "ovctl: option '--env' requires an argument"),
    (["--deadline-ms"], "ovctl: option '--deadline-ms' requires an argument"),
    (["--deadline-ms", "0", "ping", "all"],
     '"0" is not a number from 1 to 600000'),
    (["--nope", "ping", "all"], "ovctl: unrecognized option '--nope'"),
    (["ping", "all", "--count"],
     "ovctl ping: option '--count' requires an argument"),
    (["ping", "--count", "0", "all"], '"0" is not a number from 1 to'),
    (["ping"], "ovctl ping: missing arguments"),
    (["ping", "router", "admin"], 'ovctl ping: unexpected "admin"'),
    (["ping", "--help=yes", "all"],
     "ovctl ping: option '--help' doesn't allow an argument"),
    (["snapshot", "--version", "3"], "ovctl snapshot: --tenant is required"),
    (["snapshot", "--tenant"],
     "ovctl snapshot: option '--tenant' requires an argument"),
    (["tenant", "set", "t1", "--max-calls"],
     "ovctl tenant set: option '--max-calls' requires an argument"),
    (["tenant", "set", "t1", "--premium", "maybe"],
     '"maybe" is not on or off'),
    (["tenant", "create", "--number", "0612345678", "extra"],
     'ovctl tenant create: unexpected "extra"'),
    (["tenant", "show"], "ovctl tenant show: missing arguments"),
    (["mail", "resend", "--tenant", "t1"],
     "ovctl mail resend: missing arguments"),
    (["registrar", "ha1", "only.one"], "ovctl registrar ha1: too few"),
    (["registrar", "ha1", "--tenant", "t1", "a", "b"],
     "ovctl registrar ha1: unrecognized option '--tenant'"),
    (["registrar", "devices", "--owner", "o"],
     "ovctl registrar devices: --tenant is required"),
    (["registrar", "save", "--tenant", "t", "--owner", "o", "--expires",
      "-1"], '"-1" is not a number'),
    (["call", "router", "ping", "--raw-hex", "00", "--raw-size", "4"],
     "ovctl call: --raw-hex or --raw-size, not both"),
    (["ivr", "render", "--tenant", "t1", "--template", "nope"],
     'ovctl ivr render: no template "nope"'),
    (["ivr", "render", "--tenant", "t1", "--template", "x", "--value", "k"],
     'ovctl ivr render: --value "k" is no KEY=VALUE'),
    (["simulate", "--to", "10", "--tenant", "t1"],
     "ovctl simulate: --from is required"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_usage_errors_exit_2(args, message):
    r = run(*args)
    assert r.returncode == 2, r
    assert message in r.stderr, r.stderr
    assert r.stdout == ""


def test_double_dash_ends_the_options(stack):
    # A method name that looks like an option goes through as a word.
    r = stack.ovctl("call", "--", "router", "--no.such")
    assert r.returncode == 1, r
    assert r.stdout.startswith('invalid_argument unknown method "--no.such"')
    # The credential lookup of a user name starting with "-".
    r = stack.ovctl("registrar", "ha1", "--", "-nobody.app", "example.com")
    assert (r.returncode, r.stdout) == (1, "not found\n"), r


def test_options_before_arguments_against_the_stack(stack, operator):
    # --opt=VALUE, options first, the service last.
    r = stack.ovctl("ping", "--delay-ms=5", "--count", "4",
                    "--concurrency=2", "registrar")
    assert r.returncode == 0, r
    assert r.stdout.startswith("sent=4 ok=4 ")
    # The raw bytes before the service and method.
    r = stack.ovctl("call", "--raw-hex", "ffffffff0a", "registrar", "x")
    assert r.stdout.startswith("invalid_argument message is not an "
                               "ov.Envelope"), r
    # The global options stop at the command.
    r = subprocess.run([OVCTL, "--deadline-ms=2000",
                        f"--env={stack.run_dir}/stack.env", "ping",
                        "admin"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "\nadmin " in r.stdout, r


def test_tenant_commands_in_any_order(stack, operator):
    env = dict(os.environ, OV_OPERATOR_KEY=operator.token)

    def tenant(*args):
        return subprocess.run([OVCTL, "--env", f"{stack.run_dir}/stack.env",
                               "tenant", *args], env=env,
                              capture_output=True, text=True, timeout=30)

    number = f"06{random.randrange(1000000, 9999999)}"
    r = tenant("create", "--email", "order@example.it", "--language=en",
               "--number", number, "--name", "Ordine Srl")
    assert r.returncode == 0, r.stderr
    t = json.loads(r.stdout)
    assert (t["company_name"], t["language"]) == ("Ordine Srl", "en")
    # Options before the tenant's ID, and around it.
    r = tenant("set", "--max-calls", "4", "--premium=on", t["id"],
               "--international", "off")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert (got["max_calls"], got["allow_premium"],
            got["allow_international"]) == (4, True, False)
    # The activation mail, listed with --tenant after the others.
    r = stack.ovctl("mail", "list", "--limit", "5", "--tenant", t["id"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ID ") and "admin_activation" in r.stdout
    r = stack.ovctl("registrar", "bindings", "--owner", "main",
                    "--tenant", t["id"])
    assert r.returncode == 0, r.stderr
    assert [o["owner"] for o in json.loads(r.stdout)["owners"]] == ["main"]
    assert tenant("delete", "--", t["id"]).returncode == 0
    assert tenant("show", t["id"]).returncode == 1
