import { TestkitError } from '../../shared/errors.js';

/**
 * A headless "browser" for the mock provider: follows redirects with a cookie jar and submits the login and
 * consent forms rendered by `scenario/pages.ts`. It is the CLI's `--mock` browser and a test helper; it is not
 * a general HTML client (its form parser only knows the pages this package renders).
 */
export interface UserAgent {
  /**
   * Loads `url`, follows redirects, signs in and answers consent, until a page that is neither (or `stopAt`).
   * Throws `MOCK_PROVIDER` after too many redirects or form submissions, when a login page shows an error,
   * or on a redirect to a non-http URL that `stopAt` did not claim.
   */
  navigate(url: string, options?: NavigateOptions): Promise<NavigateResult>;
  /** Cookies that would be sent to `url`, as `name=value` pairs (for tests and debugging). */
  cookiesFor(url: string): string[];
}

export interface NavigateOptions {
  /** Called with every redirect target; `true` stops there without fetching it (e.g. the client's redirect_uri). */
  stopAt?: (url: URL) => boolean;
  /** User id to sign in as on a login form; default the first listed user. */
  login?: string;
  /** What to press on a consent page; default `'approve'`. */
  consent?: 'approve' | 'deny';
}

export interface NavigateResult {
  /** URL of the last response fetched. */
  url: URL;
  status: number;
  body: string;
  /** The redirect target `stopAt` claimed, not fetched. */
  stoppedAt?: URL;
}

interface Cookie {
  name: string;
  value: string;
  path: string;
  secure: boolean;
  /** Epoch ms; `undefined` for a session cookie. */
  expiresAt: number | undefined;
}

/** Form submissions allowed per navigation: a page that keeps coming back would loop forever otherwise. */
const MAX_FORM_SUBMISSIONS = 10;

function misuse(message: string): TestkitError {
  return new TestkitError('MOCK_PROVIDER', message);
}

/** Origin and path only: a URL's query may hold a code or a token. */
function describe(url: URL): string {
  return url.protocol === 'http:' || url.protocol === 'https:' ? `${url.origin}${url.pathname}` : `${url.protocol}…`;
}

// RFC 6265 §5.1.4: the default path is the request path up to, not including, its last "/".
function defaultPath(url: URL): string {
  const path = url.pathname;
  if (!path.startsWith('/') || path.lastIndexOf('/') === 0) return '/';
  return path.slice(0, path.lastIndexOf('/'));
}

// RFC 6265 §5.1.4 path-match.
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

/**
 * A minimal cookie jar: host-only cookies keyed by host name (RFC 6265 §8.5: cookies do not isolate ports),
 * `Path` prefix match, `Max-Age` over `Expires`, `Secure` sent over https only. `Domain` and `SameSite` are
 * ignored; `HttpOnly` is irrelevant without scripts.
 */
class CookieJar {
  readonly #byHost = new Map<string, Map<string, Cookie>>();

  store(url: URL, setCookie: string): void {
    const [pair = '', ...attributes] = setCookie.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path = defaultPath(url);
    let secure = false;
    let maxAge: number | undefined;
    let expires: number | undefined;
    for (const attribute of attributes) {
      const at = attribute.indexOf('=');
      const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
      const attributeValue = at === -1 ? '' : attribute.slice(at + 1).trim();
      if (key === 'path' && attributeValue.startsWith('/')) path = attributeValue;
      else if (key === 'secure') secure = true;
      else if (key === 'max-age' && /^-?\d+$/.test(attributeValue)) maxAge = Number(attributeValue);
      else if (key === 'expires') {
        const parsed = Date.parse(attributeValue);
        if (!Number.isNaN(parsed)) expires = parsed;
      }
    }
    const expiresAt = maxAge !== undefined ? Date.now() + maxAge * 1000 : expires;
    const host = this.#byHost.get(url.hostname) ?? new Map<string, Cookie>();
    this.#byHost.set(url.hostname, host);
    const key = `${name}\u0000${path}`;
    if (expiresAt !== undefined && expiresAt <= Date.now()) host.delete(key);
    else host.set(key, { name, value, path, secure, expiresAt });
  }

  header(url: URL): string[] {
    const host = this.#byHost.get(url.hostname);
    if (host === undefined) return [];
    const now = Date.now();
    const cookies: Cookie[] = [];
    for (const [key, cookie] of host) {
      if (cookie.expiresAt !== undefined && cookie.expiresAt <= now) host.delete(key);
      else if (pathMatches(url.pathname, cookie.path) && (!cookie.secure || url.protocol === 'https:')) cookies.push(cookie);
    }
    // RFC 6265 §5.4: longer paths first.
    cookies.sort((a, b) => b.path.length - a.path.length);
    return cookies.map((cookie) => `${cookie.name}=${cookie.value}`);
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" };

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_, entity: string) => ENTITIES[entity] ?? '');
}

