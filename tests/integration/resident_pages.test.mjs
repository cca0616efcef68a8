// The pages around the card app (issue #18 items 1, 2 and 5), against the
// real server: the app's link opened on a phone without the app is a page in
// the login's language with the store links and the way back, never JSON;
// the app-link files of /.well-known come from the configuration; the login
// page numbers the steps above the QR code; the help page leads back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, appLink, authRequest, formFields, rp, signWithCard, startProvider } from './lib/flow.mjs';
import { addClient, cleanup } from './lib/harness.mjs';
import { unescapeHtml } from './lib/agent.mjs';

const FP = '14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5';
const APP = {
  ios_store_url: 'https://apps.apple.com/jp/app/sakai-id/id6400000000',
  android_store_url: 'https://play.google.com/store/apps/details?id=jp.sakai.id',
  ios_app_ids: ['ABCDE12345.jp.sakai.id'],
  android_package: 'jp.sakai.id',
  android_cert_sha256: [FP],
};
const REDIRECT = 'https://portal.example/cb';
let p, bare, config;

before(async () => {
  [p, bare] = await Promise.all([startProvider({ app: APP }), startProvider()]);
  const client = addClient(p.env, ['--client-name', 'Portal', '--redirect-uris', REDIRECT, '--tier', 'city']);
  config = await rp(p.url, client);
});
after(cleanup);

/** A login page of a fresh authorization request, in a browser of its own. */
async function loginPage(params = {}, headers = {}) {
  const agent = new Agent(p.url);
  const { url } = await authRequest(config, { redirect_uri: REDIRECT, ...params });
  let page = await agent.request(url.href, { headers });
  while (page.status === 303 && new URL(page.location).origin === new URL(p.url).origin) {
    page = await agent.request(page.location, { headers }); // every request of this browser says its language
  }
  assert.equal(page.status, 200, page.text.slice(0, 300));
  assert.match(page.text, /id="app-link"/);
  return { agent, page };
}

const lang = (html) => html.match(/<html lang="([^"]+)"/)[1];
const hrefOf = (html, id) => {
  const m = html.match(new RegExp(`id="${id}" href="([^"]*)"`));
  return m && unescapeHtml(m[1]);
};

