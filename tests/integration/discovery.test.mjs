// Discovery is truthful (issue #2 §3): every advertised endpoint exists and
// behaves as advertised, nothing unimplemented is advertised, and the JWKS
// holds public keys only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, provision, startServer, tokenRequest } from './lib/harness.mjs';

let srv;
before(async () => {
  srv = await startServer(await provision());
});
after(cleanup);

test('OpenID and OAuth metadata documents agree and name this issuer', async () => {
  const oidc = await (await fetch(`${srv.url}/.well-known/openid-configuration`)).json();
  const oauth = await (await fetch(`${srv.url}/.well-known/oauth-authorization-server`)).json();
  assert.deepEqual(oidc, oauth);
  assert.equal(oidc.issuer, srv.url);
  assert.equal(oidc.jwks_uri, `${srv.url}/jwks`);
  assert.equal(oidc.token_endpoint, `${srv.url}/token`);
});

test('advertises exactly what is implemented', async () => {
  const d = await (await fetch(`${srv.url}/.well-known/openid-configuration`)).json();
  // The code flow (issue #4) and logout (issue #6) exist; request objects only through PAR (docs/fapi.md), so the
  // authorization endpoint takes no request parameter.
  assert.deepEqual(d.response_types_supported, ['code']);
  assert.deepEqual(d.response_modes_supported, ['query', 'form_post', 'jwt', 'query.jwt', 'form_post.jwt']);
  assert.deepEqual(d.authorization_signing_alg_values_supported, ['RS256', 'ES256', 'PS256']);
  assert.deepEqual(d.request_object_signing_alg_values_supported, ['RS256', 'ES256', 'PS256']);
  assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
  assert.equal(d.authorization_response_iss_parameter_supported, true);
  assert.equal(d.request_parameter_supported, false);
  assert.equal(d.request_uri_parameter_supported, false);
  assert.equal(d.end_session_endpoint, `${srv.url}/logout`);
  assert.equal(d.backchannel_logout_supported, true);
  assert.equal(d.registration_endpoint, `${srv.url}/register`); // RFC 7591, with an initial access token (issue #19)
  for (const absent of ['frontchannel_logout_supported', 'check_session_iframe']) {
    assert.equal(d[absent], undefined, `${absent} must not be advertised before it exists`);
  }
  for (const [k, path] of [['authorization_endpoint', '/authorize'], ['userinfo_endpoint', '/userinfo'],
    ['introspection_endpoint', '/introspect'], ['revocation_endpoint', '/revoke']]) {
    assert.equal(d[k], `${srv.url}${path}`);
  }
  assert.deepEqual(d.grant_types_supported, ['authorization_code', 'refresh_token', 'client_credentials']);
  assert.deepEqual(d.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
  // jose's algorithm table (jose/key.h): what we sign ID tokens with and verify client assertions with
  assert.deepEqual(d.id_token_signing_alg_values_supported, ['RS256', 'ES256', 'PS256']);
  assert.deepEqual(d.token_endpoint_auth_signing_alg_values_supported, ['RS256', 'ES256', 'PS256']);
  // Every advertised endpoint answers (an OAuth error, not 404).
  for (const k of ['userinfo_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
    const r = await fetch(d[k], { method: 'POST' });
    assert.ok([400, 401].includes(r.status), `${k} answered ${r.status}`);
  }
  const az = await fetch(d.authorization_endpoint, { redirect: 'manual' });
  assert.equal(az.status, 400);
  assert.match(az.headers.get('content-type'), /text\/html/);
  // Every advertised URL answers: jwks with keys, token with an OAuth error (not 404).
  const jwks = await fetch(d.jwks_uri);
  assert.equal(jwks.status, 200);
  const tok = await tokenRequest(srv.url, { grant_type: 'client_credentials' });
  assert.equal(tok.status, 401);
  assert.equal(tok.body.error, 'invalid_client');
});

test('JWKS: public keys only, each with kid, use and alg, every algorithm', async () => {
  const r = await fetch(`${srv.url}/jwks`);
  assert.equal(r.headers.get('content-type'), 'application/json');
  const { keys } = await r.json();
  assert.equal(keys.length, 6, 'active and next for RS256, ES256 and PS256');
  for (const k of keys) {
    assert.ok(k.kid && k.use === 'sig' && ['RS256', 'ES256', 'PS256'].includes(k.alg), JSON.stringify(k));
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(k[priv], undefined, `private member ${priv}`);
    if (k.alg === 'RS256' || k.alg === 'PS256') assert.equal(k.kty, 'RSA');
    if (k.alg === 'ES256') assert.ok(k.kty === 'EC' && k.crv === 'P-256');
  }
  assert.equal(new Set(keys.map((k) => k.kid)).size, 6);
  assert.deepEqual([...new Set(keys.map((k) => k.alg))].sort(), ['ES256', 'PS256', 'RS256']);
});

test('health endpoints', async () => {
  assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
  const ready = await fetch(`${srv.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal((await ready.json()).status, 'ready');
});
