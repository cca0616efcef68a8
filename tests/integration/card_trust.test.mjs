// Trust II (issue #15 items 1-7): revocation fails closed, the certificate
// profile, trust anchors pinned by key. Every case is minted by
// keys/jpki-test-ca and goes through real HTTP and sakaid-card. One provider
// serves the revocation cases: each case's CRLs are put into its jpki.crl_dir,
// which it re-reads when the directory changed (checked at most once a
// second). Login transactions are inserted directly, as in card.test.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { addClient, BIN, cleanup, provision, psql, runSakaid, startServer, tempDir, writeConfig } from './lib/harness.mjs';
import { jpkiMaterial, startProvider } from './lib/flow.mjs';

let material, crlDir, p, client;

before(async () => {
  material = jpkiMaterial();
  crlDir = tempDir();
  p = await startProvider({ jpki: { crl_dir: crlDir } });
  client = addClient(p.env, ['--client-name', 'Portal', '--redirect-uris', 'https://portal.example/cb', '--tier', 'city']);
});
after(cleanup);

/** Makes the provider's CRL directory hold exactly @p files (paths under the material). */
async function useCrls(...files) {
  for (const f of readdirSync(crlDir)) rmSync(join(crlDir, f));
  for (const f of files) copyFileSync(join(material, f), join(crlDir, f.replaceAll('/', '_')));
  // The directory is checked at most once a second, on a verification: the next one after this
  // pause sees the new listing (only this test's requests verify cards on this provider).
  await new Promise((r) => setTimeout(r, 1100));
}
const crlCase = (name) => readdirSync(join(material, 'crl-cases', name)).map((f) => `crl-cases/${name}/${f}`);
const completeCrls = () => readdirSync(join(material, 'crl')).map((f) => `crl/${f}`);

function loginTx() {
  const id = randomBytes(12).toString('base64url');
  psql(p.env.SAKAID_DATABASE_URL, `INSERT INTO login_transactions (id, client_id, redirect_uri, oidc_nonce, expires_at)
    VALUES ('${id}', '${client.client_id}', 'https://portal.example/cb', 'nonce-${id}', now() + interval '10 minutes')`);
  return id;
}

async function challenge(tx) {
  const r = await fetch(`${p.url}/login/card/challenge`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login_tx: tx, purpose: 'auth' }),
  });
  assert.equal(r.status, 200);
  return r.json();
}

const residentOf = (tx) => psql(p.env.SAKAID_DATABASE_URL, `SELECT coalesce(resident_id, '') FROM login_transactions WHERE id = '${tx}'`);

/** @p name signs a fresh challenge with sakaid-card: {status, body, tx, challengeId}. */
async function signIn(name) {
  const tx = loginTx();
  const c = await challenge(tx);
  const r = spawnSync(join(BIN, 'sakaid-card'), ['--dir', p.cards, 'sign', '--card', name, c.link], { encoding: 'utf8' });
  let body;
  try {
    body = JSON.parse(r.stdout);
  } catch {
    body = undefined;
  }
  return { status: r.status, body, stderr: r.stderr, tx, challengeId: c.challenge_id };
}

/** The reason @p name is refused with (and that nobody signed in), or 'ok' when it signs in. */
async function outcome(name) {
  const r = await signIn(name);
  if (r.status === 0) {
    assert.equal(r.body.status, 'authenticated', name);
    return 'ok';
  }
  assert.equal(r.status, 1, `${name}: ${r.stderr}`);
  assert.equal(r.body.error, 'card_rejected', `${name}: ${r.stderr}`);
  assert.equal(residentOf(r.tx), '', `${name}: nobody signed in`);
  return r.body.reason;
}

async function metric(reason) {
  const text = await (await fetch(`${p.srv.metricsUrl}/metrics`)).text();
  return Number((text.match(new RegExp(`sakaid_card_verifications_total\\{reason="${reason}"\\} (\\d+)`)) || [])[1]);
}

async function statusOf(challengeId, lang) {
  const r = await fetch(`${p.url}/login/card/status?challenge_id=${challengeId}`, { headers: { 'accept-language': lang } });
  return r.json();
}

