// Trust I (issue #14), driven through real HTTP as an attacker would: replayed
// login transactions, tokens after sign-out, refresh failures that must not
// spend the token, narrowed scopes at UserInfo, consent on POST only and for
// every new client, invalid UTF-8, login-transaction floods, failed client
// authentications and the jwks_uri fetch herd. Each test failed on the code
// before the fix it guards (docs/security.md lists them). Binding a new way to
// sign in is in social.test.mjs (it needs the upstream provider).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { addClient, basic, BIN, cleanup, psql, tokenRequest } from './lib/harness.mjs';
import { Agent, appLink, authRequest, completeLogin, answerNewCard, consentIfAsked, formFields, oidc, rp, signInBothKeys, signWithCard, startProvider } from './lib/flow.mjs';

const CB = 'https://rp.example/cb';
let p;

before(async () => {
  p = await startProvider();
});
after(cleanup);

const sql = (q, provider = p) => psql(provider.env.SAKAID_DATABASE_URL, q);
const client = (provider, ...flags) => addClient(provider.env, ['--client-name', 'Trust', '--redirect-uris', CB, ...flags]);

/** The browser part of a sign-in; the redirect back to the client (consent given when asked). */
async function authorize(config, params = {}, { agent = new Agent(p.url), card = 'sakai-taro', provider = p } = {}) {
  const a = await authRequest(config, { redirect_uri: CB, ...params });
  const last = await completeLogin(agent, await agent.go(a.url.href), { cards: provider.cards, card });
  assert.equal(last.status, 303, `no redirect to the client: ${last.status} ${last.text?.slice(0, 300)}`);
  return { a, agent, back: new URL(last.location) };
}

async function signIn(config, params, opts) {
  const { a, agent, back } = await authorize(config, params, opts);
  const t = await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
  return { t, agent };
}

const refresh = (c, token, extra = {}) => tokenRequest(p.url, { grant_type: 'refresh_token', refresh_token: token, ...extra },
  { authorization: basic(c.client_id, c.client_secret) });
const userinfo = (token) => fetch(`${p.url}/userinfo`, { headers: { authorization: `Bearer ${token}` } });

/** Signs the agent's browser out (RP-Initiated Logout: the confirmation form, posted). */
async function logout(agent) {
  const page = await agent.go('/logout');
  const done = await agent.go('/logout', { method: 'POST', form: formFields(page.text, '/logout') });
  assert.equal(done.status, 200);
  assert.equal(agent.jar.get('sakaid_session'), undefined);
}

