#!/usr/bin/env bash
# Runs every benchmark `make bench` owns (make builds them first; this
# script builds nothing) and prints each one's table.
#
# A benchmark prints ratios against a baseline measured in the same run
# and reports its targets; it never fails on timing. This script fails
# only when a benchmark could not run (missing binary, server that did
# not start, crash).
#
# Adding one: append "name|command" to BENCHES.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

BENCHES=(
	"bus|build/bin/bench-bus"
	"admin|/usr/bin/python3 bench/admin/bench.py"
	"admin-edge|/usr/bin/python3 bench/admin/edge.py"
	"admin-forgot|/usr/bin/python3 bench/admin/forgot.py"
	"app|/usr/bin/python3 bench/app/bench.py"
	"router|build/bin/bench-router decide"
	"sip|/usr/bin/python3 bench/sip/bench.py"
	"notify|/usr/bin/python3 bench/notify/bench.py"
	"replicas|/usr/bin/python3 bench/replicas/bench.py"
	"ivr|/usr/bin/python3 bench/ivr/bench.py"
	"ivr-announce|/usr/bin/python3 bench/ivr/announce.py"
	"webrtc|bench/webrtc/bench.sh"
)

failed=()
for entry in "${BENCHES[@]}"; do
	name=${entry%%|*}
	cmd=${entry#*|}
	bin=${cmd%% *}
	echo "==== bench $name: $cmd"
	if [ ! -x "$bin" ]; then
		echo "bench $name: $bin is missing; run make first" >&2
		failed+=("$name")
		continue
	fi
	start=$(date +%s)
	# Word splitting of cmd is intended: it carries the arguments.
	# shellcheck disable=SC2086
	$cmd
	rc=$?
	echo "==== bench $name: exit $rc, $(($(date +%s) - start)) s"
	echo
	[ $rc -eq 0 ] || failed+=("$name")
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "benchmarks that could not run: ${failed[*]}" >&2
	exit 1
fi
