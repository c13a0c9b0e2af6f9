#!/usr/bin/env bash
# Static analysis of our C (lib/, services/, tools/, edge/): cppcheck and
# clang-tidy (.clang-tidy), both clean or the run fails. `make lint`;
# `make test` runs it first. Which checks and why: docs/testing.md,
# "Static analysis". A finding is fixed, or suppressed on its line with
# a comment that says why (cppcheck-suppress ID / NOLINT(check)).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
B=build/lint
JOBS=$(nproc 2>/dev/null || echo 2)
mapfile -t FILES < <(git ls-files 'lib/*.c' 'services/*.c' 'tools/*.c' 'edge/*.c')
FLAGS="-std=c17 -D_GNU_SOURCE -DOV_VERSION='\"lint\"' -Ilib -Ibuild/proto -I/usr/include/postgresql $(pkg-config --cflags glib-2.0)"
mkdir -p "$B/include"

# The generated protobuf-c headers check libprotobuf-c's version: cppcheck
# reads that one header and no other system header (missingIncludeSystem
# is suppressed: libc's and the libraries' own code is not ours to check).
ln -sfn /usr/include/protobuf-c "$B/include/protobuf-c"

t0=$(date +%s)
# -D_GNU_SOURCE: the one configuration we build, not every #ifdef path.
cppcheck -q -j"$JOBS" --std=c11 --enable=warning,performance,portability \
	--inline-suppr --suppress=missingIncludeSystem --error-exitcode=1 \
	-D_GNU_SOURCE -Ilib -Ibuild/proto -I"$B/include" \
	--cppcheck-build-dir="$B" "${FILES[@]}"
t1=$(date +%s)

# clang-tidy reads the flags from a compilation database of its own.
python3 - "$FLAGS" "${FILES[@]}" >"$B/compile_commands.json" <<'PY'
import json, os, shlex, sys
flags = shlex.split(sys.argv[1])
db = []
for f in sys.argv[2:]:
    extra = ["-I/usr/include/lua5.1"] if f.startswith("edge/") else []
    db.append({"directory": os.getcwd(), "file": f,
               "arguments": ["cc", "-c", *flags, *extra, f]})
json.dump(db, sys.stdout, indent=1)
PY
printf '%s\n' "${FILES[@]}" |
	xargs -P"$JOBS" -n8 clang-tidy --quiet -p "$B" 2>/dev/null
t2=$(date +%s)
echo "lint: ${#FILES[@]} files clean (cppcheck $((t1 - t0)) s, clang-tidy $((t2 - t1)) s)"
