#!/usr/bin/env node
// A JPKI platform operator's revocation API, simulated for tests and demos
// (docs/card.md "Revocation through a platform operator"): it answers the
// contract sakaid's jpki.revocation_source "operator" speaks, from the CRL
// files of the test CA (keys/jpki-test-ca OUT/crl), read with `openssl crl`.
//
//   node tests/tools/operator-sim.mjs --crl-dir DIR --key-file FILE [--port N] [--host 127.0.0.1]
//
// Prints one line {"url": ..., "control": ...} on stdout when it listens.
//
//   POST /v1/revocation   Authorization: Bearer <key>   {"issuer_key_id", "serial"}
//     -> 200 {"issuer_key_id", "serial", "status": "good"|"revoked"|"unknown",
//             "revoked_at"?, "reason"?, "source_updated_at"}
//     An issuer whose CRL it does not hold is "unknown". 401 without the key.
//   POST /_control        (same key) {"mode"?, "delay_ms"?}: how to misbehave
//   GET  /_control        (same key) {"mode", "delay_ms", "requests": [{"body", "auth"}...]}
//
// Modes: "normal"; "fail" (500); "unknown" (every status unknown); "stale"
// (source_updated_at ten days before the CRL's thisUpdate); "other" (the
// answer names another serial); "hang" (never answers). delay_ms holds every
// answer back that long. It runs in its own process: the tests' card
// simulator (sakaid-card) is spawned synchronously and would block a server
// in the test's own event loop.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';

const hexId = (s) => s.replaceAll(':', '').replace(/\s/g, '').toUpperCase();
const serialId = (s) => hexId(s).replace(/^0+(?=.)/, '');
const epoch = (text) => Math.floor(Date.parse(`${text.trim()}`) / 1000);
// openssl's text for CRLReason (RFC 5280 §5.3.1) back to the ASN.1 name: "Key Compromise" -> keyCompromise
const reasonName = (text) => {
  const words = text.trim().split(/\s+/);
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase())).join('');
};

/** issuer key id -> {updated, revoked: Map(serial -> {at, reason})}, from every *.crl in @p dir. */
export function loadCrls(dir) {
  const issuers = new Map();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.crl') || n.endsWith('.pem'))) {
    const text = execFileSync('openssl', ['crl', '-in', join(dir, f), '-inform', f.endsWith('.pem') ? 'PEM' : 'DER',
      '-noout', '-text'], { encoding: 'utf8' });
    const aki = text.match(/Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-F:]+)/);
    const updated = text.match(/Last Update: (.*)/);
    if (!aki || !updated) continue;
    const entry = { updated: epoch(updated[1]), revoked: new Map() };
    for (const m of text.matchAll(/Serial Number: ([0-9A-F]+)\n\s+Revocation Date: (.*)\n(?:\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code:\s*\n\s+(.*))?/g)) {
      entry.revoked.set(serialId(m[1]), { at: epoch(m[2]), reason: m[3] ? reasonName(m[3]) : undefined });
    }
    issuers.set(hexId(aki[1]), entry);
  }
  return issuers;
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => resolve(body));
  });
}

/** Starts the simulator; resolves to {url, control, server}. */
export function startOperator({ crlDir, key, port = 0, host = '127.0.0.1' }) {
  const issuers = loadCrls(crlDir);
  const state = { mode: 'normal', delay_ms: 0, requests: [] };
  const authorized = (req) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    const want = Buffer.from(`Bearer ${key}`);
    return got.length === want.length && timingSafeEqual(got, want);
  };
  const send = (res, status, obj) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (!authorized(req)) return send(res, 401, { error: 'invalid_token' });
    if (req.url === '/_control') {
      if (req.method === 'POST') Object.assign(state, JSON.parse(body || '{}'));
      return send(res, 200, state);
    }
    if (req.method !== 'POST' || req.url !== '/v1/revocation') return send(res, 404, { error: 'not_found' });
    state.requests.push({ body, contentType: req.headers['content-type'] });
    if (state.mode === 'hang') return undefined; // never answers; sakaid's timeout ends it
    if (state.delay_ms > 0) await new Promise((r) => setTimeout(r, state.delay_ms));
    if (state.mode === 'fail') return send(res, 500, { error: 'internal' });
    let q;
    try {
      q = JSON.parse(body);
    } catch {
      return send(res, 400, { error: 'invalid_request' });
    }
    if (typeof q.issuer_key_id !== 'string' || typeof q.serial !== 'string') return send(res, 400, { error: 'invalid_request' });
    const issuer = issuers.get(hexId(q.issuer_key_id));
    const answer = { issuer_key_id: q.issuer_key_id, serial: q.serial, status: 'unknown',
      source_updated_at: issuer ? issuer.updated : Math.floor(Date.now() / 1000) };
    if (issuer && state.mode !== 'unknown') {
      const r = issuer.revoked.get(serialId(q.serial));
      answer.status = r ? 'revoked' : 'good';
      if (r) Object.assign(answer, { revoked_at: r.at, reason: r.reason });
    }
    if (state.mode === 'stale') answer.source_updated_at -= 10 * 86400;
    if (state.mode === 'other') answer.serial = `${q.serial}01`;
    return send(res, 200, answer);
  });
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const url = `http://${host}:${server.address().port}`;
      resolve({ url: `${url}/v1/revocation`, control: `${url}/_control`, server });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : def;
  };
  const crlDir = arg('crl-dir'), keyFile = arg('key-file');
  if (!crlDir || !keyFile) {
    console.error('usage: operator-sim.mjs --crl-dir DIR --key-file FILE [--port N] [--host H]');
    process.exit(2);
  }
  const key = readFileSync(keyFile, 'utf8').trim();
  const { url, control } = await startOperator({ crlDir, key, port: Number(arg('port', '0')), host: arg('host', '127.0.0.1') });
  console.log(JSON.stringify({ url, control }));
}
