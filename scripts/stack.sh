#!/usr/bin/env bash
# The local stack: a private PostgreSQL cluster, rtpengine, an SMTP sink,
# Kamailio and the five services, on loopback.
#
#   stack.sh run              start, print, wait for Ctrl-C/SIGTERM, stop
#   stack.sh up | down        start in the background / stop everything
#   stack.sh status           what runs
#   stack.sh demo             create the demo tenant (run does it)
#   stack.sh start NAME       start one process (router, kamailio, ...)
#   stack.sh stop NAME        SIGTERM one process and wait for it
#
# OV_REPLICAS="router=2 registrar=2" runs that many replicas of a
# service, each its own process named <svc>-<n> (router-1, router-2)
# with its own bus address and HTTP port; every client dials them all.
# `stack.sh stop router-2` stops one replica, `stop router` all of them.
#
# All ports derive from OV_PORT_BASE (default 17000) and all state lives
# under OV_RUN_DIR (default ./run), so stacks run side by side. The
# layout is in docs/stack.md; scripts and tests read $OV_RUN_DIR/stack.env.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${OV_BIN_DIR:-$ROOT/build/bin}
RUN=${OV_RUN_DIR:-$ROOT/run}
# A stack already laid out keeps its ports unless told otherwise.
if [ -z "${OV_PORT_BASE:-}" ] && [ -f "$RUN/stack.env" ]; then
	OV_PORT_BASE=$(sed -n 's/^OV_PORT_BASE=//p' "$RUN/stack.env")
fi
BASE=${OV_PORT_BASE:-17000}
# ... and its replicas.
if [ -z "${OV_REPLICAS+x}" ] && [ -f "$RUN/stack.env" ]; then
	OV_REPLICAS=$(sed -n 's/^OV_REPLICAS=//p' "$RUN/stack.env")
fi
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
# In start order: the router loads admin's snapshots before it is ready.
SERVICES=(registrar admin router ivr notify)

