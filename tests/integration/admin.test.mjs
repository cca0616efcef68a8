// sakaid-admin client round trips and bad input (issue #2 §5, §6).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import {
  addClient, admin, adminAsync, basic, BIN, cleanup, freePort, provision, psql, startServer, tempDir, tokenRequest, waitFor,
} from './lib/harness.mjs';
import { Agent, authRequest, completeLogin, oidc, rp, startProvider } from './lib/flow.mjs';

let env, srv;
before(async () => {
  env = await provision();
  srv = await startServer(env);
});
after(cleanup);

// Issue #20: after ./scripts/run, sakaid-admin run from the same directory finds the embedded PostgreSQL by itself,
// through <data_dir>/database.url (mode 0600) that scripts/run writes, as the README says.
test('sakaid-admin finds the database through data_dir/database.url, as after ./scripts/run', () => {
  const known = addClient(env, ['--client-name', 'Found', '--redirect-uris', 'https://found.example/cb']).client_id;
  const root = tempDir();
  symlinkSync(env.SAKAID_DATA_DIR, join(root, 'var')); // the repository root holds var/, the default data_dir
  const rest = { ...process.env };
  for (const k of ['SAKAID_DATABASE_URL', 'SAKAID_DATA_DIR', 'SAKAID_CONFIG', 'SAKAID_KEK_FILE']) delete rest[k];
  const run = () => spawnSync(join(BIN, 'sakaid-admin'), ['--json', 'client', 'list'], { cwd: root, env: rest, encoding: 'utf8' });
  let r = run();
  assert.notEqual(r.status, 0, 'no file, no URL');
  assert.match(r.stderr, /database\.url/);
  const file = join(env.SAKAID_DATA_DIR, 'database.url');
  writeFileSync(file, `${env.SAKAID_DATABASE_URL}\n`, { mode: 0o600 });
  try {
    r = run();
    assert.equal(r.status, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).some((c) => c.client_id === known), 'the README\'s command, as written');
    chmodSync(file, 0o644); // it holds the cluster's password
    r = run();
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /chmod 600/);
  } finally {
    unlinkSync(file);
  }
});

test('migrate is idempotent', () => {
  const r = admin(env, ['migrate']).json;
  assert.equal(r.from, r.to);
  assert.ok(r.to >= 1);
  assert.equal(psql(env.SAKAID_DATABASE_URL, 'SELECT count(*) FROM schema_migrations'), String(r.to));
});

test('every foreign key has an index leading with its columns (a cascade from a removed row never reads a whole table)', () => {
  // login_transactions is exempt (migration 0009): its rows are swept an hour after their ten minutes.
  const missing = psql(env.SAKAID_DATABASE_URL, `
    SELECT c.conrelid::regclass || '(' || string_agg(a.attname, ',' ORDER BY k.n) || ')'
    FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY k (attnum, n)
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
    WHERE c.contype = 'f' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid
      AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)
    GROUP BY c.oid, c.conrelid ORDER BY 1`).split('\n').filter(Boolean);
  assert.deepEqual(missing, ['login_transactions(client_id)', 'login_transactions(renew_resident)', 'login_transactions(resident_id)']);
});

