import { TestkitError } from '../../shared/errors.js';
import { isSecretName, SECRET_PARAMETERS } from '../../shared/mask.js';

export { isSecretName, SECRET_PARAMETERS };
import type { EndpointName } from './faults.js';

/** One request as the mock saw it, with every secret replaced by `'[redacted]'`. */
export interface RecordedRequest {
  /** `Date.now()` when the request arrived. */
  time: number;
  method: string;
  endpoint: EndpointName | 'other';
  /**
   * With a preset, the host of the provider URL the client called (`github.com`, `api.github.com`); `path` is
   * then that URL's path (`/login/oauth/access_token`). Absent for the engine's own endpoints.
   */
  host?: string;
  path: string;
  /** Query parameters; for a repeated name the first value is kept. */
  query: Record<string, string>;
  /** Lower-case header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed form or JSON body, `'[unparsed N bytes]'` for anything else, `undefined` when empty. */
  body: Record<string, string> | string | undefined;
  /** Set by the engine once it has answered. */
  status?: number;
}

/** The placeholder that replaces a secret. */
export const REDACTED = '[redacted]';

const NO_SECRETS: ReadonlySet<string> = new Set();

/** Headers whose value keeps its scheme when redacted (`Basic [redacted]`). */
const SCHEMED_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization']);

function redactHeader(name: string, value: string): string {
  if (!isSecretName(name)) return value;
  if (SCHEMED_HEADERS.has(name)) {
    const scheme = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s/.exec(value.trim())?.[1];
    if (scheme !== undefined) return `${scheme} ${REDACTED}`;
  }
  return REDACTED;
}

function redactDeep(value: unknown, secrets: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, isSecretName(key) ? REDACTED : redactDeep(inner, secrets)]));
  }
  return typeof value === 'string' && secrets.has(value) ? REDACTED : value;
}

function redactField(key: string, value: string, secrets: ReadonlySet<string>): string {
  return isSecretName(key) || secrets.has(value) ? REDACTED : value;
}

function parseBody(body: string, contentType: string | undefined, secrets: ReadonlySet<string>): Record<string, string> | string | undefined {
  if (body === '') return undefined;
  const unparsed = `[unparsed ${Buffer.byteLength(body)} bytes]`;
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded') {
    const out: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(body)) {
      if (!(key in out)) out[key] = redactField(key, value, secrets);
    }
    return out;
  }
  if (mediaType === 'application/json' || mediaType?.endsWith('+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return unparsed;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return unparsed;
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(redactDeep(parsed, secrets) as Record<string, unknown>)) {
      out[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return out;
  }
  // Raw text could hold a secret in any shape, so only its size is kept.
  return unparsed;
}

/**
 * Turns a raw request into a {@link RecordedRequest} with credentials redacted from the query, the body
 * (form or JSON, nested members included) and the headers (`Authorization: Basic [redacted]`).
 * Bodies of any other type are recorded as `'[unparsed N bytes]'`, never as text.
 *
 * @example
 * redactRequest({ method: 'POST', url: '/token', headers: {}, body: 'code=abc&state=xyz',
 *   contentType: 'application/x-www-form-urlencoded', endpoint: 'token' }).body // { code: '[redacted]', state: 'xyz' }
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.3
 */
export function redactRequest(input: {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: string | undefined;
  contentType?: string | undefined;
  endpoint: EndpointName | 'other';
  /** The preset host the request was addressed to (`url` is then its path). */
  host?: string | undefined;
  /** When the request arrived (default: now). */
  time?: number;
  /** Values redacted wherever they appear whole (the registered client secrets). */
  secrets?: ReadonlySet<string>;
}): RecordedRequest {
  const secrets = input.secrets ?? NO_SECRETS;
  const url = new URL(input.url, 'http://mock-provider.invalid');
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (!(key in query)) query[key] = redactField(key, value, secrets);
  }
  const headers: Record<string, string> = {};
  for (const [rawName, rawValue] of Object.entries(input.headers)) {
    if (rawValue === undefined) continue;
    const name = rawName.toLowerCase();
    const value = Array.isArray(rawValue) ? rawValue.join(', ') : rawValue;
    headers[name] = secrets.has(value) ? REDACTED : redactHeader(name, value);
  }
  return {
    time: input.time ?? Date.now(),
    method: input.method.toUpperCase(),
    endpoint: input.endpoint,
    ...(input.host === undefined ? {} : { host: input.host }),
    path: url.pathname,
    query,
    headers,
    body: parseBody(input.body ?? '', input.contentType ?? headers['content-type'], secrets),
  };
}

