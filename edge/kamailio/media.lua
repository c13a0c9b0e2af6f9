-- Ovunque SIP edge: every call's media through rtpengine, shaped for
-- what is at each end of it (docs/edge.md, "Media per leg").
--
-- A desk phone, baresip, the carrier's trunk and the IVR speak plain
-- RTP (RTP/AVP, no ICE); a browser speaks WebRTC (ICE, DTLS-SRTP,
-- RTCP multiplexed on the RTP port, UDP/TLS/RTP/SAVPF). rtpengine
-- bridges the two: what it writes towards a leg is chosen by that leg
-- alone, whatever the other end is.
--
-- One call can ring a browser and a desk phone at once (simultaneous
-- ringing, or a person with both), so the offer is made per branch,
-- in the branch route, from the caller's own SDP (kept in an AVP when
-- the call starts); each branch is one rtpengine "via-branch" (its tm
-- branch index), and the callee's answer is matched to it the same
-- way. rtpengine reads and writes SDP through pseudo-variables
-- (kamailio.cfg: read_sdp_pv, write_sdp_pv), never the message body
-- itself, and this module puts the result in the body: the same SDP can
-- be offered again for a later branch.
--
--   start()        a new call: keep the caller's SDP and what it is
--   branch()       branch route: offer towards this branch's target
--   prompt()       an offer with no branch yet, for a voice message
--   answer()       a reply with SDP: answer towards who sent the request
--   in_dialog()    a re-INVITE or an ACK with SDP
--   caller_webrtc()
--   instance()     the rtpengine holding the call, for the IVR

local nat = require("nat")

local M = {}

local COMMON = "replace-origin replace-session-connection"

-- What rtpengine writes towards a leg, by kind of leg and by whether
-- it is an offer or an answer to that leg.
local PLAIN = "RTP/AVP ICE=remove rtcp-mux-demux DTLS=off SDES-off"
local OFFER = {
	rtp = PLAIN,
	webrtc = "UDP/TLS/RTP/SAVPF ICE=force rtcp-mux-offer generate-mid " ..
		"SDES-off",
}
-- The carrier's own flags for offers towards each kind of leg (a codec
-- policy), from OV_RTPENGINE_FLAGS_RTP and OV_RTPENGINE_FLAGS_WEBRTC:
-- "codec-transcode-PCMA" towards phones adds G.711, transcoded, for a
-- caller that lacks it (a browser set up for Opus only) and changes
-- nothing for one that has it.
for kind, var in pairs({ rtp = "OV_RTPENGINE_FLAGS_RTP",
	webrtc = "OV_RTPENGINE_FLAGS_WEBRTC" }) do
	local extra = os.getenv(var) or ""
	if extra:find("%S") then
		OFFER[kind] = OFFER[kind] .. " " .. extra
	end
end
local ANSWER = {
	rtp = PLAIN,
	webrtc = "UDP/TLS/RTP/SAVPF ICE=force rtcp-mux-require generate-mid " ..
		"SDES-off",
}

local function pv(name)
	return KSR.pv.get(name)
end

local function set(name, value)
	KSR.pv.sets("$avp(ov_" .. name .. ")", tostring(value))
end

local function get(name)
	return KSR.pv.get("$avp(ov_" .. name .. ")")
end

-- The kind of a SIP URI's end: a browser's binding is reached over its
-- WebSocket (";transport=ws" or "wss" in the received address, or an
-- alias of protocol 5 or 6 after add_contact_alias).
local function uri_kind(uri)
	uri = string.lower(uri or "")
	if uri:find(";transport=wss?[;>]") or uri:find(";transport=wss?$") or
		uri:find(";alias=[^;]*~[56]$") or uri:find(";alias=[^;]*~[56];") then
		return "webrtc"
	end
	return "rtp"
end

-- The kind of the leg the current request came from.
local function source_kind()
	local proto = pv("$proto") or ""
	if proto == "ws" or proto == "wss" then
		return "webrtc"
	end
	return "rtp"
end

-- The kind of the leg the current request goes to: its destination URI
-- when one is set, else its R-URI.
local function dest_kind()
	return uri_kind(pv("$du") or pv("$ru"))
end

