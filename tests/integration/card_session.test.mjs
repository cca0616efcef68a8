// Verified attributes belong to the person who signed in (issue #15 items
// 8-11): the card's two keys sign one challenge, and imported pair linkage
// must agree; the browser flow reaches the signing step and the resident
// may decline it; a renewed card finds its SakaI-D by re-verification,
// confirmed, refused, or not found; birthdate and gender in the formats of
// OpenID Connect Core §5.1. openid-client plays the relying party.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { sign as rsaSign, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addClient, admin, BIN, cleanup, psql, tempDir } from './lib/harness.mjs';
import { Agent, answerNewCard, appLink, authRequest, completeLogin, consentIfAsked, formFields, newCardForm, oidc, rp,
  signInBothKeys, signWithCard, startProvider } from './lib/flow.mjs';

const CB = 'https://rp.example/cb';
const VERIFIED = 'openid profile birthdate gender residency';
let p;

before(async () => {
  p = await startProvider();
});
after(cleanup);

/** A provider with a city client asking for the verified claims; its openid-client configuration. */
async function setUp(provider) {
  const c = addClient(provider.env, ['--client-name', 'Ward office', '--redirect-uris', CB, '--tier', 'city', '--scope', VERIFIED]);
  return { c, cfg: await rp(provider.url, c) };
}

