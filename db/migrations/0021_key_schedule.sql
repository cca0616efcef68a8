-- 0021: signing-key rotation on a schedule (issue #19, docs/keys.md "Scheduled rotation").

-- One schedule per algorithm, set and cancelled through the admin API (each a row of the admin log).
-- A node whose maintenance tick finds next_at passed claims the row (next_at moves a lease on, so that
-- one node rotates), makes the rotation step, and sets next_at every_seconds on. The rotation itself
-- still refuses a next key younger than keys.publish_seconds, so a rotation is never made twice.
CREATE TABLE key_rotation_schedules (
    alg           text PRIMARY KEY CHECK (alg IN ('RS256', 'ES256')),
    every_seconds bigint NOT NULL CHECK (every_seconds BETWEEN 3600 AND 31622400),
    next_at       timestamptz NOT NULL,
    set_by        text NOT NULL,
    set_at        timestamptz NOT NULL DEFAULT now()
);
