// My Number card login end to end (issue #3): sakaid-card against the
// running server with freshly generated JPKI test material. Login
// transactions are inserted directly, to test the card API on its own; in
// the product the authorization endpoint creates them (flow.test.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { addClient, admin, BIN, cleanup, provision, psql, startServer, tempDir, writeConfig } from './lib/harness.mjs';
import { openRow, RESIDENT_COLUMNS } from './lib/atrest.mjs';

const SOURCE = process.env.SAKAID_SOURCE_DIR;
let env, srv, client, material;

before(async () => {
  material = join(tempDir(), 'jpki');
  execFileSync(join(SOURCE, 'keys', 'jpki-test-ca'), [material]);
  env = await provision();
  env.SAKAID_DEV_MODE = '1';
  env.SAKAID_CONFIG = writeConfig(tempDir(), {
    jpki: {
      auth_roots: join(material, 'roots', 'auth.pem'),
      sign_roots: join(material, 'roots', 'sign.pem'),
      crl_dir: join(material, 'crl'),
      challenge_seconds: 2,
      max_challenges_per_login: 6,
      rate_per_minute: 1000,
    },
  });
  srv = await startServer(env);
  client = addClient(env, ['--client-name', 'Portal', '--redirect-uris', 'https://portal.example/cb', '--tier', 'city']);
});
after(cleanup);

function loginTx() {
  const id = randomBytes(12).toString('base64url');
  psql(env.SAKAID_DATABASE_URL, `INSERT INTO login_transactions (id, client_id, redirect_uri, oidc_nonce, expires_at)
    VALUES ('${id}', '${client.client_id}', 'https://portal.example/cb', 'nonce-${id}', now() + interval '10 minutes')`);
  return id;
}

async function challenge(tx, purpose = 'auth', headers = {}) {
  const r = await fetch(`${srv.url}/login/card/challenge`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ login_tx: tx, purpose }),
  });
  return { status: r.status, body: await r.json() };
}

function card(name, link, ...flags) {
  const r = spawnSync(join(BIN, 'sakaid-card'), ['--dir', join(material, 'cards'), 'sign', '--card', name, ...flags, link], { encoding: 'utf8' });
  let body;
  try {
    body = JSON.parse(r.stdout);
  } catch {
    body = undefined;
  }
  return { status: r.status, body, stderr: r.stderr };
}

const residentOf = (tx) => psql(env.SAKAID_DATABASE_URL, `SELECT coalesce(resident_id, '') FROM login_transactions WHERE id = '${tx}'`);

