#!/usr/bin/env bash
# Offline checks of the Kubernetes manifests (deploy/k8s): every overlay
# renders, every object validates against its schema, every container
# passes the policy, the optional objects and the Prometheus adapter
# rules are well formed.
#
#   k8s-check.sh deps            npm ci in deploy/k8s/check (lock file)
#   k8s-check.sh render OVERLAY  kubectl kustomize deploy/k8s/overlays/OVERLAY
#   k8s-check.sh [check]         all of it, for every overlay
#
# Needs kubectl (any from 1.20 on: Debian's kubernetes-client, which
# scripts/deps.sh installs when there is none) and Node.js with npm.
# No cluster, no network once the npm packages are installed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
K8S=$ROOT/deploy/k8s
CHECK=$K8S/check

deps() {
	command -v node >/dev/null && command -v npm >/dev/null || {
		echo "k8s-check: node and npm are needed (scripts/deps.sh installs them)" >&2
		exit 1
	}
	local stamp=$CHECK/node_modules/.ov-lock-hash sum
	sum=$(sha256sum "$CHECK/package-lock.json" | cut -d' ' -f1)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
		return 0
	fi
	(cd "$CHECK" && npm ci --no-audit --no-fund --loglevel=error)
	echo "$sum" >"$stamp"
}

render() {
	command -v kubectl >/dev/null || {
		echo "k8s-check: kubectl is needed (scripts/deps.sh installs kubernetes-client)" >&2
		exit 1
	}
	# kustomize v5 warns that bases and patchesStrategicMerge are
	# deprecated; they are what v2.0.3 (kubectl 1.20) understands.
	kubectl kustomize "$K8S/overlays/$1" 2> >(grep -v "^# Warning: '\(bases\|patchesStrategicMerge\)' is deprecated" >&2)
}

check() {
	deps
	local o out rc=0
	out=$(mktemp -d)
	for o in "$K8S"/overlays/*/; do
		o=$(basename "$o")
		render "$o" >"$out/$o.yaml" || {
			echo "k8s-check: overlay $o does not render" >&2
			rc=1
			continue
		}
		node "$CHECK/check.mjs" schema "$out/$o.yaml" || rc=1
		node "$CHECK/check.mjs" policy "$out/$o.yaml" || rc=1
	done
	# Objects no overlay applies yet, kept valid for the day one does.
	node "$CHECK/check.mjs" schema "$K8S"/optional/*.yaml || rc=1
	node "$CHECK/check.mjs" adapter "$K8S/prometheus-adapter/rules.yaml" || rc=1
	rm -rf "$out"
	return $rc
}

case ${1:-check} in
deps) deps ;;
render) render "${2:?render which overlay}" ;;
check) check ;;
*)
	sed -n '2,12p' "$0" >&2
	exit 2
	;;
esac
