// The resident's account, consent revocation, logout and the audit trail
// (issue #6): revocation kills tokens and sends a verifiable Back-Channel
// Logout token to a test receiver, deliveries retry until the receiver is
// back (also across a restart), RP-Initiated Logout obeys its rules, and
// `sakaid-admin audit verify` catches a tampered ledger.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { addClient, admin, cleanup, freePort, psql, startServer, waitFor } from './lib/harness.mjs';
import { Agent, authRequest, completeLogin, formFields, oidc, startProvider } from './lib/flow.mjs';

const CB = 'https://rp.example/cb';
const BYE = 'https://rp.example/bye';
let p, receiverPort, received, receiver, client, config;

/** A Back-Channel Logout receiver: records each logout_token; answers 200. */
async function startReceiver(port) {
  const srv = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push(new URLSearchParams(body).get('logout_token'));
    res.writeHead(200, { 'cache-control': 'no-store' });
    res.end();
  });
  await new Promise((r) => srv.listen(port, '127.0.0.1', r));
  return { close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }) };
}

before(async () => {
  received = [];
  receiverPort = await freePort();
  p = await startProvider({ logout: { retry_seconds: 1 } });
  receiver = await startReceiver(receiverPort);
  client = addClient(p.env, ['--client-name', 'Library', '--redirect-uris', CB, '--post-logout-redirect-uris', BYE,
    '--backchannel-logout-uri', `http://127.0.0.1:${receiverPort}/bcl`, '--tier', 'city',
    '--grant-types', 'authorization_code,refresh_token', '--scope', 'openid residency',
    '--purpose-ja', '図書館の利用者確認', '--purpose-en', 'Library membership', '--id-token-signed-response-alg', 'ES256']);
  config = await oidc.discovery(new URL(p.url), client.client_id, { id_token_signed_response_alg: 'ES256' },
    oidc.ClientSecretBasic(client.client_secret), { execute: [oidc.allowInsecureRequests] });
});
after(async () => {
  await receiver?.close();
  await cleanup();
});

