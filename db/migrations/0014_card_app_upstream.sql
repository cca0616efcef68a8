-- 0014: the Digital Agency's デジタル認証アプリ as a card channel (issue #17, docs/card.md "Channels").

-- An upstream is a social provider (low assurance, acr social) or a card channel: kind
-- 'digital-auth-app' signs residents in with the My Number card through the Digital Agency's
-- デジタル認証アプリサービス API. Its sign-ins count as card sign-ins only when the upstream's ID token states
-- every value of acr_values (the assurance level and the revocation check we asked for). Such an upstream
-- authenticates to its token endpoint with private_key_jwt (RFC 7523): client_secret_enc then holds the
-- sealed PKCS#8 DER of our private key, not a secret.
ALTER TABLE upstream_providers
    ADD COLUMN kind       text NOT NULL DEFAULT 'social' CHECK (kind IN ('social', 'digital-auth-app')),
    ADD COLUMN acr_values text NOT NULL DEFAULT '' CHECK (acr_values ~ '^[ -~]{0,255}$'),
    ADD CONSTRAINT upstream_card_channel_acr CHECK (kind <> 'digital-auth-app' OR acr_values <> '');

-- Verified attributes name their evidence: NULL, a card's signing certificate (cert_sha256); or the card
-- channel that read them, the upstream identity that signed in through it, and the assurance its ID token
-- stated (acr). They go when that identity is unlinked, and a card's signing certificate enrolled later
-- replaces them.
ALTER TABLE resident_attributes
    ADD COLUMN evidence_upstream  text,
    ADD COLUMN evidence_issuer    text,
    ADD COLUMN evidence_subject   text,
    ADD COLUMN evidence_assurance text,
    ADD CONSTRAINT resident_attributes_evidence
        CHECK ((evidence_upstream IS NULL) = (evidence_issuer IS NULL) AND (evidence_issuer IS NULL) = (evidence_subject IS NULL)
               AND (evidence_subject IS NULL) = (evidence_assurance IS NULL));