# OV_REPLICAS="router=2 admin=2": how many processes of each service (1
# by default, at most 9). One replica keeps the plain names (router,
# bus router.ipc); with more, replica n is the process <svc>-n with bus
# <svc>-n.ipc and its own PUB socket for events (admin-events-n.ipc,
# registrar-events-n.ipc): as in Kubernetes, where every pod has its own
# address and a client dials them all.
declare -A REPLICAS=()
for r in ${OV_REPLICAS:-}; do
	s=${r%%=*} n=${r#*=}
	if ! [[ " ${SERVICES[*]} " == *" $s "* ]] || ! [[ $n =~ ^[1-9]$ ]]; then
		echo "stack: OV_REPLICAS: \"$r\" is not <service>=<1..9>" >&2
		exit 2
	fi
	REPLICAS[$s]=$n
done

replicas() { echo "${REPLICAS[$1]:-1}"; }

# instances SVC: the process names of SVC's replicas.
instances() {
	local s=$1 n k
	n=$(replicas "$s")
	if [ "$n" -eq 1 ]; then
		echo "$s"
		return
	fi
	for ((k = 1; k <= n; k++)); do echo "$s-$k"; done
}

# svc_of NAME: the service a process name belongs to ("" if none);
# replica_of NAME: its replica number (1 for a lone service).
svc_of() {
	local s=${1%-[1-9]}
	[[ " ${SERVICES[*]} " == *" $s "* ]] && echo "$s"
	return 0
}
replica_of() {
	if [[ $1 =~ -([1-9])$ ]]; then echo "${BASH_REMATCH[1]}"; else echo 1; fi
}

# expand NAME...: service names become the names of their replicas.
expand() {
	local p
	for p in "$@"; do
		if [[ " ${SERVICES[*]} " == *" $p "* ]]; then
			instances "$p"
		else
			echo "$p"
		fi
	done
}

PROCS=(postgres rtpengine smtp $(expand "${SERVICES[@]}") kamailio)
# OV_STACK_PROCS="postgres router": bring up only these (in this order).
# OV_RTPENGINE_MORE="udp:HOST:PORT ...": rtpengines besides the stack's
# own (started by whoever sets it), for Kamailio and the IVR.
if [ -n "${OV_STACK_PROCS:-}" ]; then
	read -r -a PROCS <<<"$OV_STACK_PROCS"
	read -r -a PROCS <<<"$(expand "${PROCS[@]}" | tr '\n' ' ')"
fi

if ! [[ $BASE =~ ^[0-9]+$ ]] || [ "$BASE" -lt 1024 ] || [ "$BASE" -gt 63000 ]; then
	echo "stack: OV_PORT_BASE=$BASE is not a number from 1024 to 63000" >&2
	exit 2
fi

# ---- layout: every port and path, from BASE and RUN ----
SIP_PORT=$BASE
PG_PORT=$((BASE + 1))
NG_PORT=$((BASE + 2))
SMTP_PORT=$((BASE + 3))
# The carrier's trunk: it sends calls to fixed numbers from TRUNK_IN and
# takes calls to outside numbers on TRUNK_OUT. Locally nothing is there
# unless a test (SIPp) or a person puts something there.
TRUNK_IN=$((BASE + 5))
TRUNK_OUT=$((BASE + 6))
# SIP over WebSocket for the app's phone: ws, and wss when openssl made
# a certificate (tls_cert).
WS_PORT=$((BASE + 7))
WSS_PORT=$((BASE + 8))
EDGE_HTTP=$((BASE + 9))
TLS_CERT=$RUN/tls/edge.crt
TLS_KEY=$RUN/tls/edge.key
RTP_MIN=$((BASE + 100))
RTP_MAX=$((BASE + 1099))
# A service's HTTP port: BASE+10..14 for router, registrar, ivr,
# admin, notify; replica n of it at BASE+10n+(the same offset), so
# replica 2 is at BASE+20..24, replica 9 at BASE+90..94.
declare -A HTTP_OFF=([router]=0 [registrar]=1 [ivr]=2 [admin]=3 [notify]=4)
http_port() {
	local s
	s=$(svc_of "$1")
	echo $((BASE + 10 * $(replica_of "$1") + HTTP_OFF[$s]))
}
declare -A HTTP_PORT=()
for s in "${SERVICES[@]}"; do
	HTTP_PORT[$s]=$(http_port "$(instances "$s" | head -n 1)")
done
PG_DIR=$RUN/pg
PG_SOCK=$RUN/pgsock
DB_URL="postgresql:///ovunque?host=$PG_SOCK&port=$PG_PORT&user=ovunque"
LOG=$RUN/log
PIDS=$RUN/pid
# The SMTP sink stores every mail here; tests steer it with the control
# file (scripts/smtp-sink.py).
MAIL_DIR=$RUN/mail
SMTP_CONTROL=$RUN/smtp-sink.control
# The web app "Telefono Virtuale", built by scripts/web.sh build and
# served by ov-admin at /; the reset mail links to its /password page.
WEB_DIR=${OV_WEB_DIR:-$ROOT/build/web}
# notify's X25519 key pair: admin seals temporary passwords and reset
# codes to the public key, only notify (the secret key) opens them
# (docs/notify.md, "Secrets at rest"). Made once per run directory (0600)
# and kept there, so mails queued before a restart still open. Neither
# key goes into stack.env.
notify_key() {
	local f=$RUN/notify-key.pem
	if [ ! -s "$f" ]; then
		(umask 077 && openssl genpkey -algorithm X25519 -out "$f.tmp") &&
			mv "$f.tmp" "$f"
	fi
	case $1 in
	secret) openssl pkey -in "$f" -outform DER | tail -c 32 | base64 ;;
	public) openssl pkey -in "$f" -pubout -outform DER | tail -c 32 | base64 ;;
	esac
}
APP_URL=http://127.0.0.1:${HTTP_PORT[admin]}

