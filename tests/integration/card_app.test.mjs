// The card through the Digital Agency's デジタル認証アプリ (issue #17): an upstream of
// kind digital-auth-app, played by our simulator of its API (lib/daa.mjs),
// registered with sakaid-admin; openid-client is the relying party. A
// sign-in through it is a card sign-in only when the upstream's ID token
// states the assurance we asked for ("aal3 crl"); anything less is refused.
// The whole suite runs twice: beside our own channel checking revocation
// with CRL files, and with a platform operator's API (lib/operator.mjs), so
// that every channel and revocation source meets in one deployment.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addClient, adminAsync, cleanup, psql, tempDir } from './lib/harness.mjs';
import { addAppChannel, Agent, authRequest, completeLogin, consentIfAsked, formFields, jpkiMaterial, oidc, rp, signInBothKeys, startProvider } from './lib/flow.mjs';
import { approveInSim, startDigitalAuthApp } from './lib/daa.mjs';
import { startOperatorSimulator } from './lib/operator.mjs';

const CB = 'https://rp.example/cb';
const APP_CLIENT = 'RP00000001';
let p, sim, operator, portal, portalRp, cardOnly, cardOnlyRp, records, registered;
const VERIFIED = 'openid profile birthdate gender address';

async function loginPage(agent, config, params = {}) {
  const a = await authRequest(config, { redirect_uri: CB, ...params });
  return { a, page: await agent.go(a.url.href) };
}

/** Presses the app channel's button, lets the "phone" answer with @p card, and comes back to SakaI-D. */
async function viaApp(agent, page, { card = 'sakai-taro', decision = 'approve', consent = 'allow' } = {}) {
  assert.match(page.text, /<section id="card-app"/, 'the login page offers the app channel with the card');
  assert.match(page.text, /data-upstream="daa"/);
  const r = await agent.request('/login/social', { method: 'POST', form: { ...formFields(page.text, '/login/social'), upstream: 'daa' } });
  assert.equal(r.status, 303);
  assert.ok(r.location.startsWith(sim.issuer), `to the app's authorization endpoint: ${r.location}`);
  const answer = await approveInSim(undefined, r.location, { card, decision });
  assert.equal(answer.status, 302, answer.text?.slice(0, 300));
  assert.ok(answer.location.startsWith(`${p.url}/login/social/callback`), answer.location);
  return consentIfAsked(agent, await agent.go(answer.location), consent);
}

