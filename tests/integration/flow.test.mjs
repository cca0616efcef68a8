// The authorization code flow end to end (issue #4): openid-client as the
// relying party, the card step done by sakaid-card, the browser's part by
// a cookie-keeping agent. Browser tests in Chromium are in browser.test.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { addClient, cleanup, psql, tokenRequest, basic } from './lib/harness.mjs';
import { Agent, authRequest, completeLogin, formFields, oidc, rp, startProvider } from './lib/flow.mjs';

let p, city, partner, pub, cityRp, partnerRp, pubRp;
const CB = 'https://rp.example/cb';

before(async () => {
  p = await startProvider();
  city = addClient(p.env, ['--client-name', 'City portal', '--redirect-uris', CB, '--tier', 'city',
    '--grant-types', 'authorization_code,refresh_token', '--scope', 'openid profile address birthdate gender residency',
    '--purpose-ja', '市の手続きのため', '--purpose-en', 'For city services']);
  partner = addClient(p.env, ['--client-name', 'Partner shop', '--redirect-uris', 'https://shop.example/cb',
    '--grant-types', 'authorization_code,refresh_token', '--scope', 'openid residency']);
  pub = addClient(p.env, ['--client-name', 'Phone app', '--redirect-uris', 'https://app.example/cb',
    '--token-endpoint-auth-method', 'none', '--grant-types', 'authorization_code,refresh_token']);
  cityRp = await rp(p.url, city);
  partnerRp = await rp(p.url, partner);
  pubRp = await rp(p.url, pub);
});
after(cleanup);

/** A new partner client (consent is per resident and client, and every test signs in as sakai-taro). */
async function freshPartner() {
  const c = addClient(p.env, ['--client-name', 'Another partner', '--redirect-uris', 'https://shop.example/cb',
    '--grant-types', 'authorization_code,refresh_token', '--scope', 'openid residency']);
  return { client: c, config: await rp(p.url, c) };
}

/** A full login through openid-client; returns the tokens and what it took. */
async function login(agent, config, redirect_uri, params = {}, opts = {}) {
  const a = await authRequest(config, { redirect_uri, ...params });
  const page = await agent.go(a.url.href);
  const last = await completeLogin(agent, page, { cards: p.cards, ...opts });
  assert.equal(last.status, 303, `expected a redirect to the client, got ${last.status}: ${last.text.slice(0, 500)}`);
  const back = new URL(last.location);
  const tokens = back.searchParams.has('code')
    ? await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce })
    : undefined;
  return { tokens, back, a, page };
}

