// Test harness: real sakaid and sakaid-admin binaries against a real
// PostgreSQL (the throwaway cluster started by scripts/test). Every test
// gets its own database, data directory and port.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent as Dispatcher, setGlobalDispatcher } from 'undici';

// HTTP keep-alive has a race no client can avoid for a POST: the server
// closes an idle connection just as the client sends on it (RFC 9112 §9.3.1
// lets clients retry only idempotent requests). sakaid closes idle
// connections after http.keep_alive_ms (2 s), and a test's pauses are longer.
// A client-side idle limit does not help: the synchronous child processes of
// the tests (sakaid-card signing, psql) block the event loop that would close
// the idle connection, and CI saw a POST sent on a connection that had sat
// for 5 s (the limit was 5 s then; http.keep_alive_ms is 2 s now). So the tests' fetch opens a connection per request (pipelining 0:
// no keep-alive). Keep-alive itself is tested with raw sockets (http.test.mjs).
setGlobalDispatcher(new Dispatcher({ pipelining: 0 }));

export const BIN = process.env.SAKAID_BIN_DIR;
export const SCRIPTS = process.env.SAKAID_SCRIPTS_DIR;
const ADMIN_URL = process.env.SAKAID_TEST_DATABASE_URL;
if (!BIN || !ADMIN_URL || !SCRIPTS) {
  throw new Error('SAKAID_BIN_DIR, SAKAID_SCRIPTS_DIR and SAKAID_TEST_DATABASE_URL must be set: run ./scripts/test');
}

const cleanups = [];
/** Runs every registered clean-up (call from an after() hook). */
export async function cleanup() {
  const errors = [];
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length) throw errors[0];
}

export function psql(url, sql) {
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qtAc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
}

export function dbUrl(base, name) {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, empty database; dropped at clean-up. */
export function createDb() {
  const name = `t_${randomBytes(6).toString('hex')}`;
  psql(ADMIN_URL, `CREATE DATABASE ${name}`);
  cleanups.push(() => psql(ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return dbUrl(ADMIN_URL, name);
}

export function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'sakaid-test-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function probePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/*
 * A loopback port free now, and never one this process handed out before: the kernel may give a port
 * back as soon as the probe closes it, and two of our listeners (a node's http.listen and its
 * http.metrics_listen) must not get the same one.
 */
const handedOut = new Set();
export async function freePort() {
  for (;;) {
    const port = await probePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** A configuration file in @p dir; returns its path. */
export function writeConfig(dir, config) {
  const p = join(dir, `config-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(p, JSON.stringify(config));
  return p;
}

/**
 * Runs sakaid-admin. Returns {status, stdout, stderr, json}. With
 * expectExit (default 0) a different exit status throws.
 */
export function admin(env, args, { json = true, expectExit = 0, input } = {}) {
  const argv = json ? ['--json', ...args] : args;
  const r = spawnSync(join(BIN, 'sakaid-admin'), argv, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    input,
  });
  let parsed;
  try {
    parsed = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    parsed = undefined;
  }
  const out = { status: r.status, stdout: r.stdout, stderr: r.stderr, json: parsed };
  if (expectExit !== null && r.status !== expectExit) {
    throw new Error(`sakaid-admin ${argv.join(' ')} exited ${r.status} (expected ${expectExit})\n${r.stderr}${r.stdout}`);
  }
  return out;
}

/**
 * Runs sakaid-admin without blocking the event loop (for tests whose own
 * servers, such as an upstream provider, must answer it). Same result shape.
 */
export function adminAsync(env, args, { expectExit = 0 } = {}) {
  const argv = ['--json', ...args];
  return new Promise((resolve, reject) => {
    const proc = spawn(join(BIN, 'sakaid-admin'), argv, { env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.on('close', (status) => {
      let json;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      if (expectExit !== null && status !== expectExit) {
        reject(new Error(`sakaid-admin ${argv.join(' ')} exited ${status} (expected ${expectExit})\n${stderr}${stdout}`));
      } else {
        resolve({ status, stdout, stderr, json });
      }
    });
  });
}

/** Database + data dir + migrations + KEK + signing keys. Returns the env for the binaries. */
export async function provision({ keys = true, migrate = true, databaseUrl } = {}) {
  const dir = tempDir();
  const env = {
    SAKAID_DATABASE_URL: databaseUrl ?? createDb(),
    SAKAID_DATA_DIR: dir,
    SAKAID_PORT: String(await freePort()),
    SAKAID_LOG_LEVEL: 'info',
  };
  delete process.env.SAKAID_CONFIG;
  if (migrate) admin(env, ['migrate']);
  admin(env, ['kek', 'init']);
  if (keys) admin(env, ['keys', 'init']);
  return env;
}

/** Runs sakaid to completion (for start-up refusals); no metrics listener unless @p env names one. */
export function runSakaid(env, { timeout = 20000 } = {}) {
  return spawnSync(join(BIN, 'sakaid'), [], { env: { ...process.env, SAKAID_METRICS_LISTEN: '', ...env }, encoding: 'utf8', timeout });
}

/**
 * Starts sakaid and waits until /healthz answers. Returns
 * {url, metricsUrl, env, proc, logs(), stop()}; stop() sends SIGTERM and resolves to the exit code.
 * The metrics listener (http.metrics_listen) gets a free loopback port of its own unless @p env sets
 * SAKAID_METRICS_LISTEN ("" turns it off); @p env itself is left as it is, so that a second node
 * started from a copy gets its own port too.
 */
export async function startServer(env) {
  const metricsListen = env.SAKAID_METRICS_LISTEN ?? `127.0.0.1:${await freePort()}`;
  const proc = spawn(join(BIN, 'sakaid'), [], {
    env: { ...process.env, ...env, SAKAID_METRICS_LISTEN: metricsListen }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
  let alive = true;
  exited.then(() => {
    alive = false;
  });
  const url = `http://127.0.0.1:${env.SAKAID_PORT}`;
  const stop = async () => {
    if (alive) proc.kill('SIGTERM');
    return exited;
  };
  // At clean-up the server must stop cleanly: a non-zero exit is a crash, or
  // (in the ASan build) a leak report, and fails the test run.
  cleanups.push(async () => {
    if (alive) proc.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 10000))]);
    if (alive) proc.kill('SIGKILL');
    if (code !== 0) throw new Error(`sakaid did not stop cleanly (${code}):\n${stderr.split('\n').slice(-30).join('\n')}`);
  });
  const deadline = Date.now() + 30000;
  for (;;) {
    if (!alive) throw new Error(`sakaid exited during start-up:\n${stderr}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`sakaid did not become healthy:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const metricsUrl = metricsListen ? `http://${metricsListen}` : undefined;
  return { url, metricsUrl, env, proc, stop, logs: () => stderr, alive: () => alive };
}

/** Registers a client; returns the admin JSON (with client_id and client_secret). */
export function addClient(env, flags) {
  return admin(env, ['client', 'add', ...flags]).json;
}

export function basic(id, secret) {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export async function tokenRequest(url, params, headers = {}) {
  const r = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof params === 'string' ? params : new URLSearchParams(params).toString(),
  });
  const text = await r.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: r.status, headers: r.headers, body };
}

export function waitFor(pred, { timeout = 15000, interval = 200 } = {}) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeout;
    const tick = async () => {
      let ok = false;
      try {
        ok = await pred();
      } catch {
        ok = false;
      }
      if (ok) return resolve();
      if (Date.now() > deadline) return reject(new Error('condition not met in time'));
      setTimeout(tick, interval);
    };
    tick();
  });
}
