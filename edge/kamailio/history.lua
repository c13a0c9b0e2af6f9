-- Ovunque SIP edge: call history (docs/admin.md, "Call history").
--
-- Every call that connects (rings, goes out, hears a message) keeps
-- what its history needs in the dialog's variables: tenant, direction,
-- caller, dialled number, the members rung and who answered. The
-- dialog module's events (answered, ended, failed) put one line each
-- in a shared-memory queue (mqueue "ov_calls"); a timer process of its
-- own (rtimer, every 100 ms) sends what is queued to the admin service
-- in one calls.record per batch. SIP workers never wait for admin: with
-- admin away the events wait in the queue (at most 100,000 of them,
-- kamailio.cfg) and go when it is back.

local M = {}

local QUEUE = "ov_calls"
local BATCH = 200
local FIELDS = { "kind", "tenant_id", "call_id", "direction",
	"from_number", "from_user", "to_number", "rung", "answered_by",
	"started_ms", "answered_ms", "at_ms", "code" }
local KINDS = { ["dialog:start"] = 0, ["dialog:end"] = 1,
	["dialog:failed"] = 2 }
local UUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"

local function pv(name)
	return KSR.pv.get(name)
end

local function dlg_get(name)
	return pv("$dlg_var(ov_" .. name .. ")") or ""
end

local function dlg_set(name, value)
	KSR.pv.sets("$dlg_var(ov_" .. name .. ")", tostring(value))
end

-- Unix time in milliseconds, from Kamailio's clock.
local function now_ms()
	return (tonumber(pv("$TV(s)")) or 0) * 1000 +
		math.floor((tonumber(pv("$TV(u)")) or 0) / 1000)
end

-- A call of plan's tenant connects: remember who calls whom. cred is
-- the calling device's credential (nil: the carrier's trunk).
function M.start(plan, cred)
	if not (plan.tenant_id or ""):match(UUID) then
		return
	end
	local first = (plan.steps or {})[1]
	local direction = "internal"
	if not cred then
		direction = "in"
	elseif first and first.kind == "external" then
		direction = "out"
	end
	dlg_set("tenant", plan.tenant_id)
	dlg_set("dir", direction)
	dlg_set("from", pv("$fU") or "")
	dlg_set("fuser", cred and (cred.owner or ""):match(UUID) and
		cred.owner or "")
	dlg_set("to", pv("$rU") or "")
	dlg_set("t0", now_ms())
	dlg_set("rung", "")
end

-- Branches are relayed in the order of `owners` (ov.lua keeps that
-- order): the owner of each, by branch index, so an answer can be
-- told from its branch. "" for a leg to an outside number.
function M.branches(owners)
	local prev = KSR.pv.get("$avp(ov_brown)")
	local list = table.concat(owners, ",")
	KSR.pv.sets("$avp(ov_brown)", prev and (prev .. "," .. list) or list)
	local rung = dlg_get("rung")
	for _, o in ipairs(owners) do
		if o ~= "" and not ("," .. rung .. ","):find("," .. o .. ",",
			1, true) then
			rung = rung == "" and o or (rung .. "," .. o)
		end
	end
	dlg_set("rung", rung)
end

-- A 2xx to the call's INVITE: who answered, and when (once).
function M.answered()
	if dlg_get("tenant") == "" or dlg_get("ta") ~= "" then
		return
	end
	local idx = tonumber(pv("$T_branch_idx")) or -1
	local n = 0
	for o in ((pv("$avp(ov_brown)") or "") .. ","):gmatch("([^,]*),") do
		if n == idx then
			dlg_set("by", o)
			break
		end
		n = n + 1
	end
	dlg_set("ta", now_ms())
end

-- The final code the caller gets for a call nobody answered (the
-- dialog's failed event has no reply to read it from).
function M.final(code)
	if dlg_get("tenant") ~= "" then
		dlg_set("code", code)
	end
end

-- The dialog module's event: one line in the queue. Fields are
-- separated by tabs; none can hold one (Call-IDs, URI users, UUIDs).
function M.event(evname)
	local kind = KINDS[evname]
	if not kind or dlg_get("tenant") == "" then
		return
	end
	local at = now_ms()
	if kind == 0 and dlg_get("ta") == "" then
		dlg_set("ta", at)
	end
	local code = kind == 2 and (tonumber(dlg_get("code")) or 0) or 0
	local v = { kind, dlg_get("tenant"), pv("$dlg(callid)") or "",
		dlg_get("dir"), dlg_get("from"), dlg_get("fuser"),
		dlg_get("to"), dlg_get("rung"), dlg_get("by"), dlg_get("t0"),
		kind == 2 and "0" or dlg_get("ta"), at, code }
	for i, x in ipairs(v) do
		v[i] = tostring(x):gsub("[\t\r\n]", "")
	end
	if KSR.mqueue.mq_add(QUEUE, "call", table.concat(v, "\t")) < 0 then
		KSR.err('{"event":"edge.history_queue_full","call_id":"' ..
			(pv("$dlg(callid)") or ""):gsub('[%c"\\]', "") .. '"}\n')
	end
end

-- A queued line as a CallEvent table.
local function decode(line)
	local e, i = {}, 1
	for f in (line .. "\t"):gmatch("([^\t]*)\t") do
		local name = FIELDS[i]
		if not name then
			break
		end
		e[name] = f
		i = i + 1
	end
	for _, k in ipairs({ "kind", "started_ms", "answered_ms", "at_ms",
		"code" }) do
		e[k] = tonumber(e[k]) or 0
	end
	local rung = {}
	for o in (e.rung or ""):gmatch("[^,]+") do
		rung[#rung + 1] = o
	end
	e.rung = rung
	return e
end

local failing = false

-- rtimer: sends what is queued, BATCH lines a call. On failure the
-- lines go back at the end of the queue: a call's events may then
-- arrive out of order, which admin's upsert allows (a call moves from
-- answered to ended or failed, never back).
function M.flush(send)
	while true do
		local lines, events = {}, {}
		while #lines < BATCH and KSR.mqueue.mq_fetch(QUEUE) > 0 do
			local v = pv("$mqv(" .. QUEUE .. ")")
			if v then
				lines[#lines + 1] = v
				events[#events + 1] = decode(v)
			end
		end
		if #lines == 0 then
			return
		end
		local ok, err = send(events)
		if not ok then
			for _, v in ipairs(lines) do
				KSR.mqueue.mq_add(QUEUE, "call", v)
			end
			if not failing then
				KSR.warn('{"event":"edge.history_send_failed",' ..
					'"error":"' .. tostring(err):gsub('[%c"\\]',
					"") .. '","queued":' .. #lines .. '}\n')
			end
			failing = true
			return
		end
		failing = false
	end
end

return M
