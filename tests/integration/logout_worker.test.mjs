// Back-channel logout delivery runs on a thread of its own (issue #16 §5). A relying party that
// accepts the connection and never answers holds each delivery for its whole timeout (3 s), a batch
// of eight for 24 s; neither the main thread's tick (the key reload, every second here) nor the stop
// on SIGTERM waits for it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { admin, cleanup, provision, psql, startServer, tempDir, waitFor, writeConfig } from './lib/harness.mjs';

let env, srv, silent;
let hits = 0;
const sockets = [];

before(async () => {
  env = await provision();
  env.SAKAID_CONFIG = writeConfig(tempDir(), { keys: { refresh_seconds: 1 } });
  silent = createServer((s) => {
    hits++;
    sockets.push(s);
    s.on('error', () => {});
  });
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  srv = await startServer(env);
});
after(async () => {
  await cleanup();
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
});

const jwks = async () => (await (await fetch(`${srv.url}/jwks`)).json()).keys;

test('a relying party that never answers does not hold up the key reload', async () => {
  const uri = `http://127.0.0.1:${silent.address().port}/bcl`;
  psql(env.SAKAID_DATABASE_URL, `INSERT INTO logout_deliveries (client_id, uri, logout_token)
    SELECT 'silent-rp', '${uri}', 'x' FROM generate_series(1, 8)`);
  await waitFor(() => hits >= 1, { timeout: 10000 }); // a delivery is waiting on the silent party
  // the backlog, as the worker counted it before leasing the batch (docs/deployment.md "Alerts")
  const text = await (await fetch(`${srv.metricsUrl}/metrics`)).text();
  assert.equal(/^sakaid_backchannel_logout_pending (\d+)$/m.exec(text)?.[1], '8');
  assert.ok(Number(/^sakaid_backchannel_logout_oldest_pending_seconds (\d+)$/m.exec(text)?.[1]) >= 0);
  assert.match(text, /^sakaid_backchannel_logout_deliveries_total\{result="delivered"\} 0$/m);
  const fresh = admin(env, ['keys', 'rotate', '--alg', 'RS256', '--force']).json[0].kid;
  const t0 = Date.now();
  await waitFor(async () => (await jwks()).some((k) => k.kid === fresh), { timeout: 20000, interval: 100 });
  assert.ok(Date.now() - t0 < 5000, `the new key was published after ${Date.now() - t0} ms (keys.refresh_seconds is 1)`);
});

test('SIGTERM stops sakaid within one delivery timeout while a batch hangs, and the attempts are recorded', async () => {
  const uri = `http://127.0.0.1:${silent.address().port}/bcl`;
  const seen = hits;
  psql(env.SAKAID_DATABASE_URL, `INSERT INTO logout_deliveries (client_id, uri, logout_token)
    SELECT 'silent-rp-2', '${uri}', 'x' FROM generate_series(1, 8)`);
  await waitFor(() => hits > seen, { timeout: 30000 }); // a new batch of eight is under way
  const t0 = Date.now();
  assert.equal(await srv.stop(), 0, 'a clean exit');
  assert.ok(Date.now() - t0 < 8000, `stopped after ${Date.now() - t0} ms (the batch alone would take 24 s)`);
  const tried = psql(env.SAKAID_DATABASE_URL,
    "SELECT count(*) || ' ' || bool_and(last_error ~* 'timed out') FROM logout_deliveries WHERE attempts > 0");
  const [n, timedOut] = tried.split(' ');
  assert.ok(Number(n) >= 1, 'at least one attempt recorded');
  assert.equal(timedOut, 'true', 'each attempt ended at the delivery timeout');
  const untried = psql(env.SAKAID_DATABASE_URL, "SELECT count(*) FROM logout_deliveries WHERE client_id = 'silent-rp-2' AND attempts = 0");
  assert.ok(Number(untried) >= 1, 'the rest of the batch was left for later, its attempts not counted');
});
