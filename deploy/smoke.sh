#!/usr/bin/env bash
# The smoke test of the images (docs/deploy.md, "Images"): the whole
# stack from the images built by scripts/images.sh, on free loopback
# ports, each container configured only through -e like the manifests,
# then what a company does first:
#
#   1. PostgreSQL and the SMTP sink start on the host (scripts/stack.sh:
#      they stand for the carrier's database and mail relay);
#   2. ov-migrate applies every schema and exits 0;
#   3. rtpengine, the five services and Kamailio start from their images
#      and each must be ready (/readyz, ng ping, SIP OPTIONS); admin
#      serves the web app;
#   4. every image's configured user, and every container's process, is
#      not root; the services' and the Job's images hold no shell, no
#      coreutils, no dpkg; no image holds apt;
#   5. an operator key (ovctl from the admin image), a tenant through the
#      REST API, its admin's first login, two users and apply
#      (scripts/demo.py);
#   6. the closed message rendered by apply is in the prompt cache the
#      IVR shares with rtpengine;
#   7. Laura's phone (SIPp) registers, Mario's phone calls her extension
#      05 and she answers.
#
# Then every container is removed and the host processes stop. Exit 0
# only if every step passed; otherwise the failed step and the logs of
# the containers are printed.
#
#   OV_IMAGE_TAG   the tag of the images to run (default latest)
#   OV_KEEP_RUN=1  keep the run directory (/tmp/ov-smoke.*) afterwards
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TAG=${OV_IMAGE_TAG:-latest}
SERVICES=(registrar admin router ivr notify)
IMAGES=(migrate rtpengine "${SERVICES[@]}" kamailio)
UID_OV=10001
STEP="start"
CONTAINERS=()

fail() {
	echo "smoke: FAILED at \"$STEP\": $*" >&2
	exit 1
}

say() {
	echo "smoke: $*" >&2
}