/** A request as it arrived, before redaction: redacted only when `requests` is read. */
export interface RawRecordedRequest {
  time: number;
  method: string;
  /** Path and query. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  contentType: string | undefined;
  endpoint: EndpointName | 'other';
  /** The preset host the request was addressed to (`url` is then the path and query on it). */
  host?: string;
}

/** A recording redacted on first read; `status` may be set before or after. */
class LazyRecording {
  status: number | undefined;
  #raw: RawRecordedRequest | undefined;
  #redacted: RecordedRequest | undefined;

  readonly #secrets: () => ReadonlySet<string>;

  constructor(raw: RawRecordedRequest, secrets: () => ReadonlySet<string>) {
    this.#raw = raw;
    this.#secrets = secrets;
  }

  read(): RecordedRequest {
    if (this.#raw !== undefined) {
      const raw = this.#raw;
      this.#redacted = redactRequest({ ...raw, body: raw.body.length === 0 ? undefined : raw.body.toString('utf8'), secrets: this.#secrets() });
      this.#raw = undefined;
    }
    const redacted = this.#redacted as RecordedRequest;
    if (this.status !== undefined) redacted.status = this.status;
    return redacted;
  }
}

/**
 * Keeps the last `limit` (default 1000) recorded requests, oldest dropped first, so long runs stay bounded.
 *
 * @example
 * const recorder = new RequestRecorder({ limit: 100 });
 * recorder.record({ time: Date.now(), method: 'GET', url: '/api/me', headers: {}, body: Buffer.alloc(0), contentType: undefined, endpoint: 'resource' });
 * recorder.requests.length // 1
 */
export class RequestRecorder {
  readonly #limit: number;
  readonly #requests: LazyRecording[] = [];

  readonly #secrets: () => ReadonlySet<string>;

  /**
   * `secrets` lists values to redact wherever they appear whole (the provider's registered client secrets).
   * Throws `MOCK_PROVIDER` when `limit` is not a whole number >= 1.
   */
  constructor(options: { limit?: number; secrets?: () => Iterable<string> } = {}) {
    const secrets = options.secrets;
    this.#secrets = secrets === undefined ? () => NO_SECRETS : () => new Set([...secrets()].filter((value) => value !== ''));
    const limit = options.limit ?? 1000;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new TestkitError('MOCK_PROVIDER', `RequestRecorder limit must be a whole number >= 1, got ${String(limit)}.`);
    }
    this.#limit = limit;
  }

  /**
   * Stores a request as it arrived and redacts it only when {@link requests} is read (the hot path pays for a
   * reference, not for parsing). Set `status` on the returned handle once the engine has answered.
   */
  record(raw: RawRecordedRequest): { status: number | undefined } {
    const recording = new LazyRecording(raw, this.#secrets);
    this.#requests.push(recording);
    // The oldest go in batches (amortised O(1)): one splice per `limit` requests, not a 1000-element shift each.
    if (this.#requests.length >= 2 * this.#limit) this.#requests.splice(0, this.#requests.length - this.#limit);
    return recording;
  }

  /** A snapshot of the last `limit` recorded requests, oldest first. */
  get requests(): readonly RecordedRequest[] {
    const from = Math.max(0, this.#requests.length - this.#limit);
    return this.#requests.slice(from).map((entry) => entry.read());
  }

  /** Forgets every recorded request. */
  clear(): void {
    this.#requests.length = 0;
  }
}
