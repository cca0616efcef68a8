// Dynamic client registration (issue #19): POST /register with an initial access token (RFC 7591), the client
// configuration endpoint (RFC 7592), the sandbox and its approval. openid-client registers as a partner would.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { addClient, admin, cleanup, psql, tokenRequest, basic } from './lib/harness.mjs';
import { Agent, authRequest, completeLogin, oidc, rp, startProvider } from './lib/flow.mjs';

let p, sector;
const CB = 'https://partner.example/cb';

before(async () => {
  p = await startProvider();
  // a partner's sector_identifier_uri document (OpenID Connect Core §8.1), served on loopback
  sector = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/sector-short' ? [CB] : [CB, 'https://app.partner.example/cb']));
  });
  await new Promise((r) => sector.listen(0, '127.0.0.1', r));
});
after(async () => {
  sector.close();
  await cleanup();
});

const db = (sql) => psql(p.env.SAKAID_DATABASE_URL, sql);

/** An initial access token for @p org (sakaid-admin iat issue); returns { id, token }. */
function issue(org, ...flags) {
  return admin(p.env, ['iat', 'issue', org, ...flags]).json;
}

async function register(token, metadata) {
  const r = await fetch(`${p.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(metadata),
  });
  return { status: r.status, headers: r.headers, body: r.status === 204 ? null : await r.json() };
}

async function configure(method, uri, token, body) {
  const r = await fetch(uri, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, headers: r.headers, body: r.status === 204 ? await r.text() : await r.json() };
}

const minimal = { client_name: 'Semboku bakery', redirect_uris: [CB] };

/** Signs in @p card at @p config's client; the last response (a redirect back, with a code or an error). */
async function signIn(config, card, agent = new Agent(p.url)) {
  const a = await authRequest(config, { redirect_uri: CB });
  const last = await completeLogin(agent, await agent.go(a.url.href), { cards: p.cards, card });
  assert.equal(last.status, 303, last.text?.replace(/<style[\s\S]*?<\/style>/, '').replace(/<[^>]+>/g, ' ').slice(0, 600));
  return { back: new URL(last.location), a, agent };
}

/** The resident behind @p agent's session. */
function residentOf(agent) {
  return db(`SELECT resident_id FROM sessions WHERE id_hash = sha256(convert_to('${agent.jar.get('sakaid_session')}', 'UTF8'))`);
}

describe('POST /register (RFC 7591)', () => {
  test('discovery names the endpoint', async () => {
    const d = await (await fetch(`${p.url}/.well-known/openid-configuration`)).json();
    assert.equal(d.registration_endpoint, `${p.url}/register`);
  });

  test('openid-client registers with an initial access token; the client is in the sandbox of its organisation', async () => {
    const { id, token } = issue('semboku-bakery', '--uses', '2');
    const config = await oidc.dynamicClientRegistration(new URL(p.url), { ...minimal, contacts: ['dev@bakery.example'] },
      undefined, { initialAccessToken: token, execute: [oidc.allowInsecureRequests] });
    const m = config.clientMetadata();
    assert.ok(m.client_secret && m.registration_access_token);
    assert.equal(m.registration_client_uri, `${p.url}/register/${config.clientMetadata().client_id}`);
    assert.equal(m.client_secret_expires_at, 0);
    assert.equal(m.tier, 'partner');
    assert.equal(m.subject_type, 'pairwise');
    // stored hashed, in the sandbox of the token's organisation, one use taken
    const cid = config.serverMetadata() && m.client_id;
    assert.equal(db(`SELECT organisation || ' ' || sandbox || ' ' || registered_by || ' '
      || (secret_hash = sha256(convert_to('${m.client_secret}', 'UTF8')))
      || ' ' || (registration_token_hash = sha256(convert_to('${m.registration_access_token}', 'UTF8')))
      FROM clients WHERE client_id = '${cid}'`), `semboku-bakery true ${id} true true`);
    assert.equal(db(`SELECT uses FROM initial_access_tokens WHERE id = '${id}'`), '1');
    assert.equal(db(`SELECT count(*) FROM audit_events WHERE event = 'client_registered' AND detail->>'client_id' = '${cid}'
      AND detail->>'organisation' = 'semboku-bakery'`), '1');
  });

  test('no token, an unknown one, a revoked, an expired and a used-up one: 401 invalid_token, nothing stored', async () => {
    const before = db('SELECT count(*) FROM clients');
    let r = await register(null, minimal);
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="sakaid"'); // RFC 6750 §3.1: no error named
    r = await register('not-a-token', minimal);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_token');
    assert.match(r.headers.get('www-authenticate'), /error="invalid_token"/);

    const revoked = issue('semboku-bakery');
    admin(p.env, ['iat', 'revoke', revoked.id]);
    assert.match((await register(revoked.token, minimal)).body.error_description, /unknown or revoked/);
    admin(p.env, ['iat', 'revoke', revoked.id], { expectExit: 1 }); // once

    const expired = issue('semboku-bakery');
    db(`UPDATE initial_access_tokens SET expires_at = now() - interval '1 second' WHERE id = '${expired.id}'`);
    r = await register(expired.token, minimal);
    assert.equal(r.status, 401);
    assert.match(r.body.error_description, /expired/);

    const once = issue('semboku-bakery', '--uses', '1');
    assert.equal((await register(once.token, minimal)).status, 201);
    r = await register(once.token, minimal);
    assert.equal(r.status, 401);
    assert.match(r.body.error_description, /used up/);
    assert.equal(db('SELECT count(*) FROM clients'), String(Number(before) + 1));

    const list = admin(p.env, ['iat', 'list']).json;
    assert.equal(list.find((t) => t.id === once.id).uses, 1);
    assert.ok(!JSON.stringify(list).includes(once.token), 'never the token itself');
  });

  test('a token with one use left, eight registrations at once: exactly one client', async () => {
    const t = issue('race-shop', '--uses', '1');
    const rs = await Promise.all(Array.from({ length: 8 }, () => register(t.token, minimal)));
    assert.deepEqual(rs.map((r) => r.status).sort(), [201, 401, 401, 401, 401, 401, 401, 401]);
    assert.equal(db(`SELECT count(*) FROM clients WHERE organisation = 'race-shop'`), '1');
    assert.equal(db(`SELECT uses FROM initial_access_tokens WHERE id = '${t.id}'`), '1');
  });

  test('metadata is checked by the same table as sakaid-admin; unknown fields are ignored, ours are the admin\'s', async () => {
    const t = issue('checks', '--uses', '50');
    let r = await register(t.token, { ...minimal, software_statement: 'x.y.z', frontchannel_logout_uri: 'https://x.example/' });
    assert.equal(r.status, 201); // RFC 7591 §2: what we do not understand is ignored...
    assert.equal(r.body.software_statement, undefined); // ...and the response shows what was registered
    assert.equal(r.body.frontchannel_logout_uri, undefined);
    r = await register(t.token, { ...minimal, redirect_uris: ['http://partner.example/cb'] });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_redirect_uri');
    r = await register(t.token, { ...minimal, grant_types: ['implicit'] });
    assert.equal(r.body.error, 'invalid_client_metadata');
    assert.match(r.body.error_description, /^grant_types/);
    r = await register(t.token, { ...minimal, first_party: true });
    assert.equal(r.status, 400);
    assert.match(r.body.error_description, /^first_party: set by an administrator/);
    r = await register(t.token, { ...minimal, tier: 'city' });
    assert.match(r.body.error_description, /^tier: /);
    r = await register(t.token, { ...minimal, subject_type: 'public' });
    assert.match(r.body.error_description, /^subject_type: public is only for tier city/);
    r = await register(t.token, { client_name: 42 });
    assert.match(r.body.error_description, /^client_name/);
    r = await fetch(`${p.url}/register`, { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
      body: '{"client_name":"a","client_name":"b"}' });
    assert.equal(r.status, 400); // a duplicate member is no object we can read one way
    r = await fetch(`${p.url}/register`, { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(r.status, 415);
    // a sector_identifier_uri is fetched and must list every redirect URI (Core §8.1, Registration §5)
    const base = `http://127.0.0.1:${sector.address().port}`;
    const two = [CB, 'https://app.partner.example/cb'];
    r = await register(t.token, { ...minimal, redirect_uris: two, sector_identifier_uri: `${base}/sector` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await register(t.token, { ...minimal, redirect_uris: two, sector_identifier_uri: `${base}/sector-short` });
    assert.equal(r.body.error, 'invalid_client_metadata');
    assert.match(r.body.error_description, /does not list redirect_uris\[1\]/);
    // uses were taken only by the registrations that were stored
    assert.equal(db(`SELECT uses FROM initial_access_tokens WHERE id = '${t.id}'`), '2');
  });
});

