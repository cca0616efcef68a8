-- 0027: outreach (issue #22, docs/outreach.md). The resident opts in to categories the city publishes; city
-- staff count and send segments over coarse attributes of opted-in residents only; a send is an immutable
-- snapshot the city portal pages through.

-- The coarse attributes of a resident who opted in to at least one category, derived from the verified record
-- and the household form, and kept apart from them (those stay sealed, migration 0013): the month of birth, the
-- gender, the ward, whether the address is in Sakai, the school district and the children's months of birth.
-- Months are year * 12 + month - 1. categories: a bit per category (oauth/outreach.c: bits are never reused).
-- The row goes when the last category is turned off.
CREATE TABLE outreach_profiles (
    resident_id     text PRIMARY KEY REFERENCES residents (id) ON DELETE CASCADE,
    categories      integer NOT NULL CHECK (categories > 0),
    birth_month     integer,
    gender          smallint CHECK (gender IN (1, 2)),
    ward            text CHECK (length(ward) <= 32),
    sakai_resident  boolean NOT NULL DEFAULT false,
    school_district text CHECK (length(school_district) <= 255),
    children        integer[] NOT NULL DEFAULT '{}' CHECK (cardinality(children) <= 10),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A segment: a category and criteria in the outreach language (its canonical text, parsed again on use, never
-- SQL), defined by a planner, optionally on behalf of a partner client (who then sees its counts only).
CREATE TABLE outreach_segments (
    id          text PRIMARY KEY,
    category    text NOT NULL CHECK (length(category) <= 32),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    criteria    text NOT NULL CHECK (length(criteria) <= 2000),
    sponsor     text,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outreach_segments_created ON outreach_segments (created_at);

-- A send: the members at that moment, never changed afterwards except that a resident who turns the category off
-- before the portal fetched them is taken out (docs/outreach.md).
CREATE TABLE outreach_campaigns (
    id          text PRIMARY KEY,
    segment_id  text NOT NULL REFERENCES outreach_segments (id),
    category    text NOT NULL,
    criteria    text NOT NULL,
    attributes  text NOT NULL, -- the attributes the criteria used, space-separated (what the resident is shown)
    sponsor     text,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    members     integer NOT NULL
);
CREATE INDEX outreach_campaigns_created ON outreach_campaigns (created_at);
CREATE INDEX outreach_campaigns_segment ON outreach_campaigns (segment_id); -- a foreign key's index (integ_admin)

CREATE TABLE outreach_members (
    campaign_id text NOT NULL REFERENCES outreach_campaigns (id) ON DELETE CASCADE,
    resident_id text NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    released_at timestamptz, -- when the portal fetched the member (a ledger row "release")
    PRIMARY KEY (campaign_id, resident_id)
);
CREATE INDEX outreach_members_resident ON outreach_members (resident_id);

-- The consent ledger records opting in ("grant") and out ("revoke") of a category, client "sakaid:outreach", and
-- the release of a member to the city portal ("release"). Changing the check changes no row.
ALTER TABLE consent_ledger DROP CONSTRAINT consent_ledger_action_check;
ALTER TABLE consent_ledger ADD CONSTRAINT consent_ledger_action_check
    CHECK (action IN ('grant', 'deny', 'revoke', 'release'));

-- The outreach planner (docs/admin.md "Roles").
ALTER TABLE admin_roles DROP CONSTRAINT admin_roles_role_check;
ALTER TABLE admin_roles ADD CONSTRAINT admin_roles_role_check
    CHECK (role IN ('viewer', 'client-operator', 'key-operator', 'help-desk', 'auditor', 'outreach-planner'));
