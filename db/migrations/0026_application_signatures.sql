-- 0026: applications signed with the card (issue #21, docs/fapi.md "Applications signed with the card").
-- A card challenge may be for an application's signature ("app"): the card's signing key signs the CMS signed
-- attributes the server built (the document's digest, the signing time). Each signature is kept, with the
-- detached CMS SignedData the relying party receives, for the resident's account page and the client's API.
ALTER TABLE card_challenges DROP CONSTRAINT card_challenges_purpose_check;
ALTER TABLE card_challenges ADD CONSTRAINT card_challenges_purpose_check CHECK (purpose IN ('auth', 'both', 'app'));

CREATE TABLE application_signatures (
    id                 text PRIMARY KEY,
    login_tx           text NOT NULL,
    grant_id           text,
    resident_id        text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    client_id          text NOT NULL,
    application_id     text NOT NULL,
    procedure_code     text NOT NULL,
    procedure_name     text NOT NULL,
    document_digest    text NOT NULL CHECK (document_digest ~ '^[A-Za-z0-9_-]{43}$'),
    cert_serial        text NOT NULL,
    cert_issuer_key_id text NOT NULL,
    signing_time       timestamptz NOT NULL,
    cms                bytea NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_signatures_resident ON application_signatures (resident_id, created_at DESC);
CREATE INDEX application_signatures_grant ON application_signatures (grant_id);
CREATE INDEX application_signatures_login_tx ON application_signatures (login_tx);
