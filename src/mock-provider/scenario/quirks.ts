import { TestkitError } from '../../shared/errors.js';
import type { ProviderShapeQuirks } from './dimensions.js';

/**
 * Provider behaviours that break naive connectors. All off by default; the mock is RFC 6749-strict without them.
 * The four booleans are the original quirks; the provider-shape dimensions (endpoints, scope separator, refresh
 * policy, error style…) are documented in `dimensions.ts` and applied by `provider-shape.ts`.
 */
export interface Quirks extends ProviderShapeQuirks {
  /** The token endpoint accepts `application/json` request bodies (Atlassian and Notion document JSON token requests). */
  jsonTokenRequests?: boolean;
  /** Token responses are form-encoded unless the request sent `Accept: application/json` (GitHub). */
  formTokenResponses?: boolean;
  /** Token endpoint errors come back with status 200 and the error in the body (GitHub). */
  errorsAs200?: boolean;
  /** A refresh returns no new `refresh_token`; the client must keep the old one (Google). Needs rotation off. */
  omitRefreshTokenOnRefresh?: boolean;
}

/** The boolean quirks (what `mock-provider --quirk` takes). */
export type QuirkName = 'jsonTokenRequests' | 'formTokenResponses' | 'errorsAs200' | 'omitRefreshTokenOnRefresh';

/** Every quirk name, for CLI flag help and validation. */
export const QUIRK_NAMES: readonly QuirkName[] = ['jsonTokenRequests', 'formTokenResponses', 'errorsAs200', 'omitRefreshTokenOnRefresh'];

/** One line per quirk for `--help` output. */
export const QUIRK_HELP: Readonly<Record<QuirkName, string>> = {
  jsonTokenRequests: 'accept JSON token request bodies (Atlassian, Notion)',
  formTokenResponses: 'answer token requests form-encoded unless Accept: application/json (GitHub)',
  errorsAs200: 'answer token errors with status 200 (GitHub)',
  omitRefreshTokenOnRefresh: 'return no refresh_token on refresh (Google)',
};

/**
 * The token request body was not what its content type said. The engine answers 400 `invalid_request`
 * with {@link InvalidRequestError.oauthError}; the message never contains the body.
 */
export class InvalidRequestError extends TestkitError {
  override name = 'InvalidRequestError';
  readonly oauthError = 'invalid_request';
  readonly status = 400;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('MOCK_PROVIDER', message, { ...options, details: { oauthError: 'invalid_request', status: 400 } });
  }
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function toForm(object: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(object)) {
    if (value === null || value === undefined) continue;
    params.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return params.toString();
}

function parseObject(body: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Converts a JSON object request body to `application/x-www-form-urlencoded` so the engine can read it.
 * Scalars become strings, `null` members are dropped, arrays and objects are JSON-encoded.
 *
 * Throws {@link InvalidRequestError} (code `MOCK_PROVIDER`) when the body is not a JSON object.
 *
 * @example
 * jsonBodyToForm('{"grant_type":"authorization_code","code":"abc"}') // 'grant_type=authorization_code&code=abc'
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3 (the token request is form-encoded)
 */
export function jsonBodyToForm(body: string): string {
  const object = parseObject(body);
  if (object === undefined) {
    throw new InvalidRequestError('The token request body is not a JSON object; send a JSON object or a form-encoded body.');
  }
  return toForm(object);
}

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name));
}

function prefersJson(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*application\/json\s*(;|,|$)/i.test(accept);
}

/**
 * Rewrites a token endpoint answer the way the quirky provider would, in this order:
 * `omitRefreshTokenOnRefresh` (2xx answers to `grant_type=refresh_token`), `errorsAs200` (4xx/5xx OAuth error
 * JSON → 200, same body), `formTokenResponses` (JSON object → form body, skipped when `context.accept` asks for
 * `application/json`, as GitHub does). Bodies that are not a JSON object (faults, HTML) pass through untouched.
 * `Content-Length`, when present, is recomputed.
 *
 * @example
 * applyTokenResponseQuirks({ errorsAs200: true }, { status: 400, headers: {}, body: '{"error":"invalid_grant"}' }, { grantType: 'authorization_code' }).status // 200
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1 (what the RFC requires instead)
 */
export function applyTokenResponseQuirks(
  quirks: Quirks,
  response: HttpAnswer,
  context: { grantType: string | undefined; accept?: string | undefined },
): HttpAnswer {
  const object = parseObject(response.body);
  if (object === undefined) return response;
  let { status, headers } = response;
  let body = response.body;
  let changed = false;

  const success = status >= 200 && status < 300 && typeof object.error !== 'string';
  if (quirks.omitRefreshTokenOnRefresh && context.grantType === 'refresh_token' && success && 'refresh_token' in object) {
    delete object.refresh_token;
    body = JSON.stringify(object);
    changed = true;
  }
  if (quirks.errorsAs200 && status >= 400 && typeof object.error === 'string') {
    status = 200;
    changed = true;
  }
  if (quirks.formTokenResponses && !prefersJson(context.accept)) {
    body = toForm(object);
    headers = { ...withoutHeader(headers, 'content-type'), 'content-type': 'application/x-www-form-urlencoded' };
    changed = true;
  }
  if (!changed) return response;

  const lengthKey = Object.keys(headers).find((key) => key.toLowerCase() === 'content-length');
  if (lengthKey !== undefined) {
    headers = { ...headers, [lengthKey]: String(Buffer.byteLength(body)) };
  }
  return { status, headers: headers === response.headers ? { ...headers } : headers, body };
}
