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
  env.SAKAID_CONFIG = writeConfig(tempDir(), { keys: { refresh_seconds: 1 } });
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
  assert.equal(list.length, 4);
  for (const alg of ['RS256', 'ES256']) {
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
