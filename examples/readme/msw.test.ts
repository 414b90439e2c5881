import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, expect, test } from 'vitest';
import { createMockProvider } from 'oauth2-testkit/mock-provider';
import { mockProviderHandlers, withBearer } from 'oauth2-testkit/msw';

const provider = await createMockProvider();
const server = setupServer(
  ...mockProviderHandlers(provider), // every method and path of the issuer, answered unchanged (cookies, redirects)
  // Your own API: expired, revoked or missing tokens get the same 401/403 as the provider's /api/me.
  http.get(
    'https://api.example.com/issues',
    withBearer(provider, ({ user, token }) => HttpResponse.json([{ owner: user.id, scopes: token.scopes }]), { requiredScopes: ['read:issues'] }),
  ),
);
server.listen({ onUnhandledFrame: 'error' }); // msw 3's name; msw 3 silently ignores msw 2's onUnhandledRequest
afterAll(() => server.close());

test('your API answers a token of the provider', async () => {
  const tokens = await provider.getTokens({ scope: 'read:issues' });
  const response = await fetch('https://api.example.com/issues', { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect(await response.json()).toEqual([{ owner: 'mock-user', scopes: ['read:issues'] }]);
  expect((await fetch('https://api.example.com/issues')).status).toBe(401);
});
