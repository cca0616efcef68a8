// The partner portal in Chromium (issue #19): a partner organisation's member signs in, sees and manages its own
// clients only (never another organisation's), sees k-thresholded statistics, rotates a secret and asks for
// approval; axe-core on its pages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { admin, basic, cleanup, psql, tokenRequest } from './lib/harness.mjs';
import { startProvider } from './lib/flow.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const CB = 'https://partner.example/cb';
let p, browser, north, south;

before(async () => {
  assert.ok(existsSync(CHROMIUM));
  p = await startProvider();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  north = await register('north-shop', 'North café');
  south = await register('south-shop', 'South bakery');
});
after(async () => {
  await browser?.close();
  await cleanup();
});

const db = (sql) => psql(p.env.SAKAID_DATABASE_URL, sql);

async function register(org, name) {
  const { token } = admin(p.env, ['iat', 'issue', org]).json;
  const r = await fetch(`${p.url}/register`, { method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: name, redirect_uris: [CB] }) });
  assert.equal(r.status, 201);
  return r.json();
}

async function axe(page, state) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const out = await axe.run(document, { resultTypes: ['violations'] });
    return out.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(r, [], `${state}: axe-core violations`);
}

async function residentOf(ctx) {
  const cookie = (await ctx.cookies()).find((c) => c.name === 'sakaid_session');
  return db(`SELECT resident_id FROM sessions WHERE id_hash = sha256(convert_to('${cookie.value}', 'UTF8'))`);
}

const tokenWith = (c, secret) => tokenRequest(p.url, { grant_type: 'authorization_code', code: 'x', redirect_uri: CB },
  { authorization: basic(c.client_id, secret) });

