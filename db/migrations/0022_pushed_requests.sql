-- 0022: pushed authorization requests (RFC 9126; issue #21, docs/flow.md "Pushed authorization requests").

-- A client pushes its authorization request to /par and gets a request_uri, whose SHA-256 is the key: it
-- is usable once, by that client, for 60 s. The sweep deletes rows an hour past their expiry.
CREATE TABLE pushed_requests (
    request_uri_hash bytea PRIMARY KEY CHECK (length(request_uri_hash) = 32),
    client_id        text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    params           text NOT NULL CHECK (length(params) <= 8192),
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz
);
CREATE INDEX pushed_requests_expires ON pushed_requests (expires_at);
-- a removed client takes its pushes with it without reading the whole table
CREATE INDEX pushed_requests_client ON pushed_requests (client_id);
