-- 0016: the admin API (issue #19, docs/admin.md "The admin API").

-- Every call of the admin API, reads included, in one hash chain like the consent ledger's (0005):
-- row_hash = SHA-256(prev_hash || UTF-8 of seq, at in unix microseconds, actor, role, action, target,
-- before, after, joined by "\n"; before and after as jsonb text, "" when NULL); the first row's
-- prev_hash is 32 zero bytes. A change and its row are written in one transaction, one writer at a time
-- (an advisory lock), so that each row chains to the one before. sakaid-admin audit verify and
-- GET /admin/api/v1/audit/verify recompute it.
CREATE TABLE admin_log (
    seq       bigint PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor     text NOT NULL,
    role      text NOT NULL,
    action    text NOT NULL,
    target    text NOT NULL DEFAULT '',
    before    jsonb,
    after     jsonb,
    prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
    row_hash  bytea NOT NULL CHECK (length(row_hash) = 32)
);

-- A suspended client is refused everywhere, as if it did not exist, until it is resumed. Its tokens stay
-- in the tables but are no longer accepted: its access tokens fail introspection with it.
ALTER TABLE clients ADD COLUMN suspended boolean NOT NULL DEFAULT false;
