#!/usr/bin/env bash
# The web app "Telefono Virtuale" (web/): its npm packages, its build,
# its browser tests and its screenshots.
#
#   web.sh deps      npm ci in web/ (exact versions from package-lock.json)
#   web.sh build     bundle into build/web/ (served by ov-admin, OV_WEB_DIR)
#   web.sh test      build, start a stack, run tests/web/*.test.mjs with
#                    node --test in headless Chromium, stop the stack
#   web.sh screens   screenshots of every screen, phone and desktop,
#                    into docs/screens/
#
# Needs Node.js >= 18 with npm, and Debian's chromium for test/screens
# (OV_CHROMIUM overrides /usr/bin/chromium). Nothing is installed
# globally; no browser is downloaded.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WEB=$ROOT/web

need_node() {
	command -v node >/dev/null && command -v npm >/dev/null || {
		echo "web: node and npm are needed (scripts/deps.sh installs them)" >&2
		exit 1
	}
}

deps() {
	need_node
	# Installed once per lock file: a stamp holds the lock's hash.
	local stamp=$WEB/node_modules/.ov-lock-hash sum
	sum=$(sha256sum "$WEB/package-lock.json" | cut -d' ' -f1)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
		return 0
	fi
	(cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)
	echo "$sum" >"$stamp"
}

build() {
	deps
	(cd "$WEB" && node build.mjs)
}

# A stack of our own for the browser tests and the screenshots, on a
# free port base (the way tests/integration/conftest.py picks one).
STACK_RUN=""
stack_up() {
	[ -x "$ROOT/build/bin/ov-admin" ] || {
		echo "web: build/bin/ov-admin is missing: run make" >&2
		exit 1
	}
	STACK_RUN=$(mktemp -d /tmp/ov-web-XXXXXX)
	trap stack_down EXIT
	chmod 755 "$STACK_RUN"
	local base
	base=$(cd "$ROOT" && node --input-type=module \
		-e "import { freeBase } from './tests/web/lib.mjs'; console.log(await freeBase());")
	OV_RUN_DIR=$STACK_RUN OV_PORT_BASE=$base bash "$ROOT/scripts/stack.sh" up >"$STACK_RUN/up.log" 2>&1 || {
		cat "$STACK_RUN/up.log" >&2
		exit 1
	}
	export OV_WEB_STACK_ENV=$STACK_RUN/stack.env
}
stack_down() {
	if [ -n "$STACK_RUN" ]; then
		OV_RUN_DIR=$STACK_RUN bash "$ROOT/scripts/stack.sh" down >/dev/null 2>&1 || true
		[ "${OV_KEEP_RUN:-}" = 1 ] || rm -rf "$STACK_RUN"
		STACK_RUN=""
	fi
}

cmd=${1:-build}
case $cmd in
deps) deps ;;
build) build ;;
test)
	build
	stack_up
	shift || true
	# One file at a time: each drives its own Chromium against the stack.
	node --test --test-concurrency=1 "${@:-$ROOT/tests/web/}"
	;;
screens)
	build
	stack_up
	node "$ROOT/tests/web/screens.mjs" "$ROOT/docs/screens"
	;;
*)
	sed -n '2,13p' "$0" >&2
	exit 2
	;;
esac