describe('the code flow with the card', () => {
  test('login, consent, tokens, UserInfo: RFC 9207 iss, ID token claims, RFC 9068 access token', async () => {
    const agent = new Agent(p.url);
    const { tokens, back, page } = await login(agent, cityRp, CB, { scope: 'openid profile residency' });
    assert.equal(page.status, 200);
    assert.match(page.text, /<svg [^>]*role="img"/, 'the login page shows the QR code inline');
    assert.equal(back.searchParams.get('iss'), p.url);
    const c = tokens.claims();
    for (const k of ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'at_hash', 'sid']) assert.ok(c[k] !== undefined, k);
    assert.equal(c.acr, 'urn:sakai-d:acr:card');
    assert.deepEqual(c.amr, ['sc', 'pin']);
    assert.equal(c.aud, city.client_id);
    const at = decodeJwt(tokens.access_token);
    assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'at+jwt');
    assert.equal(at.client_id, city.client_id);
    assert.equal(at.sub, c.sub);
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM access_tokens WHERE jti = '${at.jti}'`), '1');
    assert.ok(tokens.refresh_token);
    // The token response's rows (refresh token, jti, the resident's release row) went in one commit.
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT count(DISTINCT x) || ':' || count(*) FROM (
      SELECT xmin::text AS x FROM refresh_tokens WHERE token_hash = sha256(convert_to('${tokens.refresh_token}', 'UTF8'))
      UNION ALL SELECT xmin::text FROM access_tokens WHERE jti = '${at.jti}'
      UNION ALL (SELECT xmin::text FROM releases WHERE client_id = '${city.client_id}' AND via = 'token' ORDER BY at DESC LIMIT 1)) t`), '1:3');
    const info = await oidc.fetchUserInfo(cityRp, tokens.access_token, c.sub);
    assert.equal(info.sub, c.sub);
    // The request asked for profile and nothing was verified yet: the signing step read the card's signing
    // certificate with both keys (completeLogin signs it), so the name arrives verified (issue #15 item 9).
    assert.equal(info.verified_claims.claims.name, '堺 太郎');
    // Codes, sessions and refresh tokens are stored as hashes only.
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM authorization_codes WHERE code_hash = sha256(convert_to('${back.searchParams.get('code')}', 'UTF8'))`), '1');
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM sessions WHERE id_hash = sha256(convert_to('${agent.jar.get('sakaid_session')}', 'UTF8'))`), '1');
  });

  test('single sign-on: a second client needs no new card tap; consent is remembered', async () => {
    const agent = new Agent(p.url);
    const first = await login(agent, cityRp, CB);
    const second = await login(agent, partnerRp, 'https://shop.example/cb', { scope: 'openid residency' });
    assert.equal(second.page.status, 200, 'the partner asks for consent');
    assert.ok(second.page.text.includes('action="/consent"'));
    assert.equal(second.tokens.claims().sid, first.tokens.claims().sid);
    assert.equal(second.tokens.claims().auth_time, first.tokens.claims().auth_time);
    // pairwise for the partner, public for the city: different values, each stable
    assert.notEqual(second.tokens.claims().sub, first.tokens.claims().sub);
    const again = await login(agent, partnerRp, 'https://shop.example/cb', { scope: 'openid residency' });
    assert.equal(again.page.status, 303, 'remembered consent: straight back to the client');
    assert.equal(again.tokens.claims().sub, second.tokens.claims().sub);
    const asked = await login(agent, partnerRp, 'https://shop.example/cb', { scope: 'openid residency', prompt: 'consent' });
    assert.ok(asked.page.text.includes('action="/consent"'), 'prompt=consent asks again');
    const other = new Agent(p.url);
    const later = await login(other, partnerRp, 'https://shop.example/cb', { scope: 'openid residency' });
    assert.equal(later.tokens.claims().sub, second.tokens.claims().sub, 'pairwise sub stable across logins');
    assert.notEqual(later.tokens.claims().sid, second.tokens.claims().sid);
  });

  test('prompt=login and max_age force a new card signature and move auth_time', async () => {
    const agent = new Agent(p.url);
    const first = await login(agent, cityRp, CB);
    await new Promise((r) => setTimeout(r, 1100));
    const forced = await login(agent, cityRp, CB, { prompt: 'login' });
    assert.ok(forced.page.text.includes('id="app-link"'), 'prompt=login shows the login page');
    assert.ok(forced.tokens.claims().auth_time > first.tokens.claims().auth_time);
    assert.equal(forced.tokens.claims().sid, first.tokens.claims().sid, 'the same session, re-authenticated');
    await new Promise((r) => setTimeout(r, 1100));
    const aged = await login(agent, cityRp, CB, { max_age: '0' });
    assert.ok(aged.page.text.includes('id="app-link"'));
    assert.ok(aged.tokens.claims().auth_time > forced.tokens.claims().auth_time);
    const fresh = await login(agent, cityRp, CB, { max_age: '3600' });
    assert.equal(fresh.page.status, 303, 'a young enough session is used as is');
  });

  test('prompt=none: login_required without a session, consent_required without consent, a code with both', async () => {
    const agent = new Agent(p.url);
    let r = await login(agent, cityRp, CB, { prompt: 'none' });
    assert.equal(r.back.searchParams.get('error'), 'login_required');
    assert.equal(r.back.searchParams.get('state'), r.a.state);
    assert.equal(r.back.searchParams.get('iss'), p.url);
    await login(agent, cityRp, CB);
    const fresh = await freshPartner();
    r = await login(agent, fresh.config, 'https://shop.example/cb', { prompt: 'none', scope: 'openid residency' });
    assert.equal(r.back.searchParams.get('error'), 'consent_required');
    r = await login(agent, cityRp, CB, { prompt: 'none' });
    assert.ok(r.tokens.claims().sub);
  });

  test('denied consent returns access_denied and is in the ledger', async () => {
    const agent = new Agent(p.url);
    const fresh = await freshPartner();
    const r = await login(agent, fresh.config, 'https://shop.example/cb', { scope: 'openid residency' }, { consent: 'deny' });
    assert.equal(r.back.searchParams.get('error'), 'access_denied');
    assert.equal(r.back.searchParams.get('iss'), p.url);
    const rows = psql(p.env.SAKAID_DATABASE_URL, `SELECT action || ':' || claims FROM consent_ledger WHERE client_id = '${fresh.client.client_id}' ORDER BY seq`);
    assert.match(rows, /deny:openid sakai_resident/, 'the sign-in itself and the claim');
  });

  test('consent ledger rows chain by hash and cannot be changed', async () => {
    const url = p.env.SAKAID_DATABASE_URL;
    const n = Number(psql(url, 'SELECT count(*) FROM consent_ledger'));
    assert.ok(n >= 2);
    const chained = psql(url, `SELECT bool_and(ok) FROM (SELECT row_hash = sha256(prev_hash || convert_to(concat_ws(E'\\n', seq,
      (extract(epoch from at) * 1000000)::bigint, resident_id, client_id, action, claims, actor, purpose), 'UTF8'))
      AND prev_hash = coalesce(lag(row_hash) OVER (ORDER BY seq), decode(repeat('00', 32), 'hex')) AS ok FROM consent_ledger) t`);
    assert.equal(chained, 't');
    assert.throws(() => psql(url, "UPDATE consent_ledger SET action = 'grant'"), /append-only/);
    assert.throws(() => psql(url, 'DELETE FROM consent_ledger'), /append-only/);
  });
});

