// The Debian package (issue #20; docs/deployment.md, "The Debian package"): dpkg-buildpackage builds it from the
// working tree, lintian finds no error, it installs (a sakaid user, its KEK, the config file's modes, the unit
// enabled but not started), systemd-analyze verifies the unit and rates its sandbox "OK" or better, the
// installed binaries migrate a real database and serve it as the sakaid user, and a purge removes the state.
// It installs on this machine, so it runs only as root (CI, and sessions, are root).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cleanup, createDb, freePort, tempDir } from './lib/harness.mjs';

const SOURCE = process.env.SAKAID_SOURCE_DIR;
const root = process.getuid() === 0;
// the package is its own release build: built and installed once, in the plain build's run of the suite
const skip = !root ? 'installs a package: root only'
  : process.env.SAKAID_SANITIZED === 'ON' ? 'the plain build\'s run tests the package' : false;
let work, deb, changes;

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}:\n${(r.stdout ?? '').slice(-3000)}\n${(r.stderr ?? '').slice(-3000)}`);
  return r.stdout;
};

before(async () => {
  if (skip) return;
  work = tempDir();
  // the working tree as git sees it (tracked and new files, not the ignored build directories)
  const files = execFileSync('git', ['ls-files', '-c', '-o', '--exclude-standard'], { cwd: SOURCE, encoding: 'utf8' })
    .split('\n').filter((f) => f && !f.startsWith('tests/node_modules/'));
  const src = join(work, 'src');
  for (const f of files) {
    try {
      mkdirSync(dirname(join(src, f)), { recursive: true });
      cpSync(join(SOURCE, f), join(src, f));
    } catch { /* a file deleted from the tree but not from the index */ }
  }
  run('dpkg-buildpackage', ['-b', '-uc', '-us'], { cwd: src });
  deb = join(work, readdirSync(work).find((f) => /^sakaid_.*_amd64\.deb$/.test(f)));
  changes = join(work, readdirSync(work).find((f) => f.endsWith('.changes')));
});
after(async () => {
  if (!skip) spawnSync('dpkg', ['--purge', 'sakaid'], { encoding: 'utf8' });
  await cleanup();
});

test('lintian finds no error in the package', { skip }, () => {
  const out = run('lintian', ['--fail-on', 'error', changes]);
  assert.doesNotMatch(out, /^E: /m);
});

test('it installs: the sakaid user, a KEK only it reads, the configuration, the unit verified and sandboxed', { skip }, () => {
  run('dpkg', ['-i', deb], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const kek = statSync('/var/lib/sakaid/kek.key');
  const uid = Number(run('id', ['-u', 'sakaid']));
  assert.equal(kek.uid, uid);
  assert.equal(kek.mode & 0o777, 0o600);
  assert.equal(statSync('/etc/sakaid/config.json').mode & 0o777, 0o640);
  assert.equal(statSync('/usr/sbin/sakaid').isFile(), true);
  run('systemd-analyze', ['verify', '--man=no', 'sakaid.service']);
  const security = run('systemd-analyze', ['security', '--offline=true', '/lib/systemd/system/sakaid.service']);
  const level = Number(security.match(/Overall exposure level for sakaid\.service: ([\d.]+)/)[1]);
  assert.ok(level <= 2.0, `exposure ${level}: "OK" or better (docs/deployment.md)`);
  assert.match(run('dpkg-query', ['-W', '-f=${Conffiles}', 'sakaid']), /\/etc\/sakaid\/config\.json/);
});

test('the installed binaries migrate a database and serve it as the sakaid user; SIGTERM stops it cleanly', { skip }, async () => {
  const uid = Number(run('id', ['-u', 'sakaid'])), gid = Number(run('id', ['-g', 'sakaid']));
  const port = await freePort();
  // the packaged /etc/sakaid/config.json (no --config: the installed build's default), the database from the env
  const env = { PATH: process.env.PATH, SAKAID_DATABASE_URL: createDb(), SAKAID_PORT: String(port), SAKAID_METRICS_LISTEN: '' };
  const as = { uid, gid, env, cwd: '/', encoding: 'utf8' };
  for (const args of [['migrate'], ['keys', 'init']]) {
    const r = spawnSync('/usr/bin/sakaid-admin', args, as);
    assert.equal(r.status, 0, r.stderr);
  }
  const proc = spawn('/usr/sbin/sakaid', [], { ...as, stdio: ['ignore', 'ignore', 'pipe'] });
  let logs = '';
  proc.stderr.on('data', (d) => { logs += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
  let meta;
  for (let i = 0; i < 100 && !meta; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
      if (r.status === 200) meta = await r.json();
    } catch { /* not yet */ }
    if (!meta) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(meta, logs);
  assert.equal(meta.issuer, 'https://id.city.sakai.example', 'the packaged configuration');
  proc.kill('SIGTERM');
  assert.equal(await exited, 0, logs);
});

test('a purge removes the state directory and the unit', { skip }, () => {
  run('dpkg', ['--purge', 'sakaid']);
  assert.throws(() => statSync('/var/lib/sakaid'));
  assert.throws(() => statSync('/lib/systemd/system/sakaid.service'));
});
