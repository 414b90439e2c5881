import type { KoaMiddleware } from 'oidc-provider';
import { ROUTES } from '../routes.js';
import { type BearerResult, checkBearer, type TokenInfo } from './bearer.js';
import type { MockUser } from '../types.js';

/**
 * The protected resource `GET /api/me` (RFC 6750), the stand-in for a provider's API:
 *
 * - a valid token → 200 `{ sub, ...claims }` of its user;
 * - no token → 401 `Bearer realm="mock-provider"`; unknown, expired or revoked → 401 `error="invalid_token"`;
 * - `?scope=a%20b` names scopes this call requires (a test's way to model a scoped API call): one missing →
 *   403 `error="insufficient_scope"`.
 */
export function resourceRoute(deps: { lookup: (token: string) => Promise<TokenInfo | undefined>; users: () => readonly MockUser[] }): KoaMiddleware {
  return async (ctx, next) => {
    if (ctx.path !== ROUTES.resource) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('allow', 'GET, HEAD');
      ctx.body = { error: 'invalid_request', error_description: 'Use GET.' };
      return;
    }
    const scopeParam = ctx.query.scope;
    const required = typeof scopeParam === 'string' ? scopeParam.split(' ').filter((scope) => scope !== '') : [];
    const authorization = ctx.headers.authorization;
    let result: BearerResult;
    try {
      result = await checkBearer({
        authorization: typeof authorization === 'string' ? authorization : undefined,
        lookup: deps.lookup,
        requiredScopes: required,
      });
    } catch {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'The scope query parameter holds an invalid scope token.' };
      return;
    }
    ctx.set('cache-control', 'no-store');
    if (!result.ok) {
      ctx.status = result.status;
      for (const [name, value] of Object.entries(result.headers)) ctx.set(name, value);
      ctx.body = result.body;
      return;
    }
    const user = deps.users().find((candidate) => candidate.id === result.token.accountId);
    ctx.status = 200;
    ctx.body = { ...(user?.claims ?? {}), sub: result.token.accountId };
  };
}
