import { STATUS_CODES } from 'node:http';
import { TestkitError } from '../../shared/errors.js';

/**
 * Where a fault applies. `'any'` matches whichever faultable endpoint is hit next.
 */
export type Endpoint = 'authorization' | 'token' | 'userinfo' | 'resource' | 'revocation' | 'introspection' | 'jwks' | 'any';

/** A concrete endpoint (everything but `'any'`). */
export type EndpointName = Exclude<Endpoint, 'any'>;

/** Every endpoint name, `'any'` included, for validation and CLI help. */
export const ENDPOINTS: readonly Endpoint[] = ['authorization', 'token', 'userinfo', 'resource', 'revocation', 'introspection', 'jwks', 'any'];

/** What a test asks for (see {@link normalizeFault} for each shape). */
export type FaultSpec =
  | number
  | { error: string; errorDescription?: string; status?: number }
  | { status: number; body?: string }
  | { status: 429; retryAfter: number }
  | { delayMs: number }
  | { malformed: MalformedKind };

export type MalformedKind = 'html' | 'truncated-json' | 'empty';

/** A validated fault, one `kind` per answer shape. */
export type Fault =
  | { kind: 'oauth-error'; status: number; error: string; errorDescription?: string }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'rate-limit'; status: 429; retryAfter: number }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'malformed'; malformed: MalformedKind };

/** A canned HTTP answer that replaces the engine's. */
export interface FaultHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The body of a rate-limit fault: OAuth-style, with a code no RFC defines (providers invent their own). */
export const RATE_LIMIT_ERROR = 'rate_limited';

const MALFORMED_KINDS: readonly MalformedKind[] = ['html', 'truncated-json', 'empty'];
// RFC 6749 §5.2: error and error_description are limited to %x20-21 / %x23-5B / %x5D-7E.
const OAUTH_ERROR_TEXT = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;

function misuse(message: string): TestkitError {
  return new TestkitError('MOCK_PROVIDER', message);
}

function checkKeys(spec: object, allowed: readonly string[], shape: string): void {
  const extra = Object.keys(spec).filter((key) => !allowed.includes(key));
  if (extra.length > 0) {
    throw misuse(`Fault ${shape} has unknown key(s) ${extra.join(', ')}; allowed: ${allowed.join(', ')}.`);
  }
}

function checkStatus(status: unknown, min: number): number {
  if (typeof status !== 'number' || !Number.isInteger(status) || status < min || status > 599) {
    throw misuse(`Fault status must be an integer from ${min} to 599, got ${String(status)}.`);
  }
  return status;
}

/**
 * Validates a fault spec and turns it into a {@link Fault}.
 *
 * - `{ error, errorDescription?, status? }`: an OAuth error body; status 400, or 401 for `invalid_client`.
 * - `500` or `{ status, body? }`: that status with a short text body (a 2xx needs a body: use `malformed`).
 * - `{ status: 429, retryAfter }`: 429, `Retry-After: <seconds>`, body `{"error":"rate_limited",…}`.
 * - `{ delayMs }`: wait, then let the engine answer.
 * - `{ malformed: 'html' | 'truncated-json' | 'empty' }`: 200 with a body no token parser accepts.
 *
 * Throws `MOCK_PROVIDER` for anything else (unknown keys, status out of range, negative delay…).
 *
 * @example
 * normalizeFault({ error: 'invalid_grant' }) // { kind: 'oauth-error', status: 400, error: 'invalid_grant' }
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 (error response), RFC 6585 §4 (429)
 */
