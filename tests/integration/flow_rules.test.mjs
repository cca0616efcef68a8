// The rules of the code flow, one refusal at a time (issue #4 item 9):
// redirect URIs, PKCE and its downgrade, codes (replay, other client,
// redirect URI), refresh rotation and reuse, id_token_hint, form_post,
// request objects, step-up and acr, private_key_jwt, introspection and
// revocation of one's own tokens only, verified claims.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { addClient, admin, basic, cleanup, psql, tokenRequest } from './lib/harness.mjs';
import { Agent, appLink, authRequest, completeLogin, answerNewCard, consentIfAsked, formFields, oidc, rp, signInBothKeys, signWithCard, startProvider } from './lib/flow.mjs';

let p, conf, confRp;
const CB = 'https://rp.example/cb';

before(async () => {
  p = await startProvider();
  conf = addClient(p.env, ['--client-name', 'Portal', '--redirect-uris', `${CB},https://rp.example/other`, '--tier', 'city',
    '--grant-types', 'authorization_code,refresh_token', '--scope', 'openid profile birthdate address residency']);
  confRp = await rp(p.url, conf);
});
after(cleanup);

const client = (...flags) => addClient(p.env, ['--client-name', 'Test client', '--redirect-uris', CB,
  '--grant-types', 'authorization_code,refresh_token', ...flags]);

/** Runs the browser part; returns the redirect back to the client as a URL (and the request). */
async function authorize(config, params = {}, { agent = new Agent(p.url), card, consent } = {}) {
  const a = await authRequest(config, { redirect_uri: CB, ...params });
  const page = await agent.go(a.url.href);
  const last = await completeLogin(agent, page, { cards: p.cards, card, consent });
  return { a, agent, last, back: last.status === 303 ? new URL(last.location) : undefined };
}

async function codeFor(config, params, opts) {
  const r = await authorize(config, params, opts);
  assert.ok(r.back?.searchParams.get('code'), `no code: ${r.last.status} ${r.last.location ?? r.last.text.slice(0, 300)}`);
  return { ...r, code: r.back.searchParams.get('code') };
}

/** Signs in with the card's two keys, enrolling its signing certificate in the same login (jpki.md); the page after. */
const signInEnrolling = (agent, page, card) => signInBothKeys(agent, page, p.cards, card);

const codeGrant = (c, code, verifier, extra = {}) => tokenRequest(p.url, {
  grant_type: 'authorization_code', code, redirect_uri: CB, ...(verifier ? { code_verifier: verifier } : {}), ...extra,
}, c.client_secret ? { authorization: basic(c.client_id, c.client_secret) } : {});

describe('errors that are shown, never redirected', () => {
  test('unknown client, unregistered redirect URI, missing redirect URI: an error page, no Location', async () => {
    for (const q of [`client_id=nobody&redirect_uri=${encodeURIComponent(CB)}&response_type=code&scope=openid`,
      `client_id=${conf.client_id}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&response_type=code&scope=openid`,
      `client_id=${conf.client_id}&response_type=code&scope=openid`]) {
      const r = await fetch(`${p.url}/authorize?${q}`, { redirect: 'manual' });
      assert.equal(r.status, 400);
      assert.equal(r.headers.get('location'), null);
      assert.match(r.headers.get('content-type'), /text\/html/);
      assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
      assert.equal(r.headers.get('x-frame-options'), 'DENY');
    }
  });
});

