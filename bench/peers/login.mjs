// Signs one user in on each server through its own pages, consents, and
// prints the browser's cookies for each, so that the code-flow measurement
// starts from a logged-in, consented user (bench/run):
//   node bench/peers/login.mjs SAKAID_URL SAKAID_CLIENT_ID PEER_URL PEER_CLIENT_ID CHALLENGE
// SakaI-D signs in with the dev-mode test card; oidc-provider with its development login form.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { Agent, formFields } = await import(pathToFileURL(join(root, 'tests', 'integration', 'lib', 'agent.mjs')).href);
const [ours, ourClient, peer, peerClient, challenge] = process.argv.slice(2);
const q = (client) => new URLSearchParams({ client_id: client, redirect_uri: 'https://rp.example/cb', response_type: 'code',
  scope: 'openid', state: 's', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' });

async function sakaid() {
  const agent = new Agent(ours);
  let r = await agent.go(`/authorize?${q(ourClient)}`);
  const f = formFields(r.text, '/login/card/test');
  r = await agent.go('/login/card/test', { method: 'POST', form: { ...f, card: 'sakai-taro' } });
  if (r.text.includes('action="/login/card/new"')) { // a card new to SakaI-D (docs/card.md): its first SakaI-D
    r = await agent.go('/login/card/new', { method: 'POST', form: { ...formFields(r.text, '/login/card/new'), answer: 'first' } });
  }
  if (r.text.includes('action="/consent"')) {
    r = await agent.go('/consent', { method: 'POST', form: { ...formFields(r.text, '/consent'), decision: 'allow' } });
  }
  if (r.status !== 303 || !r.location.startsWith('https://rp.example/cb')) throw new Error(`sakaid login: ${r.status}`);
  return [...agent.jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

async function oidcProvider() {
  const agent = new Agent(peer);
  let r = await agent.request(`/auth?${q(peerClient)}`);
  for (let i = 0; i < 10 && !(r.location ?? '').startsWith('https://rp.example/cb'); i++) {
    if (r.status >= 300 && r.status < 400) {
      r = await agent.request(r.location);
      continue;
    }
    const form = r.text.match(/<form autocomplete="off" action="([^"]+)" method="post">\s*<input type="hidden" name="prompt" value="(\w+)"/);
    if (!form) throw new Error(`oidc-provider login: ${r.status} ${(r.text.match(/<pre>[^]*?<\/pre>/) ?? [r.text.slice(0, 300)])[0]}`);
    r = await agent.request(form[1], { method: 'POST', form: form[2] === 'login' ? { prompt: 'login', login: 'alice', password: 'x' } : { prompt: form[2] } });
  }
  return [...agent.jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

console.log(JSON.stringify({ ours: await sakaid(), peer: await oidcProvider() }));