// A new database: the first statements are planned while grants is empty, and a plan cached then stays with
// the connection. The redemption's check must still reach a code's grant by its key, never by its client
// (grants_client), which would read every grant of the client on each redemption, and no other statement of the
// flow may read rows that grow with the data (docs/performance.md, 2026-12-07 third session). Counted by
// PostgreSQL's own statistics of its indexes and tables, not timed.
describe('redemptions on a new database', () => {
  test("no statement of the code flow or refresh reads more rows as grants, codes and tokens grow", async () => {
    const q = await startProvider();
    const client = addClient(q.env, ['--client-name', 'Many sign-ins', '--redirect-uris', CB,
      '--grant-types', 'authorization_code,refresh_token', '--scope', 'openid offline_access']);
    const config = await rp(q.url, client);
    const agent = new Agent(q.url);
    const redeem = (a, location) => oidc.authorizationCodeGrant(config, new URL(location),
      { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    let a = await authRequest(config, { redirect_uri: CB, scope: 'openid' });
    const last = await completeLogin(agent, await agent.go(a.url.href), { cards: q.cards });
    assert.equal(last.status, 303);
    const refresh = [(await redeem(a, last.location)).refresh_token];
    const n = 40;
    for (let i = 1; i < n; i++) {
      a = await authRequest(config, { redirect_uri: CB, scope: 'openid' });
      const r = await agent.go(a.url.href);
      assert.equal(r.status, 303, 'signed in and consented: straight back with a code');
      refresh.push((await redeem(a, r.location)).refresh_token);
    }
    // and each grant's refresh token used once (rotation: a new one in each answer)
    for (const rt of refresh) assert.ok((await oidc.refreshTokenGrant(config, rt)).refresh_token);
    // Each backend reports its counts within seconds of going idle: wait for every check and spend of a code,
    // and every refresh token taken.
    const url = q.env.SAKAID_DATABASE_URL;
    const scans = (index) => Number(psql(url, `SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = '${index}'`));
    const reported = () => scans('authorization_codes_pkey') >= 2 * n && scans('refresh_tokens_pkey') >= n;
    for (let t = 0; t < 100 && !reported(); t++) await new Promise((r) => setTimeout(r, 200));
    assert.ok(reported(), `PostgreSQL reported ${scans('authorization_codes_pkey')} scans of the codes' key and ` +
      `${scans('refresh_tokens_pkey')} of the refresh tokens' for ${n} redemptions and ${n} refreshes`);
    // Every index gave at most one row per scan, and no table that grows with the flows (n rows or more) was read
    // whole: nothing a flow reads grows with the number of grants, codes or tokens.
    const wide = psql(url, `SELECT indexrelname || ': ' || idx_tup_read || ' rows in ' || idx_scan || ' scans'
      FROM pg_stat_user_indexes WHERE idx_tup_read > idx_scan + 5`);
    assert.equal(wide, '', `an index read more rows than it was scanned for, over ${n} redemptions and refreshes (grants_client: a plan reads the client's grants)`);
    const whole = psql(url, `SELECT relname || ': ' || seq_tup_read || ' rows in ' || seq_scan || ' scans'
      FROM pg_stat_user_tables WHERE n_live_tup >= ${n} AND seq_tup_read > ${n}`);
    assert.equal(whole, '', `a table was read whole, over ${n} redemptions and refreshes`);
  });
});
