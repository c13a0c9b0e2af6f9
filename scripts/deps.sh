#!/usr/bin/env bash
# Installs, through apt, exactly the Debian 12 packages Ovunque needs to
# build, run and test. Idempotent: does nothing when all are present.
# Runs as root, or through sudo.
#
#   deps.sh           what make, make run and make test need
#   deps.sh images    what make images needs: podman (with runc: Debian's
#                     default crun cannot run containers here,
#                     docs/deploy.md), mmdebstrap for the base image, git,
#                     Node.js for the web app; the smoke test needs the
#                     default group too (PostgreSQL, SIPp)
set -euo pipefail

GROUP=${1:-all}
case $GROUP in
all) ;;
images) ;;
*)
	echo "deps: no package group \"$GROUP\" (all, images)" >&2
	exit 2
	;;
esac

PACKAGES=(
	# build
	build-essential pkg-config git python3
	protobuf-c-compiler libprotobuf-c-dev
	libnng-dev libpq-dev libmicrohttpd-dev libsodium-dev libjansson-dev
	libcurl4-openssl-dev libglib2.0-dev
	liblua5.1-0-dev lua5.1
	libespeak-ng-dev espeak-ng-data
	libcmocka-dev clang-format
	# run: the real components of the stack
	tzdata
	postgresql postgresql-client
	kamailio kamailio-lua-modules kamailio-extra-modules
	kamailio-utils-modules
	rtpengine-daemon
	# SIP over WebSocket (the app's phone) and wss with a local certificate
	kamailio-websocket-modules kamailio-tls-modules openssl
	# test: phones and the runner
	sip-tester python3-pytest python3-aiosmtpd curl procps iproute2
	# a real softphone, for the test that a Debian phone registers and calls
	baresip-core
	# bench: HTTP load
	wrk
	# the web app's browser tests (tests/web, playwright-core drives it)
	chromium
)
# The web app's build needs Node.js and npm. Debian 12's nodejs (18)
# and npm (9) suffice (web/package.json pins tools that run on 18); a
# machine with Node.js from elsewhere (NodeSource's nodejs bundles npm,
# and Debian's npm would conflict with it) keeps its own.
if [ "$GROUP" = images ]; then
	# The images build the web app first (make web) and are tagged
	# with git describe; everything else is built inside podman.
	PACKAGES=(podman runc mmdebstrap git)
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "deps: need root or sudo to install: ${missing[*]}" >&2
		exit 1
	}
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Package scripts must not start system-wide daemons we do not use.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod +x "$policy"
	trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
