// The code flow from a test: a provider with card login and JPKI test
// material, a browser-like agent (cookie jar, manual redirects, forms), and
// sakaid-card for the card's part. openid-client plays the relying party.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { adminAsync, BIN, provision, startServer, tempDir, writeConfig } from './harness.mjs';
import { Agent, formFields, unescapeHtml } from './agent.mjs';

export { Agent, formFields };

const SOURCE = process.env.SAKAID_SOURCE_DIR;

/** Test material once per process (it takes a few seconds), again after a cleanup() removed it. */
let material;
export function jpkiMaterial() {
  if (!material || !existsSync(material)) {
    material = join(tempDir(), 'jpki');
    execFileSync(join(SOURCE, 'keys', 'jpki-test-ca'), [material]);
  }
  return material;
}

/**
 * The Digital Agency's app as provider @p p's card channel "daa", played by simulator @p sim (lib/daa.mjs),
 * both sides registered as an operator would: sakaid-admin makes our key; the simulator learns it and our
 * callback. Returns sakaid-admin's answer (its jwks among it).
 */
export async function addAppChannel(p, sim, clientId = 'RP00000001') {
  const registered = (await adminAsync(p.env, ['upstream', 'add', 'daa', '--kind', 'digital-auth-app', '--issuer', sim.issuer,
    '--client-id', clientId, '--display-name', 'デジタル認証アプリ'])).json;
  sim.registerClient({ client_id: clientId, jwks: registered.jwks, redirect_uris: [`${p.url}/login/social/callback`] });
  return registered;
}

/** A running provider with card login configured (dev mode: test cards on loopback). */
export async function startProvider(extra = {}) {
  const m = jpkiMaterial();
  const env = await provision();
  env.SAKAID_DEV_MODE = '1';
  const { jpki, ...rest } = extra; // jpki settings merge into the card set-up
  env.SAKAID_CONFIG = writeConfig(tempDir(), {
    jpki: {
      auth_roots: join(m, 'roots', 'auth.pem'),
      sign_roots: join(m, 'roots', 'sign.pem'),
      crl_dir: join(m, 'crl'),
      rate_per_minute: 100000,
      max_challenges_per_login: 20,
      ...jpki,
    },
    dev: { test_cards_dir: join(m, 'cards') },
    ...rest,
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

/** When @p r is the consent page, answers it with @p consent (allow or deny; null: leaves it); otherwise returns @p r. */
export async function consentIfAsked(agent, r, consent = 'allow') {
  if (consent === null || r.status !== 200 || !r.text.includes('action="/consent"')) return r;
  return agent.go('/consent', { method: 'POST', form: { ...formFields(r.text, '/consent'), decision: consent } });
}

/** The hidden fields of the new-card page's form for @p answer (first, renewal, confirm, refuse). */
export function newCardForm(html, answer) {
  const m = html.match(new RegExp(`<form[^>]*action="/login/card/new" data-answer="${answer}">([\\s\\S]*?)</form>`));
  if (!m) throw new Error(`no "${answer}" on the new-card page:\n${html.slice(0, 2000)}`);
  return Object.fromEntries([...m[1].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((f) => [f[1], unescapeHtml(f[2])]));
}

/** When @p r asks whether a card new to SakaI-D is a first card or a renewal, answers @p answer (docs/card.md). */
export async function answerNewCard(agent, r, answer = 'first') {
  if (r.status !== 200 || !r.text.includes('id="new-card"')) return r;
  return agent.go('/login/card/new', { method: 'POST', form: newCardForm(r.text, answer) });
}

/**
 * Runs a login page to the end: the card signs (sakaid-card with
 * @p cardFlags, e.g. ['--cacert', FILE]), the browser continues, a card new
 * to SakaI-D is answered with @p newCard, the signing step (the card's two
 * keys, when the request wants verified claims) is signed, or skipped with
 * @p signStep 'skip', and consent is given (or denied) when asked. Returns
 * the last response (a redirect to the client, or a page).
 */
export async function completeLogin(agent, page, { cards, card = 'sakai-taro', consent = 'allow', cardFlags = [],
  newCard = 'first', signStep = 'sign' } = {}) {
  let r = page;
  if (r.text.includes('id="app-link"')) {
    signWithCard(cards, card, appLink(r.text), ...cardFlags);
    r = await agent.go('/login/continue', { method: 'POST', form: formFields(r.text, '/login/continue') });
  }
  r = await answerNewCard(agent, r, newCard);
  if (r.status === 200 && r.text.includes('id="sign-step"') && r.text.includes('id="app-link"')) {
    if (signStep === 'skip') {
      r = await agent.go('/login/sign/skip', { method: 'POST', form: formFields(r.text, '/login/sign/skip') });
    } else {
      signWithCard(cards, card, appLink(r.text), ...cardFlags);
      r = await agent.go('/login/continue', { method: 'POST', form: formFields(r.text, '/login/continue') });
    }
  }
  return consentIfAsked(agent, r, consent);
}

/**
 * On a login page: the card's two keys sign one challenge of its login
 * (purpose both: the signing certificate is enrolled with the authentication
 * certificate of the same card, jpki.md), then the browser continues.
 * Returns the page after (a card new to SakaI-D answered with @p newCard).
 */
export async function signInBothKeys(agent, page, cards, card, newCard = 'first') {
  const fields = formFields(page.text, '/login/continue');
  const ch = await (await fetch(new URL('/login/card/challenge', agent.base), { method: 'POST',
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login_tx: fields.tx, purpose: 'both' }) })).json();
  const r = signWithCard(cards, card, ch.link);
  if (r.status !== 'authenticated') throw new Error(`the card's two keys were refused: ${JSON.stringify(r)}`);
  return answerNewCard(agent, await agent.go('/login/continue', { method: 'POST', form: fields }), newCard);
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