describe('sign-in freshness and sessions', () => {
  test('item 1: a consent step cannot be continued into a session, an authentication begins one session once, and logout ends the browser\'s logins', async () => {
    const c = client(p, '--tier', 'city', '--scope', 'openid residency');
    const cfg = await rp(p.url, c);
    const agent = new Agent(p.url);
    const a = await authRequest(cfg, { redirect_uri: CB, scope: 'openid residency' });
    const page = await agent.go(a.url.href);
    const signedIn = formFields(page.text, '/login/continue');
    signWithCard(p.cards, 'sakai-taro', appLink(page.text));
    const step = await answerNewCard(agent, await agent.go('/login/continue', { method: 'POST', form: signedIn }));
    assert.match(step.text, /id="sign-step"/, 'residency is verified: the signing step, declined here');
    const consent = await agent.go('/login/sign/skip', { method: 'POST', form: formFields(step.text, '/login/sign/skip') });
    assert.match(consent.text, /action="\/consent"/, 'a new client: the consent page');
    const consentStep = formFields(consent.text, '/consent');
    const cookie = agent.jar.get('sakaid_session');
    sql("UPDATE sessions SET auth_time = now() - interval '1 hour'");
    const age = () => Number(sql('SELECT min(extract(epoch from now() - auth_time))::int FROM sessions WHERE ended_at IS NULL'));

    // The consent step's transaction through /login/continue: back to the login page, no new sign-in.
    const replay = await agent.request('/login/continue', { method: 'POST', form: { tx: consentStep.tx, csrf: consentStep.csrf } });
    assert.equal(replay.status, 303);
    assert.match(replay.location, /\/login\?tx=/);
    assert.equal(agent.jar.get('sakaid_session'), cookie, 'the session was not rotated');
    assert.ok(age() >= 3500, 'auth_time did not move: max_age and the 5-minute freshness still see the old sign-in');
    // The card's authentication began one session; continuing it again begins nothing.
    const again = await agent.request('/login/continue', { method: 'POST', form: signedIn });
    assert.equal(again.status, 400, again.text.match(/<code>[\s\S]*?<\/p>/)?.[0]);
    assert.equal(agent.jar.get('sakaid_session'), cookie);

    // Logout: neither transaction brings the resident back, and the browser's transactions are gone.
    await logout(agent);
    for (const fields of [signedIn, { tx: consentStep.tx, csrf: consentStep.csrf }]) {
      const r = await agent.request('/login/continue', { method: 'POST', form: fields });
      assert.equal(r.status, 400);
      assert.equal(agent.jar.get('sakaid_session'), undefined, 'a logged-out browser gets nobody back');
    }
    assert.equal(sql(`SELECT count(*) FROM login_transactions WHERE id IN ('${signedIn.tx}', '${consentStep.tx}')`), '0');
  });

  test('item 3: without offline_access, refresh and access tokens end with the session: at logout, at expiry, when signed out from the account page', async () => {
    const c = client(p, '--grant-types', 'authorization_code,refresh_token');
    const cfg = await rp(p.url, c);
    const { t, agent } = await signIn(cfg);
    assert.equal(decodeJwt(t.access_token).sid, t.claims().sid, 'the access token carries the session');
    assert.equal((await refresh(c, t.refresh_token)).status, 200);
    const r1 = (await refresh(c, t.refresh_token)).body;
    assert.equal(r1.error, 'invalid_grant', 'rotation as before: a spent token is refused (and revokes)');
    // logout
    const t2 = await signIn(cfg, {}, { agent });
    assert.equal((await userinfo(t2.t.access_token)).status, 200);
    await logout(agent);
    assert.equal((await refresh(c, t2.t.refresh_token)).body.error, 'invalid_grant');
    const ui = await userinfo(t2.t.access_token);
    assert.equal(ui.status, 401);
    assert.match(ui.headers.get('www-authenticate'), /invalid_token/);
    assert.equal((await oidc.tokenIntrospection(cfg, t2.t.access_token)).active, false);
    assert.equal((await oidc.tokenIntrospection(cfg, t2.t.refresh_token)).active, false);
    // expiry
    const t3 = await signIn(cfg);
    sql(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE sid = '${t3.t.claims().sid}'`);
    assert.equal((await refresh(c, t3.t.refresh_token)).body.error, 'invalid_grant');
    assert.equal((await userinfo(t3.t.access_token)).status, 401);
    // signed out from the account page of another browser of the same resident
    const t4 = await signIn(cfg);
    const other = new Agent(p.url);
    await signIn(cfg, {}, { agent: other });
    const acct = await other.go('/account');
    const form = [...acct.text.matchAll(/<form[^>]*action="\/account\/session\/end"[^>]*>([\s\S]*?)<\/form>/g)]
      .map((m) => Object.fromEntries([...m[1].matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((f) => [f[1], f[2]])))
      .find((f) => f.sid === t4.t.claims().sid);
    assert.ok(form, 'the account page lists the other session');
    assert.equal((await other.go('/account/session/end', { method: 'POST', form })).status, 200);
    assert.equal((await refresh(c, t4.t.refresh_token)).body.error, 'invalid_grant');
    assert.equal((await userinfo(t4.t.access_token)).status, 401);
  });

  test('item 3: offline_access is consented to on the consent page, and that grant outlives the session (OpenID Connect Core §11)', async () => {
    const c = client(p, '--grant-types', 'authorization_code,refresh_token', '--scope', 'openid offline_access');
    const cfg = await rp(p.url, c);
    const agent = new Agent(p.url);
    const a = await authRequest(cfg, { redirect_uri: CB, scope: 'openid offline_access' });
    const page = await agent.go(a.url.href);
    signWithCard(p.cards, 'kita-hanako', appLink(page.text));
    const consent = await answerNewCard(agent, await agent.go('/login/continue', { method: 'POST', form: formFields(page.text, '/login/continue') }));
    assert.match(consent.text, /data-claim="offline_access"/, 'the resident sees what offline access means');
    const back = await consentIfAsked(agent, consent);
    const t = await oidc.authorizationCodeGrant(cfg, new URL(back.location), { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    assert.match(t.scope, /offline_access/);
    assert.equal(decodeJwt(t.access_token).sid, undefined, 'not bound to the session');
    await logout(agent);
    const r = await refresh(c, t.refresh_token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await userinfo(r.body.access_token)).status, 200);
  });
});

describe('tokens and codes', () => {
  test('item 4: a refresh that fails validation spends nothing: the retry works and the grant lives', async () => {
    const c = client(p, '--grant-types', 'authorization_code,refresh_token', '--scope', 'openid residency', '--tier', 'city');
    const cfg = await rp(p.url, c);
    const { t } = await signIn(cfg, { scope: 'openid residency' });
    const wider = await refresh(c, t.refresh_token, { scope: 'openid residency profile' });
    assert.equal(wider.status, 400);
    assert.equal(wider.body.error, 'invalid_scope');
    const stranger = client(p, '--grant-types', 'authorization_code,refresh_token');
    assert.equal((await tokenRequest(p.url, { grant_type: 'refresh_token', refresh_token: t.refresh_token },
      { authorization: basic(stranger.client_id, stranger.client_secret) })).body.error, 'invalid_grant');
    const retry = await refresh(c, t.refresh_token);
    assert.equal(retry.status, 200, `the token was not spent: ${JSON.stringify(retry.body)}`);
    assert.equal((await oidc.tokenIntrospection(cfg, retry.body.refresh_token)).active, true, 'the grant lives');
  });

  test('item 5: UserInfo releases what the token\'s own scope allows; a narrowed scope without openid is honoured: no ID token, no UserInfo', async () => {
    const c = client(p, '--grant-types', 'authorization_code,refresh_token', '--scope', 'openid profile residency', '--tier', 'city');
    const cfg = await rp(p.url, c);
    const agent = new Agent(p.url);
    const a = await authRequest(cfg, { redirect_uri: CB, scope: 'openid profile residency' });
    const page = await agent.go(a.url.href);
    // The card's two keys in one sign-in: its signing certificate too, for verified attributes (jpki.md).
    const back = await consentIfAsked(agent, await signInBothKeys(agent, page, p.cards, 'osaka-jiro'));
    const t = await oidc.authorizationCodeGrant(cfg, new URL(back.location), { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const full = await (await userinfo(t.access_token)).json();
    assert.ok(full.verified_claims?.claims?.name, 'profile: the name');
    assert.equal(typeof full.sakai_resident, 'boolean');

    const narrow = await refresh(c, t.refresh_token, { scope: 'openid residency' });
    assert.equal(narrow.status, 200);
    assert.equal(narrow.body.scope, 'openid residency');
    const less = await (await userinfo(narrow.body.access_token)).json();
    assert.equal(less.sakai_resident, full.sakai_resident);
    assert.equal(less.verified_claims, undefined, 'profile is not in this token\'s scope');

    const noOpenid = await refresh(c, narrow.body.refresh_token, { scope: 'residency' });
    assert.equal(noOpenid.status, 200, JSON.stringify(noOpenid.body));
    assert.equal(noOpenid.body.scope, 'residency', 'honoured as asked, never widened');
    assert.equal(noOpenid.body.id_token, undefined);
    assert.equal(decodeJwt(noOpenid.body.access_token).scope, 'residency');
    const refused = await userinfo(noOpenid.body.access_token);
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('www-authenticate'), /insufficient_scope/);
    // the grant keeps its scope: the next refresh may ask for all of it again
    const whole = await refresh(c, noOpenid.body.refresh_token);
    assert.equal(whole.body.scope, 'openid profile residency');
  });

  test('item 7: a consent decision is taken on POST only; a GET with decision=allow records nothing', async () => {
    const c = client(p, '--tier', 'city', '--scope', 'openid residency');
    const cfg = await rp(p.url, c);
    const agent = new Agent(p.url);
    const a = await authRequest(cfg, { redirect_uri: CB, scope: 'openid residency' });
    const page = await agent.go(a.url.href);
    signWithCard(p.cards, 'sakai-taro', appLink(page.text));
    const consent = await agent.go('/login/continue', { method: 'POST', form: formFields(page.text, '/login/continue') });
    const fields = formFields(consent.text, '/consent');
    const rows = () => sql(`SELECT count(*) FROM consent_ledger WHERE client_id = '${c.client_id}'`);
    assert.equal(rows(), '0');
    const get = await agent.request(`/consent?${new URLSearchParams({ ...fields, decision: 'allow' })}`);
    assert.equal(get.status, 200, 'the page again');
    assert.match(get.text, /action="\/consent"/);
    assert.equal(rows(), '0', 'nothing recorded');
    assert.equal(sql(`SELECT count(*) FROM consents WHERE client_id = '${c.client_id}'`), '0');
    const post = await agent.request('/consent', { method: 'POST', form: { ...fields, decision: 'allow' } });
    assert.equal(post.status, 303);
    assert.equal(rows(), '1');
  });

  test('item 8: a new client\'s first authorization asks for consent even for scope openid and writes a ledger row; a first-party client is not asked, and the ledger says so', async () => {
    const c = client(p);
    const cfg = await rp(p.url, c);
    const agent = new Agent(p.url);
    const a = await authRequest(cfg, { redirect_uri: CB, scope: 'openid' });
    const page = await agent.go(a.url.href);
    signWithCard(p.cards, 'sakai-taro', appLink(page.text));
    const consent = await agent.go('/login/continue', { method: 'POST', form: formFields(page.text, '/login/continue') });
    assert.equal(consent.status, 200);
    assert.match(consent.text, /data-claim="openid"/);
    assert.equal((await consentIfAsked(agent, consent)).status, 303);
    assert.equal(sql(`SELECT action || ':' || claims || ':' || actor FROM consent_ledger WHERE client_id = '${c.client_id}'`), 'grant:openid:resident');
    // remembered: the next authorization goes straight back
    await authorize(cfg, { scope: 'openid' }, { agent });

    const fp = client(p, '--first-party', 'true');
    const fpCfg = await rp(p.url, fp);
    const b = await authRequest(fpCfg, { redirect_uri: CB, scope: 'openid' });
    const direct = await agent.go(b.url.href);
    assert.equal(direct.status, 303, 'no consent page for a first-party client');
    assert.ok(new URL(direct.location).searchParams.get('code'));
    assert.equal(sql(`SELECT action || ':' || claims || ':' || actor || ':' || purpose FROM consent_ledger WHERE client_id = '${fp.client_id}'`),
      'grant:openid:admin:first-party client');
  });

  test('item 10: invalid UTF-8 in a parameter is 400 invalid_request at the parameter layer; it never reaches PostgreSQL nor drops state', async () => {
    const before = (p.srv.logs().match(/db_error/g) ?? []).length;
    const form = await tokenRequest(p.url, 'grant_type=client_credentials&client_id=%FF%FE&client_secret=x');
    assert.equal(form.status, 400);
    assert.equal(form.body.error, 'invalid_request');
    const basicAuth = await tokenRequest(p.url, 'grant_type=client_credentials',
      { authorization: `Basic ${Buffer.concat([Buffer.from([0xc3, 0x28]), Buffer.from(':x')]).toString('base64')}` });
    assert.equal(basicAuth.status, 401);
    assert.equal(basicAuth.body.error, 'invalid_client');
    const c = client(p);
    const q = `client_id=${c.client_id}&redirect_uri=${encodeURIComponent(CB)}&response_type=code&scope=openid&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
    for (const bad of ['state=%C0%AF', 'state=%ED%A0%80', 'nonce=%F4%90%80%80', 'ui_locales=%FF']) {
      const r = await fetch(`${p.url}/authorize?${q}&${bad}`, { redirect: 'manual' });
      assert.equal(r.status, 400, bad);
      assert.equal(r.headers.get('location'), null, `${bad}: no redirect that could lose state`);
      assert.equal((await r.json()).error, 'invalid_request');
    }
    const ok = await fetch(`${p.url}/authorize?${q}&state=${encodeURIComponent('状態')}`, { redirect: 'manual' });
    assert.equal(ok.status, 303, 'valid UTF-8 is fine');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((p.srv.logs().match(/db_error/g) ?? []).length, before, 'PostgreSQL saw none of it');
  });

  test('item 11: an identical request from the same browser continues its pending login; a browser holds at most session.max_pending_logins (20)', async () => {
    const c = client(p);
    const cfg = await rp(p.url, c);
    const agent = new Agent(p.url);
    const a = await authRequest(cfg, { redirect_uri: CB });
    const first = await agent.request(a.url.href);
    const second = await agent.request(a.url.href);
    assert.equal(first.status, 303);
    assert.equal(second.location, first.location, 'a reload continues the same login');
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await agent.request((await authRequest(cfg, { redirect_uri: CB })).url.href)).status);
    assert.deepEqual(statuses, [...Array(19).fill(303), 429], 'twenty pending logins per browser');
    assert.match((await agent.request((await authRequest(cfg, { redirect_uri: CB })).url.href)).text, /このブラウザで開いているログインが多すぎます/,
      'the page says what to do');
  });

  test('item 11: without a cookie every request is a new browser: the address\'s rate (session.login_rate_per_minute) stops them', async () => {
    const q = await startProvider({ session: { login_rate_per_minute: 6 } });
    const c = client(q);
    const cfg = await rp(q.url, c);
    const a = await authRequest(cfg, { redirect_uri: CB });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await new Agent(q.url).request(a.url.href)).status);
    assert.deepEqual(statuses, [303, 303, 303, 303, 303, 303, 429, 429], 'six logins a minute from this address');
    assert.equal(sql('SELECT count(*) FROM login_transactions', q), '6');
  });
});

