// The HTTP layer (issue #2 §8): security headers, size caps, malformed
// input that never takes a worker down, access logs without secrets, HTTPS
// with TLS 1.2+ only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addClient, basic, cleanup, freePort, provision, startServer, tempDir, tokenRequest, writeConfig } from './lib/harness.mjs';

after(cleanup);

/** Sends raw bytes and returns what comes back until the server closes (or a timeout). */
function raw(port, bytes, { timeout = 5000, end = true } = {}) {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      s.destroy();
      resolve(out);
    };
    s.setTimeout(timeout, done);
    s.on('data', (d) => {
      out += d.toString('latin1');
    });
    s.on('end', done);
    s.on('error', done);
    s.on('connect', () => {
      s.write(bytes);
      if (end) s.end();
    });
  });
}
const statusOf = (resp) => Number((resp.match(/^HTTP\/1\.[01] (\d{3})/) || [])[1]);

describe('plain HTTP on loopback', () => {
  let srv, client;
  before(async () => {
    const env = await provision();
    env.SAKAID_CONFIG = writeConfig(tempDir(), { http: { max_body_bytes: 1024, max_header_bytes: 2048, threads: 2 } });
    srv = await startServer(env);
    client = addClient(env, ['--client-name', 'Svc', '--grant-types', 'client_credentials']);
  });

  test('security headers on every JSON response', async () => {
    for (const [path, method] of [['/.well-known/openid-configuration', 'GET'], ['/jwks', 'GET'], ['/token', 'POST'], ['/nope', 'GET'], ['/healthz', 'GET']]) {
      const r = await fetch(`${srv.url}${path}`, { method });
      assert.equal(r.headers.get('content-type'), 'application/json', path);
      assert.equal(r.headers.get('cache-control'), 'no-store', path);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
      assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/, path);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(r.headers.get('strict-transport-security'), null, 'no HSTS over plain HTTP');
    }
  });

  test('unknown paths: 404 JSON; wrong methods: 405 with Allow; HEAD has no body', async () => {
    const r = await fetch(`${srv.url}/.well-known/nothing`);
    assert.equal(r.status, 404);
    assert.equal((await r.json()).error, 'not_found');
    const m = await fetch(`${srv.url}/jwks`, { method: 'DELETE' });
    assert.equal(m.status, 405);
    assert.equal(m.headers.get('allow'), 'GET, HEAD');
    const h = await fetch(`${srv.url}/jwks`, { method: 'HEAD' });
    assert.equal(h.status, 200);
    assert.equal((await h.text()).length, 0);
  });

  test('a body over http.max_body_bytes: 413, and the server keeps serving', async () => {
    const r = await tokenRequest(srv.url, `grant_type=client_credentials&pad=${'a'.repeat(2000)}`, { authorization: basic(client.client_id, client.client_secret) });
    assert.equal(r.status, 413);
    const chunked = await raw(srv.env.SAKAID_PORT,
      `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${'a'.repeat(0x800)}\r\n0\r\n\r\n`);
    assert.equal(statusOf(chunked), 413);
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
  });

  test('headers over http.max_header_bytes: an error status, and the server keeps serving', async () => {
    const r = await raw(srv.env.SAKAID_PORT, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(4000)}\r\n\r\n`);
    assert.ok([400, 413, 431].includes(statusOf(r)), r.slice(0, 100));
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
  });

  test('malformed requests never take the server down', async () => {
    const port = srv.env.SAKAID_PORT;
    const inputs = [
      'GARBAGE\r\n\r\n',
      '\x00\x01\x02\xff\xfe\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=cl',
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\ngrant%zz=%%%',
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 13\r\n\r\na=%00&b=c&d=e',
      `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n${'a=b&'.repeat(250)}`,
      'GET /jwks HTTP/1.1\r\n' + 'X: y\r\n'.repeat(600) + '\r\n',
      'POST /token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ' + 'A'.repeat(1500) + '\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n\r\ngrant_type=client_credentials',
    ];
    for (const input of inputs) {
      const r = await raw(port, input, { timeout: 3000 });
      const s = statusOf(r);
      if (s) assert.ok((s >= 400 && s < 500) || s === 505, `${JSON.stringify(input.slice(0, 60))} -> ${s}`);
      assert.ok(srv.alive(), `server died on ${JSON.stringify(input.slice(0, 60))}`);
    }
    // a slow client that never finishes its headers does not block the others
    const slow = raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', { end: false, timeout: 2000 });
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
    await slow;
    const ok = await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret) });
    assert.equal(ok.status, 200);
  });

  test('/metrics: Prometheus counters by status class, on the metrics listener only', async () => {
    const before = await (await fetch(`${srv.metricsUrl}/metrics`)).text();
    const count = (text, cls) => Number((text.match(new RegExp(`sakaid_http_responses_total\\{class="${cls}"\\} (\\d+)`)) || [])[1]);
    await fetch(`${srv.url}/nope`);
    await fetch(`${srv.url}/nope`);
    await fetch(`${srv.url}/healthz`);
    await new Promise((r) => setTimeout(r, 100)); // counted when the request ends, after its answer
    const r = await fetch(`${srv.metricsUrl}/metrics`);
    assert.match(r.headers.get('content-type'), /^text\/plain; version=0.0.4/);
    const after = await r.text();
    assert.equal(count(after, '4xx') - count(before, '4xx'), 2);
    assert.equal(count(after, '2xx') - count(before, '2xx'), 1, 'the public port\'s answers, not the scrapes');
    assert.doesNotMatch(after, /card_verifications/, 'card login is off on this node');
    // what the alert rules read (docs/deployment.md "Alerts"): the active keys' age, the database's times
    const age = Number(/^sakaid_signing_key_age_seconds\{alg="RS256"\} (\d+)$/m.exec(after)?.[1]);
    assert.ok(age >= 0 && age < 3600, `the RS256 key became active when this node's keys were made (${age} s)`);
    assert.match(after, /^sakaid_db_statement_seconds_count \d+$/m);
    // issue #14 item 13: not on the public port; the metrics listener serves nothing else
    const pub = await fetch(`${srv.url}/metrics`);
    assert.equal(pub.status, 404);
    assert.doesNotMatch(await pub.text(), /sakaid_http_responses_total/);
    assert.equal((await fetch(`${srv.metricsUrl}/token`)).status, 404);
    assert.equal((await fetch(`${srv.metricsUrl}/metrics`, { method: 'POST' })).status, 405);
  });

  test('the access log: one JSON line per request, no query strings, no secrets', async () => {
    await fetch(`${srv.url}/healthz?code=SECRETCODE123&token=TOPSECRET`);
    await tokenRequest(srv.url, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret) });
    await new Promise((r) => setTimeout(r, 200));
    const lines = srv.logs().trim().split('\n').map((l) => JSON.parse(l));
    const access = lines.filter((l) => l.event === 'http_request');
    assert.ok(access.some((l) => l.path === '/healthz' && l.status === 200 && typeof l.duration_ms === 'number'));
    assert.ok(access.some((l) => l.path === '/token' && l.method === 'POST' && l.status === 200));
    const all = srv.logs();
    for (const secret of ['SECRETCODE123', 'TOPSECRET', client.client_secret, 'access_token', 'eyJ']) {
      assert.ok(!all.includes(secret), `log contains ${secret}`);
    }
  });
});

