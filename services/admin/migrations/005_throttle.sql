-- Login throttling that an outsider cannot turn against the real user
-- (docs/admin.md, "Login, first login and passwords").
--
-- Addresses that have logged into an account: the account-wide failure
-- count does not apply to them. Keyed by what login counts by, the
-- account key 'acct:<number>:<folded username>'; written on every
-- successful login (or reset by code), read only when younger than 90
-- days.
CREATE TABLE known_addresses (
	acct_key   text NOT NULL,
	addr       text NOT NULL,
	last_at    timestamptz NOT NULL,
	PRIMARY KEY (acct_key, addr)
);

-- Forgotten-password requests waiting for admin's reset worker, which
-- looks the account up, makes the code and queues the mail: the request
-- itself does the same work whether or not the account exists.
CREATE TABLE reset_queue (
	id         bigserial PRIMARY KEY,
	number     text NOT NULL,
	username   text NOT NULL,      -- folded
	client_ip  text NOT NULL,
	at         timestamptz NOT NULL DEFAULT now()
);
