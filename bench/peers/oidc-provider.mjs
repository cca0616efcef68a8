// node-oidc-provider as a benchmark peer, set up as anchors.md says: a
// confidential client with client_secret_basic; client_credentials issues an
// RS256 JWT for a resource (resource indicators; such tokens are not stored);
// the code flow with PKCE required, refresh tokens on every code and rotated
// on every use (as SakaI-D does); its state in PostgreSQL (a small adapter
// over node-postgres, one table, as its documentation shows for any
// database). Started by bench/run:
//   PEER_PORT=... PEER_DATABASE_URL=... PEER_CLIENT_ID=... PEER_CLIENT_SECRET=... node bench/peers/oidc-provider.mjs
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mod = (name, file) => import(pathToFileURL(join(root, 'tests', 'node_modules', name, file)).href);
const Provider = (await mod('oidc-provider', 'lib/index.js')).default;
const pg = (await mod('pg', 'esm/index.mjs')).default;

const pool = new pg.Pool({ connectionString: process.env.PEER_DATABASE_URL, max: 8 });
await pool.query(`CREATE TABLE IF NOT EXISTS oidc_payloads (
  id text, type text, payload jsonb NOT NULL, grant_id text, user_code text, uid text,
  expires_at timestamptz, consumed_at timestamptz, PRIMARY KEY (id, type))`);

class PgAdapter {
  constructor(name) {
    this.name = name;
  }

  async upsert(id, payload, expiresIn) {
    await pool.query(`INSERT INTO oidc_payloads (id, type, payload, grant_id, user_code, uid, expires_at)
      VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) ON CONFLICT (id, type) DO UPDATE SET
      payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid,
      expires_at = excluded.expires_at`,
    [id, this.name, payload, payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, expiresIn ?? 3600]);
  }

  async find(id) {
    const r = await pool.query('SELECT payload, consumed_at FROM oidc_payloads WHERE id = $1 AND type = $2 AND expires_at > now()', [id, this.name]);
    if (!r.rows.length) return undefined;
    return { ...r.rows[0].payload, ...(r.rows[0].consumed_at ? { consumed: true } : {}) };
  }

  async findByUid(uid) {
    const r = await pool.query('SELECT id FROM oidc_payloads WHERE uid = $1 AND type = $2', [uid, this.name]);
    return r.rows.length ? this.find(r.rows[0].id) : undefined;
  }

  async findByUserCode(code) {
    const r = await pool.query('SELECT id FROM oidc_payloads WHERE user_code = $1 AND type = $2', [code, this.name]);
    return r.rows.length ? this.find(r.rows[0].id) : undefined;
  }

  async consume(id) {
    await pool.query('UPDATE oidc_payloads SET consumed_at = now() WHERE id = $1 AND type = $2', [id, this.name]);
  }

  async destroy(id) {
    await pool.query('DELETE FROM oidc_payloads WHERE id = $1 AND type = $2', [id, this.name]);
  }

  async revokeByGrantId(grantId) {
    await pool.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
  }
}

const port = Number(process.env.PEER_PORT);
const provider = new Provider(`http://127.0.0.1:${port}`, {
  adapter: PgAdapter,
  clients: [{
    client_id: process.env.PEER_CLIENT_ID, client_secret: process.env.PEER_CLIENT_SECRET,
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token'], response_types: ['code'],
    redirect_uris: ['https://rp.example/cb'], token_endpoint_auth_method: 'client_secret_basic',
  }],
  // the logged-in user of the code-flow measurement signs in once through the development forms
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: true },
    // the PAR + DPoP flow (bench/par-dpop.mjs): PAR is on by default; DPoP with server nonces, as SakaI-D's
    // default (tokens.dpop_require_nonce)
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
    // client_credentials: a JWT access token (RFC 9068 style) for one API; the code flow keeps
    // its default (opaque, stored) token for UserInfo
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx) => (ctx.oidc.params?.grant_type === 'client_credentials' ? 'urn:bench:api' : undefined),
      getResourceServerInfo: () => ({ scope: 'api', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      useGrantedResource: () => false,
    },
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  pkce: { required: () => true },
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
  scopes: ['openid'],
});
createServer(provider.callback()).listen(port, '127.0.0.1', () => console.log(`oidc-provider on ${port}`));