async function tokens(cfg, a, r) {
  assert.equal(r.status, 303, `expected the client's redirect: ${r.status} ${r.text?.slice(0, 400)}`);
  return oidc.authorizationCodeGrant(cfg, new URL(r.location), { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
}

/** A card's certificate (base64 DER), its key (PEM), its issuer key id and serial (hex, as sakaid stores them). */
function cardKey(provider, card, which) {
  const file = join(provider.cards, card, `${which}.pem`);
  const x = new X509Certificate(readFileSync(file, 'utf8'));
  const aki = execFileSync('openssl', ['x509', '-in', file, '-noout', '-ext', 'authorityKeyIdentifier'], { encoding: 'utf8' });
  const keyid = (aki.match(/([0-9A-F]{2}(?::[0-9A-F]{2}){7,})/) ?? [])[1].replaceAll(':', '');
  return { der: x.raw.toString('base64'), key: readFileSync(join(provider.cards, card, `${which}.key`), 'utf8'),
    serial: x.serialNumber.toUpperCase().replace(/^0+(?=.)/, ''), keyid };
}

/** The message the card signs (jpki.md, "Proposed exchange"), from a login page's app link (its binding is the third part). */
function message(link, tag) {
  const u = new URL(link);
  return Buffer.concat([Buffer.from(tag), Buffer.from([0]), Buffer.from(u.searchParams.get('nonce'), 'base64url'),
    Buffer.from(u.searchParams.get('binding'), 'base64url')]);
}

/** POST /login/card/verify with the authentication key of @p authCard and the signing key of @p signCard (what two cards can do). */
async function verifyMixed(provider, link, authCard, signCard) {
  const a = cardKey(provider, authCard, 'auth'), s = cardKey(provider, signCard, 'sign');
  const u = new URL(link);
  const body = {
    challenge_id: u.searchParams.get('challenge_id'), cert_type: 'both',
    certificate: a.der, signature: rsaSign('sha256', message(link, 'SAKAI-D-JPKI-AUTH-v1'), a.key).toString('base64url'),
    sign_certificate: s.der, sign_signature: rsaSign('sha256', message(link, 'SAKAI-D-JPKI-SIGN-v1'), s.key).toString('base64url'),
  };
  const r = await fetch(`${provider.url}/login/card/verify`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

/** A "both" challenge for the login of @p page; its app link. */
async function bothChallenge(provider, page) {
  const tx = formFields(page.text, '/login/continue').tx;
  return (await (await fetch(`${provider.url}/login/card/challenge`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login_tx: tx, purpose: 'both' }) })).json()).link;
}

const attrsOf = (provider) => psql(provider.env.SAKAID_DATABASE_URL, 'SELECT count(*) FROM resident_attributes');

describe('item 8: a signing certificate belongs to the card that signed in', () => {
  test('the signing step reads the card the resident signed in with; another person\'s card is refused and nothing is written', async () => {
    const { cfg } = await setUp(p);
    const agent = new Agent(p.url);
    const a = await authRequest(cfg, { redirect_uri: CB, scope: VERIFIED });
    let page = await agent.go(a.url.href);
    signWithCard(p.cards, 'sakai-taro', appLink(page.text));
    page = await answerNewCard(agent, await agent.go('/login/continue', { method: 'POST', form: formFields(page.text, '/login/continue') }));
    assert.match(page.text, /id="sign-step"/, 'verified claims asked, none verified: the signing step');
    assert.match(appLink(page.text), /purpose=both/);
    const before = attrsOf(p);
    const other = signWithCardResult(p, 'kita-hanako', appLink(page.text));
    assert.equal(other.status, 1);
    assert.equal(other.body.reason, 'card_mismatch');
    assert.equal(attrsOf(p), before, 'nothing enrolled');
    // the same card's two keys: enrolled, and the flow goes on to consent
    const again = await agent.go(page.url); // a fresh challenge
    signWithCard(p.cards, 'sakai-taro', appLink(again.text));
    const consent = await agent.go('/login/continue', { method: 'POST', form: formFields(again.text, '/login/continue') });
    assert.match(consent.text, /data-claim="name"/);
    const t = await tokens(cfg, a, await consentIfAsked(agent, consent));
    assert.equal((await oidc.fetchUserInfo(cfg, t.access_token, t.claims().sub)).verified_claims.claims.name, '堺 太郎');
  });

  test('where J-LIS pair linkage is imported, it must agree: one card\'s authentication key with another card\'s signing key is refused', async () => {
    const q = await startProvider();
    const { cfg } = await setUp(q);
    // 証明書紐付け情報 for two cards: each signing certificate with its own card's authentication certificate.
    const lines = ['sign_issuer_key_id,sign_serial,auth_issuer_key_id,auth_serial'];
    for (const card of ['osaka-jiro', 'kita-hanako']) {
      const s = cardKey(q, card, 'sign'), a = cardKey(q, card, 'auth');
      lines.push(`${s.keyid},${s.serial},${a.keyid},${a.serial}`);
    }
    const file = join(tempDir(), 'pairs.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    assert.equal(admin(q.env, ['linkage', 'import', '--pairs', file]).json.imported, 2);
    const agent = new Agent(q.url);
    const a = await authRequest(cfg, { redirect_uri: CB, scope: VERIFIED });
    const page = await agent.go(a.url.href);
    const mixed = await verifyMixed(q, await bothChallenge(q, page), 'osaka-jiro', 'kita-hanako');
    assert.equal(mixed.status, 403);
    assert.equal(mixed.body.reason, 'pair_mismatch');
    assert.equal(attrsOf(q), '0');
    const own = await verifyMixed(q, await bothChallenge(q, page), 'osaka-jiro', 'osaka-jiro');
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.enrolled, true);
    assert.equal(attrsOf(q), '1');
  });
});

/** sakaid-card's result (exit status and the server's reply) without throwing on a refusal. */
function signWithCardResult(provider, card, link) {
  const r = spawnSync(join(BIN, 'sakaid-card'), ['--dir', provider.cards, 'sign', '--card', card, link], { encoding: 'utf8' });
  let body;
  try {
    body = JSON.parse(r.stdout);
  } catch {
    body = undefined;
  }
  return { status: r.status, body, stderr: r.stderr };
}

describe('item 9 and 11: the browser flow reaches the signing step', () => {
  test('from scratch, the verified claims arrive at openid-client: birthdate YYYY-MM-DD, gender female/male', async () => {
    const { cfg } = await setUp(p);
    const agent = new Agent(p.url);
    const a = await authRequest(cfg, { redirect_uri: CB, scope: VERIFIED });
    const t = await tokens(cfg, a, await completeLogin(agent, await agent.go(a.url.href), { cards: p.cards, card: 'kita-hanako' }));
    const info = await oidc.fetchUserInfo(cfg, t.access_token, t.claims().sub);
    assert.equal(info.verified_claims.claims.name, '堺 花子');
    assert.equal(info.verified_claims.claims.birthdate, '2001-03-15', 'the card\'s 420010315: the era digit dropped');
    assert.equal(info.verified_claims.claims.gender, 'female', 'the card\'s code 2');
    assert.equal(info.verified_claims.verification.trust_framework, 'jp_jpki');
    assert.equal(info.sakai_resident, true);
  });

  test('declined: the consent page lists the items as not provided, and the client gets only what was verified', async () => {
    const { cfg } = await setUp(p);
    const agent = new Agent(p.url);
    const a = await authRequest(cfg, { redirect_uri: CB, scope: VERIFIED });
    let page = await agent.go(a.url.href);
    signWithCard(p.cards, 'osaka-jiro', appLink(page.text));
    page = await answerNewCard(agent, await agent.go('/login/continue', { method: 'POST', form: formFields(page.text, '/login/continue') }));
    assert.match(page.text, /id="sign-step"/);
    const consent = await agent.go('/login/sign/skip', { method: 'POST', form: formFields(page.text, '/login/sign/skip') });
    assert.match(consent.text, /action="\/consent"/);
    for (const claim of ['name', 'birthdate', 'gender', 'sakai_resident', 'sakai_ward']) {
      assert.match(consent.text, new RegExp(`data-withheld="${claim}"`), `${claim} is listed as not provided`);
      assert.doesNotMatch(consent.text, new RegExp(`data-claim="${claim}"`), `${claim} is not promised`);
    }
    const t = await tokens(cfg, a, await consentIfAsked(agent, consent));
    const info = await oidc.fetchUserInfo(cfg, t.access_token, t.claims().sub);
    assert.deepEqual(Object.keys(info), ['sub'], 'nothing verified, nothing released');
    // a GET cannot decline, and a signing step cannot be skipped twice
    assert.equal((await agent.request('/login/sign/skip', { method: 'POST', form: formFields(page.text, '/login/sign/skip') })).status, 400);
  });
});

describe('item 10: renewal by re-verification (product.md §6)', () => {
  /** A provider where sakai-taro signed in with both keys (verified attributes); the client's sub for them. */
  async function withTaro() {
    const q = await startProvider();
    const { cfg } = await setUp(q);
    const agent = new Agent(q.url);
    const a = await authRequest(cfg, { redirect_uri: CB, scope: VERIFIED });
    const t = await tokens(cfg, a, await completeLogin(agent, await agent.go(a.url.href), { cards: q.cards, card: 'sakai-taro' }));
    return { q, cfg, sub: t.claims().sub };
  }

  /** A new browser signs in with @p card (nobody holds it) and asks for its earlier card's SakaI-D: the page after. */
  async function renewalPage(q, cfg, card) {
    const agent = new Agent(q.url);
    const a = await authRequest(cfg, { redirect_uri: CB, scope: 'openid' });
    let page = await agent.go(a.url.href);
    signWithCard(q.cards, card, appLink(page.text));
    page = await agent.go('/login/continue', { method: 'POST', form: formFields(page.text, '/login/continue') });
    assert.match(page.text, /id="new-card" data-stage="ask"/, 'a card new to SakaI-D: first time, or an earlier card?');
    page = await agent.go('/login/card/new', { method: 'POST', form: newCardForm(page.text, 'renewal') });
    assert.match(page.text, /id="sign-step"/, 'its signing certificate is read to find the SakaI-D');
    signWithCard(q.cards, card, appLink(page.text));
    page = await agent.go('/login/continue', { method: 'POST', form: formFields(page.text, '/login/continue') });
    return { agent, a, page };
  }

  const audit = (q, event) => psql(q.env.SAKAID_DATABASE_URL, `SELECT count(*) FROM audit_events WHERE event = '${event}'`);

  test('the same four attributes, confirmed: the new card signs in to the same SakaI-D, audited', async () => {
    const { q, cfg, sub } = await withTaro();
    const { agent, a, page } = await renewalPage(q, cfg, 'sakai-taro-renewed');
    assert.match(page.text, /data-stage="confirm"/);
    const t = await tokens(cfg, a, await consentIfAsked(agent, await agent.go('/login/card/new', { method: 'POST', form: newCardForm(page.text, 'confirm') })));
    assert.equal(t.claims().sub, sub, 'the same SakaI-D');
    assert.equal(audit(q, 'card_renewed'), '1');
    // and from now on the new card alone signs in to it
    const other = new Agent(q.url);
    const b = await authRequest(cfg, { redirect_uri: CB, scope: 'openid' });
    const again = await tokens(cfg, b, await completeLogin(other, await other.go(b.url.href), { cards: q.cards, card: 'sakai-taro-renewed' }));
    assert.equal(again.claims().sub, sub);
  });

  test('the same attributes, refused: a new SakaI-D, audited', async () => {
    const { q, cfg, sub } = await withTaro();
    const { agent, a, page } = await renewalPage(q, cfg, 'sakai-taro-renewed');
    assert.match(page.text, /data-stage="confirm"/);
    const t = await tokens(cfg, a, await consentIfAsked(agent, await agent.go('/login/card/new', { method: 'POST', form: newCardForm(page.text, 'refuse') })));
    assert.notEqual(t.claims().sub, sub, 'another SakaI-D');
    assert.equal(audit(q, 'card_renewal_refused'), '1');
    assert.equal(audit(q, 'card_renewed'), '0');
  });

  test('other attributes: no SakaI-D matches, the page says so, and the resident starts a new one', async () => {
    const { q, cfg, sub } = await withTaro();
    const { agent, a, page } = await renewalPage(q, cfg, 'osaka-jiro');
    assert.match(page.text, /data-stage="no-match"/);
    assert.doesNotMatch(page.text, /data-answer="confirm"/, 'nothing to confirm');
    const t = await tokens(cfg, a, await consentIfAsked(agent, await agent.go('/login/card/new', { method: 'POST', form: newCardForm(page.text, 'first') })));
    assert.notEqual(t.claims().sub, sub);
    assert.equal(audit(q, 'card_renewed'), '0');
  });
});
