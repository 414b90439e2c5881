import type { EngineRequest } from '../transport/fetch.js';
import type { ProviderShapeQuirks } from './dimensions.js';

/**
 * Token prefixes (`quirks.accessTokenPrefix`, `refreshTokenPrefix`, `userToken.accessTokenPrefix`): the answer's
 * tokens carry the provider's prefix (`gho_…`, `xoxb-…`), and every place a client presents one (Bearer header,
 * `token` of introspection and revocation, `refresh_token` of a refresh, the identity calls, `lookupAccessToken`)
 * takes the prefixed value for the engine's token it wraps.
 */
export function tokenPrefixes(quirks: ProviderShapeQuirks): readonly string[] {
  return [quirks.accessTokenPrefix, quirks.refreshTokenPrefix, quirks.userToken?.accessTokenPrefix].filter(
    (prefix): prefix is string => prefix !== undefined && prefix !== '',
  );
}

/** The engine's token a presented value stands for: without its prefix (the longest that matches), else as is. */
export function unprefixToken(quirks: ProviderShapeQuirks, token: string): string {
  let best = '';
  for (const prefix of tokenPrefixes(quirks)) if (token.startsWith(prefix) && prefix.length > best.length) best = prefix;
  return best === '' ? token : token.slice(best.length);
}

/** A successful token answer (after shaping) with its tokens prefixed; the nested user token gets the user prefix. */
export function prefixTokenAnswer(quirks: ProviderShapeQuirks, answer: Record<string, unknown>): Record<string, unknown> {
  if (tokenPrefixes(quirks).length === 0) return answer;
  const out = { ...answer };
  const at = quirks.accessTokenPrefix ?? '';
  const rt = quirks.refreshTokenPrefix ?? '';
  if (typeof out.access_token === 'string' && !isJwt(out.access_token)) out.access_token = at + out.access_token;
  if (typeof out.refresh_token === 'string') out.refresh_token = rt + out.refresh_token;
  const user = quirks.userToken;
  const nested = user === undefined ? undefined : out[user.at];
  if (user !== undefined && typeof nested === 'object' && nested !== null && !Array.isArray(nested)) {
    const inner = { ...(nested as Record<string, unknown>) };
    if (typeof inner.access_token === 'string' && !isJwt(inner.access_token)) inner.access_token = (user.accessTokenPrefix ?? at) + inner.access_token;
    if (typeof inner.refresh_token === 'string') inner.refresh_token = rt + inner.refresh_token;
    out[user.at] = inner;
  }
  return out;
}

/** A JWT access token (`accessTokenFormat: 'jwt'`) stays a verifiable JWT: no prefix (the engine's opaque tokens have no dot). */
function isJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

/**
 * A request to an engine endpoint with the prefixes taken off what it presents: the Bearer token of
 * `Authorization`, and the `token` parameter of a form body (introspection, revocation).
 */
export function unprefixRequest(quirks: ProviderShapeQuirks, request: EngineRequest): EngineRequest {
  if (tokenPrefixes(quirks).length === 0) return request;
  let headers = request.headers;
  const authorization = headers.authorization;
  const bearer = authorization === undefined ? null : /^bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer?.[1] !== undefined) {
    const token = unprefixToken(quirks, bearer[1]);
    if (token !== bearer[1]) headers = { ...headers, authorization: `Bearer ${token}` };
  }
  let body = request.body;
  if (request.method === 'POST' && /^application\/x-www-form-urlencoded\b/i.test(headers['content-type'] ?? '')) {
    const form = new URLSearchParams(body.toString('utf8'));
    const token = form.get('token');
    if (token !== null && unprefixToken(quirks, token) !== token) {
      form.set('token', unprefixToken(quirks, token));
      body = Buffer.from(form.toString());
    }
  }
  return headers === request.headers && body === request.body ? request : { ...request, headers, body };
}
