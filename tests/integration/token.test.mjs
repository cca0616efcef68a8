// The token endpoint: client_credentials with client_secret_basic and
// client_secret_post; RFC 9068 JWT access tokens that verify against the
// published JWKS with jose; RFC 6749 §5.2 errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { addClient, basic, cleanup, provision, psql, startServer, tokenRequest, tempDir, writeConfig } from './lib/harness.mjs';

after(cleanup);

const ccFlags = ['--client-name', 'Backend', '--grant-types', 'client_credentials', '--scope', 'openid api:read api:write'];

for (const alg of ['RS256', 'ES256', 'PS256']) {
  describe(`access tokens signed with ${alg}`, () => {
    let srv, client, postClient, jwks, env;
    before(async () => {
      env = await provision();
      env.SAKAID_CONFIG = writeConfig(tempDir(), { tokens: { access_token_signing_alg: alg } });
      srv = await startServer(env);
      client = addClient(env, ccFlags);
      postClient = addClient(env, [...ccFlags, '--token-endpoint-auth-method', 'client_secret_post']);
      jwks = createRemoteJWKSet(new URL(`${srv.url}/jwks`));
    });

    test('client_secret_basic: a token that verifies against the JWKS', async () => {
      const r = await tokenRequest(srv.url, { grant_type: 'client_credentials' },
        { authorization: basic(client.client_id, client.client_secret) });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.equal(r.body.token_type, 'Bearer');
      assert.equal(r.body.expires_in, 600);
      assert.equal(r.body.scope, 'api:read api:write', 'openid is dropped: there is no end-user');
      const header = decodeProtectedHeader(r.body.access_token);
      assert.equal(header.alg, alg);
      assert.equal(header.typ, 'at+jwt');
      const { payload } = await jwtVerify(r.body.access_token, jwks, { issuer: srv.url, typ: 'at+jwt', audience: srv.url, algorithms: [alg] });
      assert.equal(payload.sub, client.client_id);
      assert.equal(payload.client_id, client.client_id);
      assert.equal(payload.scope, 'api:read api:write');
      assert.ok(payload.jti && payload.jti.length >= 16);
      assert.equal(payload.exp - payload.iat, 600);
      assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 60);
    });

    test('client_secret_post and a narrower scope', async () => {
      const r = await tokenRequest(srv.url, {
        grant_type: 'client_credentials', client_id: postClient.client_id, client_secret: postClient.client_secret, scope: 'api:read',
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const { payload } = await jwtVerify(r.body.access_token, jwks, { issuer: srv.url, typ: 'at+jwt' });
      assert.equal(payload.scope, 'api:read');
    });

    test('a client that registered access_token_signed_response_alg gets that algorithm', async () => {
      const other = alg === 'RS256' ? 'ES256' : 'RS256';
      const own = addClient(env, [...ccFlags, '--access-token-signed-response-alg', other]);
      assert.equal(own.access_token_signed_response_alg, other);
      const r = await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(own.client_id, own.client_secret) });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(decodeProtectedHeader(r.body.access_token).alg, other);
      await jwtVerify(r.body.access_token, jwks, { issuer: srv.url, typ: 'at+jwt', algorithms: [other] });
      const intro = await fetch(`${srv.url}/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(own.client_id, own.client_secret) }, body: new URLSearchParams({ token: r.body.access_token }) });
      assert.equal((await intro.json()).active, true);
    });

    test('every token has its own jti', async () => {
      const ids = new Set();
      for (let i = 0; i < 5; i++) {
        const r = await tokenRequest(srv.url, { grant_type: 'client_credentials' },
          { authorization: basic(client.client_id, client.client_secret) });
        ids.add((await jwtVerify(r.body.access_token, jwks)).payload.jti);
      }
      assert.equal(ids.size, 5);
    });

    test('concurrent requests share commits, and every token is stored and introspectable', async () => {
      // Group commit (store_flow.c): the jti rows of concurrent requests are written by one
      // INSERT in one transaction, so they share an xmin; each token is still answered only
      // after its row is committed, with its own client and scope.
      const ask = (c, scope) => tokenRequest(srv.url, { grant_type: 'client_credentials', ...(scope ? { scope } : {}) },
        { authorization: basic(c.client_id, c.client_secret) });
      const post = { client_id: postClient.client_id, client_secret: postClient.client_secret };
      const rs = await Promise.all(Array.from({ length: 120 }, (_, i) => (i % 2 ? ask(client) :
        tokenRequest(srv.url, { grant_type: 'client_credentials', scope: 'api:write', ...post }))));
      for (const r of rs) assert.equal(r.status, 200, JSON.stringify(r.body));
      const tokens = rs.map((r) => r.body.access_token);
      const jtis = [];
      for (const [i, t] of tokens.entries()) {
        const owner = i % 2 ? { authorization: basic(client.client_id, client.client_secret) } : {};
        const r = await fetch(`${srv.url}/introspect`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...owner },
          body: new URLSearchParams({ token: t, ...(i % 2 ? {} : post) }),
        });
        const body = await r.json();
        assert.equal(body.active, true, `token ${i}`);
        assert.equal(body.scope, i % 2 ? 'api:read api:write' : 'api:write');
        assert.equal(body.client_id, i % 2 ? client.client_id : postClient.client_id);
        jtis.push(decodeJwt(t).jti);
      }
      assert.equal(new Set(jtis).size, tokens.length);
      const [rows, commits] = psql(env.SAKAID_DATABASE_URL,
        `SELECT count(*), count(DISTINCT xmin::text) FROM access_tokens WHERE jti IN (${jtis.map((j) => `'${j}'`).join(',')})`).split('|').map(Number);
      assert.equal(rows, tokens.length);
      assert.ok(commits < rows, `${rows} rows in ${commits} commits: no commit was shared`);
    });
  });
}

describe('token endpoint errors (RFC 6749 §5.2)', () => {
  let srv, env, cc, post, code, pub;
  before(async () => {
    env = await provision();
    srv = await startServer(env);
    cc = addClient(env, ccFlags);
    post = addClient(env, [...ccFlags, '--token-endpoint-auth-method', 'client_secret_post']);
    code = addClient(env, ['--client-name', 'Web', '--redirect-uris', 'https://rp.example/cb']);
    pub = addClient(env, ['--client-name', 'App', '--redirect-uris', 'https://app.example/cb', '--token-endpoint-auth-method', 'none']);
  });
  const auth = () => ({ authorization: basic(cc.client_id, cc.client_secret) });

  test('wrong secret: 401 invalid_client with WWW-Authenticate', async () => {
    const r = await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(cc.client_id, 'x'.repeat(43)) });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_client');
    assert.match(r.headers.get('www-authenticate'), /^Basic /);
  });
  test('unknown client: 401 invalid_client', async () => {
    const r = await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic('nobody', 'secret') });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_client');
  });
  test('no client authentication: 401 invalid_client', async () => {
    const r = await tokenRequest(srv.url, { grant_type: 'client_credentials' });
    assert.equal(r.status, 401);
  });
  test('a method other than the registered one: 401 invalid_client', async () => {
    const r = await tokenRequest(srv.url, { grant_type: 'client_credentials', client_id: cc.client_id, client_secret: cc.client_secret });
    assert.equal(r.status, 401);
    const r2 = await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(post.client_id, post.client_secret) });
    assert.equal(r2.status, 401);
  });
  test('two authentication methods at once: 400 invalid_request', async () => {
    const r = await tokenRequest(srv.url, { grant_type: 'client_credentials', client_secret: cc.client_secret }, auth());
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_request');
  });
  test('malformed Basic credentials: 401 invalid_client', async () => {
    for (const h of ['Basic !!!', 'Basic ' + Buffer.from('no-colon').toString('base64'), 'Bearer abc']) {
      const r = await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: h });
      assert.equal(r.status, 401, h);
    }
  });
  test('unsupported grant type', async () => {
    const r = await tokenRequest(srv.url, { grant_type: 'password', username: 'a', password: 'b' }, auth());
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'unsupported_grant_type');
  });
  test('missing grant_type', async () => {
    const r = await tokenRequest(srv.url, {}, auth());
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_request');
  });
  test('a repeated parameter', async () => {
    const r = await tokenRequest(srv.url, 'grant_type=client_credentials&grant_type=client_credentials', auth());
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_request');
  });
  test('a client not registered for client_credentials: unauthorized_client', async () => {
    const r = await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(code.client_id, code.client_secret) });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'unauthorized_client');
  });
  test('a public client cannot use client_credentials', async () => {
    const r = await tokenRequest(srv.url, { grant_type: 'client_credentials', client_id: pub.client_id });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'unauthorized_client');
  });
  test('a scope outside the registration: invalid_scope', async () => {
    const r = await tokenRequest(srv.url, { grant_type: 'client_credentials', scope: 'api:read admin' }, auth());
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_scope');
  });
  test('wrong content type and parameters in the query', async () => {
    const r = await fetch(`${srv.url}/token`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error, 'invalid_request');
    const q = await fetch(`${srv.url}/token?grant_type=client_credentials`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    assert.equal(q.status, 400);
  });
  test('GET /token: 405 with Allow', async () => {
    const r = await fetch(`${srv.url}/token`);
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST');
  });
  test('a removed client can no longer get tokens', async () => {
    const { admin } = await import('./lib/harness.mjs');
    const gone = addClient(env, ccFlags);
    admin(env, ['client', 'remove', gone.client_id]);
    const r = await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(gone.client_id, gone.client_secret) });
    assert.equal(r.status, 401);
  });
});
