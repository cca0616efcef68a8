-- 0005: the resident's account, consent revocation, logout and its
-- back-channel deliveries, the release history (issue #6, product.md §5, §8).

-- The ledger records who acted and the purpose shown. Rows written from now
-- on hash these too (hash_version 2, docs/flow.md); older rows keep their
-- version-1 hash. Adding columns changes no row: the append-only trigger
-- stays satisfied.
ALTER TABLE consent_ledger
    ADD COLUMN actor        text NOT NULL DEFAULT 'resident',
    ADD COLUMN purpose      text NOT NULL DEFAULT '',
    ADD COLUMN hash_version smallint NOT NULL DEFAULT 1;

-- What was released to whom, and when (the resident's history).
CREATE TABLE releases (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    resident_id text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    client_id   text NOT NULL,
    via         text NOT NULL CHECK (via IN ('token', 'userinfo')),
    claims      text NOT NULL
);
CREATE INDEX releases_resident ON releases (resident_id, at);

-- Attributes the resident registers (self-asserted, product.md §5).
CREATE TABLE household_attributes (
    resident_id     text PRIMARY KEY REFERENCES residents (id) ON DELETE CASCADE,
    school_district text,
    area            text,
    children        text NOT NULL DEFAULT '', -- birth year-months, "YYYY-MM" space-separated
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Back-Channel Logout 1.0 deliveries: a logout token waiting to reach a
-- relying party, retried with back-off until it does (or gives up), across
-- restarts and nodes (FOR UPDATE SKIP LOCKED).
CREATE TABLE logout_deliveries (
    id              bigserial PRIMARY KEY,
    client_id       text NOT NULL,
    uri             text NOT NULL,
    logout_token    text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    gave_up_at      timestamptz,
    last_error      text
);
CREATE INDEX logout_deliveries_due ON logout_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;

CREATE INDEX audit_events_event ON audit_events (event, at);
CREATE INDEX grants_sid ON grants (sid);