bus_url() { echo "ipc://$RUN/bus/$1.ipc"; }

# svc_urls SVC [SUFFIX]: the bus URLs of every replica of SVC,
# comma-separated, as its clients take them; with SUFFIX (-events)
# their PUB sockets.
svc_urls() {
	local i out=""
	for i in $(instances "$1"); do
		out+=${out:+,}$(bus_url "${i%-[1-9]}${2:-}${i#"${i%-[1-9]}"}")
	done
	echo "$out"
}

# events_url NAME: the PUB socket of one replica (admin-events-2).
events_url() {
	local s
	s=$(svc_of "$1")
	bus_url "$s-events${1#"$s"}"
}

http_urls() {
	local i out=""
	for i in $(instances "$1"); do
		out+=${out:+,}http://127.0.0.1:$(http_port "$i")
	done
	echo "$out"
}

# stack.env holds the operator key, the demo's passwords and the
# devices' SIP secrets: 0600 from its first byte, like every file of
# the run directory that holds a secret.
write_env() {
	# Several `stack.sh start` may run at once: each its own temporary.
	local f=$RUN/stack.env t=$RUN/stack.env.$$
	(umask 077 && : >"$t" && chmod 600 "$t")
	{
		echo "# Written by scripts/stack.sh; read by ovctl and tests."
		echo "OV_PORT_BASE=$BASE"
		echo "OV_RUN_DIR=$RUN"
		echo "OV_BIN_DIR=$BIN"
		echo "OV_SIP_ADDR=127.0.0.1"
		echo "OV_SIP_PORT=$SIP_PORT"
		echo "OV_SIP_URI=sip:127.0.0.1:$SIP_PORT"
		echo "OV_SIP_WS_URL=ws://127.0.0.1:$WS_PORT"
		echo "OV_EDGE_HTTP=http://127.0.0.1:$EDGE_HTTP"
		if [ -s "$TLS_CERT" ]; then
			echo "OV_SIP_WSS_URL=wss://127.0.0.1:$WSS_PORT"
			echo "OV_TLS_CERT=$TLS_CERT"
		fi
		echo "OV_PG_PORT=$PG_PORT"
		echo "OV_DB_URL=$DB_URL"
		echo "OV_RTPENGINE_NG=udp:127.0.0.1:$NG_PORT"
		echo "OV_TRUNK_IN_PORT=$TRUNK_IN"
		echo "OV_TRUNK_OUT_PORT=$TRUNK_OUT"
		echo "OV_RTP_PORT_MIN=$RTP_MIN"
		echo "OV_RTP_PORT_MAX=$RTP_MAX"
		echo "OV_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT"
		echo "OV_MAIL_DIR=$MAIL_DIR"
		echo "OV_SMTP_CONTROL=$SMTP_CONTROL"
		echo "OV_REPLICAS=${OV_REPLICAS:-}"
		for s in "${SERVICES[@]}"; do
			local u=${s^^}
			echo "OV_${u}_URL=$(svc_urls "$s")"
			echo "OV_${u}_HTTP=http://127.0.0.1:${HTTP_PORT[$s]}"
			echo "OV_${u}_HTTP_ALL=$(http_urls "$s")"
		done
		echo "OV_ADMIN_EVENTS_URL=$(svc_urls admin -events)"
		echo "OV_APP_URL=$APP_URL/"
		echo "OV_WEB_DIR=$WEB_DIR"
		echo "OV_REGISTRAR_EVENTS_URL=$(svc_urls registrar -events)"
	} >"$t"
	mv "$t" "$f"
}

pid_of() {
	local f=$PIDS/$1.pid
	[ -f "$f" ] || return 1
	local p
	p=$(cat "$f")
	kill -0 "$p" 2>/dev/null || return 1
	# Killed but not yet reaped (a zombie) is not running.
	[[ $(cat "/proc/$p/stat" 2>/dev/null) =~ \)\ Z ]] && return 1
	echo "$p"
}