describe('the partner portal', () => {
  test('a member sees its own organisation\'s clients only, with statistics; asks for approval; rotates a secret', async () => {
    const ctx = await browser.newContext({ bypassCSP: true, locale: 'ja-JP', extraHTTPHeaders: { 'accept-language': 'ja' } });
    const page = await ctx.newPage();
    await page.goto(`${p.url}/partner`);
    await page.waitForURL(/\/login\?tx=/);
    await page.selectOption('#card', 'sakai-taro');
    await page.click('form#test-card button');
    await page.waitForLoadState();
    const first = page.locator('#new-card form[data-answer="first"] button');
    if (await first.count()) await first.click();
    await page.waitForURL(/\/partner$/);
    assert.equal(await page.locator('#denied').count(), 1, 'a member of no organisation');
    await axe(page, 'no organisation');
    const me = await residentOf(ctx);
    admin(p.env, ['member', 'add', me, '--organisation', 'north-shop']);
    assert.deepEqual(admin(p.env, ['member', 'list', '--organisation', 'north-shop']).json, [me]);

    await page.goto(`${p.url}/partner`);
    assert.equal(await page.locator(`a[href="/partner/clients/${north.client_id}"]`).count(), 1);
    assert.equal(await page.locator(`a[href="/partner/clients/${south.client_id}"]`).count(), 0, 'never another organisation\'s');
    await axe(page, 'clients');

    // another organisation's client: as if it did not exist, for reading and for changing
    let r = await page.goto(`${p.url}/partner/clients/${south.client_id}`);
    assert.equal(r.status(), 404);
    assert.equal(await page.getAttribute('#error', 'data-situation'), 'partner');
    assert.equal(await page.getAttribute('#error-action', 'href'), '/partner', 'the way back is the portal');
    await axe(page, 'no such client');
    r = await page.goto(`${p.url}/partner/clients/no-such-client`);
    assert.equal(r.status(), 404);
    const cookies = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    await page.goto(`${p.url}/partner/clients/${north.client_id}`);
    const csrf = await page.inputValue('form[action$="/rotate-secret"] input[name="csrf"]');
    const foreign = await fetch(`${p.url}/partner/clients/${south.client_id}/rotate-secret`, { method: 'POST', redirect: 'manual',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(csrf)}` });
    assert.equal(foreign.status, 404);
    assert.equal((await tokenWith(south, south.client_secret)).body.error, 'invalid_grant', 'its secret unchanged');

    // its own client: statistics, k-thresholded
    assert.equal(await page.locator('#stats tbody tr').count(), 7);
    assert.equal(await page.textContent('#stats tbody tr:last-child td:nth-child(2)'), '<10');
    await axe(page, 'client');
    // asking for approval
    await page.click('#request-approval');
    await page.waitForURL(/\?done=requested$/);
    assert.equal(await page.locator('#requested').count(), 1);
    assert.equal(await page.locator('#request-approval').count(), 0);
    assert.notEqual(db(`SELECT approval_requested_at FROM clients WHERE client_id = '${north.client_id}'`), '');
    assert.equal(db(`SELECT role FROM admin_log WHERE action = 'clients.request_approval' ORDER BY seq DESC LIMIT 1`),
      'partner:north-shop');
    // a new secret, once
    await page.click('#rotate-secret');
    await page.waitForSelector('#new-secret');
    const secret = (await page.textContent('#new-secret')).trim();
    assert.equal((await tokenWith(north, north.client_secret)).status, 401);
    assert.equal((await tokenWith(north, secret)).body.error, 'invalid_grant');
    await axe(page, 'client (new secret)');
    // the city approves: the request is answered
    admin(p.env, ['client', 'approve', north.client_id]);
    assert.equal(db(`SELECT approval_requested_at IS NULL FROM clients WHERE client_id = '${north.client_id}'`), 't');
    // sakaid-admin's approval and its admin log row: one transaction (the same xmin)
    assert.equal(db(`SELECT (SELECT xmin FROM clients WHERE client_id = '${north.client_id}') = (SELECT xmin FROM admin_log
      WHERE action = 'client.approve' AND target = '${north.client_id}' ORDER BY seq DESC LIMIT 1)`), 't');
    assert.equal(db(`SELECT count(*) FROM admin_log WHERE action = 'client.approve' AND target = '${north.client_id}'`), '1',
      'one row, not two');

    // registering a client through the portal: refused metadata first, then in the organisation's sandbox
    await page.goto(`${p.url}/partner`);
    await page.click('#to-register');
    await page.waitForURL(/\/partner\/register$/);
    await axe(page, 'register form');
    await page.fill('#client_name', 'North café app');
    await page.fill('#redirect_uris', 'http://north.example/cb');
    await page.click('#register');
    await page.waitForSelector('#alert-detail');
    assert.match(await page.textContent('#alert-detail'), /redirect_uris/);
    assert.equal(await page.inputValue('#client_name'), 'North café app', 'the form as sent');
    await axe(page, 'register form (refused)');
    await page.fill('#redirect_uris', 'https://north.example/cb\nhttps://north.example/cb2');
    await page.click('#register');
    await page.waitForSelector('#new-secret');
    const made = (await page.textContent('#client code')).trim();
    const row = db(`SELECT organisation || ' ' || sandbox || ' ' || jsonb_array_length(metadata->'redirect_uris') ` +
      `FROM clients WHERE client_id = '${made}'`);
    assert.equal(row, 'north-shop true 2');
    assert.equal(db(`SELECT role FROM admin_log WHERE action = 'clients.create' AND target = '${made}'`), 'partner:north-shop');
    await axe(page, 'registered');
    // its redirect URIs edited
    await page.fill('#redirect_uris', 'https://north.example/new');
    await page.click('#save-redirects');
    await page.waitForURL(/\?done=saved$/);
    assert.equal(db(`SELECT metadata->>'redirect_uris' FROM clients WHERE client_id = '${made}'`), '["https://north.example/new"]');
    // the member makes themself a test resident of the sandbox
    await page.goto(`${p.url}/partner/test-residents`);
    await axe(page, 'test residents');
    assert.equal(await page.getAttribute(`tr[data-resident="${me}"] td[data-test]`, 'data-test'), 'false');
    await page.click(`tr[data-resident="${me}"] button`);
    await page.waitForURL(/done=added$/);
    assert.equal(await page.getAttribute(`tr[data-resident="${me}"] td[data-test]`, 'data-test'), 'true');
    assert.deepEqual(admin(p.env, ['test-resident', 'list', '--organisation', 'north-shop']).json, [me]);
    await ctx.close();
  });

  test('a stale sign-in changes nothing; without a session, the portal sends the browser to sign in', async () => {
    const ctx = await browser.newContext({ bypassCSP: true, locale: 'en-US', extraHTTPHeaders: { 'accept-language': 'en' } });
    const page = await ctx.newPage();
    await page.goto(`${p.url}/partner`);
    await page.waitForURL(/\/login\?tx=/);
    await page.selectOption('#card', 'kita-hanako');
    await page.click('form#test-card button');
    await page.waitForLoadState();
    const first = page.locator('#new-card form[data-answer="first"] button');
    if (await first.count()) await first.click();
    await page.waitForURL(/\/partner$/);
    const me = await residentOf(ctx);
    admin(p.env, ['member', 'add', me, '--organisation', 'south-shop']);
    await page.goto(`${p.url}/partner/clients/${south.client_id}`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    db(`UPDATE sessions SET auth_time = now() - interval '10 minutes' WHERE resident_id = '${me}'`);
    await page.click('#request-approval');
    await page.waitForSelector('#denied');
    assert.equal(await page.getAttribute('#admin-sign-in', 'href'), '/account/login?for=partner');
    assert.equal(db(`SELECT approval_requested_at IS NULL FROM clients WHERE client_id = '${south.client_id}'`), 't');
    await ctx.close();
    const r = await fetch(`${p.url}/partner`, { redirect: 'manual' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/account/login?for=partner');
    admin(p.env, ['member', 'remove', me, '--organisation', 'south-shop']);
    admin(p.env, ['member', 'remove', me, '--organisation', 'south-shop'], { expectExit: 1 });
  });
});
