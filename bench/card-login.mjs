// The full My Number card login under load, for SakaI-D alone (bench/run):
// each loop is a new browser (no session) and a phone with the test card:
//   GET /authorize -> login page with the challenge (QR link)
//   -> the card signs the challenge message (jpki.md) -> POST /login/card/verify
//   -> POST /login/continue -> consent already given: 303 with the code
//   -> POST /token (Basic, PKCE verifier) -> 200
// Prints one JSON line: completed logins (in all, and per second), per-login latency
// percentiles (ms) and the number of failed loops.
//   node bench/card-login.mjs URL CLIENT_ID CLIENT_SECRET CARD_DIR SECONDS CONCURRENCY CHALLENGE VERIFIER
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { Agent, formFields, unescapeHtml } = await import(pathToFileURL(join(root, 'tests', 'integration', 'lib', 'agent.mjs')).href);
const [base, clientId, secret, cardDir, seconds, concurrency, challenge, verifier] = process.argv.slice(2);

const key = createPrivateKey(readFileSync(join(cardDir, 'auth.key')));
const certificate = readFileSync(join(cardDir, 'auth.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, '');
const basic = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
const authorize = `/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: 'https://rp.example/cb', response_type: 'code',
  scope: 'openid', state: 's', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' })}`;

// jpki.md "Proposed exchange": tag 0x00 || nonce || SHA-256(client_id 0x00 redirect_uri 0x00 oidc_nonce), the last
// part carried by the link as binding (docs/card.md "The exchange"); the verify endpoint is beside the link's path
function message(link) {
  const u = new URL(link), p = u.searchParams;
  const bind = Buffer.from(p.get('binding'), 'base64url');
  const verify = new URL(u.pathname.replace(/\/login\/card\/app$/, '/login/card/verify'), u).href;
  return { p, verify, msg: Buffer.concat([Buffer.from('SAKAI-D-JPKI-AUTH-v1\0'), Buffer.from(p.get('nonce'), 'base64url'), bind]) };
}

async function login() {
  const agent = new Agent(base);
  const page = await agent.go(authorize);
  const link = page.text.match(/id="app-link" href="([^"]+)"/);
  if (!link) throw new Error(`login page: ${page.status}`);
  const { p, verify, msg } = message(unescapeHtml(link[1]));
  // the card: PKCS#1 v1.5 over the SHA-256 DigestInfo of the message
  const signature = sign('sha256', msg, key).toString('base64url');
  const v = await fetch(verify, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ challenge_id: p.get('challenge_id'), cert_type: 'auth', certificate, signature }) });
  await v.arrayBuffer();
  if (v.status !== 200) throw new Error(`verify: ${v.status}`);
  const back = await agent.go('/login/continue', { method: 'POST', form: formFields(page.text, '/login/continue') });
  const code = back.location && new URL(back.location).searchParams.get('code');
  if (!code) throw new Error(`continue: ${back.status}`);
  const t = await fetch(new URL('/token', base), { method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://rp.example/cb', code_verifier: verifier }) });
  await t.arrayBuffer();
  if (t.status !== 200) throw new Error(`token: ${t.status}`);
}

const end = Date.now() + Number(seconds) * 1000;
const times = [];
let failed = 0, lastError = '';
await Promise.all(Array.from({ length: Number(concurrency) }, async () => {
  while (Date.now() < end) {
    const t0 = performance.now();
    try {
      await login();
      times.push(performance.now() - t0);
    } catch (e) {
      failed++;
      lastError = String(e.message ?? e);
    }
  }
}));
times.sort((a, b) => a - b);
const pct = (q) => (times.length ? times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2) : '0');
console.log(JSON.stringify({ completed: times.length, per_second: Math.round(times.length / Number(seconds)), p50: pct(0.5), p99: pct(0.99), failed, lastError }));
