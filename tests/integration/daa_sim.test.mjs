// The simulator of the Digital Agency's authentication API (lib/daa.mjs)
// tested on its own: openid-client as the relying party with
// private_key_jwt, the JPKI test cards (keys/jpki-test-ca). A full sign-in
// gets acr "aal3 crl" and the chosen card's attributes; each refusal the
// reference defines (and each assumption of daa.mjs's header) answers as
// documented in docs/card.md, "The デジタル認証アプリ simulator".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { cleanup } from './lib/harness.mjs';
import { jpkiMaterial, oidc } from './lib/flow.mjs';
import { approveInSim, cardAttrs, startDigitalAuthApp } from './lib/daa.mjs';

const CID = 'SAKAID0001', OTHER = 'OTHERRP01';
const CB = 'https://sakaid.example/login/social/callback';
let sim, m, key, config, otherConfig;

before(async () => {
  m = jpkiMaterial();
  sim = await startDigitalAuthApp({ cardsDir: join(m, 'cards'), crlDir: join(m, 'crl') });
  key = await generateKeyPair('RS256');
  const other = await generateKeyPair('ES256');
  sim.registerClient({ client_id: CID, jwks: { keys: [{ ...(await exportJWK(key.publicKey)), kid: 'rp1', alg: 'RS256' }] }, redirect_uris: [CB] });
  sim.registerClient({ client_id: OTHER, jwks: { keys: [{ ...(await exportJWK(other.publicKey)), kid: 'o1', alg: 'ES256' }] }, redirect_uris: [CB] });
  config = await rpConfig(CID, oidc.PrivateKeyJwt({ key: key.privateKey, kid: 'rp1' }));
  otherConfig = await rpConfig(OTHER, oidc.PrivateKeyJwt({ key: other.privateKey, kid: 'o1' }));
});
after(async () => {
  await sim?.close();
  await cleanup();
});

function rpConfig(clientId, auth) {
  return oidc.discovery(new URL(sim.issuer), clientId, {}, auth, { execute: [oidc.allowInsecureRequests] });
}

/** An authorization request from @p cfg; @p params change or (undefined) drop parameters. */
async function request(cfg, params = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState(), nonce = oidc.randomNonce();
  const p = { redirect_uri: CB, scope: 'openid name address birthdate gender', state, nonce, acr_values: 'aal3 crl',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...params };
  for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
  return { url: oidc.buildAuthorizationUrl(cfg, p), verifier, state, nonce };
}

/** A sign-in up to the code: the simulator's page answered with @p card. */
async function signIn(cfg = config, { card = 'sakai-taro', decision = 'approve', ...params } = {}) {
  const req = await request(cfg, params);
  const r = await approveInSim(undefined, req.url.href, { card, decision });
  assert.equal(r.status, 302, r.text);
  return { ...req, back: new URL(r.location) };
}

function grant(cfg, s) {
  return oidc.authorizationCodeGrant(cfg, s.back, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce });
}

/** The authorization endpoint's answer to @p url: { status, text, error, params }. */
async function authorizeRaw(url) {
  const r = await fetch(url, { redirect: 'manual' });
  const loc = r.headers.get('location');
  const params = loc ? Object.fromEntries(new URL(loc).searchParams) : {};
  return { status: r.status, text: await r.text(), location: loc, params, error: params.error };
}

async function rejectsWith(promise, error, status) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.error, error, `${e.name}: ${e.message} ${JSON.stringify(e.cause)}`);
    if (status) assert.equal(e.status, status);
    return true;
  });
}

const TARO = { name: '堺 太郎', address: '大阪府堺市堺区南瓦町３番１号', birthdate: '419900102', gender: '1' };

