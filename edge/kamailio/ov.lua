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
--   OV_LUA_CPATH        where ovbus.so is, as a Lua cpath ("/x/?.so")
--
-- Never call Lua's os.exit here: it would end the Kamailio process.

local cpath = os.getenv("OV_LUA_CPATH")
if cpath and cpath ~= "" then
	package.cpath = cpath .. ";" .. package.cpath
end

local ovbus = require("ovbus")

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
-- Stores the values only; raises on a malformed URL or deadline.
ovbus.configure {
	router = router_url,
	deadline_ms = env_int("OV_BUS_DEADLINE_MS", 200),
}

-- Seconds a caller is told to wait when no plan can be had.
local RETRY_AFTER = 5
-- Methods we answer outside a dialog (the Allow header of a 405).
local ALLOW = "INVITE, ACK, CANCEL, OPTIONS"
-- Methods we know but do not serve yet: 405. Anything else: 501.
local KNOWN = {
	BYE = true, INFO = true, MESSAGE = true, NOTIFY = true,
	PRACK = true, PUBLISH = true, REFER = true, SUBSCRIBE = true,
	UPDATE = true,
}

---------------------------------------------------------------------
-- helpers

-- A JSON string literal, for log lines that tools can parse.
local function js(s)
	s = tostring(s == nil and "" or s)
	return '"' .. s:gsub('[%c"\\]', function(c)
		if c == '"' then return '\\"' end
		if c == "\\" then return "\\\\" end
		return string.format("\\u%04x", c:byte())
	end) .. '"'
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

local function pv(name)
	return KSR.pv.get(name)
end

-- A reply for the current request: through the transaction when one
-- was created (t_newtran), stateless otherwise. Extra header lines are
-- added to this reply only.
local function reply(code, reason, ...)
	for _, h in ipairs({ ... }) do
		KSR.hdr.append_to_reply(h .. "\r\n")
	end
	KSR.sl.send_reply(code, reason)
end

---------------------------------------------------------------------
-- executing a plan
--
-- Each step kind has one function; it returns true when it ended the
-- call (a final reply went out), false to go on with the next step.

local STEPS = {}

function STEPS.reject(step)
	local code = tonumber(step.code) or 0
	if code < 300 or code > 699 then
		log("err", "edge.plan_bad_step", "kind", "reject", "code", code)
		reply(500, "Server Internal Error")
		return true
	end
	local reason = step.reason
	if not reason or reason == "" then
		reason = "Rejected"
	end
	reply(code, reason)
	return true
end

local function execute(plan)
	for i, step in ipairs(plan.steps) do
		local run = STEPS[step.kind]
		if not run then
			-- The router knows a step this edge does not: a
			-- version skew, not the caller's fault.
			log("err", "edge.plan_unknown_step", "request_id",
				plan.request_id, "step", i, "kind", step.kind)
			reply(500, "Server Internal Error")
			return
		end
		if run(step, plan) then
			return
		end
	end
	log("err", "edge.plan_unfinished", "request_id", plan.request_id,
		"steps", #plan.steps)
	reply(500, "Server Internal Error")
end

---------------------------------------------------------------------
-- routes

-- A new call: ask the router for its plan and run it.
local function route_invite()
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

	local call_id = pv("$ci")
	local plan, err, msg = ovbus.route {
		call_id = call_id,
		from_user = pv("$fU"),
		from_domain = pv("$fd"),
		to_user = pv("$rU"),
		to_domain = pv("$rd"),
		source_ip = pv("$si"),
		source_port = pv("$sp"),
	}
	if KSR.tm.t_is_canceled() > 0 then
		-- The caller sent CANCEL while we waited: tm has answered
		-- 487 already.
		log("info", "edge.canceled", "call_id", call_id)
		return
	end
	if not plan then
		log("warn", "edge.route_failed", "call_id", call_id,
			"error", err, "message", msg)
		reply(503, "Service Unavailable",
			"Retry-After: " .. RETRY_AFTER)
		return
	end
	execute(plan)
end

-- Requests carrying a To-tag. The edge holds no dialogs yet, so the only
-- one that belongs to us is the ACK of a final reply we sent.
local function route_in_dialog()
	if KSR.is_ACK() then
		-- An ACK for one of our negative replies ends its transaction
		-- (stops the retransmissions); any other ACK is dropped.
		KSR.tm.t_check_trans()
		return
	end
	reply(481, "Call/Transaction Does Not Exist")
end

function ksr_request_route()
	-- Replies go back to where the request came from.
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

	-- Malformed: sanity has already replied (never to an ACK).
	if KSR.sanity.sanity_check(1511, 7) < 0 then
		log("warn", "edge.malformed", "source_ip", pv("$si"),
			"method", pv("$rm"))
		KSR.x.exit()
	end

	if KSR.is_ACK() and KSR.siputils.has_totag() < 0 then
		-- An ACK without a To-tag belongs to nothing.
		KSR.x.exit()
	end

	if KSR.maxfwd.process_maxfwd(70) < 0 then
		if not KSR.is_ACK() then
			KSR.sl.sl_send_reply(483, "Too Many Hops")
		end
		KSR.x.exit()
	end

	if KSR.is_CANCEL() then
		-- Cancels a call we are still deciding; tm answers it.
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
		-- Registrations come with the registrar.
		reply(501, "Not Implemented")
	elseif KNOWN[method] then
		reply(405, "Method Not Allowed", "Allow: " .. ALLOW)
	else
		reply(501, "Not Implemented")
	end
	KSR.x.exit()
end
