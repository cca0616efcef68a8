// The admin API (issue #19): /admin/api/v1 as docs/admin-api.json describes it. Every operation of the document
// is called with a token of every role: the roles its x-roles names get a documented success, the others 403; the
// hash-chained admin log holds every call; RFC 9457 problem details for bad input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Validator } from '@seriousme/openapi-schema-validator';
import { join } from 'node:path';
import { addClient, admin, basic, cleanup, provision, psql, startServer, tokenRequest } from './lib/harness.mjs';

const SOURCE = process.env.SAKAID_SOURCE_DIR;
const ROLES = ['viewer', 'client-operator', 'key-operator', 'help-desk', 'auditor', 'outreach-planner'];
const CB = 'https://partner.example/cb';
let env, srv, doc, api, disco, discoServer;
const tokens = {};

before(async () => {
  env = await provision();
  env.SAKAID_STATISTICS_K = '3';
  srv = await startServer(env);
  api = `${srv.url}/admin/api/v1`;
  doc = JSON.parse(readFileSync(join(SOURCE, 'docs', 'admin-api.json'), 'utf8'));
  for (const role of ROLES) tokens[role] = await adminToken(`admin:${role}`);
  // twelve residents who opted in to health notices, so that a planner's segment can be sent (issue #22)
  psql(env.SAKAID_DATABASE_URL, `INSERT INTO residents (id) SELECT 'outreach-' || i FROM generate_series(1, 12) i;
    INSERT INTO outreach_profiles (resident_id, categories) SELECT 'outreach-' || i, 1 FROM generate_series(1, 12) i`);
  // an upstream OpenID provider's discovery document, on loopback (the API checks an issuer through it)
  discoServer = createServer((req, res) => {
    const meta = { issuer: disco, authorization_endpoint: `${disco}/auth`, token_endpoint: `${disco}/token`, jwks_uri: `${disco}/jwks` };
    res.writeHead(req.url === '/.well-known/openid-configuration' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(meta));
  });
  await new Promise((resolve) => discoServer.listen(0, '127.0.0.1', resolve));
  disco = `http://127.0.0.1:${discoServer.address().port}`;
});
after(async () => {
  discoServer?.close();
  await cleanup();
});

/** An upstream made through the API, for the operations on one. */
async function upstream() {
  const id = `up-${Math.random().toString(36).slice(2, 10)}`;
  const r = await call('POST', '/upstreams', tokens['client-operator'], { id, issuer: disco, client_id: 'sakaid',
    client_secret: 'upstream-secret', display_name: 'Upstream' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return id;
}

const db = (sql) => psql(env.SAKAID_DATABASE_URL, sql);
const logRows = () => Number(db('SELECT count(*) FROM admin_log'));

/** An administrator's automation client with @p scope, and a client_credentials token for it. */
async function adminToken(scope) {
  const c = addClient(env, ['--client-name', `ops ${scope}`, '--grant-types', 'client_credentials', '--scope', scope]);
  const r = await tokenRequest(srv.url, { grant_type: 'client_credentials', scope }, { authorization: basic(c.client_id, c.client_secret) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.access_token;
}

async function call(method, path, token, body) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${api}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}

/** A client registered through POST /register, in the sandbox of "api-shop". */
async function registered() {
  const { token } = admin(env, ['iat', 'issue', 'api-shop']).json;
  const r = await fetch(`${srv.url}/register`, { method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'API shop', redirect_uris: [CB] }) });
  assert.equal(r.status, 201);
  return r.json();
}

function assertProblem(r, status, error) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.headers.get('content-type'), 'application/problem+json');
  assert.equal(r.body.type, 'about:blank');
  assert.equal(r.body.status, status);
  assert.equal(r.body.error, error);
  assert.equal(typeof r.body.title, 'string');
}

