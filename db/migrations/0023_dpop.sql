-- 0023: DPoP (RFC 9449; issue #21, docs/fapi.md). A grant whose tokens are bound to a DPoP key keeps the key's
-- RFC 7638 thumbprint: set from the authorization request's dpop_jkt (§10) or at the code's redemption by the
-- proof's key (§5), and then every refresh of the grant must prove possession of that key.
ALTER TABLE grants ADD COLUMN dpop_jkt text CHECK (dpop_jkt ~ '^[A-Za-z0-9_-]{43}$');