# as_pg CMD...: PostgreSQL refuses to run as root; use its own user then.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	echo "${d:?PostgreSQL server is not installed (scripts/deps.sh)}"
}

# wait_for WHAT SECONDS CMD...: poll CMD until it succeeds: every 50 ms
# for the first 2 s, then every 250 ms, so that a slow start (a busy
# machine) is not slowed further by its own polls (docs/deploy.md).
wait_for() {
	local what=$1 secs=$2
	shift 2
	local end=$((SECONDS + secs)) fast=$((SECONDS + 2))
	until "$@" >/dev/null 2>&1; do
		if [ $SECONDS -ge $end ]; then
			echo "stack: $what not ready after ${secs}s; see $LOG" >&2
			return 1
		fi
		if [ $SECONDS -lt $fast ]; then sleep 0.05; else sleep 0.25; fi
	done
}

# spawn NAME CMD...: start CMD detached, its output in log/NAME.log.
spawn() {
	local name=$1
	shift
	setsid "$@" >>"$LOG/$name.log" 2>&1 </dev/null &
	echo $! >"$PIDS/$name.pid"
}

start_postgres() {
	local pgb
	pgb=$(pg_bin)
	mkdir -p "$PG_SOCK"
	touch "$LOG/postgres.log"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$LOG/postgres.log"
	if [ ! -f "$PG_DIR/PG_VERSION" ]; then
		mkdir -p "$PG_DIR"
		[ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR" "$PG_SOCK"
		as_pg "$pgb/initdb" -D "$PG_DIR" -U ovunque --auth=trust \
			-E UTF8 --locale=C.UTF-8 >>"$LOG/postgres.log" 2>&1
	fi
	[ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR" "$PG_SOCK"
	rm -f "$PG_DIR/postmaster.pid.stale"
	as_pg "$pgb/pg_ctl" -D "$PG_DIR" -l "$LOG/postgres.log" -w -t 30 \
		-o "-p $PG_PORT -k $PG_SOCK -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
		start >/dev/null
	head -n 1 "$PG_DIR/postmaster.pid" >"$PIDS/postgres.pid"
	if ! psql "postgresql:///postgres?host=$PG_SOCK&port=$PG_PORT&user=ovunque" \
		-tAc "SELECT 1 FROM pg_database WHERE datname='ovunque'" | grep -q 1; then
		psql "postgresql:///postgres?host=$PG_SOCK&port=$PG_PORT&user=ovunque" \
			-qc "CREATE DATABASE ovunque" >/dev/null
	fi
}

start_rtpengine() {
	spawn rtpengine rtpengine --config-file=none --table=-1 \
		--interface=127.0.0.1 --listen-ng=127.0.0.1:$NG_PORT \
		--port-min=$RTP_MIN --port-max=$RTP_MAX \
		--pidfile="$RUN/rtpengine.pid" --foreground --log-stderr \
		--log-level="${OV_RTPENGINE_LOG_LEVEL:-5}"
	wait_for rtpengine 10 python3 "$ROOT/scripts/probe.py" ng 127.0.0.1 $NG_PORT
}

# The key every SIP secret derives from: made once per run directory
# and kept there, so restarts (and the database kept there) keep every
# device's password.
sip_secret_key() {
	local f=$RUN/sip-secret.key
	if [ ! -s "$f" ]; then
		(umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$f.tmp")
		mv "$f.tmp" "$f"
	fi
	cat "$f"
}

# start_service NAME: one replica (router, or router-2) of a service.
start_service() {
	local name=$1 s
	s=$(svc_of "$1")
	local port
	port=$(http_port "$name")
	local envs=(OV_BUS_LISTEN="$(bus_url "$name")"
		OV_HTTP_PORT="$port" OV_HTTP_ADDR=127.0.0.1)
	case $s in
	registrar) envs+=(OV_DB_URL="$DB_URL"
		OV_REGISTRAR_EVENTS_URL="$(events_url "$name")"
		OV_SIP_SECRET_KEY="$(sip_secret_key)") ;;
	notify) envs+=(OV_DB_URL="$DB_URL"
		OV_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
		OV_MAIL_RESET_URL="$APP_URL/password"
		OV_NOTIFY_SECRET_KEY="$(notify_key secret)") ;;
	admin) envs+=(OV_DB_URL="$DB_URL"
		OV_ADMIN_EVENTS_URL="$(events_url "$name")"
		OV_REGISTRAR_URL="$(svc_urls registrar)"
		OV_IVR_URL="$(svc_urls ivr)"
		OV_ROUTER_URL="$(svc_urls router)"
		OV_SIP_PROXY="127.0.0.1:$SIP_PORT"
		OV_SIP_WS_URL="ws://127.0.0.1:$WS_PORT"
		OV_WEB_DIR="$WEB_DIR"
		OV_NOTIFY_PUBLIC_KEY="$(notify_key public)") ;;
	ivr) envs+=(OV_RTPENGINE_NG="udp:127.0.0.1:$NG_PORT"
		OV_RTPENGINE_INSTANCES="$(echo ${OV_RTPENGINE_MORE:-} | tr ' ' ',')"
		OV_ADMIN_URL="$(svc_urls admin)"
		OV_ADMIN_EVENTS_URL="$(svc_urls admin -events)"
		OV_IVR_CACHE_DIR="$RUN/prompts") ;;
	router) envs+=(OV_ADMIN_URL="$(svc_urls admin)"
		OV_ADMIN_EVENTS_URL="$(svc_urls admin -events)"
		OV_REGISTRAR_URL="$(svc_urls registrar)"
		OV_REGISTRAR_EVENTS_URL="$(svc_urls registrar -events)") ;;
	esac
	spawn "$name" env "${envs[@]}" "$BIN/ov-$s"
	# curl, not a Python probe: a start polls many times, and on a
	# machine carrying calls each Python start (0.1 s of CPU, 0.7 s
	# through a pyenv shim) was taken from them.
	wait_for "$name" 30 curl -sf -o /dev/null --max-time 1 \
		"http://127.0.0.1:$port/readyz"
}

