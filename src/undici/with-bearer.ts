import type { MockProvider } from '../mock-provider/index.js';
import { bearerContext, type BearerContext, type WithBearerOptions } from '../mock-provider/resource/bearer-context.js';
import { verifyBearer } from './verify-bearer.js';

/** A handler of the user's own API, reached through `interceptMockProvider(…, { routes })`. */
export type RouteHandler = (request: Request) => Response | Promise<Response>;

/** A route handler that runs only for a valid access token, with the token's facts and user. */
export type BearerRouteHandler = (request: Request, context: BearerContext) => Response | Promise<Response>;

/**
 * Wraps `handler` so it only runs for a valid access token of `provider`: missing, malformed, unknown, expired or
 * revoked → the same RFC 6750 401 as the provider's `/api/me`; a required scope missing → 403
 * `insufficient_scope`; otherwise `handler(request, { token, user })`. Rejects with `MOCK_PROVIDER` (fetch sees a
 * network error) when `requiredScopes` holds an invalid scope.
 *
 * @example
 * using _ = interceptMockProvider(provider, { routes: { 'https://api.example.com': withBearer(provider, (request, { user }) => Response.json([{ owner: user.id }]), { requiredScopes: ['read:issues'] }) } });
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function withBearer(provider: MockProvider, handler: BearerRouteHandler, options: WithBearerOptions = {}): RouteHandler {
  return async function routeWithBearer(request: Request): Promise<Response> {
    const result = await verifyBearer(provider, request.headers.get('authorization') ?? undefined, options);
    if (!result.ok) return new Response(result.body, { status: result.status, headers: result.headers });
    return handler(request, bearerContext(provider, result.token));
  };
}