async function tokensFrom(config, r, a) {
  assert.equal(r.status, 303, `expected the client's redirect: ${r.status} ${r.text?.slice(0, 400)}`);
  return oidc.authorizationCodeGrant(config, new URL(r.location), { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
}

const audit = (event) => psql(p.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM audit_events WHERE event = '${event}'`);

/** A provider whose own channel checks revocation with @p source, the app channel registered, three clients. */
async function deployment(source) {
  let jpki = {};
  if (source === 'operator') {
    const keyFile = join(tempDir(), 'operator.key');
    writeFileSync(keyFile, 'card-app-operator-key\n', { mode: 0o600 });
    const started = await startOperatorSimulator(keyFile);
    operator = started.proc;
    jpki = { crl_dir: undefined, revocation_source: 'operator', operator_url: started.url, operator_key_file: keyFile };
  }
  p = await startProvider({ jpki });
  const m = jpkiMaterial();
  sim = await startDigitalAuthApp({ cardsDir: join(m, 'cards'), crlDir: join(m, 'crl') });
  // What the operator registers with the Digital Agency: our public key, and our callback.
  registered = await addAppChannel(p, sim, APP_CLIENT);
  portal = addClient(p.env, ['--client-name', 'Portal', '--redirect-uris', CB, '--tier', 'city']);
  portalRp = await rp(p.url, portal);
  cardOnly = addClient(p.env, ['--client-name', 'Tax office', '--redirect-uris', CB, '--tier', 'city', '--card-required', 'true']);
  cardOnlyRp = await rp(p.url, cardOnly);
  records = await rp(p.url, addClient(p.env, ['--client-name', 'Ward office', '--redirect-uris', CB, '--tier', 'city', '--scope', VERIFIED]));
}


for (const source of ['crl', 'operator']) describe(`the card through the Digital Agency's app (our own channel's revocation: ${source})`, () => {
  before(() => deployment(source));
  after(async () => {
    await sim?.close();
    operator?.kill('SIGTERM');
    operator = undefined;
    await cleanup();
  });

  test('admin: add makes a key and prints its public JWK Set; the private key is sealed; jwks prints it again', async () => {
    assert.equal(registered.kind, 'digital-auth-app');
    assert.equal(registered.acr_values, 'aal3 crl');
    assert.equal(registered.scopes, 'openid name address birthdate gender');
    const [jwk] = registered.jwks.keys;
    assert.equal(jwk.kty, 'RSA');
    assert.equal(jwk.d, undefined, 'public only');
    const again = (await adminAsync(p.env, ['upstream', 'jwks', 'daa'])).json;
    assert.deepEqual(again, registered.jwks);
    const stored = psql(p.env.SAKAID_DATABASE_URL, "SELECT encode(client_secret_enc, 'hex') FROM upstream_providers WHERE id = 'daa'");
    assert.ok(!stored.includes(Buffer.from(jwk.n, 'base64url').subarray(0, 16).toString('hex')), 'sealed, not in the clear');
    const bad = await adminAsync(p.env, ['upstream', 'add', 'daa2', '--kind', 'digital-auth-app', '--issuer', sim.issuer,
      '--client-id', APP_CLIENT, '--display-name', 'x', '--client-secret', 's'], { expectExit: 2 });
    assert.match(bad.stderr, /private_key_jwt/);
  });

  test('a sign-in through the app is a card sign-in: acr card, amr sc pin, the four attributes verified by the app', async () => {
    const agent = new Agent(p.url);
    const { a, page } = await loginPage(agent, records, { scope: VERIFIED });
    const before = sim.requests.length;
    const t = await tokensFrom(records, await viaApp(agent, page), a);
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:card');
    assert.deepEqual(t.claims().amr, ['sc', 'pin']);
    // what we asked of the app: the assurance and the revocation check, PKCE S256, private_key_jwt
    const seen = sim.requests.slice(before);
    const authz = seen.find((r) => r.endpoint === 'authorization');
    assert.equal(authz.query.acr_values, 'aal3 crl');
    assert.equal(authz.query.code_challenge_method, 'S256');
    assert.equal(authz.query.scope, 'openid name address birthdate gender');
    const token = seen.find((r) => r.endpoint === 'token');
    assert.equal(token.form.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    assert.equal(token.outcome.status, 200);
    assert.equal(token.client_assertion.aud, `${sim.issuer}/protocol/openid-connect/token`);
    assert.ok(seen.some((r) => r.endpoint === 'userinfo' && r.outcome.status === 200));
    // the card's attributes, released as verified claims whose verifier is the app
    const info = await oidc.fetchUserInfo(records, t.access_token, t.claims().sub);
    const vc = info.verified_claims;
    assert.ok(vc, JSON.stringify(info));
    assert.equal(vc.verification.verifier.organization, sim.issuer);
    assert.equal(vc.verification.assurance_level, 'aal3 crl', 'the assurance the app stated');
    assert.match(vc.claims.birthdate, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(vc.claims.name && vc.claims.address.formatted);
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, "SELECT count(*) FROM resident_attributes WHERE evidence_upstream = 'daa'"), '1');
    assert.equal(audit('card_app_login'), '1');
    // the same card through the app again: the same resident
    const other = new Agent(p.url);
    const again = await loginPage(other, records);
    const t2 = await tokensFrom(records, await viaApp(other, again.page), again.a);
    assert.equal(t2.claims().sub, t.claims().sub);
  });

  test('less assurance than asked is refused, never taken as a weaker sign-in', async () => {
    for (const acr of ['aal2 crl', 'aal3']) {
      const agent = new Agent(p.url);
      const { page } = await loginPage(agent, portalRp);
      const refusedBefore = Number(audit('card_app_refused'));
      sim.script({ acr });
      const r = await viaApp(agent, page);
      assert.equal(r.status, 400, `acr ${acr}: ${r.status}`);
      assert.match(r.text, /invalid_grant/);
      assert.match(r.text, /デジタル認証アプリでのマイナンバーカードの確認が完了しませんでした/);
      assert.equal(Number(audit('card_app_refused')), refusedBefore + 1);
      const detail = psql(p.env.SAKAID_DATABASE_URL, "SELECT detail->>'reason' FROM audit_events WHERE event = 'card_app_refused' ORDER BY id DESC LIMIT 1");
      assert.match(detail, /acr/);
      assert.match((await agent.go('/account')).url, /\/account\/login|\/login\?/, 'no session');
    }
  });

  test('a revoked card: the app refuses it (crl), and nobody is signed in', async () => {
    const agent = new Agent(p.url);
    const { page } = await loginPage(agent, portalRp);
    const r = await viaApp(agent, page, { card: 'revoked' });
    assert.equal(r.status, 400, `${r.status} ${r.text.slice(0, 200)}`);
    assert.match(r.text, /access_denied/);
    assert.match((await agent.go('/account')).url, /\/account\/login|\/login\?/, 'no session');
  });

  test('a service that needs the card offers the app channel, not social sign-in, and accepts it', async () => {
    const agent = new Agent(p.url);
    const { a, page } = await loginPage(agent, cardOnlyRp);
    const t = await tokensFrom(cardOnlyRp, await viaApp(agent, page, { card: 'osaka-jiro' }), a);
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:card');
  });

  test('linking: a resident of our own channel adds the app in one session; then the app signs in the same SakaI-D', async () => {
    const agent = new Agent(p.url);
    const { a, page } = await loginPage(agent, portalRp);
    const own = await tokensFrom(portalRp, await completeLogin(agent, page, { cards: p.cards, card: 'kita-hanako' }), a);
    const acct = await agent.go('/account');
    assert.match(acct.text, /data-upstream="daa"|value="daa"/, 'the account page offers the app');
    const link = await agent.request('/account/link', { method: 'POST', form: { ...formFields(acct.text, '/account/link'), upstream: 'daa' } });
    assert.equal(link.status, 303);
    const answer = await approveInSim(undefined, link.location, { card: 'kita-hanako' });
    const back = await agent.go(answer.location);
    assert.match(back.url, /\/account\?linked=daa/, `${back.status} ${back.text.slice(0, 200)}`);
    const fresh = new Agent(p.url);
    const s = await loginPage(fresh, portalRp);
    const t = await tokensFrom(portalRp, await viaApp(fresh, s.page, { card: 'kita-hanako' }), s.a);
    assert.equal(t.claims().sub, own.claims().sub, 'one SakaI-D, two ways to bring the card');
    const linked = psql(p.env.SAKAID_DATABASE_URL, "SELECT count(*) FROM audit_events WHERE event = 'credential_linked'");
    assert.ok(Number(linked) >= 1);
  });

  test('two cards never mix: the app with another card than the one whose certificate verified this SakaI-D is refused', async () => {
    const agent = new Agent(p.url);
    const { a, page } = await loginPage(agent, records, { scope: VERIFIED });
    // our own channel with its signing step: older-root's own signing certificate verifies 堺 三郎's attributes
    await tokensFrom(records, await completeLogin(agent, page, { cards: p.cards, card: 'older-root' }), a);
    const acct = await agent.go('/account');
    const link = await agent.request('/account/link', { method: 'POST', form: { ...formFields(acct.text, '/account/link'), upstream: 'daa' } });
    const answer = await approveInSim(undefined, link.location, { card: 'sakai-taro-renewed' }); // 堺 太郎's card
    const refused = await agent.go(answer.location);
    assert.equal(refused.status, 403, `${refused.status} ${refused.text.slice(0, 200)}`);
    assert.match(refused.text, /一致しません/);
    const bound = psql(p.env.SAKAID_DATABASE_URL, "SELECT count(*) FROM social_identities WHERE upstream_id = 'daa'");
    const again = await approveInSim(undefined, (await agent.request('/account/link', { method: 'POST',
      form: { ...formFields(acct.text, '/account/link'), upstream: 'daa' } })).location, { card: 'older-root' });
    assert.match((await agent.go(again.location)).url, /\/account\?linked=daa/, 'its own card, through the app: linked');
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, "SELECT count(*) FROM social_identities WHERE upstream_id = 'daa'"), String(Number(bound) + 1),
      'the refused card bound nothing');
    const kept = psql(p.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM resident_attributes r JOIN social_identities s ON s.resident_id = r.resident_id
      WHERE s.upstream_id = 'daa' AND r.evidence_upstream IS NULL`);
    assert.equal(kept, '1', 'the certificate-verified attributes stay, with their evidence');
  });

  test('an app identity new to SakaI-D whose attributes a card verified for a SakaI-D: offered, confirmed, never silent', async () => {
    // 堺 太郎 through our own channel, with the signing step: his card's own signing certificate verifies his attributes.
    const agent = new Agent(p.url);
    const { a, page } = await loginPage(agent, records, { scope: VERIFIED });
    const own = await tokensFrom(records, await completeLogin(agent, page, { cards: p.cards, card: 'sakai-taro' }), a);
    // His renewed card through the app: an identity nobody holds, with the same four attributes.
    const phone = new Agent(p.url);
    const s = await loginPage(phone, records, { scope: VERIFIED });
    const offered = Number(audit('card_app_link_offered'));
    const boundBefore = psql(p.env.SAKAID_DATABASE_URL, "SELECT count(*) FROM social_identities WHERE upstream_id = 'daa'");
    const offer = await viaApp(phone, s.page, { card: 'sakai-taro-renewed' });
    assert.equal(offer.status, 200, offer.text.slice(0, 300));
    assert.match(offer.text, /id="app-link-offer"/);
    assert.match(offer.text, /この SakaI-D に追加しますか/);
    assert.equal(Number(audit('card_app_link_offered')), offered + 1);
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, "SELECT count(*) FROM social_identities WHERE upstream_id = 'daa'"), boundBefore,
      'nothing bound before the resident answers');
    const form = (answer) => {
      const m = offer.text.match(new RegExp(`<form[^>]*action="/login/card/app-link" data-answer="${answer}">([\\s\\S]*?)</form>`));
      return Object.fromEntries([...m[1].matchAll(/name="([^"]+)" value="([^"]*)"/g)].map(([, k, v]) => [k, v]));
    };
    assert.equal(form('link').offer, form('new').offer);
    // Altered, or carried to another browser: refused, nothing bound.
    const altered = { ...form('link'), offer: form('link').offer.slice(0, -4) + 'AAAA' };
    assert.equal((await phone.request('/login/card/app-link', { method: 'POST', form: altered })).status, 400);
    assert.equal((await new Agent(p.url).request('/login/card/app-link', { method: 'POST', form: form('link') })).status, 403);
    assert.equal((await phone.request('/login/card/app-link', { method: 'POST', form: { ...form('link'), answer: 'maybe' } })).status, 400);
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, "SELECT count(*) FROM social_identities WHERE upstream_id = 'daa'"), boundBefore);
    // Yes: the app's identity joins his SakaI-D, and the sign-in goes on as his, a card sign-in.
    const r = await consentIfAsked(phone, await phone.go('/login/card/app-link', { method: 'POST', form: form('link') }));
    const t = await tokensFrom(records, r, s.a);
    assert.equal(t.claims().sub, own.claims().sub, 'one SakaI-D');
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:card');
    // The offer is answered once.
    assert.equal((await phone.request('/login/card/app-link', { method: 'POST', form: form('new') })).status, 400);
    // The app alone signs him in from now on, with no question.
    const later = new Agent(p.url);
    const l = await loginPage(later, records);
    const t2 = await tokensFrom(records, await viaApp(later, l.page, { card: 'sakai-taro-renewed' }), l.a);
    assert.equal(t2.claims().sub, own.claims().sub);
    assert.equal(Number(audit('card_app_link_offered')), offered + 1, 'asked only once');
  });

  test('the offer declined: a new SakaI-D of its own, the other one untouched', async () => {
    // 堺 花子's card through our own channel, both keys (her SakaI-D from the linking test): now her card's own
    // signing certificate verifies her attributes.
    const agent = new Agent(p.url);
    const { a, page } = await loginPage(agent, records, { scope: VERIFIED });
    const own = await tokensFrom(records, await consentIfAsked(agent, await signInBothKeys(agent, page, p.cards, 'kita-hanako')), a);
    const phone = new Agent(p.url);
    const s = await loginPage(phone, records, { scope: VERIFIED });
    const offer = await viaApp(phone, s.page, { card: 'kita-hanako-renewed' });
    assert.match(offer.text, /id="app-link-offer"/, offer.text.slice(0, 300));
    const m = offer.text.match(/<form[^>]*action="\/login\/card\/app-link" data-answer="new">([\s\S]*?)<\/form>/);
    const fields = Object.fromEntries([...m[1].matchAll(/name="([^"]+)" value="([^"]*)"/g)].map(([, k, v]) => [k, v]));
    const r = await consentIfAsked(phone, await phone.go('/login/card/app-link', { method: 'POST', form: fields }));
    const t = await tokensFrom(records, r, s.a);
    assert.notEqual(t.claims().sub, own.claims().sub, 'a SakaI-D of its own');
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:card');
  });

  test('the app unreachable: a clean error page, and the login can be tried again', async () => {
    const agent = new Agent(p.url);
    const { page } = await loginPage(agent, portalRp);
    const r = await agent.request('/login/social', { method: 'POST', form: { ...formFields(page.text, '/login/social'), upstream: 'daa' } });
    const answer = await approveInSim(undefined, r.location, { card: 'sakai-taro' });
    sim.script({ down: 'token' });
    const back = await agent.go(answer.location);
    assert.equal(back.status, 502, `${back.status} ${back.text.slice(0, 200)}`);
    assert.match((await agent.go('/account')).url, /\/account\/login|\/login\?/, 'no session');
  });
});
