// Expiry sweeping (maintenance.sweep_seconds, idp/store/pg/store_sweep.c):
// with a sweep every second, rows an hour past their expiry go, table by
// table, and exactly those: live rows, rows inside the hour of grace, grants
// that still have a live token or a live session, pending logout deliveries,
// the consent ledger, consents, releases and audit events all stay; and a
// live refresh-token family still detects the reuse of a spent token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addClient, basic, cleanup, psql, tokenRequest, waitFor } from './lib/harness.mjs';
import { Agent, authRequest, completeLogin, oidc, rp, startProvider } from './lib/flow.mjs';

const CB = 'https://rp.example/cb';
let p, db, client, config;

before(async () => {
  p = await startProvider({ maintenance: { sweep_seconds: 1 } });
  db = p.env.SAKAID_DATABASE_URL;
  client = addClient(p.env, ['--client-name', 'Library', '--redirect-uris', CB, '--tier', 'city',
    '--grant-types', 'authorization_code,refresh_token', '--scope', 'openid residency']);
  config = await rp(p.url, client);
});
after(cleanup);

async function signIn() {
  const agent = new Agent(p.url);
  const a = await authRequest(config, { redirect_uri: CB, scope: 'openid residency' });
  const r = await completeLogin(agent, await agent.go(a.url.href), { cards: p.cards });
  assert.equal(r.status, 303, r.text?.slice(0, 300));
  return oidc.authorizationCodeGrant(config, new URL(r.location), { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
}

const refresh = (token) => tokenRequest(p.url, { grant_type: 'refresh_token', refresh_token: token },
  { authorization: basic(client.client_id, client.client_secret) });

/** The ids of the test's rows in a table (prefix "sw-"), sorted. */
const ids = (table, col) => psql(db, `SELECT ${col} FROM ${table} WHERE ${col}::text LIKE 'sw-%' ORDER BY 1`).split('\n').filter(Boolean);
const count = (sql) => Number(psql(db, sql));

// Rows written straight into the tables: "old" expired (or ended, revoked, finished) two hours ago
// and must go; "recent" expired ten minutes ago (inside the grace) and "live" must stay.
function seed(cid) {
  const h = (s) => `sha256(convert_to('${s}', 'UTF8'))`;
  const grant = (id, exp, revoked = 'NULL', sid = 'NULL') =>
    `('${id}', '${cid}', 'sw-resident', ${sid}, 'openid', '', 'x', 'pwd', now(), ${exp}, ${revoked})`;
  psql(db, `BEGIN;
    INSERT INTO residents (id) VALUES ('sw-resident');
    INSERT INTO access_tokens (jti, client_id, subject, expires_at) VALUES
      ('sw-at-old', '${cid}', 's', now() - interval '2 hours'),
      ('sw-at-recent', '${cid}', 's', now() - interval '10 minutes'),
      ('sw-at-live', '${cid}', 's', now() + interval '1 hour');
    INSERT INTO client_assertion_jtis (client_id, jti, expires_at) VALUES
      ('${cid}', 'sw-jti-old', now() - interval '2 hours'),
      ('${cid}', 'sw-jti-recent', now() - interval '10 minutes'),
      ('${cid}', 'sw-jti-live', now() + interval '1 hour');
    INSERT INTO login_transactions (id, client_id, redirect_uri, expires_at) VALUES
      ('sw-tx-old', '${cid}', '${CB}', now() - interval '2 hours'),
      ('sw-tx-recent', '${cid}', '${CB}', now() - interval '10 minutes'),
      ('sw-tx-live', '${cid}', '${CB}', now() + interval '1 hour');
    INSERT INTO card_challenges (id, login_tx, purpose, nonce, expires_at) VALUES
      ('sw-ch-old', 'sw-tx-old', 'auth', ${h('a')}, now() - interval '2 hours'),
      ('sw-ch-live', 'sw-tx-live', 'auth', ${h('b')}, now() - interval '2 hours');
    INSERT INTO sessions (id_hash, sid, resident_id, acr, amr, auth_time, expires_at, ended_at) VALUES
      (${h('s1')}, 'sw-sess-expired', 'sw-resident', 'x', 'pwd', now(), now() - interval '2 hours', NULL),
      (${h('s2')}, 'sw-sess-ended', 'sw-resident', 'x', 'pwd', now(), now() + interval '1 hour', now() - interval '2 hours'),
      (${h('s3')}, 'sw-sess-ended-recent', 'sw-resident', 'x', 'pwd', now(), now() + interval '1 hour', now() - interval '10 minutes'),
      (${h('s4')}, 'sw-sess-live', 'sw-resident', 'x', 'pwd', now(), now() + interval '1 hour', NULL);
    INSERT INTO grants (id, client_id, resident_id, sid, scope, claims, acr, amr, auth_time, expires_at, revoked_at) VALUES
      ${grant('sw-g-expired', "now() - interval '2 hours'", 'NULL', "'sw-sess-expired'")},
      ${grant('sw-g-revoked', "now() + interval '30 days'", "now() - interval '2 hours'")},
      ${grant('sw-g-revoked-token-live', "now() + interval '30 days'", "now() - interval '2 hours'")},
      ${grant('sw-g-expired-code-live', "now() - interval '2 hours'")},
      ${grant('sw-g-expired-session-live', "now() - interval '2 hours'", 'NULL', "'sw-sess-live'")},
      ${grant('sw-g-recent', "now() - interval '10 minutes'")},
      ${grant('sw-g-live', "now() + interval '30 days'")};
    INSERT INTO refresh_tokens (token_hash, grant_id, used_at) VALUES
      (${h('r1')}, 'sw-g-expired', now()), (${h('r2')}, 'sw-g-expired', NULL),
      (${h('r3')}, 'sw-g-revoked', now()),
      (${h('r4')}, 'sw-g-revoked-token-live', now()),
      (${h('r5')}, 'sw-g-expired-session-live', NULL),
      (${h('r6')}, 'sw-g-recent', NULL),
      (${h('r7')}, 'sw-g-live', now() - interval '20 days'), (${h('r8')}, 'sw-g-live', NULL);
    INSERT INTO access_tokens (jti, client_id, subject, expires_at, grant_id) VALUES
      ('sw-at-of-expired-grant', '${cid}', 's', now() - interval '2 hours', 'sw-g-expired'),
      ('sw-at-of-revoked-grant', '${cid}', 's', now() + interval '1 hour', 'sw-g-revoked-token-live');
    INSERT INTO authorization_codes (code_hash, grant_id, redirect_uri, expires_at, used_at) VALUES
      (${h('c1')}, 'sw-g-live', '${CB}', now() - interval '2 hours', now() - interval '2 hours'),
      (${h('c2')}, 'sw-g-live', '${CB}', now() - interval '10 minutes', NULL),
      (${h('c3')}, 'sw-g-expired-code-live', '${CB}', now() + interval '5 minutes', NULL),
      (${h('c4')}, 'sw-g-live', '${CB}', now() + interval '5 minutes', NULL);
    INSERT INTO logout_deliveries (client_id, uri, logout_token, created_at, next_attempt_at, delivered_at, gave_up_at) VALUES
      ('sw-ld-delivered-old', 'https://rp.example/bcl', 't', now() - interval '9 days', now(), now() - interval '8 days', NULL),
      ('sw-ld-gave-up-old', 'https://rp.example/bcl', 't', now() - interval '9 days', now(), NULL, now() - interval '8 days'),
      ('sw-ld-delivered-recent', 'https://rp.example/bcl', 't', now() - interval '2 days', now(), now() - interval '1 day', NULL),
      ('sw-ld-pending-old', 'https://rp.example/bcl', 't', now() - interval '30 days', now() + interval '1 hour', NULL, NULL);
    INSERT INTO consents (resident_id, client_id, claim, granted_at, expires_at) VALUES
      ('sw-resident', '${cid}', 'sw-claim-expired', now() - interval '2 years', now() - interval '1 year');
    INSERT INTO releases (at, resident_id, client_id, via, claims) VALUES
      (now() - interval '3 years', 'sw-resident', '${cid}', 'token', 'sw-old');
    INSERT INTO audit_events (at, event, resident_id) VALUES (now() - interval '3 years', 'sw-old', 'sw-resident');
    COMMIT;`);
}

describe('expiry sweeping', () => {
  test('deletes exactly the rows an hour past expiry; keeps live ones, the ledger, releases and audit; reuse is still detected', async () => {
    const t = await signIn();
    const r1 = await refresh(t.refresh_token);
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    const kept = {
      ledger: count('SELECT count(*) FROM consent_ledger'),
      releases: count('SELECT count(*) FROM releases'),
      audit: count('SELECT count(*) FROM audit_events'),
      consents: count('SELECT count(*) FROM consents'),
      residents: count('SELECT count(*) FROM residents'),
    };
    assert.ok(kept.ledger >= 1 && kept.releases >= 1, 'the sign-in wrote the ledger and the release history');
    seed(client.client_id);
    for (const k of ['consents', 'releases', 'audit', 'residents']) kept[k] += 1;

    // Every "old" row is gone within a few ticks (one sweep deletes them all: far below a batch).
    await waitFor(() => count("SELECT count(*) FROM logout_deliveries WHERE client_id LIKE 'sw-%old'") === 1 &&
      count("SELECT count(*) FROM grants WHERE id IN ('sw-g-expired', 'sw-g-revoked')") === 0 &&
      count("SELECT count(*) FROM access_tokens WHERE jti = 'sw-at-old'") === 0, { timeout: 20000 });
    await new Promise((r) => setTimeout(r, 1500)); // one more tick: nothing else may go

    assert.deepEqual(ids('access_tokens', 'jti'), ['sw-at-live', 'sw-at-of-revoked-grant', 'sw-at-recent']);
    assert.deepEqual(ids('client_assertion_jtis', 'jti'), ['sw-jti-live', 'sw-jti-recent']);
    assert.deepEqual(ids('login_transactions', 'id'), ['sw-tx-live', 'sw-tx-recent']);
    assert.deepEqual(ids('card_challenges', 'id'), ['sw-ch-live'], 'a challenge goes with its transaction');
    assert.deepEqual(ids('sessions', 'sid'), ['sw-sess-ended-recent', 'sw-sess-live']);
    assert.deepEqual(ids('grants', 'id'), ['sw-g-expired-code-live', 'sw-g-expired-session-live', 'sw-g-live',
      'sw-g-recent', 'sw-g-revoked-token-live']);
    assert.equal(count("SELECT count(*) FROM refresh_tokens r WHERE r.grant_id LIKE 'sw-%'"), 5,
      'refresh tokens go with their grant and only with it');
    assert.equal(count("SELECT count(*) FROM refresh_tokens WHERE grant_id IN ('sw-g-expired', 'sw-g-revoked')"), 0);
    assert.equal(count("SELECT count(*) FROM refresh_tokens WHERE grant_id = 'sw-g-live'"), 2, 'a live grant keeps its spent tokens');
    assert.equal(count("SELECT count(*) FROM authorization_codes WHERE grant_id = 'sw-g-live'"), 2, 'the code two hours past expiry went');
    assert.equal(count("SELECT count(*) FROM authorization_codes WHERE grant_id = 'sw-g-expired-code-live'"), 1);
    assert.deepEqual(ids('logout_deliveries', 'client_id'), ['sw-ld-delivered-recent', 'sw-ld-pending-old']);
    assert.deepEqual({
      ledger: count('SELECT count(*) FROM consent_ledger'),
      releases: count('SELECT count(*) FROM releases'),
      audit: count('SELECT count(*) FROM audit_events'),
      consents: count('SELECT count(*) FROM consents'),
      residents: count('SELECT count(*) FROM residents'),
    }, kept, 'the ledger, consents (even expired), releases, audit events and residents are never swept');

    // The log says what went, per table. Summed over the sweeps: the seed may commit while a sweep is
    // between its access-token and grant steps, and then the expired grant's token goes with the grant.
    const logged = {};
    for (const l of p.srv.logs().split('\n').filter((l) => l.includes('"event":"sweep"')).map((l) => JSON.parse(l)))
      for (const [k, v] of Object.entries(l)) if (typeof v === 'number') logged[k] = (logged[k] ?? 0) + v;
    const tail = `\n${p.srv.logs().slice(-3000)}`;
    assert.ok(logged.access_tokens >= 1 && logged.grants >= 2 && logged.refresh_tokens >= 3, JSON.stringify(logged) + tail);
    assert.ok(logged.login_transactions >= 1 && logged.card_challenges >= 1, JSON.stringify(logged) + tail);

    // The live family: its tokens work, and replaying the spent refresh token still revokes it all.
    assert.equal((await oidc.tokenIntrospection(config, r1.body.access_token)).active, true);
    const reuse = await refresh(t.refresh_token);
    assert.equal(reuse.body.error, 'invalid_grant');
    const newest = await refresh(r1.body.refresh_token);
    assert.equal(newest.body.error, 'invalid_grant', 'reuse of the spent token revoked the newest one too');
    assert.equal((await oidc.tokenIntrospection(config, r1.body.access_token)).active, false);
    assert.equal(count('SELECT count(*) FROM consent_ledger'), kept.ledger);
  });
});
