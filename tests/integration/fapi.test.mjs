// FAPI 2.0 Security Profile for a client an administrator marks fapi2 (issue #21, docs/fapi.md), with
// openid-client as the FAPI client: private_key_jwt, PAR, PKCE and DPoP (RFC 9449) through the code flow,
// UserInfo, introspection and refresh; and every refusal the issue names: a missing proof, a replayed
// proof, a wrong htu, a non-PAR request, a reused request_uri, RS256.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { addClient, basic, cleanup, tokenRequest } from './lib/harness.mjs';
import { Agent, completeLogin, oidc, startProvider } from './lib/flow.mjs';

const CB = 'https://portal.example/cb';
let p, portal, clientKey, rsaKey, cfg, plain;

before(async () => {
  p = await startProvider();
  clientKey = await generateKeyPair('ES256');
  rsaKey = await generateKeyPair('RS256');
  const keys = [{ ...(await exportJWK(clientKey.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(rsaKey.publicKey)), kid: 'rs', alg: 'RS256', use: 'sig' }];
  portal = addClient(p.env, ['--client-name', 'City portal (FAPI)', '--redirect-uris', CB, '--tier', 'city',
    '--token-endpoint-auth-method', 'private_key_jwt', '--jwks', JSON.stringify({ keys }), '--security-profile', 'fapi2',
    '--grant-types', 'authorization_code,refresh_token', '--scope', 'openid offline_access']);
  // the ID token's algorithm is ES256 for a fapi2 client (FAPI 2.0 §5.4.1): openid-client is told so
  cfg = await oidc.discovery(new URL(p.url), portal.client_id, { id_token_signed_response_alg: 'ES256' },
    oidc.PrivateKeyJwt({ key: clientKey.privateKey, kid: 'es' }), { execute: [oidc.allowInsecureRequests] });
  plain = addClient(p.env, ['--client-name', 'Not FAPI', '--redirect-uris', CB, '--tier', 'city']);
});
after(cleanup);

/** Pushes an authorization request with a DPoP proof (RFC 9449 §10.1) and signs the resident in. */
async function authorize(dpop, extra = {}) {
  const verifier = oidc.randomPKCECodeVerifier(), state = oidc.randomState(), nonce = oidc.randomNonce();
  const url = await oidc.buildAuthorizationUrlWithPAR(cfg, { redirect_uri: CB, scope: 'openid offline_access', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra }, dpop ? { DPoP: dpop } : {});
  const agent = new Agent(p.url);
  const last = await completeLogin(agent, await agent.go(url.href), { cards: p.cards });
  assert.equal(last.status, 303, last.text?.slice(0, 300));
  const back = new URL(last.location);
  assert.equal(back.searchParams.get('iss'), p.url, 'RFC 9207: iss in the response');
  return { back, verifier, state, nonce, url };
}

/** A DPoP proof by @p key for @p htm @p htu (RFC 9449 §4.2), optionally with @p nonce, @p ath, @p alg. */
async function proof(key, htm, htu, { nonce, ath, jti = randomUUID(), alg = 'ES256' } = {}) {
  const jwk = await exportJWK(key.publicKey);
  return new SignJWT({ htm, htu, jti, ...(nonce ? { nonce } : {}), ...(ath ? { ath } : {}) })
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk }).setIssuedAt().sign(key.privateKey);
}

/** A private_key_jwt client assertion for the portal (RFC 7523), signed with @p alg. */
function assertion(alg = 'ES256') {
  return new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg, kid: alg === 'ES256' ? 'es' : 'rs' })
    .setIssuer(portal.client_id).setSubject(portal.client_id).setAudience(p.url).setIssuedAt().setExpirationTime('1m')
    .sign(alg === 'ES256' ? clientKey.privateKey : rsaKey.privateKey);
}

async function codeRequest(a, headers = {}, alg = 'ES256') {
  return tokenRequest(p.url, { grant_type: 'authorization_code', code: a.back.searchParams.get('code'), redirect_uri: CB,
    code_verifier: a.verifier, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await assertion(alg) }, headers);
}

/** The server's current DPoP nonce: a proof without one is answered use_dpop_nonce with it (§8). */
async function currentNonce(key) {
  const r = await tokenRequest(p.url, { grant_type: 'refresh_token', refresh_token: 'x' },
    { dpop: await proof(key, 'POST', `${p.url}/token`) });
  assert.equal(r.body.error, 'use_dpop_nonce');
  return r.headers.get('dpop-nonce');
}

