-- 0013: card-verified and household attributes are encrypted at rest (issue #15 item 12, docs/keys.md
-- "Data keys").
--
-- Envelope encryption: each value is sealed with AES-256-GCM under a data key (DEK), with a fresh nonce,
-- and with associated data that names its table, column and row (sakaid:attr:v1:<table>.<column>:<row>),
-- so that a value copied to another row or another column does not open. The data keys are sealed under
-- the key-encryption key (KEK) as signing keys are (associated data sakaid:data-key:<id>). SQL cannot
-- reach the KEK: the rows stored in clear before this migration move to the encrypted tables when
-- `sakaid-admin migrate` seals them right after applying it (sakaid refuses to start while any remain).

-- Data keys. One is active (new values are sealed with it); after `sakaid-admin data-key rotate` the
-- one before is retiring until every value it sealed has been sealed again with the active one, and
-- then retired: its sealed key is erased.
CREATE TABLE data_keys (
    id          integer PRIMARY KEY CHECK (id > 0),
    state       text NOT NULL CHECK (state IN ('active', 'retiring', 'retired')),
    key_enc     bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    retiring_at timestamptz,
    retired_at  timestamptz,
    CHECK ((state = 'retired') = (key_enc IS NULL)),
    CHECK ((state = 'active') = (retiring_at IS NULL)),
    CHECK ((state = 'retired') = (retired_at IS NOT NULL))
);
-- At most one active key, on every node and admin.
CREATE UNIQUE INDEX data_keys_one_active ON data_keys (state) WHERE state = 'active';
-- Ids are taken before the key is sealed (its id is in the associated data).
CREATE SEQUENCE data_keys_id_seq AS integer OWNED BY data_keys.id;

-- The tables in clear keep their rows until `sakaid-admin migrate` has sealed them (then they are empty;
-- a later migration may drop them, together with the start-up check that counts their rows,
-- idp_store_plaintext_count in idp/store/pg/store_sealed.c).
ALTER TABLE resident_attributes RENAME TO resident_attributes_plaintext;
ALTER TABLE resident_attributes_plaintext RENAME CONSTRAINT resident_attributes_pkey TO resident_attributes_plaintext_pkey;
ALTER TABLE resident_attributes_plaintext
    RENAME CONSTRAINT resident_attributes_resident_id_fkey TO resident_attributes_plaintext_resident_id_fkey;
ALTER INDEX resident_attributes_match_key RENAME TO resident_attributes_plaintext_match_key;
ALTER TABLE household_attributes RENAME TO household_attributes_plaintext;
ALTER TABLE household_attributes_plaintext RENAME CONSTRAINT household_attributes_pkey TO household_attributes_plaintext_pkey;
ALTER TABLE household_attributes_plaintext
    RENAME CONSTRAINT household_attributes_resident_id_fkey TO household_attributes_plaintext_resident_id_fkey;

-- Attributes verified from the signing certificate. Every value column is sealed, an absent value as the
-- sealed empty string (so a value cannot be removed by setting it NULL, and absence does not show); all
-- values of a row are sealed together under the one data key data_key_id names. sakai_resident is "true"
-- or "false"; gender_raw and birth_date_raw are the certificate's own codes (docs/card.md).
CREATE TABLE resident_attributes (
    resident_id    text PRIMARY KEY REFERENCES residents (id) ON DELETE CASCADE,
    data_key_id    integer NOT NULL REFERENCES data_keys (id),
    name           bytea NOT NULL,
    name_alt       bytea NOT NULL,
    gender         bytea NOT NULL,
    birth_date     bytea NOT NULL,
    address        bytea NOT NULL,
    address_alt    bytea NOT NULL,
    sakai_resident bytea NOT NULL,
    sakai_ward     bytea NOT NULL,
    gender_raw     bytea NOT NULL,
    birth_date_raw bytea NOT NULL,
    cert_sha256    bytea NOT NULL,
    verified_at    timestamptz NOT NULL,
    -- migration 0012's keyed digest for renewal (not sealed: it is already keyed; computed by
    -- `sakaid-admin migrate` for the rows it seals)
    match_key      bytea CHECK (match_key IS NULL OR length(match_key) = 32)
);
CREATE INDEX resident_attributes_match_key ON resident_attributes (match_key) WHERE match_key IS NOT NULL;
-- Re-encryption after a rotation finds the rows of retiring keys by this index.
CREATE INDEX resident_attributes_data_key ON resident_attributes (data_key_id);

-- Attributes the resident registers (self-asserted, product.md §5), sealed likewise. children is
-- "YYYY-MM" space-separated.
CREATE TABLE household_attributes (
    resident_id     text PRIMARY KEY REFERENCES residents (id) ON DELETE CASCADE,
    data_key_id     integer NOT NULL REFERENCES data_keys (id),
    school_district bytea NOT NULL,
    area            bytea NOT NULL,
    children        bytea NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX household_attributes_data_key ON household_attributes (data_key_id);
