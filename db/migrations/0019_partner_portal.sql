-- 0019: the partner portal (issue #19, docs/admin.md "The partner portal").

-- The residents who act for a partner organisation at /partner (sakaid-admin member add). They see and
-- manage their organisation's clients only.
CREATE TABLE organisation_members (
    organisation text NOT NULL CHECK (organisation ~ '^[A-Za-z0-9._-]{1,63}$'),
    resident_id  text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation, resident_id)
);
CREATE INDEX organisation_members_resident_id ON organisation_members (resident_id);

-- A partner asks for its sandbox client to go live; the console shows the request until an administrator
-- approves the client (which clears it) or not.
ALTER TABLE clients ADD COLUMN approval_requested_at timestamptz;
