-- 0018: residents who administer SakaI-D (issue #19, docs/admin.md "The console").

-- A resident holds admin roles that an administrator granted with sakaid-admin role grant, and signs in to
-- the console at /admin with the My Number card (acr card). The roles are the admin API's.
CREATE TABLE admin_roles (
    resident_id text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('viewer', 'client-operator', 'key-operator', 'help-desk', 'auditor')),
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resident_id, role)
);