test('client add: DCR names, defaults, a 256-bit secret shown once and stored only as a hash', () => {
  const c = addClient(env, [
    '--client-name', 'City portal', '--redirect-uris', 'https://portal.city.example/cb,http://127.0.0.1:3000/cb',
    '--post-logout-redirect-uris', 'https://portal.city.example/bye', '--backchannel-logout-uri', 'https://portal.city.example/bcl',
    '--tier', 'city', '--default-acr-values', 'urn:sakai-d:acr:card', '--purpose-ja', '市のポータルへのログイン',
    '--purpose-en', 'Sign in to the city portal', '--scope', 'openid profile',
  ]);
  assert.match(c.client_id, /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/, '16 random bytes, base64url, starting with a letter or digit');
  assert.match(c.client_secret, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  assert.equal(c.client_secret_expires_at, 0);
  assert.equal(typeof c.client_id_issued_at, 'number');
  assert.deepEqual(c.redirect_uris, ['https://portal.city.example/cb', 'http://127.0.0.1:3000/cb']);
  assert.equal(c.token_endpoint_auth_method, 'client_secret_basic');
  assert.deepEqual(c.grant_types, ['authorization_code']);
  assert.deepEqual(c.response_types, ['code']);
  assert.equal(c.require_pkce, true);
  assert.equal(c.subject_type, 'public', 'city clients get public subject identifiers');
  assert.equal(c.purpose_ja, '市のポータルへのログイン');
  // Stored: the SHA-256 of the secret, never the secret.
  const row = psql(env.SAKAID_DATABASE_URL, `SELECT encode(secret_hash, 'hex'), metadata::text FROM clients WHERE client_id = '${c.client_id}'`);
  assert.ok(!row.includes(c.client_secret));
  assert.equal(row.split('|')[0], createHash('sha256').update(c.client_secret).digest('hex'));
  // show and list never reveal it again.
  const shown = admin(env, ['client', 'show', c.client_id]).json;
  assert.equal(shown.client_secret, undefined);
  assert.equal(shown.client_name, 'City portal');
  const listed = admin(env, ['client', 'list']).json;
  assert.ok(listed.some((x) => x.client_id === c.client_id));
  assert.ok(listed.every((x) => x.client_secret === undefined));
  // Text mode is readable too.
  const text = admin(env, ['client', 'show', c.client_id], { json: false }).stdout;
  assert.match(text, /client_name: City portal/);
});

test('partner clients default to pairwise subjects; public subjects are for city clients only', () => {
  const p = addClient(env, ['--client-name', 'Partner', '--redirect-uris', 'https://partner.example/cb']);
  assert.equal(p.tier, 'partner');
  assert.equal(p.subject_type, 'pairwise');
  const r = admin(env, ['client', 'add', '--client-name', 'P', '--redirect-uris', 'https://p.example/cb', '--subject-type', 'public'], { expectExit: 2 });
  assert.match(r.json.error_description, /^subject_type/);
});

test('update merges flags, re-validates, and --unset removes fields', () => {
  const c = addClient(env, ['--client-name', 'Before', '--redirect-uris', 'https://a.example/cb', '--purpose-en', 'x']);
  const u = admin(env, ['client', 'update', c.client_id, '--client-name', 'After', '--redirect-uris', 'https://a.example/cb2', '--unset', 'purpose-en']).json;
  assert.equal(u.client_name, 'After');
  assert.deepEqual(u.redirect_uris, ['https://a.example/cb2'], 'a list flag replaces the stored list');
  assert.equal(u.purpose_en, undefined);
  assert.equal(u.client_secret, undefined, 'the secret is not shown again');
  // An invalid update changes nothing.
  const bad = admin(env, ['client', 'update', c.client_id, '--redirect-uris', 'http://evil.example/cb'], { expectExit: 2 });
  assert.equal(bad.json.error, 'invalid_redirect_uri');
  assert.deepEqual(admin(env, ['client', 'show', c.client_id]).json.redirect_uris, ['https://a.example/cb2']);
});

test('a client id that starts with "-" or "--" (issued before ids stopped doing so) is an id, not an option', () => {
  // Fixed prefixes, so that the test never depends on the characters a random id happens to have.
  for (const prefix of ['-A', '--']) {
    const c = addClient(env, ['--client-name', 'Old', '--redirect-uris', 'https://old.example/cb']);
    const legacy = `${prefix}${c.client_id.slice(2)}`;
    psql(env.SAKAID_DATABASE_URL, `UPDATE clients SET client_id = '${legacy}' WHERE client_id = '${c.client_id}'`);
    const u = admin(env, ['client', 'update', legacy, '--client-name', 'Still here']).json;
    assert.equal(u.client_id, legacy);
    assert.equal(u.client_name, 'Still here');
    assert.equal(admin(env, ['client', 'show', legacy]).json.client_name, 'Still here');
    assert.equal(psql(env.SAKAID_DATABASE_URL, `SELECT count(*) FROM audit_events
      WHERE event = 'admin_action' AND detail->>'action' = 'update' AND detail->>'target' = '${legacy}'`), '1');
    admin(env, ['client', 'remove', legacy]);
    assert.equal(psql(env.SAKAID_DATABASE_URL, `SELECT count(*) FROM clients WHERE client_id = '${legacy}'`), '0');
  }
  // A forgotten id: the flag's value is an unexpected argument, or the flag is looked up as an id and named.
  const r = admin(env, ['client', 'update', '--client-name', 'x'], { expectExit: 2 });
  assert.match(r.json.error_description, /unexpected argument "x"/);
  const n = admin(env, ['client', 'update', '--client-name'], { expectExit: null });
  assert.notEqual(n.status, 0);
  assert.match(n.json.error_description, /no client --client-name \(CLIENT_ID comes first\)/);
});

test('rotate-secret: the new secret works at /token and the old one stops working', async () => {
  const c = addClient(env, ['--client-name', 'Svc', '--grant-types', 'client_credentials']);
  const ok = await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(c.client_id, c.client_secret) });
  assert.equal(ok.status, 200);
  const r = admin(env, ['client', 'rotate-secret', c.client_id]).json;
  assert.equal(r.client_id, c.client_id);
  assert.notEqual(r.client_secret, c.client_secret);
  // the node's client cache hears of the change by NOTIFY, milliseconds after the commit
  await waitFor(async () => (await cc(c.client_id, c.client_secret)).status === 401, { timeout: 2000, interval: 20 });
  const fresh = await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(c.client_id, r.client_secret) });
  assert.equal(fresh.status, 200);
});

