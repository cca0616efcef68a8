// Social login and linking (issue #5): oidc-provider from npm as the
// upstream, registered with sakaid-admin upstream; openid-client as the
// relying party; sakaid-card for the card. A misbehaving upstream covers
// bad signatures, wrong nonces, issuers and audiences, expiry, and an
// upstream that is down.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addClient, admin, adminAsync, cleanup, psql } from './lib/harness.mjs';
import { Agent, appLink, authRequest, completeLogin, consentIfAsked, formFields, oidc, rp, signInBothKeys, signWithCard, startProvider } from './lib/flow.mjs';
import { startFakeUpstream, startOidcProvider, upstreamLogin } from './lib/upstream.mjs';

let p, up, fake, portal, portalRp, cardOnly, cardOnlyRp;
const CB = 'https://rp.example/cb';

before(async () => {
  p = await startProvider();
  up = await startOidcProvider(p.url);
  fake = await startFakeUpstream();
  await adminAsync(p.env, ['upstream', 'add', 'mock', '--issuer', up.issuer, '--client-id', up.clientId, '--client-secret', up.clientSecret,
    '--display-name', 'Mock ID', '--scopes', 'openid']);
  await adminAsync(p.env, ['upstream', 'add', 'fake', '--issuer', fake.issuer, '--client-id', 'sakaid', '--client-secret', 'x',
    '--display-name', 'Fake ID']);
  portal = addClient(p.env, ['--client-name', 'Portal', '--redirect-uris', CB, '--tier', 'city']);
  portalRp = await rp(p.url, portal);
  cardOnly = addClient(p.env, ['--client-name', 'Tax office', '--redirect-uris', CB, '--tier', 'city', '--card-required', 'true']);
  cardOnlyRp = await rp(p.url, cardOnly);
});
after(async () => {
  await up?.close();
  await fake?.close();
  await cleanup();
});

/** Starts a login at @p config and returns the login page. */
async function loginPage(agent, config, params = {}) {
  const a = await authRequest(config, { redirect_uri: CB, ...params });
  return { a, page: await agent.go(a.url.href) };
}

/** Presses the upstream's button on a login page; returns what comes back to SakaI-D (or the upstream's answer). */
async function social(agent, page, upstream, login) {
  assert.match(page.text, new RegExp(`data-upstream="${upstream}"`), 'the login page offers the upstream');
  const fields = { ...formFields(page.text, '/login/social'), upstream };
  const r = await agent.request('/login/social', { method: 'POST', form: fields });
  assert.equal(r.status, 303);
  // Back at SakaI-D: a relying party seen for the first time asks for consent (issue #14); give it.
  return consentIfAsked(agent, upstream === 'mock' ? await upstreamLogin(agent, r, login)
    : await agent.go((await agent.request(r.location)).location));
}

