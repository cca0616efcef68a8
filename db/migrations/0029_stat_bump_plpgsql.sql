-- 0029: the per-client statistics counter (0017) as PL/pgSQL, so that its INSERT is planned once per database
-- session. As a LANGUAGE sql function that cannot be inlined (it is an INSERT), PostgreSQL parsed, analysed and
-- planned its body on every call (fmgr_sql), that is on every grant, consent and step-up: in the code flow's
-- system-wide profile, 6 % of both cores went to re-planning it (docs/performance.md, 2026-12-07 third session).
-- PL/pgSQL keeps the statement's plan for the session (SPI). Same arguments, same rows, same shards.
CREATE OR REPLACE FUNCTION sakaid_stat_bump(client text, at timestamptz, m text, c text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO client_stats_daily (client_id, day, metric, code, shard, count)
    VALUES (client, (at AT TIME ZONE 'Asia/Tokyo')::date, m, c, pg_backend_pid() % 16, 1)
    ON CONFLICT (client_id, day, metric, code, shard) DO UPDATE SET count = client_stats_daily.count + 1;
END $$;
