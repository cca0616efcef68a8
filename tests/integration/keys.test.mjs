// Signing-key life cycle as the JWKS shows it (issue #2 §4, docs/keys.md):
// next -> active -> retired; retired keys stay published while tokens they
// signed may live; nodes pick up rotations without a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { addClient, admin, basic, cleanup, provision, startServer, tempDir, tokenRequest, waitFor, writeConfig } from './lib/harness.mjs';

let env, srv, client;
before(async () => {
  env = await provision();
  // Refresh every second so that the test sees rotations quickly.
  // A maintenance tick every second: scheduled rotations are made at the next one.
  env.SAKAID_CONFIG = writeConfig(tempDir(), { keys: { refresh_seconds: 1 }, maintenance: { sweep_seconds: 1 } });
  srv = await startServer(env);
  client = addClient(env, ['--client-name', 'Backend', '--grant-types', 'client_credentials']);
});
after(cleanup);

const jwks = async () => (await (await fetch(`${srv.url}/jwks`)).json()).keys;
const token = async () =>
  (await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret) })).body.access_token;
const byState = (list, alg, state) => list.filter((k) => k.alg === alg && k.state === state);

test('keys list shows an active and a next key per algorithm, all published', () => {
  const list = admin(env, ['keys', 'list']).json;
  assert.equal(list.length, 6);
  for (const alg of ['RS256', 'ES256', 'PS256']) {
    assert.equal(byState(list, alg, 'active').length, 1);
    assert.equal(byState(list, alg, 'next').length, 1);
  }
  assert.ok(list.every((k) => k.published === true && typeof k.created_at === 'number'));
  assert.equal(admin(env, ['keys', 'init']).json.created, 0, 'keys init is idempotent');
});

test('rotation refuses a next key younger than keys.publish_seconds', () => {
  const r = admin(env, ['keys', 'rotate', '--alg', 'RS256'], { expectExit: 1 });
  assert.match(r.stderr, /publish_seconds/);
  assert.equal(byState(admin(env, ['keys', 'list']).json, 'RS256', 'retired').length, 0, 'nothing changed');
});

test('rotate: next signs, the old active key stays in the JWKS, a new next key appears', async () => {
  const before = admin(env, ['keys', 'list']).json;
  const oldActive = byState(before, 'RS256', 'active')[0].kid;
  const oldNext = byState(before, 'RS256', 'next')[0].kid;
  const oldToken = await token();
  assert.equal(decodeProtectedHeader(oldToken).kid, oldActive);

  const r = admin(env, ['keys', 'rotate', '--alg', 'RS256', '--force']).json;
  assert.equal(r.length, 1);
  assert.equal(r[0].alg, 'RS256');
  assert.equal(r[0].result, 'rotated');
  const fresh = r[0].kid;

  const after = admin(env, ['keys', 'list']).json;
  assert.equal(byState(after, 'RS256', 'active')[0].kid, oldNext);
  assert.equal(byState(after, 'RS256', 'next')[0].kid, fresh);
  assert.equal(byState(after, 'RS256', 'retired')[0].kid, oldActive);
  assert.equal(after.find((k) => k.kid === oldActive).published, true);

  // The running node picks the change up without a restart.
  await waitFor(async () => (await jwks()).some((k) => k.kid === fresh));
  await waitFor(async () => decodeProtectedHeader(await token()).kid === oldNext);
  const published = await jwks();
  const kids = published.map((k) => k.kid);
  assert.ok(kids.includes(oldActive), 'retired key still published');
  assert.ok(kids.includes(oldNext) && kids.includes(fresh));
  // A token signed before the rotation still verifies against the current JWKS.
  const set = createLocalJWKSet({ keys: published });
  await jwtVerify(oldToken, set, { issuer: srv.url });
  await jwtVerify(await token(), set, { issuer: srv.url });
});

test('retire: a key leaves the JWKS once max_token_lifetime has passed since retirement', async () => {
  // With the default max lifetime (1 day) a just-retired key is still published.
  const list = admin(env, ['keys', 'list']).json;
  const esNext = byState(list, 'ES256', 'next')[0].kid;
  assert.deepEqual(admin(env, ['keys', 'retire', esNext]).json, { kid: esNext, state: 'retired' });
  const relisted = admin(env, ['keys', 'list']).json;
  assert.equal(relisted.find((k) => k.kid === esNext).state, 'retired');
  assert.equal(relisted.find((k) => k.kid === esNext).published, true);
  // A configuration with a short max lifetime stops publishing it.
  const shortEnv = { ...env, SAKAID_CONFIG: writeConfig(tempDir(), { tokens: { max_token_lifetime_seconds: 60, access_token_ttl_seconds: 60, id_token_ttl_seconds: 60 } }) };
  const { psql } = await import('./lib/harness.mjs');
  psql(env.SAKAID_DATABASE_URL, `UPDATE signing_keys SET retired_at = now() - interval '2 minutes' WHERE kid = '${esNext}'`);
  const short = admin(shortEnv, ['keys', 'list']).json;
  assert.equal(short.find((k) => k.kid === esNext).published, false);
  // A node with that configuration no longer serves it; the default node still does.
  const { freePort } = await import('./lib/harness.mjs');
  const node2 = await startServer({ ...shortEnv, SAKAID_PORT: String(await freePort()) });
  const keys2 = (await (await fetch(`${node2.url}/jwks`)).json()).keys;
  assert.ok(!keys2.some((k) => k.kid === esNext));
  assert.ok((await jwks()).some((k) => k.kid === esNext));
  assert.equal(await node2.stop(), 0);
});