describe('card requests behind one address (item 17, the card side)', () => {
  /** The JSON sakaid-card would post for @p link, captured instead of sent (its verify URL points at us). */
  async function signedBody(provider, link, card = 'sakai-taro') {
    let body;
    const srv = createServer(async (req, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      body = text;
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"authenticated"}');
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    const u = new URL(link);
    u.searchParams.set('verify', `http://127.0.0.1:${srv.address().port}/verify`);
    try { // asynchronously: the capturing server answers on this event loop
      await promisify(execFile)(join(BIN, 'sakaid-card'), ['--dir', provider.cards, 'sign', '--card', card, u.href]);
    } finally {
      srv.close();
    }
    return body;
  }
  const verify = (provider, body) => fetch(`${provider.url}/login/card/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  test('junk does not spend the address\'s card attempts: only well-formed requests that name a live challenge are counted', async () => {
    const q = await startProvider({ jpki: { rate_per_minute: 3 } });
    const c = client(q);
    const cfg = await rp(q.url, c);
    const agent = new Agent(q.url);
    const page = await agent.go((await authRequest(cfg, { redirect_uri: CB })).url.href);
    for (const junk of ['{', '[]', '{"challenge_id":"nope","cert_type":"auth","certificate":"AA","signature":"AA"}']) {
      for (let i = 0; i < 4; i++) assert.equal((await verify(q, junk)).status, 400, junk);
    }
    const r = await verify(q, await signedBody(q, appLink(page.text)));
    assert.equal(r.status, 200, 'a resident behind the same address still signs in');
    assert.equal((await r.json()).status, 'authenticated');
  });

  test('the node\'s circuit breaker (jpki.max_verifications_per_second) answers 503 and leaves the challenge unspent', async () => {
    const q = await startProvider({ jpki: { max_verifications_per_second: 1 } });
    const c = client(q);
    const cfg = await rp(q.url, c);
    const agent = new Agent(q.url);
    const page = await agent.go((await authRequest(cfg, { redirect_uri: CB })).url.href);
    const tx = formFields(page.text, '/login/continue').tx;
    const other = await (await fetch(`${q.url}/login/card/challenge`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login_tx: tx }) })).json();
    const bodies = [await signedBody(q, appLink(page.text)), await signedBody(q, other.link)];
    const statuses = (await Promise.all(bodies.map((b) => verify(q, b)))).map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 503]);
    await new Promise((r) => setTimeout(r, 1100));
    const retried = await Promise.all(bodies.map((b) => verify(q, b)));
    assert.deepEqual(retried.map((r) => r.status).sort(), [200, 400], 'the refused one was not spent; the other one was');
  });
});

describe('client authentication failures', () => {
  test('item 13: failures are counted per client in /metrics and audited; repeated failures from one address back off', async () => {
    const c = addClient(p.env, ['--client-name', 'Backend', '--grant-types', 'client_credentials']);
    const cc = (secret, id = c.client_id) => tokenRequest(p.url, { grant_type: 'client_credentials' }, { authorization: basic(id, secret) });
    const metrics = async () => (await fetch(`${p.srv.metricsUrl}/metrics`)).text();
    const unknown = (m) => Number(m.match(/sakaid_client_auth_failures_total\{client_id="unknown"\} (\d+)/)?.[1]);
    const before = unknown(await metrics());
    assert.equal((await cc('wrong')).status, 401);
    assert.equal((await cc('wrong')).status, 401);
    assert.equal((await cc('wrong', `no-such-client-${randomUUID()}`)).status, 401);
    let m = await metrics();
    assert.match(m, new RegExp(`sakaid_client_auth_failures_total\\{client_id="${c.client_id}"\\} 2`));
    assert.equal(unknown(m), before + 1, 'made-up ids are counted together');
    assert.equal(sql(`SELECT count(*) FROM audit_events WHERE event = 'client_auth_failed' AND detail->>'client_id' = '${c.client_id}'`), '2');
    // clients.auth_failures_before_backoff (10) failures within a minute from one address start a back-off
    for (let i = 2; i < 9; i++) assert.equal((await cc('wrong')).status, 401);
    assert.equal((await cc('wrong')).status, 401, 'the tenth failure starts the back-off');
    const held = await cc(c.client_secret);
    assert.equal(held.status, 429, 'backing off: even the right secret waits');
    assert.equal(held.body.error, 'invalid_client');
    assert.ok(Number(held.headers.get('retry-after')) > 0);
    assert.equal(sql(`SELECT count(*) FROM audit_events WHERE event = 'client_auth_backoff' AND detail->>'client_id' = '${c.client_id}'`), '1');
    m = await metrics();
    assert.match(m, /sakaid_client_auth_backoffs_total [1-9]/);
    // another client is not affected
    const d = addClient(p.env, ['--client-name', 'Other', '--grant-types', 'client_credentials']);
    assert.equal((await cc(d.client_secret, d.client_id)).status, 200);
  });
});

describe('jwks_uri fetch herds', () => {
  async function pair(kid) {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
  }
  /** A slow jwks_uri: answers after @p delay ms (never, with Infinity); counts fetches. */
  async function slowJwks(keys, delay) {
    const state = { keys, fetches: 0 };
    const srv = createServer((req, res) => {
      state.fetches++;
      if (delay === Infinity) return;
      setTimeout(() => res.end(JSON.stringify({ keys: state.keys.map((k) => k.jwk) })), delay);
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    return Object.assign(state, { url: `http://127.0.0.1:${srv.address().port}/jwks`, close: () => { srv.closeAllConnections(); srv.close(); } });
  }
  const auth = async (c, k) => (await tokenRequest(p.url, { grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: k.kid })
      .setIssuer(c.client_id).setSubject(c.client_id).setAudience(`${p.url}/token`).setIssuedAt().setExpirationTime('2m')
      .sign(k.privateKey) })).status;

  test('item 18: concurrent requests with an unknown kid share one fetch; a hanging jwks_uri holds no request much longer than a second', async () => {
    const [k1, k2] = [await pair('k1'), await pair('k2')];
    const keys = await slowJwks([k1, k2], 300);
    const hang = await slowJwks([k1], Infinity);
    try {
      const c = addClient(p.env, ['--client-name', 'Keys', '--grant-types', 'client_credentials',
        '--token-endpoint-auth-method', 'private_key_jwt', '--jwks-uri', keys.url]);
      const statuses = await Promise.all(Array.from({ length: 30 }, () => auth(c, k2)));
      assert.deepEqual([...new Set(statuses)], [200]);
      assert.equal(keys.fetches, 1, 'one fetch for thirty requests (single flight)');

      const h = addClient(p.env, ['--client-name', 'Hanging keys', '--grant-types', 'client_credentials',
        '--token-endpoint-auth-method', 'private_key_jwt', '--jwks-uri', hang.url]);
      const t0 = Date.now();
      const waited = await Promise.all(Array.from({ length: 20 }, () => auth(h, k1)));
      const elapsed = Date.now() - t0;
      // 401, and 429 once the failures start the client's back-off (clients.auth_failures_before_backoff)
      assert.ok(waited.every((s) => s === 401 || s === 429) && waited.includes(401), waited.join(' '));
      assert.equal(hang.fetches, 1, 'one fetch, and the failure is remembered');
      assert.ok(elapsed < 4000, `twenty requests waited ${elapsed} ms on a server that never answers`);
    } finally {
      keys.close();
      hang.close();
    }
  });
});
