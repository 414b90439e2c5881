import { createHash, randomBytes } from 'node:crypto';
import { TestkitError } from '../shared/errors.js';

/** Path of the platform's relay route that every provider redirects to (see DESIGN.md, "The redirect contract"). */
export const RELAY_PATH = '/credentials/new/oauth2/callback-cli';

/** Platform origins per `--environment`; the relay lives at `origin + RELAY_PATH`. */
const PLATFORM_ORIGINS = {
  production: 'https://integrations-platform.unito.io',
  staging: 'https://integrations-platform.staging.unito.io',
  local: 'http://localhost:9000',
} as const;

/** Known values of `--environment`, in the order they are listed to the user. */
export const ENVIRONMENTS = Object.keys(PLATFORM_ORIGINS) as ReadonlyArray<keyof typeof PLATFORM_ORIGINS>;

/** The JSON carried (base64url-encoded) in `state`. */
export interface StatePayload {
  v: 1;
  nonce: string;
  callback: string;
}

export interface Pkce {
  verifier: string;
  challenge: string;
  method: 'S256';
}

/**
 * Creates a PKCE verifier (32 random bytes, base64url: 43 characters) and its S256 challenge.
 *
 * @example
 * const pkce = createPkce(); // { verifier: 'dBjf…', challenge: 'E9Me…', method: 'S256' }
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  return { verifier, challenge, method: 'S256' };
}

/**
 * Encodes the relay payload as `state`: base64url of JSON `{ v: 1, nonce, callback }`.
 *
 * @example
 * encodeState({ nonce: 'abc', callback: 'https://x.ngrok.app/callback' })
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export function encodeState(payload: { nonce: string; callback: string }): string {
  const json = JSON.stringify({ v: 1, nonce: payload.nonce, callback: payload.callback });
  return Buffer.from(json, 'utf8').toString('base64url');
}

/**
 * Creates a fresh `state` for one flow: a 128-bit random nonce (CSRF protection) plus the CLI's callback URL.
 *
 * @example
 * const { state, nonce } = createState('https://abc.ngrok.app/callback');
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export function createState(callbackUrl: string): { state: string; nonce: string } {
  const nonce = randomBytes(16).toString('base64url');
  return { state: encodeState({ nonce, callback: callbackUrl }), nonce };
}

/**
 * Decodes a `state` produced by {@link encodeState}.
 *
 * Throws `STATE_MISMATCH` when the value is not base64url JSON of `{ v: 1, nonce, callback }`.
 *
 * @example
 * decodeState(state).callback // 'https://abc.ngrok.app/callback'
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export function decodeState(state: string): StatePayload {
  const malformed = (why: string, cause?: unknown): TestkitError =>
    new TestkitError(
      'STATE_MISMATCH',
      `The OAuth 2 state parameter is malformed (${why}). It was not created by this integration-cli run; start the flow again with \`integration-cli oauth2\`.`,
      cause === undefined ? {} : { cause },
    );
  if (typeof state !== 'string' || state === '' || !/^[A-Za-z0-9_-]+$/.test(state)) {
    throw malformed('not base64url');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(state, 'base64url').toString('utf8'));
  } catch (error) {
    throw malformed('not JSON', error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed('not a JSON object');
  const { v, nonce, callback } = parsed as Record<string, unknown>;
  if (v !== 1) throw malformed('unknown version');
  if (typeof nonce !== 'string' || nonce === '') throw malformed('missing nonce');
  if (typeof callback !== 'string' || callback === '') throw malformed('missing callback');
  return { v: 1, nonce, callback };
}

export interface BuildAuthorizeUrlOptions {
  authorizationUrl: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  pkce?: { challenge: string; method: string };
}

/**
 * Builds the provider's authorization request URL, keeping query parameters already on `authorizationUrl`.
 *
 * Throws `CONFIG_INVALID` when `authorizationUrl` is not an absolute URL.
 *
 * @example
 * buildAuthorizeUrl({ authorizationUrl: 'https://github.com/login/oauth/authorize', clientId: 'id',
 *   redirectUri: platformRedirectUrl('production'), scopes: ['repo'], state }).href
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export function buildAuthorizeUrl(options: BuildAuthorizeUrlOptions): URL {
  let url: URL;
  try {
    url = new URL(options.authorizationUrl);
  } catch (error) {
    throw new TestkitError(
      'CONFIG_INVALID',
      `oauth2.authorizationUrl "${options.authorizationUrl}" is not an absolute URL. Fix it in .unito.json.`,
      { cause: error },
    );
  }
  const params = url.searchParams;
  params.set('response_type', 'code');
  params.set('client_id', options.clientId);
  params.set('redirect_uri', options.redirectUri);
  // RFC 6749 §3.3: scope is space-delimited; an empty one is omitted so the provider applies its default.
  if (options.scopes.length > 0) params.set('scope', options.scopes.join(' '));
  else params.delete('scope');
  params.set('state', options.state);
  if (options.pkce) {
    params.set('code_challenge', options.pkce.challenge);
    params.set('code_challenge_method', options.pkce.method);
  }
  return url;
}

/**
 * The platform's callback-cli URL for an `--environment`; this is the redirect URL registered with the provider.
 *
 * Throws `USAGE` for an unknown environment, listing the known ones.
 *
 * @example
 * platformRedirectUrl('production') // 'https://integrations-platform.unito.io/credentials/new/oauth2/callback-cli'
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 */
export function platformRedirectUrl(environment: string): string {
  if (!Object.hasOwn(PLATFORM_ORIGINS, environment)) {
    throw new TestkitError(
      'USAGE',
      `Unknown --environment "${environment}". Use one of: ${ENVIRONMENTS.join(', ')}.`,
      { details: { environment, known: [...ENVIRONMENTS] } },
    );
  }
  return PLATFORM_ORIGINS[environment as keyof typeof PLATFORM_ORIGINS] + RELAY_PATH;
}