describe('revocation fails closed', () => {
  test('item 1: a current delta CRL on a stale complete CRL is not enough; a current delta on a current one is combined', async () => {
    await useCrls(...crlCase('delta-stale-base'));
    // The complete CRL that lists the revoked card has passed its nextUpdate; the delta lists nothing.
    assert.equal(await outcome('revoked'), 'revocation_unknown');
    assert.equal(await outcome('sakai-taro'), 'revocation_unknown');
    await useCrls('crl-cases/delta-stale-base/delta.crl');
    assert.equal(await outcome('sakai-taro'), 'revocation_unknown', 'a delta alone');
    await useCrls(...crlCase('delta'));
    assert.equal(await outcome('delta-revoked'), 'revoked', 'revoked in the delta');
    assert.equal(await outcome('revoked'), 'revoked', 'revoked in the complete CRL');
    assert.equal(await outcome('sakai-taro'), 'ok');
  });

  test('item 2: an ARL, a CRL for some reasons only, an indirect CRL and a partition are not evidence for a card', async () => {
    for (const c of ['arl', 'some-reasons', 'indirect', 'partition']) {
      await useCrls(...crlCase(c));
      assert.equal(await outcome('sakai-taro'), 'revocation_unknown', c);
    }
    assert.equal(await outcome('partition-7'), 'ok', 'the partition covers the card that names it');
    await useCrls(...crlCase('arl'), ...completeCrls());
    assert.equal(await outcome('sakai-taro'), 'ok', 'the complete CRL decides, not the ARL');
    await useCrls(...crlCase('user-only'));
    assert.equal(await outcome('sakai-taro'), 'ok', 'onlyContainsUserCerts covers cards');
    assert.equal(await outcome('revoked'), 'revoked');
  });

  test('item 3: a CRL with an unrecognised critical extension is not used, not even for what it lists', async () => {
    await useCrls(...crlCase('critical-ext'));
    assert.equal(await outcome('revoked'), 'revocation_unknown');
    assert.equal(await outcome('sakai-taro'), 'revocation_unknown');
    await useCrls(...crlCase('noncritical-ext'));
    assert.equal(await outcome('revoked'), 'revoked', 'the same extension, not critical, is ignored');
    assert.equal(await outcome('sakai-taro'), 'ok');
  });

  test('item 4: no usable CRL: revocation_unknown, counted, and the resident is told the service cannot check cards now', async () => {
    await useCrls(...crlCase('stale'));
    const before = await metric('revocation_unknown');
    const r = await signIn('kita-hanako');
    assert.equal(r.status, 1);
    assert.equal(r.body.reason, 'revocation_unknown');
    assert.equal(residentOf(r.tx), '');
    // Japanese by default: the service cannot check now, and the card is not at fault
    assert.match(r.body.message, /確認できない/);
    assert.match(r.body.message, /カードに問題があるという意味ではありません/);
    // the login page polls the status and shows its message
    const en = await statusOf(r.challengeId, 'en');
    assert.equal(en.status, 'failed');
    assert.equal(en.reason, 'revocation_unknown');
    assert.match(en.message, /cannot check cards right now/);
    assert.match(en.message, /does not mean that anything is wrong with your card/);
    assert.doesNotMatch(en.message, /revoked|expired|renew|not valid/i);
    await useCrls();
    assert.equal(await outcome('sakai-taro'), 'revocation_unknown', 'no CRL at all');
    assert.equal(await metric('revocation_unknown'), before + 2);
  });
});

describe('the certificate profile', () => {
  before(() => useCrls(...completeCrls()));

  test('item 5: an authentication certificate without keyUsage is refused', async () => {
    const before = await metric('bad_key_usage');
    const r = await signIn('no-key-usage');
    assert.equal(r.status, 1, 'refused');
    assert.equal(r.body.reason, 'bad_key_usage');
    assert.equal(residentOf(r.tx), '');
    assert.equal(await metric('bad_key_usage'), before + 1);
    assert.equal(await outcome('sakai-taro'), 'ok', 'a card with keyUsage digitalSignature still signs in');
  });

  test('item 7: a certificate not valid yet gets its own reason and message, not "expired, renew your card"', async () => {
    const before = await metric('not_yet_valid');
    const r = await signIn('not-yet-valid');
    assert.equal(r.status, 1);
    assert.equal(r.body.reason, 'not_yet_valid');
    assert.doesNotMatch(r.body.message, /更新してください|有効期限が切れています/);
    const en = await statusOf(r.challengeId, 'en');
    assert.equal(en.reason, 'not_yet_valid');
    assert.match(en.message, /not valid yet/);
    assert.doesNotMatch(en.message, /expired|renew it/);
    assert.equal(await metric('not_yet_valid'), before + 1);
    assert.equal(await outcome('expired'), 'expired', 'an expired card is still "expired"');
  });
});

