-- 0011: sessions and tokens hold against an attacker (issue #14, docs/security.md).

-- A login transaction's authentication (a card signature, an upstream sign-in) begins a session once:
-- /login/continue and the social callback mark it continued in the same statement that reads it, so a
-- transaction replayed later (after logout, from the browser's history) cannot mint a session again.
-- Transactions of the consent step carry the session's resident but no credential and can never be
-- continued. A transaction that asks the resident to sign in again before a card is added to them
-- (step-up from an old social sign-in) is marked reauth.
ALTER TABLE login_transactions
    ADD COLUMN continued_at timestamptz,
    ADD COLUMN reauth       boolean NOT NULL DEFAULT false;
-- Logout ends the browser's pending transactions (by the binding cookie's hash) and those begun in the
-- ended session; an identical repeated authorization request reuses the browser's pending one.
CREATE INDEX login_transactions_browser ON login_transactions (browser_hash);
CREATE INDEX login_transactions_session ON login_transactions (session_sid) WHERE session_sid IS NOT NULL;

-- OpenID Connect Core §11: only a grant with offline_access outlives the browser session it came from.
-- Every other grant (all grants issued before this migration among them) ends with its session: its
-- refresh tokens stop working at logout, at session expiry and when the session is signed out from the
-- account page, and so do its access tokens at UserInfo and introspection.
ALTER TABLE grants ADD COLUMN offline boolean NOT NULL DEFAULT false;

-- The sign-in itself (the client learns a stable identifier for the resident, scope openid) is consented
-- to like any claim, as the pseudo-claim "openid". Residents who consented to a client before did so on
-- a consent page that named the identifier, so they keep it; everybody else is asked once.
INSERT INTO consents (resident_id, client_id, claim, granted_at, expires_at)
SELECT DISTINCT ON (resident_id, client_id) resident_id, client_id, 'openid', granted_at, expires_at
FROM consents ORDER BY resident_id, client_id, expires_at DESC
ON CONFLICT (resident_id, client_id, claim) DO NOTHING;
