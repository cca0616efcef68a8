// Every resident page in Chromium (issue #18 "Done when"): each state in Japanese and English, at 390 px
// (a phone) and 1280 px, checked by axe-core (any violation fails), with the focus ring's contrast
// (WCAG 2.2 SC 1.4.11: at least 3:1 against what is around it). The pages' own texts are asserted by
// resident_pages.test.mjs and browser.test.mjs; this file is about what every page must be.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { addClient, cleanup } from './lib/harness.mjs';
import { addAppChannel, authRequest, jpkiMaterial, rp, signWithCard, startProvider } from './lib/flow.mjs';
import { startDigitalAuthApp } from './lib/daa.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const CB = 'http://127.0.0.1:9/cb'; // never reached: the walk stops at our pages
const WIDTHS = [390, 1280];
const LANGS = ['ja', 'en'];
let p, browser, config, cardApp;

before(async () => {
  assert.ok(existsSync(CHROMIUM), 'Debian chromium is installed by scripts/test (scripts/lib/common.sh)');
  p = await startProvider({
    app: { ios_store_url: 'https://apps.apple.com/jp/app/id6400000000', android_store_url: 'https://play.google.com/store/apps/details?id=jp.sakai.id' },
    ui: { privacy_url: 'https://www.city.sakai.lg.jp/', terms_url: '/help/card', contact_url: '/help/card' },
  });
  const client = addClient(p.env, ['--client-name', '堺市ポータル', '--redirect-uris', CB, '--tier', 'city',
    '--scope', 'openid profile address birthdate gender residency', '--purpose-ja', '手続きのため', '--purpose-en', 'For your applications']);
  config = await rp(p.url, client);
  // both card channels a city would offer: our app, and the Digital Agency's (played by our simulator of its API)
  cardApp = await startDigitalAuthApp({ cardsDir: join(jpkiMaterial(), 'cards'), crlDir: join(jpkiMaterial(), 'crl') });
  await addAppChannel(p, cardApp);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});
after(async () => {
  await browser?.close();
  await cardApp?.close();
  await cleanup();
});

/** axe-core over the page as it is now; every violation, by rule and node, fails the test. */
async function axe(page, state) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const out = await axe.run(document, { resultTypes: ['violations'] });
    return out.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(r, [], `${state}: axe-core violations`);
}

/** The focus ring, reached by keyboard (Tab, so that :focus-visible applies), against the colours around it (≥ 3:1). */
async function focusRing(page, state) {
  await page.evaluate(() => document.activeElement?.blur());
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => !!document.activeElement?.closest('main'))) break;
  }
  const ratio = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || !el.closest('main')) return null;
    const lum = (c) => {
      const [r, g, b] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => v / 255)
        .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m); return (x + 0.05) / (y + 0.05); };
    const style = getComputedStyle(el);
    if (style.outlineStyle === 'none') return 0;
    const ring = style.outlineColor;
    const around = [];
    for (let n = el.parentElement; n; n = n.parentElement) {
      const bg = getComputedStyle(n).backgroundColor;
      if (!/rgba\(0, 0, 0, 0\)|transparent/.test(bg)) { around.push(bg); break; }
    }
    around.push(getComputedStyle(document.body).backgroundColor);
    return Math.min(...around.map((bg) => contrast(ring, bg)));
  });
  assert.ok(ratio === null || ratio >= 3, `${state}: focus ring contrast ${ratio?.toFixed(2)}:1`);
}

/**
 * Text at 200% (WCAG 2.2 SC 1.4.4): the root font size doubled, nothing runs out of the page sideways
 * (SC 1.4.10) and no two pieces of text overlap. Each text node's line boxes are compared with every other's.
 */
async function zoom(page, state) {
  const found = await page.evaluate(() => {
    document.documentElement.style.fontSize = '200%';
    const boxes = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (!n.textContent.trim()) continue;
      const el = n.parentElement;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || el.closest('[hidden], .vh, svg')) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) if (r.width > 1 && r.height > 1) boxes.push({ r, text: n.textContent.trim().slice(0, 30) });
    }
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].r, b = boxes[j].r;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 2 && h > 2) overlaps.push(`"${boxes[i].text}" / "${boxes[j].text}"`);
    }
    const wide = document.documentElement.scrollWidth - window.innerWidth;
    document.documentElement.style.fontSize = '';
    return { overlaps: overlaps.slice(0, 5), wide };
  });
  assert.deepEqual(found.overlaps, [], `${state}: text overlaps at 200%`);
  assert.ok(found.wide <= 1, `${state}: ${found.wide} px wider than the window at 200%`);
}

/* scripts/screens sets SAKAID_SCREENS_DIR: every state is also saved as a full-page screenshot there. */
const SCREENS = process.env.SAKAID_SCREENS_DIR;