describe('trust anchors are pinned by key (item 6)', () => {
  const anchors = () => JSON.parse(readFileSync(join(material, 'roots', 'anchors.json'), 'utf8'));
  const hex = (b64url) => Buffer.from(b64url, 'base64url').toString('hex');
  const jpki = (extra) => ({
    auth_roots: join(material, 'roots', 'auth-bmp.pem'),
    sign_roots: join(material, 'roots', 'sign-bmp.pem'),
    crl_dir: join(material, 'crl'),
    ...extra,
  });
  // A production start (dev mode off); @p serve provisions what serving needs (refusals stop before it).
  const production = async (config, serve = false) => {
    const env = await provision(serve ? {} : { keys: false, migrate: false });
    return { ...env, SAKAID_DEV_MODE: '0', SAKAID_CONFIG: writeConfig(tempDir(), { jpki: config }) };
  };

  test('the test CA\'s roots with O=JPKI-TEST as a BMPString: refused without dev mode, by key; trusted in dev mode', async () => {
    const a = anchors();
    let r = runSakaid(await production(jpki()));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /"jpki\.auth_roots"/);
    assert.match(r.stderr, /test CA/);
    assert.ok(r.stderr.includes(a['auth-bmp']), 'the message names the key');
    // listed as anchors (the same keys as the g2023 roots): refused before any root is read
    r = runSakaid(await production(jpki({ auth_anchors: [a['auth-bmp']], sign_anchors: [a['sign-bmp']] })));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /"jpki\.auth_anchors" lists/);
    assert.ok(r.stderr.includes(a['auth-bmp']));
    assert.match(r.stderr, /test CA/);
    // in hex too
    r = runSakaid(await production(jpki({ auth_anchors: [hex(a['auth-g2023'])] })));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /"jpki\.auth_anchors" lists/);
    // dev mode: the test CA's keys are anchors without being listed; a g2023 card chains to the BMPString root
    const env = await provision();
    env.SAKAID_DEV_MODE = '1';
    env.SAKAID_CONFIG = writeConfig(tempDir(), { jpki: jpki() });
    const dev = await startServer(env);
    const portal = addClient(env, ['--client-name', 'Portal', '--redirect-uris', 'https://portal.example/cb', '--tier', 'city']);
    const id = randomBytes(12).toString('base64url');
    psql(env.SAKAID_DATABASE_URL, `INSERT INTO login_transactions (id, client_id, redirect_uri, oidc_nonce, expires_at)
      VALUES ('${id}', '${portal.client_id}', 'https://portal.example/cb', 'n', now() + interval '10 minutes')`);
    const c = await (await fetch(`${dev.url}/login/card/challenge`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login_tx: id, purpose: 'auth' }),
    })).json();
    const s = spawnSync(join(BIN, 'sakaid-card'), ['--dir', join(material, 'cards'), 'sign', '--card', 'sakai-taro', c.link], { encoding: 'utf8' });
    assert.equal(s.status, 0, s.stderr);
  });

  test('a production start pins roots by their SPKI SHA-256 (base64url or hex): unlisted roots are refused', async () => {
    const a = anchors();
    const staging = (extra) => ({
      auth_roots: join(material, 'roots', 'staging-auth.pem'),
      sign_roots: join(material, 'roots', 'staging-sign.pem'),
      crl_dir: join(material, 'crl'),
      ...extra,
    });
    let r = runSakaid(await production(staging()));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /"jpki\.auth_roots"/);
    assert.ok(r.stderr.includes(a['staging-auth']));
    assert.match(r.stderr, /"jpki\.auth_anchors" does not list/);
    r = runSakaid(await production(staging({ auth_anchors: [a['staging-auth']] })));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /"jpki\.sign_anchors" does not list/);
    // an anchor whose root is missing
    r = runSakaid(await production(staging({ auth_anchors: [a['staging-auth'], a['staging-sign']], sign_anchors: [a['staging-sign']] })));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /"jpki\.auth_anchors" lists .* but no root/);
    // a malformed digest names the key
    r = runSakaid(await production(staging({ auth_anchors: ['not-a-digest'] })));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /"jpki\.auth_anchors" has "not-a-digest"/);
    // listed: it starts
    const srv = await startServer(await production(staging({ auth_anchors: [hex(a['staging-auth'])], sign_anchors: [a['staging-sign']] }), true));
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
    assert.equal(await srv.stop(), 0);
  });
});

describe('material for renewal by re-verification (issue #15 item 10)', () => {
  before(() => useCrls(...completeCrls()));

  test('kita-hanako-renewed and kita-hanako-twin have both certificates, sign in, and are not in linkage.csv', async () => {
    for (const name of ['kita-hanako-renewed', 'kita-hanako-twin']) {
      for (const f of ['auth.pem', 'auth.key', 'sign.pem', 'sign.key', 'card.json']) {
        assert.ok(readdirSync(join(material, 'cards', name)).includes(f), `${name}/${f}`);
      }
      assert.equal(await outcome(name), 'ok', name);
    }
    const serial = (name) => spawnSync('openssl', ['x509', '-in', join(material, 'cards', name, 'auth.pem'), '-noout', '-serial'],
      { encoding: 'utf8' }).stdout.trim().split('=')[1];
    const linkage = readFileSync(join(material, 'linkage.csv'), 'utf8');
    assert.ok(!linkage.includes(serial('kita-hanako-renewed')));
    assert.notEqual(serial('kita-hanako-renewed'), serial('kita-hanako'));
  });
});