const cc = (id, secret) => tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(id, secret) });
const lookups = async () => Object.fromEntries([...(await (await fetch(`${srv.metricsUrl}/metrics`)).text())
  .matchAll(/^sakaid_client_lookups_total\{source="(\w+)"\} (\d+)$/gm)].map(([, k, v]) => [k, Number(v)]));

test('clients are cached on the node and dropped on every change (NOTIFY); nothing is cached while the node cannot listen', async () => {
  const c = addClient(env, ['--client-name', 'Cached', '--grant-types', 'client_credentials']);
  assert.equal((await cc(c.client_id, c.client_secret)).status, 200);
  const before = await lookups();
  for (let i = 0; i < 5; i++) assert.equal((await cc(c.client_id, c.client_secret)).status, 200);
  const warm = await lookups();
  assert.ok(warm.cache - before.cache >= 5, `served from the cache: ${JSON.stringify([before, warm])}`);
  assert.equal(warm.database, before.database, 'no database lookup for a cached client');

  // a change made with plain SQL is announced by the trigger too (metadata that still validates)
  psql(env.SAKAID_DATABASE_URL, `UPDATE clients SET metadata = metadata || '{"grant_types": ["authorization_code"],
    "response_types": ["code"], "redirect_uris": ["https://cached.example/cb"]}' WHERE client_id = '${c.client_id}'`);
  await waitFor(async () => (await cc(c.client_id, c.client_secret)).status === 400, { timeout: 2000, interval: 20 });
  assert.equal((await cc(c.client_id, c.client_secret)).body.error, 'unauthorized_client');
  psql(env.SAKAID_DATABASE_URL, `UPDATE clients SET metadata = metadata || '{"grant_types": ["client_credentials"],
    "response_types": []}' WHERE client_id = '${c.client_id}'`);
  await waitFor(async () => (await cc(c.client_id, c.client_secret)).status === 200, { timeout: 2000, interval: 20 });
  // metadata written around sakaid-admin that no longer validates is refused, not used (issue #16 §4)
  psql(env.SAKAID_DATABASE_URL, `UPDATE clients SET metadata = metadata || '{"no_such_field": 1}'
    WHERE client_id = '${c.client_id}'`);
  await waitFor(async () => (await cc(c.client_id, c.client_secret)).status === 500, { timeout: 2000, interval: 20 });
  assert.equal((await cc(c.client_id, c.client_secret)).body.error, 'server_error');
  psql(env.SAKAID_DATABASE_URL, `UPDATE clients SET metadata = metadata - 'no_such_field' WHERE client_id = '${c.client_id}'`);
  await waitFor(async () => (await cc(c.client_id, c.client_secret)).status === 200, { timeout: 2000, interval: 20 });

  // the listening connection goes away: until it listens again nothing is served from the cache
  psql(env.SAKAID_DATABASE_URL, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = 'sakaid-listen' AND datname = current_database()`);
  const rotated = admin(env, ['client', 'rotate-secret', c.client_id]).json;
  await waitFor(async () => (await cc(c.client_id, c.client_secret)).status === 401, { timeout: 2000, interval: 20 });
  assert.equal((await cc(c.client_id, rotated.client_secret)).status, 200);
  await waitFor(() => psql(env.SAKAID_DATABASE_URL, `SELECT count(*) FROM pg_stat_activity
    WHERE application_name = 'sakaid-listen' AND datname = current_database()`) === '1', { timeout: 5000, interval: 50 });

  admin(env, ['client', 'remove', c.client_id]);
  await waitFor(async () => (await cc(c.client_id, rotated.client_secret)).status === 401, { timeout: 2000, interval: 20 });
});

test('public clients have no secret; switching auth methods adds or drops it', () => {
  const p = addClient(env, ['--client-name', 'SPA', '--redirect-uris', 'https://spa.example/cb', '--token-endpoint-auth-method', 'none']);
  assert.equal(p.client_secret, undefined);
  assert.equal(admin(env, ['client', 'rotate-secret', p.client_id], { expectExit: 2 }).json.error, 'invalid_request');
  const conf = admin(env, ['client', 'update', p.client_id, '--token-endpoint-auth-method', 'client_secret_post']).json;
  assert.match(conf.client_secret, /^[A-Za-z0-9_-]{43}$/);
  const back = admin(env, ['client', 'update', p.client_id, '--token-endpoint-auth-method', 'none']).json;
  assert.equal(back.client_secret, undefined);
  assert.equal(psql(env.SAKAID_DATABASE_URL, `SELECT secret_hash IS NULL FROM clients WHERE client_id = '${p.client_id}'`), 't');
});

test('--metadata from stdin, with flags on top', () => {
  const meta = { client_name: 'From JSON', redirect_uris: ['https://j.example/cb'], contacts: ['ops@j.example'] };
  const c = admin(env, ['client', 'add', '--metadata', '-', '--client-name', 'Flag wins'], { input: JSON.stringify(meta) }).json;
  assert.equal(c.client_name, 'Flag wins');
  assert.deepEqual(c.contacts, ['ops@j.example']);
});

test('remove', () => {
  const c = addClient(env, ['--client-name', 'Gone', '--redirect-uris', 'https://g.example/cb']);
  assert.deepEqual(admin(env, ['client', 'remove', c.client_id]).json, { client_id: c.client_id, removed: true });
  assert.equal(admin(env, ['client', 'show', c.client_id], { expectExit: 1 }).json.error, 'not_found');
  assert.equal(admin(env, ['client', 'remove', c.client_id], { expectExit: 1 }).json.error, 'not_found');
});

// Each bad input: exit status, error code, and a message that starts with the field it is about.
const bad = [
  [['--client-name', 'x', '--redirect-uris', 'http://rp.example/cb'], 'invalid_redirect_uri', /^redirect_uris\[0\]: .*https/],
  [['--client-name', 'x', '--redirect-uris', 'https://rp.example/cb#frag'], 'invalid_redirect_uri', /^redirect_uris\[0\]: .*fragment/],
  [['--client-name', 'x', '--redirect-uris', 'https://*.rp.example/cb'], 'invalid_redirect_uri', /^redirect_uris\[0\]: .*wildcard/],
  [['--client-name', 'x', '--redirect-uris', '/relative/cb'], 'invalid_redirect_uri', /^redirect_uris\[0\]/],
  [['--client-name', 'x', '--redirect-uris', 'https://user:pw@rp.example/cb'], 'invalid_redirect_uri', /^redirect_uris\[0\]/],
  [['--client-name', 'x'], 'invalid_redirect_uri', /^redirect_uris: required/],
  [['--redirect-uris', 'https://rp.example/cb'], 'invalid_client_metadata', /^client_name/],
  [['--client-name', 'x', '--redirect-uris', 'https://rp.example/cb', '--post-logout-redirect-uris', 'http://rp.example/bye'], 'invalid_redirect_uri', /^post_logout_redirect_uris\[0\]/],
  [['--client-name', 'x', '--redirect-uris', 'https://rp.example/cb', '--tier', 'gold'], 'invalid_client_metadata', /^tier: /],
  [['--client-name', 'x', '--redirect-uris', 'https://rp.example/cb', '--token-endpoint-auth-method', 'magic'], 'invalid_client_metadata', /^token_endpoint_auth_method: /],
  [['--client-name', 'x', '--grant-types', 'client_credentials', '--token-endpoint-auth-method', 'none'], 'invalid_client_metadata', /^grant_types: /],
  [['--client-name', 'x', '--redirect-uris', 'https://rp.example/cb', '--token-endpoint-auth-method', 'none', '--require-pkce', 'false'], 'invalid_client_metadata', /^require_pkce: /],
  [['--client-name', 'x', '--redirect-uris', 'https://rp.example/cb', '--require-pkce', 'maybe'], 'invalid_request', /^--require-pkce: /],
  [['--client-name', 'x', '--redirect-uris', 'https://rp.example/cb', '--jwks-uri', 'https://rp.example/jwks', '--jwks', '{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]}'], 'invalid_client_metadata', /^jwks: /],
  [['--client-name', 'x', '--redirect-uris', 'https://rp.example/cb', '--jwks', '{"keys":[{"kty":"RSA","n":"a","e":"AQAB","d":"secret"}]}'], 'invalid_client_metadata', /^jwks\.keys\[0\]: .*private/],
  [['--client-name', 'x', '--redirect-uris', 'https://rp.example/cb', '--no-such-field', 'y'], 'invalid_request', /^--no-such-field: unknown/],
  [['--client-name', 'x', '--redirect-uris', 'https://rp.example/cb', '--default-acr-values', 'gold'], 'invalid_client_metadata', /^default_acr_values\[0\]: /],
];
for (const [flags, code, message] of bad) {
  test(`client add rejects ${flags.slice(2).join(' ') || flags.join(' ')}`, () => {
    const r = admin(env, ['client', 'add', ...flags], { expectExit: 2 });
    assert.equal(r.json.error, code);
    assert.match(r.json.error_description, message);
    assert.match(r.stderr, /^sakaid-admin: /);
  });
}

test('nothing half-written after rejected input', () => {
  const before = psql(env.SAKAID_DATABASE_URL, 'SELECT count(*) FROM clients');
  admin(env, ['client', 'add', '--client-name', 'x', '--redirect-uris', 'http://rp.example/cb'], { expectExit: 2 });
  assert.equal(psql(env.SAKAID_DATABASE_URL, 'SELECT count(*) FROM clients'), before);
});

test('usage errors and an unreachable database', () => {
  assert.equal(admin(env, ['frobnicate'], { expectExit: 2 }).status, 2);
  assert.equal(admin(env, ['client', 'show'], { expectExit: 2 }).status, 2);
  assert.equal(admin(env, ['--bogus', 'client', 'list'], { expectExit: 2 }).status, 2);
  const down = admin({ ...env, SAKAID_DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' }, ['client', 'list'], { expectExit: 1 });
  assert.equal(down.json.error, 'temporarily_unavailable');
  assert.doesNotMatch(down.stderr, /password/);
  const help = admin(env, ['--help'], { json: false });
  assert.match(help.stdout, /--redirect-uris/);
  assert.match(help.stdout, /client update CLIENT_ID .*\[--force-sector-change\]/);
  assert.match(help.stdout, /sector_identifier_uri \(OpenID Connect Core 8\.1\): client add and client update fetch it/);
});

// ---- sector_identifier_uri (issue #14 item 12; OpenID Connect Core §8.1, Registration §5) ----

/**
 * A partner's web server on 127.0.0.1 (plain http: allowed on loopback only). Routes are set per
 * path; every request is counted per path; an unknown path is a 404.
 */
async function partnerServer({ tls } = {}) {
  const routes = new Map(), hits = new Map();
  const handler = (req, res) => {
    hits.set(req.url, (hits.get(req.url) ?? 0) + 1);
    const route = routes.get(req.url);
    if (route) return route(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  };
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const origin = (host = '127.0.0.1') => `${tls ? 'https' : 'http'}://${host}:${port}`;
  return {
    port,
    origin,
    /** Serves @p body (JSON unless a string) at @p path; returns its URL on @p host. */
    serve(path, body, { status = 200, type = 'application/json', host } = {}) {
      routes.set(path, (req, res) => {
        res.writeHead(status, { 'content-type': type });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      });
      return `${origin(host)}${path}`;
    },
    route(path, fn, { host } = {}) {
      routes.set(path, fn);
      return `${origin(host)}${path}`;
    },
    hits: (path) => hits.get(path) ?? 0,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

const clientCount = () => psql(env.SAKAID_DATABASE_URL, 'SELECT count(*) FROM clients');
const SHOP = 'https://shop.partner-a.example/cb', APP = 'https://app.partner-a.example/cb';

describe('sector_identifier_uri is fetched at registration and must list every redirect URI (OpenID Connect Core §8.1)', () => {
  let web;
  before(async () => {
    web = await partnerServer();
  });
  after(() => web.close());

  test('a sector document that lists every redirect URI: the client is registered, after one fetch of the document', async () => {
    const url = web.serve('/ok/sector.json', [APP, SHOP, 'https://other.partner-a.example/cb']);
    const c = (await adminAsync(env, ['client', 'add', '--client-name', 'Partner A', '--redirect-uris', `${SHOP},${APP}`,
      '--sector-identifier-uri', url])).json;
    assert.equal(c.sector_identifier_uri, url);
    assert.deepEqual(c.redirect_uris, [SHOP, APP]);
    assert.equal(web.hits('/ok/sector.json'), 1, 'the document was fetched');
  });

  test('a sector document that misses a redirect URI refuses the registration, and nothing is stored', async () => {
    const before = clientCount();
    const url = web.serve('/partial/sector.json', [SHOP]);
    const r = await adminAsync(env, ['client', 'add', '--client-name', 'Partner A', '--redirect-uris', `${SHOP},${APP}`,
      '--sector-identifier-uri', url], { expectExit: 2 });
    assert.equal(r.json.error, 'invalid_client_metadata');
    assert.equal(r.json.error_description,
      `sector_identifier_uri: ${url} does not list redirect_uris[1] "${APP}" (OpenID Connect Core §8.1: it must list every redirect URI)`);
    assert.match(r.stderr, /^sakaid-admin: sector_identifier_uri: /);
    // exact strings: a trailing slash is another URI
    const slash = web.serve('/slash/sector.json', [`${SHOP}/`]);
    const s = await adminAsync(env, ['client', 'add', '--client-name', 'Partner A', '--redirect-uris', SHOP,
      '--sector-identifier-uri', slash], { expectExit: 2 });
    assert.match(s.json.error_description, /does not list redirect_uris\[0\]/);
    assert.equal(clientCount(), before);
  });

  // Each way a document can fail: its own message, exit status 2, invalid_client_metadata, nothing stored.
  const failures = [
    ['unreachable (nothing listens on the port)', async () => `http://127.0.0.1:${await freePort()}/sector.json`,
      /^sector_identifier_uri: cannot fetch http:\/\/127\.0\.0\.1:\d+\/sector\.json: .*(connect|refused)/i],
    ['404', () => `${web.origin()}/nowhere/sector.json`, /^sector_identifier_uri: http:\/\/127\.0\.0\.1:\d+\/nowhere\/sector\.json answered HTTP 404, not 200$/],
    ['a 500', () => web.serve('/500/sector.json', [SHOP], { status: 500 }), /answered HTTP 500, not 200$/],
    ['a redirect to a document that would list it (redirects are not followed)', () => {
      const target = web.serve('/moved-to/sector.json', [SHOP]);
      return web.route('/moved/sector.json', (req, res) => {
        res.writeHead(302, { location: target });
        res.end();
      });
    }, /answered HTTP 302, not 200 \(redirects are not followed\)$/, () => assert.equal(web.hits('/moved-to/sector.json'), 0)],
    ['not JSON (an HTML page)', () => web.serve('/html/sector.json', `<html><body>${SHOP}</body></html>`, { type: 'text/html' }),
      /^sector_identifier_uri: \S+ is not JSON: /],
    ['a JSON object, not an array', () => web.serve('/object/sector.json', { redirect_uris: [SHOP] }),
      /is not a JSON array of strings \(it is an object\)$/],
    ['an array with a number in it', () => web.serve('/number/sector.json', [SHOP, 7]),
      /is not a JSON array of strings \(element 1 is a number\)$/],
    ['over 64 KiB, with a Content-Length', () => web.serve('/large/sector.json', [SHOP, 'x'.repeat(70 * 1024)]),
      /^sector_identifier_uri: \S+ is larger than 65536 bytes$/],
    ['over 64 KiB, chunked (no Content-Length)', () => web.route('/chunked/sector.json', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`["${SHOP}"`);
      for (let i = 0; i < 80; i++) res.write(`,"${'y'.repeat(1000)}"`);
      res.end(']');
    }), /^sector_identifier_uri: \S+ is larger than 65536 bytes$/],
    ['a server that never answers (5 s timeout)', () => web.route('/silent/sector.json', () => {}),
      /^sector_identifier_uri: cannot fetch \S+: .*timed out/i],
  ];
  for (const [what, makeUrl, message, extra] of failures) {
    test(`refused: ${what}`, async () => {
      const before = clientCount();
      const url = await makeUrl();
      const t0 = Date.now();
      const r = await adminAsync(env, ['client', 'add', '--client-name', 'Partner A', '--redirect-uris', SHOP,
        '--sector-identifier-uri', url], { expectExit: 2 });
      assert.equal(r.json.error, 'invalid_client_metadata');
      assert.match(r.json.error_description, message);
      assert.ok(Date.now() - t0 < 15000, 'within the timeout');
      if (extra) extra();
      assert.equal(clientCount(), before);
    });
  }

  test('refused: https whose certificate does not verify (TLS verification is on)', async () => {
    const dir = tempDir();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const tls = await partnerServer({ tls: { key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(join(dir, 'tls.crt')) } });
    try {
      const url = tls.serve('/sector.json', [SHOP]);
      const r = await adminAsync(env, ['client', 'add', '--client-name', 'Partner A', '--redirect-uris', SHOP,
        '--sector-identifier-uri', url], { expectExit: 2 });
      assert.match(r.json.error_description, /^sector_identifier_uri: cannot fetch https:\/\/127\.0\.0\.1:\d+\/sector\.json: .*certificate/i);
    } finally {
      await tls.close();
    }
  });

  test('refused at validation: an http sector_identifier_uri on a host that is not loopback (Registration §2: https)', async () => {
    const r = await adminAsync(env, ['client', 'add', '--client-name', 'Partner A', '--redirect-uris', SHOP,
      '--sector-identifier-uri', 'http://partner-a.example/sector.json'], { expectExit: 2 });
    assert.equal(r.json.error, 'invalid_client_metadata');
    assert.match(r.json.error_description, /^sector_identifier_uri: "http:\/\/partner-a\.example\/sector\.json" must use https/);
  });

  test('update: redirect URIs are checked against the stored sector_identifier_uri, and every update fetches it again', async () => {
    const url = web.serve('/upd/sector.json', [SHOP]);
    const c = (await adminAsync(env, ['client', 'add', '--client-name', 'Partner A', '--redirect-uris', SHOP,
      '--sector-identifier-uri', url])).json;
    // a redirect URI that the document does not list: refused, and the stored client stays as it was
    const bad = await adminAsync(env, ['client', 'update', c.client_id, '--redirect-uris', `${SHOP},${APP}`], { expectExit: 2 });
    assert.match(bad.json.error_description, /^sector_identifier_uri: \S+ does not list redirect_uris\[1\] "https:\/\/app\.partner-a\.example\/cb"/);
    assert.deepEqual(admin(env, ['client', 'show', c.client_id]).json.redirect_uris, [SHOP]);
    // once the partner lists it, the same update goes through
    web.serve('/upd/sector.json', [SHOP, APP]);
    const ok = (await adminAsync(env, ['client', 'update', c.client_id, '--redirect-uris', `${SHOP},${APP}`])).json;
    assert.deepEqual(ok.redirect_uris, [SHOP, APP]);
    // a partner that withdraws a redirect URI from its document: the next update of the client is refused
    web.serve('/upd/sector.json', [SHOP]);
    const hits = web.hits('/upd/sector.json');
    const name = await adminAsync(env, ['client', 'update', c.client_id, '--client-name', 'Partner A (renamed)'], { expectExit: 2 });
    assert.match(name.json.error_description, /^sector_identifier_uri: \S+ does not list redirect_uris\[1\]/);
    assert.equal(web.hits('/upd/sector.json'), hits + 1);
    assert.equal(admin(env, ['client', 'show', c.client_id]).json.client_name, 'Partner A');
  });

  test('update: a change of sector (removing sector_identifier_uri, another host, another first redirect host, another subject_type) needs --force-sector-change', async () => {
    const url = web.serve('/move/sector.json', [SHOP]);
    const c = (await adminAsync(env, ['client', 'add', '--client-name', 'Partner A', '--redirect-uris', SHOP,
      '--sector-identifier-uri', url])).json;
    const refused = async (args, field, to) => {
      const r = await adminAsync(env, ['client', 'update', c.client_id, ...args], { expectExit: 2 });
      assert.equal(r.json.error, 'invalid_client_metadata');
      assert.equal(r.json.error_description, `${field}: this changes the client's subject identifiers from ${'pairwise sector "127.0.0.1"'} `
        + `to ${to}, so every resident gets a new sub at this client (OpenID Connect Core §8.1); pass --force-sector-change to do it anyway`);
      assert.equal(admin(env, ['client', 'show', c.client_id]).json.sector_identifier_uri, url, 'unchanged');
    };
    await refused(['--unset', 'sector-identifier-uri'], 'sector_identifier_uri', 'pairwise sector "shop.partner-a.example"');
    await refused(['--sector-identifier-uri', web.serve('/move/sector.json', [SHOP], { host: 'localhost' })], 'sector_identifier_uri',
      'pairwise sector "localhost"');
    // another document on the same host is the same sector: no flag needed (and the new document is checked)
    const v2 = web.serve('/move/v2.json', [SHOP]);
    assert.equal((await adminAsync(env, ['client', 'update', c.client_id, '--sector-identifier-uri', v2])).json.sector_identifier_uri, v2);
    // with the flag: done
    const gone = (await adminAsync(env, ['client', 'update', c.client_id, '--unset', 'sector-identifier-uri', '--force-sector-change'])).json;
    assert.equal(gone.sector_identifier_uri, undefined);

    // without sector_identifier_uri the first redirect URI's host is the sector
    const d = addClient(env, ['--client-name', 'Partner D', '--redirect-uris', 'https://d.partner.example/cb']);
    const moved = await adminAsync(env, ['client', 'update', d.client_id, '--redirect-uris', 'https://new.partner.example/cb'], { expectExit: 2 });
    assert.match(moved.json.error_description, /^redirect_uris: this changes the client's subject identifiers from pairwise sector "d\.partner\.example" to pairwise sector "new\.partner\.example"/);
    assert.deepEqual((await adminAsync(env, ['client', 'update', d.client_id, '--redirect-uris', 'https://d.partner.example/cb2'])).json.redirect_uris,
      ['https://d.partner.example/cb2'], 'the same host: the same sector');
    // a city client's public sub
    const city = addClient(env, ['--client-name', 'City', '--tier', 'city', '--redirect-uris', 'https://city.example/cb']);
    const pw = await adminAsync(env, ['client', 'update', city.client_id, '--subject-type', 'pairwise'], { expectExit: 2 });
    assert.match(pw.json.error_description, /^subject_type: this changes the client's subject identifiers from public to pairwise sector "city\.example"/);
    assert.equal((await adminAsync(env, ['client', 'update', city.client_id, '--subject-type', 'pairwise', '--force-sector-change'])).json.subject_type, 'pairwise');
    // the flag belongs to update only
    const add = await adminAsync(env, ['client', 'add', '--client-name', 'x', '--redirect-uris', SHOP, '--force-sector-change'], { expectExit: 2 });
    assert.match(add.json.error_description, /^--force-sector-change: only for client update/);
  });
});

describe('two partners can no longer share a pairwise sub by naming the same host', () => {
  let p, web, a;
  const EVIL = 'https://evil.example/cb';
  before(async () => {
    p = await startProvider();
    web = await partnerServer();
    // Partner A's sector is "localhost" (its document lists its two apps); the attacker's own host is 127.0.0.1.
    a = (await adminAsync(p.env, ['client', 'add', '--client-name', 'Partner A shop', '--redirect-uris', SHOP,
      '--sector-identifier-uri', web.serve('/a/sector.json', [SHOP, APP], { host: 'localhost' })])).json;
  });
  after(() => web.close());

  /** The resident sakai-taro signs in to @p client (the card on first use, single sign-on after); returns the ID token's sub. */
  async function subAt(agent, client, redirect_uri) {
    const config = await rp(p.url, client);
    const req = await authRequest(config, { redirect_uri });
    const last = await completeLogin(agent, await agent.go(req.url.href), { cards: p.cards });
    assert.equal(last.status, 303, `expected a redirect to the client, got ${last.status}`);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(last.location),
      { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    return tokens.claims().sub;
  }

  test("an attacker who names partner A's sector_identifier_uri (or another URL on its host) is refused", async () => {
    const agent = new Agent(p.url);
    const subA = await subAt(agent, a, SHOP);
    for (const url of [a.sector_identifier_uri, `${web.origin('localhost')}/anything.json`]) {
      const r = await adminAsync(p.env, ['client', 'add', '--client-name', 'Evil', '--redirect-uris', EVIL,
        '--sector-identifier-uri', url], { expectExit: null });
      if (r.status === 0) {
        // What the check prevents: the attacker's client is in partner A's sector, so it gets A's sub for the same resident.
        const subEvil = await subAt(agent, r.json, EVIL);
        assert.fail(`registered with sector_identifier_uri ${url}; the resident's sub at partner A is ${subA}, `
          + `at the attacker's client ${subEvil}${subEvil === subA ? ' (the same)' : ''}`);
      }
      assert.equal(r.status, 2);
      assert.equal(r.json.error, 'invalid_client_metadata');
      assert.match(r.json.error_description, /^sector_identifier_uri: /);
    }
  });

  test("a second app that partner A's document lists shares A's sub; a client of another host does not", async () => {
    const agent = new Agent(p.url);
    const subA = await subAt(agent, a, SHOP);
    const app = (await adminAsync(p.env, ['client', 'add', '--client-name', 'Partner A app', '--redirect-uris', APP,
      '--sector-identifier-uri', a.sector_identifier_uri])).json;
    assert.equal(await subAt(agent, app, APP), subA, 'one sector, one sub (Core §8.1)');
    const other = (await adminAsync(p.env, ['client', 'add', '--client-name', 'Other partner', '--redirect-uris', EVIL])).json;
    assert.notEqual(await subAt(agent, other, EVIL), subA);
  });
});