async function check(page, state) {
  if (SCREENS) {
    mkdirSync(SCREENS, { recursive: true });
    const name = state.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
    await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
  }
  await axe(page, state);
  await focusRing(page, state);
  await zoom(page, state);
}

/** A browser context in @p lang at @p width, CSP bypassed so that axe-core can be injected. */
async function context(lang, width) {
  return browser.newContext({ bypassCSP: true, locale: lang === 'en' ? 'en-US' : 'ja-JP',
    extraHTTPHeaders: { 'accept-language': lang }, viewport: { width, height: 900 } });
}

describe('every page, both languages, both widths: axe-core and the focus ring', () => {
  for (const lang of LANGS) for (const width of WIDTHS) {
    test(`${lang} at ${width} px`, async () => {
      const ctx = await context(lang, width);
      // the service's redirect URI answers inside the browser (a consent given in an earlier test goes straight there)
      await ctx.route(`${CB}**`, (r) => r.fulfill({ status: 200, contentType: 'text/plain', body: 'the service' }));
      const page = await ctx.newPage();
      const at = (s) => `${s} [${lang}, ${width} px]`;
      const { url } = await authRequest(config, { redirect_uri: CB, scope: 'openid profile birthdate gender', ui_locales: lang, prompt: 'consent' });
      await page.goto(url.href);
      await page.waitForURL(/\/login\?tx=/);
      await check(page, at('login'));
      const link = await page.getAttribute('#app-link', 'href');
      const help = await page.getAttribute('#help-link', 'href');
      // the dev-mode test card: the card sign-in, then consent
      await page.selectOption('#card', 'kita-hanako');
      await page.click('form#test-card button');
      await page.waitForURL(/\/(consent|login|cb)\b/);
      await check(page, at(`after the card (${new URL(page.url()).pathname})`));
      // The first sign-in with this card asks whether it is new. "An earlier card's SakaI-D" reads the signing
      // certificate (the login page again, with that note), finds none here and says so; then a first SakaI-D,
      // the signing step when still needed, and consent.
      const renewal = page.locator('#new-card form[data-answer="renewal"] button');
      if (await renewal.count()) {
        await renewal.click();
        await page.waitForURL(/\/login\?tx=/);
        await check(page, at('renewal, the signing certificate'));
        await page.selectOption('#card', 'kita-hanako');
        await page.click('form#test-card button');
        await page.waitForSelector('#new-card[data-stage="no-match"]');
        await check(page, at('renewal, no earlier SakaI-D'));
      }
      const first = page.locator('#new-card form[data-answer="first"] button');
      if (await first.count()) {
        await first.click();
        await page.waitForURL(/\/(consent|login|cb)\b/);
        if (await page.locator('#sign-step').count()) await check(page, at('the signing step'));
      }
      if (await page.locator('#sign-step').count()) {
        await page.click('form#skip button');
        await page.waitForURL(/\/consent\?tx=/);
      }
      if (new URL(page.url()).pathname === '/consent') {
        await check(page, at('consent'));
        await page.click('button[value="allow"]');
        await page.waitForURL(/\/cb\?/);
      }
      // signed in: the account page, the household form with a row added, and refused with its errors
      await page.goto(`${p.url}/account`);
      assert.equal(new URL(page.url()).pathname, '/account');
      await check(page, at('account, signed in'));
      await page.click('#add-child');
      await page.waitForSelector('#child_year_1');
      await check(page, at('household, a row added'));
      await page.fill('#child_year_1', '2019');
      await page.fill('#child_month_1', '13');
      await page.click('#save-household');
      await page.waitForSelector('#household-errors');
      await check(page, at('household, refused'));
      // a stale form (its token no longer this session's): the household situation's error page, back to the account
      await page.evaluate(() => { document.querySelector('form[action="/account/household"] input[name="csrf"]').value = 'stale'; });
      await page.click('#save-household');
      await page.waitForSelector('#error[data-situation="household"]');
      await check(page, at('household, an error'));
      // the account situation's error page: a consent withdrawal with a stale form
      await page.goto(`${p.url}/account`);
      await page.evaluate(() => {
        const f = document.querySelector('form[action="/account/consent/revoke"]');
        f.querySelector('input[name="csrf"]').value = 'stale';
        f.submit();
      });
      await page.waitForSelector('#error[data-situation="account"]');
      await check(page, at('account, an error'));
      // the sign-out situation's: a post_logout_redirect_uri nobody registered
      await page.goto(`${p.url}/logout?post_logout_redirect_uri=${encodeURIComponent('https://elsewhere.example/')}`);
      await page.waitForSelector('#error[data-situation="logout"]');
      await check(page, at('sign out, an error'));
      const other = await ctx.newPage();
      await other.goto(link);
      await check(other, at('the app page without the app'));
      await other.goto(new URL(help, p.url).href);
      await check(other, at('help'));
      await other.goto(`${p.url}/login?tx=no-such-sign-in`);
      await check(other, at('an error'));
      await other.goto(`${p.url}/logout`);
      await check(other, at('sign out'));
      await other.click('#confirm-logout');
      await other.waitForLoadState();
      await check(other, at('signed out'));
      await other.goto(`${p.url}/account`);
      await check(other, at(`account, signed out (${new URL(other.url()).pathname})`));
      await ctx.close();
    });
  }
});

