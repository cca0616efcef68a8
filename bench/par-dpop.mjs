// The FAPI-shaped code flow under load (issue #21), run the same way against SakaI-D and node-oidc-provider by
// bench/run: each loop is a client with its own DPoP key (ES256) and a logged-in, consented browser (the cookie):
//   POST the pushed authorization request (Basic, a DPoP proof: RFC 9126, RFC 9449 §10.1) -> request_uri
//   -> GET the authorization endpoint with client_id and request_uri and the cookie -> 303 with the code
//   -> POST /token (Basic, PKCE verifier, a DPoP proof) -> 200, token_type DPoP
// Server nonces (RFC 9449 §8) are on for both servers: a use_dpop_nonce answer is retried with the nonce it
// carries, and each loop keeps the newest DPoP-Nonce, as openid-client does.
// Prints one JSON line: completed flows (in all, and per second), per-flow latency percentiles (ms), failed loops.
//   node bench/par-dpop.mjs URL CLIENT_ID CLIENT_SECRET COOKIE SECONDS CONCURRENCY CHALLENGE VERIFIER
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { SignJWT, exportJWK, generateKeyPair } = await import(pathToFileURL(join(root, 'tests', 'node_modules', 'jose',
  'dist', 'webapi', 'index.js')).href);
const [base, clientId, secret, cookie, seconds, concurrency, challenge, verifier] = process.argv.slice(2);
const basic = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
const meta = await (await fetch(new URL('/.well-known/openid-configuration', base))).json();
const par = meta.pushed_authorization_request_endpoint, authz = meta.authorization_endpoint, token = meta.token_endpoint;
if (!par) throw new Error(`${base} advertises no pushed_authorization_request_endpoint`);

/** One client's DPoP key and the newest nonce the server gave it. */
async function dpopClient() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const c = { nonce: undefined };
  c.proof = (htm, htu) => new SignJWT({ htm, htu, jti: randomUUID(), ...(c.nonce ? { nonce: c.nonce } : {}) })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).setIssuedAt().sign(privateKey);
  /** POSTs @p body to @p url with a proof; once more with the server's nonce when it asks for one. */
  c.post = async (url, body) => {
    for (let attempt = 0; ; attempt++) {
      const r = await fetch(url, { method: 'POST', headers: { authorization: basic, dpop: await c.proof('POST', url),
        'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
      const fresh = r.headers.get('dpop-nonce');
      if (fresh) c.nonce = fresh;
      const j = await r.json().catch(() => ({}));
      if (r.status === 400 && j.error === 'use_dpop_nonce' && attempt === 0) continue;
      return { status: r.status, body: j };
    }
  };
  return c;
}

async function flow(c) {
  const pushed = await c.post(par, { client_id: clientId, response_type: 'code', redirect_uri: 'https://rp.example/cb',
    scope: 'openid', state: 's', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' });
  if (pushed.status !== 201) throw new Error(`par: ${pushed.status} ${JSON.stringify(pushed.body)}`);
  const a = await fetch(`${authz}?${new URLSearchParams({ client_id: clientId, request_uri: pushed.body.request_uri })}`,
    { headers: { cookie }, redirect: 'manual' });
  await a.arrayBuffer();
  const code = a.headers.get('location') && new URL(a.headers.get('location')).searchParams.get('code');
  if (!code) throw new Error(`authorize: ${a.status} ${a.headers.get('location')}`);
  const t = await c.post(token, { grant_type: 'authorization_code', code, redirect_uri: 'https://rp.example/cb',
    code_verifier: verifier });
  if (t.status !== 200 || String(t.body.token_type).toLowerCase() !== 'dpop') throw new Error(`token: ${t.status} ${JSON.stringify(t.body)}`);
}

const end = Date.now() + Number(seconds) * 1000;
const times = [];
let failed = 0, lastError = '';
await Promise.all(Array.from({ length: Number(concurrency) }, async () => {
  const c = await dpopClient();
  while (Date.now() < end) {
    const t0 = performance.now();
    try {
      await flow(c);
      times.push(performance.now() - t0);
    } catch (e) {
      failed++;
      lastError = e.message;
    }
  }
}));
times.sort((x, y) => x - y);
const pct = (p) => (times.length ? times[Math.min(times.length - 1, Math.floor(times.length * p))].toFixed(1) : '0');
console.log(JSON.stringify({ completed: times.length, per_second: (times.length / Number(seconds)).toFixed(1), p50: pct(0.5),
  p99: pct(0.99), failed, ...(failed ? { last_error: lastError } : {}) }));
