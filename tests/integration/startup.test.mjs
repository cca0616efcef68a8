// sakaid refuses to start on anything it cannot serve correctly, and says
// what to do (issue #2 §4, §6, §7).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { admin, cleanup, createDb, provision, psql, runSakaid, startServer, tempDir, writeConfig } from './lib/harness.mjs';

after(cleanup);

test('an unmigrated database: refuses and says to run sakaid-admin migrate', async () => {
  const env = await provision({ migrate: false, keys: false });
  const r = runSakaid(env);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /sakaid-admin migrate/);
});

test('a database newer than the binary: refuses', async () => {
  const env = await provision();
  psql(env.SAKAID_DATABASE_URL, "INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')");
  const r = runSakaid(env);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /newer/);
  // and sakaid-admin migrate will not touch it either
  assert.notEqual(admin(env, ['migrate'], { expectExit: null }).status, 0);
});

test('a world-readable KEK: refuses (and so does sakaid-admin)', async () => {
  const env = await provision();
  const kek = join(env.SAKAID_DATA_DIR, 'kek.key');
  chmodSync(kek, 0o644);
  const r = runSakaid(env);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /kek\.key/);
  assert.match(r.stderr, /0600|permission|mode/i);
  assert.equal(admin(env, ['keys', 'init'], { expectExit: 1 }).status, 1);
  chmodSync(kek, 0o600);
  const srv = await startServer(env);
  assert.equal(await srv.stop(), 0);
});

test('a missing KEK: refuses and says to run sakaid-admin kek init', async () => {
  const env = { SAKAID_DATABASE_URL: createDb(), SAKAID_DATA_DIR: tempDir(), SAKAID_PORT: '1' };
  admin(env, ['migrate']);
  const r = runSakaid(env);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /kek init/);
});

test('a wrong KEK: the signing keys do not decrypt, and it says which', async () => {
  const env = await provision();
  const other = { ...env, SAKAID_KEK_FILE: join(tempDir(), 'other.key') };
  admin(other, ['kek', 'init']);
  const r = runSakaid(other);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /does not decrypt/);
});

test('no signing keys: refuses and says to run sakaid-admin keys init', async () => {
  const env = await provision({ keys: false });
  const r = runSakaid(env);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /sakaid-admin keys init/);
});

test('configuration errors name the key and exit non-zero', async () => {
  const env = await provision();
  const dir = tempDir();
  const cases = [
    [{ htp: { listen: '127.0.0.1:1' } }, /"htp"/],
    [{ http: { threads: 'eight' } }, /http\.threads/],
    [{ http: { threads: 0 } }, /http\.threads/],
    [{ tokens: { access_token_signing_alg: 'HS256' } }, /tokens\.access_token_signing_alg/],
    [{ issuer: 'https://id.example/?q=1' }, /issuer/],
    [{ http: { listen: '0.0.0.0:8443' } }, /http\.listen/],
    [{ http: { tls_certificate_file: '/nonexistent.pem' } }, /tls_private_key_file/],
  ];
  for (const [config, message] of cases) {
    const r = runSakaid({ ...env, SAKAID_CONFIG: writeConfig(dir, config) });
    assert.equal(r.status, 2, JSON.stringify(config));
    assert.match(r.stderr, message, JSON.stringify(config));
  }
  const missing = runSakaid({ ...env, SAKAID_CONFIG: join(dir, 'missing.json') });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /missing\.json/);
  const noDb = runSakaid({ ...env, SAKAID_DATABASE_URL: '' });
  assert.equal(noDb.status, 2);
  assert.match(noDb.stderr, /database\.url/);
  const badPort = runSakaid({ ...env, SAKAID_PORT: 'http' });
  assert.equal(badPort.status, 2);
  assert.match(badPort.stderr, /SAKAID_PORT/);
});

test('SIGTERM stops the server gracefully with exit 0', async () => {
  const env = await provision();
  const srv = await startServer(env);
  assert.equal(await srv.stop(), 0);
  assert.match(srv.logs(), /"event":"stopped"/);
});

test('under systemd (Type=notify): READY=1 once serving, the watchdog kept, STOPPING=1 on SIGTERM, exit 0', async () => {
  const { spawn } = await import('node:child_process');
  const env = await provision();
  const sock = join(tempDir(), 'notify.sock');
  // systemd's end of NOTIFY_SOCKET: a unix datagram socket (node has none; python3 is in the build's packages)
  const listener = spawn('python3', ['-u', '-c', `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("LISTENING", flush=True)
while True:
    print(s.recv(4096).decode().replace("\\n", "|"), flush=True)
`, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  let heard = '';
  listener.stdout.setEncoding('utf8');
  listener.stdout.on('data', (d) => { heard += d; });
  const until = async (re) => {
    for (let i = 0; i < 200 && !re.test(heard); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(heard, re);
  };
  try {
    await until(/LISTENING/);
    const srv = await startServer({ ...env, NOTIFY_SOCKET: sock, WATCHDOG_USEC: '3000000' });
    await until(/READY=1\|STATUS=serving/);
    await until(/WATCHDOG=1/);
    assert.equal(await srv.stop(), 0);
    await until(/STOPPING=1/);
  } finally {
    listener.kill();
  }
});
