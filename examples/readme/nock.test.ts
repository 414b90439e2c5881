import nock from 'nock';
import { afterAll, afterEach, beforeEach, expect, test } from 'vitest';
import { createMockProvider } from 'oauth2-testkit/mock-provider';
import { interceptMockProvider, withBearer } from 'oauth2-testkit/nock';

const provider = await createMockProvider();
nock.disableNetConnect();
beforeEach(() => {
  interceptMockProvider(provider); // a persistent scope for the issuer origin
  nock('https://api.example.com')
    .get('/issues')
    .reply(withBearer(provider, ({ user }) => [200, [{ owner: user.id }]], { requiredScopes: ['read:issues'] }));
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

test('your API answers a token of the provider', async () => {
  const tokens = await provider.getTokens({ scope: 'read:issues' });
  const response = await fetch('https://api.example.com/issues', { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect(await response.json()).toEqual([{ owner: 'mock-user' }]);
});
