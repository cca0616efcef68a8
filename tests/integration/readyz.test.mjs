// /readyz follows PostgreSQL: 503 while it is down, 200 again once it is
// back, without restarting sakaid (issue #2 §3). Uses its own cluster.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { addClient, basic, cleanup, provision, SCRIPTS, startServer, tempDir, tokenRequest, waitFor } from './lib/harness.mjs';

const pg = (...args) => execFileSync(join(SCRIPTS, 'pg'), args, { encoding: 'utf8' }).trim();
let dir, srv, client;

before(async () => {
  dir = join(tempDir(), 'pg');
  pg('init', dir, '--fast');
  pg('start', dir);
  pg('createdb', dir, 'sakaid');
  const env = await provision({ databaseUrl: pg('url', dir, 'sakaid') });
  srv = await startServer(env);
  client = addClient(env, ['--client-name', 'Svc', '--grant-types', 'client_credentials']);
});
after(async () => {
  await cleanup();
  try {
    pg('stop', dir);
  } catch {
    /* already stopped */
  }
});

const ready = async () => (await fetch(`${srv.url}/readyz`)).status;
const token = async () =>
  (await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret) })).status;

test('ready, then 503 while PostgreSQL is down, then ready again without a restart', async () => {
  assert.equal(await ready(), 200);
  assert.equal(await token(), 200);

  pg('stop', dir);
  const down = await fetch(`${srv.url}/readyz`);
  assert.equal(down.status, 503);
  assert.equal((await down.json()).error, 'temporarily_unavailable');
  assert.equal(down.headers.get('retry-after'), '5');
  assert.equal(await token(), 503, 'the token endpoint says temporarily unavailable, not invalid_client');
  assert.equal((await fetch(`${srv.url}/healthz`)).status, 200, 'the process itself is alive');
  assert.equal((await fetch(`${srv.url}/jwks`)).status, 200, 'keys are served from memory');

  pg('start', dir);
  await waitFor(async () => (await ready()) === 200, { timeout: 20000 });
  assert.equal(await token(), 200);
  assert.ok(srv.alive());
});