describe('login transactions are bound to the browser and their forms to a CSRF token', () => {
  test('another browser cannot open or continue a login; a wrong CSRF token is refused; a finished login cannot be replayed', async () => {
    const agent = new Agent(p.url);
    const a = await authRequest(confRp, { redirect_uri: CB });
    const page = await agent.go(a.url.href);
    const fields = formFields(page.text, '/login/continue');
    const thief = new Agent(p.url);
    assert.equal((await thief.request(`/login?tx=${fields.tx}`)).status, 403);
    signWithCard(p.cards, 'sakai-taro', appLink(page.text));
    assert.equal((await thief.request('/login/continue', { method: 'POST', form: fields })).status, 403);
    assert.equal(thief.jar.get('sakaid_session'), undefined);
    const forged = await agent.request('/login/continue', { method: 'POST', form: { ...fields, csrf: 'x'.repeat(43) } });
    assert.equal(forged.status, 403);
    const r = await consentIfAsked(agent, await answerNewCard(agent, await agent.go('/login/continue', { method: 'POST', form: fields })));
    assert.equal(r.status, 303);
    assert.ok(new URL(r.location).searchParams.get('code'));
    const again = await agent.request('/login/continue', { method: 'POST', form: fields });
    assert.equal(again.status, 400, 'the transaction ended with the code');
  });
});