# The mails of the stack land in $MAIL_DIR as .eml files.
start_smtp() {
	mkdir -p "$MAIL_DIR"
	spawn smtp /usr/bin/python3 "$ROOT/scripts/smtp-sink.py" serve \
		--host 127.0.0.1 --port "$SMTP_PORT" --dir "$MAIL_DIR" \
		--control "$SMTP_CONTROL"
	wait_for smtp 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SMTP_PORT"
}

# A self-signed certificate for wss on 127.0.0.1, made once per run
# directory (production mounts one from a Secret instead). Without
# openssl there is no wss, only ws.
tls_cert() {
	[ -s "$TLS_CERT" ] && [ -s "$TLS_KEY" ] && return 0
	command -v openssl >/dev/null || return 1
	mkdir -p "$RUN/tls"
	(umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
		-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$TLS_KEY.tmp" -out "$TLS_CERT.tmp" >>"$LOG/kamailio.log" 2>&1) ||
		return 1
	mv "$TLS_KEY.tmp" "$TLS_KEY"
	mv "$TLS_CERT.tmp" "$TLS_CERT"
}

start_kamailio() {
	local wss=()
	if tls_cert; then
		wss=(OV_SIP_WSS_PORT=$WSS_PORT OV_TLS_CERT="$TLS_CERT"
			OV_TLS_KEY="$TLS_KEY")
	fi
	spawn kamailio env OV_SIP_ADDR=127.0.0.1 OV_SIP_PORT=$SIP_PORT \
		OV_SIP_WS_PORT=$WS_PORT "${wss[@]}" OV_HTTP_PORT=$EDGE_HTTP \
		OV_RUN_DIR="$RUN" OV_ROUTER_URL="$(svc_urls router)" \
		OV_REGISTRAR_URL="$(svc_urls registrar)" \
		OV_IVR_URL="$(svc_urls ivr)" \
		OV_ADMIN_URL="$(svc_urls admin)" \
		OV_RTPENGINE="udp:127.0.0.1:$NG_PORT${OV_RTPENGINE_MORE:+ $OV_RTPENGINE_MORE}" \
		OV_TRUNK_SOURCES="127.0.0.1:$TRUNK_IN" \
		OV_TRUNK_URI="sip:127.0.0.1:$TRUNK_OUT" \
		bash "$ROOT/scripts/kamailio.sh"
	wait_for kamailio 15 python3 "$ROOT/scripts/probe.py" sip 127.0.0.1 $SIP_PORT
}

start_one() {
	local name=$1
	if pid_of "$name" >/dev/null; then
		return 0
	fi
	case $name in
	postgres) start_postgres ;;
	rtpengine) start_rtpengine ;;
	smtp) start_smtp ;;
	kamailio) start_kamailio ;;
	*)
		local s
		s=$(svc_of "$name")
		if [ -z "$s" ] || [ "$(replica_of "$name")" -gt "$(replicas "$s")" ] ||
			{ [ "$name" = "$s" ] && [ "$(replicas "$s")" -gt 1 ]; } ||
			{ [ "$name" != "$s" ] && [ "$(replicas "$s")" -eq 1 ]; }; then
			echo "stack: no process \"$name\"" >&2
			return 2
		fi
		[ -x "$BIN/ov-$s" ] || {
			echo "stack: $BIN/ov-$s is missing: run make" >&2
			return 1
		}
		start_service "$name"
		;;
	esac
}