function attribute(tag: string, name: string): string | undefined {
  const value = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1];
  return value === undefined ? undefined : unescapeHtml(value);
}

interface PageForm {
  id: string | undefined;
  action: string | undefined;
  inner: string;
}

/** Forms of a page rendered by `scenario/pages.ts` (double-quoted attributes, no nested forms). */
function parseForms(html: string): PageForm[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map((match) => ({
    id: attribute(match[1] ?? '', 'id'),
    action: attribute(match[1] ?? '', 'action'),
    inner: match[2] ?? '',
  }));
}

interface Submission {
  action: string | undefined;
  body: URLSearchParams;
}

function formSubmission(html: string, options: NavigateOptions): Submission | undefined {
  const forms = parseForms(html);
  const login = forms.find((form) => form.id === 'login-form');
  if (login !== undefined) {
    // The page re-rendered with an error (e.g. an unknown user id): submitting again would only loop.
    const alert = /<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1];
    if (alert !== undefined) throw misuse(`The mock provider refused the sign-in: ${unescapeHtml(alert)}`);
    const users = [...login.inner.matchAll(/<option\b[^>]*\svalue="([^"]*)"/gi)].map((match) => unescapeHtml(match[1] ?? ''));
    const wanted = options.login ?? users[0];
    if (wanted === undefined) {
      throw misuse('The login page lists no users; pass navigate(url, { login: "<user id>" }).');
    }
    const body = new URLSearchParams();
    if (users.includes(wanted)) body.set('login', wanted);
    else body.set('login_other', wanted);
    return { action: login.action, body };
  }
  const buttonId = options.consent === 'deny' ? 'deny' : 'approve';
  const consent = forms.find((form) => new RegExp(`\\sid="${buttonId}"`).test(form.inner));
  if (consent !== undefined) return { action: consent.action, body: new URLSearchParams() };
  return undefined;
}

/**
 * Creates a headless user agent with its own cookie jar.
 *
 * @example
 * const agent = createUserAgent();
 * const { stoppedAt } = await agent.navigate(authorizeUrl, { stopAt: (url) => url.pathname === '/callback', login: 'alice' });
 * const code = stoppedAt?.searchParams.get('code');
 * @see https://fetch.spec.whatwg.org/#http-redirect-fetch (method rewrite on 301/302/303, kept on 307/308)
 */
export function createUserAgent(options: { fetch?: typeof fetch; maxRedirects?: number } = {}): UserAgent {
  const doFetch = options.fetch ?? globalThis.fetch;
  const maxRedirects = options.maxRedirects ?? 20;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw misuse(`maxRedirects must be a whole number >= 0, got ${String(maxRedirects)}.`);
  }
  const jar = new CookieJar();

  async function request(url: URL, method: string, body: string | undefined, contentType: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const cookies = jar.header(url);
    if (cookies.length > 0) headers.cookie = cookies.join('; ');
    if (contentType !== undefined) headers['content-type'] = contentType;
    let response: Response;
    try {
      response = await doFetch(url, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }) });
    } catch (error) {
      throw new TestkitError('MOCK_PROVIDER', `The user agent could not load ${describe(url)}; is the server running?`, { cause: error });
    }
    for (const setCookie of response.headers.getSetCookie()) jar.store(url, setCookie);
    return response;
  }

  async function navigate(start: string, navigateOptions: NavigateOptions = {}): Promise<NavigateResult> {
    let url = new URL(start);
    let method = 'GET';
    let body: string | undefined;
    let contentType: string | undefined;
    let redirects = 0;
    let submissions = 0;
    for (;;) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw misuse(`The user agent cannot load ${describe(url)}; pass a stopAt that claims it.`);
      }
      const response = await request(url, method, body, contentType);
      const text = await response.text();
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        const next = new URL(location, url);
        if (navigateOptions.stopAt?.(next) === true) {
          return { url, status: response.status, body: text, stoppedAt: next };
        }
        redirects += 1;
        if (redirects > maxRedirects) {
          throw misuse(`Too many redirects (more than ${maxRedirects}) from ${describe(url)}; the provider may be looping.`);
        }
        if (response.status !== 307 && response.status !== 308) {
          method = 'GET';
          body = undefined;
          contentType = undefined;
        }
        url = next;
        continue;
      }
      const submission = response.status === 200 ? formSubmission(text, navigateOptions) : undefined;
      if (submission === undefined) return { url, status: response.status, body: text };
      submissions += 1;
      if (submissions > MAX_FORM_SUBMISSIONS) {
        throw misuse(`The login or consent page at ${describe(url)} came back ${MAX_FORM_SUBMISSIONS} times; check the user id.`);
      }
      url = new URL(submission.action ?? url.href, url);
      method = 'POST';
      body = submission.body.toString();
      contentType = 'application/x-www-form-urlencoded';
    }
  }

  return {
    navigate,
    cookiesFor: (url) => jar.header(new URL(url)),
  };
}