test('retire refuses unknown kids and the last signing key', () => {
  assert.equal(admin(env, ['keys', 'retire', 'no-such-kid'], { expectExit: 1 }).json.error, 'not_found');
  // ES256 has an active key and no next key now: retiring it would leave nothing to sign with.
  const list = admin(env, ['keys', 'list']).json;
  const esActive = byState(list, 'ES256', 'active')[0].kid;
  const r = admin(env, ['keys', 'retire', esActive], { expectExit: 1 });
  assert.match(r.stderr, /only key/);
  assert.equal(admin(env, ['keys', 'init']).json.created, 1, 'keys init adds the missing next key');
});

test('bad arguments', () => {
  assert.equal(admin(env, ['keys', 'rotate', '--alg', 'HS256'], { expectExit: 2 }).status, 2);
  assert.equal(admin(env, ['keys', 'rotate', '--bogus'], { expectExit: 2 }).status, 2);
  assert.equal(admin(env, ['keys', 'retire'], { expectExit: 2 }).status, 2);
});

test('a rotation set for a time through the admin API is made by the node that finds it due, logged as the scheduler', async () => {
  const { psql } = await import('./lib/harness.mjs');
  const db = (sql) => psql(env.SAKAID_DATABASE_URL, sql);
  const ops = addClient(env, ['--client-name', 'key ops', '--grant-types', 'client_credentials', '--scope', 'admin:key-operator']);
  const t = (await tokenRequest(srv.url, { grant_type: 'client_credentials', scope: 'admin:key-operator' },
    { authorization: basic(ops.client_id, ops.client_secret) })).body.access_token;
  const call = async (method, path, body) => {
    const r = await fetch(`${srv.url}/admin/api/v1${path}`, { method,
      headers: { authorization: `Bearer ${t}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, body: r.status === 204 ? null : await r.json() };
  };
  const now = () => Math.floor(Date.now() / 1000);
  // shorter than keys.publish_seconds (a day), or too far: refused
  assert.equal((await call('PUT', '/keys/schedules/RS256', { every_days: 0 })).status, 400);
  assert.equal((await call('PUT', '/keys/schedules/RS256', { every_days: 30, next_at: now() + 400 * 86400 })).status, 400);
  assert.equal((await call('PUT', '/keys/schedules/HS256', { every_days: 30 })).status, 404);
  // due at once, with a next key published long enough
  const before = admin(env, ['keys', 'list']).json;
  const next = byState(before, 'RS256', 'next')[0].kid;
  db(`UPDATE signing_keys SET created_at = now() - interval '2 days' WHERE kid = '${next}'`);
  const set = await call('PUT', '/keys/schedules/RS256', { every_days: 30, next_at: now(), reason: 'monthly' });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.schedules.find((x) => x.alg === 'RS256').every_seconds, 30 * 86400);
  await waitFor(() => byState(admin(env, ['keys', 'list']).json, 'RS256', 'active')[0].kid === next);
  const row = JSON.parse(db(`SELECT row_to_json(l) FROM (SELECT actor, role, target FROM admin_log WHERE action = 'keys.rotate'
    ORDER BY seq DESC LIMIT 1) l`));
  assert.deepEqual(row, { actor: 'scheduler', role: 'key-operator', target: 'RS256' });
  await waitFor(async () => (await call('GET', '/keys/schedules')).body.schedules[0].next_at > now() + 29 * 86400);
  assert.equal(admin(env, ['audit', 'verify']).status, 0, 'the admin log chain holds');
  // due again, but the new next key is a few seconds old: deferred, nothing rotated
  await call('PUT', '/keys/schedules/RS256', { every_days: 30, next_at: now() });
  await waitFor(() => srv.logs().includes('key_rotation_deferred'));
  assert.equal(byState(admin(env, ['keys', 'list']).json, 'RS256', 'active')[0].kid, next);
  // cancelled
  assert.equal((await call('DELETE', '/keys/schedules/RS256', { reason: 'done' })).status, 204);
  assert.equal((await call('DELETE', '/keys/schedules/RS256')).status, 404);
  assert.deepEqual((await call('GET', '/keys/schedules')).body.schedules, []);
});