stop_one() {
	local name=$1 p
	if [ "$name" = postgres ]; then
		[ -f "$PG_DIR/postmaster.pid" ] &&
			as_pg "$(pg_bin)/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null 2>&1 || true
		rm -f "$PIDS/postgres.pid"
		return 0
	fi
	p=$(pid_of "$name") || {
		rm -f "$PIDS/$name.pid"
		return 0
	}
	# SIGTERM the whole session (the launcher and what it exec'd).
	kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
	local end=$((SECONDS + 15))
	while kill -0 "$p" 2>/dev/null; do
		if [ $SECONDS -ge $end ]; then
			echo "stack: $name did not stop in 15s; killing" >&2
			kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
			break
		fi
		sleep 0.05
	done
	rm -f "$PIDS/$name.pid"
}

prepare() {
	mkdir -p "$LOG" "$PIDS" "$RUN/bus"
	tls_cert || echo "stack: no openssl, no certificate: SIP over wss is off (ws only)" >&2
	write_env
}

up() {
	prepare
	for p in "${PROCS[@]}"; do
		start_one "$p" || {
			echo "stack: $p failed to start; last lines of $LOG/$p.log:" >&2
			tail -n 20 "$LOG/$p.log" >&2 || true
			down
			return 1
		}
	done
}

