import { TestkitError, TokenEndpointError } from '../shared/errors.js';
import type { ClientAuthUsed } from '../shared/errors.js';
import { clientAuthAdvice } from './client-auth.js';
import { buildTokenRequest } from '../shared/token-request.js';
import { displayUrl, oneLine, sentence } from '../shared/text.js';
import {
  boundExtraFields,
  DEFAULT_TOKEN_IDLE_TIMEOUT_MS,
  DEFAULT_TOKEN_TIMEOUT_MS,
  MAX_TOKEN_RESPONSE_BYTES,
  readTokenResponseBody,
  tokenTimeout,
} from './token-response-limits.js';
import { JWT_BEARER_GRANT } from './grants.js';
import type { RequestContentType, TokenSet } from './types.js';

export type TokenGrant =
  | { grant_type: 'authorization_code'; code: string; redirect_uri: string; code_verifier?: string }
  | { grant_type: 'refresh_token'; refresh_token: string }
  | { grant_type: string; [key: string]: string | undefined };

export interface TokenRequestOptions {
  tokenUrl: string;
  grant: TokenGrant;
  clientId: string;
  clientSecret: string;
  /** How the request body is encoded; providers differ (default: form). */
  contentType?: RequestContentType | undefined;
  /** Extra headers (`tokenRequestParameters.header`); they win over ours, names compared case-insensitively. */
  headers?: Record<string, string> | undefined;
  /** Extra body fields (`tokenRequestParameters.body`); they win over ours. */
  body?: Record<string, string | number | boolean> | undefined;
  fetch?: typeof fetch | undefined;
  signal?: AbortSignal | undefined;
  /** Limit until the response headers arrive; none by default ({@link requestTokenSet} bounds the whole request). */
  timeoutMs?: number | undefined;
}

export interface ProcessTokenResponseOptions {
  tokenUrl: string;
  grantType: string;
  /** Forces how the body is parsed (`oauth2.responseContentType`); otherwise the response's Content-Type decides. */
  responseContentType?: RequestContentType | undefined;
  /** The signal given to {@link tokenRequest}: aborting it while the body is read is an interruption, not a network error. */
  signal?: AbortSignal | undefined;
  /** Longest time without a byte of the body (default {@link DEFAULT_TOKEN_IDLE_TIMEOUT_MS}). */
  idleTimeoutMs?: number | undefined;
  /** Largest decoded body (default {@link MAX_TOKEN_RESPONSE_BYTES}). */
  maxBytes?: number | undefined;
  /** How the request authenticated the client: a refusal of the client names it and the other method to try. */
  clientAuth?: ClientAuthUsed | undefined;
  /** The same token URL already gave an OAuth 2 answer in this run: a bare 4xx is not blamed on `tokenUrl`. */
  tokenUrlAnswered?: boolean | undefined;
}

/** Fields mapped onto {@link TokenSet}; every other field goes to `extra`. */
const STANDARD_FIELDS = new Set(['access_token', 'refresh_token', 'token_type', 'expires_in', 'scope']);