describe('many keep-alive clients with the default settings', () => {
  test('24 clients each holding a connection open are all served at once', async () => {
    // The HTTP server holds a thread per open connection (up to http.keep_alive_ms idle): with too few
    // threads (the old default of 8) the ninth client waited for an idle connection to time out.
    const srv = await startServer(await provision());
    const port = Number(srv.env.SAKAID_PORT);
    const client = () => new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let buf = '', answered = 0;
      const ask = () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      s.on('connect', ask);
      s.on('error', reject);
      s.on('data', (d) => {
        buf += d;
        for (let k; (k = buf.indexOf('\r\n\r\n')) >= 0;) {
          const len = Number((buf.match(/content-length: (\d+)/i) ?? [0, 0])[1]);
          if (buf.length < k + 4 + len) break;
          buf = buf.slice(k + 4 + len);
          if (++answered === 2) return resolve(s); // keep the connection open, idle
          ask();
        }
      });
    });
    const t0 = Date.now();
    const sockets = await Promise.race([Promise.all(Array.from({ length: 24 }, client)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('clients starved')), 2500))]);
    assert.ok(Date.now() - t0 < 2500);
    for (const s of sockets) s.destroy();
  });
});

describe("the tests' own HTTP client (tests/integration/lib/harness.mjs)", () => {
  test('a POST after the event loop was blocked longer than the server keeps an idle connection still gets its answer', async () => {
    // The tests run sakaid-card and psql synchronously; a reused keep-alive connection that the server
    // closed meanwhile (after 5 s idle) failed a POST with "other side closed" in CI.
    const srv = await startServer(await provision());
    const post = () => fetch(`${srv.url}/token`, { method: 'POST', body: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal((await post()).status, 401);
    spawnSync('sleep', ['5.5']); // blocks the event loop, as execFileSync(sakaid-card) does
    assert.equal((await post()).status, 401);
  });
});

describe('HTTPS', () => {
  let srv, dir;
  before(async () => {
    dir = tempDir();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const env = await provision();
    const port = await freePort();
    env.SAKAID_PORT = String(port);
    env.SAKAID_CONFIG = writeConfig(dir, {
      issuer: `https://127.0.0.1:${port}`,
      http: { tls_certificate_file: join(dir, 'tls.crt'), tls_private_key_file: join(dir, 'tls.key') },
    });
    // startServer polls plain http; poll https here instead.
    const { spawn } = await import('node:child_process');
    const proc = spawn(join(process.env.SAKAID_BIN_DIR, 'sakaid'), [], { env: { ...process.env, ...env, SAKAID_METRICS_LISTEN: '' }, stdio: 'ignore' });
    srv = { proc, port };
    for (let i = 0; i < 100; i++) {
      if (get('/healthz').status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => srv.proc.kill('SIGTERM'));

  const curl = (args) => spawnSync('curl', ['-s', '--cacert', join(dir, 'tls.crt'), ...args], { encoding: 'utf8' });
  const get = (path, extra = []) => {
    const r = curl(['-o', '/dev/null', '-w', '%{http_code}', ...extra, `https://127.0.0.1:${srv.port}${path}`]);
    return { status: Number(r.stdout), code: r.status };
  };

  test('serves TLS 1.2 and 1.3 with HSTS, and the discovery issuer is the configured https URL', async () => {
    assert.equal(get('/healthz', ['--tlsv1.2', '--tls-max', '1.2']).status, 200);
    assert.equal(get('/healthz', ['--tlsv1.3']).status, 200);
    const r = curl(['-i', `https://127.0.0.1:${srv.port}/.well-known/openid-configuration`]);
    assert.match(r.stdout, /strict-transport-security: max-age=\d+/i);
    assert.match(r.stdout, new RegExp(`"issuer":"https://127.0.0.1:${srv.port}"`));
  });

  test('refuses TLS 1.1 and plain HTTP on the TLS port, and keeps serving', async () => {
    const old = get('/healthz', ['--tlsv1', '--tls-max', '1.1']);
    assert.notEqual(old.code, 0, 'TLS 1.1 handshake must fail');
    const plain = await raw(srv.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeout: 2000 });
    assert.ok(!plain.startsWith('HTTP/1.1 200'));
    assert.equal(get('/healthz').status, 200);
    assert.equal(srv.proc.exitCode, null);
  });

  test('a key that does not match the certificate is refused at start-up', async () => {
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(dir, 'other.key')], { stdio: 'ignore' });
    const env = await provision();
    const cfg = writeConfig(dir, { issuer: 'https://127.0.0.1:1', http: { tls_certificate_file: join(dir, 'tls.crt'), tls_private_key_file: join(dir, 'other.key') } });
    const r = spawnSync(join(process.env.SAKAID_BIN_DIR, 'sakaid'), [], { env: { ...process.env, ...env, SAKAID_CONFIG: cfg, SAKAID_METRICS_LISTEN: '' }, encoding: 'utf8', timeout: 15000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /tls_private_key_file/);
    assert.ok(readFileSync(join(dir, 'tls.crt')).length > 0);
  });
});
