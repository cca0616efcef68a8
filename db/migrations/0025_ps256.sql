-- 0025: PS256 signing keys (RFC 7518 §3.5; issue #21: FAPI 2.0 signs with PS256 or ES256, docs/keys.md).

-- A PS256 key is an RSA-2048 key like an RS256 one, kept apart under its own algorithm: its own active and
-- next key (the unique indexes of 0001 are per algorithm), its own rotation schedule (0021).
-- `sakaid-admin keys init` makes the first PS256 keys of an existing installation.
ALTER TABLE signing_keys DROP CONSTRAINT signing_keys_alg_check;
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_alg_check CHECK (alg IN ('RS256', 'ES256', 'PS256'));
ALTER TABLE key_rotation_schedules DROP CONSTRAINT key_rotation_schedules_alg_check;
ALTER TABLE key_rotation_schedules
    ADD CONSTRAINT key_rotation_schedules_alg_check CHECK (alg IN ('RS256', 'ES256', 'PS256'));