/**
 * Sends a token request (code exchange, refresh, or another grant) and returns the raw `Response`
 * (oauth4webapi style: {@link processTokenResponse} validates it).
 *
 * The client authenticates with `client_id`/`client_secret` in the body (client_secret_post).
 * Throws `NETWORK_ERROR` when the endpoint cannot be reached, `INTERRUPTED` when `signal` aborts,
 * `CONFIG_INVALID` when `tokenUrl` is not an absolute URL.
 *
 * @example
 * const response = await tokenRequest({ tokenUrl, clientId, clientSecret,
 *   grant: { grant_type: 'authorization_code', code, redirect_uri, code_verifier } });
 * const tokens = await processTokenResponse(response, { tokenUrl, grantType: 'authorization_code' });
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export async function tokenRequest(options: TokenRequestOptions): Promise<Response> {
  const where = displayUrl(options.tokenUrl);
  if (!URL.canParse(options.tokenUrl)) {
    throw new TestkitError('CONFIG_INVALID', `oauth2.tokenUrl "${where}" is not an absolute URL. Fix it in the config.`);
  }
  // RFC 6749 §2.3.1: one authentication method per request. A configured Authorization header (e.g. Basic from
  // a template) is the client's authentication, so the secret stays out of the body.
  const headerAuth = Object.keys(options.headers ?? {}).some((name) => name.toLowerCase() === 'authorization');
  const { headers, body } = buildTokenRequest({
    fields: options.grant,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    auth: headerAuth ? 'none' : 'client_secret_post',
    contentType: options.contentType,
    headers: options.headers,
    body: options.body,
  });

  const doFetch = options.fetch ?? globalThis.fetch;
  const deadline = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signals = [options.signal, deadline].filter((item) => item !== undefined);
  const signal = signals.length < 2 ? signals[0] : AbortSignal.any(signals);
  try {
    return await doFetch(options.tokenUrl, { method: 'POST', headers, body, redirect: 'manual', ...(signal === undefined ? {} : { signal }) });
  } catch (error) {
    if (deadline?.aborted === true && options.signal?.aborted !== true) throw tokenTimeout(where, 'total', options.timeoutMs as number);
    if (options.signal?.aborted) {
      throw new TestkitError('INTERRUPTED', `Interrupted during the token request to ${where}.`, { cause: error });
    }
    const code = networkErrorCode(error);
    throw new TestkitError(
      'NETWORK_ERROR',
      `Could not reach the token endpoint ${where} (${code ?? 'network error'}). Check oauth2.tokenUrl in the config and your network connection.`,
      { cause: error, details: { tokenUrl: where, ...(code ? { code } : {}) } },
    );
  }
}

/**
 * Validates a token endpoint response and normalises it into a {@link TokenSet}.
 *
 * Reads JSON or form-encoded bodies (by Content-Type, else by sniffing). Throws {@link TokenEndpointError} (`TOKEN_ENDPOINT_ERROR`) when the
 * body is an OAuth error (any status, including 200), `TOKEN_RESPONSE_INVALID` when the response is not a
 * token response (non-2xx, HTML, no `access_token`), `NETWORK_ERROR` when the body cannot be read, `INTERRUPTED`
 * when `signal` (or the fetch's own) aborts while it is read.
 *
 * @example
 * const tokens = await processTokenResponse(response, { tokenUrl, grantType: 'refresh_token' });
 * tokens.accessToken; tokens.extra.id_token;
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export async function processTokenResponse(response: Response, options: ProcessTokenResponseOptions): Promise<TokenSet> {
  const where = displayUrl(options.tokenUrl);
  let text: string;
  try {
    text = await readTokenResponseBody(response, where, {
      maxBytes: options.maxBytes ?? MAX_TOKEN_RESPONSE_BYTES,
      idleMs: options.idleTimeoutMs ?? DEFAULT_TOKEN_IDLE_TIMEOUT_MS,
    });
  } catch (error) {
    if (error instanceof TestkitError) throw error;
    if (options.signal?.aborted || (error as Error | undefined)?.name === 'AbortError') {
      throw new TestkitError('INTERRUPTED', `Interrupted while reading the token response from ${where}.`, { cause: error });
    }
    throw new TestkitError(
      'NETWORK_ERROR',
      `The connection to the token endpoint ${where} broke while reading its HTTP ${response.status} answer. Try again.`,
      { cause: error, details: { tokenUrl: where, status: response.status } },
    );
  }
  const status = response.status;
  const parsed = parseBody(text, options.responseContentType ?? response.headers.get('content-type') ?? '');

  if (parsed !== undefined && typeof parsed.error === 'string' && parsed.error !== '') {
    const error = oneLine(parsed.error, 100);
    const description = typeof parsed.error_description === 'string' ? oneLine(parsed.error_description) : undefined;
    const uri = typeof parsed.error_uri === 'string' ? parsed.error_uri : undefined;
    throw new TokenEndpointError(
      `The token endpoint ${where} answered HTTP ${status} with error "${error}"${description ? `: ${sentence(description)}` : '.'}`,
      {
        status,
        error,
        oauthError: ERROR_ALIASES[error] ?? error,
        errorDescription: description,
        errorUri: uri,
        grantType: options.grantType,
        tokenUrl: where,
        clientAuth: options.clientAuth,
      },
      { next: errorHint(error, options.grantType, status, options.clientAuth) },
    );
  }

  if (status === 429 || status >= 500) throw providerUnavailable(response, where);
  if (status === 401) {
    // RFC 6749 §5.2: a 401 from the token endpoint is the client's authentication failing, whatever the body.
    throw new TestkitError(
      'TOKEN_RESPONSE_INVALID',
      `The token endpoint ${where} answered HTTP 401 without an OAuth 2 error (${describeBody(text, response.headers.get('content-type'))}): it refused the client's authentication.`,
      { next: clientAuthAdvice(options.clientAuth, 'the config'), details: { status, reason: 'client-auth', clientAuth: options.clientAuth } },
    );
  }
  if (status >= 400 && status < 500 && text.trim() === '' && options.tokenUrlAnswered === true) {
    throw new TestkitError(
      'TOKEN_RESPONSE_INVALID',
      `The token endpoint ${where} answered HTTP ${status} with an empty body, after answering an earlier request of this run at the same URL: ` +
        'the URL is right, but the provider refused this request without saying why.',
      {
        next: 'Check the parameters of this grant in the config (tokenRequestParameters, refreshRequestParameters, scopes), or try again later.',
        details: { status, reason: 'empty-refusal', bodyBytes: 0 },
      },
    );
  }

  const accessToken = parsed?.access_token;
  if (status < 200 || status > 299 || typeof accessToken !== 'string' || accessToken === '') {
    const contentType = response.headers.get('content-type');
    const why =
      status < 200 || status > 299
        ? `answered HTTP ${status}`
        : parsed === undefined
          ? `answered HTTP ${status} with a body that is neither JSON nor form-encoded`
          : `answered HTTP ${status} without an access_token`;
    const keys = jsonKeys(text);
    throw new TestkitError(
      'TOKEN_RESPONSE_INVALID',
      `The token endpoint ${where} ${why}: this is not an OAuth 2 token response ` +
        `(${describeBody(text, contentType, keys)}). ` +
        'Check oauth2.tokenUrl in the config (and oauth2.responseContentType if the provider answers form-encoded).',
      { details: { status, contentType, bodyBytes: Buffer.byteLength(text), keys } },
    );
  }

  const tokens: TokenSet = { accessToken, extra: {} };
  if (typeof parsed?.refresh_token === 'string' && parsed.refresh_token !== '') tokens.refreshToken = parsed.refresh_token;
  if (typeof parsed?.token_type === 'string') tokens.tokenType = parsed.token_type;
  const expiresIn = toSeconds(parsed?.expires_in);
  if (expiresIn !== undefined) tokens.expiresIn = expiresIn;
  else if (parsed?.expires_in !== undefined && parsed.expires_in !== null) tokens.extra.expires_in = parsed.expires_in;
  const scope = parsed?.scope;
  if (typeof scope === 'string') tokens.scope = scope;
  else if (Array.isArray(scope)) tokens.scope = scope.map(String).join(' ');
  const extra: Record<string, unknown> = { ...tokens.extra };
  for (const [key, value] of Object.entries(parsed ?? {})) {
    if (!STANDARD_FIELDS.has(key)) Object.defineProperty(extra, key, { value, enumerable: true, writable: true, configurable: true });
  }
  const { kept, omitted } = boundExtraFields(extra);
  tokens.extra = kept;
  if (omitted.length > 0) tokens.omitted = omitted;
  return tokens;
}

/** {@link tokenRequest} options plus the limits of {@link processTokenResponse}, for {@link requestTokenSet}. */
export interface RequestTokenSetOptions extends TokenRequestOptions, Omit<ProcessTokenResponseOptions, 'tokenUrl' | 'grantType' | 'signal'> {}

