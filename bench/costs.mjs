// Unit costs of SakaI-D's flows (docs/capacity.md): for each kind of request, the database statements and
// commits it takes and the CPU sakaid spends on it, measured on a real PostgreSQL with the test harness's
// provider (dev mode, the JPKI test material). Run it with bench/costs (which starts the database).
//   card_login    a returning resident: login page, the card signs, consent remembered, code, token
//   code_flow     a resident with a live session: authorize, code, token (PKCE)
//   refresh       a refresh token redeemed (rotated)
//   client_credentials  a token for a confidential client
import { readFileSync } from 'node:fs';
import { addClient, basic, cleanup, psql, tokenRequest } from '../tests/integration/lib/harness.mjs';
import { Agent, authRequest, completeLogin, oidc, rp, startProvider } from '../tests/integration/lib/flow.mjs';

const N = Number(process.env.COSTS_N ?? 40);
const CB = 'https://costs.example/cb';
const p = await startProvider();
const db = p.env.SAKAID_DATABASE_URL;
const dbName = new URL(db).pathname.slice(1);
const cpu = () => {
  const f = readFileSync(`/proc/${p.srv.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, ticks of 10 ms
};
const statements = async () => {
  const m = await (await fetch(`${p.srv.metricsUrl}/metrics`)).text();
  return Number(m.match(/^sakaid_db_statement_seconds_count (\d+)/m)[1]);
};
const commits = () => Number(psql(db, `SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '${dbName}'`));
const settle = () => new Promise((r) => setTimeout(r, 1200)); // PostgreSQL publishes its counters within a second

const client = addClient(p.env, ['--client-name', 'Costs', '--redirect-uris', CB, '--tier', 'city',
  '--grant-types', 'authorization_code,refresh_token,client_credentials', '--scope', 'openid residency offline_access']);
const config = await rp(p.url, client);
const agent = new Agent(p.url);
const login = async (fresh) => {
  const a = await authRequest(config, { redirect_uri: CB, scope: 'openid residency' });
  let r = await agent.go(a.url.href);
  if (fresh || r.status !== 303) r = await completeLogin(agent, r, { cards: p.cards });
  const back = new URL(r.location);
  return oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
};
let tokens = await login(true); // the first: the card is enrolled and consent given

async function measure(name, one) {
  await settle();
  const s0 = await statements(), c0 = commits(), t0 = cpu(), w0 = Date.now();
  for (let i = 0; i < N; i++) await one(i);
  const wall = Date.now() - w0, t1 = cpu();
  await settle();
  const s1 = await statements(), c1 = commits();
  // the reading queries of this script are one commit each (two per measurement)
  return { name, statements: ((s1 - s0) / N).toFixed(1), commits: ((c1 - c0 - 1) / N).toFixed(1),
    cpu_ms: ((t1 - t0) / N).toFixed(2), wall_ms: (wall / N).toFixed(1) };
}

const rows = [];
rows.push(await measure('card_login', async () => {
  const fresh = new Agent(p.url);
  const a = await authRequest(config, { redirect_uri: CB, scope: 'openid residency' });
  const r = await completeLogin(fresh, await fresh.go(a.url.href), { cards: p.cards });
  await oidc.authorizationCodeGrant(config, new URL(r.location), { pkceCodeVerifier: a.verifier, expectedState: a.state,
    expectedNonce: a.nonce });
}));
rows.push(await measure('code_flow', async () => { tokens = await login(false); }));
rows.push(await measure('refresh', async () => { tokens = await oidc.refreshTokenGrant(config, tokens.refresh_token); }));
rows.push(await measure('client_credentials', async () => {
  const r = await tokenRequest(p.url, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret) });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
}));

console.log(`\n| request (N=${N}, sequential) | statements | commits | sakaid CPU ms | wall ms |`);
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${r.statements} | ${r.commits} | ${r.cpu_ms} | ${r.wall_ms} |`);
await cleanup();