-- rtpengine's flags for SDP written towards a leg of this kind. The
-- SDP being read, when a phone behind NAT sent it: its media address
-- is where the signalling came from (nat.lua). A browser's (it came
-- over a WebSocket) is found by ICE, never from the signalling.
local function flags(table_, kind, extra)
	local f = COMMON .. " " .. table_[kind]
	if source_kind() == "rtp" then
		f = nat.rtp_flags(f)
	end
	if extra then
		f = f .. " " .. extra
	end
	return f
end

-- Runs rtpengine on sdp and puts what it wrote into the current
-- message's body. Returns true when it did.
local function run(fn, sdp, f)
	KSR.pv.sets("$var(ov_sdp_in)", sdp)
	KSR.pv.unset("$var(ov_sdp_out)")
	if fn(f) < 1 then
		return false
	end
	local out = pv("$var(ov_sdp_out)")
	if not out or out == "" then
		return false
	end
	return KSR.textops.set_body(out, "application/sdp") > 0
end

-- A call with SDP starts: its SDP and its kind are kept for every
-- branch and for the answers. Returns false when it has no SDP (a late
-- offer: the ACK brings it, in_dialog).
function M.start()
	if KSR.textops.has_body_type("application/sdp") < 1 then
		return false
	end
	set("sdp", pv("$rb") or "")
	set("answer_to", source_kind())
	return true
end

-- Does a reply's SDP go through rtpengine? (A call or re-INVITE whose
-- offer did.)
function M.expects_answer()
	return get("answer_to") ~= nil
end

-- Is the caller of this call a browser?
function M.caller_webrtc()
	return get("answer_to") == "webrtc"
end

-- rtpengine's via-branch of a tm branch (kamailio.cfg: extra_id_pv).
local function via_branch(id)
	KSR.pv.sets("$avp(ov_rtpx)", id)
	return "via-branch=extra"
end

-- Branch route: the offer towards this branch's target, from the
-- caller's SDP. Returns false when rtpengine did not answer; the
-- branch then goes out with the caller's SDP as it is.
function M.branch()
	local sdp = get("sdp")
	if not sdp or sdp == "" then
		return true
	end
	local idx = pv("$T_branch_idx") or 0
	return run(KSR.rtpengine.rtpengine_offer, sdp,
		flags(OFFER, dest_kind(), via_branch("b" .. idx)))
end

-- A voice message before any branch: rtpengine must know the call so
-- that the IVR can play into the caller's side. The offer's SDP (for
-- a leg that never comes) is not used.
function M.prompt()
	local sdp = get("sdp")
	if not sdp or sdp == "" then
		return false
	end
	KSR.pv.sets("$var(ov_sdp_in)", sdp)
	return KSR.rtpengine.rtpengine_offer(flags(OFFER, "rtp",
		via_branch("prompt"))) > 0
end

-- A reply with SDP (to the call's INVITE or to a re-INVITE): rtpengine
-- answers towards the sender of the request, matched to the offer of
-- the reply's branch.
function M.answer()
	local kind = get("answer_to") or "rtp"
	local extra
	if KSR.pv.get("$avp(ov_rtpx)") then
		extra = via_branch("b" .. (pv("$T_branch_idx") or 0))
	end
	return run(KSR.rtpengine.rtpengine_answer, pv("$rb") or "",
		flags(ANSWER, kind, extra))
end

-- In a dialog: a re-INVITE with SDP is an offer towards where it goes
-- (its replies are answered towards its sender); an ACK with SDP
-- answers a late offer. Call after the destination is known.
function M.in_dialog()
	if KSR.textops.has_body_type("application/sdp") < 1 then
		return true
	end
	if KSR.is_INVITE() then
		set("answer_to", source_kind())
		return run(KSR.rtpengine.rtpengine_offer, pv("$rb") or "",
			flags(OFFER, dest_kind()))
	elseif KSR.is_ACK() then
		return run(KSR.rtpengine.rtpengine_answer, pv("$rb") or "",
			flags(ANSWER, dest_kind()))
	end
	return true
end

-- The rtpengine instance holding this call ("udp:host:port", from the
-- last command: kamailio.cfg's rtp_inst_pvar), for the IVR: with more
-- than one rtpengine, a message played on another would reach nobody.
function M.instance()
	return get("rtpe") or ""
end

M.uri_kind = uri_kind

return M