# A port base with BASE .. BASE+1099 free (TCP and UDP), like the tests'.
free_base() {
	local used b
	used=$(ss -Htuln | awk '{ n = split($5, a, ":"); print a[n] }' | sort -un)
	for b in $(shuf -i 30-55); do
		b=$((b * 1100))
		if ! awk -v lo="$b" -v hi=$((b + 1099)) \
			'$1 >= lo && $1 <= hi { found = 1 } END { exit !found }' <<<"$used"; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

free_udp() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

for c in podman runc sipp psql openssl curl python3 ss; do
	command -v "$c" >/dev/null || fail "$c is missing (bash scripts/deps.sh && bash scripts/deps.sh images)"
done
for i in "${IMAGES[@]}"; do
	podman image exists "localhost/ov-$i:$TAG" ||
		fail "image localhost/ov-$i:$TAG is missing (make images)"
done

BASE=$(free_base) || fail "no free port range"
RUN=$(mktemp -d /tmp/ov-smoke.XXXXXX)
chmod 755 "$RUN"
NAME=ov-smoke-$BASE
SIP_PORT=$BASE
PG_PORT=$((BASE + 1))
NG_PORT=$((BASE + 2))
SMTP_PORT=$((BASE + 3))
TRUNK_IN=$((BASE + 5))
TRUNK_OUT=$((BASE + 6))
WS_PORT=$((BASE + 7))
EDGE_HTTP=$((BASE + 9))
RTP_MIN=$((BASE + 100))
RTP_MAX=$((BASE + 1099))
declare -A HTTP=([router]=$((BASE + 10)) [registrar]=$((BASE + 11))
	[ivr]=$((BASE + 12)) [admin]=$((BASE + 13)) [notify]=$((BASE + 14)))
# The bus over TCP on loopback, as between pods (tcp://, not ipc://).
declare -A BUS=([router]=$((BASE + 20)) [registrar]=$((BASE + 21))
	[ivr]=$((BASE + 22)) [admin]=$((BASE + 23)) [notify]=$((BASE + 24))
	[admin-events]=$((BASE + 25)) [registrar-events]=$((BASE + 26)))
bus() { echo "tcp://127.0.0.1:${BUS[$1]}"; }
DB_URL="postgresql://ovunque@127.0.0.1:$PG_PORT/ovunque"
STACK_ENV=(OV_RUN_DIR="$RUN" OV_PORT_BASE="$BASE" OV_STACK_PROCS="postgres smtp")

cleanup() {
	local rc=$? c
	trap - EXIT
	if [ $rc -ne 0 ]; then
		for c in "${CONTAINERS[@]}"; do
			echo "---- podman logs $c (last 15 lines)" >&2
			podman logs --tail 15 "$c" 2>&1 | cut -c1-400 >&2 || true
		done
	fi
	for c in "${CONTAINERS[@]}"; do
		podman rm -f -t 10 "$c" >/dev/null 2>&1 || true
	done
	env "${STACK_ENV[@]}" bash "$ROOT/scripts/stack.sh" down >/dev/null 2>&1 || true
	if [ "${OV_KEEP_RUN:-}" = 1 ]; then
		say "run directory kept: $RUN"
	else
		rm -rf "$RUN"
	fi
	if [ $rc -eq 0 ]; then
		say "PASSED"
	else
		say "FAILED (exit $rc)"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run NAME IMAGE [podman run options...]: a detached container of the
# stack, host network (rtpengine and Kamailio need it in production too).
run() {
	local c=$NAME-$1 image=$2
	shift 2
	CONTAINERS+=("$c")
	podman run -d --name "$c" --runtime runc --network host \
		--ulimit nofile=20000:20000 --ulimit nproc=4096:4096 \
		"$@" "localhost/ov-$image:$TAG" >/dev/null
}

wait_for() {
	local what=$1 secs=$2
	shift 2
	local end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || fail "$what not ready after ${secs}s"
		sleep 0.1
	done
}

# ---- 1. the host's PostgreSQL and SMTP sink ----
STEP="postgres and smtp on the host"
say "port base $BASE, run directory $RUN"
env "${STACK_ENV[@]}" bash "$ROOT/scripts/stack.sh" up >/dev/null ||
	fail "scripts/stack.sh up (postgres smtp)"

# ---- 2. the migration Job ----
STEP="ov-migrate"
CONTAINERS+=("$NAME-migrate")
podman run --name "$NAME-migrate" --runtime runc --network host \
	--ulimit nofile=20000:20000 --ulimit nproc=4096:4096 \
	-e OV_DB_URL="$DB_URL" "localhost/ov-migrate:$TAG" >/dev/null 2>&1 ||
	fail "the migration job exited $(podman inspect --format '{{.State.ExitCode}}' "$NAME-migrate")"
for s in registrar admin notify; do
	psql "$DB_URL" -tAc "SELECT 1 FROM pg_namespace WHERE nspname = '$s'" | grep -q 1 ||
		fail "schema $s is missing after the migration job"
done
say "migrations applied ($(podman logs "$NAME-migrate" 2>&1 | grep -c migrate.schema) schemas)"

# ---- 3. rtpengine, the services, Kamailio ----
STEP="rtpengine"
# The IVR writes prompts that rtpengine plays: one directory, mounted at
# the same path in both, owned by the images' user.
mkdir -p "$RUN/prompts"
chown "$UID_OV:$UID_OV" "$RUN/prompts"
PROMPTS=(-v "$RUN/prompts:/var/cache/ovunque/prompts")
run rtpengine rtpengine "${PROMPTS[@]}" \
	-e OV_RTP_INTERFACE=127.0.0.1 \
	-e OV_RTPENGINE_NG_LISTEN="127.0.0.1:$NG_PORT" \
	-e OV_RTP_PORT_MIN=$RTP_MIN -e OV_RTP_PORT_MAX=$RTP_MAX
wait_for rtpengine 20 python3 "$ROOT/scripts/probe.py" ng 127.0.0.1 $NG_PORT

SIP_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
(umask 077 && openssl genpkey -algorithm X25519 -out "$RUN/notify-key.pem")
NOTIFY_SECRET=$(openssl pkey -in "$RUN/notify-key.pem" -outform DER | tail -c 32 | base64)
NOTIFY_PUBLIC=$(openssl pkey -in "$RUN/notify-key.pem" -pubout -outform DER | tail -c 32 | base64)
APP_URL=http://127.0.0.1:${HTTP[admin]}

for s in "${SERVICES[@]}"; do
	STEP="ov-$s"
	envs=(-e OV_BUS_LISTEN="$(bus "$s")" -e OV_HTTP_ADDR=127.0.0.1
		-e OV_HTTP_PORT="${HTTP[$s]}")
	case $s in
	registrar) envs+=(-e OV_DB_URL="$DB_URL"
		-e OV_REGISTRAR_EVENTS_URL="$(bus registrar-events)"
		-e OV_SIP_SECRET_KEY="$SIP_SECRET_KEY") ;;
	admin) envs+=(-e OV_DB_URL="$DB_URL"
		-e OV_ADMIN_EVENTS_URL="$(bus admin-events)"
		-e OV_REGISTRAR_URL="$(bus registrar)"
		-e OV_IVR_URL="$(bus ivr)" -e OV_ROUTER_URL="$(bus router)"
		-e OV_SIP_PROXY="127.0.0.1:$SIP_PORT"
		-e OV_SIP_WS_URL="ws://127.0.0.1:$WS_PORT"
		-e OV_NOTIFY_PUBLIC_KEY="$NOTIFY_PUBLIC") ;;
	router) envs+=(-e OV_ADMIN_URL="$(bus admin)"
		-e OV_ADMIN_EVENTS_URL="$(bus admin-events)"
		-e OV_REGISTRAR_URL="$(bus registrar)"
		-e OV_REGISTRAR_EVENTS_URL="$(bus registrar-events)") ;;
	ivr) envs+=("${PROMPTS[@]}"
		-e OV_RTPENGINE_NG="udp:127.0.0.1:$NG_PORT"
		-e OV_ADMIN_URL="$(bus admin)"
		-e OV_ADMIN_EVENTS_URL="$(bus admin-events)") ;;
	notify) envs+=(-e OV_DB_URL="$DB_URL"
		-e OV_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
		-e OV_MAIL_RESET_URL="$APP_URL/password"
		-e OV_NOTIFY_SECRET_KEY="$NOTIFY_SECRET") ;;
	esac
	run "$s" "$s" "${envs[@]}"
	wait_for "ov-$s" 30 python3 "$ROOT/scripts/probe.py" http \
		"http://127.0.0.1:${HTTP[$s]}/readyz"
