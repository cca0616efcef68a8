// Outreach (issue #22, docs/outreach.md) over HTTP on PostgreSQL: a resident opts in and out on /account (ledger rows
// each way); segments over a generated population match exactly what a brute-force oracle here says, counts are
// rounded with "<k", differencing is refused, a send is a snapshot; the city portal pages through it as its own
// subs, a partner never gets members; a resident sees the campaign on /account, opts out, and is absent from the
// next. Then, in Chromium with axe-core: the planner's console (define, count, send) and the resident's switches.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { addClient, admin, basic, cleanup, psql, tokenRequest } from './lib/harness.mjs';
import { Agent, authRequest, completeLogin, formFields, oidc, startProvider } from './lib/flow.mjs';

const CB = 'https://portal.example/cb';
const K = 10;
const MINAMI = '南区', KITA = '北区', SAKAI = '堺区', MIHARA = '美原区';
const WARDS = [MINAMI, KITA, SAKAI, MIHARA, null];
const SCHOOLS = ['浅香山小学校', '三国丘小学校', null];
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let p, rpClient, config, planner, portal, partner, partnerClient, population;

const db = (sql) => psql(p.env.SAKAID_DATABASE_URL, sql);

async function clientToken(flags, scope) {
  const c = addClient(p.env, ['--grant-types', 'client_credentials', '--scope', scope, ...flags]);
  const r = await tokenRequest(p.url, { grant_type: 'client_credentials', scope }, { authorization: basic(c.client_id, c.client_secret) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { client: c, token: r.body.access_token };
}

async function call(method, path, token, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${p.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/* ---- the population and the oracle ---- */

function rng(seed) { // mulberry32: the same population on every run
  return () => {
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// This month in Japan, as year * 12 + month - 1 (oauth/outreach_lang.c).
function refMonth() {
  const d = new Date(Date.now() + 9 * 3600 * 1000);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

function generate(n) {
  const r = rng(22), ref = refMonth(), pick = (a) => a[Math.floor(r() * a.length)];
  const people = [];
  for (let i = 0; i < n; i++) {
    const fatherOf3 = i < 14; // fathers of 3-year-olds in Minami, who asked for child-rearing news
    const kids = fatherOf3 ? [ref - 36 - Math.floor(r() * 12)] : Array.from({ length: Math.floor(r() * 3) }, () => ref - Math.floor(r() * 144));
    people.push({
      id: `pop-${String(i).padStart(4, '0')}`,
      categories: fatherOf3 ? 2 | (r() < 0.5 ? 1 : 0) : 1 + Math.floor(r() * 3), // health 1, childrearing 2
      birth: r() < 0.1 ? null : ref - 12 * (18 + Math.floor(r() * 70)) - Math.floor(r() * 12),
      gender: fatherOf3 ? 1 : pick([1, 2, 2, 1, null]),
      ward: fatherOf3 ? MINAMI : pick(WARDS),
      school: fatherOf3 ? pick(SCHOOLS.slice(0, 2)) : pick(SCHOOLS),
      kids,
    });
  }
  for (const x of people) x.resident = x.ward !== null && (x.id !== 'pop-0005'); // one in Minami not (any more) in Sakai
  return people;
}

function insertPopulation(people) {
  const rows = people.map((x) => `('${x.id}', ${x.categories}, ${x.birth ?? 'NULL'}, ${x.gender ?? 'NULL'}, ${x.ward ? `'${x.ward}'` : 'NULL'}, `
    + `${x.resident}, ${x.school ? `'${x.school}'` : 'NULL'}, '{${x.kids.join(',')}}')`);
  db(`INSERT INTO residents (id) VALUES ${people.map((x) => `('${x.id}')`).join(',')};
      INSERT INTO outreach_profiles (resident_id, categories, birth_month, gender, ward, sakai_resident, school_district, children)
      VALUES ${rows.join(',')}`);
}

const CATEGORY = { health: 1, childrearing: 2 };
// The rule, written again from docs/outreach.md: aged a at ref means born in (ref - 12(a + 1), ref - 12a].
function matches(seg, x) {
  const ref = refMonth(), born = (lo, hi) => (m) => m !== null && m >= ref - 12 * hi - 11 && m <= ref - 12 * lo;
  if (!(x.categories & CATEGORY[seg.category])) return false;
  const c = seg.c;
  if (c.age && !born(...c.age)(x.birth)) return false;
  if (c.gender && x.gender !== c.gender) return false;
  if (c.wards && !c.wards.includes(x.ward)) return false;
  if (c.resident !== undefined && x.resident !== c.resident) return false;
  if (c.schools && !c.schools.includes(x.school)) return false;
  if (c.child && !x.kids.some(born(...c.child))) return false;
  return true;
}
const shown = (n) => (n < K ? `<${K}` : String(Math.floor((n + 5) / 10) * 10));

before(async () => {
  p = await startProvider();
  rpClient = addClient(p.env, ['--client-name', 'City portal sign-in', '--redirect-uris', CB, '--tier', 'city',
    '--grant-types', 'authorization_code', '--scope', 'openid residency']);
  config = await oidc.discovery(new URL(p.url), rpClient.client_id, {}, oidc.ClientSecretBasic(rpClient.client_secret),
    { execute: [oidc.allowInsecureRequests] });
  planner = (await clientToken(['--client-name', 'Outreach planning'], 'admin:outreach-planner')).token;
  portal = await clientToken(['--client-name', 'City portal', '--tier', 'city'], 'outreach');
  partner = await clientToken(['--client-name', 'Semboku energy co-op', '--tier', 'partner'], 'outreach');
  partnerClient = partner.client;
});
after(async () => {
  await cleanup();
});

async function signIn(agent, card = 'sakai-taro') {
  const a = await authRequest(config, { redirect_uri: CB, scope: 'openid residency' });
  const r = await completeLogin(agent, await agent.go(a.url.href), { cards: p.cards, card });
  assert.equal(r.status, 303, r.text?.slice(0, 300));
}

async function toggle(agent, category, on) {
  const acct = await agent.go('/account');
  const form = acct.text.slice(acct.text.indexOf(`data-category="${category}"`));
  const csrf = formFields(acct.text, '/account/outreach').csrf;
  assert.ok(form.includes('action="/account/outreach"'));
  const r = await agent.request('/account/outreach', { method: 'POST', form: { csrf, category, on: on ? '1' : '0' } });
  assert.equal(r.status, 303);
  assert.equal(r.location, `${p.url}/account?outreach=${on ? 'on' : 'off'}#outreach`);
}

describe('the resident decides', () => {
  test('off by default; on and off are consent-ledger rows; the coarse profile exists only while opted in', async () => {
    const agent = new Agent(p.url);
    await signIn(agent);
    const acct = await agent.go('/account');
    for (const c of ['health', 'childrearing', 'energy', 'foster', 'disaster'])
      assert.match(acct.text, new RegExp(`data-category="${c}" data-on="false"`));
    const me = db(`SELECT resident_id FROM sessions ORDER BY auth_time DESC LIMIT 1`);
    const ledger = () => db(`SELECT action || ' ' || purpose FROM consent_ledger WHERE resident_id = '${me}' AND client_id = 'sakaid:outreach' ORDER BY seq`);
    // a forged form changes nothing
    const forged = await agent.request('/account/outreach', { method: 'POST', form: { csrf: 'x'.repeat(43), category: 'health', on: '1' } });
    assert.equal(forged.status, 403);
    assert.equal(ledger(), '');
    await toggle(agent, 'childrearing', true);
    assert.equal(ledger(), 'grant outreach:childrearing');
    // derived from the verified record (sakai-taro lives in Sakai ward, born January 1990), kept in clear apart, and
    // only what the categories turned on use: child-rearing uses no age, so no month of birth
    const prof = () => db(`SELECT concat_ws(' ', categories, coalesce(birth_month::text, '-'), gender, ward, sakai_resident)
      FROM outreach_profiles WHERE resident_id = '${me}'`);
    assert.equal(prof(), `2 - 1 ${SAKAI} t`);
    await toggle(agent, 'health', true);
    assert.equal(prof(), `3 ${1990 * 12} 1 ${SAKAI} t`);
    await toggle(agent, 'health', false);
    assert.equal(prof(), `2 - 1 ${SAKAI} t`);
    assert.equal(ledger(), 'grant outreach:childrearing\ngrant outreach:health\nrevoke outreach:health');
    assert.match((await agent.go('/account')).text, /data-category="childrearing" data-on="true"/);
    await toggle(agent, 'childrearing', false);
    assert.equal(ledger(), 'grant outreach:childrearing\ngrant outreach:health\nrevoke outreach:health\nrevoke outreach:childrearing');
    assert.equal(db(`SELECT count(*) FROM outreach_profiles WHERE resident_id = '${me}'`), '0');
    assert.equal(admin(p.env, ['audit', 'verify']).json.ok, true);
  });

  test('five categories turned on at once: every one is on, each with its ledger row', async () => {
    const agent = new Agent(p.url);
    await signIn(agent);
    const me = db(`SELECT resident_id FROM sessions ORDER BY auth_time DESC LIMIT 1`);
    const csrf = formFields((await agent.go('/account')).text, '/account/outreach').csrf;
    const all = ['health', 'childrearing', 'energy', 'foster', 'disaster'];
    const rs = await Promise.all(all.map((category) => agent.request('/account/outreach', { method: 'POST', form: { csrf, category, on: '1' } })));
    assert.deepEqual(rs.map((r) => r.status), [303, 303, 303, 303, 303]);
    assert.equal(db(`SELECT categories FROM outreach_profiles WHERE resident_id = '${me}'`), '31');
    assert.equal(db(`SELECT count(*) FROM consent_ledger WHERE resident_id = '${me}' AND client_id = 'sakaid:outreach' AND action = 'grant' AND seq > (SELECT coalesce(max(seq), 0) FROM consent_ledger WHERE resident_id = '${me}' AND action = 'revoke' AND client_id = 'sakaid:outreach')`), '5');
    await Promise.all(all.map((category) => agent.request('/account/outreach', { method: 'POST', form: { csrf, category, on: '0' } })));
    assert.equal(db(`SELECT count(*) FROM outreach_profiles WHERE resident_id = '${me}'`), '0');
  });
});

describe('segments', () => {
  const defined = []; // the segments stored so far, for the differencing oracle
  async function define(category, criteria, c, { sponsor } = {}) {
    const seg = { category, c };
    const members = population.filter((x) => matches(seg, x));
    const clash = defined.some((d) => {
      const diff = population.filter((x) => matches(seg, x) !== matches(d, x)).length;
      return diff > 0 && diff < K;
    });
    const r = await call('POST', '/admin/api/v1/outreach/segments', planner, { category, name: criteria || 'everyone', criteria, sponsor });
    if (clash) {
      assert.equal(r.status, 409, `${criteria}: differencing expected, ${JSON.stringify(r.body)}`);
      return null;
    }
    assert.equal(r.status, 201, `${criteria}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.count, shown(members.length), criteria);
    assert.equal(r.body.sendable, members.length >= K);
    defined.push(seg);
    return { id: r.body.id, members };
  }

  async function send(seg) {
    const r = await call('POST', `/admin/api/v1/outreach/segments/${seg.id}/send`, planner);
    if (seg.members.length < K) {
      assert.equal(r.status, 409);
      return null;
    }
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const got = db(`SELECT resident_id FROM outreach_members WHERE campaign_id = '${r.body.id}' ORDER BY resident_id`).split('\n').filter(Boolean);
    assert.deepEqual(got, seg.members.map((x) => x.id).sort());
    return r.body.id;
  }

  test('match exactly the residents the oracle picks; counts rounded, "<k" under k', async () => {
    population = generate(400);
    insertPopulation(population);
    const fathers = await define('childrearing', 'gender = male and child_age = 3 and ward = minami', { gender: 1, child: [3, 3], wards: [MINAMI] });
    assert.ok(fathers.members.length >= 14);
    await send(fathers);
    const cases = [
      ['health', 'age in 40..64 and gender = female', { age: [40, 64], gender: 2 }],
      ['childrearing', 'school_district in ("浅香山小学校", "三国丘小学校") and child_age in 6..11', { schools: ['浅香山小学校', '三国丘小学校'], child: [6, 11] }],
      ['health', 'ward in (kita, 堺区) and resident = yes', { wards: [KITA, SAKAI], resident: true }],
      ['health', 'age in 80..120 and ward = mihara and gender = male', { age: [80, 120], wards: [MIHARA], gender: 1 }],
      ['childrearing', '', {}],
    ];
    let under = 0;
    for (const [category, text, c] of cases) {
      const seg = await define(category, text, c);
      if (seg === null) continue;
      under += seg.members.length < K;
      await send(seg);
    }
    assert.ok(under >= 1, 'one case is under k');
  });

  test('a segment a few residents away from a recent one is refused (differencing)', async () => {
    // the fathers in Minami who live in Sakai: one of them (pop-0005) does not
    const r = await call('POST', '/admin/api/v1/outreach/segments', planner, { category: 'childrearing', name: 'nearly',
      criteria: 'gender = male and child_age = 3 and ward = minami and resident = yes' });
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.match(r.body.detail ?? r.body.error_description ?? '', /differencing/);
    assert.equal(db(`SELECT count(*) FROM outreach_segments WHERE name = 'nearly'`), '0');
  });

  test('the portal pages a campaign as its own subs; each release a ledger row; a partner gets counts only', async () => {
    const list = await call('GET', '/outreach/campaigns', portal.token);
    assert.equal(list.status, 200);
    const camp = list.body.campaigns.find((c) => c.criteria === 'gender = male and ward = "南区" and child_age = 3');
    assert.ok(camp, JSON.stringify(list.body));
    const subs = new Set();
    let cursor, pages = 0;
    do {
      const q = new URLSearchParams({ limit: '4', ...(cursor ? { cursor } : {}) });
      const r = await call('GET', `/outreach/campaigns/${camp.id}/members?${q}`, portal.token);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      for (const s of r.body.members) {
        assert.ok(!s.startsWith('pop-'), 'never our resident ids');
        assert.ok(!subs.has(s));
        subs.add(s);
      }
      assert.ok(!cursor || !cursor.includes('pop-'));
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor);
    assert.equal(subs.size, camp.members);
    assert.equal(pages, Math.floor(camp.members / 4) + 1);
    assert.equal(db(`SELECT count(*) FROM consent_ledger WHERE action = 'release' AND purpose LIKE '%:${camp.id}'`), String(camp.members));
    const after = await call('GET', '/outreach/campaigns', portal.token);
    assert.equal(after.body.campaigns.find((c) => c.id === camp.id).released, camp.members);
    // a partner: refused member lists, whatever the campaign
    const refused = await call('GET', `/outreach/campaigns/${camp.id}/members`, partner.token);
    assert.equal(refused.status, 403);
    // a partner's own campaign, sent through the city: counts only, thresholded
    const seg = await call('POST', '/admin/api/v1/outreach/segments', planner, { category: 'health', name: 'co-op energy advice',
      criteria: 'gender = female', sponsor: partnerClient.client_id });
    assert.equal(seg.status, 201, JSON.stringify(seg.body));
    const sent = await call('POST', `/admin/api/v1/outreach/segments/${seg.body.id}/send`, planner);
    assert.equal(sent.status, 201);
    const mine = await call('GET', '/outreach/campaigns', partner.token);
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.campaigns.map((c) => c.id), [sent.body.id]);
    assert.equal(typeof mine.body.campaigns[0].members, 'string');
    assert.equal((await call('GET', `/outreach/campaigns/${sent.body.id}/members`, partner.token)).status, 403);
    // an ID token's sign-in is not the portal's client credentials
    assert.equal((await call('GET', '/outreach/campaigns', planner)).status, 403);
  });

  test('the resident sees the campaign on /account, opts out, and is absent from the next send', async () => {
    const agent = new Agent(p.url);
    await signIn(agent);
    const me = db(`SELECT resident_id FROM sessions ORDER BY auth_time DESC LIMIT 1`);
    await toggle(agent, 'health', true);
    // everyone in Sakai ward who asked for health notices: the population's and this resident
    const text = 'ward = sakai';
    let seg = await call('POST', '/admin/api/v1/outreach/segments', planner, { category: 'health', name: 'Sakai ward health', criteria: text });
    assert.equal(seg.status, 201, JSON.stringify(seg.body));
    let sent = await call('POST', `/admin/api/v1/outreach/segments/${seg.body.id}/send`, planner);
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    assert.equal(db(`SELECT count(*) FROM outreach_members WHERE campaign_id = '${sent.body.id}' AND resident_id = '${me}'`), '1');
    let acct = await agent.go('/account');
    const inc = acct.text.slice(acct.text.indexOf('id="outreach-inclusions"'));
    assert.match(inc, /data-category="health"/);
    assert.match(inc, /お住まいの区/); // what matched: the ward
    await toggle(agent, 'health', false);
    // out of the campaign the portal has not fetched yet, and absent from the next
    assert.equal(db(`SELECT count(*) FROM outreach_members WHERE campaign_id = '${sent.body.id}' AND resident_id = '${me}'`), '0');
    sent = await call('POST', `/admin/api/v1/outreach/segments/${seg.body.id}/send`, planner);
    assert.equal(sent.status, 201);
    assert.equal(db(`SELECT count(*) FROM outreach_members WHERE campaign_id = '${sent.body.id}' AND resident_id = '${me}'`), '0');
    assert.ok(Number(db(`SELECT members FROM outreach_campaigns WHERE id = '${sent.body.id}'`)) >= K);
    acct = await agent.go('/account');
    assert.match(acct.text, /data-category="health" data-on="false"/);
    // the whole consent ledger still chains
    assert.equal(admin(p.env, ['audit', 'verify']).json.ok, true);
  });
});

async function axe(page, state) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const out = await axe.run(document, { resultTypes: ['violations'] });
    return out.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(r, [], `${state}: axe-core violations`);
}

describe('in Chromium', () => {
  let browser;
  before(async () => {
    assert.ok(existsSync(CHROMIUM));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  after(async () => browser?.close());

  async function signInAt(page, path) {
    await page.goto(`${p.url}${path}`);
    await page.waitForURL(/\/login\?tx=/);
    await page.selectOption('#card', 'sakai-taro');
    await page.click('form#test-card button');
    await page.waitForLoadState();
    const first = page.locator('#new-card form[data-answer="first"] button');
    if (await first.count()) await first.click();
    await page.waitForURL(new RegExp(`${path.replace(/\//g, '\\/')}$`));
  }

  test('the planner defines, counts and sends; the resident turns a category on and off', async () => {
    const ctx = await browser.newContext({ bypassCSP: true, locale: 'ja-JP', extraHTTPHeaders: { 'accept-language': 'ja' } });
    const page = await ctx.newPage();
    await signInAt(page, '/admin');
    const me = db(`SELECT resident_id FROM sessions ORDER BY auth_time DESC LIMIT 1`);
    admin(p.env, ['role', 'grant', me, 'outreach-planner']);
    await page.goto(`${p.url}/admin/outreach`);
    await axe(page, 'outreach console');
    await page.fill('#name', '3歳児のお父さん(南区)');
    await page.selectOption('#category', 'childrearing');
    await page.fill('#criteria', 'gender = male and child_age = 3 and ward = 南区');
    await page.click('#define');
    await page.waitForURL(/done=defined/);
    assert.equal(await page.locator('#counted-size').textContent(), shown(population.filter((x) => matches({ category: 'childrearing', c: { gender: 1, child: [3, 3], wards: [MINAMI] } }, x)).length));
    await axe(page, 'counted');
    await page.click('#send');
    await page.waitForURL(/done=sent/);
    assert.equal(await page.locator('#campaigns tbody tr').count() >= 1, true);
    await axe(page, 'sent');
    // a definition that is not the language: the form again, with why, and the text kept
    await page.fill('#name', 'bad');
    await page.fill('#criteria', 'gender = male or age = 3');
    await page.click('#define');
    assert.equal(await page.locator('#alert').count(), 1);
    assert.equal(await page.inputValue('#criteria'), 'gender = male or age = 3');
    await axe(page, 'refused');

    // the resident's switches, in English this time
    await page.goto(`${p.url}/account`);
    await page.click('#site-lang'); // the language switch: back to this page, in English
    await page.waitForURL(/\/account$/);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await axe(page, 'account (outreach)');
    const energy = page.locator('li[data-category="energy"]');
    assert.equal(await energy.getAttribute('data-on'), 'false');
    await energy.locator('button').click();
    await page.waitForURL(/outreach=on/);
    assert.equal(await page.locator('li[data-category="energy"]').getAttribute('data-on'), 'true');
    assert.equal(await page.locator('#notice').count(), 1);
    await axe(page, 'account (turned on)');
    await page.locator('li[data-category="energy"] button').click();
    await page.waitForURL(/outreach=off/);
    assert.equal(await page.locator('li[data-category="energy"]').getAttribute('data-on'), 'false');
    await ctx.close();
  });
});
