#!/usr/bin/env bash
# Runs Kamailio, the SIP edge, in the foreground (scripts/stack.sh starts
# it through this script). Logs go to stderr.
#
#   OV_SIP_PORT         UDP and TCP port to listen on (required)
#   OV_RUN_DIR          run directory; Kamailio's own is $OV_RUN_DIR/kamailio
#                       (pid file, RPC FIFO) (required)
#   OV_SIP_ADDR         address to listen on (default 127.0.0.1)
#   OV_SIP_ADVERTISE    IPv4 address written into Via and Record-Route
#                       instead of the listening one: the public address
#                       in front of it (a load balancer), each listener
#                       with its own port. Kamailio resolves a name once at start
#                       and refuses to start without an answer, so an
#                       address it is (default: none)
#   OV_SIP_WS_PORT      TCP port for SIP over WebSocket, ws (default: none)
#   OV_SIP_WSS_PORT     TCP port for SIP over secure WebSocket, wss; needs
#                       OV_TLS_CERT and OV_TLS_KEY (default: none)
#   OV_TLS_CERT, OV_TLS_KEY  PEM certificate (chain) and private key for wss
#   OV_HTTP_PORT        TCP port of the edge's HTTP: /metrics (Prometheus),
#                       /healthz, /readyz (default: none)
#   OV_HTTP_ADDR        its address (default OV_SIP_ADDR)
#   OV_ROUTER_URL       router bus URLs, comma-separated (required)
#   OV_REGISTRAR_URL    registrar bus URLs, comma-separated (required)
#   OV_RTPENGINE        rtpengine's ng sockets, udp:HOST:PORT, separated
#                       by spaces (required): a call stays on the one its
#                       Call-ID hashes to (docs/edge.md, "Media per leg")
#   OV_RTPENGINE_FLAGS_RTP, OV_RTPENGINE_FLAGS_WEBRTC  rtpengine flags added
#                       to offers towards phones (and the trunk) and towards
#                       browsers, e.g. a codec policy (docs/edge.md)
#   OV_ADMIN_URL        admin bus URLs, comma-separated: it keeps the call
#                       history (default: none; no history is kept)
#   OV_IVR_URL          IVR bus URLs, comma-separated: it plays the voice
#                       messages (default: none; messages are skipped).
#                       "{rtpengine}" in them stands for the host of the
#                       call's rtpengine: each play goes to the IVR
#                       beside it (tcp://{rtpengine}:7103, docs/deploy.md)
#   OV_TRUNK_SOURCES    the carrier's addresses, "ip", "ip/len" or "ip:port",
#                       comma-separated: INVITEs from them are calls to
#                       fixed numbers; from anywhere else, devices that
#                       must authenticate (default: none)
#   OV_TRUNK_URI        where calls to outside numbers go, sip:HOST[:PORT]
#                       (default: none; such calls get 503)
#   OV_BUS_DEADLINE_MS  how long a worker waits for a plan (default 200)
#   OV_IVR_DEADLINE_MS  how long it waits for the IVR to start a prompt
#                       (default 1000)
#   OV_PIKE_DENSITY     requests per source per 2 s before pike blocks it
#                       (default 300; at most 65535: pike keeps it in 16
#                       bits and would wrap a larger value)
#   OV_NAT_PING_S       seconds between OPTIONS keepalives to phones behind
#                       NAT (default 20; 0: none)
#   OV_NAT_PING_TIMEOUT_S  seconds such a phone may leave them unanswered
#                       before its binding is dropped (default 60; at
#                       least twice OV_NAT_PING_S)
#   OV_LUA_CPATH        Lua cpath of ovbus.so (default build/lib/?.so)
#   OV_KAMAILIO         the kamailio binary (default: kamailio on PATH)
#   OV_KAMAILIO_LOG_FORMAT  text (default) or json: one JSON object a line
#                       (Kamailio's core json log engine)
#
# A bad or missing value exits 2 naming the variable.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() {
	echo "kamailio.sh: $*" >&2
	exit 2
}

