// A one-stop application, end to end (issue #21, docs/fapi.md "Applications signed with the card"): the city
// portal, a fapi2 client with PAR and DPoP, starts an application (authorization_details sakai_application, read
// and sign); the resident, signed in with a social account, steps up with the card for this request only, sees
// the application and what is signed, and signs the document with the card's signing key (sakaid-card plays the
// phone); the portal gets a DPoP-bound token whose introspection shows the application, and a detached CMS
// SignedData that `openssl cms -verify` and PKI.js both accept; the resident's account page lists the signature.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, webcrypto } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { addClient, adminAsync, cleanup, psql, tempDir } from './lib/harness.mjs';
import { Agent, appLink, authRequest, completeLogin, consentIfAsked, formFields, jpkiMaterial, oidc, rp, signWithCard,
  startProvider } from './lib/flow.mjs';
import { startOidcProvider, upstreamLogin } from './lib/upstream.mjs';

const CB = 'https://portal.example/cb';
const CARD = 'kita-hanako';
const document = Buffer.from('児童手当 認定請求書\n申請番号 APP-2026-000777\n請求者 堺 花子\n', 'utf8');
const digest = createHash('sha256').update(document).digest('base64url');
const application = [{ type: 'sakai_application', identifier: 'APP-2026-000777',
  procedure: { code: 'KOSODATE-01', name: '児童手当 認定請求' }, actions: ['read', 'sign'], datatypes: ['name', 'address'],
  document_digest: { alg: 'sha-256', value: digest } }];
let p, up, library, libraryRp, portal, cfg, clientKey;

before(async () => {
  p = await startProvider();
  up = await startOidcProvider(p.url);
  await adminAsync(p.env, ['upstream', 'add', 'mock', '--issuer', up.issuer, '--client-id', up.clientId, '--client-secret',
    up.clientSecret, '--display-name', 'Mock ID', '--scopes', 'openid']);
  library = addClient(p.env, ['--client-name', 'Library', '--redirect-uris', CB, '--tier', 'city']);
  libraryRp = await rp(p.url, library);
  clientKey = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(clientKey.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' };
  portal = addClient(p.env, ['--client-name', 'City portal', '--redirect-uris', CB, '--tier', 'city',
    '--token-endpoint-auth-method', 'private_key_jwt', '--jwks', JSON.stringify({ keys: [jwk] }), '--security-profile', 'fapi2',
    '--authorization-details-types', 'sakai_application', '--scope', 'openid profile address']);
  cfg = await oidc.discovery(new URL(p.url), portal.client_id, { id_token_signed_response_alg: 'ES256' },
    oidc.PrivateKeyJwt({ key: clientKey.privateKey, kid: 'es' }), { execute: [oidc.allowInsecureRequests] });
});
after(async () => {
  await up?.close();
  await cleanup();
});

/** A social sign-in at the library: the browser's session is a social one. */
async function socialSession(agent, login) {
  const a = await authRequest(libraryRp, { redirect_uri: CB });
  const page = await agent.go(a.url.href);
  const r = await agent.request('/login/social', { method: 'POST', form: { ...formFields(page.text, '/login/social'), upstream: 'mock' } });
  const back = await consentIfAsked(agent, await upstreamLogin(agent, r, login));
  assert.equal(back.status, 303, back.text?.slice(0, 300));
  const t = await oidc.authorizationCodeGrant(libraryRp, new URL(back.location), { pkceCodeVerifier: a.verifier,
    expectedState: a.state, expectedNonce: a.nonce });
  assert.equal(t.claims().acr, 'urn:sakai-d:acr:social');
  return t;
}

/** The portal pushes the application (PAR + DPoP), asking for the card for this one request. */
async function startApplication(agent, DPoP) {
  const verifier = oidc.randomPKCECodeVerifier(), state = oidc.randomState(), nonce = oidc.randomNonce();
  const url = await oidc.buildAuthorizationUrlWithPAR(cfg, { redirect_uri: CB, scope: 'openid', state, nonce, max_age: '0',
    acr_values: 'urn:sakai-d:acr:card', code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256', authorization_details: JSON.stringify(application) }, { DPoP });
  return { page: await agent.go(url.href), verifier, state, nonce };
}

function opensslVerify(cmsDer, content) {
  const dir = tempDir();
  writeFileSync(join(dir, 'sig.der'), cmsDer);
  writeFileSync(join(dir, 'doc'), content);
  return spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'sig.der'), '-content',
    join(dir, 'doc'), '-CAfile', join(jpkiMaterial(), 'roots', 'sign.pem'), '-purpose', 'any', '-out', '/dev/null'],
  { encoding: 'utf8' });
}

async function pkijsVerify(cmsDer, content) {
  pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto }));
  const ci = new pkijs.ContentInfo({ schema: asn1js.fromBER(new Uint8Array(cmsDer).buffer).result });
  const sd = new pkijs.SignedData({ schema: ci.content });
  const pem = readFileSync(join(jpkiMaterial(), 'roots', 'sign.pem'), 'utf8')
    .match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  const roots = pem.map((c) => pkijs.Certificate.fromBER(Buffer.from(c.replace(/-----[^-]+-----|\s/g, ''), 'base64')));
  return sd.verify({ signer: 0, data: new Uint8Array(content).buffer, trustedCerts: roots, checkChain: true });
}

