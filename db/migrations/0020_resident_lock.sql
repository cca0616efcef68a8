-- 0020: the help desk locks a resident (issue #19, docs/admin.md "The admin API").

-- A locked resident cannot sign in until unlocked: locking ends their sessions and revokes their grants
-- and tokens in the same transaction (POST /admin/api/v1/residents/{id}/lock, with a reason).
ALTER TABLE residents
    ADD COLUMN locked_at     timestamptz,
    ADD COLUMN locked_reason text CHECK (locked_reason IS NULL OR length(locked_reason) <= 500);
