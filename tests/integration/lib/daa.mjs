// A test simulator of the Digital Agency's authentication API (デジタル認証アプリ
// サービス API, "DAA"), the upstream OpenID provider of kind digital-auth-app,
// written from its public reference:
//   https://developers.digital.go.jp/documents/auth-and-sign/authserver
//   https://developers.digital.go.jp/documents/auth-and-sign/implement-guideline
// The phone app is stood in for by an HTML page that lists the test cards
// (keys/jpki-test-ca) with Approve / Refuse buttons; card attributes and CRL
// status come from `sakaid-card attrs` (idp/cardsim), so they are exactly
// what idp_jpki_parse_attrs decodes. The contract is in docs/card.md, "The
// デジタル認証アプリ simulator".
//
// From the reference (as read through the search tool, which showed the
// authorization endpoint's parameter table and the sandbox token URL):
//   - authorization code flow only, response_type=code;
//   - scope: openid (required), name, address, birthdate, gender, sign;
//   - client_id [0-9a-zA-Z]{1,255}; redirect_uri 1..255 characters;
//     state, nonce required, 1..255 of %x20-7E; code_challenge required,
//     [0-9a-zA-Z_-]{1,128}; code_challenge_method required, "S256" only;
//   - acr_values, e.g. "aal3 crl"; sign_transaction_id, a uuid;
//   - private_key_jwt at the token endpoint: iss = sub = client_id,
//     aud = the token endpoint URL, exp, jti (the Digital Agency's sample);
//   - sandbox issuer https://sb-auth-and-sign.go.jp/api/realms/main with
//     Keycloak's paths /protocol/openid-connect/{auth,token,certs,userinfo}.
//
// ASSUMPTIONS (the reference was silent, or not readable here; chosen as a
// Keycloak-based OP would do). Each is also listed in docs/card.md:
//   A1  Before client_id and redirect_uri are known good (client_id missing,
//       malformed or unknown; redirect_uri missing, too long or not one of the
//       client's, compared exactly) the answer is an HTML error page, 400.
//   A2  After that, errors go back to redirect_uri with error,
//       error_description, state (when one was sent) and iss:
//       response_type missing -> invalid_request, not "code" ->
//       unsupported_response_type; scope missing -> invalid_request; scope
//       without openid or with an unknown value -> invalid_scope; state,
//       nonce, code_challenge or code_challenge_method missing or malformed,
//       a method other than S256, a parameter given twice, an unknown
//       acr_values entry, a malformed sign_transaction_id, or
//       sign_transaction_id without the sign scope (or the sign scope without
//       sign_transaction_id) -> invalid_request.
//   A3  acr_values_supported is ["aal3", "crl"]; "crl" asks the server to
//       check revocation. The ID token's acr is the requested values
//       (space-separated, in request order), or "aal3" when none was asked.
//       A card on a CRL, with crl asked, is refused: error=access_denied,
//       error_description "the card's certificate is revoked". The
//       authentication certificate is checked; with the sign scope, the
//       signing certificate too. The CRLs' signatures and dates are not
//       checked (sakaid-card attrs matches issuer, key identifier, serial).
//   A4  The authorization response carries iss (RFC 9207, as Keycloak does)
//       and discovery says authorization_response_iss_parameter_supported.
//   A5  sub: a UUID-shaped string made from SHA-256(client_id NUL auth
//       certificate serial): stable per card and client; a renewed card (new
//       serial) gets a new sub. The reference's own rule is unknown.
//   A6  No amr (not found in the reference). The ID token also has azp and
//       at_hash, as Keycloak's do; it lives 300 s, the access token (opaque
//       here, a JWT at Keycloak) 300 s; no refresh token.
//   A7  UserInfo (GET or POST, Bearer): sub plus, per scope, name (UTF-8
//       string, the certificate's name), address (UTF-8 string, not the OIDC
//       address object), birthdate (as the certificate has it: the era digit
//       and YYYYMMDD, e.g. "419900102"), gender (the certificate's code, e.g.
//       "1"). A card without a readable signing certificate is refused at
//       Approve (access_denied) when a basic-attribute scope was asked.
//   A8  Token errors (RFC 6749 §5.2): client authentication failures ->
//       401 invalid_client; grant_type other than authorization_code ->
//       unsupported_grant_type (the reference's client_credentials and
//       refresh flows are not simulated); code unknown, expired (60 s), used,
//       of another client or redirect_uri, or a PKCE mismatch -> 400
//       invalid_grant. A reused code also revokes the access token it gave.
//       client_assertion: RS256, PS256 or ES256 against the registered JWKS;
//       aud may be the token endpoint URL or the issuer; exp required, at
//       most 600 s ahead; jti required and single-use; 10 s clock tolerance.
//   A9  The signing API (issue #17 §1 "Signing"; docs/card.md "Signing
//       through the app"). The implementation guideline says signing runs in
//       the authorization code flow, set up by a client credentials flow;
//       PocketSign's guide to the API (docs.p8n.app .../create-sign-data/
//       start-sign, get-sign) shows POST {api}/sign-transactions with the
//       client credentials token and GET {api}/sign-transactions/{id}/result
//       with the code's access token, {api} being the issuer's origin + /api.
//       What the pages did not show, chosen here: the start body is JSON
//       {"hash": base64 of the bytes the card signs, "hash_type":
//       "digest_info" (a DER DigestInfo) or "sha256"}, answered 201
//       {"sign_transaction_id": uuid}; the transaction lives 10 minutes, is
//       used by one authorization and read once; the result is plain JSON
//       {"certificate": base64 DER, "signature": base64} (PocketSign's guide
//       says JWE: not simulated, and sakaid does not decrypt one yet). The card
//       signs with RSASSA-PKCS1-v1_5 over the DigestInfo, with its sign.key,
//       at Approve; Refuse gives access_denied and no signature. Scripts:
//       signWrongHash (the card signs another hash), signCard (another card's
//       key and certificate sign), signResultError (the result endpoint
//       answers 404). client_credentials tokens (300 s) open only the start.
import { spawnSync } from 'node:child_process';
import { createHash, privateEncrypt, constants as cryptoConstants, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';

const HERE = dirname(fileURLToPath(import.meta.url));
const REALM = '/api/realms/main';
const OIDC = '/protocol/openid-connect';
const SCOPES = ['openid', 'name', 'address', 'birthdate', 'gender', 'sign'];
const ATTR_SCOPES = ['name', 'address', 'birthdate', 'gender'];
const ACRS = ['aal3', 'crl'];
const CODE_TTL = 60, TOKEN_TTL = 300, PENDING_TTL = 600, ASSERTION_MAX_AHEAD = 600, SKEW = 10;
const VSCHAR = /^[\x20-\x7e]{1,255}$/;
const SHA256_DI = Buffer.from('3031300d060960864801650304020105000420', 'hex'); // RFC 8017 §9.2 note 1
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const now = () => Math.floor(Date.now() / 1000);
const b64u = (buf) => Buffer.from(buf).toString('base64url');

function cardTool() {
  if (process.env.SAKAID_BIN_DIR) return join(process.env.SAKAID_BIN_DIR, 'sakaid-card');
  return resolve(HERE, '../../../build/bin/sakaid-card');
}

/** The test cards of @p cardsDir: [{ name, holder, description }]. */
export function listCards(cardsDir) {
  return readdirSync(cardsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(cardsDir, e.name, 'auth.pem')))
    .map((e) => {
      let meta = {};
      try {
        meta = JSON.parse(readFileSync(join(cardsDir, e.name, 'card.json'), 'utf8'));
      } catch { /* a card without card.json is still a card */ }
      return { name: e.name, holder: meta.holder || '', description: meta.description || '' };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `sakaid-card attrs` for one card: { auth_serial, auth_revoked, sign_serial?, sign_revoked?, name?, ... }. */
export function cardAttrs(cardsDir, card, crlDir, tool = cardTool()) {
  const args = ['--dir', cardsDir, 'attrs', '--card', card];
  if (crlDir) args.push('--crl-dir', crlDir);
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sakaid-card attrs ${card} failed (${r.status}): ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

/**
 * Starts the simulator on @p host (127.0.0.1) and @p port (0: a free one).
 * Returns { issuer, url, port, endpoints, registerClient, script, requests, close }.
 */
export async function startDigitalAuthApp({ cardsDir, crlDir, port = 0, host = '127.0.0.1', tool } = {}) {
  if (!cardsDir) throw new Error('startDigitalAuthApp: cardsDir is required');
  const cardBin = tool ?? cardTool();
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const liar = (await generateKeyPair('RS256', { modulusLength: 2048 })).privateKey; // script({ badSignature })
  const kid = `daa-${randomBytes(6).toString('hex')}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

  const clients = new Map(); // client_id -> { client_id, jwks (a JWKS getter), redirect_uris }
  const pending = new Map(); // request_id -> authorization request awaiting the card
  const codes = new Map(); // code -> grant
  const tokens = new Map(); // access token -> { sub, scopes, attrs, clientId, exp, signTx? } (client: { client: true })
  const signTxs = new Map(); // sign_transaction_id -> { clientId, hash, exp, used, result? }
  const jtis = new Map(); // client_id \0 jti -> exp
  const requests = [];
  const cardCache = new Map();
  let once = {}, sticky = {};

  /** Takes override @p key for the answer being made: a one-shot one is used up. */
  const take = (key) => {
    if (key in once) {
      const v = once[key];
      delete once[key];
      return v;
    }
    return sticky[key];
  };
  const peekDown = (endpoint) => {
    const d = key => (key === true || key === endpoint || (Array.isArray(key) && key.includes(endpoint)));
    if ('down' in once && d(once.down)) {
      delete once.down;
      return true;
    }
    return d(sticky.down);
  };

  function script(overrides, { persist = false } = {}) {
    if (overrides === null) {
      once = {};
      sticky = {};
      return;
    }
    if (persist) sticky = { ...sticky, ...overrides };
    else once = { ...once, ...overrides };
  }

  function registerClient({ client_id, jwks, redirect_uris }) {
    if (!/^[0-9a-zA-Z]{1,255}$/.test(client_id ?? '')) throw new Error(`client_id must be [0-9a-zA-Z]{1,255}: ${client_id}`);
    if (!jwks?.keys?.length) throw new Error('registerClient: jwks must be a JWKS with the client\'s public keys');
    if (!redirect_uris?.length) throw new Error('registerClient: redirect_uris is required');
    clients.set(client_id, { client_id, jwks: createLocalJWKSet(jwks), redirect_uris: [...redirect_uris] });
  }

  function card(name) {
    if (!cardCache.has(name)) cardCache.set(name, cardAttrs(cardsDir, name, crlDir, cardBin));
    return cardCache.get(name);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'server_error', error_description: String(e.message) }));
      } else res.destroy();
    });
  });
  await new Promise((r, j) => {
    server.once('error', j);
    server.listen(port, host, r);
  });
  const boundPort = server.address().port;
  const url = `http://${host}:${boundPort}`;
  const issuer = `${url}${REALM}`;
  const endpoints = {
    discovery: `${issuer}/.well-known/openid-configuration`,
    authorization: `${issuer}${OIDC}/auth`,
    token: `${issuer}${OIDC}/token`,
    userinfo: `${issuer}${OIDC}/userinfo`,
    jwks: `${issuer}${OIDC}/certs`,
    decision: `${issuer}/login-actions/decision`,
  };

  async function readBody(req) {
    let body = '';
    for await (const chunk of req) {
      body += chunk;
      if (body.length > 65536) throw new Error('request body too large');
    }
    return body;
  }

  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };
  const page = (res, status, title, body) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>${esc(title)}</title>`
      + '<meta name="viewport" content="width=device-width,initial-scale=1"></head>'
      + `<body><h1>${esc(title)}</h1>${body}</body></html>`);
  };
  const redirect = (res, to) => {
    res.writeHead(302, { location: to });
    res.end();
  };
  /** The authorization response to @p redirectUri with @p params, state and iss. */
  const back = (redirectUri, params, state) => {
    const u = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    if (state !== undefined) u.searchParams.set('state', state);
    u.searchParams.set('iss', issuer);
    return u.href;
  };

  async function handle(req, res) {
    const u = new URL(req.url, url);
    const path = u.pathname.startsWith(REALM) ? u.pathname.slice(REALM.length) : null;
    const signPath = u.pathname.match(/^\/api\/sign-transactions(?:\/([^/]+)\/result)?$/);
    const route = {
      '/.well-known/openid-configuration': 'discovery',
      [`${OIDC}/auth`]: 'authorization',
      [`${OIDC}/token`]: 'token',
      [`${OIDC}/userinfo`]: 'userinfo',
      [`${OIDC}/certs`]: 'jwks',
      '/login-actions/decision': 'decision',
    }[path] ?? (signPath ? (signPath[1] ? 'sign_result' : 'sign_start') : 'unknown');
    const body = req.method === 'POST' ? await readBody(req) : '';
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body) : new URLSearchParams();
    const entry = {
      at: Date.now(), endpoint: route, method: req.method, path: u.pathname,
      query: Object.fromEntries(u.searchParams), form: Object.fromEntries(form),
      headers: { authorization: req.headers.authorization, 'content-type': req.headers['content-type'] },
    };
    requests.push(entry);
    if (peekDown(route)) {
      entry.outcome = { dropped: true };
      return req.socket.destroy();
    }
    const finish = (outcome) => Object.assign(entry, { outcome });
    switch (route) {
      case 'discovery': return json(res, 200, discovery());
      case 'jwks': return json(res, 200, { keys: [jwk] });
      case 'authorization':
        if (req.method !== 'GET' && req.method !== 'POST') return json(res, 405, { error: 'invalid_request' });
        return authorize(req.method === 'POST' ? form : u.searchParams, res, entry, finish);
      case 'decision':
        if (req.method !== 'POST') return page(res, 405, 'Method not allowed', '');
        return decide(form, res, finish);
      case 'token':
        if (req.method !== 'POST') return json(res, 405, { error: 'invalid_request', error_description: 'POST only' });
        return token(req, form, res, entry, finish);
      case 'userinfo': return userinfo(req, form, res, finish);
      case 'sign_start': return signStart(req, body, res, entry, finish);
      case 'sign_result': return signResult(req, decodeURIComponent(signPath[1]), res, finish);
      default: return json(res, 404, { error: 'not_found' });
    }
  }

  function discovery() {
    return {
      issuer,
      authorization_endpoint: endpoints.authorization,
      token_endpoint: endpoints.token,
      userinfo_endpoint: endpoints.userinfo,
      jwks_uri: endpoints.jwks,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'client_credentials'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: SCOPES,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'azp', 'at_hash', 'name', 'address', 'birthdate', 'gender'],
      acr_values_supported: ACRS,
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      authorization_response_iss_parameter_supported: true,
    };
  }

  function authorize(params, res, entry, finish) {
    const one = (k) => params.get(k) ?? undefined;
    const twice = (k) => params.getAll(k).length > 1;
    const clientId = one('client_id'), redirectUri = one('redirect_uri');
    const client = clientId && clients.get(clientId);
    const refuse = (why) => {
      finish({ status: 400, page: why });
      return page(res, 400, 'Invalid request', `<p id="error">${esc(why)}</p>`);
    };
    // A1: nothing goes back to a redirect_uri that is not known good
    if (!clientId || twice('client_id') || !/^[0-9a-zA-Z]{1,255}$/.test(clientId)) return refuse('invalid client_id');
    if (!client) return refuse('unknown client_id');
    if (!redirectUri || twice('redirect_uri') || redirectUri.length > 255) return refuse('invalid redirect_uri');
    if (!client.redirect_uris.includes(redirectUri)) return refuse('redirect_uri is not registered for this client');

    const state = one('state');
    const fail = (error, description) => {
      finish({ status: 302, error, error_description: description });
      return redirect(res, back(redirectUri, { error, error_description: description }, state));
    };
    for (const k of ['response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'acr_values', 'sign_transaction_id']) {
      if (twice(k)) return fail('invalid_request', `${k} given more than once`);
    }
    const responseType = one('response_type');
    if (!responseType) return fail('invalid_request', 'missing response_type');
    if (responseType !== 'code') return fail('unsupported_response_type', 'only response_type=code is supported');
    const scope = one('scope');
    if (!scope) return fail('invalid_request', 'missing scope');
    const scopes = scope.split(' ').filter(Boolean);
    if (!scopes.includes('openid')) return fail('invalid_scope', 'the openid scope is required');
    const unknown = scopes.find((s) => !SCOPES.includes(s));
    if (unknown) return fail('invalid_scope', `unknown scope ${unknown}`);
    if (state === undefined || !VSCHAR.test(state)) return fail('invalid_request', 'state is required: 1..255 of %x20-7E');
    const nonce = one('nonce');
    if (nonce === undefined || !VSCHAR.test(nonce)) return fail('invalid_request', 'nonce is required: 1..255 of %x20-7E');
    const challenge = one('code_challenge');
    if (!challenge || !/^[0-9a-zA-Z_-]{1,128}$/.test(challenge)) return fail('invalid_request', 'code_challenge is required: [0-9a-zA-Z_-]{1,128}');
    const method = one('code_challenge_method');
    if (!method) return fail('invalid_request', 'code_challenge_method is required');
    if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
    const acrs = (one('acr_values') ?? '').split(' ').filter(Boolean);
    const badAcr = acrs.find((a) => !ACRS.includes(a));
    if (badAcr) return fail('invalid_request', `unsupported acr_values entry ${badAcr}`);
    const signTx = one('sign_transaction_id');
    if (signTx !== undefined && !UUID.test(signTx)) return fail('invalid_request', 'sign_transaction_id must be a uuid');
    if (signTx !== undefined && !scopes.includes('sign')) return fail('invalid_request', 'sign_transaction_id needs the sign scope');
    if (signTx === undefined && scopes.includes('sign')) return fail('invalid_request', 'the sign scope needs a sign_transaction_id');
    if (signTx !== undefined) entry.sign_transaction_id = signTx;
    if (signTx !== undefined) {
      const t = signTxs.get(signTx.toLowerCase());
      if (!t || t.clientId !== clientId || t.exp < now() || t.used) return fail('invalid_request', 'unknown, expired or used sign_transaction_id');
      t.used = true;
    }

    const requestId = randomBytes(16).toString('base64url');
    pending.set(requestId, { clientId, redirectUri, state, nonce, challenge, scopes, acrs, signTx, exp: now() + PENDING_TTL });
    finish({ status: 200, request_id: requestId });
    const cards = listCards(cardsDir);
    const items = cards.map((c, i) => `<li><label><input type="radio" name="card" value="${esc(c.name)}"${i === 0 ? ' checked' : ''}> `
      + `<b>${esc(c.name)}</b> ${esc(c.holder)} <small>${esc(c.description)}</small></label></li>`).join('\n');
    return page(res, 200, 'Digital Auth App (simulator)',
      `<p>Client <code>${esc(clientId)}</code> asks for: <code>${esc(scopes.join(' '))}</code>`
      + `${acrs.length ? `, acr_values <code>${esc(acrs.join(' '))}</code>` : ''}`
      + `${signTx ? `, sign_transaction_id <code>${esc(signTx)}</code>` : ''}.</p>`
      + `<form id="decision" method="post" action="${esc(endpoints.decision)}">`
      + `<input type="hidden" name="request_id" value="${esc(requestId)}">`
      + `<ul id="cards">${items}</ul>`
      + '<button type="submit" name="decision" value="approve">Approve</button> '
      + '<button type="submit" name="decision" value="refuse">Refuse</button></form>');
  }

  function decide(form, res, finish) {
    const id = form.get('request_id') ?? '';
    const p = pending.get(id);
    if (!p || p.exp < now()) {
      finish({ status: 400, page: 'unknown or expired request' });
      return page(res, 400, 'Invalid request', '<p id="error">unknown or expired request</p>');
    }
    const decision = form.get('decision');
    const cardName = form.get('card') ?? '';
    const cards = listCards(cardsDir).map((c) => c.name);
    if ((decision !== 'approve' && decision !== 'refuse') || (decision === 'approve' && !cards.includes(cardName))) {
      finish({ status: 400, page: 'decision must be approve (with a card of the list) or refuse' });
      return page(res, 400, 'Invalid request', '<p id="error">decision must be approve (with a card of the list) or refuse</p>');
    }
    pending.delete(id);
    const fail = (error, description) => {
      finish({ status: 302, error, error_description: description, card: cardName || undefined });
      return redirect(res, back(p.redirectUri, { error, error_description: description }, p.state));
    };
    if (decision === 'refuse') return fail('access_denied', 'the user refused');
    const c = card(cardName);
    if (p.acrs.includes('crl') && (c.auth_revoked || (p.scopes.includes('sign') && c.sign_revoked))) {
      return fail('access_denied', 'the card\'s certificate is revoked');
    }
    if (p.scopes.some((s) => ATTR_SCOPES.includes(s)) && (!c.sign_serial || c.attrs_error)) {
      return fail('access_denied', `the card's signing certificate cannot give the basic attributes${c.attrs_error ? `: ${c.attrs_error}` : ''}`);
    }
    if (p.signTx) { // the card signs the transaction's bytes with its signing key (PIN), at Approve
      const t = signTxs.get(p.signTx.toLowerCase());
      const signer = take('signCard') ?? cardName;
      const hash = take('signWrongHash') ? createHash('sha256').update('another document').digest() : t.hash;
      const tbs = t.hashType === 'sha256' ? Buffer.concat([SHA256_DI, hash]) : hash;
      const key = readFileSync(join(cardsDir, signer, 'sign.key'));
      const pem = readFileSync(join(cardsDir, signer, 'sign.pem'), 'utf8');
      t.result = {
        certificate: Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64'),
        signature: privateEncrypt({ key, padding: cryptoConstants.RSA_PKCS1_PADDING }, tbs).toString('base64'),
      };
    }
    const code = randomBytes(32).toString('base64url');
    codes.set(code, { ...p, card: cardName, attrs: c, authTime: now(), exp: now() + CODE_TTL, used: false });
    finish({ status: 302, code, card: cardName });
    return redirect(res, back(p.redirectUri, { code }, p.state));
  }

  const subject = (clientId, attrs) => {
    const h = createHash('sha256').update(`${clientId}\0${attrs.auth_serial}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  };

  /** The client behind a client_assertion, or throws { error, description }. */
  async function authenticateClient(form, entry) {
    const deny = (description) => {
      throw Object.assign(new Error(description), { oauth: 'invalid_client' });
    };
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) deny(`client_assertion_type must be ${ASSERTION_TYPE}`);
    const assertion = form.get('client_assertion');
    if (!assertion) deny('missing client_assertion');
    let claims;
    try {
      claims = decodeJwt(assertion);
    } catch {
      deny('client_assertion is not a JWT');
    }
    entry.client_assertion = claims;
    const clientId = claims.sub;
    if (typeof clientId !== 'string') deny('client_assertion has no sub');
    if (form.has('client_id') && form.get('client_id') !== clientId) deny('client_id and the client_assertion\'s sub differ');
    const client = clients.get(clientId);
    if (!client) deny('unknown client');
    try {
      await jwtVerify(assertion, client.jwks, {
        issuer: clientId, subject: clientId, audience: [endpoints.token, issuer],
        algorithms: ['RS256', 'PS256', 'ES256'], requiredClaims: ['exp', 'jti'], clockTolerance: SKEW,
      });
    } catch (e) {
      deny(`client_assertion: ${e.message}`);
    }
    if (claims.exp > now() + ASSERTION_MAX_AHEAD) deny(`client_assertion exp is more than ${ASSERTION_MAX_AHEAD} s ahead`);
    for (const [k, exp] of jtis) if (exp + SKEW < now()) jtis.delete(k);
    const key = `${clientId}\0${claims.jti}`;
    if (jtis.has(key)) deny('client_assertion jti was used before');
    jtis.set(key, claims.exp);
    return client;
  }

  async function token(req, form, res, entry, finish) {
    const err = (status, error, description) => {
      finish({ status, error, error_description: description });
      return json(res, status, { error, error_description: description });
    };
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return err(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    }
    for (const k of ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'client_assertion', 'client_assertion_type', 'client_id']) {
      if (form.getAll(k).length > 1) return err(400, 'invalid_request', `${k} given more than once`);
    }
    let client;
    try {
      client = await authenticateClient(form, entry);
    } catch (e) {
      if (e.oauth) return err(401, e.oauth, e.message);
      throw e;
    }
    const grantType = form.get('grant_type');
    if (!grantType) return err(400, 'invalid_request', 'missing grant_type');
    if (grantType === 'client_credentials') { // A9: what opens the signing API's start
      const accessToken = randomBytes(32).toString('base64url');
      tokens.set(accessToken, { client: true, clientId: client.client_id, exp: now() + TOKEN_TTL });
      finish({ status: 200, client_credentials: true });
      return json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_TTL });
    }
    if (grantType !== 'authorization_code') return err(400, 'unsupported_grant_type', 'only authorization_code and client_credentials are simulated');
    const code = form.get('code');
    if (!code) return err(400, 'invalid_request', 'missing code');
    const g = codes.get(code);
    if (!g) return err(400, 'invalid_grant', 'unknown code');
    if (g.used) {
      if (g.accessToken) tokens.delete(g.accessToken); // RFC 6749 §4.1.2: what the code gave is revoked
      return err(400, 'invalid_grant', 'code already used');
    }
    g.used = true;
    if (g.exp < now()) return err(400, 'invalid_grant', 'code expired');
    if (g.clientId !== client.client_id) return err(400, 'invalid_grant', 'code was issued to another client');
    if (form.get('redirect_uri') !== g.redirectUri) return err(400, 'invalid_grant', 'redirect_uri differs from the authorization request\'s');
    const verifier = form.get('code_verifier');
    if (!verifier) return err(400, 'invalid_grant', 'missing code_verifier');
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return err(400, 'invalid_grant', 'malformed code_verifier');
    if (b64u(createHash('sha256').update(verifier).digest()) !== g.challenge) return err(400, 'invalid_grant', 'PKCE verification failed');

    const tokenError = take('tokenError');
    if (tokenError) {
      const status = take('tokenStatus') ?? (tokenError === 'server_error' ? 500 : tokenError === 'temporarily_unavailable' ? 503 : 400);
      return err(status, tokenError, 'scripted');
    }
    const sub = subject(g.clientId, g.attrs);
    const accessToken = randomBytes(32).toString('base64url');
    g.accessToken = accessToken;
    tokens.set(accessToken, { sub, scopes: g.scopes, attrs: g.attrs, clientId: g.clientId, exp: now() + TOKEN_TTL, signTx: g.signTx });
    const t = now();
    const acr = take('acr') ?? (g.acrs.length ? g.acrs.join(' ') : 'aal3');
    const claims = {
      iss: issuer, sub, aud: g.clientId, exp: t + TOKEN_TTL, iat: t, auth_time: g.authTime, nonce: g.nonce, acr,
      azp: g.clientId, at_hash: b64u(createHash('sha256').update(accessToken).digest().subarray(0, 16)),
      ...(take('idTokenOverrides') ?? {}),
    };
    for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
    const header = { alg: 'RS256', kid, typ: 'JWT', ...(take('idTokenHeader') ?? {}) };
    const idToken = await new SignJWT(claims).setProtectedHeader(header).sign(take('badSignature') ? liar : privateKey);
    finish({ status: 200, sub, acr, card: g.card });
    return json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_TTL, id_token: idToken, scope: g.scopes.join(' ') });
  }

  const bearer = (req) => tokens.get(((req.headers.authorization ?? '').match(/^Bearer ([A-Za-z0-9._~+/-]+=*)$/) ?? [])[1]);

  /** POST /api/sign-transactions (A9): a client credentials token, JSON {hash, hash_type}. */
  function signStart(req, body, res, entry, finish) {
    const err = (status, error, description) => {
      finish({ status, error, error_description: description });
      return json(res, status, { error, error_description: description });
    };
    if (req.method !== 'POST') return err(405, 'invalid_request', 'POST only');
    const t = bearer(req);
    if (!t || !t.client || t.exp < now()) return err(401, 'invalid_token', 'a client credentials access token is required');
    let b;
    try {
      b = JSON.parse(body);
    } catch {
      return err(400, 'invalid_request', 'the body must be JSON');
    }
    const hash = typeof b?.hash === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(b.hash) ? Buffer.from(b.hash, 'base64') : null;
    const hashType = b?.hash_type ?? 'sha256';
    if (!hash || !['sha256', 'digest_info'].includes(hashType) || (hashType === 'sha256' ? hash.length !== 32 : !hash.subarray(0, 19).equals(SHA256_DI) || hash.length !== 51)) {
      return err(400, 'invalid_request', 'hash must be base64 of a SHA-256 hash or of its DER DigestInfo (hash_type)');
    }
    const id = randomUUID();
    signTxs.set(id, { clientId: t.clientId, hash, hashType, exp: now() + PENDING_TTL, used: false });
    entry.sign_transaction_id = id;
    finish({ status: 201, sign_transaction_id: id });
    return json(res, 201, { sign_transaction_id: id });
  }

  /** GET /api/sign-transactions/{id}/result (A9): the access token of the code that signed it, once. */
  function signResult(req, id, res, finish) {
    const t = bearer(req);
    const s = signTxs.get(id.toLowerCase());
    const err = (status, error, description) => {
      finish({ status, error, error_description: description });
      return json(res, status, { error, error_description: description });
    };
    if (!t || t.client || t.exp < now()) return err(401, 'invalid_token', 'the signing authorization\'s access token is required');
    if (take('signResultError') || !s || !s.result || t.signTx?.toLowerCase() !== id.toLowerCase()) return err(404, 'not_found', 'no signed transaction for this token');
    const result = s.result;
    delete s.result; // read once
    finish({ status: 200, sign_transaction_id: id });
    return json(res, 200, result);
  }

  function userinfo(req, form, res, finish) {
    const auth = req.headers.authorization ?? '';
    const m = auth.match(/^Bearer ([A-Za-z0-9._~+/-]+=*)$/);
    const bad = (error, description) => {
      finish({ status: 401, error });
      const challenge = error ? `Bearer realm="main", error="${error}", error_description="${description}"` : 'Bearer realm="main"';
      return json(res, 401, { error: error ?? 'invalid_request', error_description: description }, { 'www-authenticate': challenge });
    };
    if (!m) return bad(undefined, 'missing bearer token');
    const t = tokens.get(m[1]);
    if (!t || t.exp < now()) return bad('invalid_token', 'unknown or expired access token');
    const scripted = take('userinfoError');
    if (scripted) {
      finish({ status: 401, error: scripted });
      return json(res, scripted === 'invalid_token' ? 401 : 400, { error: scripted });
    }
    const a = t.attrs;
    const out = { sub: t.sub };
    if (t.scopes.includes('name') && a.name) out.name = a.name;
    if (t.scopes.includes('address') && a.address) out.address = a.address;
    if (t.scopes.includes('birthdate') && a.birth_date) out.birthdate = a.birth_date;
    if (t.scopes.includes('gender') && a.gender) out.gender = a.gender;
    Object.assign(out, take('userinfoOverrides') ?? {});
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    finish({ status: 200, sub: t.sub });
    return json(res, 200, out);
  }

  return {
    issuer, url, port: boundPort, endpoints, registerClient, script, requests,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }),
  };
}

/**
 * The phone's part, without a browser: opens the simulator's page at
 * @p location (the authorization URL, or the redirect to it), and answers it
 * with @p card and @p decision (approve or refuse). @p agent: an Agent
 * (agent.mjs) to use, or undefined for plain fetch. Returns
 * { status, location, text }: on success a 302 whose location is
 * redirect_uri?code=...&state=...&iss=... (or ?error=...).
 */
export async function approveInSim(agent, location, { card = 'sakai-taro', decision = 'approve' } = {}) {
  const get = async (u, opts = {}) => {
    if (agent) return agent.request(u, opts);
    const h = {};
    let body;
    if (opts.form) {
      body = new URLSearchParams(opts.form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    const r = await fetch(u, { method: opts.method ?? 'GET', headers: h, body, redirect: 'manual' });
    const loc = r.headers.get('location');
    return { status: r.status, text: await r.text(), location: loc && new URL(loc, u).href, url: u };
  };
  let r = await get(location);
  for (let i = 0; i < 5 && r.status >= 300 && r.status < 400; i++) r = await get(r.location);
  if (r.status !== 200) return r;
  const form = r.text.match(/<form id="decision" method="post" action="([^"]+)">/);
  const id = r.text.match(/<input type="hidden" name="request_id" value="([^"]+)">/);
  if (!form || !id) throw new Error(`not the simulator's page: ${r.text.slice(0, 500)}`);
  const unesc = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const fields = { request_id: unesc(id[1]), decision };
  if (card !== undefined) fields.card = card;
  return get(unesc(form[1]), { method: 'POST', form: fields });
}

// Standalone: node tests/integration/lib/daa.mjs --serve --port 8600 --cards DIR --crl DIR
//   --client-id ID --jwks FILE --redirect-uri URI [--redirect-uri URI...] [--host H] [--card-tool PATH]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = { redirect: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i], v = args[i + 1];
    if (a === '--serve') opt.serve = true;
    else if (a === '--port') (opt.port = Number(v), i++);
    else if (a === '--host') (opt.host = v, i++);
    else if (a === '--cards') (opt.cards = v, i++);
    else if (a === '--crl') (opt.crl = v, i++);
    else if (a === '--client-id') (opt.clientId = v, i++);
    else if (a === '--jwks') (opt.jwks = v, i++);
    else if (a === '--redirect-uri') (opt.redirect.push(v), i++);
    else if (a === '--card-tool') (opt.tool = v, i++);
    else {
      console.error(`daa.mjs: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!opt.serve || !opt.cards) {
    console.error('usage: node daa.mjs --serve [--port 8600] [--host 127.0.0.1] --cards DIR [--crl DIR]\n'
      + '         [--client-id ID --jwks FILE --redirect-uri URI...] [--card-tool PATH]');
    process.exit(2);
  }
  const sim = await startDigitalAuthApp({ cardsDir: opt.cards, crlDir: opt.crl, port: opt.port ?? 8600, host: opt.host, tool: opt.tool });
  if (opt.clientId) {
    // The JWKS file may appear after the start (./scripts/run registers the upstream against this running
    // simulator, then writes the key it made) and change (upstream update --rotate-key): read it when it does.
    let seen = 0;
    const register = () => {
      const t = existsSync(opt.jwks) ? statSync(opt.jwks).mtimeMs : 0;
      if (!t || t === seen) return;
      seen = t;
      sim.registerClient({ client_id: opt.clientId, jwks: JSON.parse(readFileSync(opt.jwks, 'utf8')), redirect_uris: opt.redirect });
    };
    register();
    setInterval(register, 1000).unref();
  }
  console.log(sim.issuer);
  const stop = () => sim.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