export function normalizeFault(spec: FaultSpec): Fault {
  if (typeof spec === 'number') return normalizeFault({ status: spec });
  if (typeof spec !== 'object' || spec === null) {
    throw misuse(`A fault is a status number or an object, got ${spec === null ? 'null' : typeof spec}.`);
  }
  if ('error' in spec) {
    checkKeys(spec, ['error', 'errorDescription', 'status'], '{ error }');
    const { error, errorDescription } = spec;
    if (typeof error !== 'string' || !OAUTH_ERROR_TEXT.test(error)) {
      throw misuse('Fault error must be a non-empty OAuth error code (printable ASCII, no quote or backslash).');
    }
    if (errorDescription !== undefined && (typeof errorDescription !== 'string' || !OAUTH_ERROR_TEXT.test(errorDescription))) {
      throw misuse('Fault errorDescription must be printable ASCII without quote or backslash (RFC 6749 §5.2).');
    }
    // 200 stays allowed: some providers (GitHub) answer errors with 200, and a test may want one such answer.
    const status = spec.status === undefined ? (error === 'invalid_client' ? 401 : 400) : checkStatus(spec.status, 200);
    return errorDescription === undefined ? { kind: 'oauth-error', status, error } : { kind: 'oauth-error', status, error, errorDescription };
  }
  if ('delayMs' in spec) {
    checkKeys(spec, ['delayMs'], '{ delayMs }');
    const { delayMs } = spec;
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw misuse(`Fault delayMs must be a finite number >= 0, got ${String(delayMs)}.`);
    }
    return { kind: 'delay', delayMs };
  }
  if ('malformed' in spec) {
    checkKeys(spec, ['malformed'], '{ malformed }');
    if (!MALFORMED_KINDS.includes(spec.malformed)) {
      throw misuse(`Fault malformed must be one of ${MALFORMED_KINDS.join(', ')}, got ${String(spec.malformed)}.`);
    }
    return { kind: 'malformed', malformed: spec.malformed };
  }
  if ('retryAfter' in spec) {
    checkKeys(spec, ['status', 'retryAfter'], '{ status: 429, retryAfter }');
    const status: unknown = spec.status;
    if (status !== 429) throw misuse(`Fault retryAfter only goes with status 429, got ${String(status)}.`);
    const { retryAfter } = spec;
    if (typeof retryAfter !== 'number' || !Number.isInteger(retryAfter) || retryAfter < 0) {
      throw misuse(`Fault retryAfter is a whole number of seconds >= 0, got ${String(retryAfter)}.`);
    }
    return { kind: 'rate-limit', status: 429, retryAfter };
  }
  if ('status' in spec) {
    checkKeys(spec, ['status', 'body'], '{ status }');
    const status = checkStatus(spec.status, 200);
    const { body } = spec;
    if (body !== undefined && typeof body !== 'string') throw misuse('Fault body must be a string.');
    if (status < 300 && (body === undefined || body === '')) {
      throw misuse(`Fault status ${status} without a body is a normal answer; use { malformed: 'empty' } for an empty 200.`);
    }
    return body === undefined ? { kind: 'status', status } : { kind: 'status', status, body };
  }
  throw misuse(`Unrecognised fault ${JSON.stringify(Object.keys(spec))}; use a status, { error }, { delayMs } or { malformed }.`);
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
};

