// A browser without a browser, for tests and bench/peers/login.mjs: a cookie
// jar per origin, redirects followed by hand, HTML forms read with regexes.
// No dependency on the test harness.
export const unescapeHtml = (s) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** A browser without a browser: cookies per origin, redirects by hand, HTML forms read with regexes. */
export class Agent {
  constructor(base) {
    this.base = base;
    this.jars = new Map();
  }

  /** The cookies of an origin (of SakaI-D by default). */
  jarFor(origin = new URL(this.base).origin) {
    if (!this.jars.has(origin)) this.jars.set(origin, new Map());
    return this.jars.get(origin);
  }

  get jar() {
    return this.jarFor();
  }

  async request(url, { method = 'GET', form, headers = {} } = {}) {
    const u = new URL(url, this.base);
    const jar = this.jarFor(u.origin);
    const h = { ...headers };
    if (jar.size) h.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    const r = await fetch(u, { method, headers: h, body, redirect: 'manual' });
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i), value = pair.slice(i + 1);
      if (/Max-Age=0/i.test(c) || /expires=Thu, 01 Jan 1970/i.test(c) || !value) jar.delete(name);
      else jar.set(name, value);
    }
    const text = await r.text();
    const location = r.headers.get('location');
    return { status: r.status, headers: r.headers, text, url: u.href, location: location && new URL(location, u).href };
  }

  /** Follows 303s on our own origin; stops at the first page or at a redirect elsewhere. */
  async go(url, opts) {
    let r = await this.request(url, opts);
    for (let i = 0; i < 10 && r.status === 303 && new URL(r.location).origin === new URL(this.base).origin; i++) {
      r = await this.request(r.location);
    }
    return r;
  }
}

/** The hidden inputs of the form with action @p action in @p html. */
export function formFields(html, action) {
  const m = html.match(new RegExp(`<form[^>]*action="${action.replace(/[/]/g, '\\/')}"[^>]*>([\\s\\S]*?)</form>`));
  if (!m) throw new Error(`no form for ${action} in page:\n${html.slice(0, 2000)}`);
  const fields = {};
  for (const [, name, value] of m[1].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[name] = unescapeHtml(value);
  return fields;
}