describe('errors redirected to the registered URI, with state and iss', () => {
  const cases = [
    [{ request: 'eyJhbGciOiJub25lIn0.e30.' }, 'request_not_supported'],
    [{ request_uri: 'https://rp.example/r' }, 'request_uri_not_supported'],
    [{ response_type: 'token' }, 'unsupported_response_type'],
    [{ scope: 'profile' }, 'invalid_scope'],
    [{ code_challenge_method: 'plain' }, 'invalid_request'],
    [{ code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
    [{ prompt: 'none login' }, 'invalid_request'],
    [{ claims: '[1]' }, 'invalid_request'],
    [{ claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:example:other'] } } }) }, 'unmet_authentication_requirements'],
  ];
  for (const [params, error] of cases) {
    test(`${JSON.stringify(params)} -> ${error}`, async () => {
      const a = await authRequest(confRp, { redirect_uri: CB, ...params });
      const r = await fetch(a.url, { redirect: 'manual' });
      assert.equal(r.status, 303);
      const back = new URL(r.headers.get('location'));
      assert.equal(back.origin + back.pathname, CB);
      assert.equal(back.searchParams.get('error'), error);
      assert.equal(back.searchParams.get('state'), a.state);
      assert.equal(back.searchParams.get('iss'), p.url);
    });
  }

  test('a confidential client registered without PKCE may leave out the nonce (OpenID Connect Core §3.1.2.1; Basic OP certification); a public one cannot skip PKCE', async () => {
    const c = client('--require-pkce', 'false');
    const cfg = await rp(p.url, c);
    const { back } = await codeFor(cfg, { code_challenge: undefined, code_challenge_method: undefined, nonce: undefined });
    const t = await oidc.authorizationCodeGrant(cfg, back, { expectedState: back.searchParams.get('state') });
    assert.ok(t.id_token);
    assert.equal(t.claims().nonce, undefined);
    const pub = admin(p.env, ['client', 'add', '--client-name', 'Public', '--redirect-uris', CB, '--token-endpoint-auth-method', 'none',
      '--require-pkce', 'false'], { expectExit: 2 });
    assert.match(pub.stderr + pub.stdout, /require_pkce/);
  });
});

describe('codes and PKCE at the token endpoint', () => {
  test('a wrong, malformed or missing verifier fails and spends nothing; the right one works once; a replay revokes what was issued', async () => {
    const { code, a } = await codeFor(confRp);
    assert.equal((await codeGrant(conf, code, 'x'.repeat(43))).body.error, 'invalid_grant');
    assert.equal((await codeGrant(conf, code, 'short')).body.error, 'invalid_grant');
    assert.equal((await codeGrant(conf, code, undefined)).body.error, 'invalid_grant');
    // a stranger's attempts spent nothing (issue #14 item 6): the code's own client still redeems it
    const own = await codeGrant(conf, code, a.verifier);
    assert.equal(own.status, 200, JSON.stringify(own.body));

    const third = await codeFor(confRp);
    const ok = await codeGrant(conf, third.code, third.a.verifier);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    const replay = await codeGrant(conf, third.code, third.a.verifier);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    const info = await oidc.tokenIntrospection(confRp, ok.body.access_token);
    assert.equal(info.active, false, 'the access token from the replayed code is revoked');
    const refreshed = await tokenRequest(p.url, { grant_type: 'refresh_token', refresh_token: ok.body.refresh_token },
      { authorization: basic(conf.client_id, conf.client_secret) });
    assert.equal(refreshed.body.error, 'invalid_grant', 'and so is its refresh token');
    const ui = await fetch(`${p.url}/userinfo`, { headers: { authorization: `Bearer ${ok.body.access_token}` } });
    assert.equal(ui.status, 401);
    assert.match(ui.headers.get('www-authenticate'), /error="invalid_token"/);
  });

  test('a code of another client, or for another redirect URI, fails, and neither burns the code nor revokes its grant', async () => {
    const other = client();
    const { code, a } = await codeFor(confRp);
    assert.equal((await codeGrant(other, code, a.verifier)).body.error, 'invalid_grant');
    assert.equal((await codeGrant(conf, code, a.verifier, { redirect_uri: 'https://rp.example/other' })).body.error, 'invalid_grant');
    const own = await codeGrant(conf, code, a.verifier);
    assert.equal(own.status, 200, 'the stranger spent nothing: the client redeems its code');
    // Once spent, the stranger's replay is refused and revokes nothing; only the client's own replay does.
    assert.equal((await codeGrant(other, code, a.verifier)).body.error, 'invalid_grant');
    assert.equal((await oidc.tokenIntrospection(confRp, own.body.access_token)).active, true, 'a stranger cannot revoke the grant');
    assert.equal((await codeGrant(conf, code, a.verifier)).body.error, 'invalid_grant');
    assert.equal((await oidc.tokenIntrospection(confRp, own.body.access_token)).active, false, 'the client\'s own replay revokes it');
  });

  test('PKCE downgrade: a verifier for a code issued without a challenge is refused', async () => {
    const c = client('--require-pkce', 'false');
    const cfg = await rp(p.url, c);
    const { code } = await codeFor(cfg, { code_challenge: undefined, code_challenge_method: undefined });
    const r = await codeGrant(c, code, 'a'.repeat(43));
    assert.equal(r.body.error, 'invalid_grant');
    const { code: code2 } = await codeFor(cfg, { code_challenge: undefined, code_challenge_method: undefined });
    assert.equal((await codeGrant(c, code2)).status, 200, 'without a verifier it is fine');
  });

  test('a public client redeems with PKCE and no secret', async () => {
    const c = client('--token-endpoint-auth-method', 'none');
    const cfg = await rp(p.url, c);
    const { back, a } = await codeFor(cfg);
    const t = await oidc.authorizationCodeGrant(cfg, back, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    assert.ok(t.claims().sub);
  });
});

describe('refresh tokens', () => {
  test('rotate; reusing an old one revokes the family; another client cannot use them', async () => {
    const { back, a } = await codeFor(confRp);
    const t = await oidc.authorizationCodeGrant(confRp, back, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const r1 = await oidc.refreshTokenGrant(confRp, t.refresh_token);
    assert.notEqual(r1.refresh_token, t.refresh_token);
    assert.equal(r1.claims().sub, t.claims().sub);
    assert.equal(r1.claims().auth_time, t.claims().auth_time);
    const other = client();
    const stolen = await tokenRequest(p.url, { grant_type: 'refresh_token', refresh_token: r1.refresh_token },
      { authorization: basic(other.client_id, other.client_secret) });
    assert.equal(stolen.body.error, 'invalid_grant');
    const reuse = await tokenRequest(p.url, { grant_type: 'refresh_token', refresh_token: t.refresh_token },
      { authorization: basic(conf.client_id, conf.client_secret) });
    assert.equal(reuse.body.error, 'invalid_grant');
    const after = await tokenRequest(p.url, { grant_type: 'refresh_token', refresh_token: r1.refresh_token },
      { authorization: basic(conf.client_id, conf.client_secret) });
    assert.equal(after.body.error, 'invalid_grant', 'the newest token of the family is revoked too');
    assert.equal((await oidc.tokenIntrospection(confRp, r1.access_token)).active, false);
  });
});

describe('id_token_hint, form_post', () => {
  test('a tampered hint is refused; a genuine one for the signed-in resident passes prompt=none', async () => {
    const agent = new Agent(p.url);
    const { back, a } = await codeFor(confRp, {}, { agent });
    const t = await oidc.authorizationCodeGrant(confRp, back, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const [h, body, sig] = t.id_token.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url'));
    claims.sub = 'someone-else';
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    let r = await authorize(confRp, { id_token_hint: tampered, prompt: 'none' }, { agent });
    assert.equal(r.back.searchParams.get('error'), 'invalid_request');
    r = await authorize(confRp, { id_token_hint: t.id_token, prompt: 'none' }, { agent });
    assert.ok(r.back.searchParams.get('code'));
    // a hint naming another resident (sakai-taro's token, kita-hanako signed in) needs a login
    const other = new Agent(p.url);
    await codeFor(confRp, {}, { agent: other, card: 'kita-hanako' });
    r = await authorize(confRp, { id_token_hint: t.id_token, prompt: 'none' }, { agent: other });
    assert.equal(r.back.searchParams.get('error'), 'interaction_required');
  });

  test('response_mode=form_post answers with an auto-submitting form to the redirect URI', async () => {
    const agent = new Agent(p.url);
    await codeFor(confRp, {}, { agent });
    const a = await authRequest(confRp, { redirect_uri: CB, response_mode: 'form_post' });
    const r = await agent.go(a.url.href);
    assert.equal(r.status, 200);
    const fields = formFields(r.text, CB);
    assert.ok(fields.code);
    assert.equal(fields.state, a.state);
    assert.equal(fields.iss, p.url);
    assert.match(r.headers.get('content-security-policy'), /form-action 'self' https:\/\/rp\.example/);
  });
});

describe('assurance and claims', () => {
  test('an essential card acr is met by a card session; a card-required client gets acr card', async () => {
    const c = client('--card-required', 'true');
    const cfg = await rp(p.url, c);
    const { back, a } = await codeFor(cfg, { claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'urn:sakai-d:acr:card' } } }) });
    const t = await oidc.authorizationCodeGrant(cfg, back, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:card');
  });

  test('verified_claims from the enrolled signing certificate, residency, and only what was consented to', async () => {
    const agent = new Agent(p.url);
    const a = await authRequest(confRp, { redirect_uri: CB, scope: 'openid profile residency' });
    let r = await signInEnrolling(agent, await agent.go(a.url.href), 'osaka-jiro');
    assert.match(r.text, /data-claim="name"/);
    assert.match(r.text, /data-claim="sakai_ward"/, 'a city client may see the ward');
    assert.doesNotMatch(r.text, /data-claim="birthdate"/);
    r = await agent.go('/consent', { method: 'POST', form: { ...formFields(r.text, '/consent'), decision: 'allow' } });
    const t = await oidc.authorizationCodeGrant(confRp, new URL(r.location), { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const info = await oidc.fetchUserInfo(confRp, t.access_token, t.claims().sub);
    assert.equal(info.verified_claims.verification.trust_framework, 'jp_jpki');
    assert.equal(info.verified_claims.verification.evidence[0].type, 'electronic_signature');
    assert.ok(info.verified_claims.claims.name);
    assert.equal(info.verified_claims.claims.birthdate, undefined, 'birthdate was not asked for');
    assert.equal(typeof info.sakai_resident, 'boolean');
    // POST with the token in the form body works too (RFC 6750 §2.2)
    const post = await fetch(`${p.url}/userinfo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: t.access_token }) });
    assert.equal((await post.json()).sub, info.sub);
    // a partner never gets the ward
    const partner = client('--scope', 'openid residency');
    const prp = await rp(p.url, partner);
    const pa = await authRequest(prp, { redirect_uri: CB, scope: 'openid residency', claims: JSON.stringify({ userinfo: { sakai_ward: null } }) });
    const pr = await agent.go(pa.url.href);
    assert.match(pr.text, /data-claim="sakai_resident"/);
    assert.doesNotMatch(pr.text, /data-claim="sakai_ward"/);
  });

  test('claims asked for in the id_token member of the claims parameter are in the ID token, also after refresh (§5.5)', async () => {
    const agent = new Agent(p.url);
    const claims = { id_token: { sakai_resident: null, verified_claims: { verification: { trust_framework: null }, claims: { name: null } } },
      userinfo: { sakai_ward: null } };
    const a = await authRequest(confRp, { redirect_uri: CB, scope: 'openid', claims: JSON.stringify(claims) });
    let r = await signInEnrolling(agent, await agent.go(a.url.href), 'sakai-taro');
    for (const c of ['name', 'sakai_resident', 'sakai_ward']) assert.match(r.text, new RegExp(`data-claim="${c}"`), c);
    r = await agent.go('/consent', { method: 'POST', form: { ...formFields(r.text, '/consent'), decision: 'allow' } });
    const t = await oidc.authorizationCodeGrant(confRp, new URL(r.location), { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const idt = t.claims();
    assert.equal(idt.sakai_resident, true);
    assert.equal(idt.verified_claims.verification.trust_framework, 'jp_jpki');
    assert.equal(idt.verified_claims.claims.name, '堺 太郎');
    assert.equal(idt.sakai_ward, undefined, 'asked for in UserInfo only');
    const info = await oidc.fetchUserInfo(confRp, t.access_token, idt.sub);
    assert.equal(info.sakai_ward, '堺区');
    // The release history names what the ID token carried.
    const released = () => psql(p.env.SAKAID_DATABASE_URL, `SELECT string_agg(claims, '|' ORDER BY id) FROM releases
      WHERE client_id = '${conf.client_id}' AND via = 'token' AND claims <> ''`);
    assert.equal(released(), 'name sakai_resident');
    // A refreshed ID token carries them too, and the release is recorded again.
    const again = await oidc.refreshTokenGrant(confRp, t.refresh_token);
    assert.equal(again.claims().verified_claims.claims.name, '堺 太郎');
    assert.equal(again.claims().sakai_resident, true);
    assert.equal(released(), 'name sakai_resident|name sakai_resident');
    // Without the id_token member, the ID token carries none of them (remembered consent: no page).
    const plain = await authRequest(confRp, { redirect_uri: CB, scope: 'openid profile residency' });
    const back = new URL((await completeLogin(agent, await agent.go(plain.url.href), { cards: p.cards })).location);
    const pt = await oidc.authorizationCodeGrant(confRp, back, { pkceCodeVerifier: plain.verifier, expectedState: plain.state, expectedNonce: plain.nonce });
    assert.equal(pt.claims().verified_claims, undefined);
    assert.equal(pt.claims().sakai_resident, undefined);
  });
});

describe('introspection and revocation: own tokens only', () => {
  test('introspect and revoke', async () => {
    const { back, a } = await codeFor(confRp);
    const t = await oidc.authorizationCodeGrant(confRp, back, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const mine = await oidc.tokenIntrospection(confRp, t.access_token);
    assert.equal(mine.active, true);
    assert.equal(mine.client_id, conf.client_id);
    assert.equal(mine.sub, t.claims().sub);
    assert.equal((await oidc.tokenIntrospection(confRp, t.refresh_token)).token_type, 'refresh_token');
    const other = client();
    const orp = await rp(p.url, other);
    assert.equal((await oidc.tokenIntrospection(orp, t.access_token)).active, false);
    const refused = await fetch(`${p.url}/revoke`, { method: 'POST', headers: { authorization: basic(other.client_id, other.client_secret),
      'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t.access_token }) });
    assert.equal(refused.status, 400);
    assert.equal((await refused.json()).error, 'unauthorized_client');
    await oidc.tokenRevocation(confRp, t.access_token);
    assert.equal((await oidc.tokenIntrospection(confRp, t.access_token)).active, false);
    assert.equal((await oidc.tokenIntrospection(confRp, t.refresh_token)).active, true, 'revoking an access token leaves the grant');
    await oidc.tokenRevocation(confRp, t.refresh_token);
    assert.equal((await oidc.tokenIntrospection(confRp, t.refresh_token)).active, false);
    await oidc.tokenRevocation(confRp, 'not-a-token'); // RFC 7009 §2.2: 200 for unknown tokens
  });
});

/** An ES256 key pair with its public JWK. */
async function jwkPair(kid) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

/** A client's jwks_uri: serves .served (or 503 while .up is false) and counts .fetches. */
async function jwksServer(served) {
  const state = { served, fetches: 0, up: true };
  const srv = createServer((req, res) => {
    state.fetches++;
    if (!state.up) { res.statusCode = 503; return res.end(); }
    res.end(JSON.stringify({ keys: state.served.map((k) => k.jwk) }));
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return Object.assign(state, { url: `http://127.0.0.1:${srv.address().port}/jwks`, close: () => srv.close() });
}

const jwksClient = (provider, uri) => addClient(provider.env, ['--client-name', 'Keys', '--grant-types', 'client_credentials',
  '--token-endpoint-auth-method', 'private_key_jwt', '--jwks-uri', uri]);

/** client_credentials with a private_key_jwt assertion signed by @p k: the HTTP status. */
async function assertionAuth(provider, c, k) {
  return (await tokenRequest(provider.url, { grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: k.kid })
      .setIssuer(c.client_id).setSubject(c.client_id).setAudience(`${provider.url}/token`).setIssuedAt().setExpirationTime('2m')
      .sign(k.privateKey) })).status;
}

describe('private_key_jwt', () => {
  async function keyClient(where) {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    let srv, flags;
    if (where === 'inline') {
      flags = ['--jwks', JSON.stringify({ keys: [jwk] })];
    } else {
      srv = createServer((req, res) => res.end(JSON.stringify({ keys: [jwk] })));
      await new Promise((r) => srv.listen(0, '127.0.0.1', r));
      flags = ['--jwks-uri', `http://127.0.0.1:${srv.address().port}/jwks`];
    }
    const c = client('--token-endpoint-auth-method', 'private_key_jwt', ...flags);
    return { c, privateKey, close: () => srv?.close() };
  }
  const assertion = (c, key, aud = `${p.url}/token`) => new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(c.client_id).setSubject(c.client_id).setAudience(aud).setIssuedAt().setExpirationTime('2m').sign(key);

  for (const where of ['inline', 'jwks_uri']) {
    test(`keys ${where}: openid-client authenticates; a replayed jti, a wrong aud and a foreign key are refused`, async () => {
      const { c, privateKey, close } = await keyClient(where);
      try {
        const cfg = await rp(p.url, c, oidc.PrivateKeyJwt({ key: privateKey, kid: 'k1' }));
        const { back, a } = await codeFor(cfg);
        const t = await oidc.authorizationCodeGrant(cfg, back, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
        assert.ok(t.access_token);
        const jwt = await assertion(c, privateKey);
        const form = { grant_type: 'refresh_token', refresh_token: t.refresh_token,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' };
        const first = await tokenRequest(p.url, { ...form, client_assertion: jwt });
        assert.equal(first.status, 200, JSON.stringify(first.body));
        const replay = await tokenRequest(p.url, { ...form, refresh_token: first.body.refresh_token, client_assertion: jwt });
        assert.equal(replay.status, 401);
        assert.equal(replay.body.error, 'invalid_client');
        const wrongAud = await tokenRequest(p.url, { ...form, refresh_token: first.body.refresh_token,
          client_assertion: await assertion(c, privateKey, 'https://elsewhere.example') });
        assert.equal(wrongAud.body.error, 'invalid_client');
        const foreign = (await generateKeyPair('ES256')).privateKey;
        const bad = await tokenRequest(p.url, { ...form, refresh_token: first.body.refresh_token, client_assertion: await assertion(c, foreign) });
        assert.equal(bad.body.error, 'invalid_client');
        assert.equal(decodeJwt(first.body.access_token).client_id, c.client_id);
      } finally {
        close();
      }
    });
  }

  test('jwks_uri keys are cached; a new kid fetches them again (rotation), at most once in 5 s; a dead jwks_uri is not hammered', async () => {
    const [k1, k2, k3] = [await jwkPair('k1'), await jwkPair('k2'), await jwkPair('k3')];
    const keys = await jwksServer([k1]);
    try {
      const c = jwksClient(p, keys.url);
      const auth = (k) => assertionAuth(p, c, k);
      const fetchedAt = Date.now();
      for (let i = 0; i < 5; i++) assert.equal(await auth(k1), 200);
      assert.equal(keys.fetches, 1, 'five authentications, one fetch');
      // The client rotates to k2. Right after a fetch an unknown kid does not fetch again.
      keys.served = [k2];
      assert.equal(await auth(k2), 401);
      assert.equal(keys.fetches, 1);
      assert.equal(await auth(k1), 200, 'the cached set still has k1');
      await new Promise((r) => setTimeout(r, 5200 - (Date.now() - fetchedAt)));
      assert.equal(await auth(k2), 200, 'an unknown kid, 5 s on: fetched again');
      assert.equal(keys.fetches, 2);
      assert.equal(await auth(k1), 401, 'k1 left the set');
      assert.equal(await auth(k3), 401);
      assert.equal(keys.fetches, 2, 'no fetch within 5 s of the last');
      // The jwks_uri goes down: one failed fetch, then nothing for 5 s; the keys fetched before still work.
      await new Promise((r) => setTimeout(r, 5200));
      keys.up = false;
      assert.equal(await auth(k3), 401);
      assert.equal(keys.fetches, 3);
      assert.equal(await auth(k3), 401);
      assert.equal(await auth(k2), 200);
      assert.equal(keys.fetches, 3);
    } finally {
      keys.close();
    }
  });

  test('concurrent authentications share the cached keys while fetches replace them (no use after free under ASan)', async () => {
    const [k1, k2, k3] = [await jwkPair('k1'), await jwkPair('k2'), await jwkPair('k3')];
    const keys = await jwksServer([k1, k2]);
    try {
      const c = jwksClient(p, keys.url);
      const fetchedAt = Date.now();
      assert.equal(await assertionAuth(p, c, k1), 200);
      assert.equal(keys.fetches, 1);
      await new Promise((r) => setTimeout(r, 5200 - (Date.now() - fetchedAt)));
      // k1 verifies with the cached set while k3, a new kid, makes threads fetch the set and replace it.
      keys.served = [k1, k2, k3];
      const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => assertionAuth(p, c, i % 2 ? k1 : k3)));
      assert.deepEqual([...new Set(statuses)], [200], 'every authentication verified');
      assert.ok(keys.fetches >= 2, 'k3 fetched the set again');
      assert.equal(await assertionAuth(p, c, k2), 200, 'the node still answers from the replaced set');
    } finally {
      keys.close();
    }
  });

  test('a withdrawn key stops working when the cached set expires (clients.jwks_uri_cache_seconds), with no new kid to prompt a fetch', async () => {
    const short = await startProvider({ clients: { jwks_uri_cache_seconds: 5 } });
    const [k1, k2] = [await jwkPair('k1'), await jwkPair('k2')];
    const keys = await jwksServer([k1]);
    try {
      const c = jwksClient(short, keys.url);
      assert.equal(await assertionAuth(short, c, k1), 200);
      const fetchedAt = Date.now(); // the set was fetched before this: an upper bound, whatever the load
      keys.served = [k2]; // the client withdraws k1; whoever holds it keeps signing with it
      assert.equal(await assertionAuth(short, c, k1), 200, 'still in the cached set');
      assert.equal(keys.fetches, 1);
      await new Promise((r) => setTimeout(r, 5200 - (Date.now() - fetchedAt)));
      assert.equal(await assertionAuth(short, c, k1), 401, 'the set expired: fetched again, without k1');
      assert.equal(keys.fetches, 2);
      assert.equal(await assertionAuth(short, c, k2), 200);
      assert.equal(keys.fetches, 2);
    } finally {
      keys.close();
    }
  });
});
