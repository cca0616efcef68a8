// Rich authorization requests (RFC 9396; issue #21, docs/fapi.md "Rich authorization"): the city portal asks
// for one application (authorization_details of type sakai_application) through PAR; the consent page says
// which procedure and what is read; the ledger records the details verbatim in its hash chain; the access
// token, the token response and introspection carry them; such a consent is never remembered; and every
// malformed, unknown or unregistered detail is invalid_authorization_details.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { addClient, admin, basic, cleanup, psql } from './lib/harness.mjs';
import { Agent, completeLogin, consentIfAsked, oidc, rp, startProvider } from './lib/flow.mjs';

const CB = 'https://portal.example/cb';
let p, portal, other, cfg;

const application = (extra = {}) => [{ type: 'sakai_application', identifier: 'APP-2026-000123',
  procedure: { code: 'KOSODATE-01', name: '児童手当 認定請求' }, actions: ['read'], datatypes: ['name', 'address'],
  ...extra }];
// what the server keeps: compact JSON, keys sorted (oauth/rar.c)
const canonical = (details) => JSON.stringify(details.map((d) => Object.fromEntries(Object.entries(d).sort()
  .map(([k, v]) => [k, v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v]))));

before(async () => {
  p = await startProvider();
  portal = addClient(p.env, ['--client-name', 'City portal', '--redirect-uris', CB, '--tier', 'city',
    '--authorization-details-types', 'sakai_application']);
  other = addClient(p.env, ['--client-name', 'Not registered for applications', '--redirect-uris', CB, '--tier', 'city']);
  cfg = await rp(p.url, portal);
});
after(cleanup);

async function push(c, details) {
  return fetch(`${p.url}/par`, { method: 'POST', headers: { authorization: basic(c.client_id, c.client_secret),
    'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ response_type: 'code', redirect_uri: CB, scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    authorization_details: typeof details === 'string' ? details : JSON.stringify(details) }) });
}

/** PAR with @p details, a card sign-in, and the consent page left for the test. */
async function toConsent(details) {
  const verifier = oidc.randomPKCECodeVerifier(), state = oidc.randomState(), nonce = oidc.randomNonce();
  const url = await oidc.buildAuthorizationUrlWithPAR(cfg, { redirect_uri: CB, scope: 'openid', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    authorization_details: JSON.stringify(details) });
  const agent = new Agent(p.url);
  const page = await completeLogin(agent, await agent.go(url.href), { cards: p.cards, consent: null });
  return { agent, page, verifier, state, nonce };
}

test('discovery names the type; the consent page shows the application; the ledger, the tokens and introspection carry it', async () => {
  const meta = await (await fetch(`${p.url}/.well-known/openid-configuration`)).json();
  assert.deepEqual(meta.authorization_details_types_supported, ['sakai_application']);
  const details = application();
  const a = await toConsent(details);
  assert.equal(a.page.status, 200);
  assert.match(a.page.text, /data-application="APP-2026-000123"/);
  assert.match(a.page.text, /児童手当 認定請求 \(KOSODATE-01\)/);
  assert.match(a.page.text, /<li data-reads="address">/);
  assert.match(a.page.text, /この同意はこの申請1件だけに使われます/);
  const last = await consentIfAsked(a.agent, a.page, 'allow');
  assert.equal(last.status, 303, last.text?.slice(0, 300));
  // the ledger: the decision with the details verbatim, in a chain that still verifies (hash_version 3)
  const row = psql(p.env.SAKAID_DATABASE_URL, `SELECT hash_version || ' ' || authorization_details FROM consent_ledger
    WHERE client_id = '${portal.client_id}' ORDER BY seq DESC LIMIT 1`);
  assert.equal(row, `3 ${canonical(details)}`);
  assert.equal(admin(p.env, ['audit', 'verify']).json.ok, true);
  // the token response (RFC 9396 §7), the access token (§9.1) and introspection (§9.2)
  const tokens = await oidc.authorizationCodeGrant(cfg, new URL(last.location), { pkceCodeVerifier: a.verifier,
    expectedState: a.state, expectedNonce: a.nonce });
  assert.deepEqual(tokens.authorization_details, JSON.parse(canonical(details)));
  assert.deepEqual(decodeJwt(tokens.access_token).authorization_details, JSON.parse(canonical(details)));
  const intro = await oidc.tokenIntrospection(cfg, tokens.access_token);
  assert.equal(intro.active, true);
  assert.deepEqual(intro.authorization_details, JSON.parse(canonical(details)));
  // another application by the same client is asked again: a consent for one application is never remembered
  const again = await toConsent(application({ identifier: 'APP-2026-000124' }));
  assert.equal(again.page.status, 200);
  assert.match(again.page.text, /data-application="APP-2026-000124"/);
});

test('a denied application is recorded with its details, and the client gets access_denied', async () => {
  const details = application({ identifier: 'APP-DENIED-1' });
  const a = await toConsent(details);
  const last = await consentIfAsked(a.agent, a.page, 'deny');
  assert.equal(last.status, 303);
  assert.equal(new URL(last.location).searchParams.get('error'), 'access_denied');
  assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT action || ' ' || authorization_details FROM consent_ledger
    WHERE client_id = '${portal.client_id}' ORDER BY seq DESC LIMIT 1`), `deny ${canonical(details)}`);
});

test('malformed, unknown or unregistered details are invalid_authorization_details (RFC 9396 §5)', async () => {
  const cases = [
    [portal, 'not json'],
    [portal, []],
    [portal, [{ type: 'payment_initiation' }]],
    [portal, application({ extra: 1 })],
    [portal, application({ datatypes: ['openid'] })],
    [portal, application({ actions: ['read', 'sign'], document_digest: { alg: 'sha-256', value: 'x'.repeat(42) } })],
    [portal, application({ actions: ['read', 'sign'] })],
    [other, application()],
  ];
  for (const [c, details] of cases) {
    const r = await push(c, details);
    assert.equal(r.status, 400, JSON.stringify(details));
    assert.equal((await r.json()).error, 'invalid_authorization_details', JSON.stringify(details));
  }
  // through the browser, once the redirect URI is trusted: back to the client with the error
  const url = oidc.buildAuthorizationUrl(cfg, { redirect_uri: CB, scope: 'openid', state: 's1',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    authorization_details: '[{"type":"unknown"}]' });
  const r = await new Agent(p.url).go(url.href);
  assert.equal(r.status, 303);
  const back = new URL(r.location);
  assert.equal(back.searchParams.get('error'), 'invalid_authorization_details');
  assert.equal(back.searchParams.get('state'), 's1');
});
