-- 0004: social login through upstream OpenID providers, identities linked to
-- one resident, and the audit trail of links (issue #5, product.md §7).

-- Upstream OpenID providers, registered by admins (sakaid-admin upstream).
-- The client secret is sealed with AES-256-GCM under the KEK, its associated
-- data binding it to the row's id (idp/jose/kek.h).
CREATE TABLE upstream_providers (
    id                text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    issuer            text NOT NULL,
    client_id         text NOT NULL,
    client_secret_enc bytea NOT NULL,
    scopes            text NOT NULL DEFAULT 'openid',
    display_name      text NOT NULL,
    icon_uri          text,
    enabled           boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- A social identity is (issuer, sub) at an upstream, linked to one resident.
-- Never matched by e-mail or any other claim (product.md §7).
CREATE TABLE social_identities (
    issuer      text NOT NULL,
    subject     text NOT NULL,
    resident_id text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    upstream_id text NOT NULL,
    linked_at   timestamptz NOT NULL DEFAULT now(),
    last_used   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX social_identities_resident ON social_identities (resident_id);

-- A login transaction may be out at an upstream: its state, nonce and PKCE
-- verifier, and which upstream (the callback finds the transaction by state).
ALTER TABLE login_transactions
    ADD COLUMN upstream_id       text,
    ADD COLUMN upstream_state    text UNIQUE,
    ADD COLUMN upstream_nonce    text,
    ADD COLUMN upstream_verifier text,
    ADD COLUMN link_resident     text; -- set when a signed-in resident is adding a credential

-- The audit trail: credential links and unlinks, and later other
-- security events (issue #6 adds the resident's view of it).
CREATE TABLE audit_events (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    event       text NOT NULL,
    resident_id text,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_resident ON audit_events (resident_id, at);

-- Adding a credential from the account page is a login transaction without a
-- relying party.
ALTER TABLE login_transactions ALTER COLUMN client_id DROP NOT NULL;
