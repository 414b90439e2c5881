import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeState } from './state.js';
import { RELAY_PATH } from './authorize-url.js';
import { oneLine, sentence } from '../shared/text.js';
import { escapeHtml, sendHtmlPage } from '../shared/html-page.js';
import { logWhenSent, type RequestLogEntry } from '../shared/request-log.js';
import { listen, urlHost } from '../shared/listen.js';
import { isLoopbackHost } from '../shared/loopback.js';

/** Parameters of an authorization response that the relay copies, unchanged, onto the callback URL. */
const RELAYED_PARAMS = ['code', 'state', 'error', 'error_description', 'error_uri', 'iss'] as const;

/** ngrok's public domains: the tunnel URL is `https://<name>.<one of these>`. */
const NGROK_HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:ngrok\.io|ngrok\.app|ngrok-free\.app|ngrok\.dev|ngrok-free\.dev)$/;

/**
 * Whether the relay may redirect a browser to `url` (the `callback` carried in `state`).
 *
 * Rules (anything else is refused, so the relay is never an open redirect):
 * - `https:` on a subdomain of an ngrok domain (ngrok.io, ngrok.app, ngrok-free.app, ngrok.dev, ngrok-free.dev);
 * - `http:` or `https:` on loopback (127.0.0.0/8, `localhost`, `[::1]`), any port;
 * - no userinfo, path exactly `/callback`, no query or fragment.
 *
 * @example
 * isAllowedCallback('https://abc.ngrok-free.app/callback') // true
 * isAllowedCallback('https://abc.ngrok.io.evil.com/callback') // false
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 */
export function isAllowedCallback(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username !== '' || parsed.password !== '') return false;
  if (parsed.pathname !== '/callback' || parsed.search !== '' || parsed.hash !== '') return false;
  const host = parsed.hostname;
  if (parsed.protocol === 'https:') return NGROK_HOST.test(host) || isLoopbackHost(host);
  if (parsed.protocol === 'http:') return isLoopbackHost(host);
  return false;
}

/**
 * An explicit allow-list: `https://<host>/callback` for exactly the given hosts (case-insensitive), plus loopback
 * as in {@link isAllowedCallback}. It replaces the any-ngrok-host rule, so a forged `state` cannot route a
 * victim's code to somebody else's ngrok tunnel: pass your own reserved domain (`NGROK_DOMAIN`).
 *
 * @example
 * allowCallbackHosts(['my-team.ngrok.app'])('https://my-team.ngrok.app/callback') // true
 * allowCallbackHosts(['my-team.ngrok.app'])('https://someone-else.ngrok-free.app/callback') // false
 */
export function allowCallbackHosts(hosts: readonly string[]): (url: string) => boolean {
  const allowed = new Set(hosts.map((host) => host.trim().toLowerCase()).filter((host) => host !== ''));
  return (url) => {
    if (!URL.canParse(url)) return false;
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.password !== '' || parsed.pathname !== '/callback' || parsed.search !== '' || parsed.hash !== '') return false;
    if (isLoopbackHost(parsed.hostname)) return parsed.protocol === 'http:' || parsed.protocol === 'https:';
    return parsed.protocol === 'https:' && allowed.has(parsed.host);
  };
}

export interface RelayOptions {
  /** The allow-list for callbacks (default {@link isAllowedCallback}; see {@link allowCallbackHosts}). */
  isAllowed?: (url: string) => boolean;
  /** How the allow-list reads on the refusal page (default: ngrok domains and loopback). */
  allowListText?: string;
  /** Called by `startRelayServer` once each response is sent (a request log). The path has no query: `state` and `code` stay out. */
  onRequest?: (entry: RequestLogEntry) => void;
}

/**
 * Creates the `node:http` handler of the platform's callback-cli relay: `GET RELAY_PATH` decodes `state`, checks
 * its `callback` against the allow-list and 302s there with `code`, `state`, `error`, `error_description` and
 * `error_uri` unchanged. A missing or malformed state, or a refused callback, gets a 400 page and never a
 * redirect. Other paths answer 404. It throws nothing: every failure is an HTTP answer.
 *
 * @example
 * http.createServer(createRelayHandler()).listen(9000, '127.0.0.1');
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 */
export function createRelayHandler(options: RelayOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const isAllowed = options.isAllowed ?? isAllowedCallback;
  const refuse = (res: ServerResponse, why: string): void =>
    sendHtmlPage(res, 400, 'Cannot relay this callback', `<p>${why}</p><p>Run <code>integration-cli oauth2</code> again.</p>`);

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    if (url.pathname !== RELAY_PATH) {
      sendHtmlPage(res, 404, 'Not found', `<p>The relay only serves <code>${escapeHtml(RELAY_PATH)}</code>.</p>`);
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET', 'Cache-Control': 'no-store' }).end();
      return;
    }
    const state = url.searchParams.get('state');
    if (state === null || state === '') {
      const error = url.searchParams.get('error');
      if (error !== null) {
        // Some providers drop `state` on their error redirects: the relay cannot route, but the user should see why.
        const description = url.searchParams.get('error_description');
        refuse(
          res,
          `The provider answered with the error <code>${escapeHtml(oneLine(error, 100))}</code>${
            description === null ? '' : `: ${escapeHtml(sentence(oneLine(description)))}`
          }</p><p>The provider dropped the <code>state</code> parameter from its error redirect, so the relay cannot tell ` +
            'which <code>integration-cli oauth2</code> run it belongs to and cannot forward it. Fix the cause above at the provider.',
        );
        return;
      }
      refuse(res, 'The request has no <code>state</code> parameter, so the relay does not know where the CLI waits.');
      return;
    }
    let callback: string;
    try {
      callback = decodeState(state).callback;
    } catch {
      // decodeState throws STATE_MISMATCH on anything malformed; a handler must answer, never crash the server.
      refuse(res, 'The <code>state</code> parameter was not created by <code>integration-cli oauth2</code>.');
      return;
    }
    if (!isAllowed(callback)) {
      refuse(
        res,
        `The callback <code>${escapeHtml(callback)}</code> is not allowed: the relay only redirects to ` +
          (options.allowListText === undefined
            ? '<code>https://*.ngrok-free.app/callback</code> (and other ngrok domains) or a loopback <code>/callback</code>.'
            : `${escapeHtml(options.allowListText)}.`),
      );
      return;
    }
    const target = new URL(callback);
    for (const name of RELAYED_PARAMS) {
      const value = url.searchParams.get(name);
      if (value !== null) target.searchParams.set(name, value);
    }
    res.writeHead(302, { Location: target.href, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    res.end();
  };
}

export interface RelayServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** `url + RELAY_PATH`: the redirect URL to register with a provider (or pass as `--redirect-url`). */
  redirectUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the relay on a local port (for `integration-cli relay`, offline runs and tests).
 *
 * Throws `PORT_IN_USE` when the port is taken, `USAGE` when the address cannot be bound otherwise.
 *
 * @example
 * const relay = await startRelayServer({ port: 0 });
 * // register relay.redirectUrl as the provider's redirect URL
 * await relay.close();
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 */
export async function startRelayServer(options: { port?: number; host?: string } & RelayOptions = {}): Promise<RelayServer> {
  const host = options.host ?? '127.0.0.1';
  const handler = createRelayHandler(options);
  const server = createServer((req, res) => {
    if (options.onRequest !== undefined) logWhenSent(req, res, options.onRequest);
    handler(req, res);
  });
  const port = await listen(server, options.port ?? 0, host, 'OAuth 2 relay', 'choose another port');
  const url = `http://${urlHost(host)}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    redirectUrl: url + RELAY_PATH,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
