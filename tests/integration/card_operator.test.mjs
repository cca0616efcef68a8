// Card login with revocation through a platform operator's API (issue #17
// §2-3): sakaid with jpki.revocation_source "operator" asks
// tests/tools/operator-sim.mjs, which answers from the test CA's CRLs.
// openid-client plays the relying party, sakaid-card the card. The simulator
// runs in its own process, because sakaid-card is spawned synchronously.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addClient, BIN, cleanup, tempDir } from './lib/harness.mjs';
import { Agent, appLink, authRequest, completeLogin, oidc, rp, startProvider } from './lib/flow.mjs';
import { startOperatorSimulator } from './lib/operator.mjs';

const CB = 'https://rp.example/cb';
const KEY = 'sim-api-key-5c1f0e';
let sim, op, p, client, cfg;

async function control(body) {
  const r = await fetch(op.control, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${KEY}` },
    body: body ? JSON.stringify(body) : undefined });
  return r.json();
}

before(async () => {
  const keyFile = join(tempDir(), 'operator.key');
  writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
  ({ proc: sim, ...op } = await startOperatorSimulator(keyFile));
  p = await startProvider({ jpki: { crl_dir: undefined, revocation_source: 'operator', operator_url: op.url,
    operator_key_file: keyFile, operator_timeout_ms: 400, operator_breaker_failures: 2, operator_breaker_seconds: 2 } });
  client = addClient(p.env, ['--client-name', 'Portal', '--redirect-uris', CB, '--tier', 'city']);
  cfg = await rp(p.url, client);
});
after(async () => {
  sim?.kill('SIGTERM');
  await cleanup();
});

/** An authorization request through openid-client up to the login page. */
async function loginPage() {
  const agent = new Agent(p.url);
  const a = await authRequest(cfg, { redirect_uri: CB });
  return { agent, a, page: await agent.go(a.url.href) };
}

/** sakaid-card signs the login page's link with @p card; the app's answer. */
function sign(page, card) {
  const r = spawnSync(join(BIN, 'sakaid-card'), ['--dir', p.cards, 'sign', '--card', card, appLink(page.text)], { encoding: 'utf8' });
  return { status: r.status, body: JSON.parse(r.stdout || '{}'), stderr: r.stderr };
}

async function metric(name) {
  const text = await (await fetch(`${p.srv.metricsUrl}/metrics`)).text();
  const m = text.match(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : undefined;
}

describe('card login through the platform operator', () => {
  test('a good card signs in end to end; the operator is asked with the bearer key and only the certificate\'s id', async () => {
    const before = (await control()).requests.length;
    const { agent, a, page } = await loginPage();
    const last = await completeLogin(agent, page, { cards: p.cards, card: 'sakai-taro' });
    assert.equal(last.status, 303, last.text?.slice(0, 400));
    const tokens = await oidc.authorizationCodeGrant(cfg, new URL(last.location),
      { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    assert.equal(tokens.claims().acr, 'urn:sakai-d:acr:card');
    const reqs = (await control()).requests.slice(before);
    assert.ok(reqs.length >= 1, 'the operator was asked');
    const q = JSON.parse(reqs[0].body);
    assert.deepEqual(Object.keys(q).sort(), ['issuer_key_id', 'serial'], 'no certificate, no personal data');
    assert.equal(reqs[0].contentType, 'application/json');
    assert.ok(await metric('sakaid_revocation_operator_checks_total{path="call"}') >= 1);
  });

  test('a revoked card is refused as revoked, and nobody signs in', async () => {
    const { page } = await loginPage();
    const r = sign(page, 'revoked');
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.body.error, 'card_rejected');
    assert.equal(r.body.reason, 'revoked');
  });

  test('stale operator data and an "unknown" answer fail closed (revocation_unknown)', async () => {
    for (const mode of ['stale', 'unknown']) {
      await control({ mode });
      const { page } = await loginPage();
      const r = sign(page, 'kita-hanako');
      assert.equal(r.body.reason, 'revocation_unknown', mode);
    }
    await control({ mode: 'normal' });
    assert.ok(await metric('sakaid_revocation_operator_stale_total') >= 1);
  });

  test('the operator unreachable fails closed within the timeout; the breaker opens, then a probe closes it', async () => {
    await control({ mode: 'hang' });
    for (let i = 0; i < 2; i++) {
      const { page } = await loginPage();
      const t0 = Date.now();
      const r = sign(page, 'osaka-jiro');
      assert.equal(r.body.reason, 'revocation_unknown');
      assert.ok(Date.now() - t0 < 3000, 'operator_timeout_ms bounds the login');
    }
    assert.equal(await metric('sakaid_revocation_operator_breaker_open'), 1);
    // open: refused at once, without asking the operator
    await control({ mode: 'normal' });
    const asked = (await control()).requests.length;
    const { page } = await loginPage();
    assert.equal(sign(page, 'osaka-jiro').body.reason, 'revocation_unknown');
    assert.equal((await control()).requests.length, asked, 'no call while the breaker is open');
    // after operator_breaker_seconds one probe goes through, and logins work again
    await new Promise((r) => setTimeout(r, 2200));
    const again = await loginPage();
    const ok = sign(again.page, 'osaka-jiro');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(await metric('sakaid_revocation_operator_breaker_open'), 0);
  });

  test('the operator\'s process gone: revocation_unknown, not a hang', async () => {
    const { page } = await loginPage();
    sim.kill('SIGTERM');
    await new Promise((r) => sim.once('exit', r));
    const r = sign(page, 'sakai-taro-renewed');
    assert.equal(r.body.reason, 'revocation_unknown');
  });
});
