import { endpointOf, type ScenarioRoute } from './pipeline.js';
import { OIDC_SCOPE_CLAIMS } from '../engine/configuration.js';
import type { EngineRequest, EngineResponse } from '../transport/fetch.js';
import type { TokenInfo } from '../resource/bearer.js';
import type { MockUser } from '../types.js';

export interface JwtTokenEndpointsDeps {
  issuer: string;
  /** This instance's token lookup (the one `/api/me` uses): undefined for a JWT another instance signed. */
  lookup: (token: string) => Promise<TokenInfo | undefined>;
  users: () => readonly MockUser[];
  /** Epoch seconds. */
  now?: () => number;
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_LIST = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/**
 * Userinfo and introspection for the JWT access tokens this instance issues (`accessTokenFormat: 'jwt'`).
 * oidc-provider refuses them at both: userinfo answers 401 because their `aud` is the resource, introspection
 * answers `unsupported_token_type` for any structured token. Standard OIDC clients call both with them, so:
 *
 * - userinfo (`GET`/`POST /me`, token in `Authorization: Bearer`, the form body or the query) with a JWT this
 *   instance issued answers as the engine does for an opaque token: 200 `{ sub, …claims the granted scopes
 *   release }`; expired or revoked → 401 `invalid_token`; no `openid` scope, or a `scope` parameter beyond the
 *   granted ones → 403 `insufficient_scope`; `WWW-Authenticate: Bearer realm="<issuer>", …` as the engine sends;
 * - introspection (`POST /token/introspection`) with any JWT: the request goes to the engine once, as sent; it
 *   authenticates the client before it looks at the token, so any answer but its `unsupported_token_type` (a failed
 *   client authentication, a bad request) is kept, and that one becomes 200 `{ active: true, sub, client_id, scope, exp, iat, iss, aud, token_type }` for
 *   a live token of this instance, `{ active: false }` for anything else (RFC 7662 §2.2);
 * - anything else (opaque tokens, other JWTs at userinfo, other endpoints) goes to the engine unchanged.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export function jwtTokenEndpoints(deps: JwtTokenEndpointsDeps): ScenarioRoute {
  return {
    endpoints: new Set(['userinfo', 'introspection']),
    async answer(request, engine) {
      const endpoint = endpointOf(request.url.pathname);
      if (endpoint === 'userinfo' && (request.method === 'GET' || request.method === 'POST')) return userinfo(deps, request);
      if (endpoint === 'introspection' && request.method === 'POST' && isForm(request)) return introspection(deps, request, engine);
      return undefined;
    },
  };
}

async function userinfo(deps: JwtTokenEndpointsDeps, request: EngineRequest): Promise<EngineResponse | undefined> {
  const params = requestParams(request);
  const token = bearerToken(request) ?? params.get('access_token') ?? undefined;
  if (token === undefined || !isJwt(token)) return undefined;
  const info = await deps.lookup(token);
  if (info === undefined) return undefined;
  const now = deps.now?.() ?? Math.floor(Date.now() / 1000);
  if (info.revoked === true || info.expiresAt <= now) return challenge(deps, 401, 'invalid_token', 'invalid token provided');
  if (!info.scopes.includes('openid')) return challenge(deps, 403, 'insufficient_scope', 'access token missing openid scope', 'openid');
  const asked = params.get('scope');
  if (asked !== null && asked !== '' && !SCOPE_LIST.test(asked)) return challenge(deps, 400, 'invalid_request', 'scope contains invalid characters');
  const released = asked === null || asked === '' ? info.scopes : asked.split(' ');
  const missing = released.filter((scope) => !info.scopes.includes(scope));
  if (missing.length > 0) return challenge(deps, 403, 'insufficient_scope', 'access token missing requested scope', missing.join(' '));
  const user = deps.users().find((candidate) => candidate.id === info.accountId);
  if (user === undefined) return challenge(deps, 401, 'invalid_token', 'invalid token provided');
  const claims: Record<string, unknown> = { sub: info.accountId };
  for (const scope of released) {
    for (const name of OIDC_SCOPE_CLAIMS[scope] ?? []) {
      if (name !== 'sub' && user.claims[name] !== undefined) claims[name] = user.claims[name];
    }
  }
  return json(200, claims);
}

async function introspection(
  deps: JwtTokenEndpointsDeps,
  request: EngineRequest,
  engine: (request: EngineRequest) => Promise<EngineResponse>,
): Promise<EngineResponse | undefined> {
  const form = new URLSearchParams(request.body.toString('utf8'));
  const token = form.get('token');
  if (token === null || !isJwt(token)) return undefined;
  const answered = await engine(request);
  if (!refusesStructuredToken(answered)) return answered;
  const headers = { ...answered.headers };
  delete headers['content-length'];
  const info = await deps.lookup(token);
  const now = deps.now?.() ?? Math.floor(Date.now() / 1000);
  if (info === undefined || info.revoked === true || info.expiresAt <= now) {
    return { status: 200, headers, body: Buffer.from(JSON.stringify({ active: false })) };
  }
  const claims = jwtClaims(token);
  const body = {
    active: true,
    sub: info.accountId,
    client_id: info.clientId,
    exp: info.expiresAt,
    iat: claims.iat,
    iss: claims.iss,
    scope: info.scopes.join(' '),
    aud: claims.aud,
    token_type: 'Bearer',
  };
  return { status: 200, headers, body: Buffer.from(JSON.stringify(body)) };
}

/**
 * The engine's answer to a structured token at introspection, given only once the client is authenticated
 * (oidc-provider 9: `unsupported_token_type`, 400). The introspection tests in `standard-clients.test.ts` fail if an engine upgrade changes it.
 */
function refusesStructuredToken(response: EngineResponse): boolean {
  if (response.status !== 400) return false;
  try {
    return (JSON.parse(response.body.toString('utf8')) as { error?: unknown }).error === 'unsupported_token_type';
  } catch {
    return false;
  }
}

/** The token of an `Authorization: Bearer` header (scheme case-insensitive), else undefined. */
function bearerToken(request: EngineRequest): string | undefined {
  return /^Bearer +(\S+)$/i.exec(request.headers.authorization?.trim() ?? '')?.[1];
}

/** Query parameters, and those of a form body (RFC 6750 §2.2), the body winning. */
function requestParams(request: EngineRequest): URLSearchParams {
  const params = new URLSearchParams(request.url.search);
  if (request.method === 'POST' && isForm(request)) {
    for (const [name, value] of new URLSearchParams(request.body.toString('utf8'))) params.set(name, value);
  }
  return params;
}

function isForm(request: EngineRequest): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type']?.trim() ?? '');
}

/** Whether the engine would treat the value as a structured token: three parts, the first a JSON object. */
function isJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null;
  } catch {
    return false;
  }
}

/** The payload of a JWT the lookup has already verified. */
function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The engine's error answer at userinfo: its challenge format (realm = issuer) and CORS headers. */
function challenge(deps: JwtTokenEndpointsDeps, status: number, error: string, description: string, scope?: string): EngineResponse {
  const parts = [`realm="${deps.issuer}"`, `error="${error}"`, `error_description="${description}"`];
  if (scope !== undefined) parts.push(`scope="${scope}"`);
  const response = json(status, { error, error_description: description });
  response.headers['www-authenticate'] = `Bearer ${parts.join(', ')}`;
  return response;
}

function json(status: number, body: Record<string, unknown>): EngineResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'WWW-Authenticate',
    },
    body: Buffer.from(JSON.stringify(body)),
  };
}
