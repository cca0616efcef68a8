-- Claims a relying party asked to receive in the ID token itself: the id_token member of the claims
-- request parameter (OpenID Connect Core §5.5). A subset of grants.claims, which the resident consented
-- to; every ID token issued from the grant (code and refresh) carries them.
ALTER TABLE grants ADD COLUMN id_token_claims text NOT NULL DEFAULT '';
