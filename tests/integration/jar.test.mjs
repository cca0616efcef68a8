// FAPI 2.0 Message Signing for a client an administrator marks fapi2-message-signing (issue #21, docs/fapi.md
// "Message signing"), with openid-client as the client: its authorization request is a request object it signs
// (JAR, RFC 9101) and pushes (PAR, RFC 9126 §3), the resident signs in with the card, the authorization response
// comes back as a JWT we sign (JARM), which openid-client verifies, and the code is redeemed with DPoP. Then each
// refusal: an unsigned push from this client, a request object signed by a key that is not the client's, one that
// lives too long or names another audience, and a request object sent straight to /authorize.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { addClient, cleanup } from './lib/harness.mjs';
import { Agent, completeLogin, oidc, startProvider } from './lib/flow.mjs';

const CB = 'https://signed.example/cb';
let p, portal, plain, clientKey, strangerKey, cfg, plainCfg;

before(async () => {
  p = await startProvider();
  clientKey = await generateKeyPair('ES256');
  strangerKey = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(clientKey.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' }] });
  portal = addClient(p.env, ['--client-name', 'City portal (signed)', '--redirect-uris', CB, '--tier', 'city',
    '--token-endpoint-auth-method', 'private_key_jwt', '--jwks', jwks, '--security-profile', 'fapi2-message-signing']);
  // openid-client is told what the profile registered: ES256 ID tokens and ES256 JARM responses (response_mode jwt)
  cfg = await oidc.discovery(new URL(p.url), portal.client_id,
    { id_token_signed_response_alg: 'ES256', authorization_signed_response_alg: 'ES256' },
    oidc.PrivateKeyJwt({ key: clientKey.privateKey, kid: 'es' }), { execute: [oidc.allowInsecureRequests, oidc.useJwtResponseMode] });
  // a client with the same key and no profile: it may sign requests, but not send them through the browser
  plain = addClient(p.env, ['--client-name', 'Signs, no profile', '--redirect-uris', CB, '--tier', 'city',
    '--token-endpoint-auth-method', 'private_key_jwt', '--jwks', jwks]);
  plainCfg = await oidc.discovery(new URL(p.url), plain.client_id, {},
    oidc.PrivateKeyJwt({ key: clientKey.privateKey, kid: 'es' }), { execute: [oidc.allowInsecureRequests] });
});
after(cleanup);

/** An authorization request as a request object signed with @p key (JAR), with its PKCE verifier, state and nonce. */
async function signedRequest(config, key = clientKey, options = {}) {
  const verifier = oidc.randomPKCECodeVerifier(), state = oidc.randomState(), nonce = oidc.randomNonce();
  const url = await oidc.buildAuthorizationUrlWithJAR(config, { redirect_uri: CB, scope: 'openid', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' },
  { key: key.privateKey, kid: 'es' }, options);
  return { url, verifier, state, nonce };
}

test('discovery advertises JAR through PAR and JARM; openid-client signs, pushes, verifies the JARM response and redeems the code with DPoP', async () => {
  const meta = await (await fetch(`${p.url}/.well-known/openid-configuration`)).json();
  assert.equal(meta.request_parameter_supported, false, 'not at the authorization endpoint: through PAR only');
  assert.ok(meta.request_object_signing_alg_values_supported.includes('ES256'));
  assert.ok(meta.authorization_signing_alg_values_supported.includes('ES256'));
  for (const mode of ['jwt', 'query.jwt', 'form_post.jwt']) assert.ok(meta.response_modes_supported.includes(mode), mode);
  assert.ok(!meta.response_modes_supported.includes('fragment.jwt'));

  const DPoP = oidc.getDPoPHandle(cfg, await oidc.randomDPoPKeyPair('ES256'));
  const a = await signedRequest(cfg);
  assert.equal(decodeProtectedHeader(a.url.searchParams.get('request')).typ, 'oauth-authz-req+jwt');
  const url = await oidc.buildAuthorizationUrlWithPAR(cfg, a.url.searchParams, { DPoP });
  assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
  const agent = new Agent(p.url);
  const last = await completeLogin(agent, await agent.go(url.href), { cards: p.cards });
  assert.equal(last.status, 303, last.text?.slice(0, 300));
  const back = new URL(last.location);
  assert.deepEqual([...back.searchParams.keys()], ['response'], 'JARM: every parameter inside the JWT, iss too');
  // the response as any client would check it: our JWKS, our issuer, this client, a short life
  const { payload, protectedHeader } = await jwtVerify(back.searchParams.get('response'),
    createRemoteJWKSet(new URL(`${p.url}/jwks`)), { issuer: p.url, audience: portal.client_id });
  assert.equal(protectedHeader.alg, 'ES256');
  assert.equal(payload.state, a.state);
  assert.ok(payload.code && payload.exp - Math.floor(Date.now() / 1000) <= 600);
  const tokens = await oidc.authorizationCodeGrant(cfg, back, { pkceCodeVerifier: a.verifier, expectedState: a.state,
    expectedNonce: a.nonce }, undefined, { DPoP });
  assert.equal(tokens.token_type.toLowerCase(), 'dpop');
  assert.equal(tokens.claims().aud, portal.client_id);
});

test('refused: an unsigned push from a client that signs, a request object by another key, one that lives too long or is for another audience', async () => {
  const refused = (promise, error, description) => assert.rejects(promise, (e) => {
    assert.equal(e.status, 400);
    assert.equal(e.error, error);
    if (description) assert.match(e.error_description, description);
    return true;
  });
  const verifier = oidc.randomPKCECodeVerifier();
  await refused(oidc.buildAuthorizationUrlWithPAR(cfg, { redirect_uri: CB, scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }),
  'invalid_request', /require_signed_request_object/);
  let a = await signedRequest(cfg, strangerKey);
  await refused(oidc.buildAuthorizationUrlWithPAR(cfg, a.url.searchParams), 'invalid_request_object', /registered keys/);
  a = await signedRequest(cfg, clientKey, { [oidc.modifyAssertion]: (header, claims) => { claims.exp = claims.nbf + 3601; } });
  await refused(oidc.buildAuthorizationUrlWithPAR(cfg, a.url.searchParams), 'invalid_request_object', /60 minutes/);
  a = await signedRequest(cfg, clientKey, { [oidc.modifyAssertion]: (header, claims) => { claims.aud = 'https://other.example'; } });
  await refused(oidc.buildAuthorizationUrlWithPAR(cfg, a.url.searchParams), 'invalid_request_object', /aud/);
});

test('a request object sent straight to /authorize is refused: a page, or request_not_supported to a redirect URI it names outside', async () => {
  let a = await signedRequest(cfg);
  let r = await new Agent(p.url).go(a.url.href);
  assert.equal(r.status, 400);
  assert.match(r.text, /pushed_authorization_request_endpoint/);
  // only client_id and request (RFC 9101 §5): nothing names a redirect URI we could trust, so a page
  a = await signedRequest(plainCfg);
  r = await new Agent(p.url).go(a.url.href);
  assert.equal(r.status, 400);
  assert.match(r.text, /invalid_request/);
  // the parameters outside too, as some clients send them: the error goes back there
  const outside = new URL(a.url);
  for (const [k, v] of Object.entries({ response_type: 'code', redirect_uri: CB, scope: 'openid', state: 'st-out' }))
    outside.searchParams.set(k, v);
  r = await new Agent(p.url).go(outside.href);
  assert.equal(r.status, 303);
  const back = new URL(r.location);
  assert.equal(back.origin + back.pathname, CB);
  assert.equal(back.searchParams.get('error'), 'request_not_supported');
  assert.equal(back.searchParams.get('state'), 'st-out');
  // the same request object pushed by that client is taken (signing needs no profile)
  const url = await oidc.buildAuthorizationUrlWithPAR(plainCfg, a.url.searchParams);
  assert.match(url.searchParams.get('request_uri'), /^urn:ietf:params:oauth:request_uri:/);
});
