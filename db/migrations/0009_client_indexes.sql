-- Removing a client (sakaid-admin client remove) deletes its consents and grants through ON DELETE
-- CASCADE. Neither table had an index leading with client_id, so every removal read both whole: 427 ms
-- at 1M rows each (bench/scale, docs/performance.md "Scaling"), and more with every resident. Each index
-- adds one B-tree insert to a grant or a consent.
-- login_transactions stays without indexes on client_id and resident_id: its rows live ten minutes and
-- the sweep deletes them an hour after that, so it holds about an hour of sign-ins and a scan is cheap
-- (0.03 ms in the same run). tests/integration/admin.test.mjs holds every other foreign key to an index.
CREATE INDEX grants_client ON grants (client_id);
CREATE INDEX consents_client ON consents (client_id);