/**
 * Sends a token request and reads its answer under one deadline: `timeoutMs` (default
 * {@link DEFAULT_TOKEN_TIMEOUT_MS}) for the whole request, headers and body, and `idleTimeoutMs` for a body that
 * stops arriving. What the flow uses.
 *
 * Throws what {@link tokenRequest} and {@link processTokenResponse} throw; `TOKEN_TIMEOUT` says which limit ran out.
 *
 * @example
 * const tokens = await requestTokenSet({ tokenUrl, grant: { grant_type: 'refresh_token', refresh_token }, clientId, clientSecret });
 */
export async function requestTokenSet(options: RequestTokenSetOptions): Promise<TokenSet> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
  try {
    const response = await tokenRequest({ ...options, timeoutMs: undefined, signal });
    return await processTokenResponse(response, {
      tokenUrl: options.tokenUrl,
      grantType: options.grant.grant_type,
      signal,
      clientAuth: options.clientAuth,
      tokenUrlAnswered: options.tokenUrlAnswered,
      ...(options.responseContentType === undefined ? {} : { responseContentType: options.responseContentType }),
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    });
  } catch (error) {
    if (deadline.aborted && options.signal?.aborted !== true) throw tokenTimeout(displayUrl(options.tokenUrl), 'total', timeoutMs);
    throw error;
  }
}

/**
 * A 429 or 5xx without an OAuth error body: the provider is rate-limiting or failing, not answering wrongly.
 * Says when to retry (`Retry-After` in seconds or as a date, RFC 9110 §10.2.3) and that the config is not at fault.
 */