test('discovery advertises DPoP and PAR; openid-client runs PAR + DPoP + private_key_jwt to bound tokens', async () => {
  const meta = await (await fetch(`${p.url}/.well-known/openid-configuration`)).json();
  assert.ok(meta.dpop_signing_alg_values_supported.includes('ES256'));
  assert.ok(meta.pushed_authorization_request_endpoint);
  assert.ok(meta.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
  const dpopKey = await oidc.randomDPoPKeyPair('ES256');
  const DPoP = oidc.getDPoPHandle(cfg, dpopKey);
  const a = await authorize(DPoP);
  const tokens = await oidc.authorizationCodeGrant(cfg, a.back, { pkceCodeVerifier: a.verifier, expectedState: a.state,
    expectedNonce: a.nonce }, undefined, { DPoP });
  assert.equal(tokens.token_type.toLowerCase(), 'dpop');
  const jkt = await calculateJwkThumbprint(await exportJWK(dpopKey.publicKey));
  assert.equal(decodeJwt(tokens.access_token).cnf.jkt, jkt, 'RFC 9449 §6.1');
  const idt = tokens.claims();
  assert.equal(idt.aud, portal.client_id);
  // UserInfo with the proof (openid-client sends ath and our nonce)
  const info = await oidc.fetchUserInfo(cfg, tokens.access_token, idt.sub, { DPoP });
  assert.equal(info.sub, idt.sub);
  // the bound token as a bearer token opens nothing (§7.2)
  const bearer = await fetch(`${p.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(bearer.status, 401);
  // introspection (here by another client: not its token, so inactive) and by the portal itself: cnf.jkt
  const other = await fetch(`${p.url}/introspect`, { method: 'POST', headers: { authorization: basic(plain.client_id,
    plain.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ token: tokens.access_token }) });
  assert.equal((await other.json()).active, false);
  const intro = await oidc.tokenIntrospection(cfg, tokens.access_token);
  assert.equal(intro.active, true);
  assert.equal(intro.cnf.jkt, jkt);
  // refresh with the same key, through openid-client
  const next = await oidc.refreshTokenGrant(cfg, tokens.refresh_token, undefined, { DPoP });
  assert.equal(next.token_type.toLowerCase(), 'dpop');
  assert.equal(decodeJwt(next.access_token).cnf.jkt, jkt);
});

test('a fapi2 client: no DPoP proof, a replayed proof, a wrong htu, RS256 are each refused, and the code survives them', async () => {
  const key = await generateKeyPair('ES256');
  const a = await authorize(null);
  // missing proof (RFC 9449 §5.2: dpop_bound_access_tokens)
  let r = await codeRequest(a);
  assert.equal(r.status, 400);
  assert.equal(r.body.error, 'invalid_dpop_proof');
  const nonce = await currentNonce(key);
  // wrong htu
  r = await codeRequest(a, { dpop: await proof(key, 'POST', `${p.url}/userinfo`, { nonce }) });
  assert.equal(r.body.error, 'invalid_dpop_proof');
  assert.match(r.body.error_description, /htu/);
  // RS256: a proof (FAPI 2.0 §5.4.1) and a client assertion
  r = await codeRequest(a, { dpop: await proof(await generateKeyPair('RS256'), 'POST', `${p.url}/token`, { nonce, alg: 'RS256' }) });
  assert.equal(r.body.error, 'invalid_dpop_proof');
  r = await codeRequest(a, { dpop: await proof(key, 'POST', `${p.url}/token`, { nonce }) }, 'RS256');
  assert.equal(r.status, 401);
  assert.equal(r.body.error, 'invalid_client');
  // a good proof, then the same proof again (§11.1)
  const once = await proof(key, 'POST', `${p.url}/token`, { nonce });
  r = await codeRequest(a, { dpop: once });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.token_type, 'DPoP');
  const b = await authorize(null);
  r = await codeRequest(b, { dpop: once });
  assert.equal(r.body.error, 'invalid_dpop_proof');
  assert.match(r.body.error_description, /used before/);
});

test('a fapi2 client cannot skip PAR, and a request_uri is used once', async () => {
  const direct = oidc.buildAuthorizationUrl(cfg, { redirect_uri: CB, scope: 'openid', code_challenge:
    await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
  let r = await new Agent(p.url).go(direct.href);
  assert.equal(r.status, 400);
  assert.match(r.text, /pushed_authorization_request_endpoint/);
  const a = await authorize(oidc.getDPoPHandle(cfg, await oidc.randomDPoPKeyPair('ES256')));
  r = await new Agent(p.url).go(a.url.href);
  assert.equal(r.status, 400);
  assert.match(r.text, /invalid_request_uri/);
});

test('a code bound at PAR (dpop_jkt) is redeemed only with that key', async () => {
  const bound = await generateKeyPair('ES256'), other = await generateKeyPair('ES256');
  const jkt = await calculateJwkThumbprint(await exportJWK(bound.publicKey));
  const a = await authorize(null, { dpop_jkt: jkt });
  const nonce = await currentNonce(other);
  let r = await codeRequest(a, { dpop: await proof(other, 'POST', `${p.url}/token`, { nonce }) });
  assert.equal(r.body.error, 'invalid_dpop_proof');
  r = await codeRequest(a, { dpop: await proof(bound, 'POST', `${p.url}/token`, { nonce }) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(decodeJwt(r.body.access_token).cnf.jkt, jkt);
});

test('metadata: a fapi2 client must use private_key_jwt', () => {
  assert.throws(() => addClient(p.env, ['--client-name', 'Weak', '--redirect-uris', CB, '--security-profile', 'fapi2']),
    /private_key_jwt/);
});
