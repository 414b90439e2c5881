/**
 * The control API and the inspector page under `{issuer}/_testkit/`, served by the HTTP listener in front of the
 * engine (so nothing here reaches the scenario layer: not recorded, not faultable, not in discovery).
 *
 * Authentication: `Authorization: Bearer <control token>` for the JSON API; the inspector page takes the token
 * once as `?token=`, answers with an HttpOnly SameSite=Strict cookie and a redirect that drops it from the URL;
 * its forms POST with that cookie and a per-start CSRF token. `GET /_testkit/health` needs nothing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml, HTML_PAGE_HEADERS, renderHtmlPage } from '../../shared/html-page.js';
import type { MockProviderInternals } from '../create-mock-provider.js';
import { CONTROL_PREFIX } from '../routes.js';
import type { FaultSpec } from '../scenario/faults.js';
import { readRequestBody, RequestBodyTooLargeError } from '../transport/request-body.js';
import { ControlInputError, findOperation } from './api.js';
import { FAULT_PRESETS, INSPECTOR_ACTIONS, renderInspectorPage } from './inspector-page.js';

/** The cookie the inspector page authenticates with (scoped to the control prefix). */
export const CONTROL_COOKIE = 'testkit_control';

/** A control token: visible ASCII without spaces, so it fits a header, a cookie and a URL unchanged in meaning. */
const TOKEN_SHAPE = /^[\x21-\x7E]{1,512}$/;

/** A fresh random control token (256 bits, base64url). */
export function randomControlToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether a control token can travel in a header, a cookie and a URL: 1 to 512 visible ASCII characters, no space. */
export function isControlTokenShape(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_SHAPE.test(token);
}

/** Constant-time comparison of two strings of any length (through their digests). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** Whether a request path (query included) belongs to the control API. */
export function isControlPath(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, ...headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, error: string, description: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error, error_description: description }, headers);
}

