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
	# JSON in the edge's Lua (log lines, JSON-RPC commands)
	lua-cjson
	libespeak-ng-dev espeak-ng-data
	libcmocka-dev clang-format
	# static analysis (make lint)
	cppcheck clang-tidy
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
	# the Kubernetes manifests' checks read rendered YAML (test_deploy.py)
	python3-yaml
)
# The Kubernetes manifests render with `kubectl kustomize`
# (scripts/k8s-check.sh). A kubectl from elsewhere (Kubernetes' own
# packages, a machine image) is kept; without one, Debian's
# kubernetes-client (1.20, kustomize v2.0.3) does: the overlays are
# written for both.
if ! command -v kubectl >/dev/null; then
	PACKAGES+=(kubernetes-client)
fi
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
# Another install may be running (unattended upgrades, a second
# terminal): wait for the package manager's locks instead of failing.
# apt-get install waits by itself (DPkg::Lock::Timeout); apt-get update
# does not, so it is retried while the lists lock is held.
LOCK_WAIT_S=${OV_APT_LOCK_WAIT_S:-600}
apt_update() {
	local waited=0 out
	while ! out=$($SUDO apt-get update -qq 2>&1); do
		if ! grep -q 'Could not get lock' <<<"$out" || [ "$waited" -ge "$LOCK_WAIT_S" ]; then
			echo "$out" >&2
			return 1
		fi
		[ "$waited" -eq 0 ] && echo "deps: waiting for another package install to end" >&2
		sleep 5
		waited=$((waited + 5))
	done
	[ -z "$out" ] || echo "$out" >&2
}
apt_update
# Package scripts must not start system-wide daemons we do not use.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod +x "$policy"
	trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends \
	-o DPkg::Lock::Timeout="$LOCK_WAIT_S" "${missing[@]}" >&2
