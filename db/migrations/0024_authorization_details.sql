-- 0024: rich authorization requests (RFC 9396; issue #21, docs/fapi.md "Rich authorization").
-- A grant keeps the authorization_details the resident consented to (their canonical JSON text), for its
-- tokens and introspection. The consent ledger records them verbatim with the decision: a row that has them is
-- hash_version 3, whose hash covers them after the purpose (docs/flow.md); rows without them stay version 2.
ALTER TABLE grants ADD COLUMN authorization_details text CHECK (length(authorization_details) <= 4000);
ALTER TABLE consent_ledger ADD COLUMN authorization_details text;