async function tokensFrom(config, r, a) {
  assert.equal(r.status, 303, `expected the client's redirect: ${r.status} ${r.text?.match(/<code>.*?<\/p>/)?.[0]}`);
  return oidc.authorizationCodeGrant(config, new URL(r.location), { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
}

describe('social login through oidc-provider', () => {
  test('admin: upstream list shows no secret; the secret is sealed in the database', async () => {
    const list = admin(p.env, ['upstream', 'list']).json;
    assert.deepEqual(list.map((u) => u.id), ['fake', 'mock']);
    assert.ok(!JSON.stringify(list).includes(up.clientSecret));
    const stored = psql(p.env.SAKAID_DATABASE_URL, "SELECT encode(client_secret_enc, 'escape') FROM upstream_providers WHERE id = 'mock'");
    assert.ok(!stored.includes(up.clientSecret));
    const bad = await adminAsync(p.env, ['upstream', 'add', 'nowhere', '--issuer', 'http://127.0.0.1:9', '--client-id', 'a', '--client-secret', 'b',
      '--display-name', 'Nowhere'], { expectExit: 1 });
    assert.match(bad.stderr + bad.stdout, /127\.0\.0\.1:9/);
  });

  test('a first social login creates a low-assurance resident: acr social, amr fed; the same account comes back', async () => {
    const agent = new Agent(p.url);
    const { a, page } = await loginPage(agent, portalRp);
    const t = await tokensFrom(portalRp, await social(agent, page, 'mock', 'alice'), a);
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:social');
    assert.deepEqual(t.claims().amr, ['fed']);
    const other = new Agent(p.url);
    const again = await loginPage(other, portalRp);
    const t2 = await tokensFrom(portalRp, await social(other, again.page, 'mock', 'alice'), again.a);
    assert.equal(t2.claims().sub, t.claims().sub);
    const third = new Agent(p.url);
    const bob = await loginPage(third, portalRp);
    const t3 = await tokensFrom(portalRp, await social(third, bob.page, 'mock', 'bob-' + Date.now()), bob.a);
    assert.notEqual(t3.claims().sub, t.claims().sub, 'no matching by anything but (issuer, sub)');
  });

  test('step-up: a card-required client asks a social session for the card, which joins the same resident', async () => {
    const agent = new Agent(p.url);
    const first = await loginPage(agent, portalRp);
    const social1 = await tokensFrom(portalRp, await social(agent, first.page, 'mock', 'carol'), first.a);
    const { a, page } = await loginPage(agent, cardOnlyRp);
    assert.match(page.text, /id="adding-card"/, 'the page says the card joins this SakaI-D');
    assert.doesNotMatch(page.text, /data-upstream=/, 'no social sign-in when the card is needed');
    const t = await tokensFrom(cardOnlyRp, await completeLogin(agent, page, { cards: p.cards, card: 'osaka-jiro' }), a);
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:card');
    // the portal (same sector, public sub) sees the same resident it knew: linking never changes sub
    const back = await loginPage(agent, portalRp, { prompt: 'none' });
    const t2 = await tokensFrom(portalRp, back.page, back.a);
    assert.equal(t2.claims().sub, social1.claims().sub);
    assert.equal(t2.claims().acr, 'urn:sakai-d:acr:card');
    const events = psql(p.env.SAKAID_DATABASE_URL, "SELECT string_agg(event || ':' || (detail->>'kind'), ',') FROM audit_events WHERE event = 'credential_linked'");
    assert.match(events, /credential_linked:card/);
    // now the card alone signs carol in
    const fresh = new Agent(p.url);
    const c = await loginPage(fresh, portalRp);
    const t3 = await tokensFrom(portalRp, await completeLogin(fresh, c.page, { cards: p.cards, card: 'osaka-jiro' }), c.a);
    assert.equal(t3.claims().sub, social1.claims().sub);
  });

  test('step-up for one transaction: max_age=0 and acr card give that request a card token; the session stays social', async () => {
    const agent = new Agent(p.url);
    const first = await loginPage(agent, portalRp);
    const social1 = await tokensFrom(portalRp, await social(agent, first.page, 'mock', `erin-${Date.now()}`), first.a);
    assert.equal(social1.claims().acr, 'urn:sakai-d:acr:social');
    const before = Math.floor(Date.now() / 1000);
    const { a, page } = await loginPage(agent, portalRp, { max_age: '0', acr_values: 'urn:sakai-d:acr:card' });
    assert.doesNotMatch(page.text, /data-upstream=/, 'the card is needed');
    const t = await tokensFrom(portalRp, await completeLogin(agent, page, { cards: p.cards, card: 'kita-hanako-twin' }), a);
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:card');
    assert.deepEqual(t.claims().amr, ['sc', 'pin']);
    assert.ok(t.claims().auth_time >= before, 'auth_time is the card\'s');
    assert.equal(t.claims().sub, social1.claims().sub);
    // the session stayed social: a request that needs no card is answered silently, as before
    const back = await loginPage(agent, portalRp, { prompt: 'none' });
    const t2 = await tokensFrom(portalRp, back.page, back.a);
    assert.equal(t2.claims().acr, 'urn:sakai-d:acr:social');
    assert.equal(t2.claims().auth_time, social1.claims().auth_time);
    // and the next request that needs the card asks for it again: the card counted for one request only
    const again = await loginPage(agent, cardOnlyRp);
    assert.equal(again.page.status, 200);
    assert.match(again.page.text, /id="app-link"/);
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM audit_events WHERE event = 'step_up_transaction'
      AND detail->>'client_id' = '${portal.client_id}'`), '1');
  });

  test('step-up with a card that belongs to another resident is refused, and the session stays social', async () => {
    const owner = new Agent(p.url);
    const o = await loginPage(owner, portalRp);
    await completeLogin(owner, o.page, { cards: p.cards, card: 'sakai-taro-renewed' });
    const agent = new Agent(p.url);
    const first = await loginPage(agent, portalRp);
    await social(agent, first.page, 'mock', 'gina');
    const { page } = await loginPage(agent, cardOnlyRp);
    assert.match(page.text, /id="adding-card"/);
    // A social-only resident's account page says how to add the card: a fresh sign-in, then the card (issue #18 item 9).
    const own = await agent.go('/account');
    assert.match(own.text, /<div id="add-card">[\s\S]*id="add-card-button" href="\/account\/login\?add=card"/);
    assert.throws(() => signWithCard(p.cards, 'sakai-taro-renewed', appLink(page.text)), /already_linked/);
    const cont = await agent.go('/login/continue', { method: 'POST', form: formFields(page.text, '/login/continue') });
    assert.equal(cont.status, 200, 'not signed in with the card: back to the login page');
    assert.match(cont.text, /id="adding-card"/);
  });

  test('linking from the account page: card first, then a social account; a second link elsewhere is refused', async () => {
    const agent = new Agent(p.url);
    const { a, page } = await loginPage(agent, portalRp);
    const card = await tokensFrom(portalRp, await completeLogin(agent, page, { cards: p.cards, card: 'kita-hanako' }), a);
    let acct = await agent.go('/account');
    assert.equal(acct.status, 200);
    assert.match(acct.text, /data-kind="card"/);
    assert.doesNotMatch(acct.text, /id="add-card"/, 'a card resident is not asked to add a card');
    assert.match(acct.text, /id="add-other"/, 'but is told how to add another way to sign in');
    const link = await agent.request('/account/link', { method: 'POST', form: { ...formFields(acct.text, '/account/link'), upstream: 'mock' } });
    assert.equal(link.status, 303);
    acct = await upstreamLogin(agent, link, 'dave');
    assert.match(acct.url, /\/account\?linked=mock/);
    assert.match(acct.text, /data-kind="social"/);
    // dave now signs in to the same resident
    const other = new Agent(p.url);
    const s = await loginPage(other, portalRp);
    const t = await tokensFrom(portalRp, await social(other, s.page, 'mock', 'dave'), s.a);
    assert.equal(t.claims().sub, card.claims().sub);
    // someone else (sakai-taro's card) cannot take dave
    const third = new Agent(p.url);
    const x = await loginPage(third, portalRp);
    await completeLogin(third, x.page, { cards: p.cards, card: 'sakai-taro' });
    const acct3 = await third.go('/account');
    const steal = await third.request('/account/link', { method: 'POST', form: { ...formFields(acct3.text, '/account/link'), upstream: 'mock' } });
    const refused = await upstreamLogin(third, steal, 'dave');
    assert.equal(refused.status, 409);
    assert.match(refused.text, /already_linked/);
  });

  test('unlinking a social account or a card needs a fresh sign-in and never removes the last way to sign in; it ends the other sessions it signed in; it is audited', async () => {
    const agent = new Agent(p.url);
    const { page } = await loginPage(agent, portalRp);
    await social(agent, page, 'mock', 'erin');
    let acct = await agent.go('/account');
    assert.doesNotMatch(acct.text, /action="\/account\/unlink"/, 'no remove button for the only credential');
    const csrf = formFields(acct.text, '/account/link').csrf;
    const sub = 'erin';
    const last = await agent.request('/account/unlink', { method: 'POST', form: { csrf, issuer: up.issuer, subject: sub } });
    assert.equal(last.status, 409);
    // add the card (account login with add=card), then remove erin: first with a stale sign-in
    const add = await agent.go('/account/login?add=card');
    assert.match(add.text, /id="adding-card"/);
    // the card's two keys in one exchange: its signing certificate too, for the verified attributes (jpki.md)
    acct = await signInBothKeys(agent, add, p.cards, 'older-root');
    assert.equal(acct.status, 200, acct.text.slice(0, 300));
    assert.match(acct.text, /data-kind="card"/);
    // Another browser signs in with erin: removing erin must end that session (this one signed in last with the card).
    const erinElsewhere = new Agent(p.url);
    await social(erinElsewhere, (await loginPage(erinElsewhere, portalRp)).page, 'mock', 'erin');
    assert.match((await erinElsewhere.go('/account')).url, /\/account$/, 'signed in elsewhere with erin');
    psql(p.env.SAKAID_DATABASE_URL, "UPDATE sessions SET auth_time = now() - interval '1 hour'");
    const stale = await agent.request('/account/unlink', { method: 'POST', form: { csrf, issuer: up.issuer, subject: sub } });
    assert.equal(stale.status, 403);
    assert.match(stale.text, /login_required/);
    psql(p.env.SAKAID_DATABASE_URL, "UPDATE sessions SET auth_time = now()");
    const forged = await agent.request('/account/unlink', { method: 'POST', form: { csrf: 'x'.repeat(43), issuer: up.issuer, subject: sub } });
    assert.equal(forged.status, 403);
    const ok = await agent.go('/account/unlink', { method: 'POST', form: { csrf, issuer: up.issuer, subject: sub } });
    assert.equal(ok.status, 200);
    assert.doesNotMatch(ok.text, /data-kind="social"/);
    const audit = psql(p.env.SAKAID_DATABASE_URL, "SELECT detail->>'sessions_ended' FROM audit_events WHERE event = 'credential_unlinked' AND detail->>'subject' = 'erin'");
    assert.equal(audit, '1', 'one row; one other session ended');
    assert.match((await erinElsewhere.go('/account')).url, /\/login\?tx=/, 'the session erin signed in elsewhere has ended');
    assert.match((await agent.go('/account')).url, /\/account$/, 'this session (signed in with the card) stays');

    // Now the card: link frank, then remove the card. With no card left, its verified attributes go too.
    const resident = psql(p.env.SAKAID_DATABASE_URL, "SELECT resident_id FROM card_certificates WHERE purpose = 'sign'");
    assert.match(resident, /^[\w-]+$/, 'one enrolled signing certificate in this file: older-root\'s');
    const rows = () => psql(p.env.SAKAID_DATABASE_URL, `SELECT (SELECT count(*) FROM card_certificates WHERE resident_id = '${resident}') || ':' ||
      (SELECT count(*) FROM resident_attributes WHERE resident_id = '${resident}')`);
    assert.equal(rows(), '2:1', 'the authentication and signing certificates, and the attributes');
    const link = await agent.request('/account/link', { method: 'POST', form: { ...formFields(ok.text, '/account/link'), upstream: 'mock' } });
    acct = await upstreamLogin(agent, link, 'frank');
    assert.match(acct.url, /\/account\?linked=mock/);
    const card = [...acct.text.matchAll(/<form[^>]*action="\/account\/unlink"[^>]*>([\s\S]*?)<\/form>/g)]
      .map((m) => Object.fromEntries([...m[1].matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((f) => [f[1], f[2]])))
      .find((f) => f.kind === 'card');
    assert.ok(card, 'a remove button for the card');
    // The card signs in on another browser too. Removing it ends that session, but not this one, which removes it.
    const cardElsewhere = new Agent(p.url);
    await completeLogin(cardElsewhere, (await loginPage(cardElsewhere, portalRp)).page, { cards: p.cards, card: 'older-root' });
    assert.match((await cardElsewhere.go('/account')).url, /\/account$/, 'signed in elsewhere with the card');
    const sids = () => psql(p.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM sessions WHERE resident_id = '${resident}' AND ended_at IS NULL`);
    assert.equal(sids(), '2');
    assert.equal((await agent.request('/account/unlink', { method: 'POST', form: { ...card, subject: '00' } })).status, 404, 'not their card');
    assert.equal((await agent.request('/account/unlink', { method: 'POST', form: { ...card, kind: 'passport' } })).status, 403);
    const gone = await agent.go('/account/unlink', { method: 'POST', form: card });
    assert.equal(gone.status, 200);
    assert.match(gone.url, /removed=verified/);
    assert.doesNotMatch(gone.text, /data-kind="card"/);
    assert.match(gone.text, /data-kind="social"/);
    assert.equal(rows(), '0:0');
    assert.match((await cardElsewhere.go('/account')).url, /\/login\?tx=/, 'the session the card signed in elsewhere has ended');
    assert.equal(sids(), '1', 'this session stays');
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM audit_events WHERE event = 'logout' AND resident_id = '${resident}'`), '2',
      'each ended session is logged out at its relying parties (Back-Channel Logout), like any other');
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT detail->>'verified_attributes_removed' FROM audit_events
      WHERE event = 'credential_unlinked' AND resident_id = '${resident}' AND detail->>'kind' = 'card'`), 'true');
    assert.doesNotMatch(gone.text, /action="\/account\/unlink"/, 'frank is the last way to sign in now');
  });
});

