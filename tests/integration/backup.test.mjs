// Backup and point-in-time restore (issue #20; docs/operations.md, "Backup and restore"): a cluster archives
// its WAL (scripts/backup enable), a base backup is taken, consents are recorded before and after a moment T,
// and scripts/restore --to T makes a new cluster whose consent ledger holds exactly the rows up to T and
// verifies (sakaid-admin audit verify). A target past the archive is refused. The times are printed: they
// are docs/operations.md's measured recovery time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { admin, cleanup, psql, tempDir } from './lib/harness.mjs';

const SCRIPTS = process.env.SAKAID_SCRIPTS_DIR;
const script = (name, args) => {
  const r = spawnSync(join(SCRIPTS, name), args, { encoding: 'utf8', timeout: 120000 });
  return { ...r, out: `${r.stdout}${r.stderr}` };
};
const ok = (name, args) => {
  const r = script(name, args);
  assert.equal(r.status, 0, `${name} ${args.join(' ')}:\n${r.out}`);
  return r.stdout.trim();
};
let dir, pg, archive, restored;
const url = (d, db = 'sakaid') => ok('pg', ['url', d, db]);

before(() => {
  dir = tempDir();
  pg = join(dir, 'pg');
  archive = join(dir, 'archive');
  restored = join(dir, 'restored');
  ok('pg', ['init', pg]);
  ok('pg', ['start', pg]);
  ok('pg', ['createdb', pg, 'sakaid']);
});
after(async () => {
  for (const d of [restored, pg]) if (d) script('pg', ['stop', d]);
  await cleanup();
});

// A consent recorded as the store records it (store/pg: IDP_PG_LEDGER_APPEND, the chain of migration 0003/0005).
const consent = (u, resident) => psql(u, `INSERT INTO consent_ledger (seq, at, resident_id, client_id, action, claims, actor,
  purpose, hash_version, prev_hash, row_hash) SELECT n.seq, n.at, '${resident}', 'backup-rp', 'grant', 'name', 'resident', '', 2,
  n.prev, sha256(n.prev || convert_to(concat_ws(E'\\n', n.seq, (extract(epoch from n.at) * 1000000)::bigint, '${resident}'::text,
  'backup-rp'::text, 'grant'::text, 'name'::text, 'resident'::text, ''::text), 'UTF8')) FROM (
  SELECT coalesce((SELECT seq FROM consent_ledger ORDER BY seq DESC LIMIT 1), 0) + 1 AS seq,
  coalesce((SELECT row_hash FROM consent_ledger ORDER BY seq DESC LIMIT 1), decode(repeat('00', 32), 'hex')) AS prev,
  clock_timestamp() AS at) n`);

test('restored to a moment: the consent ledger holds exactly the rows up to it, and verifies', async () => {
  const env = { SAKAID_DATABASE_URL: url(pg), SAKAID_DATA_DIR: tempDir() };
  admin(env, ['migrate']);
  ok('backup', ['enable', pg, archive]);
  const stamp = ok('backup', ['base', pg, archive]);
  assert.match(stamp, /^\d{8}T\d{6}Z$/);
  for (let i = 0; i < 5; i++) consent(env.SAKAID_DATABASE_URL, `before-${i}`);
  await new Promise((r) => setTimeout(r, 1100));
  const moment = psql(env.SAKAID_DATABASE_URL, 'SELECT now()');
  await new Promise((r) => setTimeout(r, 1100));
  for (let i = 0; i < 5; i++) consent(env.SAKAID_DATABASE_URL, `after-${i}`);
  // the segment holding the last rows goes to the archive now rather than at archive_timeout
  const segment = psql(url(pg, 'postgres'), 'SELECT pg_walfile_name(pg_switch_wal())');
  const archived = Date.now();
  const done = () => psql(url(pg, 'postgres'), `SELECT coalesce(last_archived_wal >= '${segment}', false) FROM pg_stat_archiver`);
  for (let i = 0; i < 300 && done() !== 't'; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(done(), 't', `segment ${segment} archived`);
  console.log(`WAL archived ${Date.now() - archived} ms after the switch`);
  assert.match(ok('backup', ['list', archive]), new RegExp(`base ${stamp}`));

  const t0 = Date.now();
  const r = script('restore', ['--from', archive, '--into', restored, '--to', moment]);
  assert.equal(r.status, 0, r.out);
  console.log(`restored to ${moment} in ${Date.now() - t0} ms`);
  const back = { SAKAID_DATABASE_URL: url(restored), SAKAID_DATA_DIR: env.SAKAID_DATA_DIR };
  assert.equal(psql(back.SAKAID_DATABASE_URL, "SELECT string_agg(resident_id, ' ' ORDER BY seq) FROM consent_ledger"),
    'before-0 before-1 before-2 before-3 before-4');
  const verified = admin(back, ['audit', 'verify']).json;
  assert.equal(verified.ok, true, JSON.stringify(verified));
  // the restored cluster takes writes (promoted), and the original still has every row
  consent(back.SAKAID_DATABASE_URL, 'after-restore');
  assert.equal(psql(env.SAKAID_DATABASE_URL, 'SELECT count(*) FROM consent_ledger'), '10');
  assert.equal(admin(env, ['audit', 'verify']).json.ok, true);
});

test('refused: a target past the archive, a directory that holds a cluster, an archive that is none', () => {
  let r = script('restore', ['--from', archive, '--into', join(dir, 'future'), '--to', '2099-01-01 00:00:00+00']);
  assert.notEqual(r.status, 0);
  r = script('restore', ['--from', archive, '--into', restored]);
  assert.notEqual(r.status, 0);
  assert.match(r.out, /holds a cluster/);
  r = script('restore', ['--from', dir, '--into', join(dir, 'x')]);
  assert.notEqual(r.status, 0);
  assert.match(r.out, /no archive/);
  script('pg', ['stop', join(dir, 'future')]);
});
