-- 0002: residents, My Number card identities, certificate linkage, login
-- transactions and card challenges (issue #3, jpki.md).

-- A SakaI-D resident. The id is random and never derived from a card:
-- certificates change on every renewal (jpki.md), the resident does not.
CREATE TABLE residents (
    id         text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Card certificates seen at login or enrolment, each linked to one resident.
-- Looked up by the certificate's SHA-256 and by (issuer key id, serial) for
-- linkage; neither is the resident's key.
CREATE TABLE card_certificates (
    cert_sha256   bytea PRIMARY KEY CHECK (length(cert_sha256) = 32),
    resident_id   text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    purpose       text NOT NULL CHECK (purpose IN ('auth', 'sign')),
    issuer_key_id text NOT NULL,
    serial        text NOT NULL,
    not_after     timestamptz NOT NULL,
    first_seen    timestamptz NOT NULL DEFAULT now(),
    last_used     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer_key_id, serial)
);
CREATE INDEX card_certificates_resident ON card_certificates (resident_id);

-- Attributes verified from the signing certificate (jpki.md), with when.
CREATE TABLE resident_attributes (
    resident_id    text PRIMARY KEY REFERENCES residents (id) ON DELETE CASCADE,
    name           text NOT NULL,
    name_alt       text,
    gender         text,
    birth_date     text NOT NULL,
    address        text NOT NULL,
    address_alt    text,
    sakai_resident boolean NOT NULL,
    sakai_ward     text,
    cert_sha256    bytea NOT NULL,
    verified_at    timestamptz NOT NULL
);

-- Old -> new certificate linkage, imported by admins (sakaid-admin linkage
-- import; in place of J-LIS 証明書新旧紐付け情報).
CREATE TABLE certificate_linkage (
    old_issuer_key_id text NOT NULL,
    old_serial        text NOT NULL,
    new_issuer_key_id text NOT NULL,
    new_serial        text NOT NULL,
    imported_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (old_issuer_key_id, old_serial)
);
CREATE INDEX certificate_linkage_new ON certificate_linkage (new_issuer_key_id, new_serial);

-- A login in progress: what the relying party asked for, and who signed in.
-- Created by the authorization endpoint (issue #4).
CREATE TABLE login_transactions (
    id               text PRIMARY KEY,
    client_id        text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    redirect_uri     text NOT NULL,
    oidc_nonce       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    resident_id      text REFERENCES residents (id) ON DELETE CASCADE,
    acr              text,
    authenticated_at timestamptz
);
CREATE INDEX login_transactions_expires_at ON login_transactions (expires_at);

-- Single-use card challenges, each bound to one login transaction.
CREATE TABLE card_challenges (
    id          text PRIMARY KEY,
    login_tx    text NOT NULL REFERENCES login_transactions (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('auth', 'sign')),
    nonce       bytea NOT NULL CHECK (length(nonce) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'authenticated', 'failed')),
    reason      text
);
CREATE INDEX card_challenges_login_tx ON card_challenges (login_tx);