done

STEP="kamailio"
run kamailio kamailio -e OV_SIP_ADDR=127.0.0.1 -e OV_SIP_PORT=$SIP_PORT \
	-e OV_SIP_WS_PORT=$WS_PORT -e OV_HTTP_PORT=$EDGE_HTTP \
	-e OV_ROUTER_URL="$(bus router)" -e OV_REGISTRAR_URL="$(bus registrar)" \
	-e OV_IVR_URL="$(bus ivr)" -e OV_ADMIN_URL="$(bus admin)" \
	-e OV_RTPENGINE="udp:127.0.0.1:$NG_PORT" \
	-e OV_TRUNK_SOURCES="127.0.0.1:$TRUNK_IN" \
	-e OV_TRUNK_URI="sip:127.0.0.1:$TRUNK_OUT"
wait_for kamailio 20 python3 "$ROOT/scripts/probe.py" sip 127.0.0.1 $SIP_PORT
# Its own HTTP: the probes' /readyz and Prometheus' /metrics.
curl -sSf "http://127.0.0.1:$EDGE_HTTP/readyz" >/dev/null ||
	fail "Kamailio does not answer /readyz on $EDGE_HTTP"
metrics=$(curl -sSf "http://127.0.0.1:$EDGE_HTTP/metrics") &&
	grep -q '^kamailio_calls_total\|^kamailio_dialog_' <<<"$metrics" ||
	fail "Kamailio serves no metrics on $EDGE_HTTP"
say "every container is ready"
# admin serves the web app that the image carries.
STEP="the web app"
curl -sSf "$APP_URL/" | grep -qi '<html' || fail "admin does not serve the web app at $APP_URL/"

# ---- 4. nobody runs as root ----
STEP="non-root"
for i in "${IMAGES[@]}"; do
	u=$(podman image inspect --format '{{.Config.User}}' "localhost/ov-$i:$TAG")
	case ${u%%:*} in
	"" | 0 | root) fail "image ov-$i runs as \"$u\"" ;;
	esac
done
for c in "${CONTAINERS[@]}"; do
	[ "$c" = "$NAME-migrate" ] && continue
	pid=$(podman inspect --format '{{.State.Pid}}' "$c")
	uid=$(awk '/^Uid:/ { print $3 }' "/proc/$pid/status")
	[ "$uid" = "$UID_OV" ] || fail "$c runs as uid $uid, not $UID_OV"
done
say "every image's user and every process is uid $UID_OV"

# No shell or package manager where none is needed: the services and the
# Job hold neither; Kamailio and rtpengine (shell entry points) no apt.
STEP="no tools"
for i in "${IMAGES[@]}"; do
	root=$(podman image mount "localhost/ov-$i:$TAG")
	case $i in
	kamailio | rtpengine) banned="usr/bin/apt-get usr/bin/apt" ;;
	*) banned="usr/bin/sh usr/bin/bash usr/bin/dash usr/bin/ls usr/bin/dpkg usr/bin/apt-get" ;;
	esac
	for f in $banned; do
		if [ -e "$root/$f" ]; then
			podman image unmount "localhost/ov-$i:$TAG" >/dev/null
			fail "image ov-$i holds /$f"
		fi
	done
	podman image unmount "localhost/ov-$i:$TAG" >/dev/null
done
say "no shell in the services' images, no apt in any"

# ---- 5. a tenant, its admin, two users, apply ----
STEP="operator key"
KEY=$(podman run --rm --runtime runc --network host \
	--ulimit nofile=20000:20000 --ulimit nproc=4096:4096 \
	--entrypoint /usr/bin/ovctl -e OV_ADMIN_URL="$(bus admin)" \
	"localhost/ov-admin:$TAG" apikey create smoke 2>/dev/null) ||
	fail "ovctl apikey create"