# check_int NAME VALUE MIN MAX: VALUE is a decimal integer in [MIN, MAX].
check_int() {
	[[ $2 =~ ^[0-9]{1,9}$ ]] && [ $((10#$2)) -ge "$3" ] &&
		[ $((10#$2)) -le "$4" ] ||
		die "$1=\"$2\" is not an integer from $3 to $4"
}

ADDR=${OV_SIP_ADDR:-127.0.0.1}
PORT=${OV_SIP_PORT:-}
RUN=${OV_RUN_DIR:-}
[ -n "$PORT" ] || die "OV_SIP_PORT is required"
[ -n "$RUN" ] || die "OV_RUN_DIR is required"
[ -n "${OV_ROUTER_URL:-}" ] || die "OV_ROUTER_URL is required"
[ -n "${OV_REGISTRAR_URL:-}" ] || die "OV_REGISTRAR_URL is required"
[ -n "${OV_RTPENGINE:-}" ] || die "OV_RTPENGINE is required"
[[ $OV_RTPENGINE =~ ^udp6?:[0-9A-Za-z.:-]+:[0-9]{1,5}( udp6?:[0-9A-Za-z.:-]+:[0-9]{1,5})*$ ]] ||
	die "OV_RTPENGINE=\"$OV_RTPENGINE\" is not udp:HOST:PORT, separated by spaces"
# The carrier's addresses become the permissions module's address file
# (group 1: "1 ADDR MASK PORT", port 0 for any), written below.
TRUNK_LINES=()
IFS=, read -r -a trunk <<<"${OV_TRUNK_SOURCES:-}"
for t in "${trunk[@]}"; do
	t=${t//[[:space:]]/}
	[ -n "$t" ] || continue
	if [[ $t =~ ^([0-9]{1,3}(\.[0-9]{1,3}){3})(/([0-9]{1,2}))?(:([0-9]{1,5}))?$ ]]; then
		a=${BASH_REMATCH[1]} m=${BASH_REMATCH[4]:-32} p=${BASH_REMATCH[6]:-0} max=32
	elif [[ $t =~ ^\[([0-9A-Fa-f:]+)\](:([0-9]{1,5}))?$ ]]; then
		a=${BASH_REMATCH[1]} m=128 p=${BASH_REMATCH[3]:-0} max=128
	elif [[ $t =~ ^([0-9A-Fa-f:]*:[0-9A-Fa-f:]*)(/([0-9]{1,3}))?$ ]]; then
		a=${BASH_REMATCH[1]} m=${BASH_REMATCH[3]:-128} p=0 max=128
	else
		die "OV_TRUNK_SOURCES: \"$t\" is not IP, IP/LEN, IPv4:PORT or [IPv6]:PORT"
	fi
	[ "$m" -le "$max" ] && [ "$p" -le 65535 ] ||
		die "OV_TRUNK_SOURCES: \"$t\" has a prefix length or port out of range"
	TRUNK_LINES+=("1 $a $m $p")
done
export OV_TRUNK_URI=${OV_TRUNK_URI:-}
[[ -z $OV_TRUNK_URI || $OV_TRUNK_URI =~ ^sips?:[0-9A-Za-z.:-]+$ ]] ||
	die "OV_TRUNK_URI=\"$OV_TRUNK_URI\" is not sip:HOST[:PORT]"
check_int OV_SIP_PORT "$PORT" 1 65535
# SIP over WebSocket (docs/edge.md): listeners and cfg defines. ov.lua
# reads the two ports to upgrade HTTP only on them.
export OV_SIP_WS_PORT=${OV_SIP_WS_PORT:-} OV_SIP_WSS_PORT=${OV_SIP_WSS_PORT:-}
WS_ARGS=()
if [ -n "$OV_SIP_WS_PORT" ]; then
	check_int OV_SIP_WS_PORT "$OV_SIP_WS_PORT" 1 65535
	WS_ARGS+=(-A OV_WS)
fi
if [ -n "$OV_SIP_WSS_PORT" ]; then
	check_int OV_SIP_WSS_PORT "$OV_SIP_WSS_PORT" 1 65535
	for v in OV_TLS_CERT OV_TLS_KEY; do
		[ -r "${!v:-}" ] || die "$v=\"${!v:-}\" is not a readable file (OV_SIP_WSS_PORT needs it)"
		[[ ${!v} != *'"'* ]] || die "$v must not contain a double quote"
	done
	[ -n "$OV_SIP_WS_PORT" ] || WS_ARGS+=(-A OV_WS)
	WS_ARGS+=(-A "OV_TLS_CERT=\"$OV_TLS_CERT\"" -A "OV_TLS_KEY=\"$OV_TLS_KEY\"")
fi
# The edge's HTTP port, like every service's (OV_HTTP_ADDR, OV_HTTP_PORT):
# /metrics, /healthz, /readyz; SIP is refused there.
export OV_HTTP_PORT=${OV_HTTP_PORT:-}
HTTP_ADDR=${OV_HTTP_ADDR:-$ADDR}
if [ -n "$OV_HTTP_PORT" ]; then
	check_int OV_HTTP_PORT "$OV_HTTP_PORT" 1 65535
	[[ $HTTP_ADDR =~ ^[0-9A-Za-z.:-]+$ ]] || die "OV_HTTP_ADDR=\"$HTTP_ADDR\" is not an address"
	[[ $HTTP_ADDR == *:* ]] && HTTP_ADDR="[$HTTP_ADDR]"
	WS_ARGS+=(-A OV_HTTP)
fi
export OV_BUS_DEADLINE_MS=${OV_BUS_DEADLINE_MS:-200}
check_int OV_BUS_DEADLINE_MS "$OV_BUS_DEADLINE_MS" 1 60000
export OV_IVR_DEADLINE_MS=${OV_IVR_DEADLINE_MS:-1000}
check_int OV_IVR_DEADLINE_MS "$OV_IVR_DEADLINE_MS" 1 60000
export OV_PIKE_DENSITY=${OV_PIKE_DENSITY:-300}
check_int OV_PIKE_DENSITY "$OV_PIKE_DENSITY" 1 65535
OV_NAT_PING_S=${OV_NAT_PING_S:-20}
check_int OV_NAT_PING_S "$OV_NAT_PING_S" 0 3600
OV_NAT_PING_TIMEOUT_S=${OV_NAT_PING_TIMEOUT_S:-60}
check_int OV_NAT_PING_TIMEOUT_S "$OV_NAT_PING_TIMEOUT_S" \
	$((2 * 10#$OV_NAT_PING_S)) 86400
NAT_DEFS=(-A "OV_NAT_PING_S=$((10#$OV_NAT_PING_S))"
	-A "OV_NAT_PING_TIMEOUT_S=$((10#$OV_NAT_PING_TIMEOUT_S))")
if [ $((10#$OV_NAT_PING_S)) -eq 0 ]; then
	# No keepalives; usrloc's timer still expires what it holds.
	NAT_DEFS=(-A OV_NAT_NO_PING -A OV_NAT_PING_S=60)
fi
# Comma-separated tcp://, ipc:// or inproc:// URLs, none empty.
url='(tcp|ipc|inproc)://[^,]+'
[[ $OV_ROUTER_URL =~ ^$url(,$url)*$ ]] ||
	die "OV_ROUTER_URL=\"$OV_ROUTER_URL\" is not tcp://, ipc:// or inproc:// URLs separated by commas"
[[ $OV_REGISTRAR_URL =~ ^$url(,$url)*$ ]] ||
	die "OV_REGISTRAR_URL=\"$OV_REGISTRAR_URL\" is not tcp://, ipc:// or inproc:// URLs separated by commas"
[[ -z ${OV_IVR_URL:-} || $OV_IVR_URL =~ ^$url(,$url)*$ ]] ||
	die "OV_IVR_URL=\"$OV_IVR_URL\" is not tcp://, ipc:// or inproc:// URLs separated by commas"
[[ -z ${OV_ADMIN_URL:-} || $OV_ADMIN_URL =~ ^$url(,$url)*$ ]] ||
	die "OV_ADMIN_URL=\"$OV_ADMIN_URL\" is not tcp://, ipc:// or inproc:// URLs separated by commas"
export OV_ROUTER_URL OV_REGISTRAR_URL OV_IVR_URL=${OV_IVR_URL:-}
export OV_ADMIN_URL=${OV_ADMIN_URL:-}
export OV_LUA_CPATH=${OV_LUA_CPATH:-$ROOT/build/lib/?.so}
[[ $ADDR =~ ^[0-9A-Za-z.:-]+$ ]] || die "OV_SIP_ADDR=\"$ADDR\" is not an address"
ADV=${OV_SIP_ADVERTISE:-}
[[ -z $ADV || $ADV =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] ||
	die "OV_SIP_ADVERTISE=\"$ADV\" is not an IPv4 address"
LOG_ARGS=()
case ${OV_KAMAILIO_LOG_FORMAT:-text} in
text) ;;
json) LOG_ARGS=(--log-engine=json) ;;
*) die "OV_KAMAILIO_LOG_FORMAT=\"$OV_KAMAILIO_LOG_FORMAT\" is not text or json" ;;
esac
# An IPv6 address goes in brackets in a listen spec.
[[ $ADDR == *:* ]] && ADDR="[$ADDR]"

CFG=$ROOT/edge/kamailio/kamailio.cfg
LUA=$ROOT/edge/kamailio/ov.lua
# The script's path goes into a quoted cfg define.
[[ $LUA != *'"'* ]] || die "the repository path must not contain a double quote"
if [ "$OV_LUA_CPATH" = "$ROOT/build/lib/?.so" ] &&
	[ ! -f "$ROOT/build/lib/ovbus.so" ]; then
	die "$ROOT/build/lib/ovbus.so is missing: run make build/lib/ovbus.so"
fi

DIR=$RUN/kamailio
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
PIDFILE=$DIR/kamailio.pid
if [ -f "$PIDFILE" ]; then
	old=$(cat "$PIDFILE" 2>/dev/null || true)
	if [[ $old =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$old/comm" 2>/dev/null)" = kamailio ]; then
		die "Kamailio is already running here (pid $old, $PIDFILE)"
	fi
	rm -f "$PIDFILE"
fi

# With OV_SIP_ADVERTISE every listener advertises it with its own port:
# Kamailio carries one -l's advertised address over to the -l options
# after it that name none.
LISTEN=(-l "udp:$ADDR:$PORT${ADV:+/$ADV:$PORT}" -l "tcp:$ADDR:$PORT${ADV:+/$ADV:$PORT}")
[ -z "$OV_SIP_WS_PORT" ] ||
	LISTEN+=(-l "tcp:$ADDR:$OV_SIP_WS_PORT${ADV:+/$ADV:$OV_SIP_WS_PORT}")
[ -z "$OV_SIP_WSS_PORT" ] ||
	LISTEN+=(-l "tls:$ADDR:$OV_SIP_WSS_PORT${ADV:+/$ADV:$OV_SIP_WSS_PORT}")
[ -z "$OV_HTTP_PORT" ] ||
	LISTEN+=(-l "tcp:$HTTP_ADDR:$OV_HTTP_PORT${ADV:+/$ADV:$OV_HTTP_PORT}")

# Written anew at every start: what OV_TRUNK_SOURCES says now.
TRUNK_FILE=$DIR/trunk.address
{
	echo "# group address mask port (written by kamailio.sh from OV_TRUNK_SOURCES)"
	[ ${#TRUNK_LINES[@]} -eq 0 ] || printf '%s\n' "${TRUNK_LINES[@]}"
} >"$TRUNK_FILE"

ulimit -c 0
cd "$DIR"
exec "${OV_KAMAILIO:-kamailio}" -DD -E "${LOG_ARGS[@]}" -f "$CFG" \
	-P "$PIDFILE" -Y "$DIR" -w "$DIR" -m "${OV_KAMAILIO_SHM_MB:-128}" -M 8 \
	"${LISTEN[@]}" "${WS_ARGS[@]}" \
	-A "OV_LUA_SCRIPT=\"$LUA\"" \
	-A "OV_PIKE_DENSITY=$OV_PIKE_DENSITY" -A OV_NO_CORE \
	"${NAT_DEFS[@]}" \
	-A "OV_RTPENGINE=\"$OV_RTPENGINE\"" \
	-A "OV_TRUNK_FILE=\"$TRUNK_FILE\""