test('one-stop application: social sign-in, card step-up for this request, the application signed, CMS that verifies', async () => {
  const agent = new Agent(p.url);
  const social = await socialSession(agent, `hanako-${Date.now()}`);
  const DPoP = oidc.getDPoPHandle(cfg, await oidc.randomDPoPKeyPair('ES256'));
  const a = await startApplication(agent, DPoP);
  assert.equal(a.page.status, 200);
  assert.doesNotMatch(a.page.text, /data-upstream=/, 'the card is needed for this request');
  // the card signs in (joining this SakaI-D), its signing certificate is read, then the consent page
  let page = await completeLogin(agent, a.page, { cards: p.cards, card: CARD, consent: null });
  assert.equal(page.status, 200, page.text?.slice(0, 300));
  assert.match(page.text, /data-application="APP-2026-000777"/);
  assert.match(page.text, new RegExp(digest), 'the page shows what is signed');
  // "allow" before the card signed: the page again, nothing issued
  const early = await agent.request('/consent', { method: 'POST', form: { ...formFields(page.text, '/consent'), decision: 'allow' } });
  assert.equal(early.status, 303);
  assert.match(early.location, /\/consent\?tx=/);
  // the phone: the card's signing key signs the CMS attributes the link names
  page = await agent.go(early.location);
  const link = appLink(page.text);
  assert.match(link, /purpose=app/);
  const signed = signWithCard(p.cards, CARD, link);
  assert.equal(signed.status, 'signed');
  assert.throws(() => signWithCard(p.cards, CARD, link), /challenge_used/, 'a challenge signs once');
  page = await agent.go(early.location);
  assert.match(page.text, /id="app-signed"/);
  const back = await consentIfAsked(agent, page, 'allow');
  assert.equal(back.status, 303, back.text?.slice(0, 300));

  // the portal: a DPoP-bound token for a card sign-in of this request, carrying the application
  const tokens = await oidc.authorizationCodeGrant(cfg, new URL(back.location), { pkceCodeVerifier: a.verifier,
    expectedState: a.state, expectedNonce: a.nonce }, undefined, { DPoP });
  assert.equal(tokens.token_type.toLowerCase(), 'dpop');
  assert.equal(tokens.claims().acr, 'urn:sakai-d:acr:card');
  assert.deepEqual(tokens.claims().amr, ['sc', 'pin']);
  assert.equal(tokens.claims().sub, social.claims().sub);
  assert.ok(decodeJwt(tokens.access_token).cnf.jkt);
  const intro = await oidc.tokenIntrospection(cfg, tokens.access_token);
  assert.equal(intro.authorization_details[0].identifier, 'APP-2026-000777');
  assert.equal(intro.authorization_details[0].document_digest.value, digest);
  // the signature, with the token and its proof
  const r = await oidc.fetchProtectedResource(cfg, tokens.access_token, new URL(`${p.url}/application-signatures`), 'GET',
    undefined, undefined, { DPoP });
  assert.equal(r.status, 200);
  const { signatures } = await r.json();
  assert.equal(signatures.length, 1);
  assert.equal(signatures[0].application_id, 'APP-2026-000777');
  assert.equal(signatures[0].document_digest.value, digest);
  const cms = Buffer.from(signatures[0].cms, 'base64');
  const ok = opensslVerify(cms, document);
  assert.equal(ok.status, 0, ok.stderr);
  assert.notEqual(opensslVerify(cms, Buffer.from('another document')).status, 0);
  assert.equal(await pkijsVerify(cms, document), true);
  assert.equal(await pkijsVerify(cms, Buffer.from('another document')).catch(() => false), false);
  // as a bearer token it opens nothing (DPoP-bound)
  const bearer = await fetch(`${p.url}/application-signatures`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(bearer.status, 401);

  // the resident sees it; the ledger has the consent with the application; the session stayed social
  const acct = await agent.go('/account');
  assert.match(acct.text, /<ul id="signatures"><li data-application="APP-2026-000777">/);
  assert.match(acct.text, /City portal/);
  assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM audit_events WHERE event = 'application_signed'
    AND detail->>'document_digest' = '${digest}'`), '1');
  assert.match(psql(p.env.SAKAID_DATABASE_URL, `SELECT authorization_details FROM consent_ledger
    WHERE client_id = '${portal.client_id}' ORDER BY seq DESC LIMIT 1`), new RegExp(digest));
  const again = await authRequest(libraryRp, { redirect_uri: CB, prompt: 'none' });
  const silent = await agent.go(again.url.href);
  const t2 = await oidc.authorizationCodeGrant(libraryRp, new URL(silent.location), { pkceCodeVerifier: again.verifier,
    expectedState: again.state, expectedNonce: again.nonce });
  assert.equal(t2.claims().acr, 'urn:sakai-d:acr:social');
});

test('another resident\'s card cannot sign the application; the page waits for the resident\'s own', async () => {
  const agent = new Agent(p.url);
  await socialSession(agent, `taro-${Date.now()}`);
  const DPoP = oidc.getDPoPHandle(cfg, await oidc.randomDPoPKeyPair('ES256'));
  const a = await startApplication(agent, DPoP);
  const page = await completeLogin(agent, a.page, { cards: p.cards, card: 'older-root', consent: null });
  assert.match(page.text, /data-application="APP-2026-000777"/);
  // kita-hanako's card belongs to the first test's resident
  assert.throws(() => signWithCard(p.cards, CARD, appLink(page.text)), /card_mismatch/);
  const still = await agent.request('/consent', { method: 'POST', form: { ...formFields(page.text, '/consent'), decision: 'allow' } });
  assert.match(still.location, /\/consent\?tx=/, 'not signed: no code');
});