down() {
	local i
	for ((i = ${#PROCS[@]} - 1; i >= 0; i--)); do
		stop_one "${PROCS[$i]}"
	done
}

status() {
	local p rc=0
	for p in "${PROCS[@]}"; do
		if pid=$(pid_of "$p"); then
			printf '%-10s running (pid %s)\n' "$p" "$pid"
		else
			printf '%-10s stopped\n' "$p"
			rc=1
		fi
	done
	return $rc
}

# demo: an operator key and a demo tenant, kept in $RUN/demo.env across
# runs (the database persists there too) and added to stack.env.
DEMO_NUMBER=${OV_DEMO_NUMBER:-06 9999 0000}
demo() {
	local f=$RUN/demo.env key id pw out
	local db="$DB_URL"
	if [ -f "$f" ] && grep -q '^OV_DEMO_TENANT_ID=' "$f"; then
		id=$(sed -n 's/^OV_DEMO_TENANT_ID=//p' "$f")
		if psql "$db" -tAc "SELECT 1 FROM admin.tenants WHERE id = '$id' AND state <> 'deleted'" | grep -q 1; then
			cat "$f" >>"$RUN/stack.env"
			return 0
		fi
	fi
	key=$("$BIN/ovctl" --env "$RUN/stack.env" apikey create demo 2>/dev/null) || {
		echo "stack: could not create the demo operator key" >&2
		return 1
	}
	out=$(curl -sS -X POST -H "Authorization: Bearer $key" \
		-H 'Content-Type: application/json' \
		-d "{\"company_name\":\"Demo Srl\",\"number\":\"$DEMO_NUMBER\",\"admin_email\":\"admin@demo.example\"}" \
		"http://127.0.0.1:${HTTP_PORT[admin]}/v1/tenants")
	id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$out" 2>/dev/null) || {
		echo "stack: could not create the demo tenant: $out" >&2
		return 1
	}
	# The admin's temporary password, from the activation mail in the
	# sink (notify erases it from the outbox once the mail is sent).
	local oid
	oid=$(psql "$db" -tAc "SELECT id FROM admin.outbox WHERE tenant_id = '$id' AND kind = 'admin_activation' ORDER BY id LIMIT 1")
	pw=$(/usr/bin/python3 "$ROOT/scripts/smtp-sink.py" secret --dir "$MAIL_DIR" \
		--outbox-id "$oid" --field Password --timeout 15) || {
		echo "stack: the demo admin's activation mail is not in $MAIL_DIR" >&2
		return 1
	}
	local number more
	number=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["number"])' <<<"$out")
	# The company set up as its admin would: first login, two users,
	# ringing, the closed message, apply, the users' phones (demo.py).
	more=$(/usr/bin/python3 "$ROOT/scripts/demo.py" \
		--api "http://127.0.0.1:${HTTP_PORT[admin]}" --mail-dir "$MAIL_DIR" \
		--number "$number" --admin-password="$pw") || {
		echo "stack: could not set up the demo company" >&2
		return 1
	}
	(umask 077 && : >"$f" && chmod 600 "$f")
	{
		echo "OV_DEMO_OPERATOR_KEY=$key"
		echo "OV_DEMO_TENANT_ID=$id"
		echo "OV_DEMO_NUMBER=$number"
		echo "OV_DEMO_ADMIN_USERNAME=Amministratore"
		echo "$more"
	} >"$f"
	chmod 600 "$f"
	cat "$f" >>"$RUN/stack.env"
}

demo_val() {
	sed -n "s/^$1=//p" "$RUN/demo.env"
}

summary() {
	cat <<EOT

Ovunque is up (state in $RUN, logs in $LOG).

  SIP (Kamailio)   udp/tcp 127.0.0.1:$SIP_PORT, ws://127.0.0.1:$WS_PORT$([ -s "$TLS_CERT" ] && echo ", wss://127.0.0.1:$WSS_PORT"), http://127.0.0.1:$EDGE_HTTP/metrics
  PostgreSQL       127.0.0.1:$PG_PORT, database ovunque, user ovunque
  rtpengine ng     udp 127.0.0.1:$NG_PORT, RTP ports $RTP_MIN-$RTP_MAX
  SMTP sink        127.0.0.1:$SMTP_PORT, every mail in $MAIL_DIR/*.eml
  carrier trunk    calls in from udp 127.0.0.1:$TRUNK_IN, calls out to udp 127.0.0.1:$TRUNK_OUT
EOT
	if [ -f "$WEB_DIR/index.html" ]; then
		printf '  %-16s %s (Telefono Virtuale)\n' "app" "$APP_URL/"
	else
		printf '  %-16s not built (make web)\n' "app"
	fi
	for i in $(expand "${SERVICES[@]}"); do
		printf '  %-16s bus %s, http://127.0.0.1:%s/metrics\n' \
			"ov-$i" "$(bus_url "$i")" "$(http_port "$i")"
	done
	if [ -f "$RUN/demo.env" ]; then
		# Values are not shell-quoted (passwords hold ; $ # …): read them
		# one by one, never source the file.
		local OV_DEMO_NUMBER OV_DEMO_ADMIN_USERNAME OV_DEMO_ADMIN_PASSWORD \
			OV_DEMO_OPERATOR_KEY
		OV_DEMO_NUMBER=$(demo_val OV_DEMO_NUMBER)
		OV_DEMO_ADMIN_USERNAME=$(demo_val OV_DEMO_ADMIN_USERNAME)
		OV_DEMO_ADMIN_PASSWORD=$(demo_val OV_DEMO_ADMIN_PASSWORD)
		OV_DEMO_OPERATOR_KEY=$(demo_val OV_DEMO_OPERATOR_KEY)
		cat <<EOT

  Demo tenant "Demo Srl", fixed number $OV_DEMO_NUMBER (open Monday to
  Friday 9:00-18:00; outside those hours callers hear the closed message):
    admin login      number $OV_DEMO_NUMBER, username $OV_DEMO_ADMIN_USERNAME,
                     password $OV_DEMO_ADMIN_PASSWORD
    users            Mario (extension 01, password $(demo_val OV_DEMO_MARIO_PASSWORD)),
                     Laura (extension 05, password $(demo_val OV_DEMO_LAURA_PASSWORD)),
                     rung one after the other when someone calls the number
    operator API key $OV_DEMO_OPERATOR_KEY
    REST API         http://127.0.0.1:${HTTP_PORT[admin]}/v1/ (docs: /v1/openapi.json)
    app              $APP_URL/ (log in as the admin or a user)

  Softphones (baresip ~/.baresip/accounts lines; any SIP phone works):
    $(demo_val OV_DEMO_MARIO_SIP)
    $(demo_val OV_DEMO_LAURA_SIP)
  Dial 05 from Mario to call Laura; dial the fixed number to call the
  company (out of hours: the closed message).
EOT
	fi
	cat <<EOT

  Every address and credential is in $RUN/stack.env.
  Check the services:  $BIN/ovctl --env $RUN/stack.env ping all
  Stop:                Ctrl-C
EOT
}

cmd=${1:-run}
case $cmd in
run)
	if pid_of "$(instances router | head -n 1)" >/dev/null ||
		pid_of kamailio >/dev/null; then
		echo "stack: a stack already runs in $RUN (scripts/stack.sh down)" >&2
		exit 1
	fi
	# Whatever ends this (Ctrl-C, SIGTERM, a closed terminal, a failure),
	# the stack stops. Once stopping, further signals are ignored: GNU
	# make sends its recipe a second SIGTERM after the process group's,
	# a supervisor may repeat itself, and an 'exit' run from the trap
	# in the middle of down() would leave the rest running (their own
	# sessions, so nothing else stops them). Output may be gone (a
	# closed pipe): SIGPIPE is ignored too.
	trap 'trap - EXIT; trap "" PIPE INT TERM HUP; down; echo "stack: stopped" >&2' EXIT
	trap 'exit 0' INT TERM HUP
	up
	demo
	summary
	"$BIN/ovctl" --env "$RUN/stack.env" ping all || true
	# Wait until told to stop; wake up to notice a crashed process
	# (said once; `scripts/stack.sh start NAME` brings it back).
	declare -A told=()
	while true; do
		for p in "${PROCS[@]}"; do
			if pid_of "$p" >/dev/null; then
				told[$p]=""
			elif [ -z "${told[$p]:-}" ]; then
				echo "stack: $p is not running; see $LOG/$p.log" >&2
				told[$p]=1
			fi
		done
		sleep 5 &
		wait $! || true
	done
	;;
up) up ;;
down) down ;;
status) status ;;
demo) demo ;;
start)
	prepare
	for p in $(expand "${2:?start what}"); do start_one "$p"; done
	;;
stop)
	for p in $(expand "${2:?stop what}"); do stop_one "$p"; done
	;;
*)
	sed -n '2,17p' "$0" >&2
	exit 2
	;;
esac
