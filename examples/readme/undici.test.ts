import { expect, test } from 'vitest';
import { createMockProvider } from 'oauth2-testkit/mock-provider';
import { interceptMockProvider, withBearer } from 'oauth2-testkit/undici';

test('your API answers a token of the provider', async () => {
  const provider = await createMockProvider();
  using interception = interceptMockProvider(provider, {
    onUnhandledRequest: 'error', // or 'bypass' (default: to the previous dispatcher), or (url) => 'bypass' | 'error'
    // origins: [provider.issuer, ...], // every origin answered by the provider (the default is the issuer's)
    routes: {
      // Your own API, by origin: expired, revoked or missing tokens get the same 401/403 as the provider's /api/me.
      'https://api.example.com': withBearer(provider, ({ user }) => Response.json([{ owner: user.id }]), { requiredScopes: ['read:issues'] }),
    },
  });
  const tokens = await provider.getTokens({ scope: 'read:issues' });
  const response = await fetch('https://api.example.com/issues', { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect(await response.json()).toEqual([{ owner: 'mock-user' }]);
  expect(interception.origins).toContain('https://api.example.com');
  // interception.restore() (or the end of the `using` block) puts back exactly the dispatcher it replaced.
});
