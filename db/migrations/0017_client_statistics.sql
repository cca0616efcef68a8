-- 0017: per-client daily statistics (issue #19, docs/admin.md "Statistics").

-- Kept incrementally, in the transaction of the event they count, so that reading them never scans the
-- consent ledger or the audit events, however many rows those hold. A day is a day in Japan (UTC+9).
-- Each database session adds to a row of its own (shard: its backend pid mod 16), so that concurrent
-- sign-ins at one client never wait for each other's row lock; a read sums the shards.
--   sign_in     a grant: an authorization the client received (a code issued)
--   consent     a consent given (consent_ledger action grant)
--   refusal     a consent refused (deny)
--   withdrawal  a consent withdrawn (revoke)
--   step_up     a sign-in raised to the card for this client (audit event step_up)
--   error       an error sent back to the client's redirect URI, by OAuth error code
CREATE TABLE client_stats_daily (
    client_id text NOT NULL,
    day       date NOT NULL,
    metric    text NOT NULL CHECK (metric IN ('sign_in', 'consent', 'refusal', 'withdrawal', 'step_up', 'error')),
    code      text NOT NULL DEFAULT '' CHECK (code ~ '^[a-z_]{0,64}$'),
    shard     smallint NOT NULL,
    count     bigint NOT NULL CHECK (count > 0),
    PRIMARY KEY (client_id, day, metric, code, shard)
);

CREATE FUNCTION sakaid_stat_bump(client text, at timestamptz, m text, c text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO client_stats_daily (client_id, day, metric, code, shard, count)
    VALUES (client, (at AT TIME ZONE 'Asia/Tokyo')::date, m, c, pg_backend_pid() % 16, 1)
    ON CONFLICT (client_id, day, metric, code, shard) DO UPDATE SET count = client_stats_daily.count + 1
$$;

CREATE FUNCTION sakaid_stats_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sakaid_stat_bump(NEW.client_id, NEW.at,
        CASE NEW.action WHEN 'grant' THEN 'consent' WHEN 'deny' THEN 'refusal' ELSE 'withdrawal' END, '');
    RETURN NULL;
END $$;
CREATE TRIGGER consent_ledger_stats AFTER INSERT ON consent_ledger
    FOR EACH ROW EXECUTE FUNCTION sakaid_stats_ledger();

CREATE FUNCTION sakaid_stats_grant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sakaid_stat_bump(NEW.client_id, NEW.created_at, 'sign_in', '');
    RETURN NULL;
END $$;
CREATE TRIGGER grants_stats AFTER INSERT ON grants FOR EACH ROW EXECUTE FUNCTION sakaid_stats_grant();

CREATE FUNCTION sakaid_stats_step_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.detail->>'client_id' IS NOT NULL THEN
        PERFORM sakaid_stat_bump(NEW.detail->>'client_id', NEW.at, 'step_up', '');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER audit_events_stats AFTER INSERT ON audit_events
    FOR EACH ROW WHEN (NEW.event = 'step_up') EXECUTE FUNCTION sakaid_stats_step_up();
