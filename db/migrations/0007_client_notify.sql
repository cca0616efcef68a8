-- 0007: every change to a client is announced (NOTIFY sakaid_clients, payload
-- the client_id), after it commits, to the nodes that keep clients in memory
-- (idp/store/pg/client_cache.c): a removed client or a rotated secret is
-- refused on every node at once, whoever made the change (sakaid-admin or SQL).
CREATE FUNCTION sakaid_client_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sakaid_clients', CASE WHEN TG_OP = 'DELETE' THEN OLD.client_id ELSE NEW.client_id END);
    IF TG_OP = 'UPDATE' AND OLD.client_id <> NEW.client_id THEN
        PERFORM pg_notify('sakaid_clients', OLD.client_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER clients_changed AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION sakaid_client_changed();

-- TRUNCATE has no rows to name: the nodes drop everything they hold.
CREATE FUNCTION sakaid_clients_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sakaid_clients', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER clients_truncated AFTER TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION sakaid_clients_truncated();
