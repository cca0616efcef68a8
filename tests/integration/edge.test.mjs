// The HTTP edge (issue #14 "Trust I", items 13, 15, 16, 17): what bare
// sakaid does about held-open connections, ambiguous request framing, and
// client addresses behind a proxy, and the metrics listener. The deployment
// behind nginx is in nginx.test.mjs. Raw sockets (node:net) throughout:
// fetch would normalise exactly what these tests send.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { addClient, cleanup, provision, psql, runSakaid, startServer, tempDir, writeConfig } from './lib/harness.mjs';
import { Agent, jpkiMaterial } from './lib/flow.mjs';

after(cleanup);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends @p bytes on a new connection and collects everything until the
 * server closes it (or @p timeout). Returns {text, closed, ms}: closed is
 * true when the server ended the connection, ms is when.
 */
function exchange(port, bytes, { timeout = 8000 } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = connect(Number(port), '127.0.0.1');
    let text = '';
    let settled = false;
    const done = (closed) => {
      if (settled) return;
      settled = true;
      s.destroy();
      resolve({ text, closed, ms: Date.now() - t0 });
    };
    s.setTimeout(timeout, () => done(false));
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('end', () => done(true));
    s.on('close', () => done(true));
    s.on('error', () => done(true));
    s.on('connect', () => s.write(bytes));
  });
}

const responses = (text) => text.match(/HTTP\/1\.[01] \d{3}/g) ?? [];
const statusOf = (text) => Number((text.match(/^HTTP\/1\.[01] (\d{3})/) || [])[1]);

/** GET @p path on a new connection; resolves to {status, ms} (status 0 when nothing came back in time). */
async function timedGet(port, path, timeout) {
  const r = await exchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { timeout });
  return { status: statusOf(r.text) || 0, ms: r.ms };
}

/**
 * Holds @p n TCP connections open against @p port that send @p bytes (or
 * nothing) and then wait; every connection the server closes is opened
 * again at once, as an attacker would. stop() closes them all and returns
 * how many were reopened.
 */
function holdSockets(port, n, bytes = '') {
  let running = true, reopened = 0;
  const live = new Set();
  const open = () => {
    if (!running) return;
    const s = connect(Number(port), '127.0.0.1');
    live.add(s);
    s.on('connect', () => { if (bytes) s.write(bytes); });
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
      live.delete(s);
      if (running) {
        reopened++;
        setTimeout(open, 10);
      }
    });
  };
  for (let i = 0; i < n; i++) open();
  return {
    live: () => live.size,
    stop: () => {
      running = false;
      for (const s of live) s.destroy();
      return reopened;
    },
  };
}

