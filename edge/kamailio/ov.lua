-- Ovunque SIP edge: request routing for Kamailio (KEMI, app_lua).
--
-- Kamailio runs this file in its main process before it forks, and
-- again in every child. The top level only reads the environment and
-- stores it in the ovbus module: ovbus opens its bus socket lazily, per
-- process, on the first call. docs/edge.md describes the whole path.
--
-- Environment:
--   OV_ROUTER_URL       bus URLs of the router, comma-separated (required)
--   OV_BUS_DEADLINE_MS  how long a worker waits for a plan (default 200)
--   OV_IVR_DEADLINE_MS  how long it waits for the IVR to start a prompt
--                       (default 1000)
--   OV_LUA_CPATH        where ovbus.so is, as a Lua cpath ("/x/?.so")
--
-- Never call Lua's os.exit here: it would end the Kamailio process.

local cpath = os.getenv("OV_LUA_CPATH")
if cpath and cpath ~= "" then
	package.cpath = cpath .. ";" .. package.cpath
end

local ovbus = require("ovbus")
-- JSON for log lines and JSON-RPC commands (Debian's lua-cjson).
local cjson = require("cjson")

-- Our Lua modules sit beside this script.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local nat = require("nat")
local history = require("history")
local media = require("media")

local function env_int(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then
		return default
	end
	local n = tonumber(v)
	if not n or n ~= math.floor(n) then
		error(name .. "=\"" .. v .. "\" is not an integer")
	end
	return n
end

local router_url = os.getenv("OV_ROUTER_URL")
if not router_url or router_url == "" then
	error("OV_ROUTER_URL is not set: the edge needs the router's bus URL")
end
local registrar_url = os.getenv("OV_REGISTRAR_URL")
if not registrar_url or registrar_url == "" then
	error("OV_REGISTRAR_URL is not set: the edge needs the registrar's bus URL")
end
-- The IVR plays the voice messages; without it they are skipped.
local IVR_URL = os.getenv("OV_IVR_URL") or ""
-- Admin keeps the call history; without it none is kept.
local ADMIN_URL = os.getenv("OV_ADMIN_URL") or ""
-- Stores the values only; raises on a malformed URL or deadline.
ovbus.configure {
	router = router_url,
	registrar = registrar_url,
	ivr = IVR_URL ~= "" and IVR_URL or nil,
	admin = ADMIN_URL ~= "" and ADMIN_URL or nil,
	deadline_ms = env_int("OV_BUS_DEADLINE_MS", 200),
	-- The IVR asks rtpengine in turn, with retries: a longer wait (the
	-- caller, after the 183, hears silence meanwhile).
	play_deadline_ms = env_int("OV_IVR_DEADLINE_MS", 1000),
}

-- The carrier's trunk: where its INVITEs come from is group 1 of the
-- permissions module's address file (kamailio.cfg); where calls to
-- outside numbers go is OV_TRUNK_URI.
local TRUNK_GROUP = 1
local TRUNK_URI = os.getenv("OV_TRUNK_URI") or ""
if TRUNK_URI ~= "" and not TRUNK_URI:match("^sips?:[%w%.%-:%[%]]+$") then
	error("OV_TRUNK_URI=\"" .. TRUNK_URI .. "\" is not sip:host[:port]")
end
local TRUNK_HOST = TRUNK_URI:gsub("^sips?:", "")

-- Benchmarks only (bench/sip): the baseline this edge is measured
-- against, the same Kamailio without the bus. With OV_BENCH_STATIC_URI
-- every INVITE runs a fixed plan ringing that URI, through the same
-- steps as a planned call (dialog, display, rtpengine); with
-- OV_BENCH_STATIC_HA1 a REGISTER is checked against that one HA1 and
-- answered 200 without storing anything.
local BENCH_URI = os.getenv("OV_BENCH_STATIC_URI") or ""
local BENCH_HA1 = os.getenv("OV_BENCH_STATIC_HA1") or ""

-- The display name an external caller has on the staff's phones.
local EXTERNAL_DISPLAY = "telefono virtuale"

-- SIP over WebSocket (kamailio.sh): the ports whose HTTP requests may
-- become a WebSocket; an HTTP request on any other TCP/TLS listener
-- (the SIP port) is refused.
local WS_PORTS = {}
for _, v in ipairs({ "OV_SIP_WS_PORT", "OV_SIP_WSS_PORT" }) do
	local port = os.getenv(v) or ""
	if port ~= "" then
		WS_PORTS[port] = true
	end
end

-- The edge's HTTP port (kamailio.sh, OV_HTTP_PORT): metrics and health,
-- never SIP.
local HTTP_PORT = os.getenv("OV_HTTP_PORT") or ""

-- Counters on /metrics (kamailio.cfg declares them): a no-op without
-- the HTTP port, where xhttp_prom is not loaded.
local function count(name, label)
	if HTTP_PORT ~= "" then
		KSR.xhttp_prom.counter_inc_l1(name, 1, label)
	end
end

-- Seconds a caller is told to wait when no plan can be had.
local RETRY_AFTER = 5
-- Methods we answer outside a dialog (the Allow header of a 405).
local ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER"
-- Methods we know but do not serve: 405. Anything else: 501.
local KNOWN = {
	INFO = true, MESSAGE = true, NOTIFY = true, PRACK = true,
	PUBLISH = true, REFER = true, SUBSCRIBE = true, UPDATE = true,
}

---------------------------------------------------------------------
-- helpers

-- A JSON string literal (lua-cjson escapes quotes, backslashes and
-- control characters), for log lines that tools can parse.
local function js(s)
	return cjson.encode(tostring(s == nil and "" or s))
end

-- One log line: Kamailio's prefix, then a JSON object with an event
-- name and fields (ordered pairs: key, value, key, value, ...).
local function log(level, event, ...)
	local parts = { '{"event":' .. js(event) }
	local n = select("#", ...)
	for i = 1, n - 1, 2 do
		local k, v = select(i, ...)
		if type(v) == "number" then
			v = string.format("%d", v)
		else
			v = js(v)
		end
		parts[#parts + 1] = js(k) .. ":" .. v
	end
	local line = table.concat(parts, ",") .. "}\n"
	if level == "err" then
		KSR.err(line)
	elseif level == "warn" then
		KSR.warn(line)
	else
		KSR.info(line)
	end
end

-- A display name as a SIP quoted-string (RFC 3261 25.1).
local function quoted(s)
	if not s or s == "" then
		return ""
	end
	return '"' .. s:gsub('[\\"]', "\\%0") .. '"'
end

local function pv(name)
	return KSR.pv.get(name)
end

-- A reply for the current request: through the transaction when one
-- was created (t_newtran), stateless otherwise; in failure_route always
-- through the transaction. Extra header lines are added to this reply
-- only.
local function reply(code, reason, ...)
	for _, h in ipairs({ ... }) do
		KSR.hdr.append_to_reply(h .. "\r\n")
	end
	if KSR.tmx.t_is_failure_route() > 0 then
		KSR.tm.t_reply(code, reason)
	else
		KSR.sl.send_reply(code, reason)
	end
end

-- The per-transaction state of a call being connected, kept in AVPs so
-- that failure_route (another process) can go on with the plan.
local function state_set(name, value)
	KSR.pv.sets("$avp(ov_" .. name .. ")", tostring(value))
end

local function state_get(name)
	return KSR.pv.get("$avp(ov_" .. name .. ")")
end

-- The call's media session at rtpengine, when one was offered.
local function media_end()
	if state_get("rtp") == "1" then
		KSR.rtpengine.rtpengine_delete0()
		state_set("rtp", 0)
	end
end

---------------------------------------------------------------------
-- executing a plan
--
-- A plan (proto/router.proto) is a list of steps, then a tail chosen by
-- how the ringing ended: on_busy when every branch that answered said
-- busy, else on_no_answer. RING and EXTERNAL start branches and return;
-- failure_route (ksr_ov_failure) picks up at the next step. REJECT
-- ends the call. ANNOUNCE needs the IVR and is skipped for now.

local STEPS = {}

function STEPS.reject(step)
	local code = tonumber(step.code) or 0
	if code < 300 or code > 699 then
		log("err", "edge.plan_bad_step", "kind", "reject", "code", code)
		reply(500, "Server Internal Error")
		return "done"
	end
	local reason = step.reason
	if not reason or reason == "" then
		reason = "Rejected"
	end
	media_end()
	history.final(code)
	reply(code, reason)
	return "done"
end

-- rtpengine's address and port facing the caller (its from-tag), from
-- a query of the call.
local function caller_media()
	if KSR.rtpengine.rtpengine_query_v("j", "$var(rtpq)") < 0 then
		return nil
	end
	local q = ovbus.json(pv("$var(rtpq)") or "")
	local tag = q and q.tags and q.tags[pv("$ft")]
	local m = tag and tag.medias and tag.medias[1]
	local st = m and m.streams and m.streams[1]
	if not st or not st["local port"] then
		return nil
	end
	return st["local address"] or "127.0.0.1", st["local port"]
end

-- The caller's codec for the prompt: the first of PCMA/PCMU it offered.
local function caller_codec()
	local body = pv("$rb") or ""
	local pts = body:match("m=audio %d+ [%w/]+ ([%d ]+)") or ""
	for pt in pts:gmatch("%d+") do
		if pt == "8" then return 8, "PCMA" end
		if pt == "0" then return 0, "PCMU" end
	end
	return 8, "PCMA"
end

-- The 183's SDP for a phone: rtpengine's port facing the caller, the
-- caller's codec.
local function prompt_sdp_plain()
	local addr, port = caller_media()
	if not addr then
		return nil
	end
	local pt, name = caller_codec()
	local now = tostring(os.time())
	return table.concat({
		"v=0", "o=ovunque " .. now .. " " .. now .. " IN IP4 " .. addr,
		"s=-", "c=IN IP4 " .. addr, "t=0 0",
		string.format("m=audio %d RTP/AVP %d", port, pt),
		string.format("a=rtpmap:%d %s/8000", pt, name), "a=sendrecv", "",
	}, "\r\n")
end

-- The 183's SDP for a browser: only rtpengine can write it (ICE
-- credentials, its DTLS fingerprint), and it does so for an answer:
-- the IVR answers the call's prompt leg (prompt.answer).
local function prompt_sdp_webrtc()
	local r, err, msg = ovbus.answer {
		call_id = pv("$ci"),
		from_tag = pv("$ft"),
		rtpengine = media.instance(),
	}
	if not r then
		log("warn", "edge.prompt_answer_failed", "call_id", pv("$ci"),
			"error", err, "detail", msg)
		return nil
	end
	return r.sdp
end

-- 183 Session Progress with rtpengine's SDP, once per call, so the
-- caller hears the prompt as early media and is never charged for it.
-- Sent through tm's RPC: a reply body set on the request would stay on
-- it and go out with the final 480 too. Returns "sent" the first time,
-- "again" after, nil when it could not be sent.
local function early_media()
	if state_get("early") == "1" then
		return "again"
	end
	local sdp
	if media.caller_webrtc() then
		sdp = prompt_sdp_webrtc()
	else
		sdp = prompt_sdp_plain()
	end
	if not sdp then
		return nil
	end
	local hdrs = "Contact: <sip:" .. pv("$Ri") .. ":" .. pv("$Rp") ..
		">\r\nContent-Type: application/sdp\r\n"
	local tid = pv("$T(id_index)") .. ":" .. pv("$T(id_label)")
	local cmd = cjson.encode({
		jsonrpc = "2.0", method = "tm.reply", id = 1,
		params = { 183, "Session Progress", tid, pv("$ltt(t)"), hdrs, sdp },
	})
	if KSR.jsonrpcs.execx(cmd) < 0 then
		log("warn", "edge.early_media_failed", "call_id", pv("$ci"))
		return nil
	end
	state_set("early", 1)
	return "sent"
end

-- A browser sets up ICE and DTLS after it gets the 183: rtpengine can
-- only send it SRTP once the handshake is done, so the message waits
-- this long after a browser's first 183 (a few round trips; on
-- loopback it takes about 50 ms).
local WEBRTC_SETUP_MS = 400

-- The message itself: the IVR plays it into the call, and the call
-- waits for its length (async, no worker held), then goes on with the
-- plan in ksr_ov_resume.
local function announce_play(step, plan)
	local r, err, msg = ovbus.play {
		tenant_id = plan.tenant_id,
		version = plan.version,
		message = step.message,
		call_id = pv("$ci"),
		from_tag = pv("$ft"),
		rtpengine = media.instance(),
	}
	if not r then
		log("warn", "edge.announce_failed", "message", step.message,
			"tenant", plan.tenant_id, "error", err, "detail", msg)
		return "next"
	end
	local ms = tonumber(r.duration_ms) or 0
	log("info", "edge.announce", "call_id", pv("$ci"), "message",
		step.message, "ms", ms)
	if ms <= 0 or KSR.async.ms_route("ksr_ov_resume", ms) < 0 then
		return "next"
	end
	return "suspended"
end

-- A voice message as early media: 183, then the message (for a
-- browser, after WEBRTC_SETUP_MS: ksr_ov_announce). Without media, an
-- IVR or rtpengine the message is skipped: the plan still ends with
-- its right code.
function STEPS.announce(step, plan)
	if IVR_URL == "" or state_get("rtp") ~= "1" then
		log("info", "edge.announce_skipped", "message", step.message,
			"tenant", plan.tenant_id, "why", "no media or no IVR")
		return "next"
	end
	if state_get("offered") ~= "1" then
		-- No branch yet: rtpengine learns the call from an offer
		-- of its own, so that the IVR can play to the caller.
		if not media.prompt() then
			log("warn", "edge.announce_skipped", "message",
				step.message, "tenant", plan.tenant_id,
				"why", "rtpengine refused the offer")
			return "next"
		end
		state_set("offered", 1)
	end
	local sent = early_media()
	if not sent then
		log("warn", "edge.announce_skipped", "message", step.message,
			"tenant", plan.tenant_id, "why", "no rtpengine session")
		return "next"
	end
	if sent == "sent" and media.caller_webrtc() and
		KSR.async.ms_route("ksr_ov_announce", WEBRTC_SETUP_MS) >= 0 then
		return "suspended"
	end
	return announce_play(step, plan)
end

-- Relays the branches set up by a step; arms the failure route.
local function relay()
	KSR.tm.t_on_failure("ksr_ov_failure")
	KSR.tm.t_on_reply("ksr_ov_reply")
	KSR.tm.t_on_branch("ksr_ov_branch")
	if KSR.tm.t_relay() < 0 then
		-- tm has answered the transaction already (kill_transaction):
		-- a reply of ours would be a second final answer.
		log("err", "edge.relay_failed", "call_id", pv("$ci"),
			"ru", pv("$ru"))
		media_end()
		return "done"
	end
	return "relayed"
end

-- The request's target: t's contact, sent to where it registered from.
local function target_set(t)
	KSR.pv.sets("$ru", t.uri)
	if t.dst and t.dst ~= "" then
		KSR.pv.sets("$du", t.dst)
	else
		KSR.pv.unset("$du")
	end
end

function STEPS.ring(step)
	local targets = step.targets or {}
	if #targets == 0 then
		return "next"
	end
	-- tm relays the R-URI first, then the appended branches: the first
	-- target stays in the R-URI, so branches go out in the plan's
	-- order (the history tells who answered by branch index).
	local owners = {}
	for i = 2, #targets do
		target_set(targets[i])
		KSR.corex.append_branch()
	end
	target_set(targets[1])
	for i, t in ipairs(targets) do
		owners[i] = t.owner or ""
	end
	history.branches(owners)
	local ms = (tonumber(step.timeout_s) or 20) * 1000
	KSR.tm.t_set_fr(ms, ms)
	log("info", "edge.ring", "call_id", pv("$ci"), "member", step.member,
		"branches", #targets, "timeout_s", ms / 1000)
	return relay()
end

function STEPS.external(step, plan)
	if TRUNK_HOST == "" then
		log("err", "edge.no_trunk", "call_id", pv("$ci"))
		media_end()
		reply(503, "Service Unavailable")
		return "done"
	end
	KSR.pv.sets("$ru", "sip:" .. step.number .. "@" .. TRUNK_HOST)
	KSR.pv.unset("$du")
	if step.diversion and step.diversion ~= "" then
		-- RFC 5806: who forwarded (the fixed number) and why; the
		-- diversion module writes the header.
		KSR.diversion.add_diversion_uri(step.diversion,
			"sip:" .. plan.caller_id .. "@" .. TRUNK_HOST)
	end
	KSR.tm.t_set_fr(120000, 30000)
	history.branches({ "" })
	log("info", "edge.external", "call_id", pv("$ci"), "number",
		step.number, "diversion", step.diversion)
	return relay()
end

-- Runs plan[phase] from step index `from`. At the end of the main steps
-- (the ringing found nobody) the tail runs.
local function execute(plan, phase, from)
	local list = plan[phase] or {}
	for i = from, #list do
		local step = list[i]
		local run = STEPS[step.kind]
		if not run then
			-- The router knows a step this edge does not: a
			-- version skew, not the caller's fault.
			log("err", "edge.plan_unknown_step", "request_id",
				plan.request_id, "step", i, "kind", step.kind)
			reply(500, "Server Internal Error")
			return
		end
		state_set("phase", phase)
		state_set("next", i + 1)
		local r = run(step, plan)
		if r ~= "next" then
			return
		end
	end
	if phase == "steps" then
		local busy = tonumber(state_get("busy")) or 0
		local other = tonumber(state_get("other")) or 0
		local tail = (busy > 0 and other == 0) and "on_busy" or "on_no_answer"
		if #(plan[tail] or {}) > 0 then
			return execute(plan, tail, 1)
		end
	end
	log("err", "edge.plan_unfinished", "request_id", plan.request_id,
		"phase", phase)
	reply(500, "Server Internal Error")
end

-- After a prompt: the caller may have hung up meanwhile; else the plan
-- goes on (ringing after welcome, the final code after the others).
function ksr_ov_resume()
	if KSR.tm.t_is_canceled() > 0 then
		media_end()
		return
	end
	local plan = ovbus.plan(state_get("plan") or "")
	if not plan then
		log("err", "edge.plan_lost", "call_id", pv("$ci"))
		reply(500, "Server Internal Error")
		return
	end
	execute(plan, state_get("phase") or "steps",
		tonumber(state_get("next")) or 1)
end

-- A browser caller has had its 183 for WEBRTC_SETUP_MS: the message of
-- the step that sent it (the one before "next"), then the plan goes on.
function ksr_ov_announce()
	if KSR.tm.t_is_canceled() > 0 then
		media_end()
		return
	end
	local plan = ovbus.plan(state_get("plan") or "")
	local phase = state_get("phase") or "steps"
	local at = tonumber(state_get("next")) or 1
	local step = plan and (plan[phase] or {})[at - 1]
	if not step or step.kind ~= "announce" then
		log("err", "edge.plan_lost", "call_id", pv("$ci"))
		reply(500, "Server Internal Error")
		return
	end
	if announce_play(step, plan) == "next" then
		execute(plan, phase, at)
	end
end

-- failure_route: a step's branches all failed (or timed out). Counts
-- the outcome and goes on with the plan, without asking the router.
function ksr_ov_failure()
	if KSR.tm.t_is_canceled() > 0 then
		media_end()
		return
	end
	local code = tonumber(pv("$T_reply_code")) or 0
	if KSR.tm.t_branch_timeout() > 0 or code == 408 then
		state_set("other", (tonumber(state_get("other")) or 0) + 1)
	elseif code == 486 or code == 600 then
		state_set("busy", (tonumber(state_get("busy")) or 0) + 1)
	else
		state_set("other", (tonumber(state_get("other")) or 0) + 1)
	end
	local phase = state_get("phase")
	local raw = state_get("plan")
	if not raw or not phase then
		return
	end
	local plan = ovbus.plan(raw)
	if not plan then
		log("err", "edge.plan_lost", "call_id", pv("$ci"))
		return
	end
	local list = plan[phase] or {}
	local at = tonumber(state_get("next")) or (#list + 1)
	local prev = list[at - 1]
	if prev and prev.kind == "external" then
		-- The outside leg's own answer goes back to the caller.
		media_end()
		history.final(code)
		return
	end
	log("info", "edge.ring_failed", "call_id", pv("$ci"), "code", code)
	execute(plan, phase, at)
end

-- Replies to a branch or to an in-dialog INVITE: a Contact behind NAT
-- gets the address the reply came from as alias (so the caller's ACK
-- and BYE reach the phone), and media answers go through rtpengine.
function ksr_ov_reply()
	local code = tonumber(pv("$rs")) or 0
	if code > 100 and code < 300 and not nat.fix_contact() then
		log("warn", "edge.contact_bad", "call_id", pv("$ci"),
			"code", code)
	end
	if code >= 200 and code < 300 then
		history.answered()
	end
	if media.expects_answer() and
		KSR.textops.has_body_type("application/sdp") > 0 and
		not media.answer() then
		log("warn", "edge.media_answer_failed", "call_id", pv("$ci"),
			"code", code)
	end
end

-- branch_route: each branch gets rtpengine's offer shaped for its
-- target (a browser or a phone), made from the caller's SDP.
function ksr_ov_branch()
	if state_get("rtp") == "1" then
		if media.branch() then
			state_set("offered", 1)
		else
			log("warn", "edge.media_offer_failed", "call_id",
				pv("$ci"), "ru", pv("$ru"))
		end
	end
end

---------------------------------------------------------------------
-- authentication

-- Credentials a REGISTER's digest was checked against, kept in shared
-- memory (htable "ov_cred", kamailio.cfg: 5 minutes from when they were
-- fetched) under "<digest username>@<realm>", as "ha1_md5 tenant_id
-- owner aor_user device" (none of them holds a space), so that a
-- refresh costs one bus call (binding.save) instead of two. Safe
-- because binding.save takes the HA1 back and saves nothing unless it
-- is still the device's (docs/edge.md, "Registrations").
local CRED_TABLE = "ov_cred"
local CRED_FIELDS = { "ha1_md5", "tenant_id", "owner", "aor_user", "device" }

local function cred_key(realm)
	return pv("$au") .. "@" .. realm
end

local function cred_kept(key)
	local v = KSR.htable.sht_get(CRED_TABLE, key)
	if type(v) ~= "string" then
		return nil
	end
	local cred, n = {}, 0
	for f in v:gmatch("%S+") do
		n = n + 1
		if n > #CRED_FIELDS then
			return nil
		end
		cred[CRED_FIELDS[n]] = f
	end
	return n == #CRED_FIELDS and cred or nil
end

local function cred_keep(key, cred)
	local v = {}
	for i, f in ipairs(CRED_FIELDS) do
		v[i] = cred[f]
	end
	KSR.htable.sht_sets(CRED_TABLE, key, table.concat(v, " "))
end

local function cred_forget(key)
	KSR.htable.sht_rm(CRED_TABLE, key)
end

-- The request's digest response against cred's HA1: true when right,
-- false when wrong, nil when the nonce is stale or reused (a new
-- challenge went out: the HA1 was not looked at).
local function digest_ok(realm, cred)
	-- KEMI takes the value itself (flag 1: it is an HA1), not a
	-- pseudo-variable name as the native cfg does.
	local rc = KSR.auth.pv_auth_check(realm, cred.ha1_md5, 1, 0)
	if rc == -4 or rc == -6 or rc == -5 then
		-- Stale or reused nonce, or no credentials for this realm.
		KSR.auth.auth_challenge(realm, 1)
		return nil
	end
	return rc >= 0
end

-- The registrar's credential for the request's digest username in
-- realm (auth.ha1), checked against the digest; kept under key when one
-- is given. Returns the credential ({ha1_md5, tenant_id, owner,
-- aor_user, device}) or nil when a reply went out (challenge, 403,
-- 503).
local function auth_fetch(realm, key)
	local cred, err, msg = ovbus.ha1 {
		auth_username = pv("$au"),
		realm = realm,
	}
	if not cred then
		log("warn", "edge.ha1_failed", "error", err, "message", msg)
		reply(503, "Service Unavailable", "Retry-After: " .. RETRY_AFTER)
		return nil
	end
	if not cred.found then
		log("info", "edge.auth_unknown", "source_ip", pv("$si"),
			"auth_username", pv("$au"), "realm", realm)
		reply(403, "Forbidden")
		return nil
	end
	local ok = digest_ok(realm, cred)
	if ok == false then
		log("info", "edge.auth_failed", "source_ip", pv("$si"),
			"auth_username", pv("$au"), "realm", realm)
		reply(403, "Forbidden")
	end
	if not ok then
		return nil
	end
	if key then
		cred_keep(key, cred)
	end
	return cred
end

-- Digest credentials of the request for realm. A call (proxy) is
-- checked against the registrar's HA1, fetched every time; a REGISTER
-- against the kept one when there is one, else (or when the digest is
-- wrong against it: the secret may have been rotated) against the
-- registrar's, which is then kept. Returns the credential and its key
-- (REGISTER), or nil when a reply went out (challenge, 403, 503).
local function authenticate(realm, proxy)
	if KSR.auth.has_credentials(realm) < 0 then
		KSR.auth.auth_challenge(realm, 1)
		return nil
	end
	if proxy then
		local cred = auth_fetch(realm)
		if cred then
			-- Relayed: the credentials stop here.
			KSR.auth.consume_credentials()
		end
		return cred
	end
	local key = cred_key(realm)
	local cred = cred_kept(key)
	if cred then
		local ok = digest_ok(realm, cred)
		if ok then
			return cred, key
		end
		if ok == nil then
			return nil
		end
		cred_forget(key)
	end
	return auth_fetch(realm, key), key
end

---------------------------------------------------------------------
-- routes

-- The benchmark baseline of a REGISTER: digest against a fixed HA1.
local function bench_register()
	local realm = pv("$td")
	if KSR.auth.has_credentials(realm) < 0 then
		KSR.auth.auth_challenge(realm, 1)
		return
	end
	if KSR.auth.pv_auth_check(realm, BENCH_HA1, 1, 0) < 0 then
		KSR.auth.auth_challenge(realm, 1)
		return
	end
	reply(200, "OK", "Contact: " .. (pv("$hdr(Contact)") or ""))
end

-- The benchmark baseline of a call: the same handling as a call the
-- router planned (dialog and the tenant's profile, display, record-route,
-- rtpengine, a ring step with its timer and failure route), with a fixed
-- plan instead of the bus: "the same Kamailio with a static route".
local function bench_plan()
	return {
		request_id = "bench",
		tenant_id = "bench",
		max_calls = 100000,
		caller_user = pv("$fU"),
		caller_display = EXTERNAL_DISPLAY,
		steps = {{kind = "ring", member = "bench", timeout_s = 15,
			targets = {{uri = BENCH_URI}}}},
	}
end

-- A device registers its own user, nobody else: false after a 403.
local function register_own(cred)
	if pv("$tU") == cred.aor_user then
		return true
	end
	log("warn", "edge.register_foreign", "auth_username", pv("$au"),
		"to_user", pv("$tU"))
	reply(403, "Forbidden")
	return false
end

-- binding.save of the REGISTER, with the HA1 its digest was checked
-- against: the registrar refuses it (unauthenticated) if that is no
-- longer the device's.
local function register_save(realm, cred)
	local expires = tonumber(pv("$hdr(Expires)") or "")
	return ovbus.save {
		tenant_id = cred.tenant_id,
		owner = cred.owner,
		device = cred.device,
		aor = "sip:" .. cred.aor_user .. "@" .. realm,
		contact = pv("$(hdr(Contact)[*])") or "",
		expires = expires or -1,
		received = "sip:" .. pv("$si") .. ":" .. pv("$sp") ..
			";transport=" .. pv("$pr"),
		path = pv("$(hdr(Path)[*])") or "",
		user_agent = pv("$ua") or "",
		call_id = pv("$ci"),
		cseq = tonumber(pv("$cs")) or 0,
		ha1_md5 = cred.ha1_md5,
	}
end

-- The answer to a REGISTER whose save was tried, counted by code.
local function register_reply(code, ...)
	count("registers_total", string.format("%d", code))
	reply(code, ...)
end

local function route_register()
	if BENCH_HA1 ~= "" then
		return bench_register()
	end
	local realm = pv("$td")
	local cred, key = authenticate(realm, false)
	if not cred or not register_own(cred) then
		return
	end
	local saved, err, msg = register_save(realm, cred)
	if err == "unauthenticated" or err == "not_found" then
		-- The credential changed after its HA1 was kept (a rotation,
		-- a rename): ask the registrar again, check the digest once
		-- more, and save with the HA1 it has now.
		log("info", "edge.auth_stale", "auth_username", pv("$au"),
			"realm", realm, "error", err)
		cred_forget(key)
		cred = auth_fetch(realm, key)
		if not cred or not register_own(cred) then
			return
		end
		saved, err, msg = register_save(realm, cred)
	end
	if not saved then
		local min = msg and msg:match("min_expires=(%d+)")
		if min then
			register_reply(423, "Interval Too Brief", "Min-Expires: " .. min)
		elseif err == "invalid_argument" then
			log("info", "edge.register_bad", "message", msg)
			register_reply(400, "Bad Request")
		elseif err == "resource_exhausted" then
			register_reply(403, "Too Many Registrations")
		else
			log("warn", "edge.register_failed", "error", err,
				"message", msg)
			register_reply(503, "Service Unavailable",
				"Retry-After: " .. RETRY_AFTER)
		end
		return
	end
	nat.keepalive()
	local hdrs = {}
	for _, b in ipairs(saved.bindings or {}) do
		hdrs[#hdrs + 1] = "Contact: <" .. b.contact .. ">;expires=" ..
			string.format("%d", b.expires)
	end
	register_reply(200, "OK", unpack(hdrs))
end

local start_plan

-- A new call: from the trunk (someone called a fixed number) or from an
-- authenticated device. Ask the router for its plan and run it.
local function route_invite()
	local src = pv("$si")
	local from_trunk = KSR.permissions.allow_source_address(TRUNK_GROUP) > 0
	local cred
	if not from_trunk then
		cred = authenticate(pv("$fd"), true)
		if not cred then
			return
		end
		if pv("$fU") ~= cred.aor_user then
			log("warn", "edge.invite_foreign", "auth_username",
				pv("$au"), "from_user", pv("$fU"))
			reply(403, "Forbidden")
			return
		end
	end

	local rc = KSR.tm.t_newtran()
	if rc == 0 then
		-- A retransmission: tm has resent our last reply.
		return
	end
	if rc < 0 then
		log("err", "edge.newtran_failed", "rc", rc)
		KSR.sl.sl_reply_error()
		return
	end

	count("calls_total", from_trunk and "trunk" or "device")
	if BENCH_URI ~= "" then
		return start_plan(bench_plan(), "", cred)
	end
	local call_id = pv("$ci")
	local plan, raw_or_err, msg = ovbus.route {
		call_id = call_id,
		from_user = pv("$fU"),
		from_domain = pv("$fd"),
		to_user = pv("$rU"),
		to_domain = pv("$rd"),
		source_ip = src,
		source_port = pv("$sp"),
		origin = cred and 1 or 0,
		tenant_id = cred and cred.tenant_id or nil,
		owner = cred and cred.owner or nil,
	}
	if KSR.tm.t_is_canceled() > 0 then
		-- The caller sent CANCEL while we waited: tm has answered
		-- 487 already.
		log("info", "edge.canceled", "call_id", call_id)
		return
	end
	if not plan then
		log("warn", "edge.route_failed", "call_id", call_id,
			"error", raw_or_err, "message", msg)
		reply(503, "Service Unavailable",
			"Retry-After: " .. RETRY_AFTER)
		return
	end
	start_plan(plan, raw_or_err, cred)
end

-- A new call's plan: kept for failure_route (raw: its bytes in hex),
-- counted against the tenant's limit, the caller shown as the plan says,
-- media anchored, then its first step.
function start_plan(plan, raw, cred)
	state_set("plan", raw)
	state_set("busy", 0)
	state_set("other", 0)

	local first = (plan.steps or {})[1]
	local connects = false
	-- A call that rings, goes out or hears a message has media: it
	-- counts against the tenant's limit and goes through rtpengine.
	for _, s in ipairs(plan.steps or {}) do
		if s.kind ~= "reject" then
			connects = true
		end
	end
	if plan.tenant_id ~= "" and connects then
		-- One dialog per call, counted per tenant.
		KSR.dialog.dlg_manage()
		local max = tonumber(plan.max_calls) or 0
		if max > 0 then
			KSR.dialog.get_profile_size("calls", plan.tenant_id,
				"$var(calls)")
			local n = tonumber(pv("$var(calls)")) or 0
			if n >= max then
				log("warn", "edge.call_limit", "tenant",
					plan.tenant_id, "calls", n, "max", max)
				reply(503, "Service Unavailable",
					"Retry-After: " .. RETRY_AFTER)
				return
			end
		end
		KSR.dialog.set_dlg_profile("calls", plan.tenant_id)
		if ADMIN_URL ~= "" then
			history.start(plan, cred)
		end
		-- How the callee sees the caller: an external caller as
		-- "telefono virtuale" and their number; a colleague as
		-- username and extension; the outside world sees the fixed
		-- number.
		local domain = pv("$fd")
		if first and first.kind == "external" and cred then
			KSR.uac.uac_replace_from("", "sip:" .. plan.caller_id ..
				"@" .. domain)
			KSR.hdr.append("P-Asserted-Identity: <sip:" ..
				plan.caller_id .. "@" .. domain .. ">\r\n")
		elseif plan.caller_user ~= "" then
			KSR.uac.uac_replace_from(quoted(plan.caller_display),
				"sip:" .. plan.caller_user .. "@" .. domain)
		end
		-- A caller behind NAT: its Contact carries where it really
		-- is, so the callee's BYE or re-INVITE reaches it.
		if not nat.fix_contact() then
			log("warn", "edge.contact_bad", "call_id", pv("$ci"))
			reply(400, "Bad Contact")
			return
		end
		KSR.rr.record_route()
		-- Media: offered per branch (ksr_ov_branch, media.lua).
		if media.start() then
			state_set("rtp", 1)
		end
	end
	execute(plan, "steps", 1)
end

-- Requests inside a dialog (they carry a To-tag): follow the Route set
-- we recorded; otherwise the only one that is ours is the ACK of a
-- final reply we sent.
local function route_in_dialog()
	if KSR.rr.loose_route() > 0 then
		-- Towards a phone behind NAT: the alias of its Contact.
		-- From one: a re-INVITE's Contact is aliased in turn.
		if not nat.route_alias() or
			(KSR.is_INVITE() and not nat.fix_contact()) then
			log("warn", "edge.alias_bad", "call_id", pv("$ci"),
				"method", pv("$rm"))
			if not KSR.is_ACK() then
				reply(400, "Bad Request")
			end
			return
		end
		if KSR.is_BYE() then
			KSR.rtpengine.rtpengine_delete0()
		elseif not media.in_dialog() then
			log("warn", "edge.media_failed", "call_id", pv("$ci"),
				"method", pv("$rm"))
		end
		if KSR.is_INVITE() then
			KSR.tm.t_on_reply("ksr_ov_reply")
		end
		if KSR.tm.t_relay() < 0 then
			-- tm answered already (or it is an ACK, never
			-- answered): one final answer per request.
			log("warn", "edge.relay_failed", "call_id", pv("$ci"),
				"method", pv("$rm"), "ru", pv("$ru"),
				"du", pv("$du"))
		end
		return
	end
	if KSR.is_ACK() then
		-- An ACK for one of our negative replies ends its transaction
		-- (stops the retransmissions); any other ACK is dropped.
		KSR.tm.t_check_trans()
		return
	end
	reply(481, "Call/Transaction Does Not Exist")
end

-- usrloc (the keepalive list) expired a NATed contact: it stopped
-- answering OPTIONS, or its TCP connection closed, or it was not
-- registered again. The registrar drops the binding if it is still
-- the registration this edge saw; the router then skips it.
function ksr_registrar_event(evname)
	if evname ~= "usrloc:contact-expired" then
		return
	end
	local aor = pv("$ulc(exp=>aor)") or ""
	local contact = pv("$ulc(exp=>addr)") or ""
	local r, err, msg = ovbus.drop {
		aor = aor,
		contact = contact,
		call_id = pv("$ulc(exp=>callid)") or "",
		cseq = tonumber(pv("$ulc(exp=>cseq)")) or 0,
	}
	if not r then
		log("warn", "edge.drop_failed", "aor", aor, "contact", contact,
			"error", err, "message", msg)
		return
	end
	log("info", "edge.nat_lost", "aor", aor, "contact", contact,
		"received", pv("$ulc(exp=>received)"), "dropped",
		r.removed and "yes" or "no")
end

-- The dialog module's events (kamailio.cfg event_callback): a call was
-- answered, ended, or failed before anyone answered.
function ksr_dialog_event(evname)
	history.event(evname)
end

-- rtimer "ov_calls", every 100 ms in a process of its own: the queued
-- call events go to admin.
function ksr_ov_calls_flush()
	history.flush(function(events)
		local r, err, msg = ovbus.calls { events = events }
		return r ~= nil, msg or err
	end)
end

function ksr_request_route()
	-- Replies go back to where the request came from; a Contact
	-- behind NAT is reached through where the request came from.
	KSR.force_rport()

	-- Flood first, before spending anything on the message: over the
	-- limit, drop silently (a reply would feed the flood).
	local pike = KSR.pike.pike_check_req()
	if pike < 0 then
		if pike == -2 then
			-- Logged once, when pike marks the source.
			log("warn", "edge.pike_blocked", "source_ip", pv("$si"),
				"method", pv("$rm"))
		end
		KSR.x.drop()
	end

	-- SIP on the HTTP port (metrics): refused, whatever it is.
	if HTTP_PORT ~= "" and tostring(pv("$Rp")) == HTTP_PORT then
		if not KSR.is_ACK() then
			KSR.sl.sl_send_reply(403, "Not a SIP port")
		end
		KSR.x.exit()
	end

	-- Malformed: sanity has already replied (never to an ACK).
	if KSR.sanity.sanity_check(1511, 7) < 0 then
		log("warn", "edge.malformed", "source_ip", pv("$si"),
			"method", pv("$rm"))
		KSR.x.exit()
	end

	-- No SIP grammar allows a NUL byte (RFC 3261 25.1), yet Kamailio's
	-- parser reads past one: refuse the message before anything uses
	-- a header that a C string would cut short.
	if (pv("$mb") or ""):find("%z") then
		log("warn", "edge.malformed", "source_ip", pv("$si"),
			"method", pv("$rm"), "reason", "nul_byte")
		if not KSR.is_ACK() then
			KSR.sl.sl_send_reply(400, "Bad Request (NUL byte)")
		end
		KSR.x.exit()
	end

	if KSR.maxfwd.process_maxfwd(70) < 0 then
		if not KSR.is_ACK() then
			KSR.sl.sl_send_reply(483, "Too Many Hops")
		end
		KSR.x.exit()
	end

	if KSR.is_CANCEL() then
		-- Cancels a call we are deciding or ringing; tm answers it
		-- and cancels the branches.
		if KSR.tm.t_check_trans() > 0 then
			KSR.tm.t_relay()
		else
			reply(481, "Call/Transaction Does Not Exist")
		end
		KSR.x.exit()
	end

	if KSR.siputils.has_totag() > 0 then
		route_in_dialog()
		KSR.x.exit()
	end
	if KSR.is_ACK() then
		-- An ACK without a To-tag belongs to nothing.
		KSR.x.exit()
	end

	local method = pv("$rm")
	if method == "OPTIONS" then
		if KSR.is_myself_ruri() then
			reply(200, "OK", "Allow: " .. ALLOW)
		else
			reply(403, "Not relaying")
		end
	elseif method == "INVITE" then
		route_invite()
	elseif method == "REGISTER" then
		route_register()
	elseif method == "BYE" then
		reply(481, "Call/Transaction Does Not Exist")
	elseif KNOWN[method] then
		reply(405, "Method Not Allowed", "Allow: " .. ALLOW)
	else
		reply(501, "Not Implemented")
	end
	KSR.x.exit()
end

-- The edge's own HTTP port: Prometheus metrics (xhttp_prom), and the
-- health and readiness a Kubernetes probe asks for. Kamailio is ready
-- once it takes requests: without a router or registrar it still
-- answers every call at once (503 with Retry-After), and another
-- replica would do no better.
local function http_own()
	local path = pv("$hu") or ""
	path = path:gsub("%?.*$", "")
	if pv("$rm") ~= "GET" then
		KSR.xhttp.xhttp_reply(405, "Method Not Allowed", "text/plain",
			"GET only\n")
	elseif path == "/metrics" then
		KSR.xhttp_prom.dispatch()
	elseif path == "/healthz" or path == "/readyz" then
		KSR.xhttp.xhttp_reply(200, "OK", "text/plain", "ok\n")
	else
		KSR.xhttp.xhttp_reply(404, "Not Found", "text/plain",
			"/metrics, /healthz, /readyz\n")
	end
end

-- An HTTP request on a TCP or TLS listener (xhttp's event_callback,
-- kamailio.cfg): on a ws/wss port, a WebSocket upgrade for SIP
-- (RFC 7118) becomes a connection whose SIP messages then run
-- ksr_request_route like any other; anything else is refused and the
-- connection closed. No Origin check: the browser still has to pass
-- the digest of its REGISTER and INVITE.
function ksr_xhttp_event(evname)
	local port = tostring(pv("$Rp") or "")
	if port == HTTP_PORT then
		return http_own()
	end
	if not WS_PORTS[port] then
		log("warn", "edge.http_refused", "source_ip", pv("$si"),
			"port", port)
		KSR.set_reply_close()
		KSR.xhttp.xhttp_reply(403, "Forbidden", "", "")
		return
	end
	local upgrade = (pv("$hdr(Upgrade)") or ""):lower()
	local conn = (pv("$hdr(Connection)") or ""):lower()
	if pv("$rm") == "GET" and upgrade:find("websocket", 1, true) and
		conn:find("upgrade", 1, true) then
		-- The handshake replies itself (101, or 4xx on a bad request).
		if KSR.websocket.handle_handshake() > 0 then
			return
		end
		log("info", "edge.ws_handshake_failed", "source_ip", pv("$si"))
		return
	end
	KSR.set_reply_close()
	KSR.xhttp.xhttp_reply(404, "Not Found", "", "")
end