describe('login with the authentication certificate', () => {
  test('a first login with the card\'s two keys creates a resident and enrols its signing certificate; the same card logs into the same resident', async () => {
    const tx1 = loginTx();
    const c = await challenge(tx1, 'both');
    assert.equal(c.status, 200);
    assert.equal(c.body.expires_in, 2);
    assert.match(c.body.nonce, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(c.body.link.startsWith(`${srv.url}/login/card/app?`));
    assert.match(c.body.link, /purpose=both/);
    const first = card('sakai-taro', c.body.link);
    assert.equal(first.status, 0, first.stderr);
    assert.deepEqual(first.body, { status: 'authenticated', new_resident: true, enrolled: true });
    const resident = residentOf(tx1);
    assert.ok(resident.length > 10);
    assert.equal(psql(env.SAKAID_DATABASE_URL, `SELECT acr FROM login_transactions WHERE id = '${tx1}'`), 'urn:sakai-d:acr:card');

    const tx2 = loginTx();
    const again = card('sakai-taro', (await challenge(tx2)).body.link);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.body.new_resident, false);
    assert.equal(residentOf(tx2), resident);
  });

  test('a card nobody holds, with its authentication key alone, waits in its login for the resident\'s answer (first card, or a renewal)', async () => {
    const tx = loginTx();
    const other = card('kita-hanako', (await challenge(tx)).body.link);
    assert.equal(other.status, 0, other.stderr);
    assert.equal(other.body.new_resident, true, 'another card is another resident');
    assert.equal(residentOf(tx), '', 'nobody yet: the browser asks first (flow.test.mjs)');
    assert.equal(psql(env.SAKAID_DATABASE_URL, `SELECT new_card_serial IS NOT NULL AND NOT renew_checked FROM login_transactions WHERE id = '${tx}'`), 't');
  });

  test('status: pending, then authenticated', async () => {
    const c = await challenge(loginTx());
    const status = async () => (await (await fetch(`${srv.url}/login/card/status?challenge_id=${c.body.challenge_id}`)).json()).status;
    assert.equal(await status(), 'pending');
    card('osaka-jiro', c.body.link);
    assert.equal(await status(), 'authenticated');
    assert.equal((await fetch(`${srv.url}/login/card/status?challenge_id=nope`)).status, 404);
  });

  test('a challenge is single-use: a replay fails', async () => {
    const { link } = (await challenge(loginTx())).body;
    assert.equal(card('sakai-taro', link).status, 0);
    const replay = card('sakai-taro', link);
    assert.equal(replay.status, 1);
    assert.equal(replay.body.error, 'challenge_used');
  });

  test('an expired challenge fails', async () => {
    const { link } = (await challenge(loginTx())).body;
    await new Promise((r) => setTimeout(r, 2500));
    const late = card('sakai-taro', link);
    assert.equal(late.status, 1);
    assert.equal(late.body.error, 'challenge_expired');
  });

  test('refused cards: each reason reaches the app, in Japanese by default and English on request', async () => {
    for (const [name, reason] of [['revoked', 'revoked'], ['expired', 'expired'], ['foreign', 'unknown_issuer'],
      ['no-policy', 'policy_missing'], ['weak-key', 'weak_key']]) {
      const tx = loginTx();
      const r = card(name, (await challenge(tx)).body.link);
      assert.equal(r.status, 1, name);
      assert.equal(r.body.error, 'card_rejected');
      assert.equal(r.body.reason, reason, name);
      assert.match(r.body.message, /[\u3040-\u30ff\u4e00-\u9fff]/, 'Japanese message');
      assert.match(r.stderr, new RegExp(reason));
      assert.equal(residentOf(tx), '', 'nobody signed in');
    }
    const c = await challenge(loginTx());
    card('revoked', c.body.link);
    const st = await (await fetch(`${srv.url}/login/card/status?challenge_id=${c.body.challenge_id}`, { headers: { 'accept-language': 'en-GB' } })).json();
    assert.equal(st.status, 'failed');
    assert.equal(st.reason, 'revoked');
    assert.match(st.message, /revoked/);
    // The login page's script names its language: a Japanese page in an English browser reads Japanese (issue #18 item 5).
    const ja = await (await fetch(`${srv.url}/login/card/status?challenge_id=${c.body.challenge_id}&ui_locales=ja`, { headers: { 'accept-language': 'en-GB' } })).json();
    assert.match(ja.message, /失効/);
  });

  test('a signing certificate alone is never enrolled: cert_type sign and purpose sign are refused, and a both challenge needs both', async () => {
    const { body } = await challenge(loginTx());
    const r = await fetch(`${srv.url}/login/card/verify`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ challenge_id: body.challenge_id, cert_type: 'sign', certificate: 'AAAA', signature: 'AAAA' }) });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error_description, /both/);
    assert.equal((await challenge(loginTx(), 'sign')).status, 400);
    const both = (await challenge(loginTx(), 'both')).body;
    const half = await fetch(`${srv.url}/login/card/verify`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ challenge_id: both.challenge_id, cert_type: 'both', certificate: 'AAAA', signature: 'AAAA' }) });
    assert.equal(half.status, 400, 'both: the signing certificate and its signature too');
    const authLink = (await challenge(loginTx())).body.link;
    assert.doesNotMatch(authLink, /purpose=/, 'an auth link says nothing of its purpose: auth is the default');
    const mixed = card('sakai-taro', `${authLink}&purpose=both`);
    assert.equal(mixed.status, 1);
    assert.equal(mixed.body.error, 'invalid_request', 'cert_type must match the challenge');
  });

  test('revocation after a CRL update, without a restart', async () => {
    const tx = loginTx();
    assert.equal(card('kita-hanako', (await challenge(tx)).body.link).status, 0);
    // J-LIS revokes the card; the new CRL lands in the CRL directory.
    const ca = join(material, 'ca', 'auth-g2023');
    execFileSync('openssl', ['ca', '-batch', '-config', join(ca, 'ca.cnf'), '-revoke', join(material, 'cards', 'kita-hanako', 'auth.pem'), '-crl_reason', 'keyCompromise'], { stdio: 'ignore' });
    execFileSync('openssl', ['ca', '-batch', '-config', join(ca, 'ca.cnf'), '-gencrl', '-crldays', '30', '-crlexts', 'crl', '-out', join(ca, 'crl.pem')], { stdio: 'ignore' });
    execFileSync('openssl', ['crl', '-in', join(ca, 'crl.pem'), '-outform', 'DER', '-out', join(material, 'crl', 'auth-g2023.crl')]);
    await new Promise((r) => setTimeout(r, 1200)); // the directory is checked at most once a second
    const r = card('kita-hanako', (await challenge(loginTx())).body.link);
    assert.equal(r.status, 1);
    assert.equal(r.body.reason, 'revoked');
  });

  test('renewal: after linkage import, the renewed card logs into the same resident', async () => {
    const tx = loginTx();
    card('sakai-taro', (await challenge(tx)).body.link);
    const taro = residentOf(tx);
    admin(env, ['linkage', 'import', join(material, 'linkage.csv')]);
    const tx2 = loginTx();
    const r = card('sakai-taro-renewed', (await challenge(tx2)).body.link);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.body.new_resident, false);
    assert.equal(residentOf(tx2), taro);
    // and keeps doing so: the new certificate is now known
    const tx3 = loginTx();
    card('sakai-taro-renewed', (await challenge(tx3)).body.link);
    assert.equal(residentOf(tx3), taro);
  });
});