describe('discovery and keys', () => {
  test('discovery lists the endpoints, scopes, acr values, S256 and private_key_jwt', async () => {
    const d = await (await fetch(`${sim.issuer}/.well-known/openid-configuration`)).json();
    assert.equal(d.issuer, sim.issuer);
    assert.match(sim.issuer, /^http:\/\/127\.0\.0\.1:\d+\/api\/realms\/main$/);
    assert.equal(d.authorization_endpoint, `${sim.issuer}/protocol/openid-connect/auth`);
    assert.equal(d.token_endpoint, `${sim.issuer}/protocol/openid-connect/token`);
    assert.equal(d.userinfo_endpoint, `${sim.issuer}/protocol/openid-connect/userinfo`);
    assert.equal(d.jwks_uri, `${sim.issuer}/protocol/openid-connect/certs`);
    assert.deepEqual(d.scopes_supported, ['openid', 'name', 'address', 'birthdate', 'gender', 'sign']);
    assert.deepEqual(d.acr_values_supported, ['aal3', 'crl']);
    assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(d.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(d.id_token_signing_alg_values_supported, ['RS256']);
    assert.deepEqual(d.response_types_supported, ['code']);
    const jwks = await (await fetch(d.jwks_uri)).json();
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0].kty, 'RSA');
    assert.ok(jwks.keys[0].kid);
  });

  test('sakaid-card attrs reads the card as idp_jpki_parse_attrs does, with CRL status', () => {
    const a = cardAttrs(join(m, 'cards'), 'sakai-taro', join(m, 'crl'));
    assert.deepEqual({ name: a.name, address: a.address, birthdate: a.birth_date, gender: a.gender }, TARO);
    assert.match(a.auth_serial, /^[0-9A-F]+$/);
    assert.equal(a.auth_revoked, false);
    const r = cardAttrs(join(m, 'cards'), 'revoked', join(m, 'crl'));
    assert.equal(r.auth_revoked, true);
    assert.equal(r.sign_revoked, true);
    assert.match(cardAttrs(join(m, 'cards'), 'dup-attr').attrs_error, /appears twice/);
  });
});

describe('a full sign-in', () => {
  test('the ID token has acr "aal3 crl" and userinfo the chosen card\'s attributes', async () => {
    const s = await signIn();
    assert.equal(s.back.origin + s.back.pathname, CB);
    assert.equal(s.back.searchParams.get('state'), s.state);
    assert.equal(s.back.searchParams.get('iss'), sim.issuer);
    const t = await grant(config, s);
    assert.equal(t.token_type, 'bearer');
    assert.ok(t.expires_in > 0);
    const c = t.claims();
    assert.equal(c.iss, sim.issuer);
    assert.equal(c.aud, CID);
    assert.equal(c.nonce, s.nonce);
    assert.equal(c.acr, 'aal3 crl');
    assert.ok(c.auth_time <= c.iat && c.exp > c.iat);
    assert.equal(c.amr, undefined);
    const { protectedHeader } = await jwtVerify(t.id_token, createRemoteJWKSet(new URL(sim.endpoints.jwks)), { issuer: sim.issuer, audience: CID });
    assert.equal(protectedHeader.alg, 'RS256');
    const header = JSON.parse(Buffer.from(t.id_token.split('.')[0], 'base64url'));
    assert.equal(header.alg, 'RS256');
    assert.ok(header.kid);
    const ui = await oidc.fetchUserInfo(config, t.access_token, c.sub);
    assert.deepEqual(ui, { sub: c.sub, ...TARO });
  });

  test('sub is stable per card and client, and differs between cards and between clients', async () => {
    const a = (await grant(config, await signIn())).claims().sub;
    const b = (await grant(config, await signIn())).claims().sub;
    const jiro = await grant(config, await signIn(config, { card: 'osaka-jiro' }));
    const other = (await grant(otherConfig, await signIn(otherConfig))).claims().sub;
    assert.equal(a, b);
    assert.notEqual(a, jiro.claims().sub);
    assert.notEqual(a, other);
    const ui = await oidc.fetchUserInfo(config, jiro.access_token, jiro.claims().sub);
    assert.equal(ui.name, '大阪 次郎');
    assert.equal(ui.address, '大阪府大阪市北区中之島１丁目３番２０号');
  });

  test('userinfo gives only the attributes whose scopes were asked; no acr_values gives acr aal3', async () => {
    const t = await grant(config, await signIn(config, { scope: 'openid birthdate', acr_values: undefined }));
    assert.equal(t.claims().acr, 'aal3');
    assert.deepEqual(await oidc.fetchUserInfo(config, t.access_token, t.claims().sub), { sub: t.claims().sub, birthdate: '419900102' });
  });

  test('a client assertion whose aud is the token endpoint URL is accepted too', async () => {
    const cfg = await rpConfig(CID, oidc.PrivateKeyJwt({ key: key.privateKey, kid: 'rp1' }, {
      [oidc.modifyAssertion]: (h, p) => { p.aud = `${sim.issuer}/protocol/openid-connect/token`; },
    }));
    const t = await grant(cfg, await signIn(cfg));
    assert.equal(t.claims().acr, 'aal3 crl');
  });

  test('Refuse on the app page goes back with access_denied and the state', async () => {
    const req = await request(config);
    const r = await approveInSim(undefined, req.url.href, { decision: 'refuse' });
    const q = new URL(r.location).searchParams;
    assert.equal(q.get('error'), 'access_denied');
    assert.equal(q.get('state'), req.state);
  });

  test('the app page lists the test cards with Approve and Refuse', async () => {
    const req = await request(config);
    const r = await authorizeRaw(req.url);
    assert.equal(r.status, 200);
    assert.match(r.text, /name="card" value="sakai-taro"/);
    assert.match(r.text, /name="card" value="revoked"/);
    assert.match(r.text, /name="decision" value="approve"/);
    assert.match(r.text, /name="decision" value="refuse"/);
    const id = r.text.match(/name="request_id" value="([^"]+)"/)[1];
    // a request id is single-use
    const post = (body) => fetch(sim.endpoints.decision, { method: 'POST', redirect: 'manual', body: new URLSearchParams(body) });
    assert.equal((await post({ request_id: id, card: 'no-such-card', decision: 'approve' })).status, 400);
    assert.equal((await post({ request_id: id, card: 'sakai-taro', decision: 'approve' })).status, 302);
    assert.equal((await post({ request_id: id, card: 'sakai-taro', decision: 'approve' })).status, 400);
  });
});

