-- 0012: verified attributes belong to the person who signed in (issue #15 items 8-10, docs/card.md).

-- A login transaction may be a signing step (the card's two keys sign one challenge, so that the
-- signing certificate is enrolled for the holder of the authentication certificate), which the resident
-- may decline. A card no resident holds yet waits in its transaction (new_card_*) until the resident
-- says whether it replaces an earlier card: once its signing certificate was read for that
-- (renew_checked), renew_resident is the SakaI-D whose verified attributes it matched, offered for
-- confirmation, or NULL when none did.
ALTER TABLE login_transactions
    ADD COLUMN sign_step          boolean NOT NULL DEFAULT false,
    ADD COLUMN sign_declined      boolean NOT NULL DEFAULT false,
    ADD COLUMN new_card_sha256    bytea CHECK (new_card_sha256 IS NULL OR length(new_card_sha256) = 32),
    ADD COLUMN new_card_issuer    text,
    ADD COLUMN new_card_serial    text,
    ADD COLUMN new_card_not_after timestamptz,
    ADD COLUMN renew_resident     text REFERENCES residents (id) ON DELETE CASCADE,
    ADD COLUMN renew_checked      boolean NOT NULL DEFAULT false;

-- A challenge is for the authentication key alone, or for both keys of one card ("both"). A signing
-- certificate alone is no longer enrolled ("sign" challenges): it could be another person's card.
ALTER TABLE card_challenges DROP CONSTRAINT card_challenges_purpose_check;
DELETE FROM card_challenges WHERE purpose = 'sign';
ALTER TABLE card_challenges ADD CONSTRAINT card_challenges_purpose_check CHECK (purpose IN ('auth', 'both'));

-- J-LIS 証明書紐付け情報 (jpki.md): which authentication certificate a signing certificate was issued
-- with, imported by admins (sakaid-admin linkage import --pairs). Where a row names either certificate
-- of a two-key signature, it must name the other one too.
CREATE TABLE card_pair_linkage (
    sign_issuer_key_id text NOT NULL,
    sign_serial        text NOT NULL,
    auth_issuer_key_id text NOT NULL,
    auth_serial        text NOT NULL,
    imported_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sign_issuer_key_id, sign_serial)
);
CREATE INDEX card_pair_linkage_auth ON card_pair_linkage (auth_issuer_key_id, auth_serial);

-- Renewal by re-verification (product.md §6): a keyed digest (HMAC under a key derived from the KEK) of
-- the four basic attributes as the signing certificate carries them, so that a new card's attributes
-- find the resident they belong to without storing or comparing the attributes in clear.
ALTER TABLE resident_attributes ADD COLUMN match_key bytea CHECK (match_key IS NULL OR length(match_key) = 32);
CREATE INDEX resident_attributes_match_key ON resident_attributes (match_key) WHERE match_key IS NOT NULL;