describe('the OpenAPI document', () => {
  test('is served at a stable URL, without a token, as checked in', async () => {
    const r = await fetch(`${api}/openapi.json`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), doc);
    assert.equal(doc.openapi, '3.1.0');
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(op.responses && Object.keys(op.responses).length, `${method} ${path}: responses`);
        if (path !== '/openapi.json') assert.ok(op['x-roles']?.every((x) => ROLES.includes(x)), `${method} ${path}: x-roles`);
      }
  });

  test('is a valid OpenAPI 3.1 document (the OpenAPI Initiative\'s JSON schema)', async () => {
    const v = new Validator();
    const r = await v.validate(structuredClone(doc));
    assert.equal(r.valid, true, JSON.stringify(r.errors));
    assert.equal(v.version, '3.1');
    // the validator bites: a response without its description, a parameter without "in", are refused
    const broken = structuredClone(doc);
    broken.paths['/keys'].get.responses['200'] = { content: {} };
    assert.equal((await new Validator().validate(broken)).valid, false);
    broken.paths['/keys'].get.responses['200'] = doc.paths['/keys'].get.responses['200'];
    broken.paths['/keys'].get.parameters = [{ name: 'x' }];
    assert.equal((await new Validator().validate(broken)).valid, false);
  });

  test('every operation refuses a request without a token: 401, a problem, a Bearer challenge', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (path === '/openapi.json') continue;
      for (const method of Object.keys(ops)) {
        const r = await call(method.toUpperCase(), path.replace('{id}', 'x'), null);
        assertProblem(r, 401, 'invalid_token');
        assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="sakaid"', `${method} ${path}`);
        assert.ok(op401(ops[method]), `${method} ${path} documents 401`);
      }
    }
  });
});
const op401 = (op) => Object.hasOwn(op.responses, '401');

describe('roles', () => {
  test('every role on every operation: allowed as x-roles says, else 403; each call one log row', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (path === '/openapi.json') continue;
      for (const [method, op] of Object.entries(ops)) {
        for (const role of ROLES) {
          // a fresh target for each call: a registered client, an initial access token
          let id = 'none', query = '';
          if (path.startsWith('/clients/{id}')) id = (await registered()).client_id;
          if (path.startsWith('/residents/{id}')) {
            id = `resident-${role}-${Math.random().toString(36).slice(2)}`;
            db(`INSERT INTO residents (id) VALUES ('${id}')`);
          }
          if (path === '/residents') query = `?client_id=${(await registered()).client_id}&sub=nobody`;
          if (path === '/audit/ledger') query = '?resident=nobody';
          if (path === '/initial-access-tokens/{id}') id = admin(env, ['iat', 'issue', 'api-shop']).json.id;
          if (path === '/clients/{id}/sandbox') await call('POST', `/clients/${id}/approve`, tokens['client-operator']);
          if (path === '/upstreams/{id}') id = await upstream();
          if (path.startsWith('/outreach/segments/{id}')) {
            const seg = await call('POST', '/outreach/segments', tokens['outreach-planner'],
              { category: 'health', name: `for ${role}`, criteria: '' });
            assert.equal(seg.status, 201, JSON.stringify(seg.body));
            id = seg.body.id;
          }
          if (path === '/keys/schedules/{id}') {
            id = 'ES256';
            if (method === 'delete') await call('PUT', '/keys/schedules/ES256', tokens['key-operator'], { every_days: 30 });
          }
          const bodies = { '/initial-access-tokens': { organisation: 'api-shop' }, '/keys/rotate': { alg: 'ES256', force: true },
            '/clients': { client_name: 'Made by the API', redirect_uris: [CB] },
            '/residents/{id}/lock': { reason: 'test' }, '/residents/{id}/unlock': { reason: 'test' },
            '/residents/{id}/end-sessions': { reason: 'test' },
            '/outreach/segments': { category: 'health', name: `by ${role}`, criteria: 'age in 20..120' },
            '/upstreams': { id: `up-${role}-${Math.random().toString(36).slice(2, 8)}`, issuer: disco, client_id: 'sakaid',
              client_secret: 'upstream-secret', display_name: 'Made by the API' } };
          const puts = { '/keys/schedules/{id}': { every_days: 30 }, '/upstreams/{id}': { display_name: 'Renamed' } };
          const body = method === 'put' ? puts[path] ?? { client_name: 'Renamed', redirect_uris: [CB] }
            : method === 'post' ? bodies[path] : undefined;
          const rows = logRows();
          const r = await call(method.toUpperCase(), path.replace('{id}', id) + query, tokens[role], body);
          const where = `${role} ${method} ${path}`;
          assert.ok(Object.hasOwn(op.responses, String(r.status)), `${where}: ${r.status} is documented`);
          if (op['x-roles'].includes(role)) {
            assert.ok(r.status < 300, `${where}: ${r.status} ${JSON.stringify(r.body)}`);
          } else {
            assertProblem(r, 403, 'insufficient_scope');
            assert.match(r.headers.get('www-authenticate'), /error="insufficient_scope"/);
          }
          assert.equal(logRows(), rows + 1, `${where}: one row of the admin log`);
          const last = JSON.parse(db(`SELECT row_to_json(l) FROM (SELECT actor, role, action FROM admin_log ORDER BY seq DESC LIMIT 1) l`));
          assert.equal(last.role, role, where);
          assert.match(last.actor, /^client:/);
          if (!op['x-roles'].includes(role)) assert.match(last.action, /^denied:/, where);
        }
      }
    }
  });

  test('a token with two admin roles, or none, opens nothing', async () => {
    for (const scope of ['admin:viewer admin:auditor', 'openid']) {
      const t = await adminToken(scope);
      assertProblem(await call('GET', '/clients', t), 403, 'insufficient_scope');
    }
    assertProblem(await call('GET', '/clients', 'not.a.token'), 401, 'invalid_token');
  });

  test('POST /register refuses admin scopes: only an administrator grants a role', async () => {
    const { token } = admin(env, ['iat', 'issue', 'api-shop']).json;
    const r = await fetch(`${srv.url}/register`, { method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Sneaky', grant_types: ['client_credentials'], scope: 'admin:client-operator' }) });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error_description, /^scope: admin roles/);
  });
});