describe('the app link without the app (item 1)', () => {
  test('a phone opens it: an HTML page in the login\'s language, the store links, the way back to this sign-in', async () => {
    const { agent, page } = await loginPage({ ui_locales: 'en' });
    const link = appLink(page.text);
    // The phone's browser: no cookies of the login, Japanese by its Accept-Language; the login asked for English.
    const r = await fetch(link, { headers: { 'accept-language': 'ja' } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    const html = await r.text();
    assert.equal(lang(html), 'en');
    assert.match(html, /You need the SakaI-D app/);
    assert.equal(hrefOf(html, 'store-ios'), APP.ios_store_url);
    assert.equal(hrefOf(html, 'store-android'), APP.android_store_url);
    const back = hrefOf(html, 'back');
    assert.equal(back, `/login?tx=${formFields(page.text, '/login/continue').tx}`);
    assert.equal(hrefOf(html, 'help-link'), '/help/card');
    // Back in the browser that began the sign-in: the login page again, with a fresh challenge.
    const again = await agent.go(back);
    assert.equal(again.status, 200);
    assert.match(again.text, /id="app-link"/);
  });

  test('in Japanese by default; a used, unknown or missing challenge still gets the page, without a way back', async () => {
    const { page } = await loginPage();
    const link = appLink(page.text);
    let html = await (await fetch(link)).text();
    assert.equal(lang(html), 'ja');
    assert.match(html, /SakaI-D アプリが必要です/);
    assert.ok(hrefOf(html, 'back'));
    signWithCard(p.cards, 'sakai-taro', link); // the challenge is spent
    for (const u of [link, `${p.url}/login/card/app?challenge_id=nope`, `${p.url}/login/card/app`,
      `${p.url}/login/card/app?challenge_id=a&challenge_id=b`]) {
      const r = await fetch(u, { headers: { 'accept-language': 'en-GB,en;q=0.8' } });
      assert.equal(r.status, 200, u);
      html = await r.text();
      assert.equal(lang(html), 'en', u);
      assert.equal(hrefOf(html, 'back'), null, u);
      assert.match(html, /id="no-login"/, u);
    }
  });

  test('without store links configured, the page says so instead of offering a dead button', async () => {
    const html = await (await fetch(`${bare.url}/login/card/app`)).text();
    assert.match(html, /id="no-store"/);
    assert.doesNotMatch(html, /id="store-(ios|android)"/);
  });
});

describe('app-link files (item 1)', () => {
  test('apple-app-site-association hands /login/card/app to the configured apps', async () => {
    const r = await fetch(`${p.url}/.well-known/apple-app-site-association`, { redirect: 'manual' });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(await r.json(), { applinks: { details: [{ appIDs: APP.ios_app_ids,
      components: [{ '/': '/login/card/app', comment: 'the card sign-in link' }] }] } });
  });

  test('assetlinks.json names the Android package and its signing certificate', async () => {
    const r = await fetch(`${p.url}/.well-known/assetlinks.json`, { redirect: 'manual' });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(await r.json(), [{ relation: ['delegate_permission/common.handle_all_urls'],
      target: { namespace: 'android_app', package_name: 'jp.sakai.id', sha256_cert_fingerprints: [FP] } }]);
  });

  test('not configured: 404, nothing to claim', async () => {
    for (const path of ['/.well-known/apple-app-site-association', '/.well-known/assetlinks.json']) {
      const r = await fetch(`${bare.url}${path}`);
      assert.equal(r.status, 404, path);
      assert.equal((await r.json()).error, 'not_found', path);
    }
  });
});

describe('the login page (items 2 and 5)', () => {
  test('numbered steps above the QR code: the app and its stores, scan or open, the 4-digit PIN, the card; the lock; help', async () => {
    const { agent, page } = await loginPage();
    const t = page.text;
    const steps = t.indexOf('id="card-steps"'), qr = t.indexOf('<div class="qr">');
    assert.ok(steps > 0 && steps < qr, 'the steps come before the QR code');
    const ol = t.slice(steps, t.indexOf('</ol>', steps));
    assert.equal((ol.match(/<li>/g) || []).length, 4);
    assert.match(ol, /SakaI-D アプリ/);
    assert.match(ol, /暗証番号（数字4桁）/);
    assert.match(ol, /かざし/);
    assert.equal(hrefOf(ol, 'store-ios'), APP.ios_store_url);
    assert.match(t, /3回続けて間違えると[^<]*区役所/);
    const help = hrefOf(t, 'help-link');
    const tx = formFields(t, '/login/continue').tx;
    assert.equal(help, `/help/card?tx=${tx}`);
    const h = await agent.go(help);
    assert.equal(h.status, 200);
    assert.match(h.text, /うまくいかないとき/);
    assert.equal(hrefOf(h.text, 'back'), `/login?tx=${tx}`);
    assert.equal((await agent.go(`/help/card?tx=${encodeURIComponent('"><x')}`)).text.includes('id="back"'), false);
  });

  test('the QR code is at most version 10 at the default URL length (item 10); the link carries no request values', async () => {
    for (const params of [{}, { ui_locales: 'en' }]) {
      const { page } = await loginPage(params);
      const box = page.text.match(/<div class="qr"><svg[^>]* viewBox="0 0 (\d+) (\d+)"/);
      assert.ok(box, 'a QR code');
      const modules = Number(box[1]) - 8; // the quiet zone is 4 modules on each side
      const version = (modules - 17) / 4;
      assert.ok(Number.isInteger(version) && version <= 10, `QR version ${version}`);
      const link = new URL(appLink(page.text));
      assert.deepEqual([...link.searchParams.keys()].sort(), ['binding', 'challenge_id', 'nonce']);
    }
  });

  test('without ui_locales, the request\'s Accept-Language picks the language', async () => {
    const { page } = await loginPage({}, { 'accept-language': 'en-US,en;q=0.9' });
    assert.equal(lang(page.text), 'en');
    assert.match(page.text, /Enter the 4-digit PIN/);
    const { page: ja } = await loginPage({ ui_locales: 'ja' }, { 'accept-language': 'en' });
    assert.equal(lang(ja.text), 'ja');
  });
});

describe('error pages (item 5)', () => {
  test('in the request\'s language, a plain title, what to do, one button back, the code at the bottom', async () => {
    const agent = new Agent(p.url);
    const r = await agent.request('/login?tx=no-such-sign-in', { headers: { 'accept-language': 'en-US,en;q=0.9' } });
    assert.equal(r.status, 400);
    assert.equal(lang(r.text), 'en');
    assert.match(r.text, /<section class="error" role="alert" id="error" data-situation="sign-in"><h2>The sign-in cannot continue<\/h2>/);
    assert.equal((r.text.match(/class="button /g) || []).length, 1, 'one way out');
    assert.equal(hrefOf(r.text, 'error-action'), '/account');
    const code = r.text.indexOf('id="error-code"');
    assert.ok(code > r.text.indexOf('id="todo"'), 'the code comes last');
    assert.match(r.text.slice(code), /<code>invalid_request<\/code>/);
  });

  test('a sign-in that knows its service leads back to it', async () => {
    const { agent, page } = await loginPage();
    const fields = formFields(page.text, '/login/continue');
    const r = await agent.request('/login/continue', { method: 'POST', form: { ...fields, csrf: 'x'.repeat(43) } });
    assert.equal(r.status, 403);
    assert.equal(lang(r.text), 'ja');
    assert.equal(hrefOf(r.text, 'error-action'), 'https://portal.example/');
    assert.match(r.text, /サービスに戻る/);
  });
});

describe('header, footer and the language switch (item 8)', () => {
  test('every page has the header and footer; the switch keeps the choice and goes back to the page', async () => {
    const { agent, page } = await loginPage({ ui_locales: 'ja' });
    assert.match(page.text, /<header class="site">[\s\S]*Saka<span class="i">I<\/span>-D[\s\S]*堺市[\s\S]*id="site-account"/);
    assert.match(page.text, /<footer class="site">[\s\S]*id="site-help" href="\/help\/card"/);
    const sw = hrefOf(page.text, 'site-lang');
    assert.equal(sw, '/lang?to=en');
    const loginUrl = `${p.url}/login?tx=${formFields(page.text, '/login/continue').tx}`;
    const r = await agent.request(sw, { headers: { referer: loginUrl } });
    assert.equal(r.status, 303);
    assert.equal(r.location, loginUrl, 'back to the page it was pressed on');
    assert.match(r.headers.get('set-cookie'), /^sakaid_lang=en; Path=\/; Max-Age=31536000; HttpOnly; SameSite=Lax/);
    // The resident's choice beats the service's ui_locales and the browser's Accept-Language.
    const again = await agent.request(loginUrl, { headers: { 'accept-language': 'ja' } });
    assert.equal(lang(again.text), 'en');
    assert.equal(hrefOf(again.text, 'site-lang'), '/lang?to=ja');
    // Not ours, or no Referer: the account page. A language we do not have: refused.
    assert.match((await agent.request(sw, { headers: { referer: 'https://evil.example/x' } })).location, /\/account$/);
    assert.match((await agent.request(sw)).location, /\/account$/);
    assert.equal((await agent.request('/lang?to=fr')).status, 400);
  });
});