describe('the authorization endpoint refuses', () => {
  const cases = [
    ['a missing state', { state: undefined }, 'invalid_request'],
    ['a state out of %x20-7E', { state: 'caf\u00e9' }, 'invalid_request'],
    ['a state of 256 characters', { state: 'x'.repeat(256) }, 'invalid_request'],
    ['a missing nonce', { nonce: undefined }, 'invalid_request'],
    ['a missing code_challenge', { code_challenge: undefined }, 'invalid_request'],
    ['a code_challenge with a character outside [0-9a-zA-Z_-]', { code_challenge: 'abc+def' }, 'invalid_request'],
    ['a missing code_challenge_method', { code_challenge_method: undefined }, 'invalid_request'],
    ['the plain method', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['an unknown scope', { scope: 'openid email' }, 'invalid_scope'],
    ['a scope without openid', { scope: 'name' }, 'invalid_scope'],
    ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
    ['an unknown acr value', { acr_values: 'aal3 loa9' }, 'invalid_request'],
    ['sign_transaction_id without the sign scope', { sign_transaction_id: '65a04b4e-af8b-45a2-8713-5ec2631bab64' }, 'invalid_request'],
    ['a sign_transaction_id that is not a uuid', { scope: 'openid sign', sign_transaction_id: 'not-a-uuid' }, 'invalid_request'],
    ['the sign scope without sign_transaction_id', { scope: 'openid sign' }, 'invalid_request'],
  ];
  for (const [what, params, error] of cases) {
    test(`${what}: a redirect with error=${error} and the state`, async () => {
      const req = await request(config, params);
      const r = await authorizeRaw(req.url);
      assert.equal(r.status, 302, r.text.slice(0, 300));
      assert.equal(r.error, error);
      assert.ok(r.location.startsWith(`${CB}?`));
      if (params.state === undefined && 'state' in params) assert.equal(r.params.state, undefined);
      else assert.equal(r.params.state, params.state ?? req.state);
    });
  }

  test('a parameter given twice', async () => {
    const req = await request(config);
    req.url.searchParams.append('nonce', 'again');
    assert.equal((await authorizeRaw(req.url)).error, 'invalid_request');
  });

  for (const [what, params] of [
    ['an unregistered redirect_uri', { redirect_uri: 'https://evil.example/cb' }],
    ['a missing redirect_uri', { redirect_uri: undefined }],
    ['a redirect_uri of 256 characters', { redirect_uri: `https://sakaid.example/${'x'.repeat(233)}` }],
  ]) {
    test(`${what}: an error page (400), no redirect`, async () => {
      const r = await authorizeRaw((await request(config, params)).url);
      assert.equal(r.status, 400);
      assert.equal(r.location, null);
      assert.match(r.text, /id="error"/);
    });
  }

  test('an unknown or malformed client_id: an error page (400)', async () => {
    for (const id of ['NOSUCHRP', 'bad-id!', '']) {
      const req = await request(config);
      req.url.searchParams.set('client_id', id);
      const r = await authorizeRaw(req.url);
      assert.equal(r.status, 400);
      assert.equal(r.location, null);
    }
  });

  test('a valid sign request (sign scope, a transaction started by this client) is shown once and recorded', async () => {
    // A9: client credentials, then POST /api/sign-transactions with the DigestInfo of a SHA-256
    const cc = await oidc.clientCredentialsGrant(config, {});
    const di = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), Buffer.alloc(32, 7)]);
    const start = await fetch(`${new URL(sim.issuer).origin}/api/sign-transactions`, { method: 'POST',
      headers: { authorization: `Bearer ${cc.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hash: di.toString('base64'), hash_type: 'digest_info' }) });
    assert.equal(start.status, 201);
    const tx = (await start.json()).sign_transaction_id;
    const r = await authorizeRaw((await request(config, { scope: 'openid sign', sign_transaction_id: tx })).url);
    assert.equal(r.status, 200);
    assert.ok(sim.requests.some((e) => e.endpoint === 'authorization' && e.sign_transaction_id === tx));
    // used by one authorization; another client's, or one never started: invalid_request back to the client
    for (const [cfg, id] of [[config, tx], [otherConfig, tx], [config, '65a04b4e-af8b-45a2-8713-5ec2631bab64']]) {
      const again = await authorizeRaw((await request(cfg, { scope: 'openid sign', sign_transaction_id: id })).url);
      assert.equal(again.status, 302);
      assert.equal(again.error, 'invalid_request');
    }
  });
});

describe('revocation', () => {
  test('a revoked card with crl asked: access_denied, described as revoked', async () => {
    const req = await request(config, { acr_values: 'aal3 crl' });
    const r = await approveInSim(undefined, req.url.href, { card: 'revoked' });
    const q = new URL(r.location).searchParams;
    assert.equal(q.get('error'), 'access_denied');
    assert.match(q.get('error_description'), /revoked/);
    assert.equal(q.get('state'), req.state);
  });

  test('a revoked card without crl asked signs in with acr aal3 (nobody checked)', async () => {
    const t = await grant(config, await signIn(config, { card: 'revoked', acr_values: 'aal3' }));
    assert.equal(t.claims().acr, 'aal3');
  });
});

describe('the token endpoint refuses', () => {
  test('a reused code: invalid_grant, and the first access token is revoked', async () => {
    const s = await signIn();
    const t = await grant(config, s);
    await rejectsWith(grant(config, s), 'invalid_grant', 400);
    await assert.rejects(oidc.fetchUserInfo(config, t.access_token, t.claims().sub), (e) => e.status === 401 || e.cause?.status === 401);
  });

  test('a client assertion signed by another key: invalid_client (401)', async () => {
    const stranger = await generateKeyPair('RS256');
    const cfg = await rpConfig(CID, oidc.PrivateKeyJwt({ key: stranger.privateKey, kid: 'rp1' }));
    await rejectsWith(grant(cfg, await signIn(cfg)), 'invalid_client', 401);
  });

  test('a client assertion with another audience, an iss other than sub, or an exp too far ahead: invalid_client', async () => {
    for (const change of [
      (p) => { p.aud = 'https://elsewhere.example/token'; },
      (p) => { p.iss = OTHER; },
      (p) => { p.exp = p.iat + 3600; },
      (p) => { p.exp = p.iat - 60; },
      (p) => { delete p.jti; },
    ]) {
      const cfg = await rpConfig(CID, oidc.PrivateKeyJwt({ key: key.privateKey, kid: 'rp1' }, { [oidc.modifyAssertion]: (h, p) => change(p) }));
      await rejectsWith(grant(cfg, await signIn(cfg)), 'invalid_client', 401);
    }
  });

  test('a reused jti: invalid_client', async () => {
    const jti = `jti-${Date.now()}`;
    const cfg = await rpConfig(CID, oidc.PrivateKeyJwt({ key: key.privateKey, kid: 'rp1' }, { [oidc.modifyAssertion]: (h, p) => { p.jti = jti; } }));
    await grant(cfg, await signIn(cfg));
    await rejectsWith(grant(cfg, await signIn(cfg)), 'invalid_client', 401);
  });

  test('a wrong code_verifier, another redirect_uri, a code of another client: invalid_grant', async () => {
    const s = await signIn();
    await rejectsWith(oidc.authorizationCodeGrant(config, s.back,
      { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: s.state, expectedNonce: s.nonce }), 'invalid_grant', 400);

    const s2 = await signIn();
    const post = (form, assertion) => fetch(sim.endpoints.token, { method: 'POST', body: new URLSearchParams({
      grant_type: 'authorization_code', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion, ...form }) });
    const assertion = (sub, k = key.privateKey, alg = 'RS256') => new SignJWT({ jti: `${Math.random()}` }).setProtectedHeader({ alg })
      .setIssuer(sub).setSubject(sub).setAudience(sim.endpoints.token).setIssuedAt().setExpirationTime('60s').sign(k);
    let r = await post({ code: s2.back.searchParams.get('code'), redirect_uri: `${CB}/other`, code_verifier: s2.verifier }, await assertion(CID));
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error, 'invalid_grant');

    const s3 = await signIn();
    const other = await generateKeyPair('ES256');
    sim.registerClient({ client_id: 'THIEF01', jwks: { keys: [await exportJWK(other.publicKey)] }, redirect_uris: [CB] });
    r = await post({ code: s3.back.searchParams.get('code'), redirect_uri: CB, code_verifier: s3.verifier }, await assertion('THIEF01', other.privateKey, 'ES256'));
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error, 'invalid_grant');

    r = await post({ code: 'x', redirect_uri: CB, code_verifier: s3.verifier, grant_type: 'password' }, await assertion(CID));
    assert.equal((await r.json()).error, 'unsupported_grant_type');
  });

  test('userinfo without a bearer token, or with an unknown one: 401', async () => {
    let r = await fetch(sim.endpoints.userinfo);
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate'), /^Bearer/);
    r = await fetch(sim.endpoints.userinfo, { headers: { authorization: 'Bearer nope' } });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate'), /invalid_token/);
  });
});

describe('script(): the next answers lie', () => {
  test('a lower acr than asked, then the truth again', async () => {
    sim.script({ acr: 'aal2' });
    assert.equal((await grant(config, await signIn())).claims().acr, 'aal2');
    assert.equal((await grant(config, await signIn())).claims().acr, 'aal3 crl');
  });

  test('a wrong nonce and a bad signature are caught by the relying party', async () => {
    sim.script({ idTokenOverrides: { nonce: 'not-the-nonce' } });
    const why = (re) => (e) => re.test(`${e.message} ${e.cause?.message}`);
    await assert.rejects(grant(config, await signIn()), why(/"nonce" claim/));
    // openid-client does not check an ID token's signature from the token endpoint (TLS vouches); jose does
    sim.script({ badSignature: true });
    const bad = await grant(config, await signIn());
    await assert.rejects(jwtVerify(bad.id_token, createRemoteJWKSet(new URL(sim.endpoints.jwks))), /signature verification failed/);
  });

  test('idTokenOverrides can drop a claim; userinfoOverrides change userinfo', async () => {
    sim.script({ idTokenOverrides: { acr: undefined }, userinfoOverrides: { name: '偽 名前' } });
    const t = await grant(config, await signIn());
    assert.equal(t.claims().acr, undefined);
    assert.equal((await oidc.fetchUserInfo(config, t.access_token, t.claims().sub)).name, '偽 名前');
  });

  test('tokenError answers an error; down drops the connection (once, or until script(null) with persist)', async () => {
    sim.script({ tokenError: 'server_error' });
    await assert.rejects(grant(config, await signIn()), (e) => e.cause?.status === 500);
    assert.deepEqual(sim.requests.at(-1).outcome, { status: 500, error: 'server_error', error_description: 'scripted' });
    sim.script({ tokenError: 'invalid_grant' });
    await rejectsWith(grant(config, await signIn()), 'invalid_grant', 400);
    sim.script({ down: 'token' });
    await assert.rejects(grant(config, await signIn()));
    await grant(config, await signIn()); // once
    sim.script({ down: true }, { persist: true });
    await assert.rejects(fetch(`${sim.issuer}/.well-known/openid-configuration`));
    await assert.rejects(fetch(sim.endpoints.jwks));
    sim.script(null);
    assert.equal((await fetch(sim.endpoints.jwks)).status, 200);
  });
});