describe('upstream providers through the API', () => {
  test('add, read, change and remove: checked through discovery, the secret sealed and never shown, each logged', async () => {
    const op = tokens['client-operator'];
    const id = await upstream();
    let r = await call('GET', `/upstreams/${id}`, tokens.viewer);
    assert.equal(r.body.issuer, disco);
    assert.equal(JSON.stringify(r.body).includes('upstream-secret'), false);
    assert.equal(db(`SELECT position('upstream-secret' in encode(client_secret_enc, 'escape')) FROM upstream_providers
      WHERE id = '${id}'`), '0', 'sealed');
    assert.equal((await call('GET', '/upstreams', tokens.auditor)).body.upstreams.some((u) => u.id === id), true);
    // taken id, an issuer whose discovery fails, a card channel with a secret, a kind change: refused, nothing written
    const rows = logRows();
    assertProblem(await call('POST', '/upstreams', op, { id, issuer: disco, client_id: 'a', client_secret: 'b', display_name: 'x' }),
      409, 'invalid_request');
    r = await call('POST', '/upstreams', op, { id: 'nowhere', issuer: 'http://127.0.0.1:9', client_id: 'a', client_secret: 'b',
      display_name: 'x' });
    assertProblem(r, 400, 'invalid_request');
    assert.match(r.body.detail, /127\.0\.0\.1:9/);
    assertProblem(await call('POST', '/upstreams', op, { id: 'daa-x', kind: 'digital-auth-app', issuer: disco, client_id: 'a',
      client_secret: 'b', display_name: 'x' }), 400, 'invalid_request');
    assertProblem(await call('PUT', `/upstreams/${id}`, op, { kind: 'digital-auth-app' }), 400, 'invalid_request');
    assertProblem(await call('POST', '/upstreams', op, { id: 'Bad_Id', issuer: disco, client_id: 'a', client_secret: 'b',
      display_name: 'x' }), 400, 'invalid_request');
    assert.equal(db(`SELECT count(*) FROM upstream_providers WHERE id IN ('nowhere', 'daa-x')`), '0');
    assert.equal(logRows(), rows, 'a refusal writes no row');
    // a card channel: its key made, the public set answered
    r = await call('POST', '/upstreams', op, { id: 'daa-api', kind: 'digital-auth-app', issuer: disco, client_id: 'app',
      display_name: 'デジタル認証アプリ' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.jwks.keys[0].kty, 'RSA');
    assert.equal(r.body.jwks.keys[0].d, undefined, 'public only');
    assert.equal(r.body.acr_values, 'aal3 crl');
    // changed: only the fields given; disabled
    r = await call('PUT', `/upstreams/${id}`, op, { display_name: 'LINE', enabled: false, reason: 'renamed' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.display_name, r.body.enabled, r.body.client_id], ['LINE', false, 'sakaid']);
    const row = JSON.parse(db(`SELECT row_to_json(l) FROM (SELECT before->>'display_name' AS b, after->>'display_name' AS a
      FROM admin_log WHERE action = 'upstreams.update' AND target = '${id}' ORDER BY seq DESC LIMIT 1) l`));
    assert.deepEqual(row, { b: 'Upstream', a: 'LINE' });
    // removed
    assert.equal((await call('DELETE', `/upstreams/${id}`, op)).status, 204);
    assertProblem(await call('GET', `/upstreams/${id}`, tokens.viewer), 404, 'not_found');
    assertProblem(await call('DELETE', `/upstreams/${id}`, op), 404, 'not_found');
  });
});

describe('clients through the API', () => {
  test('approve, suspend, resume and rotate-secret change the client, and the log holds before and after', async () => {
    const op = tokens['client-operator'];
    const c = await registered();
    let r = await call('GET', `/clients/${c.client_id}`, tokens.viewer);
    assert.equal(r.body.sandbox, true);
    assert.equal(r.body.organisation, 'api-shop');
    assert.equal(r.body.metadata.client_name, 'API shop');
    assert.equal(JSON.stringify(r.body).includes('hash'), false, 'no hash is shown');
    r = await call('GET', '/clients?organisation=api-shop&sandbox=true&q=api%20SHOP', tokens.auditor);
    assert.ok(r.body.clients.some((x) => x.client_id === c.client_id));

    r = await call('POST', `/clients/${c.client_id}/approve`, op, { reason: 'reviewed on 12-07' });
    assert.equal(r.status, 200);
    assert.equal(r.body.sandbox, false);
    const row = JSON.parse(db(`SELECT row_to_json(l) FROM (SELECT action, target, before, after FROM admin_log ORDER BY seq DESC LIMIT 1) l`));
    assert.equal(row.action, 'clients.approve');
    assert.equal(row.target, c.client_id);
    assert.equal(row.before.sandbox, true);
    assert.equal(row.after.sandbox, false);
    assert.equal(row.after.reason, 'reviewed on 12-07');

    // suspended: its credentials stop working at once; resumed: they work again
    const cc = await tokenRequest(srv.url, { grant_type: 'authorization_code', code: 'x', redirect_uri: CB },
      { authorization: basic(c.client_id, c.client_secret) });
    assert.equal(cc.body.error, 'invalid_grant', 'authenticated before');
    r = await call('POST', `/clients/${c.client_id}/suspend`, op);
    assert.equal(r.body.suspended, true);
    const s = await tokenRequest(srv.url, { grant_type: 'authorization_code', code: 'x', redirect_uri: CB },
      { authorization: basic(c.client_id, c.client_secret) });
    assert.equal(s.status, 401);
    assert.equal(db(`SELECT suspended FROM clients WHERE client_id = '${c.client_id}'`), 't');
    r = await call('POST', `/clients/${c.client_id}/resume`, op);
    assert.equal(r.body.suspended, false);

    r = await call('POST', `/clients/${c.client_id}/rotate-secret`, op);
    assert.equal(r.status, 200);
    assert.ok(r.body.client_secret && r.body.client_secret !== c.client_secret);
    const old = await tokenRequest(srv.url, { grant_type: 'authorization_code', code: 'x', redirect_uri: CB },
      { authorization: basic(c.client_id, c.client_secret) });
    assert.equal(old.status, 401);
    const fresh = await tokenRequest(srv.url, { grant_type: 'authorization_code', code: 'x', redirect_uri: CB },
      { authorization: basic(c.client_id, r.body.client_secret) });
    assert.equal(fresh.body.error, 'invalid_grant');
    assert.equal(db(`SELECT count(*) FROM admin_log WHERE after::text LIKE '%${r.body.client_secret}%'`), '0', 'never the secret');
  });

  test('create, update and delete a client: validated as sakaid-admin does, the secret shown once', async () => {
    const op = tokens['client-operator'];
    let r = await call('POST', '/clients', op, { client_name: 'City portal', redirect_uris: [CB], tier: 'city', first_party: true });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = r.body.client_id, secret = r.body.client_secret;
    assert.ok(secret);
    assert.equal(r.body.metadata.subject_type, 'public');
    assert.equal((await tokenRequest(srv.url, { grant_type: 'authorization_code', code: 'x', redirect_uri: CB },
      { authorization: basic(id, secret) })).body.error, 'invalid_grant');
    assertProblem(await call('POST', '/clients', op, { client_name: 'x', redirect_uris: ['http://evil.example/cb'] }), 400, 'invalid_redirect_uri');
    r = await call('PUT', `/clients/${id}`, op, { client_name: 'City portal 2', redirect_uris: [CB], tier: 'city', token_endpoint_auth_method: 'none' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(db(`SELECT secret_hash IS NULL FROM clients WHERE client_id = '${id}'`), 't', 'public now: no secret');
    r = await call('PUT', `/clients/${id}`, op, { client_name: 'x', redirect_uris: [CB] }); // tier partner: pairwise, another sub
    assertProblem(r, 400, 'invalid_client_metadata');
    const row = JSON.parse(db(`SELECT row_to_json(l) FROM (SELECT before, after FROM admin_log WHERE action = 'clients.update'
      AND target = '${id}' ORDER BY seq DESC LIMIT 1) l`));
    assert.equal(row.before.client_name, 'City portal');
    assert.equal(row.after.client_name, 'City portal 2');
    assert.equal((await call('DELETE', `/clients/${id}`, op)).status, 204);
    assertProblem(await call('DELETE', `/clients/${id}`, op), 404, 'not_found');
    assert.equal(db(`SELECT count(*) FROM clients WHERE client_id = '${id}'`), '0');
  });

  test('bad input and missing resources: problem details, and nothing changes', async () => {
    const op = tokens['client-operator'];
    assertProblem(await call('GET', '/clients?sandbox=maybe', tokens.viewer), 400, 'invalid_request');
    const before = logRows();
    assertProblem(await call('POST', '/clients/no-such-client/approve', op), 404, 'not_found');
    assertProblem(await call('DELETE', '/initial-access-tokens/no-such-token', op), 404, 'not_found');
    assert.equal(logRows(), before, 'a change that found nothing writes no row');
    assertProblem(await call('POST', '/initial-access-tokens', op, { organisation: 'bad name!' }), 400, 'invalid_request');
    assertProblem(await call('POST', '/initial-access-tokens', op, { organisation: 'ok', uses: 0 }), 400, 'invalid_request');
    const admins = addClient(env, ['--client-name', 'Admin-made', '--redirect-uris', CB]);
    assertProblem(await call('POST', `/clients/${admins.client_id}/sandbox`, op), 409, 'invalid_request');
    const pub = addClient(env, ['--client-name', 'Public', '--redirect-uris', CB, '--token-endpoint-auth-method', 'none']);
    assertProblem(await call('POST', `/clients/${pub.client_id}/rotate-secret`, op), 409, 'invalid_request');
    const r = await fetch(`${api}/clients/${admins.client_id}/approve`, { method: 'POST',
      headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' }, body: '[1]' });
    assert.equal(r.status, 400);
  });

  test('initial access tokens: issued once, listed without the token, revoked', async () => {
    const op = tokens['client-operator'];
    const r = await call('POST', '/initial-access-tokens', op, { organisation: 'api-shop', uses: 2, days: 3 });
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'usable');
    assert.ok(r.body.token);
    const list = await call('GET', '/initial-access-tokens', tokens.viewer);
    const listed = list.body.initial_access_tokens.find((t) => t.id === r.body.id);
    assert.equal(listed.max_uses, 2);
    assert.equal(listed.token, undefined);
    assert.equal(JSON.stringify(list.body).includes(r.body.token), false);
    assert.equal(db(`SELECT count(*) FROM admin_log WHERE after::text LIKE '%${r.body.token}%'`), '0', 'never the token');
    assert.equal((await call('DELETE', `/initial-access-tokens/${r.body.id}`, op)).status, 204);
    assertProblem(await call('DELETE', `/initial-access-tokens/${r.body.id}`, op), 404, 'not_found');
  });
});

describe('statistics', () => {
  test('daily counts per client, kept by the events themselves, every count under k shown as "<k"', async () => {
    const c = await registered();
    // errors sent to the client's redirect URI, counted by code: four of one, one of another
    const authorize = (extra) => fetch(`${srv.url}/authorize?${new URLSearchParams({ client_id: c.client_id, redirect_uri: CB,
      scope: 'openid', state: 's', ...extra })}`, { redirect: 'manual' });
    for (let i = 0; i < 4; i++) {
      const r = await authorize({ response_type: 'token' });
      assert.equal(new URL(r.headers.get('location')).searchParams.get('error'), 'unsupported_response_type');
    }
    const none = await authorize({ response_type: 'code', prompt: 'none', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256' });
    assert.equal(new URL(none.headers.get('location')).searchParams.get('error'), 'login_required');
    // five grants (sign-ins) and a step-up, counted by their triggers as they are written
    db(`INSERT INTO residents (id) VALUES ('stats-resident') ON CONFLICT DO NOTHING;
        INSERT INTO grants (id, client_id, resident_id, scope, acr, amr, auth_time, expires_at)
        SELECT 'stats-grant-' || i, '${c.client_id}', 'stats-resident', 'openid', 'urn:sakai-d:acr:card', 'sc pin', now(),
               now() + interval '1 hour' FROM generate_series(1, 5) i;
        INSERT INTO audit_events (event, detail) VALUES ('step_up', '{"client_id": "${c.client_id}"}')`);
    const r = await call('GET', `/clients/${c.client_id}/statistics`, tokens.viewer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.k, 3);
    assert.equal(r.body.days.length, 30);
    const today = r.body.days.at(-1);
    assert.equal(today.day, r.body.to);
    assert.equal(today.sign_ins, 5);
    assert.equal(today.step_ups, '<3');
    assert.equal(today.consents, '<3');
    assert.deepEqual(today.errors, { unsupported_response_type: 4, other: '<3' });
    assert.deepEqual(r.body.days[0], { day: r.body.from, sign_ins: '<3', consents: '<3', refusals: '<3', withdrawals: '<3',
      step_ups: '<3', errors: { other: '<3' } });
    const one = await call('GET', `/clients/${c.client_id}/statistics?from=${today.day}&to=${today.day}`, tokens.auditor);
    assert.deepEqual(one.body.days, [today]);
    for (const q of ['from=2026-02-30', 'from=2026-12-08&to=2026-12-07', 'from=2024-01-01&to=2025-12-31', 'to=yesterday'])
      assertProblem(await call('GET', `/clients/${c.client_id}/statistics?${q}`, tokens.viewer), 400, 'invalid_request');
    assertProblem(await call('GET', '/clients/no-such-client/statistics', tokens.viewer), 404, 'not_found');
  });
});

describe('the audit trail', () => {
  test('keys list without private parts; the admin log reads in pages', async () => {
    const k = await call('GET', '/keys', tokens['key-operator']);
    assert.ok(k.body.keys.length >= 1);
    assert.equal(JSON.stringify(k.body).includes('private'), false);
    const p1 = await call('GET', '/audit/admin-log?limit=2', tokens.auditor);
    assert.equal(p1.body.rows.length, 2);
    assert.equal(p1.body.rows[0].seq, 1);
    const p2 = await call('GET', `/audit/admin-log?after=${p1.body.next}&limit=2`, tokens.auditor);
    assert.equal(p2.body.rows[0].seq, 3);
    assertProblem(await call('GET', '/audit/admin-log?limit=501', tokens.auditor), 400, 'invalid_request');
  });

  test('a key operator rotates a signing key: one step, its log row in the same transaction; too soon is 409', async () => {
    const k = tokens['key-operator'];
    const keys = async () => (await call('GET', '/keys', k)).body.keys.filter((x) => x.alg === 'RS256');
    const before = await keys();
    assertProblem(await call('POST', '/keys/rotate', k, { alg: 'RS256' }), 409, 'invalid_request'); // next is too new
    assertProblem(await call('POST', '/keys/rotate', k, { alg: 'HS256' }), 400, 'invalid_request');
    const rows = logRows();
    const r = await call('POST', '/keys/rotate', k, { alg: 'RS256', force: true, reason: 'drill' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.result, 'rotated');
    const after = await keys();
    const was = Object.fromEntries(before.map((x) => [x.kid, x.state]));
    assert.equal(after.find((x) => x.kid === r.body.kid).state, 'next');
    assert.equal(after.find((x) => was[x.kid] === 'next').state, 'active');
    assert.equal(after.find((x) => was[x.kid] === 'active').state, 'retired');
    assert.equal(logRows(), rows + 2, 'the rotation and the list after it');
    const row = JSON.parse(db(`SELECT row_to_json(l) FROM (SELECT action, target, after FROM admin_log WHERE action = 'keys.rotate'
      ORDER BY seq DESC LIMIT 1) l`));
    assert.deepEqual(row, { action: 'keys.rotate', target: 'RS256', after: { alg: 'RS256', force: true, reason: 'drill' } });
  });

  test('upstreams without secrets; audit events and a resident\'s ledger rows for the auditor', async () => {
    const up = await call('GET', '/upstreams', tokens.viewer);
    assert.equal(up.status, 200);
    assert.ok(up.body.upstreams.length >= 1);
    assert.equal(JSON.stringify(up.body).includes('upstream-secret'), false, 'never a secret');
    assert.ok(up.body.upstreams.every((u) => !('client_secret' in u) && !('secret_enc' in u)));
    const ev = await call('GET', '/audit/events?event=client_registered&limit=5', tokens.auditor);
    assert.equal(ev.status, 200);
    assert.ok(ev.body.events.length >= 1 && ev.body.events.length <= 5);
    assert.ok(ev.body.events.every((e) => e.event === 'client_registered' && e.detail.organisation));
    assertProblem(await call('GET', '/audit/events?limit=0', tokens.auditor), 400, 'invalid_request');
    assertProblem(await call('GET', '/audit/ledger', tokens.auditor), 400, 'invalid_request');
    const lg = await call('GET', '/audit/ledger?resident=nobody', tokens.auditor);
    assert.deepEqual(lg.body, { resident_id: 'nobody', rows: [] });
  });

  test('verification finds an edited row, through the API and sakaid-admin', async () => {
    let r = await call('GET', '/audit/verify', tokens.auditor);
    assert.equal(r.body.ok, true, JSON.stringify(r.body));
    assert.ok(r.body.admin_log.rows > 10);
    assert.equal(admin(env, ['audit', 'verify']).json.admin_log.ok, true);
    db(`UPDATE admin_log SET target = target || 'x' WHERE seq = 3`);
    r = await call('GET', '/audit/verify', tokens.auditor);
    assert.equal(r.body.ok, false);
    assert.equal(r.body.admin_log.row, 3);
    assert.match(r.body.admin_log.problem, /edited/);
    const cli = admin(env, ['audit', 'verify'], { expectExit: 1 }).json;
    assert.equal(cli.admin_log.row, 3);
    assert.equal(cli.consent_ledger.ok, true);
  });
});
