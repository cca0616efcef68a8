// Upstream OpenID providers for the social-login tests: a real, certified
// provider (oidc-provider from npm, with its development login forms) and,
// for the failures a real provider will not produce on demand, a small
// misbehaving one whose ID tokens are wrong in one chosen way.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { freePort } from './harness.mjs';

/** oidc-provider on loopback, with one client for SakaI-D. Returns {issuer, clientId, clientSecret, close}. */
export async function startOidcProvider(sakaidUrl) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'sakaid', client_secret: clientSecret, redirect_uris: [`${sakaidUrl}/login/social/callback`],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    // every login name is an account; its sub is the name
    findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(16).toString('hex')] },
  });
  provider.proxy = false;
  const server = createServer(provider.callback());
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { issuer, clientId: 'sakaid', clientSecret, close: () => new Promise((r) => server.close(r)) };
}

/**
 * Drives oidc-provider's development login and consent forms as a browser
 * would, logging in as @p login. @p r is the response that arrived at the
 * upstream; returns the first response back on SakaI-D.
 */
export async function upstreamLogin(agent, r, login) {
  const home = new URL(agent.base).origin;
  for (let i = 0; i < 15; i++) {
    if (r.status >= 300 && r.status < 400) {
      if (new URL(r.location).origin === home) return agent.go(r.location); // back at SakaI-D
      r = await agent.request(r.location);
      continue;
    }
    if (new URL(r.url).origin === home) return r;
    const upstream = new URL(r.url).origin;
    // oidc-provider's development forms post back to the interaction URL with a "prompt" field
    const form = r.text.match(/<form autocomplete="off" action="([^"]+)" method="post">\s*<input type="hidden" name="prompt" value="(\w+)"/);
    if (!form) throw new Error(`unexpected upstream page ${r.status} ${r.url}: ${r.text.slice(0, 800)}`);
    const fields = form[2] === 'login' ? { prompt: 'login', login, password: 'x' } : { prompt: form[2] };
    r = await agent.request(new URL(form[1].replace(/&amp;/g, '&'), upstream).href, { method: 'POST', form: fields });
  }
  throw new Error('the upstream did not send us back');
}

/**
 * A misbehaving upstream: discovery, JWKS, an authorization endpoint that
 * signs in at once, and a token endpoint whose ID token is broken as
 * `mode` says: ok, bad-signature, wrong-nonce, wrong-issuer, expired,
 * wrong-aud, wrong-iss-param, down (the token endpoint drops the connection),
 * hang (the token endpoint never answers), rotated (a new key, kid u2, signs).
 */
export async function startFakeUpstream() {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const other = (await generateKeyPair('ES256')).privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: 'u1', alg: 'ES256', use: 'sig' };
  const next = await generateKeyPair('ES256'); // published and used from mode "rotated" on
  const nextJwk = { ...(await exportJWK(next.publicKey)), kid: 'u2', alg: 'ES256', use: 'sig' };
  const codes = new Map();
  const state = { mode: 'ok', sub: 'fake-user' };
  const json = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, { issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'] });
    }
    if (url.pathname === '/jwks') return json(res, 200, { keys: state.mode === 'rotated' ? [jwk, nextJwk] : [jwk] });
    if (url.pathname === '/auth') {
      const code = randomBytes(16).toString('base64url');
      codes.set(code, { nonce: url.searchParams.get('nonce'), clientId: url.searchParams.get('client_id') });
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state'));
      if (state.mode === 'wrong-iss-param') back.searchParams.set('iss', 'https://evil.example');
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (url.pathname === '/token') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const code = new URLSearchParams(body).get('code');
      const c = codes.get(code);
      codes.delete(code);
      if (!c) return json(res, 400, { error: 'invalid_grant' });
      if (state.mode === 'down') return req.socket.destroy();
      if (state.mode === 'hang') return undefined; // closeAllConnections() ends it at close()
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ nonce: state.mode === 'wrong-nonce' ? 'not-the-nonce' : c.nonce })
        .setProtectedHeader({ alg: 'ES256', kid: state.mode === 'rotated' ? 'u2' : 'u1' })
        .setIssuer(state.mode === 'wrong-issuer' ? 'https://evil.example' : issuer)
        .setSubject(state.sub)
        .setAudience(state.mode === 'wrong-aud' ? 'someone-else' : c.clientId)
        .setIssuedAt(state.mode === 'expired' ? now - 7200 : now)
        .setExpirationTime(state.mode === 'expired' ? now - 3600 : now + 300);
      const key = state.mode === 'bad-signature' ? other : state.mode === 'rotated' ? next.privateKey : privateKey;
      const idToken = await jwt.sign(key);
      return json(res, 200, { access_token: 'x', token_type: 'Bearer', id_token: idToken });
    }
    json(res, 404, { error: 'not_found' });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { issuer, state, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}