describe('enrolling the signing certificate', () => {
  // The values are sealed at rest (docs/keys.md, "Data keys"): opened here with the KEK, independently of sakaid.
  const attrs = (resident) => {
    const a = openRow(env, 'resident_attributes', RESIDENT_COLUMNS, resident);
    const fresh = psql(env.SAKAID_DATABASE_URL, `SELECT verified_at > now() - interval '1 minute' FROM resident_attributes WHERE resident_id = '${resident}'`);
    return [a.name, a.address, a.sakai_resident, a.sakai_ward, fresh === 't'].join('|');
  };

  test('a Sakai resident: verified attributes (birth date and gender decoded), sakai_resident and the ward', async () => {
    const tx2 = loginTx();
    const e = card('sakai-taro', (await challenge(tx2, 'both')).body.link);
    assert.equal(e.status, 0, e.stderr);
    assert.deepEqual(e.body, { status: 'authenticated', new_resident: false, enrolled: true });
    assert.equal(attrs(residentOf(tx2)), '堺 太郎|大阪府堺市堺区南瓦町３番１号|true|堺区|true');
    const opened = openRow(env, 'resident_attributes', RESIDENT_COLUMNS, residentOf(tx2));
    assert.match(opened.birth_date, /^\d{4}-\d{2}-\d{2}$/, 'OpenID Connect Core §5.1: YYYY-MM-DD, not the card\'s EYYYYMMDD');
    assert.match(opened.birth_date_raw, /^[1-5]\d{8}$/, 'the certificate\'s own code is kept beside it');
    assert.match(opened.gender, /^(female|male)$/);
  });

  test('a resident outside Sakai is verified but not a Sakai resident', async () => {
    const tx = loginTx();
    const e = card('osaka-jiro', (await challenge(tx, 'both')).body.link);
    assert.equal(e.status, 0, e.stderr);
    assert.equal(e.body.enrolled, true);
    assert.equal(attrs(residentOf(tx)), '大阪 次郎|大阪府大阪市北区中之島１丁目３番２０号|false||true');
  });

  test('a duplicated attribute is malformed, and nothing is written', async () => {
    const tx = loginTx();
    const dup = card('dup-attr', (await challenge(tx, 'both')).body.link);
    assert.equal(dup.status, 1);
    assert.equal(dup.body.reason, 'malformed');
    assert.equal(residentOf(tx), '', 'the authentication key alone signed nobody in');
  });
});

