import { setupServer } from 'msw/node';
import { afterAll, expect, test } from 'vitest';
import { createMockProvider } from 'oauth2-testkit/mock-provider';
import { mockProviderHandlers } from 'oauth2-testkit/msw';

const provider = await createMockProvider({ preset: 'github' }); // override anything: { preset: 'github', quirks: { ... } }
const server = setupServer(...mockProviderHandlers(provider)); // or interceptMockProvider(provider) from oauth2-testkit/nock or /undici
server.listen({ onUnhandledFrame: 'error' });
afterAll(() => server.close());

test('production code talks to the mock at GitHub’s own URLs', async () => {
  expect(provider.endpoints.token).toBe('https://github.com/login/oauth/access_token'); // where each endpoint is reached
  // GitHub answers a bad code with HTTP 200, form-encoded unless Accept: application/json.
  const refused = await fetch('https://github.com/login/oauth/access_token', {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: 'mock-client',
      client_secret: 'mock-secret',
      code: 'not-a-code',
      redirect_uri: 'http://127.0.0.1/callback',
    }),
  });
  expect(refused.status).toBe(200);
  expect(new URLSearchParams(await refused.text()).get('error')).toBe('bad_verification_code');

  const tokens = await provider.getTokens();
  const user = await fetch('https://api.github.com/user', { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect(await user.json()).toMatchObject({ login: 'mock-user' }); // the mock user as GitHub shapes it
  await provider.expireAccessTokens();
  expect((await fetch('https://api.github.com/user', { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
});