async function signIn(agent, params = {}, card = 'sakai-taro') {
  const a = await authRequest(config, { redirect_uri: CB, scope: 'openid residency', ...params });
  const page = await agent.go(a.url.href);
  const r = await completeLogin(agent, page, { cards: p.cards, card });
  assert.equal(r.status, 303, r.text?.slice(0, 300));
  return oidc.authorizationCodeGrant(config, new URL(r.location), { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
}

async function verifyLogoutToken(token) {
  assert.equal(decodeProtectedHeader(token).typ, 'logout+jwt');
  // Back-Channel Logout §2.4: signed as the client's ID tokens are (it registered ES256)
  assert.equal(decodeProtectedHeader(token).alg, 'ES256');
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${p.url}/jwks`)), { issuer: p.url, audience: client.client_id });
  assert.deepEqual(payload.events, { 'http://schemas.openid.net/event/backchannel-logout': {} });
  assert.ok(payload.jti && payload.iat && payload.exp);
  assert.equal(payload.nonce, undefined);
  return payload;
}

describe('consent revocation and back-channel logout', () => {
  test('revoking on the account page kills the tokens, sends a verifiable logout token, and asks again next time', async () => {
    const agent = new Agent(p.url);
    const t = await signIn(agent);
    assert.equal((await oidc.tokenIntrospection(config, t.access_token)).active, true);
    let acct = await agent.go('/account');
    assert.match(acct.text, new RegExp(`data-client="${client.client_id}"`));
    assert.match(acct.text, /図書館の利用者確認/);
    // What was shared, by the service's name, not its client id (issue #18 item 4).
    const history = acct.text.slice(acct.text.indexOf('id="releases"'));
    assert.match(history, /<strong>Library<\/strong>/);
    assert.doesNotMatch(history.slice(0, history.indexOf('</ul>')), new RegExp(client.client_id));
    received.length = 0;
    const form = formFields(acct.text, '/account/consent/revoke');
    const forged = await agent.request('/account/consent/revoke', { method: 'POST', form: { ...form, csrf: 'x'.repeat(43) } });
    assert.equal(forged.status, 403, 'a forged form changes nothing');
    assert.equal((await oidc.tokenIntrospection(config, t.access_token)).active, true);
    acct = await agent.go('/account/consent/revoke', { method: 'POST', form });
    assert.equal(acct.status, 200);
    assert.doesNotMatch(acct.text, new RegExp(`data-client="${client.client_id}"`));
    assert.equal((await oidc.tokenIntrospection(config, t.access_token)).active, false);
    assert.equal((await oidc.tokenIntrospection(config, t.refresh_token)).active, false);
    await waitFor(() => received.length > 0, { timeout: 10000 });
    const payload = await verifyLogoutToken(received[0]);
    assert.equal(payload.sub, t.claims().sub);
    const ledger = psql(p.env.SAKAID_DATABASE_URL, `SELECT action || ':' || actor FROM consent_ledger WHERE client_id = '${client.client_id}' ORDER BY seq DESC LIMIT 1`);
    assert.equal(ledger, 'revoke:resident');
    // the next authorization asks for consent again
    const a = await authRequest(config, { redirect_uri: CB, scope: 'openid residency' });
    const page = await agent.go(a.url.href);
    assert.match(page.text, /action="\/consent"/);
  });

  test('a delivery that fails is retried until the receiver is back, also across a restart', async () => {
    const agent = new Agent(p.url);
    await signIn(agent, {}, 'kita-hanako');
    await receiver.close(); // the relying party is down
    received.length = 0;
    const acct = await agent.go('/account');
    await agent.go('/account/consent/revoke', { method: 'POST', form: formFields(acct.text, '/account/consent/revoke') });
    await waitFor(() => Number(psql(p.env.SAKAID_DATABASE_URL, 'SELECT coalesce(max(attempts), 0) FROM logout_deliveries WHERE delivered_at IS NULL')) >= 1, { timeout: 10000 });
    assert.equal(received.length, 0);
    // restart sakaid while the delivery is pending: it lives in PostgreSQL
    assert.equal(await p.srv.stop(), 0);
    receiver = await startReceiver(receiverPort);
    p.srv = await startServer(p.env);
    await waitFor(() => received.length > 0, { timeout: 20000 });
    await verifyLogoutToken(received[0]);
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, 'SELECT count(*) FROM logout_deliveries WHERE delivered_at IS NULL'), '0');
  });
});

describe('RP-Initiated Logout', () => {
  test('a valid hint and a registered URI: signed out at once, state returned, back-channel logout with sid', async () => {
    const agent = new Agent(p.url);
    const t = await signIn(agent, {}, 'osaka-jiro');
    received.length = 0;
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: t.id_token, post_logout_redirect_uri: BYE, state: 'st-1' });
    const r = await agent.request(url.href);
    assert.equal(r.status, 303);
    assert.equal(r.location, `${BYE}?state=st-1`);
    assert.equal(agent.jar.get('sakaid_session'), undefined, 'the cookie is cleared');
    const none = await agent.go((await authRequest(config, { redirect_uri: CB, prompt: 'none' })).url.href);
    assert.equal(new URL(none.location).searchParams.get('error'), 'login_required');
    await waitFor(() => received.length > 0, { timeout: 10000 });
    const payload = await verifyLogoutToken(received[0]);
    assert.equal(payload.sid, t.claims().sid);
  });

  test('bad hints, foreign hints, mismatched client_id and unregistered URIs never redirect', async () => {
    const agent = new Agent(p.url);
    const t = await signIn(agent, {}, 'osaka-jiro');
    const other = addClient(p.env, ['--client-name', 'Other', '--redirect-uris', CB, '--post-logout-redirect-uris', 'https://other.example/bye']);
    const [h, body, sig] = t.id_token.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url'));
    claims.aud = other.client_id;
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    for (const q of [
      { id_token_hint: forged, post_logout_redirect_uri: 'https://other.example/bye' },
      { id_token_hint: 'not.a.jwt', post_logout_redirect_uri: BYE },
      { id_token_hint: t.id_token, post_logout_redirect_uri: 'https://evil.example/bye' },
      { id_token_hint: t.id_token, client_id: other.client_id, post_logout_redirect_uri: BYE },
      { post_logout_redirect_uri: BYE }, // no client known: no redirect
      { client_id: client.client_id, post_logout_redirect_uri: 'https://other.example/bye' },
    ]) {
      const r = await agent.request(`/logout?${new URLSearchParams(q)}`);
      assert.equal(r.status, 400, JSON.stringify(q));
      assert.equal(r.location, null);
    }
    assert.ok(agent.jar.get('sakaid_session'), 'still signed in');
  });

  test('without a hint the resident confirms; a forged confirmation does not sign out', async () => {
    const agent = new Agent(p.url);
    await signIn(agent, {}, 'osaka-jiro');
    const page = await agent.request(`/logout?client_id=${client.client_id}&post_logout_redirect_uri=${encodeURIComponent(BYE)}&state=s2`);
    assert.equal(page.status, 200);
    const fields = formFields(page.text, '/logout');
    const forged = await agent.request('/logout', { method: 'POST', form: { ...fields, csrf: 'x'.repeat(43) } });
    assert.equal(forged.status, 200, 'asked again');
    assert.ok(agent.jar.get('sakaid_session'));
    const r = await agent.request('/logout', { method: 'POST', form: fields });
    assert.equal(r.status, 303);
    assert.equal(r.location, `${BYE}?state=s2`);
    assert.equal(agent.jar.get('sakaid_session'), undefined);
  });

  test('discovery advertises logout', async () => {
    const d = await (await fetch(`${p.url}/.well-known/openid-configuration`)).json();
    assert.equal(d.end_session_endpoint, `${p.url}/logout`);
    assert.equal(d.backchannel_logout_supported, true);
    assert.equal(d.backchannel_logout_session_supported, true);
  });
});

describe('the audit trail', () => {
  test('audit verify passes an intact ledger and names an edited or deleted row', () => {
    const url = p.env.SAKAID_DATABASE_URL;
    const ok = admin(p.env, ['audit', 'verify']).json;
    assert.equal(ok.ok, true);
    assert.ok(ok.rows >= 3);
    psql(url, 'ALTER TABLE consent_ledger DISABLE TRIGGER consent_ledger_no_change');
    psql(url, "UPDATE consent_ledger SET claims = 'name address' WHERE seq = 2");
    let bad = admin(p.env, ['audit', 'verify'], { expectExit: 1 }).json;
    assert.equal(bad.row, 2);
    assert.match(bad.problem, /edited/);
    psql(url, 'DELETE FROM consent_ledger WHERE seq = 2');
    bad = admin(p.env, ['audit', 'verify'], { expectExit: 1 }).json;
    assert.equal(bad.row, 3);
    psql(url, 'ALTER TABLE consent_ledger ENABLE TRIGGER consent_ledger_no_change');
  });

  test('audit list filters security events; export gives a resident their records', () => {
    const logins = admin(p.env, ['audit', 'list', '--event', 'card_login']).json;
    assert.ok(logins.length >= 3);
    assert.ok(logins.every((e) => e.event === 'card_login' && e.resident_id));
    const resident = logins[0].resident_id;
    const mine = admin(p.env, ['audit', 'list', '--resident', resident]).json;
    assert.ok(mine.every((e) => e.resident_id === resident));
    assert.ok(admin(p.env, ['audit', 'list', '--event', 'admin_action']).json.some((e) => e.detail.command === 'client' && e.detail.action === 'add'));
    assert.ok(admin(p.env, ['audit', 'list', '--event', 'logout']).json.length >= 1);
    const exp = admin(p.env, ['audit', 'export', '--resident', resident]).json;
    assert.equal(exp.resident, resident);
    assert.ok(exp.releases.length >= 1);
    assert.ok(exp.events.length >= 1);
  });
});
