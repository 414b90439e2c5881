import { afterEach, expect, test, vi } from 'vitest';
import { createMockProvider, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from 'oauth2-testkit/mock-provider';

afterEach(() => vi.useRealTimers());

test('a slow token endpoint, without waiting for it', async () => {
  const provider = await createMockProvider();
  const { refresh_token } = await provider.getTokens();
  // Your code that calls the token endpoint:
  const refresh = () =>
    provider.fetch(provider.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refresh_token!,
        client_id: DEFAULT_CLIENT_ID,
        client_secret: DEFAULT_CLIENT_SECRET,
      }),
    });

  vi.useFakeTimers();
  provider.failNext('token', { delayMs: 5000 });
  const p = refresh();
  await provider.nextRequest('token'); // the request has arrived; the answer waits for the clock
  await vi.advanceTimersByTimeAsync(5000);
  expect((await p).status).toBe(200);
  await provider.close();
});
