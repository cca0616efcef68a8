-- 0030: the subject a grant's tokens carry (the client's pairwise or public sub, OpenID Connect Core §8),
-- stored when the grant and its code are created at /authorize. A code's usual redemption then spends the code
-- and writes the access token's row in one statement, before the signatures (idp_store_code_exchange,
-- docs/flow.md "Redemption"): one round trip fewer per code flow. NULL for grants made before this migration (a
-- code issued just before the upgrade); those codes are redeemed the checked way.
ALTER TABLE grants ADD COLUMN subject text;
