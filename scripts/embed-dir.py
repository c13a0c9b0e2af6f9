#!/usr/bin/env python3
"""Embeds every file of a directory into C, sorted by name.

Usage: embed-dir.py SYMBOL DIR > out.c
Emits `const struct ov_embedded_file SYMBOL[]` ({name, data, len}, each
data NUL-terminated) and `const size_t SYMBOL_n`. The struct is declared
here and, identically, by the code that reads the table.
"""
import os
import sys

sym, d = sys.argv[1], sys.argv[2]
names = sorted(n for n in os.listdir(d)
               if os.path.isfile(os.path.join(d, n)) and not n.startswith("."))
print(f"/* Generated from {d} by scripts/embed-dir.py. */")
print("#include <stddef.h>\n")
print("struct ov_embedded_file {\n\tconst char *name;\n\tconst char *data;"
      "\n\tsize_t len;\n};\n")
for i, name in enumerate(names):
    data = open(os.path.join(d, name), "rb").read()
    print(f"static const char f{i}[] = {{")
    for j in range(0, len(data), 12):
        print("\t" + " ".join(f"0x{b:02x}," for b in data[j:j + 12]))
    print("\t0x00\n};")
print(f"const struct ov_embedded_file {sym}[] = {{")
for i, name in enumerate(names):
    size = os.path.getsize(os.path.join(d, name))
    print(f'\t{{"{name}", f{i}, {size}}},')
if not names:
    print("\t{NULL, NULL, 0},")
print("};")
print(f"const size_t {sym}_n = {len(names)};")
