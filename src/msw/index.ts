/**
 * `oauth2-testkit/msw`: serve a mock provider in-process through msw, and guard the user's own API handlers
 * with the provider's bearer check. Thin adapter over `src/mock-provider`: no OAuth logic here, and no server
 * is created on import (the caller owns `setupServer()` and its lifecycle).
 */
import {
  http,
  type DefaultBodyType,
  type HttpHandler,
  type HttpRequestResolverExtras,
  type HttpResponseResolver,
  type PathParams,
  type ResponseResolver,
} from 'msw';
import type { BearerContext, MockProvider, WithBearerOptions } from '../mock-provider/index.js';

export type { BearerContext, WithBearerOptions } from '../mock-provider/index.js';

/**
 * msw handlers that pass every request for the provider's issuer origin (any path, any method) to
 * `provider.handle()` in-process and return its `Response` unchanged: status, every header (each `Set-Cookie`,
 * `Location`), body. Redirects are not followed by the provider; a client fetching with `redirect: 'manual'`
 * sees the 302 itself. Create the provider with an `https://…` issuer (the default of `createMockProvider`)
 * so nothing else on the machine answers for it.
 *
 * The handlers hold no state of their own: scenario controls (`failNext`, `expireAccessTokens`…) and the request
 * recorder behave exactly as over HTTP, and `provider.getTokens()` (which uses the provider's own in-process
 * fetch) never goes through msw, so no request is handled twice.
 *
 * @example
 * const provider = await createMockProvider();
 * const server = setupServer(...mockProviderHandlers(provider));
 * server.listen({ onUnhandledFrame: 'error' }); // msw 3 (msw 2: onUnhandledRequest)
 * const response = await fetch(provider.tokenUrl, { method: 'POST', body: form }); // answered by the engine
 * @see https://mswjs.io/docs/api/http
 */
export function mockProviderHandlers(provider: Pick<MockProvider, 'serves' | 'handle'>): HttpHandler[] {
  // The issuer's origin, and with a preset each of its endpoints at the provider's real URL (provider.serves).
  return [
    http.all(
      ({ request }) => provider.serves(request.url),
      ({ request }) => provider.handle(request),
    ),
  ];
}

/**
 * Wraps an msw resolver of the user's own API so it only runs for a valid access token of `provider`: a
 * missing, malformed, unknown, expired or revoked token gets the same RFC 6750 answer as the provider's
 * `/api/me` (401 `WWW-Authenticate: Bearer realm="mock-provider", error="invalid_token"`), a token without
 * one of `requiredScopes` gets 403 `insufficient_scope`. A valid token reaches the resolver with
 * `{ token, user }` added to its info (`user` is the provider's user the token was issued to): the same
 * `({ request, token, user })` shape as the nock adapter's `withBearer`. Uses only `provider.verifyBearer()`.
 *
 * Throws `MOCK_PROVIDER` (inside the resolver, so msw answers 500) when `requiredScopes` holds an invalid scope.
 *
 * @example
 * server.use(http.get('https://api.example.com/issues', withBearer(provider, ({ user }) => HttpResponse.json([{ owner: user.id }]), { requiredScopes: ['read:issues'] })));
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function withBearer<
  Params extends PathParams<keyof Params> = PathParams,
  RequestBodyType extends DefaultBodyType = DefaultBodyType,
  ResponseBodyType extends DefaultBodyType = undefined,
>(
  provider: MockProvider,
  resolver: ResponseResolver<HttpRequestResolverExtras<Params> & BearerContext, RequestBodyType, ResponseBodyType>,
  options: WithBearerOptions = {},
): HttpResponseResolver<Params, RequestBodyType, ResponseBodyType> {
  return async (info) => {
    const verdict = await provider.verifyBearer(info.request, options);
    if (!verdict.ok) {
      // A plain Response, not HttpResponse: its body type is the resolver's, which a challenge is not.
      return new Response(verdict.body, { status: verdict.status, headers: verdict.headers }) as never;
    }
    return resolver({ ...info, token: verdict.token, user: verdict.user });
  };
}
