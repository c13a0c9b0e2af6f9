#!/usr/bin/env python3
"""Embeds a text file into C as a NUL-terminated string.

Usage: embed-file.py SYMBOL FILE > out.c
Emits `const char SYMBOL[]` and `const size_t SYMBOL_len`.
"""
import sys

sym, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
print(f"/* Generated from {path} by scripts/embed-file.py. */")
print("#include <stddef.h>\n")
print(f"const char {sym}[] = {{")
for i in range(0, len(data), 12):
    print("\t" + " ".join(f"0x{b:02x}," for b in data[i:i + 12]))
print("\t0x00\n};")
print(f"const size_t {sym}_len = {len(data)};")