// "Is this an earlier card's SakaI-D?" answered yes: the confirmation page. It needs a resident whose verified
// attributes a renewed card carries, so it is reached once (sakai-taro, then sakai-taro-renewed); the same
// state is then rendered in each language and width (the continue request re-renders it, changing nothing).
describe('the renewal confirmation, both languages, both widths', () => {
  test('axe-core, the focus ring and text at 200%', async () => {
    const first = await context('ja', 390);
    await first.route(`${CB}**`, (r) => r.fulfill({ status: 200, contentType: 'text/plain', body: 'the service' }));
    let page = await first.newPage();
    let { url } = await authRequest(config, { redirect_uri: CB, scope: 'openid profile', ui_locales: 'ja' });
    await page.goto(url.href);
    await page.selectOption('#card', 'sakai-taro');
    await page.click('form#test-card button');
    await page.click('#new-card form[data-answer="first"] button');
    await page.waitForSelector('#sign-step');
    await page.selectOption('#card', 'sakai-taro'); // the signing step: both keys, the attributes verified
    await page.click('form#test-card button');
    await page.waitForURL(/\/consent\?tx=/);
    await page.click('button[value="allow"]');
    await page.waitForURL(/\/cb\?/);
    await first.close();

    const ctx = await context('ja', 390);
    page = await ctx.newPage();
    ({ url } = await authRequest(config, { redirect_uri: CB, scope: 'openid profile', ui_locales: 'ja' }));
    await page.goto(url.href);
    // the renewed card is not among the page's test cards: the phone (sakaid-card) signs the QR code's link
    signWithCard(p.cards, 'sakai-taro-renewed', await page.getAttribute('#app-link', 'href'));
    await page.waitForSelector('#new-card[data-stage="ask"]', { timeout: 15000 });
    await page.click('#new-card form[data-answer="renewal"] button');
    await page.waitForURL(/\/login\?tx=/);
    signWithCard(p.cards, 'sakai-taro-renewed', await page.getAttribute('#app-link', 'href'));
    await page.waitForSelector('#new-card[data-stage="confirm"]', { timeout: 15000 });
    const form = page.locator('#new-card form[data-answer="confirm"]');
    const tx = await form.locator('input[name="tx"]').getAttribute('value');
    const csrf = await form.locator('input[name="csrf"]').getAttribute('value');
    for (const lang of LANGS) for (const width of WIDTHS) {
      await ctx.addCookies([{ name: 'sakaid_lang', value: lang, url: p.url }]);
      await page.setViewportSize({ width, height: 900 });
      const r = await page.request.post(`${p.url}/login/continue`, { form: { tx, csrf }, maxRedirects: 0 });
      assert.equal(r.status(), 200);
      await page.setContent(await r.text(), { waitUntil: 'load' });
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.ok(await page.isVisible('#new-card[data-stage="confirm"]'));
      await check(page, `renewal, confirm [${lang}, ${width} px]`);
    }
    await ctx.close();
  });
});

// The Digital Agency's app, for a card whose attributes a SakaI-D already holds (sakai-taro, verified above):
// "add it to this SakaI-D?" (docs/card.md). Each sign-in offers it again until it is answered, so each
// language and width gets its own.
describe('the app channel\'s link offer, both languages, both widths', () => {
  for (const lang of LANGS) for (const width of WIDTHS) {
    test(`${lang} at ${width} px`, async () => {
      const ctx = await context(lang, width);
      const page = await ctx.newPage();
      const { url } = await authRequest(config, { redirect_uri: CB, scope: 'openid', ui_locales: lang });
      await page.goto(url.href);
      await page.locator('#card-app button[data-upstream="daa"]').click();
      await page.waitForURL(new RegExp(`^${cardApp.issuer}/`));
      await page.check('input[name="card"][value="sakai-taro"]'); // the simulator's page stands in for the phone
      await page.click('button[value="approve"]');
      await page.waitForSelector('#app-link-offer');
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      await check(page, `the app channel's link offer [${lang}, ${width} px]`);
      await ctx.close();
    });
  }
});
