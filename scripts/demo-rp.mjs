// The demo relying party that ./scripts/run serves in dev mode: a small web
// app that signs in with SakaI-D through its public endpoints only, like any
// relying party, using the certified openid-client library (installed in
// tests/node_modules by `npm ci`). It shows the ID token's claims and the
// UserInfo answer.
//
//   DEMO_ISSUER=http://127.0.0.1:8080 DEMO_CLIENT_FILE=var/demo-client.json \
//   DEMO_PORT=3000 node scripts/demo-rp.mjs
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const oidc = await import(pathToFileURL(join(root, 'tests', 'node_modules', 'openid-client', 'build', 'index.js')).href);

const issuer = process.env.DEMO_ISSUER ?? 'http://127.0.0.1:8080';
const port = Number(process.env.DEMO_PORT ?? 3000);
const client = JSON.parse(readFileSync(process.env.DEMO_CLIENT_FILE, 'utf8'));
const base = `http://127.0.0.1:${port}`;
const redirectUri = `${base}/callback`;
const scope = 'openid profile address birthdate gender residency';

const insecure = new URL(issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined;
let config;
async function getConfig() {
  config ??= await oidc.discovery(new URL(issuer), client.client_id, client.client_secret,
    oidc.ClientSecretBasic(client.client_secret), insecure);
  return config;
}

/* Logins in progress, by state (a demo keeps them in memory; they expire after ten minutes). */
const pending = new Map();

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
function page(res, status, title, body) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'cache-control': 'no-store',
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}
pre{background:#f4f6f8;padding:1rem;overflow:auto}a.button{display:inline-block;padding:.75rem 1.25rem;background:#0b5cad;color:#fff;
border-radius:.5rem;text-decoration:none;margin:.25rem}</style></head><body><h1>${esc(title)}</h1>${body}</body></html>`);
}

async function handle(req, res) {
  const url = new URL(req.url, base);
  if (url.pathname === '/') {
    return page(res, 200, 'SakaI-D demo relying party', `<p>This app signs you in with SakaI-D (${esc(issuer)}).</p>
<p><a class="button" id="login-ja" href="/login?ui_locales=ja">SakaI-D でログイン</a>
<a class="button" id="login-en" href="/login?ui_locales=en">Sign in with SakaI-D (English)</a></p>`);
  }
  if (url.pathname === '/login') {
    const cfg = await getConfig();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState(), nonce = oidc.randomNonce();
    pending.set(state, { verifier, nonce, at: Date.now() });
    for (const [k, v] of pending) if (Date.now() - v.at > 600000) pending.delete(k);
    const params = { redirect_uri: redirectUri, scope, state, nonce, code_challenge_method: 'S256',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier) };
    const locales = url.searchParams.get('ui_locales');
    if (locales) params.ui_locales = locales;
    res.writeHead(303, { location: oidc.buildAuthorizationUrl(cfg, params).href });
    return res.end();
  }
  if (url.pathname === '/callback') {
    const cfg = await getConfig();
    const state = url.searchParams.get('state');
    const p = pending.get(state);
    pending.delete(state);
    if (url.searchParams.has('error') || !p) {
      return page(res, 400, 'Sign-in did not complete', `<p id="error">${esc(url.searchParams.get('error') ?? 'unknown state')}</p>
<p>${esc(url.searchParams.get('error_description') ?? '')}</p><p><a href="/">Back</a></p>`);
    }
    const tokens = await oidc.authorizationCodeGrant(cfg, url, { pkceCodeVerifier: p.verifier, expectedState: state, expectedNonce: p.nonce });
    const claims = tokens.claims();
    const info = await oidc.fetchUserInfo(cfg, tokens.access_token, claims.sub);
    return page(res, 200, 'Signed in', `<h2>ID token claims</h2><pre id="id-token">${esc(JSON.stringify(claims, null, 2))}</pre>
<h2>UserInfo</h2><pre id="userinfo">${esc(JSON.stringify(info, null, 2))}</pre><p><a href="/">Again</a></p>`);
  }
  page(res, 404, 'Not found', '');
}

createServer((req, res) => {
  handle(req, res).catch((e) => page(res, 500, 'Error', `<pre id="error">${esc(e.message)}</pre>`));
}).listen(port, '127.0.0.1', () => console.log(`demo relying party on ${base}`));
