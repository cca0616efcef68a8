-- 0001: signing keys, relying parties, issued access tokens.
-- Applied by `sakaid-admin migrate` inside one transaction.

-- Signing keys. The private part is sealed with AES-256-GCM under the
-- key-encryption key (idp/jose/kek.h); associated data binds it to its kid.
-- Life cycle: next (published, not signing) -> active (signing) -> retired
-- (published until no token it signed can still be live). See docs/keys.md.
CREATE TABLE signing_keys (
    kid             text PRIMARY KEY,
    alg             text NOT NULL CHECK (alg IN ('RS256', 'ES256')),
    state           text NOT NULL CHECK (state IN ('next', 'active', 'retired')),
    public_jwk      jsonb NOT NULL,
    private_key_enc bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    activated_at    timestamptz,
    retired_at      timestamptz,
    CHECK ((state = 'retired') = (retired_at IS NOT NULL))
);
-- At most one signing key and one waiting key per algorithm, on every node.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (alg) WHERE state = 'active';
CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (alg) WHERE state = 'next';

-- Relying parties. metadata holds the validated OpenID Connect Dynamic Client
-- Registration metadata plus our own fields (idp/oauth/client_meta.c).
-- secret_hash is SHA-256 of a 256-bit random secret; the secret itself is
-- shown once and never stored.
CREATE TABLE clients (
    client_id         text PRIMARY KEY,
    secret_hash       bytea CHECK (secret_hash IS NULL OR length(secret_hash) = 32),
    metadata          jsonb NOT NULL CHECK (jsonb_typeof(metadata) = 'object'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    secret_rotated_at timestamptz
);

-- Access tokens are JWTs (RFC 9068); their jti is stored so that they can be
-- revoked and introspected.
CREATE TABLE access_tokens (
    jti        text PRIMARY KEY,
    client_id  text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    subject    text NOT NULL,
    scope      text NOT NULL DEFAULT '',
    issued_at  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);
CREATE INDEX access_tokens_client_id ON access_tokens (client_id);
