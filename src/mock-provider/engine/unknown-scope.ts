import { errors } from 'oidc-provider';

/** The part of the engine's Koa context the check reads: the authorization request's query, as sent. */
interface AuthorizationContext {
  query: Record<string, unknown>;
}

/**
 * The engine's check for the `scope` of an authorization request, installed as its `extraParams.scope`
 * validator, which oidc-provider runs once it has validated the client, the redirect URI and PKCE:
 *
 * - every requested scope must be one the provider knows (the defaults, `options.scopes` and every client's
 *   scopes, including clients registered at runtime);
 * - an unknown one → `error=invalid_scope` at the client's redirect URI, with `state` and `iss`, in the
 *   request's response mode (RFC 6749 §4.1.2.1), where the engine alone would silently drop it;
 * - the scope is read from the query as the client sent it (`GET /auth`, the engine's only authorization
 *   route here): by the time validators run the engine has already filtered out the scopes it does not know;
 * - a request without `scope` never fails here: `defaultScope` (./default-scope.ts) fills it first.
 *
 * Before the client and redirect URI are valid the engine answers with its own error page, as for any error.
 *
 * @example
 * engineConfiguration({ ..., extraParams: { scope: rejectUnknownScopes(scopes) } })
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export function rejectUnknownScopes(known: ReadonlySet<string>): (ctx: AuthorizationContext) => void {
  return (ctx) => {
    const sent = ctx.query.scope;
    if (typeof sent !== 'string') return;
    const unknown = [...new Set(sent.split(' ').filter((scope) => scope !== '' && !known.has(scope)))];
    if (unknown.length === 0) return;
    const list = unknown.join(' ');
    throw new errors.InvalidScope(`The provider does not know the requested scope${unknown.length === 1 ? '' : 's'} ${list}.`, list);
  };
}
