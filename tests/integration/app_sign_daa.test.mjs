// A one-stop application signed through the Digital Agency's app (issue #17 §1 "Signing", docs/card.md "Signing
// through the app"): the resident signs in through the digital-auth-app channel (lib/daa.mjs), the fapi2 portal
// pushes an application to sign, and the consent page sends this browser to the app's signing transaction
// (client credentials, POST /api/sign-transactions, scope sign with sign_transaction_id); the signature and the
// certificate come back and go through exactly our own channel's checks; the stored CMS verifies with openssl.
// Refused in the app, a signature over another hash, and a replayed callback all fail closed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { addClient, cleanup, psql, tempDir } from './lib/harness.mjs';
import { addAppChannel, Agent, formFields, jpkiMaterial, oidc, startProvider } from './lib/flow.mjs';
import { approveInSim, startDigitalAuthApp } from './lib/daa.mjs';

const CB = 'https://portal.example/cb';
const document = Buffer.from('転入届\n申請番号 APP-2026-000901\n', 'utf8');
const digest = createHash('sha256').update(document).digest('base64url');
const application = [{ type: 'sakai_application', identifier: 'APP-2026-000901',
  procedure: { code: 'TENNYU-01', name: '転入届' }, actions: ['read', 'sign'], datatypes: ['name', 'address'],
  document_digest: { alg: 'sha-256', value: digest } }];
let p, sim, cfg;

before(async () => {
  p = await startProvider();
  const m = jpkiMaterial();
  sim = await startDigitalAuthApp({ cardsDir: join(m, 'cards'), crlDir: join(m, 'crl') });
  await addAppChannel(p, sim, 'RP00000002');
  const key = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' };
  const portal = addClient(p.env, ['--client-name', 'City portal', '--redirect-uris', CB, '--tier', 'city',
    '--token-endpoint-auth-method', 'private_key_jwt', '--jwks', JSON.stringify({ keys: [jwk] }), '--security-profile', 'fapi2',
    '--authorization-details-types', 'sakai_application', '--scope', 'openid profile address']);
  cfg = await oidc.discovery(new URL(p.url), portal.client_id, { id_token_signed_response_alg: 'ES256' },
    oidc.PrivateKeyJwt({ key: key.privateKey, kid: 'es' }), { execute: [oidc.allowInsecureRequests] });
});
after(async () => {
  await sim?.close();
  await cleanup();
});

/** The portal pushes the application; the resident signs in through the app with @p card; the consent page. */
async function signedInThroughApp(agent, card) {
  const DPoP = oidc.getDPoPHandle(cfg, await oidc.randomDPoPKeyPair('ES256'));
  const verifier = oidc.randomPKCECodeVerifier(), state = oidc.randomState(), nonce = oidc.randomNonce();
  const url = await oidc.buildAuthorizationUrlWithPAR(cfg, { redirect_uri: CB, scope: 'openid', state, nonce, max_age: '0',
    acr_values: 'urn:sakai-d:acr:card', code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256', authorization_details: JSON.stringify(application) }, { DPoP });
  const login = await agent.go(url.href);
  assert.match(login.text, /data-upstream="daa"/, 'the app channel is offered for a request that needs the card');
  const r = await agent.request('/login/social', { method: 'POST', form: { ...formFields(login.text, '/login/social'), upstream: 'daa' } });
  const answer = await approveInSim(undefined, r.location, { card });
  assert.equal(answer.status, 302, answer.text?.slice(0, 300));
  let page = await agent.go(answer.location);
  if (page.status === 303) page = await agent.go(page.location);
  assert.equal(page.status, 200, page.text?.slice(0, 400));
  assert.match(page.text, /data-application="APP-2026-000901"/);
  return { page, DPoP, verifier, state, nonce };
}

/** The consent page's button to the app's signing transaction. */
function signButton(text) {
  const a = text.match(/<a [^>]*id="app-sign-upstream"[^>]*>/)?.[0] ?? '';
  const href = a.match(/href="([^"]+)"/)?.[1];
  assert.ok(href, 'the consent page sends this browser to the app to sign (no QR code for a phone)');
  return href.replaceAll('&amp;', '&');
}

/** Follows the button to the app, where the "phone" answers @p decision; returns the callback URL. */
async function throughApp(agent, page, { card, decision = 'approve' }) {
  const r = await agent.go(signButton(page.text));
  assert.equal(r.status, 303, r.text?.slice(0, 300));
  const to = new URL(r.location);
  assert.ok(to.href.startsWith(sim.issuer));
  assert.equal(to.searchParams.get('scope'), 'openid sign');
  assert.match(to.searchParams.get('sign_transaction_id'), /^[0-9a-f-]{36}$/);
  const answer = await approveInSim(undefined, r.location, { card, decision });
  assert.equal(answer.status, 302, answer.text?.slice(0, 300));
  return answer.location;
}

function opensslVerify(cmsDer, content) {
  const dir = tempDir();
  writeFileSync(join(dir, 'sig.der'), cmsDer);
  writeFileSync(join(dir, 'doc'), content);
  return spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'sig.der'), '-content',
    join(dir, 'doc'), '-CAfile', join(jpkiMaterial(), 'roots', 'sign.pem'), '-purpose', 'any', '-out', '/dev/null'],
  { encoding: 'utf8' });
}

