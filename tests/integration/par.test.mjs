// Pushed authorization requests (RFC 9126; issue #21, docs/flow.md "Pushed authorization requests"):
// openid-client pushes the request to /par (client authentication, the request validated there), the
// browser carries only client_id and request_uri, and the code flow ends in tokens. The request_uri is
// single-use, bound to its client and short-lived; a client registered with
// require_pushed_authorization_requests cannot skip it; bad pushes get RFC 6749 errors as JSON.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addClient, basic, cleanup, psql } from './lib/harness.mjs';
import { Agent, completeLogin, oidc, rp, startProvider } from './lib/flow.mjs';

const CB = 'https://par.example/cb';
let p, client, strict, config, strictConfig;

before(async () => {
  p = await startProvider();
  client = addClient(p.env, ['--client-name', 'Pushes sometimes', '--redirect-uris', CB, '--tier', 'city']);
  strict = addClient(p.env, ['--client-name', 'Pushes always', '--redirect-uris', CB, '--tier', 'city',
    '--require-pushed-authorization-requests', 'true']);
  config = await rp(p.url, client);
  strictConfig = await rp(p.url, strict);
});
after(cleanup);

const push = (c, body) => fetch(`${p.url}/par`, { method: 'POST',
  headers: { authorization: basic(c.client_id, c.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(body) });

async function pushed(cfg, extra = {}) {
  const verifier = oidc.randomPKCECodeVerifier(), state = oidc.randomState(), nonce = oidc.randomNonce();
  const url = await oidc.buildAuthorizationUrlWithPAR(cfg, { redirect_uri: CB, scope: 'openid', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra });
  return { url, verifier, state, nonce };
}

test('discovery names the endpoint; openid-client pushes, the browser carries a request_uri, the flow ends in tokens', async () => {
  const meta = await (await fetch(`${p.url}/.well-known/openid-configuration`)).json();
  assert.equal(meta.pushed_authorization_request_endpoint, `${p.url}/par`);
  assert.equal(meta.require_pushed_authorization_requests, false);
  const a = await pushed(strictConfig);
  assert.deepEqual([...a.url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
  assert.match(a.url.searchParams.get('request_uri'), /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
  const agent = new Agent(p.url);
  const last = await completeLogin(agent, await agent.go(a.url.href), { cards: p.cards });
  assert.equal(last.status, 303, last.text?.slice(0, 300));
  const tokens = await oidc.authorizationCodeGrant(strictConfig, new URL(last.location), { pkceCodeVerifier: a.verifier,
    expectedState: a.state, expectedNonce: a.nonce });
  assert.equal(tokens.claims().aud, strict.client_id);
  // single use: the same request_uri again is refused (a page: nothing of it can be trusted)
  const again = await new Agent(p.url).go(a.url.href);
  assert.equal(again.status, 400);
  assert.match(again.text, /invalid_request_uri/);
});

test('a client that must push cannot skip it; one that may, may; another client cannot use a request_uri', async () => {
  const direct = oidc.buildAuthorizationUrl(strictConfig, { redirect_uri: CB, scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
  let r = await new Agent(p.url).go(direct.href);
  assert.equal(r.status, 400);
  assert.match(r.text, /pushed_authorization_request_endpoint/);
  const may = oidc.buildAuthorizationUrl(config, { redirect_uri: CB, scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
  r = await new Agent(p.url).go(may.href);
  assert.equal(r.status, 200, 'the login page');
  // a request_uri pushed by one client, presented with another's client_id
  const a = await pushed(config);
  const stolen = new URL(a.url);
  stolen.searchParams.set('client_id', strict.client_id);
  r = await new Agent(p.url).go(stolen.href);
  assert.equal(r.status, 400);
  assert.match(r.text, /invalid_request_uri/);
  // expired: 60 s (here made old in the database)
  const b = await pushed(config);
  psql(p.env.SAKAID_DATABASE_URL, "UPDATE pushed_requests SET expires_at = now() - interval '1 second' WHERE used_at IS NULL");
  r = await new Agent(p.url).go(b.url.href);
  assert.equal(r.status, 400);
  assert.match(r.text, /invalid_request_uri/);
});

test('refused pushes: no client authentication, a request_uri inside, another client_id, a redirect URI not registered', async () => {
  let r = await fetch(`${p.url}/par`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: client.client_id, response_type: 'code', redirect_uri: CB, scope: 'openid' }) });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error, 'invalid_client');
  const base = { response_type: 'code', redirect_uri: CB, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256' };
  r = await push(client, { ...base, request_uri: 'urn:ietf:params:oauth:request_uri:x' });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error, 'invalid_request');
  r = await push(client, { ...base, client_id: strict.client_id });
  assert.equal(r.status, 400);
  r = await push(client, { ...base, redirect_uri: 'https://evil.example/cb' });
  assert.equal(r.status, 400);
  assert.match(JSON.stringify(await r.json()), /redirect_uri/);
  r = await push(client, { ...base, response_type: 'token' });
  assert.equal(r.status, 400);
  r = await push(client, base);
  assert.equal(r.status, 201);
  const body = await r.json();
  assert.equal(body.expires_in, 60);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT position('secret' in params) FROM pushed_requests
    WHERE request_uri_hash = sha256(convert_to('${body.request_uri}', 'UTF8'))`), '0', 'no credential stored');
});
