import type { BearerContext, MockProvider, WithBearerOptions } from '../mock-provider/index.js';

/** A handler of the user's own API, reached through `interceptMockProvider(…, { routes })`. */
export type RouteHandler = (request: Request) => Response | Promise<Response>;

/**
 * A route handler that runs only for a valid access token: `({ request, token, user })`, the same shape as the msw
 * and nock adapters' `withBearer` resolvers.
 */
export type BearerRouteHandler = (info: { request: Request } & BearerContext) => Response | Promise<Response>;

/**
 * Wraps `handler` so it only runs for a valid access token of `provider` (through `provider.verifyBearer()`):
 * missing, malformed, unknown, expired or revoked → the same RFC 6750 401 as the provider's `/api/me`; a required
 * scope missing → 403 `insufficient_scope`; otherwise `handler({ request, token, user })`. Rejects with
 * `MOCK_PROVIDER` (fetch sees a network error) when `requiredScopes` holds an invalid scope.
 *
 * @example
 * using _ = interceptMockProvider(provider, { routes: { 'https://api.example.com': withBearer(provider, ({ user }) => Response.json([{ owner: user.id }]), { requiredScopes: ['read:issues'] }) } });
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function withBearer(provider: MockProvider, handler: BearerRouteHandler, options: WithBearerOptions = {}): RouteHandler {
  return async function routeWithBearer(request: Request): Promise<Response> {
    const verdict = await provider.verifyBearer(request, options);
    if (!verdict.ok) return new Response(verdict.body, { status: verdict.status, headers: verdict.headers });
    return handler({ request, token: verdict.token, user: verdict.user });
  };
}
