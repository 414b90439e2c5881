import type { KoaMiddleware } from 'oidc-provider';
import type { MockClient } from '../types.js';
import { ROUTES } from '../routes.js';

/**
 * An authorization request without `scope` gets the client's declared scopes, or `openid` when it declares
 * none — the "default scopes of the app" many providers apply (RFC 6749 §3.3 lets the server pick). Without
 * this the engine denies a request that ends with nothing granted.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function defaultScope(deps: { clients: () => readonly MockClient[] }): KoaMiddleware {
  return async (ctx, next) => {
    if (ctx.path === ROUTES.authorization && ctx.method === 'GET') {
      const params = new URLSearchParams(ctx.querystring);
      if ((params.get('scope') ?? '') === '') {
        const client = deps.clients().find((candidate) => candidate.clientId === params.get('client_id'));
        params.set('scope', client !== undefined && client.scopes.length > 0 ? client.scopes.join(' ') : 'openid');
        ctx.querystring = params.toString();
      }
    }
    return next();
  };
}
