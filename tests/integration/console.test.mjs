// The admin console in Chromium (issue #19): an administrator signs in with the card, approves a partner's pending
// client, rotates its secret, rotates a signing key and verifies the ledger; axe-core on every page; and the
// refusals: no role, a stale sign-in, a stale form.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { admin, adminAsync, basic, cleanup, psql, tokenRequest } from './lib/harness.mjs';
import { startProvider } from './lib/flow.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const CB = 'https://partner.example/cb';
let p, browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM));
  p = await startProvider();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});
after(async () => {
  await browser?.close();
  await cleanup();
});

const db = (sql) => psql(p.env.SAKAID_DATABASE_URL, sql);

async function axe(page, state) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const out = await axe.run(document, { resultTypes: ['violations'] });
    return out.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(r, [], `${state}: axe-core violations`);
}

/** A partner's client, registered through POST /register: in the sandbox of "console-shop". */
async function pendingClient(name) {
  const { token } = admin(p.env, ['iat', 'issue', 'console-shop']).json;
  const r = await fetch(`${p.url}/register`, { method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: name, redirect_uris: [CB] }) });
  assert.equal(r.status, 201);
  return r.json();
}

/** Signs in at the console with test card @p card (dev mode's button); the page where it lands. */
async function signIn(page, card) {
  await page.goto(`${p.url}/admin`);
  await page.waitForURL(/\/login\?tx=/);
  await page.selectOption('#card', card);
  await page.click('form#test-card button');
  await page.waitForLoadState();
  const first = page.locator('#new-card form[data-answer="first"] button');
  if (await first.count()) await first.click();
  await page.waitForURL(/\/admin$/);
}

async function residentOf(ctx) {
  const cookie = (await ctx.cookies()).find((c) => c.name === 'sakaid_session');
  return db(`SELECT resident_id FROM sessions WHERE id_hash = sha256(convert_to('${cookie.value}', 'UTF8'))`);
}

const tokenWith = (c, secret) => tokenRequest(p.url, { grant_type: 'authorization_code', code: 'x', redirect_uri: CB },
  { authorization: basic(c.client_id, secret) });