describe('bad input and limits', () => {
  const post = (path, body, headers = { 'content-type': 'application/json' }) =>
    fetch(`${srv.url}${path}`, { method: 'POST', headers, body });

  test('unknown or expired login transactions, bad JSON, wrong content type, oversized bodies', async () => {
    assert.equal((await challenge('no-such-tx')).status, 400);
    assert.equal((await post('/login/card/challenge', '{"login_tx":')).status, 400);
    assert.equal((await post('/login/card/challenge', '{"login_tx":"a","login_tx":"b"}')).status, 400);
    assert.equal((await post('/login/card/challenge', 'login_tx=a', { 'content-type': 'application/x-www-form-urlencoded' })).status, 415);
    assert.equal((await post('/login/card/verify', JSON.stringify({ challenge_id: 'x', certificate: 'A'.repeat(20000) }))).status, 413);
    const tx = loginTx();
    psql(env.SAKAID_DATABASE_URL, `UPDATE login_transactions SET expires_at = now() - interval '1 second' WHERE id = '${tx}'`);
    assert.equal((await challenge(tx)).status, 400);
  });

  test('verify rejects malformed fields without spending anything else', async () => {
    const c = await challenge(loginTx());
    const bad = [
      {},
      { challenge_id: c.body.challenge_id, cert_type: 'auth', certificate: '!!!', signature: 'AAAA' },
      { challenge_id: c.body.challenge_id, cert_type: 'other', certificate: 'AAAA', signature: 'AAAA' },
      { challenge_id: 'unknown', cert_type: 'auth', certificate: 'AAAA', signature: 'AAAA' },
    ];
    for (const b of bad) {
      const r = await post('/login/card/verify', JSON.stringify(b));
      assert.equal(r.status, 400, JSON.stringify(b));
    }
    assert.ok(srv.alive());
  });

  test('challenges per login transaction are limited', async () => {
    const tx = loginTx();
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await challenge(tx)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
  });

  test('card requests per client address are limited', async () => {
    const { freePort } = await import('./lib/harness.mjs');
    const env2 = { ...env, SAKAID_PORT: String(await freePort()) };
    env2.SAKAID_CONFIG = writeConfig(tempDir(), {
      jpki: { auth_roots: join(material, 'roots', 'auth.pem'), sign_roots: join(material, 'roots', 'sign.pem'), crl_dir: join(material, 'crl'), rate_per_minute: 3 },
    });
    const node2 = await startServer(env2);
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${node2.url}/login/card/challenge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login_tx: loginTx() }) });
      statuses.push(r.status);
      if (r.status === 429) assert.equal(r.headers.get('retry-after'), '60');
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  });

  test('test roots are refused outside dev mode', async () => {
    const { runSakaid } = await import('./lib/harness.mjs');
    const r = runSakaid({ ...env, SAKAID_DEV_MODE: '0' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /JPKI-TEST/);
  });

  test('/metrics counts card verifications by reason', async () => {
    const text = await (await fetch(`${srv.metricsUrl}/metrics`)).text();
    const n = (reason) => Number((text.match(new RegExp(`sakaid_card_verifications_total\\{reason="${reason}"\\} (\\d+)`)) || [])[1]);
    assert.ok(n('ok') >= 10);
    for (const reason of ['revoked', 'expired', 'unknown_issuer', 'policy_missing', 'weak_key', 'malformed']) assert.ok(n(reason) >= 1, reason);
    assert.equal(n('bad_signature'), 0);
    // the CRL files' age, and how long until the first runs out (the test CA's CRLs: 30 days; docs/deployment.md "Alerts")
    const gauge = (name) => Number(new RegExp(`^${name} (-?\\d+)$`, 'm').exec(text)?.[1]);
    assert.ok(gauge('sakaid_revocation_crl_issuers') >= 2, 'the authentication and signing CAs');
    assert.ok(gauge('sakaid_revocation_crl_age_seconds') >= 0);
    const left = gauge('sakaid_revocation_crl_expires_in_seconds');
    assert.ok(left > 20 * 86400 && left <= 30 * 86400, `${left} s until the first nextUpdate`);
  });

  test('sakaid-card lists the test cards', () => {
    const r = spawnSync(join(BIN, 'sakaid-card'), ['--dir', join(material, 'cards'), 'list'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    for (const name of readdirSync(join(material, 'cards'))) assert.match(r.stdout, new RegExp(name));
    assert.match(r.stdout, /堺 太郎/);
  });
});