describe('connection exhaustion (item 15)', () => {
  test('bare sakaid answers /readyz within 3 s, again and again for 10 s, while 200 idle sockets are held open and every one it closes is reopened', async () => {
    const srv = await startServer(await provision());
    const port = srv.env.SAKAID_PORT;
    const attack = holdSockets(port, 200);
    try {
      await sleep(1000); // every socket connected and waiting
      assert.ok(attack.live() >= 190, `only ${attack.live()} sockets open`);
      const deadline = Date.now() + 10000;
      let asked = 0;
      while (Date.now() < deadline) {
        const r = await timedGet(port, '/readyz', 3000);
        assert.equal(r.status, 200, `/readyz got no answer within 3 s (after ${asked} answered) while 200 sockets were held`);
        asked++;
        await sleep(250);
      }
      assert.ok(asked >= 4);
    } finally {
      attack.stop();
    }
    assert.ok(srv.alive());
  });

  test('a connection that sends only part of a head is closed after about 2 s (http.request_timeout_ms)', async () => {
    const srv = await startServer(await provision());
    const r = await exchange(srv.env.SAKAID_PORT, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', { timeout: 12000 });
    assert.ok(r.closed, 'the server never closed the connection');
    assert.ok(r.ms >= 1000 && r.ms < 6000, `closed after ${r.ms} ms; the deadline is 2000 ms`);
  });

  test('an idle keep-alive connection is closed after about 2 s (http.keep_alive_ms)', async () => {
    const srv = await startServer(await provision());
    const idle = await new Promise((resolve) => {
      const s = connect(Number(srv.env.SAKAID_PORT), '127.0.0.1');
      let buf = '', answeredAt = 0;
      s.on('connect', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      s.on('data', (d) => {
        buf += d;
        if (!answeredAt && /\r\n\r\n\{"status":"ok"\}/.test(buf)) answeredAt = Date.now();
      });
      s.setTimeout(12000, () => { s.destroy(); resolve(Infinity); });
      s.on('close', () => resolve(answeredAt ? Date.now() - answeredAt : -1));
      s.on('error', () => {});
    });
    assert.ok(idle > 0, 'no answer on the keep-alive connection');
    assert.ok(idle >= 1000 && idle < 4000, `the idle connection was closed ${idle} ms after its answer; the limit is 2000 ms`);
  });
});

describe('authorisation is the endpoints\' own (issue #16 §7)', () => {
  // civetweb authorises a request itself unless told not to: a stat of "/.htpasswd" per request, and HTTP
  // Digest authentication in front of every endpoint if that file existed. strace watches the process's
  // file system calls while requests are answered on the public and the metrics port.
  test('no request looks for a password file: no system call names .htpasswd', async () => {
    const srv = await startServer(await provision());
    const log = join(tempDir(), 'strace.log');
    const st = spawn('strace', ['-f', '-qq', '-e', 'trace=%file,recvfrom', '-s', '64', '-o', log, '-p', String(srv.proc.pid)],
      { stdio: 'ignore' });
    const stopped = new Promise((r) => st.on('exit', r));
    // attached once it reports the database worker's reads (the logout worker polls every second)
    const attached = Date.now() + 15000;
    while (!(existsSync(log) && readFileSync(log, 'utf8').includes('recvfrom(')) && Date.now() < attached) await sleep(100);
    const ports = [srv.env.SAKAID_PORT, new URL(srv.metricsUrl).port];
    for (const [port, path] of [[ports[0], '/.well-known/openid-configuration'], [ports[0], '/jwks'], [ports[1], '/metrics']]) {
      assert.equal((await timedGet(port, path, 5000)).status, 200, path);
    }
    await sleep(300);
    st.kill('SIGINT');
    await stopped;
    const traced = readFileSync(log, 'utf8');
    // the control: strace saw the workers read the requests
    assert.match(traced, /recvfrom\(\d+, "GET \/\.well-known\/openid-configuration/,
      'strace saw no request: could it attach? (ptrace: run as root, or kernel.yama.ptrace_scope=0)');
    assert.match(traced, /recvfrom\(\d+, "GET \/metrics/);
    assert.doesNotMatch(traced, /htpasswd/);
  });
});

describe('the metrics listener (item 13)', () => {
  test('answers on its own port while every worker of the public port is held by slow clients', async () => {
    const env = await provision();
    env.SAKAID_CONFIG = writeConfig(tempDir(), { http: { threads: 2 } });
    const srv = await startServer(env);
    // Clients that send a byte (so TCP_DEFER_ACCEPT lets them in) and never finish their head,
    // reopened as soon as they are cut off: the public port's two workers stay busy.
    const attack = holdSockets(srv.env.SAKAID_PORT, 40, 'G');
    try {
      await sleep(1000);
      const port = new URL(srv.metricsUrl).port;
      for (let i = 0; i < 5; i++) {
        const r = await timedGet(port, '/metrics', 3000);
        assert.equal(r.status, 200, `the metrics listener did not answer within 3 s (${i} answered)`);
        await sleep(300);
      }
    } finally {
      attack.stop();
    }
    const pub = await timedGet(srv.env.SAKAID_PORT, '/metrics', 8000);
    assert.equal(pub.status, 404, 'the public port does not serve /metrics');
  });
});

describe('request smuggling and framing (item 16)', () => {
  let port;
  before(async () => {
    const srv = await startServer(await provision());
    port = srv.env.SAKAID_PORT;
  });

  // Each request is followed on the same connection by a harmless one: a second answer would mean
  // the server kept reading the connection after a head whose framing it could not trust.
  const next = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  async function refused(bytes) {
    const r = await exchange(port, bytes + next);
    assert.equal(statusOf(r.text), 400, r.text.slice(0, 300));
    assert.match(r.text, /\r\nConnection: close\r\n/i);
    assert.deepEqual(responses(r.text), [responses(r.text)[0]], `more than one response:\n${r.text}`);
    assert.ok(r.closed, 'the server left the connection open');
    return r.text;
  }

  test('a well-framed request and the next one on the same connection are both answered (the control)', async () => {
    const r = await exchange(port, 'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b' + next + 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(responses(r.text).length, 3, r.text);
  });

  test('Content-Length and Transfer-Encoding together: 400 and close (RFC 9112 §6.1)', async () => {
    await refused('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
  });

  test('a Content-Length that starts with digits and goes on: 400 and close (RFC 9112 §6.3)', async () => {
    await refused('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3abc\r\n\r\na=b');
  });

  test('a Content-Length that is not a number: 400 and close (RFC 9112 §6.3)', async () => {
    await refused('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: abc\r\n\r\n');
  });

  test('two Content-Length lines, even equal ones: 400 and close (RFC 9112 §6.3)', async () => {
    await refused('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\na=b');
  });

  test('Transfer-Encoding: identity beside a Content-Length: 400 and close (RFC 9112 §6.1)', async () => {
    await refused('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: identity\r\nContent-Length: 3\r\n\r\na=b');
  });

  test('Transfer-Encoding other than exactly one chunked: 400 and close (RFC 9112 §6.1)', async () => {
    // civetweb itself refuses a first Transfer-Encoding line other than chunked; it reads only the first line
    await refused('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n');
    await refused('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n');
  });

  test('obs-fold that hides a Content-Length: 400 and close, and the body is not read as a request (RFC 9112 §5.2)', async () => {
    const smuggled = 'GET /jwks HTTP/1.1\r\nHost: x\r\n\r\n';
    const text = await refused(`POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Note: a\r\n b\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`);
    assert.doesNotMatch(text, /"keys"/, 'the body was answered as a request');
  });

  test('whitespace between a header name and its colon: 400 and close (RFC 9112 §5.1)', async () => {
    await refused('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length : 3\r\n\r\na=b');
  });

  test('an absolute-form target for another host: 400 and close (RFC 9112 §3.2)', async () => {
    await refused('GET http://elsewhere.example/healthz HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n');
  });

  test('an absolute-form target naming this server: 400 and close (RFC 9112 §3.2)', async () => {
    await refused(`GET http://127.0.0.1:${port}/healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
  });

  test('an HTTP/1.1 request without Host: 400 and close (RFC 9112 §3.2)', async () => {
    await refused('GET /healthz HTTP/1.1\r\n\r\n');
  });
});

describe('the client address behind a proxy (item 17)', () => {
  const material = () => jpkiMaterial();
  async function cardNode(http) {
    const m = material();
    const env = await provision();
    env.SAKAID_DEV_MODE = '1';
    env.SAKAID_CONFIG = writeConfig(tempDir(), {
      http,
      jpki: { auth_roots: join(m, 'roots', 'auth.pem'), sign_roots: join(m, 'roots', 'sign.pem'), crl_dir: join(m, 'crl'),
        rate_per_minute: 3, max_challenges_per_login: 100 },
      dev: { test_cards_dir: join(m, 'cards') },
    });
    const srv = await startServer(env);
    const client = addClient(env, ['--client-name', 'Portal', '--redirect-uris', 'https://portal.example/cb', '--tier', 'city']);
    const loginTx = () => {
      const id = randomBytes(12).toString('base64url');
      psql(env.SAKAID_DATABASE_URL, `INSERT INTO login_transactions (id, client_id, redirect_uri, oidc_nonce, expires_at)
        VALUES ('${id}', '${client.client_id}', 'https://portal.example/cb', 'nonce-${id}', now() + interval '10 minutes')`);
      return id;
    };
    // A well-formed card challenge for a live login transaction, as if from @p from.
    const challenge = async (from) => (await fetch(`${srv.url}/login/card/challenge`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': from } : {}) },
      body: JSON.stringify({ login_tx: loginTx() }),
    })).status;
    return { srv, env, client, challenge };
  }

  test('a bad http.trusted_proxies entry stops sakaid at start-up with exit 2, naming the key and the entry', async () => {
    const env = await provision({ keys: false });
    for (const bad of [['10.0.0.1/8'], ['proxy.internal'], ['fd00::/129']]) {
      const r = runSakaid({ ...env, SAKAID_CONFIG: writeConfig(tempDir(), { http: { trusted_proxies: bad } }) });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /"http\.trusted_proxies" has "[^"]+", which is not an IP address or a CIDR block/);
      assert.ok(r.stderr.includes(bad[0]));
    }
    const env2 = runSakaid({ ...env, SAKAID_TRUSTED_PROXIES: '127.0.0.1,bogus' });
    assert.equal(env2.status, 2);
    assert.match(env2.stderr, /http\.trusted_proxies.*bogus/);
  });

  test('with http.trusted_proxies, two X-Forwarded-For addresses get separate card rate-limit buckets', async () => {
    const { srv, challenge } = await cardNode({ trusted_proxies: ['127.0.0.1'] });
    const a = [];
    for (let i = 0; i < 4; i++) a.push(await challenge('198.51.100.7'));
    assert.deepEqual(a, [200, 200, 200, 429], 'jpki.rate_per_minute is 3 per address');
    assert.equal(await challenge('203.0.113.9'), 200, 'another client behind the same proxy has its own bucket');
    assert.equal(await challenge('[2001:db8::5]:4711'), 200, 'and an IPv6 one');
    await sleep(300); // the access-log line follows the answer
    const lines = srv.logs().trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.path === '/login/card/challenge');
    assert.ok(lines.some((l) => l.remote === '198.51.100.7'), 'the access log shows the forwarded address');
    assert.ok(lines.some((l) => l.remote === '2001:db8::5'));
  });

  test('without http.trusted_proxies, X-Forwarded-For is ignored: one shared bucket', async () => {
    const { srv, challenge } = await cardNode({});
    const got = [];
    for (const from of ['198.51.100.7', '203.0.113.9', '192.0.2.1', '198.51.100.8']) got.push(await challenge(from));
    assert.deepEqual(got, [200, 200, 200, 429]);
    const lines = srv.logs().trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.path === '/login/card/challenge');
    assert.ok(lines.every((l) => l.remote === '127.0.0.1'));
  });

  test('a forwarded request for a non-loopback client is not loopback: no test-card button in dev mode', async () => {
    const { srv, client } = await cardNode({ trusted_proxies: ['127.0.0.1'] });
    const auth = `${srv.url}/authorize?client_id=${encodeURIComponent(client.client_id)}&response_type=code&scope=openid`
      + `&redirect_uri=${encodeURIComponent('https://portal.example/cb')}&state=s&nonce=n`
      + `&code_challenge=${'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'}&code_challenge_method=S256`;
    const page = async (headers) => {
      const agent = new Agent(srv.url); // the login transaction is bound to the browser by a cookie
      const r = await agent.request(auth, { headers });
      assert.equal(r.status, 303, r.text);
      const p = await agent.request(r.location, { headers });
      assert.equal(p.status, 200, p.text.slice(0, 300));
      return p.text;
    };
    assert.match(await page({}), /id="test-card"/, 'a loopback client sees the test cards');
    assert.doesNotMatch(await page({ 'x-forwarded-for': '198.51.100.7' }), /id="test-card"/);
    assert.match(await page({ 'x-forwarded-for': '127.0.0.1' }), /id="test-card"/, 'a forwarded loopback client still does');
  });
});
