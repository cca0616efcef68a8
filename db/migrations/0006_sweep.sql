-- 0006: indexes for expiry sweeping (idp/store/pg/store_sweep.c,
-- maintenance.sweep_seconds). Each sweep statement finds its rows through an
-- index, oldest first, so that a tick costs what it deletes and not the size
-- of the table.

-- Deleting a grant cascades to its authorization codes (ON DELETE CASCADE):
-- without this index every deleted grant (and every deleted client or
-- resident) scanned the whole authorization_codes table.
CREATE INDEX authorization_codes_grant ON authorization_codes (grant_id);

-- Sessions signed out before they expired go an hour after they ended.
CREATE INDEX sessions_ended_at ON sessions (ended_at) WHERE ended_at IS NOT NULL;

-- Revoked grants go an hour after their revocation once nothing issued from
-- them is live (expired ones are found through grants_expires_at).
CREATE INDEX grants_revoked_at ON grants (revoked_at) WHERE revoked_at IS NOT NULL;

-- Back-Channel Logout deliveries that are finished (delivered or given up).
CREATE INDEX logout_deliveries_finished ON logout_deliveries ((coalesce(delivered_at, gave_up_at)))
    WHERE delivered_at IS NOT NULL OR gave_up_at IS NOT NULL;