describe('binding a new way to sign in (issue #14 item 2; NIST SP 800-63B §6.1)', () => {
  const age = (agent, seconds) => psql(p.env.SAKAID_DATABASE_URL,
    `UPDATE sessions SET auth_time = now() - interval '${seconds} seconds' WHERE ended_at IS NULL`);

  test('adding a social account needs a sign-in at most 5 minutes old, with the card when the resident holds one; the change shows and is audited', async () => {
    const agent = new Agent(p.url);
    const { page } = await loginPage(agent, portalRp);
    await completeLogin(agent, page, { cards: p.cards, card: 'kita-hanako' });
    let acct = await agent.go('/account');
    const form = { ...formFields(acct.text, '/account/link'), upstream: 'mock' };
    age(agent, 400);
    const stale = await agent.request('/account/link', { method: 'POST', form });
    assert.equal(stale.status, 403, 'a minute at a signed-in browser is not enough');
    assert.match(stale.text, /id="reauth"/);
    assert.match(stale.text, /href="\/account\/login"/, 'the page names the way out');
    age(agent, 0);
    const link = await agent.request('/account/link', { method: 'POST', form });
    assert.equal(link.status, 303, 'fresh card sign-in: off to the provider');
    acct = await upstreamLogin(agent, link, 'henry');
    assert.match(acct.url, /\/account\?linked=mock/);
    assert.match(acct.text, /data-kind="social"/, 'the resident sees it on the account page');
    assert.match(psql(p.env.SAKAID_DATABASE_URL, "SELECT count(*) FROM audit_events WHERE event = 'credential_linked' AND detail->>'subject' = 'henry'"), /^1$/);

    // Signed in with henry (social), fresh: still not enough to add anything to a resident who holds a card.
    const other = new Agent(p.url);
    await social(other, (await loginPage(other, portalRp)).page, 'mock', 'henry');
    acct = await other.go('/account');
    const weak = await other.request('/account/link', { method: 'POST', form: { ...formFields(acct.text, '/account/link'), upstream: 'mock' } });
    assert.equal(weak.status, 403);
    assert.match(weak.text, /My Number card|マイナンバーカード/);
    assert.equal((await other.request('/account/login?add=card')).status, 403, 'nor a card, from a social session');
  });

  test('step-up from a social sign-in older than 5 minutes: the resident signs in again first, then the card is added', async () => {
    const agent = new Agent(p.url);
    await social(agent, (await loginPage(agent, portalRp)).page, 'mock', 'iris');
    age(agent, 400);
    const { a, page } = await loginPage(agent, cardOnlyRp);
    assert.match(page.text, /id="reauth"/, 'sign in again first');
    assert.doesNotMatch(page.text, /id="adding-card"/);
    assert.match(page.text, /data-upstream="mock"/, 'the way the resident used is offered');
    const card = await social(agent, page, 'mock', 'iris');
    assert.match(card.text, /id="adding-card"/, 'fresh now: the card is added to the same SakaI-D');
    // older-root is free again: the unlink test above removed it from its resident
    const t = await tokensFrom(cardOnlyRp, await completeLogin(agent, card, { cards: p.cards, card: 'older-root' }), a);
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:card');
    assert.equal(psql(p.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM social_identities s JOIN card_certificates c USING (resident_id)
      WHERE s.subject = 'iris' AND c.purpose = 'auth'`), '1', 'the card joined iris\'s SakaI-D');
  });

  test('a social session never receives card-verified attributes, and the consent page says so', async () => {
    // A resident with a card whose signing certificate was enrolled (verified attributes), and a linked social account.
    const agent = new Agent(p.url);
    const { page } = await loginPage(agent, portalRp);
    await consentIfAsked(agent, await signInBothKeys(agent, page, p.cards, 'osaka-jiro'));
    const acct = await agent.go('/account');
    await upstreamLogin(agent, await agent.request('/account/link', { method: 'POST', form: { ...formFields(acct.text, '/account/link'), upstream: 'mock' } }), 'jack');

    const named = addClient(p.env, ['--client-name', 'Named', '--redirect-uris', CB, '--tier', 'city', '--scope', 'openid profile residency']);
    const namedRp = await rp(p.url, named);
    const viaSocial = new Agent(p.url);
    const l = await loginPage(viaSocial, namedRp, { scope: 'openid profile residency' });
    const fields = { ...formFields(l.page.text, '/login/social'), upstream: 'mock' };
    const consent = await upstreamLogin(viaSocial, await viaSocial.request('/login/social', { method: 'POST', form: fields }), 'jack');
    assert.match(consent.text, /action="\/consent"/);
    assert.match(consent.text, /data-withheld="name"/, 'the name is listed as not provided');
    assert.doesNotMatch(consent.text, /data-claim="name"/);
    const t = await tokensFrom(namedRp, await consentIfAsked(viaSocial, consent), l.a);
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:social');
    const info = await oidc.fetchUserInfo(namedRp, t.access_token, t.claims().sub);
    assert.equal(info.verified_claims, undefined, 'no card-verified attributes to a social sign-in');
    assert.equal(typeof info.sakai_resident, 'boolean');
  });
});

describe('a misbehaving upstream', () => {
  for (const [mode, status, code] of [['bad-signature', 400, 'invalid_grant'], ['wrong-nonce', 400, 'invalid_grant'],
    ['wrong-issuer', 400, 'invalid_grant'], ['expired', 400, 'invalid_grant'], ['wrong-aud', 400, 'invalid_grant'],
    ['wrong-iss-param', 400, 'invalid_grant'], ['down', 502, 'temporarily_unavailable'],
    ['hang', 502, 'temporarily_unavailable']]) {
    test(`${mode}: a clear page, no session`, async () => {
      fake.state.mode = mode;
      const agent = new Agent(p.url);
      const { page } = await loginPage(agent, portalRp);
      const started = Date.now();
      const r = await social(agent, page, 'fake');
      assert.equal(r.status, status, r.text.slice(0, 300));
      assert.match(r.text, new RegExp(code));
      assert.match(r.headers.get('content-type'), /text\/html/);
      assert.equal(agent.jar.get('sakaid_session'), undefined);
      assert.ok(Date.now() - started < 9000, 'no hang: upstream calls time out after 5 s');
      assert.ok(Number(psql(p.env.SAKAID_DATABASE_URL, "SELECT count(*) FROM audit_events WHERE event = 'social_login_refused'")) >= 1);
    });
  }

  test('a key rotation at the upstream: the unknown kid refetches its JWKS', async () => {
    // the keys were fetched by the first test of this group, more than 5 s ago (the "hang" test alone takes 5 s)
    fake.state.mode = 'rotated';
    const agent = new Agent(p.url);
    const { a, page } = await loginPage(agent, portalRp);
    const t = await tokensFrom(portalRp, await social(agent, page, 'fake'), a);
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:social');
  });

  test('ok: the same upstream works when it behaves; an upstream that is not running gives a clear page', async () => {
    fake.state.mode = 'ok';
    const agent = new Agent(p.url);
    const { a, page } = await loginPage(agent, portalRp);
    const t = await tokensFrom(portalRp, await social(agent, page, 'fake'), a);
    assert.equal(t.claims().acr, 'urn:sakai-d:acr:social');
    await adminAsync(p.env, ['upstream', 'add', 'gone', '--issuer', fake.issuer.replace(/:\d+$/, ':9'), '--client-id', 'a',
      '--client-secret', 'b', '--display-name', 'Gone'], { expectExit: 1 });
  });
});
