import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { connectMockProvider, type RemoteMockProvider, startMockProvider } from 'oauth2-testkit/mock-provider';

// In CI the provider runs in another process (`integration-cli mock-provider`); here one is started for the example.
const server = await startMockProvider({ port: 0, control: true });
let remote: RemoteMockProvider;
beforeAll(() => {
  remote = connectMockProvider(server.issuer, { controlToken: server.control!.token });
});
beforeEach(() => remote.reset());
afterAll(() => server.close());

test('refreshes once the provider is back from a rate limit', async () => {
  const tokens = await remote.getTokens({ scope: 'read:issues' });
  await remote.expireAccessTokens();
  await remote.failNext('token', { status: 429, retryAfter: 30 });
  const refresh = () =>
    fetch(remote.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'mock-client', client_secret: 'mock-secret' }),
    });
  expect((await refresh()).status).toBe(429); // your connector's code instead
  expect((await refresh()).status).toBe(200);
  const tokenCalls = (await remote.requests()).filter((r) => r.endpoint === 'token');
  expect(tokenCalls.slice(-2).map((r) => r.status)).toEqual([429, 200]);
});