describe('the client configuration endpoint (RFC 7592)', () => {
  let t;
  before(() => { t = issue('config-shop', '--uses', '20'); });

  test('read, update and delete with the registration access token; every other token is refused', async () => {
    const a = (await register(t.token, minimal)).body, b = (await register(t.token, minimal)).body;
    let r = await configure('GET', a.registration_client_uri, a.registration_access_token);
    assert.equal(r.status, 200);
    assert.equal(r.body.client_id, a.client_id);
    assert.deepEqual(r.body.redirect_uris, [CB]);
    assert.equal(r.body.client_secret, undefined, 'the secret was shown once');
    assert.equal((await configure('GET', a.registration_client_uri, b.registration_access_token)).status, 401);
    assert.equal((await configure('GET', a.registration_client_uri, t.token)).status, 401);
    assert.equal((await configure('GET', `${p.url}/register/no-such-client`, a.registration_access_token)).status, 401);
    r = await fetch(a.registration_client_uri, { method: 'POST', headers: { authorization: `Bearer ${a.registration_access_token}` } });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET, HEAD, PUT, DELETE');

    // §2.2: the whole metadata, with client_id; what is left out goes
    const update = { client_id: a.client_id, client_name: 'Semboku bakery (new)', redirect_uris: [CB, 'https://partner.example/cb2'],
      client_secret: a.client_secret, registration_access_token: 'ignored', client_id_issued_at: 1 };
    r = await configure('PUT', a.registration_client_uri, a.registration_access_token, update);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.client_name, 'Semboku bakery (new)');
    assert.equal(r.body.registration_access_token, a.registration_access_token);
    assert.equal(JSON.parse(db(`SELECT metadata FROM clients WHERE client_id = '${a.client_id}'`)).client_name, 'Semboku bakery (new)');
    r = await configure('PUT', a.registration_client_uri, a.registration_access_token, { ...update, client_id: b.client_id });
    assert.equal(r.status, 400);
    assert.match(r.body.error_description, /^client_id/);
    r = await configure('PUT', a.registration_client_uri, a.registration_access_token, { ...update, client_secret: 'wrong' });
    assert.match(r.body.error_description, /^client_secret/);
    r = await configure('PUT', a.registration_client_uri, a.registration_access_token, { ...update, redirect_uris: ['https://elsewhere.example/cb'] });
    assert.equal(r.body.error, 'invalid_client_metadata'); // residents would get a new sub (Core §8.1)
    r = await configure('PUT', a.registration_client_uri, a.registration_access_token, { ...update, first_party: true });
    assert.match(r.body.error_description, /^first_party/);
    // becoming a public client drops the secret; the client credentials stop working
    r = await configure('PUT', a.registration_client_uri, a.registration_access_token,
      { client_id: a.client_id, client_name: 'App', redirect_uris: [CB], token_endpoint_auth_method: 'none' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(db(`SELECT secret_hash IS NULL FROM clients WHERE client_id = '${a.client_id}'`), 't');

    // §2.3: deleted, with its credentials; the token no longer opens anything
    r = await configure('DELETE', b.registration_client_uri, b.registration_access_token);
    assert.equal(r.status, 204);
    assert.equal(r.body, '');
    assert.equal((await configure('GET', b.registration_client_uri, b.registration_access_token)).status, 401);
    const tr = await tokenRequest(p.url, { grant_type: 'authorization_code', code: 'x', redirect_uri: CB },
      { authorization: basic(b.client_id, b.client_secret) });
    assert.equal(tr.status, 401);
    for (const e of ['client_updated', 'client_deleted'])
      assert.ok(Number(db(`SELECT count(*) FROM audit_events WHERE event = '${e}' AND detail->>'organisation' = 'config-shop'`)) >= 1, e);
  });

  test('a client an administrator added has no registration access token', async () => {
    const c = admin(p.env, ['client', 'add', '--client-name', 'Admin-made', '--redirect-uris', CB]).json;
    assert.equal((await configure('GET', `${p.url}/register/${c.client_id}`, 'anything')).status, 401);
    admin(p.env, ['client', 'approve', c.client_id]); // live already: nothing to approve, and that is fine
    admin(p.env, ['client', 'sandbox', c.client_id], { expectExit: 1 }); // no organisation, no sandbox
  });
});

describe('the sandbox', () => {
  test('a sandbox client signs in only its organisation\'s test residents, until an administrator approves it', async () => {
    const t = issue('sandbox-shop');
    const reg = (await register(t.token, { ...minimal, scope: 'openid' })).body;
    const config = await rp(p.url, reg);

    // a real resident is refused, and nothing about them reaches the client
    let { back, agent } = await signIn(config, 'kita-hanako');
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.match(back.searchParams.get('error_description'), /sandbox/);
    assert.equal(back.searchParams.get('code'), null);
    const hanako = residentOf(agent);
    assert.equal(db(`SELECT count(*) FROM consents WHERE client_id = '${reg.client_id}'`), '0');

    // the organisation's test resident signs in end to end
    ({ agent } = await signIn(config, 'osaka-jiro'));
    const jiro = residentOf(agent);
    admin(p.env, ['test-resident', 'add', jiro, '--organisation', 'sandbox-shop']);
    assert.deepEqual(admin(p.env, ['test-resident', 'list', '--organisation', 'sandbox-shop']).json, [jiro]);
    admin(p.env, ['test-resident', 'add', 'no-such-resident', '--organisation', 'sandbox-shop'], { expectExit: 1 });
    const ok = await signIn(config, 'osaka-jiro', agent);
    const tokens = await oidc.authorizationCodeGrant(config, ok.back, { pkceCodeVerifier: ok.a.verifier, expectedState: ok.a.state, expectedNonce: ok.a.nonce });
    assert.ok(tokens.claims().sub);
    // a test resident of another organisation is no test resident here
    admin(p.env, ['test-resident', 'add', hanako, '--organisation', 'other-shop']);
    assert.equal((await signIn(config, 'kita-hanako')).back.searchParams.get('error'), 'access_denied');

    // approved: live, any resident who consents
    admin(p.env, ['client', 'approve', reg.client_id]);
    assert.equal(db(`SELECT sandbox FROM clients WHERE client_id = '${reg.client_id}'`), 'f');
    const live = await signIn(config, 'kita-hanako');
    assert.ok(live.back.searchParams.get('code'), live.back.href);
    assert.ok(Number(db(`SELECT count(*) FROM audit_events WHERE event = 'admin_action' AND detail->>'action' = 'approve'
      AND detail->>'target' = '${reg.client_id}'`)) === 1);
    // and in the hash-chained admin log, as the operator on the server
    assert.equal(db(`SELECT role || ' ' || (actor LIKE 'cli:%') FROM admin_log WHERE action = 'client.approve'
      AND target = '${reg.client_id}'`), 'operator true');
    // and back into the sandbox
    admin(p.env, ['client', 'sandbox', reg.client_id]);
    assert.equal((await signIn(config, 'kita-hanako')).back.searchParams.get('error'), 'access_denied');
  });
});

describe('the help desk (admin API)', () => {
  test('finds a resident by a client\'s sub, locks them out (sessions and tokens end), and unlocks', async () => {
    const ops = addClient(p.env, ['--client-name', 'help desk', '--grant-types', 'client_credentials', '--scope', 'admin:help-desk']);
    const at = (await tokenRequest(p.url, { grant_type: 'client_credentials', scope: 'admin:help-desk' },
      { authorization: basic(ops.client_id, ops.client_secret) })).body.access_token;
    const api = (method, path, body) => fetch(`${p.url}/admin/api/v1${path}`, { method,
      headers: { authorization: `Bearer ${at}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const t = issue('desk-shop');
    const reg = (await register(t.token, minimal)).body;
    admin(p.env, ['client', 'approve', reg.client_id]);
    const config = await rp(p.url, reg);
    const { back, a, agent } = await signIn(config, 'sakai-taro');
    const tokens = await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const sub = tokens.claims().sub, me = residentOf(agent);
    // the partner reads out the sub it knows; the help desk finds the resident (the sub is computed, never stored)
    let r = await api('GET', `/residents?client_id=${reg.client_id}&sub=${encodeURIComponent(sub)}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.residents.map((x) => x.resident_id), [me]);
    assert.equal(r.body.residents[0].live_sessions >= 1, true);
    assert.equal((await api('GET', `/residents?client_id=${reg.client_id}&sub=someone-else`)).body.residents.length, 0);
    assert.equal((await api('POST', `/residents/${me}/lock`, {})).status, 400, 'a reason is required');
    r = await api('POST', `/residents/${me}/lock`, { reason: 'phone reported stolen (ticket 1234)' });
    assert.equal(r.status, 200);
    assert.equal(r.body.locked, true);
    assert.equal(r.body.live_sessions, 0);
    assert.equal((await fetch(`${p.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status, 401);
    const row = JSON.parse(db(`SELECT row_to_json(l) FROM (SELECT role, target, before, after FROM admin_log
      WHERE action = 'residents.lock' ORDER BY seq DESC LIMIT 1) l`));
    assert.deepEqual([row.role, row.target, row.before.locked, row.after.locked, row.after.reason],
      ['help-desk', me, false, true, 'phone reported stolen (ticket 1234)']);
    // locked: the card signs, and no session begins
    const again = new Agent(p.url);
    const a2 = await authRequest(config, { redirect_uri: CB });
    const last = await completeLogin(again, await again.go(a2.url.href), { cards: p.cards, card: 'sakai-taro' });
    assert.notEqual(last.status, 303, 'no redirect to the client');
    assert.match(last.text, /cannot be used at the moment|ご利用いただけません/);
    assert.equal(again.jar.get('sakaid_session'), undefined);
    // unlocked: signs in again
    r = await api('POST', `/residents/${me}/unlock`, { reason: 'phone found' });
    assert.equal(r.body.locked, false);
    const ok = await signIn(config, 'sakai-taro');
    assert.ok(ok.back.searchParams.get('code'));
    r = await api('POST', `/residents/${me}/end-sessions`, { reason: 'asked by the resident' });
    assert.equal(r.body.live_sessions, 0);
    assert.equal((await api('GET', '/residents/no-such-resident')).status, 404);
  });
});
