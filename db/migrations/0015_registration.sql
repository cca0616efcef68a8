-- 0015: dynamic client registration (RFC 7591, RFC 7592; issue #19, docs/admin.md).

-- An initial access token opens POST /register (RFC 7591 §3) for one partner organisation. An
-- administrator issues it (sakaid-admin iat issue) with an expiry, a number of uses and the tier of the
-- clients it may create; only its SHA-256 is kept. A registration takes one use in the statement that
-- inserts the client, so that two registrations never share the last use.
CREATE TABLE initial_access_tokens (
    id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    organisation text NOT NULL CHECK (organisation ~ '^[A-Za-z0-9._-]{1,63}$'),
    tier         text NOT NULL CHECK (tier IN ('partner', 'city')),
    max_uses     integer NOT NULL CHECK (max_uses > 0),
    uses         integer NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
    expires_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

-- A client registered through POST /register: the organisation whose initial access token made it, the
-- SHA-256 of its registration access token (RFC 7592 §3: read, update and delete), and whether it is
-- still in the sandbox (it signs in only its organisation's test residents until an administrator
-- approves it: sakaid-admin client approve). Clients an administrator adds have none of these.
ALTER TABLE clients
    ADD COLUMN registration_token_hash bytea
        CHECK (registration_token_hash IS NULL OR length(registration_token_hash) = 32),
    ADD COLUMN organisation  text CHECK (organisation IS NULL OR organisation ~ '^[A-Za-z0-9._-]{1,63}$'),
    ADD COLUMN sandbox       boolean NOT NULL DEFAULT false,
    ADD COLUMN registered_by text REFERENCES initial_access_tokens (id) ON DELETE SET NULL,
    ADD CONSTRAINT clients_sandbox_organisation CHECK (NOT sandbox OR organisation IS NOT NULL);
CREATE INDEX clients_registered_by ON clients (registered_by);

-- The residents a sandbox client of an organisation may sign in: the partner's own test accounts.
CREATE TABLE test_residents (
    organisation text NOT NULL CHECK (organisation ~ '^[A-Za-z0-9._-]{1,63}$'),
    resident_id  text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation, resident_id)
);
CREATE INDEX test_residents_resident_id ON test_residents (resident_id);
