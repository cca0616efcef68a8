// Signs alice in on glewlwyd (bench/peers/glewlwyd.sh) the way its login page
// does, through its JSON API, grants client CLIENT_ID the openid scope, checks
// that an authorize request then answers a code directly, and prints the Cookie
// header value such a request needs, on one line (`name=value; ...`):
//   node bench/peers/glewlwyd-login.mjs URL CLIENT_ID CODE_CHALLENGE
// URL is glewlwyd's root, e.g. http://127.0.0.1:4711 (the OIDC plugin is /api/oidc).
// Node's fetch only; the cookie jar is a Map (glewlwyd sets host-only cookies).
const [url, client, challenge] = process.argv.slice(2);
if (!challenge) {
  console.error('usage: node bench/peers/glewlwyd-login.mjs URL CLIENT_ID CODE_CHALLENGE');
  process.exit(2);
}
const base = url.replace(/\/+$/, '');
const authorize = `${base}/api/oidc/auth?${new URLSearchParams({ response_type: 'code', client_id: client,
  redirect_uri: 'https://rp.example/cb', scope: 'openid', state: 's', nonce: 'n', code_challenge: challenge,
  code_challenge_method: 'S256' })}&g_continue`;

const jar = new Map();
const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/** One request with the jar's cookies and no redirect following; JSON body when @p json is given. */
async function request(method, target, json) {
  const headers = {};
  if (jar.size) headers.cookie = cookie();
  if (json !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(target, { method, headers, body: json === undefined ? undefined : JSON.stringify(json), redirect: 'manual' });
  for (const c of r.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    const name = pair.slice(0, i).trim(), value = pair.slice(i + 1).trim();
    if (!value || /max-age=0\b/i.test(c) || /expires=[^;]*1970/i.test(c)) jar.delete(name);
    else jar.set(name, value);
  }
  return { status: r.status, location: r.headers.get('location') ?? '', text: await r.text() };
}

async function api(method, path, json) {
  const r = await request(method, `${base}/api${path}`, json);
  if (r.status !== 200) throw new Error(`glewlwyd ${method} /api${path}: ${r.status} ${r.text.slice(0, 300)}`);
}

// Without a session, the authorize request sends the browser to the login page.
let r = await request('GET', authorize);
if (r.status !== 302 || r.location.startsWith('https://rp.example/cb')) {
  throw new Error(`glewlwyd authorize without a session: ${r.status} ${r.location || r.text.slice(0, 300)}`);
}
// What login.html does: password login, then consent to the scope for the client.
await api('POST', '/auth/', { username: 'alice', password: 'password' });
await api('PUT', `/auth/grant/${encodeURIComponent(client)}/`, { scope: 'openid' });
r = await request('GET', authorize);
if (r.status !== 302 || !/^https:\/\/rp\.example\/cb\?(.*&)?code=/.test(r.location)) {
  throw new Error(`glewlwyd authorize after login: ${r.status} ${r.location || r.text.slice(0, 300)}`);
}
console.log(cookie());
