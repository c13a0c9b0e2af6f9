#!/bin/sh
# The ov-rtpengine image's entry point: rtpengine configured from the
# environment, like every other image (rtpengine itself reads only its
# command line). Userspace forwarding (--table=-1): a container has no
# kernel module to load.
#
#   OV_RTP_INTERFACE          address RTP is sent from and offered in SDP,
#                             or NAME/LOCAL!ADVERTISED behind NAT
#   OV_RTPENGINE_NG_LISTEN    ADDR:PORT of the ng control socket (UDP)
#   OV_RTP_PORT_MIN, OV_RTP_PORT_MAX  the RTP port range
#   OV_RTPENGINE_LOG_LEVEL    0-7 (7 logs every ng command)
set -eu
exec /usr/bin/rtpengine --config-file=none --table=-1 \
	--interface="$OV_RTP_INTERFACE" --listen-ng="$OV_RTPENGINE_NG_LISTEN" \
	--port-min="$OV_RTP_PORT_MIN" --port-max="$OV_RTP_PORT_MAX" \
	--foreground --log-stderr --log-level="$OV_RTPENGINE_LOG_LEVEL" "$@"
