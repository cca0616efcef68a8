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

/** The database's lines of /metrics: statements timed, and unavailability by cause (summed). */
async function dbMetrics() {
  const text = await (await fetch(`${srv.metricsUrl}/metrics`)).text();
  const statements = Number(/^sakaid_db_statement_seconds_count (\d+)$/m.exec(text)?.[1]);
  const buckets = [...text.matchAll(/^sakaid_db_statement_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((m) => Number(m[2]));
  const down = [...text.matchAll(/^sakaid_db_unavailable_total\{cause="[a-z_]+"\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
  return { statements, buckets, down };
}

test('ready, then 503 while PostgreSQL is down, then ready again without a restart', async () => {
  assert.equal(await ready(), 200);
  assert.equal(await token(), 200);
  const before = await dbMetrics();
  assert.ok(before.statements > 0, 'statements are timed');
  assert.deepEqual([...before.buckets].sort((a, b) => a - b), before.buckets, 'the histogram\'s buckets are cumulative');
  assert.equal(before.buckets.at(-1), before.statements, '+Inf counts every statement');

  pg('stop', dir);
  const down = await fetch(`${srv.url}/readyz`);
  assert.equal(down.status, 503);
  assert.equal((await down.json()).error, 'temporarily_unavailable');
  assert.equal(down.headers.get('retry-after'), '5');
  assert.equal(await token(), 503, 'the token endpoint says temporarily unavailable, not invalid_client');
  assert.equal((await fetch(`${srv.url}/healthz`)).status, 200, 'the process itself is alive');
  assert.equal((await fetch(`${srv.url}/jwks`)).status, 200, 'keys are served from memory');

  assert.ok((await dbMetrics()).down > before.down, 'the unavailability is counted (the failover alert reads it)');

  pg('start', dir);
  await waitFor(async () => (await ready()) === 200, { timeout: 20000 });
  assert.equal(await token(), 200);
  assert.ok(srv.alive());
});
