// The code flow from a test: a provider with card login and JPKI test
// material, a browser-like agent (cookie jar, manual redirects, forms), and
// sakaid-card for the card's part. openid-client plays the relying party.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { BIN, provision, startServer, tempDir, writeConfig } from './harness.mjs';

const SOURCE = process.env.SAKAID_SOURCE_DIR;

/** Test material once per process (it takes a few seconds). */
let material;
export function jpkiMaterial() {
  if (!material) {
    material = join(tempDir(), 'jpki');
    execFileSync(join(SOURCE, 'keys', 'jpki-test-ca'), [material]);
  }
  return material;
}

/** A running provider with card login configured (dev mode: test cards on loopback). */
export async function startProvider(extra = {}) {
  const m = jpkiMaterial();
  const env = await provision();
  env.SAKAID_DEV_MODE = '1';
  env.SAKAID_CONFIG = writeConfig(tempDir(), {
    jpki: {
      auth_roots: join(m, 'roots', 'auth.pem'),
      sign_roots: join(m, 'roots', 'sign.pem'),
      crl_dir: join(m, 'crl'),
      rate_per_minute: 100000,
      max_challenges_per_login: 20,
    },
    dev: { test_cards_dir: join(m, 'cards') },
    ...extra,
  });
  const srv = await startServer(env);
  return { env, srv, url: srv.url, cards: join(m, 'cards') };
}

/** openid-client configuration for a registered client (plain http on loopback is allowed). */
export async function rp(url, client, auth) {
  const method = auth ?? (client.client_secret ? oidc.ClientSecretBasic(client.client_secret) : oidc.None());
  return oidc.discovery(new URL(url), client.client_id, client.client_secret ? { client_secret: client.client_secret } : {},
    method, { execute: [oidc.allowInsecureRequests] });
}

const unescapeHtml = (s) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** A browser without a browser: cookies per origin, redirects by hand, HTML forms read with regexes. */
export class Agent {
  constructor(base) {
    this.base = base;
    this.jars = new Map();
  }

  /** The cookies of an origin (of SakaI-D by default). */
  jarFor(origin = new URL(this.base).origin) {
    if (!this.jars.has(origin)) this.jars.set(origin, new Map());
    return this.jars.get(origin);
  }

  get jar() {
    return this.jarFor();
  }

  async request(url, { method = 'GET', form, headers = {} } = {}) {
    const u = new URL(url, this.base);
    const jar = this.jarFor(u.origin);
    const h = { ...headers };
    if (jar.size) h.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    const r = await fetch(u, { method, headers: h, body, redirect: 'manual' });
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i), value = pair.slice(i + 1);
      if (/Max-Age=0/i.test(c) || /expires=Thu, 01 Jan 1970/i.test(c) || !value) jar.delete(name);
      else jar.set(name, value);
    }
    const text = await r.text();
    const location = r.headers.get('location');
    return { status: r.status, headers: r.headers, text, url: u.href, location: location && new URL(location, u).href };
  }

  /** Follows 303s on our own origin; stops at the first page or at a redirect elsewhere. */
  async go(url, opts) {
    let r = await this.request(url, opts);
    for (let i = 0; i < 10 && r.status === 303 && new URL(r.location).origin === new URL(this.base).origin; i++) {
      r = await this.request(r.location);
    }
    return r;
  }
}

/** The hidden inputs of the form with action @p action in @p html. */
export function formFields(html, action) {
  const m = html.match(new RegExp(`<form[^>]*action="${action.replace(/[/]/g, '\\/')}"[^>]*>([\\s\\S]*?)</form>`));
  if (!m) throw new Error(`no form for ${action} in page:\n${html.slice(0, 2000)}`);
  const fields = {};
  for (const [, name, value] of m[1].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[name] = unescapeHtml(value);
  return fields;
}

/** The "open in the app" link of a login page (what the QR code holds). */
export function appLink(html) {
  const m = html.match(/id="app-link" href="([^"]+)"/);
  if (!m) throw new Error(`no app link in page:\n${html.slice(0, 2000)}`);
  return unescapeHtml(m[1]);
}

/** The card's part: sakaid-card signs the link. */
export function signWithCard(cards, name, link, ...flags) {
  const r = spawnSync(join(BIN, 'sakaid-card'), ['--dir', cards, 'sign', '--card', name, ...flags, link], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sakaid-card ${name} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * Runs a login page to the end: the card signs, the browser continues,
 * consent is given (or denied) when asked. Returns the last response (a
 * redirect to the client, or a page).
 */
export async function completeLogin(agent, page, { cards, card = 'sakai-taro', consent = 'allow' } = {}) {
  let r = page;
  if (r.text.includes('id="app-link"')) {
    signWithCard(cards, card, appLink(r.text));
    r = await agent.go('/login/continue', { method: 'POST', form: formFields(r.text, '/login/continue') });
  }
  if (r.status === 200 && r.text.includes('action="/consent"')) {
    r = await agent.go('/consent', { method: 'POST', form: { ...formFields(r.text, '/consent'), decision: consent } });
  }
  return r;
}

/** Starts an authorization request from the relying party's side. */
export async function authRequest(config, params = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState(), nonce = oidc.randomNonce();
  const p = {
    redirect_uri: params.redirect_uri, scope: 'openid', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...params,
  };
  for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
  return { url: oidc.buildAuthorizationUrl(config, p), verifier, state, nonce };
}

export { oidc };
