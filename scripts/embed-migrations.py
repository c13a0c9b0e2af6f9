#!/usr/bin/env python3
"""Embeds a service's migrations/NNN_name.sql files into C.

Usage: embed-migrations.py SERVICE DIR > out.c
Emits `const struct ov_migration SERVICE_migrations[]` and its length,
ordered by version; versions must be unique and start at 1 with no gaps.
"""
import os
import re
import sys


def c_string(text):
    out = []
    for line in text.splitlines(keepends=True):
        esc = line.replace("\\", "\\\\").replace('"', '\\"')
        esc = esc.replace("\n", "\\n").replace("\t", "\\t")
        out.append('\t  "%s"' % esc)
    return "\n".join(out) if out else '\t  ""'


def main():
    svc, d = sys.argv[1], sys.argv[2]
    items = []
    names = sorted(os.listdir(d)) if os.path.isdir(d) else []
    for name in names:
        m = re.fullmatch(r"(\d{3})_([a-z0-9_]+)\.sql", name)
        if not m:
            if name.endswith(".sql"):
                sys.exit("%s/%s: name it NNN_words.sql" % (d, name))
            continue
        with open(os.path.join(d, name), encoding="utf-8") as f:
            items.append((int(m.group(1)), m.group(2), f.read()))
    for want, (v, _, _) in enumerate(items, start=1):
        if v != want:
            sys.exit("%s: migration %03d missing or duplicated" % (d, want))
    print("/* Generated from %s by scripts/embed-migrations.py. */" % d)
    print('#include "db.h"\n')
    print("const struct ov_migration %s_migrations[] = {" % svc)
    for v, name, sql in items:
        print('\t{%d, "%s",\n%s},' % (v, name, c_string(sql)))
    if not items:
        print("\t{0, NULL, NULL},")
    print("};")
    print("const size_t %s_n_migrations = %d;" % (svc, len(items)))


main()