function looksLikeJson(body: string): boolean {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

/**
 * The HTTP answer for a fault, or `{ delayMs }` meaning "wait (see {@link FaultQueue.delay}), then let the engine answer".
 *
 * A 401 OAuth error carries a `WWW-Authenticate` challenge: `Basic` for `invalid_client`, `Bearer` otherwise.
 *
 * @example
 * faultResponse(normalizeFault({ status: 429, retryAfter: 30 })).headers['retry-after'] // '30'
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 (401 + WWW-Authenticate for invalid_client)
 */
export function faultResponse(fault: Fault): FaultHttpResponse | { delayMs: number } {
  switch (fault.kind) {
    case 'delay':
      return { delayMs: fault.delayMs };
    case 'oauth-error': {
      const body = JSON.stringify(
        fault.errorDescription === undefined ? { error: fault.error } : { error: fault.error, error_description: fault.errorDescription },
      );
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (fault.status === 401) {
        headers['www-authenticate'] = fault.error === 'invalid_client' ? 'Basic realm="mock-provider"' : `Bearer realm="mock-provider", error="${fault.error}"`;
      }
      return { status: fault.status, headers, body };
    }
    case 'rate-limit':
      return {
        status: 429,
        headers: { ...JSON_HEADERS, 'retry-after': String(fault.retryAfter) },
        body: JSON.stringify({
          error: RATE_LIMIT_ERROR,
          error_description: `Too many requests; retry after ${fault.retryAfter} seconds.`,
        }),
      };
    case 'status': {
      const body = fault.body ?? `${fault.status} ${STATUS_CODES[fault.status] ?? 'Error'}\n`;
      const contentType = looksLikeJson(body) ? JSON_HEADERS['content-type'] : 'text/plain; charset=utf-8';
      return { status: fault.status, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
    }
    case 'malformed':
      switch (fault.malformed) {
        case 'html':
          // What a proxy error page or an SSO wall looks like to a client expecting JSON.
          return {
            status: 200,
            headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
            body: '<!doctype html>\n<html><head><title>Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The upstream server sent an invalid response.</p></body></html>\n',
          };
        case 'truncated-json':
          return { status: 200, headers: { ...JSON_HEADERS }, body: '{"access_token":"mock-trunc' };
        case 'empty':
          return { status: 200, headers: { ...JSON_HEADERS }, body: '' };
      }
  }
}

interface QueuedFault {
  endpoint: Endpoint;
  fault: Fault;
  remaining: number;
}

/**
 * Faults waiting to be served, first in first out. An entry for `'any'` matches every endpoint.
 *
 * @example
 * const queue = new FaultQueue();
 * queue.push('token', { error: 'invalid_grant' }, { times: 2 });
 * queue.take('token'); // the invalid_grant fault, twice, then undefined
 */
export class FaultQueue {
  readonly #entries: QueuedFault[] = [];
  /** Ends each delay in progress (clears its timer, lets its request go on). */
  readonly #delays = new Set<() => void>();

  /**
   * Queues a fault for the next `times` (default 1; `Infinity` for "until cleared") requests to `endpoint`.
   * Throws `MOCK_PROVIDER` for an unknown endpoint, an invalid spec or a bad `times`.
   */
  push(endpoint: Endpoint, spec: FaultSpec, options: { times?: number } = {}): void {
    if (!ENDPOINTS.includes(endpoint)) {
      throw misuse(`Unknown fault endpoint ${String(endpoint)}; use one of ${ENDPOINTS.join(', ')}.`);
    }
    const times = options.times ?? 1;
    if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
      throw misuse(`Fault times must be a whole number >= 1 or Infinity, got ${String(times)}.`);
    }
    this.#entries.push({ endpoint, fault: normalizeFault(spec), remaining: times });
  }

  /** Removes and returns the oldest fault for `endpoint` (or for `'any'`), or `undefined` when none is queued. */
  take(endpoint: EndpointName): Fault | undefined {
    if ((endpoint as Endpoint) === 'any' || !ENDPOINTS.includes(endpoint)) {
      throw misuse(`take() needs a concrete endpoint, got ${String(endpoint)}.`);
    }
    const index = this.#entries.findIndex((entry) => entry.endpoint === endpoint || entry.endpoint === 'any');
    const entry = this.#entries[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#entries.splice(index, 1);
    return entry.fault;
  }

  /**
   * Resolves after `ms` milliseconds through `setTimeout`, so `vi.advanceTimersByTime` drives it under fake
   * timers; {@link clear} ends it early, so a closed provider leaves no timer behind.
   *
   * @example
   * const answer = faultResponse(fault);
   * if ('delayMs' in answer) await queue.delay(answer.delayMs);
   */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        this.#delays.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.#delays.add(end);
    });
  }

  /** Drops every queued fault and ends every delay in progress (its request goes on at once). */
  clear(): void {
    this.#entries.length = 0;
    for (const end of [...this.#delays]) end();
  }

  /** How many faulted answers are still to be served (sum of remaining `times`; `Infinity` if any is endless). */
  get size(): number {
    return this.#entries.reduce((sum, entry) => sum + entry.remaining, 0);
  }
}