STEP="tenant"
out=$(curl -sS -X POST -H "Authorization: Bearer $KEY" \
	-H 'Content-Type: application/json' \
	-d '{"company_name":"Smoke Srl","number":"06 9999 0000","admin_email":"admin@smoke.example"}' \
	"$APP_URL/v1/tenants")
id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$out" 2>/dev/null) ||
	fail "POST /v1/tenants: $out"
number=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["number"])' <<<"$out")
say "tenant $id, number $number"
STEP="the admin's activation mail"
oid=$(psql "$DB_URL" -tAc "SELECT id FROM admin.outbox WHERE tenant_id = '$id' AND kind = 'admin_activation' ORDER BY id LIMIT 1")
[ -n "$oid" ] || fail "no activation mail in admin.outbox"
pw=$(python3 "$ROOT/scripts/smtp-sink.py" secret --dir "$RUN/mail" \
	--outbox-id "$oid" --field Password --timeout 20) ||
	fail "notify did not deliver the activation mail to the sink"
STEP="users and apply (scripts/demo.py)"
demo=$(python3 "$ROOT/scripts/demo.py" --api "$APP_URL" --mail-dir "$RUN/mail" \
	--number "$number" --admin-password="$pw") || fail "scripts/demo.py"

# Apply rendered the closed message into the prompt cache that the IVR
# and rtpengine share: it is there, written by the images' user.
STEP="the shared prompt cache"
wav=$(find "$RUN/prompts" -name '*.wav' -user $UID_OV | head -n 1)
[ -n "$wav" ] || fail "no prompt of uid $UID_OV in the shared cache $RUN/prompts"

# ---- 7. a phone registers and a call reaches it ----
# OV_DEMO_<USER>_SIP=<sip:USER@DOMAIN>;auth_user=A;auth_pass=P;outbound="..."
sip_field() {
	DEMO=$demo python3 -c '
import os, re, sys
who, field = sys.argv[1], sys.argv[2]
for line in os.environ["DEMO"].splitlines():
    if line.startswith(f"OV_DEMO_{who}_SIP="):
        m = re.match(r"[^<]*<sip:([^@]+)@([^>]+)>;auth_user=(.*);auth_pass=(.*);outbound=", line)
        print(m.group({"user": 1, "domain": 2, "auth": 3, "pass": 4}[field]))
' "$1" "$2"
}
DOMAIN=$(sip_field LAURA domain)
STEP="Laura's phone registers"
LPORT=$(free_udp)
SIPP=(sipp -i 127.0.0.1 -m 1 -nostdin -timeout_error)
# register.xml expects [expect] (the tests put a code there): 200.
sed 's/\[expect\]/200/' "$ROOT/tests/sipp/register.xml" >"$RUN/register.xml"
(cd "$RUN" && "${SIPP[@]}" -timeout 10s -sf "$RUN/register.xml" \
	-p "$LPORT" -s "$(sip_field LAURA user)" -key domain "$DOMAIN" \
	-key expires 300 -au "$(sip_field LAURA auth)" -ap "$(sip_field LAURA pass)" \
	127.0.0.1:$SIP_PORT >"$RUN/sipp-register.log" 2>&1) ||
	fail "REGISTER was not answered 200 ($(tail -n 5 "$RUN/sipp-register.log"))"
say "Laura's phone registered"
STEP="Mario calls Laura (05)"
(cd "$RUN" && exec "${SIPP[@]}" -timeout 60s -sf "$ROOT/tests/sipp/uas.xml" \
	-p "$LPORT" -key ring_ms 200 127.0.0.1:$SIP_PORT \
	>"$RUN/sipp-uas.log" 2>&1) &
uas=$!
(cd "$RUN" && "${SIPP[@]}" -timeout 60s -sf "$ROOT/tests/sipp/call_device.xml" \
	-p "$(free_udp)" -s 05 -key from "$(sip_field MARIO user)" \
	-key domain "$DOMAIN" -au "$(sip_field MARIO auth)" \
	-ap "$(sip_field MARIO pass)" -d 500 \
	127.0.0.1:$SIP_PORT >"$RUN/sipp-call.log" 2>&1) || {
	kill "$uas" 2>/dev/null || true
	fail "the call was not answered ($(tail -n 5 "$RUN/sipp-call.log"))"
}
wait "$uas" || fail "Laura's phone did not answer the call ($(tail -n 5 "$RUN/sipp-uas.log"))"
say "Mario called 05, Laura's phone answered, the call ended"
STEP="done"