test('a signing transaction through the app: the one-stop application signed, a CMS that verifies, no replay', async () => {
  const agent = new Agent(p.url);
  const a = await signedInThroughApp(agent, 'sakai-taro');
  const before = sim.requests.length;
  const cb = await throughApp(agent, a.page, { card: 'sakai-taro' });
  const calls = sim.requests.slice(before).map((r) => r.endpoint);
  assert.deepEqual(calls.slice(0, 3), ['token', 'sign_start', 'authorization'], 'client credentials, then the transaction');
  const back = await agent.request(cb); // the callback itself: back to the consent page
  assert.equal(back.status, 303, back.text?.slice(0, 300));
  assert.match(back.location, /\/consent\?tx=/);
  assert.ok(sim.requests.some((r) => r.endpoint === 'sign_result' && r.outcome?.status === 200));
  const page = await agent.go(back.location);
  assert.match(page.text, /id="app-signed"/);
  // the same callback again: the leg is over (a replay)
  const replay = await agent.request(cb);
  assert.equal(replay.status, 400, replay.text?.slice(0, 300));
  assert.match(replay.text, /expired or was used/);
  const allow = await agent.request('/consent', { method: 'POST', form: { ...formFields(page.text, '/consent'), decision: 'allow' } });
  assert.equal(allow.status, 303, allow.text?.slice(0, 300));
  const tokens = await oidc.authorizationCodeGrant(cfg, new URL(allow.location), { pkceCodeVerifier: a.verifier,
    expectedState: a.state, expectedNonce: a.nonce }, undefined, { DPoP: a.DPoP });
  assert.equal(tokens.claims().acr, 'urn:sakai-d:acr:card');
  const r = await oidc.fetchProtectedResource(cfg, tokens.access_token, new URL(`${p.url}/application-signatures`), 'GET',
    undefined, undefined, { DPoP: a.DPoP });
  const { signatures } = await r.json();
  assert.equal(signatures.length, 1);
  assert.equal(signatures[0].document_digest.value, digest);
  const cms = Buffer.from(signatures[0].cms, 'base64');
  const ok = opensslVerify(cms, document);
  assert.equal(ok.status, 0, ok.stderr);
  assert.notEqual(opensslVerify(cms, Buffer.from('another document')).status, 0);
  assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM audit_events WHERE event = 'application_signed'
    AND detail->>'document_digest' = '${digest}'`), '1');
});

test('refused in the app: access_denied, nothing signed, no code', async () => {
  const agent = new Agent(p.url);
  const a = await signedInThroughApp(agent, 'sakai-taro');
  const back = await agent.request(await throughApp(agent, a.page, { card: 'sakai-taro', decision: 'refuse' }));
  assert.equal(back.status, 400, back.text?.slice(0, 300)); // access_denied (core/err.c), shown as a page
  assert.match(back.text, /署名が完了しなかった|did not finish/);
  const still = await agent.request('/consent', { method: 'POST', form: { ...formFields(a.page.text, '/consent'), decision: 'allow' } });
  assert.match(still.location, /\/consent\?tx=/, 'not signed: no code');
  assert.ok(Number(psql(p.env.SAKAID_DATABASE_URL, "SELECT count(*) FROM audit_events WHERE event = 'application_sign_refused'")) >= 1);
});

test('a signature over another hash, and another card\'s certificate, are refused', async () => {
  for (const [script, reason] of [[{ signWrongHash: true }, /bad_signature|署名|signature/i], [{ signCard: 'kita-hanako' }, /card|カード/i]]) {
    const agent = new Agent(p.url);
    const a = await signedInThroughApp(agent, 'sakai-taro');
    sim.script(script);
    const back = await agent.request(await throughApp(agent, a.page, { card: 'sakai-taro' }));
    assert.equal(back.status, 403, back.text?.slice(0, 300)); // card_rejected
    assert.match(back.text, reason);
    const still = await agent.request('/consent', { method: 'POST', form: { ...formFields(a.page.text, '/consent'), decision: 'allow' } });
    assert.match(still.location, /\/consent\?tx=/, 'not signed: no code');
  }
  sim.script(null);
});
