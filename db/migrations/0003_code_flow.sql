-- 0003: the authorization code flow (issue #4): browser sessions, login
-- transactions carrying the authorization request, grants with their
-- authorization codes and refresh-token families, consents and the consent
-- ledger, and client-assertion ids (private_key_jwt replay). See
-- docs/architecture.md "The code flow".
--
-- Secrets are stored only as SHA-256 hashes (product.md §4): session ids,
-- codes, refresh tokens and login-binding cookies.

-- A login in progress also holds the authorization request it serves (its
-- query string, validated again when the login continues), the hash of the
-- cookie that binds it to one browser, and the CSRF token of its forms.
ALTER TABLE login_transactions
    ADD COLUMN request      text NOT NULL DEFAULT '',
    ADD COLUMN browser_hash bytea CHECK (browser_hash IS NULL OR length(browser_hash) = 32),
    ADD COLUMN csrf         text NOT NULL DEFAULT '',
    ADD COLUMN session_sid  text;

-- A browser session (single sign-on). sid is the public session id that ID
-- tokens carry (OpenID Connect Back-Channel Logout 1.0 §2.4); id_hash is the
-- SHA-256 of the cookie value.
CREATE TABLE sessions (
    id_hash     bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    sid         text NOT NULL UNIQUE,
    resident_id text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    acr         text NOT NULL,
    amr         text NOT NULL,           -- space-separated RFC 8176 values
    auth_time   timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz
);
CREATE INDEX sessions_resident ON sessions (resident_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- A grant: what one authorization gave one client. Its code, access tokens
-- and refresh tokens hang off it, so that a replayed code or a reused
-- refresh token revokes the whole family at once (RFC 6749 §4.1.2, RFC 9700 §4.14.2).
CREATE TABLE grants (
    id          text PRIMARY KEY,
    client_id   text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    resident_id text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    sid         text,
    scope       text NOT NULL,
    claims      text NOT NULL DEFAULT '', -- the consented claim names, space-separated
    acr         text NOT NULL,
    amr         text NOT NULL,
    auth_time   timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX grants_resident_client ON grants (resident_id, client_id);
CREATE INDEX grants_expires_at ON grants (expires_at);

CREATE TABLE authorization_codes (
    code_hash      bytea PRIMARY KEY CHECK (length(code_hash) = 32),
    grant_id       text NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    redirect_uri   text NOT NULL,
    nonce          text,
    code_challenge text,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);

-- Opaque refresh tokens, 256 bits, stored as hashes; each use rotates.
CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    grant_id   text NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz
);
CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id);

ALTER TABLE access_tokens ADD COLUMN grant_id text REFERENCES grants (id) ON DELETE CASCADE;
CREATE INDEX access_tokens_grant ON access_tokens (grant_id);

-- Remembered consent, per resident, client and claim (product.md §5).
CREATE TABLE consents (
    resident_id text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    client_id   text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    claim       text NOT NULL,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (resident_id, client_id, claim)
);

-- The consent ledger: every grant, denial and revocation, appended and never
-- changed. Each row's hash covers the previous row's hash and the row's own
-- fields (see docs/architecture.md for the exact input), so that a changed,
-- removed or reordered row breaks the chain. No foreign keys: the ledger
-- outlives the rows it speaks of.
CREATE TABLE consent_ledger (
    seq         bigint PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    resident_id text NOT NULL,
    client_id   text NOT NULL,
    action      text NOT NULL CHECK (action IN ('grant', 'deny', 'revoke')),
    claims      text NOT NULL,           -- space-separated claim names
    prev_hash   bytea NOT NULL,
    row_hash    bytea NOT NULL
);

CREATE FUNCTION consent_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'consent_ledger is append-only';
END $$;
CREATE TRIGGER consent_ledger_no_change BEFORE UPDATE OR DELETE ON consent_ledger
    FOR EACH ROW EXECUTE FUNCTION consent_ledger_append_only();

-- private_key_jwt: each client assertion's jti is accepted once (RFC 7523 §3 item 7).
CREATE TABLE client_assertion_jtis (
    client_id  text NOT NULL,
    jti        text NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertion_jtis_expires_at ON client_assertion_jtis (expires_at);