function sendPage(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...HTML_PAGE_HEADERS, ...headers, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

const UNAUTHORIZED =
  'the control API needs the control token: send Authorization: Bearer <token> (printed by mock-provider on its ready line, or MockProvider.control.token)';

/**
 * The control API's node handler for a started provider. `token` is the control token; the CSRF token of the
 * inspector's forms is drawn once here, per start.
 */
export function controlHandler(internals: MockProviderInternals, token: string): (req: IncomingMessage, res: ServerResponse) => void {
  const csrf = randomBytes(24).toString('base64url');
  const secure = internals.provider.issuer.startsWith('https:');
  const cookie = (value: string, maxAge?: number): string =>
    `${CONTROL_COOKIE}=${encodeURIComponent(value)}; Path=${CONTROL_PREFIX}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}${maxAge === undefined ? '' : `; Max-Age=${maxAge}`}`;

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://control.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const rest = url.pathname === CONTROL_PREFIX ? '' : url.pathname.slice(CONTROL_PREFIX.length + 1);
    const isPage = rest === '';

    if (rest === 'health' && (method === 'GET' || method === 'HEAD')) {
      sendJson(res, 200, { ok: true, issuer: internals.provider.issuer });
      return;
    }

    const sentBearer = bearer(req.headers.authorization);
    const sentCookie = cookieValue(req.headers.cookie, CONTROL_COOKIE);
    let by: 'bearer' | 'cookie' | undefined;
    if (sentBearer !== undefined) by = sameSecret(sentBearer, token) ? 'bearer' : undefined;
    else if (sentCookie !== undefined && sameSecret(sentCookie, token)) by = 'cookie';

    if (isPage && method === 'GET' && url.searchParams.has('token')) {
      // The token goes once through the URL: swap it for the cookie and drop it from the address bar and history.
      if (!sameSecret(url.searchParams.get('token') ?? '', token)) {
        sendPage(
          res,
          401,
          renderHtmlPage(
            'Control token refused',
            '<p>That is not this mock provider’s control token. It is printed on the <code>mock-provider</code> ready line.</p>',
          ),
        );
        return;
      }
      res.writeHead(303, { location: `${CONTROL_PREFIX}/`, 'set-cookie': cookie(token), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
      res.end();
      return;
    }
    if (by === undefined) {
      if (isPage) {
        sendPage(
          res,
          401,
          renderHtmlPage(
            'Mock provider inspector',
            `<p>Open this page once with the control token: <code>${escapeHtml(`${internals.provider.issuer}${CONTROL_PREFIX}/?token=…`)}</code>. The token is printed on the <code>mock-provider</code> ready line (and in its <code>--json</code> output as <code>controlToken</code>).</p>`,
          ),
          { 'www-authenticate': 'Bearer realm="mock-provider-control"' },
        );
        return;
      }
      sendError(res, 401, 'invalid_token', UNAUTHORIZED, { 'www-authenticate': 'Bearer realm="mock-provider-control"' });
      return;
    }

    if (isPage) {
      if (method !== 'GET' && method !== 'HEAD') {
        sendError(res, 405, 'invalid_request', `${CONTROL_PREFIX}/ is the inspector page: GET it.`, { allow: 'GET' });
        return;
      }
      const nonce = randomBytes(16).toString('base64');
      const done = url.searchParams.get('done') ?? undefined;
      sendPage(res, 200, renderInspectorPage({ internals, csrf, nonce, done: done !== undefined && done in INSPECTOR_ACTIONS ? done : undefined }), {
        'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
      });
      return;
    }

    // The inspector's "Clear requests" form can only POST: it means DELETE /_testkit/requests.
    const effective = by === 'cookie' && method === 'POST' && rest === 'requests' ? 'DELETE' : method;
    const operation = rest.includes('/') ? 'not-found' : findOperation(rest, effective);
    if (operation === 'not-found') {
      sendError(res, 404, 'not_found', `No control route ${method} ${url.pathname}; see the README's "control API" table.`);
      return;
    }
    if (operation === 'method-not-allowed') {
      sendError(res, 405, 'invalid_request', `${url.pathname} does not take ${method}.`);
      return;
    }

    let raw: Buffer;
    try {
      raw = await readRequestBody(req);
    } catch (error) {
      if (!(error instanceof RequestBodyTooLargeError)) throw error;
      sendError(res, 413, 'invalid_request', error.message);
      return;
    }

    if (by === 'cookie') {
      // A form of the inspector page: SameSite=Strict keeps other sites' forms from carrying the cookie, and the
      // per-start CSRF token keeps anything that did not read this page out.
      const form = new URLSearchParams(raw.toString('utf8'));
      if (method === 'GET' || !sameSecret(form.get('csrf') ?? '', csrf)) {
        sendError(res, 403, 'invalid_request', 'the inspector page’s forms carry a CSRF token; use Authorization: Bearer <token> for the API.');
        return;
      }
      try {
        await operation.run(internals.provider, formBody(rest, form));
      } catch (error) {
        if (!(error instanceof ControlInputError)) throw error;
        sendPage(
          res,
          400,
          renderHtmlPage('Not done', `<p class="error">${escapeHtml(error.message)}</p><p><a href="${CONTROL_PREFIX}/">Back to the inspector</a></p>`),
        );
        return;
      }
      res.writeHead(303, { location: `${CONTROL_PREFIX}/?done=${encodeURIComponent(rest)}`, 'cache-control': 'no-store' });
      res.end();
      return;
    }

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        sendError(res, 400, 'invalid_request', 'body: not JSON; send a JSON object (Content-Type: application/json).');
        return;
      }
    }
    try {
      sendJson(res, 200, await operation.run(internals.provider, body));
    } catch (error) {
      if (!(error instanceof ControlInputError)) throw error;
      sendError(res, 400, 'invalid_request', error.message);
    }
  };

  return (req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, 500, 'server_error', error instanceof Error ? error.message : String(error));
    });
  };
}

/** What an inspector form means, as the JSON body of the same route. */
function formBody(route: string, form: URLSearchParams): unknown {
  if (route !== 'fail-next') return undefined;
  const preset = FAULT_PRESETS[form.get('fault') ?? ''];
  if (preset === undefined) throw new ControlInputError('fault', `pick one of ${Object.keys(FAULT_PRESETS).join(', ')}.`);
  return { endpoint: form.get('endpoint') ?? '', fault: preset.spec satisfies FaultSpec };
}
