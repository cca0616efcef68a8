// sakaid-admin client round trips and bad input (issue #2 §5, §6).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { addClient, admin, basic, cleanup, provision, psql, startServer, tokenRequest, waitFor } from './lib/harness.mjs';

let env, srv;
before(async () => {
  env = await provision();
  srv = await startServer(env);
});
after(cleanup);

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
  assert.deepEqual(missing, ['login_transactions(client_id)', 'login_transactions(resident_id)']);
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

  // a change made with plain SQL is announced by the trigger too
  psql(env.SAKAID_DATABASE_URL, `UPDATE clients SET metadata = jsonb_set(metadata, '{grant_types}', '["authorization_code"]')
    WHERE client_id = '${c.client_id}'`);
  await waitFor(async () => (await cc(c.client_id, c.client_secret)).status === 400, { timeout: 2000, interval: 20 });
  assert.equal((await cc(c.client_id, c.client_secret)).body.error, 'unauthorized_client');
  psql(env.SAKAID_DATABASE_URL, `UPDATE clients SET metadata = jsonb_set(metadata, '{grant_types}', '["client_credentials"]')
    WHERE client_id = '${c.client_id}'`);
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
});