function providerUnavailable(response: Response, where: string): TestkitError {
  const { status } = response;
  const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
  const when = retryAfter === undefined ? 'Try again in a few minutes.' : `Try again in ${retryAfter} s (the provider's Retry-After).`;
  const what =
    status === 429
      ? 'is rate-limiting this client (HTTP 429 Too Many Requests)'
      : status === 503
        ? 'is unavailable (HTTP 503 Service Unavailable)'
        : status === 502 || status === 504
          ? `could not be reached through its gateway (HTTP ${status})`
          : `failed on its side (HTTP ${status})`;
  return new TestkitError('PROVIDER_UNAVAILABLE', `The token endpoint ${where} ${what}. This is not a problem with the config. ${when}`, {
    details: { tokenUrl: where, status, ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }) },
  });
}

function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  // undici wraps the socket error: TypeError('fetch failed') → cause (maybe an AggregateError) → code.
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const candidate = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof candidate.code === 'string') return candidate.code;
    if (Array.isArray(candidate.errors) && candidate.errors.length > 0) current = candidate.errors[0];
    else current = candidate.cause;
  }
  return undefined;
}

type Fields = Record<string, unknown>;

function parseBody(text: string, contentType: string): Fields | undefined {
  const type = contentType.toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) return parseForm(text);
  return parseJson(text) ?? (looksLikeForm(text) ? parseForm(text) : undefined);
}

function parseJson(text: string): Fields | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
  } catch {
    return undefined;
  }
}

function looksLikeForm(text: string): boolean {
  return /^[\w.~%+-]+=[^&\s]*(?:&[\w.~%+-]+=[^&\s]*)*$/.test(text.trim());
}

function parseForm(text: string): Fields {
  return Object.fromEntries(new URLSearchParams(text.trim()));
}

function toSeconds(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*\d+(?:\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Provider-specific spellings of the standard errors (RFC 6749 §5.2) that connectors meet. */
const ERROR_ALIASES: Record<string, string> = {
  incorrect_client_credentials: 'invalid_client', // GitHub
  bad_verification_code: 'invalid_grant', // GitHub
  invalid_code: 'invalid_grant', // Slack
  invalid_client_id: 'invalid_client', // Slack
  bad_client_secret: 'invalid_client', // Slack
  invalid_refresh_token: 'invalid_grant', // Slack
  bad_refresh_token: 'invalid_grant', // GitHub
};

/** The hint for a provider failing on its side (RFC 6749 §5.2 has no such code; providers send these anyway). */
export const PROVIDER_SIDE = 'The provider failed on its side: this is not a problem with the config (nor with tokenUrl). Try again in a few minutes.';

function errorHint(providerError: string, grantType: string, status: number, clientAuth: ClientAuthUsed | undefined): string {
  const error = ERROR_ALIASES[providerError] ?? providerError;
  if (error === 'invalid_client' || error === 'unauthorized_client' || status === 401) return clientAuthAdvice(clientAuth, 'the config');
  if (status >= 500 || error === 'server_error' || error === 'temporarily_unavailable') return PROVIDER_SIDE;
  if (error === 'invalid_grant' && grantType === 'refresh_token') {
    return 'The refresh token was rejected (expired or revoked): log in anew.';
  }
  if (error === 'invalid_grant' && grantType === 'password') {
    return "The provider refused the username or password: check the test account's username and password.";
  }
  if (error === 'invalid_grant' && grantType === JWT_BEARER_GRANT) {
    return "The provider refused the assertion: check its iss, sub and aud claims, that the provider knows the test account's key, and this machine's clock.";
  }
  if (error === 'invalid_grant') {
    return 'The code expired, was already used, or the redirect URL or PKCE verifier did not match: run the flow again.';
  }
  if (error === 'unsupported_grant_type') return 'Check oauth2.grantType in the config.';
  return 'Check the oauth2 settings in the config, then run the flow again.';
}

/**
 * What an unexpected body looks like, never what it says: a value may be a secret under any key name.
 *
 * @example
 * describeBody('{"access":"x"}', 'application/json') // 'Content-Type: application/json; 14 bytes; JSON keys: access'
 */
function describeBody(text: string, contentType: string | null, keys = jsonKeys(text)): string {
  const shape = keys === undefined ? '' : `; JSON keys: ${keys.length > 0 ? keys.join(', ') : '(none)'}`;
  return `Content-Type: ${contentType === null ? 'none' : oneLine(contentType, 100)}; ${Buffer.byteLength(text)} bytes${shape}`;
}

/** Top-level key names of a JSON object body (each on one line and short, at most 20), else undefined. */
function jsonKeys(text: string): string[] | undefined {
  const parsed = parseJson(text);
  if (parsed === undefined) return undefined;
  const keys = Object.keys(parsed).map((key) => oneLine(key, 40));
  return keys.length > 20 ? [...keys.slice(0, 20), `… (${keys.length} in all)`] : keys;
}