describe('the console', () => {
  test('sign in with the card, approve a pending client, rotate its secret and a signing key, verify the ledger', async () => {
    const pending = await pendingClient('Semboku café');
    const ctx = await browser.newContext({ bypassCSP: true, locale: 'ja-JP', extraHTTPHeaders: { 'accept-language': 'ja' } });
    const page = await ctx.newPage();
    await signIn(page, 'sakai-taro');
    // no role yet: refused, with a way out
    assert.equal(await page.locator('#denied').count(), 1);
    await axe(page, 'no role');
    const me = await residentOf(ctx);
    for (const role of ['client-operator', 'key-operator', 'auditor', 'help-desk']) admin(p.env, ['role', 'grant', me, role]);
    assert.deepEqual(admin(p.env, ['role', 'list', me]).json.map((r) => r.role).sort(),
      ['auditor', 'client-operator', 'help-desk', 'key-operator']);
    await page.goto(`${p.url}/admin`);
    assert.match(await page.textContent('#roles'), /client-operator/);
    assert.equal(await page.getAttribute('html', 'lang'), 'ja');
    await axe(page, 'clients');
    // the pending queue holds the partner's client
    await page.click(`#pending a[href="/admin/clients/${pending.client_id}"]`);
    await page.waitForURL(new RegExp(`/admin/clients/${pending.client_id}$`));
    assert.equal(await page.textContent('#state'), 'サンドボックス');
    await axe(page, 'client (sandbox)');
    await page.click('#approve');
    await page.waitForURL(/\?done=approved$/);
    assert.match(await page.textContent('#notice'), /承認しました/);
    assert.equal(await page.textContent('#state'), '公開中');
    assert.equal(await page.locator('#approve').count(), 0, 'nothing left to approve');
    assert.equal(db(`SELECT sandbox FROM clients WHERE client_id = '${pending.client_id}'`), 'f');
    const row = JSON.parse(db(`SELECT row_to_json(l) FROM (SELECT actor, role, before, after FROM admin_log
      WHERE action = 'clients.approve' ORDER BY seq DESC LIMIT 1) l`));
    assert.equal(row.actor, `resident:${me}`);
    assert.equal(row.role, 'client-operator');
    assert.equal(row.before.sandbox, true);
    assert.equal(row.after.sandbox, false);

    // a new secret, shown once on the page; the old one stops working
    await page.click('#rotate-secret');
    await page.waitForSelector('#new-secret');
    const secret = (await page.textContent('#new-secret')).trim();
    await axe(page, 'client (new secret)');
    assert.equal((await tokenWith(pending, pending.client_secret)).status, 401);
    assert.equal((await tokenWith(pending, secret)).body.error, 'invalid_grant', 'the new secret authenticates');
    await page.goto(`${p.url}/admin/clients/${pending.client_id}`);
    assert.equal(await page.locator('#new-secret').count(), 0);

    // a signing key: too soon without force, done with it
    await page.click('#nav-keys');
    await page.waitForURL(/\/admin\/keys$/);
    await axe(page, 'keys');
    const states = () => db(`SELECT string_agg(kid || ':' || state, ' ' ORDER BY created_at) FROM signing_keys WHERE alg = 'RS256'`);
    const before = states();
    await page.selectOption('#alg', 'RS256');
    await page.click('#rotate-key');
    await page.waitForSelector('#alert');
    assert.equal(states(), before, 'refused: the next key is too new');
    await axe(page, 'keys (too soon)');
    await page.selectOption('#alg', 'RS256');
    await page.check('#force');
    await page.click('#rotate-key');
    await page.waitForURL(/\/admin\/keys\?done=rotated$/);
    assert.match(await page.textContent('#notice'), /ローテーション/);
    assert.notEqual(states(), before);
    assert.equal(db(`SELECT count(*) FROM signing_keys WHERE alg = 'RS256' AND state = 'active'`), '1');
    assert.equal(db(`SELECT role FROM admin_log WHERE action = 'keys.rotate' ORDER BY seq DESC LIMIT 1`), 'key-operator');
    // a rotation every 90 days: too short refused, then set, shown and cancelled
    await page.fill('#every_days', '0');
    await page.$eval('#every_days', (e) => e.removeAttribute('min')); // what a browser without the check sends
    await page.click('#set-schedule');
    await page.waitForSelector('#alert');
    assert.equal(db(`SELECT count(*) FROM key_rotation_schedules`), '0');
    await page.selectOption('#schedule-alg', 'ES256');
    await page.fill('#every_days', '90');
    await page.click('#set-schedule');
    await page.waitForURL(/\/admin\/keys\?done=scheduled$/);
    assert.equal(await page.textContent('#schedules tr[data-alg="ES256"] td:nth-child(2)'), '90');
    assert.equal(db(`SELECT every_seconds || ' ' || (next_at > now() + interval '89 days') FROM key_rotation_schedules
      WHERE alg = 'ES256'`), `${90 * 86400} true`);
    await axe(page, 'keys (scheduled)');
    await page.click('#cancel-ES256');
    await page.waitForURL(/\/admin\/keys\?done=unscheduled$/);
    assert.equal(await page.locator('#schedule-none').count(), 1);
    assert.equal(db(`SELECT string_agg(action, ' ' ORDER BY seq) FROM admin_log WHERE action LIKE 'keys.schedule%'`),
      'keys.schedule keys.schedule_cancel');

    // the ledger and the admin log verified
    await page.click('#nav-audit');
    await page.waitForURL(/\/admin\/audit$/);
    assert.equal(await page.getAttribute('#ledger', 'data-ok'), 'true');
    assert.equal(await page.getAttribute('#admin-log', 'data-ok'), 'true');
    await axe(page, 'audit');
    // the audit events searched: sakaid-admin's actions (role grants) are there
    await page.fill('#event', 'admin_action');
    await page.click('#search');
    await page.waitForURL(/event=admin_action/);
    assert.ok(await page.locator('#events tbody tr').count() >= 1);
    assert.match(await page.textContent('#events tbody tr:first-child td:nth-child(2)'), /admin_action/);
    await axe(page, 'audit search');
    // the help desk's lookup: a sub nobody has at that client
    await page.click('#nav-residents');
    await page.waitForURL(/\/admin\/residents$/);
    await axe(page, 'resident lookup');
    await page.fill('#client_id', pending.client_id);
    await page.fill('#sub', 'nobody-has-this-sub');
    await page.click('#lookup');
    await page.waitForSelector('#none-found');
    await axe(page, 'resident lookup, nothing found');
    // the help desk locks a resident with a reason, then unlocks them
    db(`INSERT INTO residents (id) VALUES ('desk-target')`);
    await page.goto(`${p.url}/admin/residents?resident=desk-target`);
    await page.fill('#reason-0', 'card reported lost at the ward office');
    await page.click('#lock-0');
    await page.waitForURL(/resident=desk-target&done=locked$/);
    assert.equal(await page.getAttribute('#found td[data-locked]', 'data-locked'), 'true');
    assert.equal(db(`SELECT locked_reason FROM residents WHERE id = 'desk-target'`), 'card reported lost at the ward office');
    await axe(page, 'resident locked');
    await page.fill('#reason-0', 'card found');
    await page.click('#unlock-0');
    await page.waitForURL(/done=unlocked$/);
    assert.equal(db(`SELECT locked_at IS NULL FROM residents WHERE id = 'desk-target'`), 't');
    assert.equal(db(`SELECT string_agg(action, ' ' ORDER BY seq) FROM admin_log WHERE target = 'desk-target'
      AND action LIKE 'residents.%lock'`), 'residents.lock residents.unlock');
    // the upstream providers: none, then one (SakaI-D itself as a discoverable issuer), disabled from the console
    await page.click('#nav-upstreams');
    await page.waitForURL(/\/admin\/upstreams$/);
    assert.equal(await page.locator('#upstreams-none').count(), 1);
    await axe(page, 'upstreams (none)');
    await adminAsync(p.env, ['upstream', 'add', 'self', '--issuer', p.url, '--client-id', 'x', '--client-secret', 'y',
      '--display-name', 'Self']);
    await page.reload();
    assert.equal(await page.getAttribute('tr[data-upstream="self"] td[data-enabled]', 'data-enabled'), 'true');
    assert.equal((await page.content()).includes('>y<'), false, 'never the secret');
    await axe(page, 'upstreams');
    await page.click('tr[data-upstream="self"] button');
    await page.waitForURL(/\/admin\/upstreams\?done=changed$/);
    assert.equal(await page.getAttribute('tr[data-upstream="self"] td[data-enabled]', 'data-enabled'), 'false');
    assert.equal(db(`SELECT enabled FROM upstream_providers WHERE id = 'self'`), 'f');
    assert.equal(db(`SELECT role FROM admin_log WHERE action = 'upstreams.update' AND target = 'self'`), 'client-operator');
    assert.ok(Number(db(`SELECT count(*) FROM admin_log WHERE actor = 'resident:${me}'`)) >= 8, 'every page and action');
    assert.equal(admin(p.env, ['audit', 'verify']).json.ok, true);
    await ctx.close();
  });

  test('in English too; a stale form and a stale sign-in change nothing', async () => {
    const pending = await pendingClient('Harbour bakery');
    const ctx = await browser.newContext({ bypassCSP: true, locale: 'en-US', extraHTTPHeaders: { 'accept-language': 'en' } });
    const page = await ctx.newPage();
    await signIn(page, 'kita-hanako');
    admin(p.env, ['role', 'grant', await residentOf(ctx), 'client-operator']);
    await page.goto(`${p.url}/admin/clients/${pending.client_id}`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('#state'), 'Sandbox');
    await axe(page, 'client in English');
    // no key operator: no rotation form; no auditor: the audit page is refused
    await page.goto(`${p.url}/admin/keys`);
    assert.equal(await page.locator('#denied').count(), 1);
    await page.goto(`${p.url}/admin/audit`);
    assert.equal(await page.locator('#denied').count(), 1);
    // a form without its CSRF token
    const cookies = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const forged = await fetch(`${p.url}/admin/clients/${pending.client_id}/approve`, { method: 'POST', redirect: 'manual',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=forged' });
    assert.equal(forged.status, 403);
    // a sign-in older than five minutes: sign in again first
    await page.goto(`${p.url}/admin/clients/${pending.client_id}`);
    db(`UPDATE sessions SET auth_time = now() - interval '10 minutes' WHERE resident_id = '${await residentOf(ctx)}'`);
    await page.click('#approve');
    await page.waitForSelector('#denied');
    assert.equal(await page.getAttribute('#admin-sign-in', 'href'), '/account/login?for=admin');
    await axe(page, 'stale sign-in');
    assert.equal(db(`SELECT sandbox FROM clients WHERE client_id = '${pending.client_id}'`), 't');
    await ctx.close();
  });

  test('without a session the console sends the browser to sign in; a resident without roles is refused', async () => {
    const r = await fetch(`${p.url}/admin/keys`, { redirect: 'manual' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/account/login?for=admin');
    admin(p.env, ['role', 'grant', 'no-such-resident', 'viewer'], { expectExit: 1 });
    admin(p.env, ['role', 'grant', 'x', 'superuser'], { expectExit: 2 });
  });
});
