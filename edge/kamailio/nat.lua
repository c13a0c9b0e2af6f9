-- Ovunque SIP edge: phones behind NAT (nathelper, usrloc keepalives).
--
-- A phone behind a home router, an office firewall or a mobile
-- carrier's NAT writes its private address in Contact, Via and SDP;
-- only the address its packets come from reaches it. What this module
-- does about it, step by step, is in docs/edge.md ("Phones behind NAT"):
--
--   detect()      is the message from behind NAT? (nat_uac_test)
--   fix_contact() Contact of a dialog-forming or target-refreshing
--                 request or reply gets ";alias=ip~port~proto" of where
--                 it came from (add_contact_alias), so requests that
--                 follow the Contact come back to that address;
--   route_alias() an in-dialog request whose R-URI carries an alias is
--                 sent there (handle_ruri_alias), on the phone's own
--                 connection for TCP (no new connection towards NAT);
--   rtp_flags()   rtpengine takes the media address from where the
--                 signalling came from when the SDP's is unusable;
--   keepalive()   a NATed REGISTER is also kept in this edge's usrloc
--                 (memory only), which pings it with OPTIONS; one that
--                 stops answering, or whose TCP connection closed,
--                 expires there and ksr_registrar_event tells the
--                 registrar (binding.drop), so the router skips it.

local M = {}

-- nat_uac_test flags (nathelper README): 1 Contact is RFC 1918/6598,
-- 2 Via address is not the source address, 16 Via port is not the
-- source port, 64 over WebSocket, 128 Contact port is not the source
-- port (replies only: a request from a phone on TCP always has an
-- ephemeral source port), 8 SDP address is RFC 1918/6598.
local NAT_REQUEST = 1 + 2 + 16 + 64
local NAT_REPLY = 1 + 64 + 128
local NAT_SDP = 8

-- Branch flag of a NATed contact: usrloc's nat_bflag (kamailio.cfg),
-- saved with the contact so that ka_mode 2 pings it.
local FLB_NAT = 6

-- Is the current request or reply from behind NAT?
function M.detect()
	-- $rs (the status code) is null in a request.
	local flags = KSR.pv.get("$rs") and NAT_REPLY or NAT_REQUEST
	return KSR.nathelper.nat_uac_test(flags) > 0
end

-- Is the SDP's connection address a private one?
function M.sdp_private()
	return KSR.textops.has_body_type("application/sdp") > 0 and
		KSR.nathelper.nat_uac_test(NAT_SDP) > 0
end

-- Adds the source address as ";alias=" to the Contact of the current
-- message when it differs from it (nothing for a phone on a public
-- address, or a trunk). Returns false when the Contact is unusable.
function M.fix_contact()
	if KSR.hdr.is_present("Contact") < 0 then
		return true
	end
	return KSR.nathelper.add_contact_alias() > 0
end

-- In-dialog: after loose_route, a R-URI with ";alias=" (a Contact we
-- aliased) is sent to that address instead of the private one. Over a
-- connection (TCP, TLS, WS) only the phone's own connection can reach
-- it: never open a new one. Returns false when the alias is malformed.
function M.route_alias()
	if KSR.pv.get("$du") then
		return true
	end
	local rc = KSR.nathelper.handle_ruri_alias()
	if rc == 1 then
		KSR.set_forward_no_connect()
	end
	return rc > 0
end

-- rtpengine flags for the current SDP: the media address is taken from
-- the signalling source (SIP-source-address) when the message came
-- from behind NAT or its SDP names a private address. rtpengine also
-- learns the address the phone's RTP really comes from (symmetric RTP,
-- its default), which covers a NAT that maps the media port anew.
function M.rtp_flags(base)
	if M.detect() or M.sdp_private() then
		return base .. " SIP-source-address"
	end
	return base
end

-- A REGISTER the registrar accepted: when it came from behind NAT,
-- keep it in this edge's usrloc too (memory only; "location", no
-- reply: the 200 is ours), marked NATed, with where it came from as
-- received. usrloc pings it every OV_NAT_PING_S seconds over the
-- socket (or connection) it came in on. A de-registration (Expires 0)
-- removes it the same way.
function M.keepalive()
	if not M.detect() then
		return
	end
	KSR.setbflag(FLB_NAT)
	KSR.nathelper.fix_nated_register()
	-- 0x01 memory only, 0x02 no reply.
	if KSR.registrar.save("location", 3) < 0 then
		KSR.warn('{"event":"edge.keepalive_save_failed"}\n')
	end
end

return M
