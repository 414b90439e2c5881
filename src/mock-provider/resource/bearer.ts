import { TestkitError } from '../../shared/errors.js';

/** What the engine knows about an access token. */
export interface TokenInfo {
  accountId: string;
  scopes: string[];
  clientId: string;
  /** Epoch seconds. */
  expiresAt: number;
  revoked?: boolean;
}

/** Either the token's facts, or the complete 401/403 answer to send. */
export type BearerResult = { ok: true; token: TokenInfo } | { ok: false; status: 401 | 403; headers: Record<string, string>; body: string };

/** The realm in every challenge this mock sends. */
export const BEARER_REALM = 'mock-provider';

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="; the scheme is case-insensitive.
const BEARER_HEADER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const SCHEME = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?: |$)/;
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Builds a Bearer challenge answer: `WWW-Authenticate: Bearer realm="mock-provider"[, error=…]` and a JSON body.
 * Without `error` (no credentials at all) the challenge carries no error code and the body only a description.
 *
 * @example
 * bearerResponse(401, { error: 'invalid_token', description: 'The access token expired.' })
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function bearerResponse(
  status: 401 | 403,
  challenge: { error?: 'invalid_token' | 'insufficient_scope'; description: string; scope?: string },
): Extract<BearerResult, { ok: false }> {
  const parts = [`realm="${BEARER_REALM}"`];
  if (challenge.error !== undefined) {
    parts.push(`error="${challenge.error}"`, `error_description="${challenge.description}"`);
    if (challenge.scope !== undefined) parts.push(`scope="${challenge.scope}"`);
  }
  const body =
    challenge.error === undefined ? { error_description: challenge.description } : { error: challenge.error, error_description: challenge.description };
  return {
    ok: false,
    status,
    headers: {
      'www-authenticate': `Bearer ${parts.join(', ')}`,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    },
    body: JSON.stringify(body),
  };
}

/**
 * Checks the `Authorization: Bearer` header of a protected-resource request (RFC 6750):
 *
 * - no header, or another scheme → 401 `Bearer realm="mock-provider"` (no error code, §3.1);
 * - malformed, unknown, expired (`expiresAt <= now`) or revoked token → 401 `error="invalid_token"`;
 * - a required scope missing → 403 `error="insufficient_scope", scope="<required scopes>"`;
 * - otherwise `{ ok: true, token }`.
 *
 * Throws `MOCK_PROVIDER` when `requiredScopes` holds a value that is not a valid scope token.
 *
 * @example
 * const result = await checkBearer({ authorization: req.headers.authorization, lookup: (t) => store.find(t), requiredScopes: ['read'] });
 * if (!result.ok) return send(result.status, result.headers, result.body);
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export async function checkBearer(input: {
  authorization: string | undefined;
  lookup: (token: string) => Promise<TokenInfo | undefined>;
  requiredScopes?: string[] | undefined;
  now?: () => number;
}): Promise<BearerResult> {
  const required = input.requiredScopes ?? [];
  const badScope = required.find((scope) => !SCOPE_TOKEN.test(scope));
  if (badScope !== undefined) {
    throw new TestkitError('MOCK_PROVIDER', `Required scope ${JSON.stringify(badScope)} is not a valid scope token (RFC 6749 §3.3).`);
  }
  const header = input.authorization?.trim() ?? '';
  if (header === '' || SCHEME.exec(header)?.[1]?.toLowerCase() !== 'bearer') {
    return bearerResponse(401, { description: 'This resource needs an access token: send Authorization: Bearer <token>.' });
  }
  const token = BEARER_HEADER.exec(header)?.[1];
  if (token === undefined) {
    return bearerResponse(401, { error: 'invalid_token', description: 'The Authorization header is not a well-formed Bearer token.' });
  }
  const info = await input.lookup(token);
  if (info === undefined) {
    return bearerResponse(401, { error: 'invalid_token', description: 'The access token is unknown.' });
  }
  if (info.revoked === true) {
    return bearerResponse(401, { error: 'invalid_token', description: 'The access token has been revoked.' });
  }
  const now = input.now?.() ?? Math.floor(Date.now() / 1000);
  if (info.expiresAt <= now) {
    return bearerResponse(401, { error: 'invalid_token', description: 'The access token expired.' });
  }
  const missing = required.filter((scope) => !info.scopes.includes(scope));
  if (missing.length > 0) {
    return bearerResponse(403, {
      error: 'insufficient_scope',
      description: `The access token lacks scope ${missing.join(' ')}.`,
      scope: required.join(' '),
    });
  }
  return { ok: true, token: info };
}
