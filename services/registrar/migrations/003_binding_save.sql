-- binding.save in one round trip: everything one REGISTER does to an
-- AOR's bindings (docs/registrar.md, "binding.save"), in the calling
-- statement's transaction, under the AOR's advisory lock (key 2 of the
-- two-key form; store.c's owner_lock is key 1). Every statement is
-- scoped by the tenant. The contacts come parsed and their expiry
-- decided (contact.c): p_contacts[i], p_instances[i] (+sip.instance,
-- '' when none) and p_seconds[i] (0 removes the binding).
--
-- p_aor is the AOR the edge named, as "user@host" in lower case, ''
-- for the device's own, NULL when it is no sip:/sips: URI. p_ha1 is the
-- HA1 the edge checked the digest against; '' skips the check (ovctl,
-- an older edge).
--
-- Rows, in this order (kind, note, secs, then a binding's columns of
-- which only contact is set before the 'binding' rows):
--   'refused'  note 'no_device', 'stale_credentials' or 'not_aor': the
--              only row; nothing changed
--   'aor'      contact = the device's AOR; then the changes:
--   'saved'    a binding added or refreshed for secs seconds; note 'new'
--              (inserted), 'changed' (it had expired, or its received,
--              path or expiry moved earlier) or NULL (a refresh that only
--              extends the expiry)
--   'removed'  note 'expires0' or 'star'
--   'dropped'  note 'replaced' (same +sip.instance) or 'limit'
--   'stale'    a contact left alone: the request is older than the
--              binding (same Call-ID, CSeq not higher; RFC 3261 10.3)
--   'binding'  every live binding of the AOR afterwards, newest first
CREATE FUNCTION binding_save(p_tenant uuid, p_owner text, p_device text,
	p_aor text, p_ha1 text, p_star boolean, p_contacts text[],
	p_instances text[], p_seconds bigint[], p_received text, p_path text,
	p_user_agent text, p_call_id text, p_cseq bigint, p_max integer)
RETURNS TABLE (kind text, note text, secs bigint, contact text,
	expires_at timestamptz, received text, path text, user_agent text,
	instance text, device text, owner text, updated_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	v_aor text;
	v_ha1 text;
	v_expires timestamptz;
	v_grew boolean := false; -- a binding became live: trim
	prev record;
	gone record;
BEGIN
	-- The AOR's lock first, then the device's row, kept from changing
	-- until this commits: a rotation (new HA1, the owner's bindings
	-- deleted) waits for this save, or this save sees its HA1.
	SELECT d.aor_user || '@' || d.domain, d.ha1_md5,
		pg_advisory_xact_lock(2, hashtext(p_tenant::text || ':sip:' ||
			d.aor_user || '@' || d.domain))
	INTO v_aor, v_ha1
	FROM registrar.devices d
	WHERE d.tenant_id = p_tenant AND d.owner = p_owner
	AND d.device = p_device FOR SHARE;
	IF NOT FOUND THEN
		note := 'no_device';
	ELSIF p_ha1 <> '' AND p_ha1 <> v_ha1 THEN
		-- The secret changed since the edge learnt this HA1.
		note := 'stale_credentials';
	ELSIF p_aor IS NULL OR (p_aor <> '' AND p_aor <> v_aor) THEN
		note := 'not_aor';
	END IF;
	IF note IS NOT NULL THEN
		kind := 'refused';
		RETURN NEXT;
		RETURN;
	END IF;
	v_aor := 'sip:' || v_aor;
	kind := 'aor';
	contact := v_aor;
	RETURN NEXT;

	IF p_star THEN
		-- Every binding of the device under this AOR.
		kind := 'removed';
		note := 'star';
		FOR gone IN DELETE FROM registrar.bindings b
			WHERE b.tenant_id = p_tenant AND b.aor = v_aor
			AND b.device = p_device AND NOT (b.expires_at > now()
			AND b.call_id = p_call_id AND b.cseq >= p_cseq)
			RETURNING b.contact
		LOOP
			contact := gone.contact;
			RETURN NEXT;
		END LOOP;
	END IF;

	FOR i IN 1 .. coalesce(array_length(p_contacts, 1), 0) LOOP
		contact := p_contacts[i];
		secs := p_seconds[i];
		note := NULL;
		IF secs = 0 THEN
			DELETE FROM registrar.bindings b
			WHERE b.tenant_id = p_tenant AND b.aor = v_aor
			AND b.contact = p_contacts[i] AND NOT (b.expires_at > now()
			AND b.call_id = p_call_id AND b.cseq >= p_cseq);
			IF FOUND THEN
				kind := 'removed';
				note := 'expires0';
				RETURN NEXT;
			ELSIF EXISTS (SELECT FROM registrar.bindings b
				WHERE b.tenant_id = p_tenant AND b.aor = v_aor
				AND b.contact = p_contacts[i]) THEN
				kind := 'stale';
				RETURN NEXT;
			END IF;
			CONTINUE;
		END IF;
		v_expires := now() + make_interval(secs => secs);
		-- A refresh, reading the row as it was (o) to tell what moved;
		-- else a new binding; else the request is out of order.
		UPDATE registrar.bindings b SET owner = p_owner,
			device = p_device, instance = p_instances[i],
			received = p_received, path = p_path,
			user_agent = p_user_agent, call_id = p_call_id,
			cseq = p_cseq, expires_at = v_expires, updated_at = now()
		FROM registrar.bindings o
		WHERE b.tenant_id = p_tenant AND b.aor = v_aor
		AND b.contact = p_contacts[i] AND o.tenant_id = p_tenant
		AND o.aor = v_aor AND o.contact = p_contacts[i]
		AND NOT (o.expires_at > now() AND o.call_id = p_call_id
			AND o.cseq >= p_cseq)
		RETURNING o.expires_at > now() AS live, o.received, o.path,
			o.expires_at
		INTO prev;
		IF FOUND THEN
			kind := 'saved';
			IF NOT prev.live THEN
				v_grew := true;
				note := 'changed';
			ELSIF prev.received <> p_received OR prev.path <> p_path
				OR v_expires < prev.expires_at THEN
				note := 'changed';
			END IF;
		ELSE
			INSERT INTO registrar.bindings (tenant_id, owner, device,
				aor, contact, instance, received, path,
				user_agent, call_id, cseq, expires_at)
			VALUES (p_tenant, p_owner, p_device, v_aor,
				p_contacts[i], p_instances[i], p_received, p_path,
				p_user_agent, p_call_id, p_cseq, v_expires)
			ON CONFLICT (tenant_id, aor, contact) DO NOTHING;
			IF FOUND THEN
				kind := 'saved';
				note := 'new';
				v_grew := true;
			ELSE
				kind := 'stale';
			END IF;
		END IF;
		RETURN NEXT;
		IF kind = 'saved' AND p_instances[i] <> '' THEN
			-- The same device instance (RFC 5626) under another
			-- contact: the phone moved; its old binding goes.
			kind := 'dropped';
			note := 'replaced';
			secs := NULL;
			FOR gone IN DELETE FROM registrar.bindings b
				WHERE b.tenant_id = p_tenant AND b.aor = v_aor
				AND b.instance = p_instances[i]
				AND b.contact <> p_contacts[i]
				RETURNING b.contact
			LOOP
				contact := gone.contact;
				RETURN NEXT;
			END LOOP;
		END IF;
	END LOOP;

	IF v_grew THEN
		-- Over the limit: the least recently refreshed go.
		kind := 'dropped';
		note := 'limit';
		secs := NULL;
		FOR gone IN DELETE FROM registrar.bindings b
			WHERE b.tenant_id = p_tenant AND b.aor = v_aor
			AND b.contact IN (SELECT l.contact
				FROM registrar.bindings l
				WHERE l.tenant_id = p_tenant AND l.aor = v_aor
				AND l.expires_at > now()
				ORDER BY l.updated_at DESC, l.contact DESC
				OFFSET p_max)
			RETURNING b.contact
		LOOP
			contact := gone.contact;
			RETURN NEXT;
		END LOOP;
	END IF;

	RETURN QUERY SELECT 'binding', NULL::text, NULL::bigint, b.contact,
		b.expires_at, b.received, b.path, b.user_agent, b.instance,
		b.device, b.owner, b.updated_at
	FROM registrar.bindings b
	WHERE b.tenant_id = p_tenant AND b.aor = v_aor
	AND b.expires_at > now()
	ORDER BY b.updated_at DESC, b.contact;
END
$$;
