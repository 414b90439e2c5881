import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { providerFor, refresh as refreshWith, TRANSPORTS } from './helpers.js';

const open: MockProvider[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((provider) => provider.close()));
});

describe.each(TRANSPORTS)('nextRequest over %s', (transport) => {
  it('runs the README delayMs recipe under fake timers: the request arrives, then the clock moves, then it answers', async () => {
    const { provider, fetch } = await providerFor(transport);
    open.push(provider);
    const tokens = await provider.getTokens();
    provider.failNext('token', { delayMs: 5000 });
    vi.useFakeTimers();
    const refresh = () => refreshWith(fetch, provider, tokens.refresh_token as string);
    let settled = false;
    const p = refresh().finally(() => {
      settled = true;
    });
    await provider.nextRequest('token');
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(5000);
    const answer = await p;
    expect(answer.status).toBe(200);
    expect(answer.json.access_token).toEqual(expect.any(String));
  });

  it("resolves for 'any' endpoint and only for the endpoint asked", async () => {
    const { provider, fetch } = await providerFor(transport);
    open.push(provider);
    let tokenSeen = false;
    const token = provider.nextRequest('token').then(() => {
      tokenSeen = true;
    });
    const any = provider.nextRequest('any');
    await (await fetch(provider.jwksUrl)).arrayBuffer();
    await any;
    await Promise.resolve();
    expect(tokenSeen).toBe(false);
    await provider.getTokens();
    await token;
    expect(tokenSeen).toBe(true);
  });
});

it('rejects a pending nextRequest() when the provider closes, and an unknown endpoint at once', async () => {
  const { provider } = await providerFor('in-process');
  const pending = provider.nextRequest('token');
  expect(() => provider.nextRequest('tokens' as never)).toThrow(
    expect.objectContaining({ code: 'MOCK_PROVIDER', message: expect.stringContaining('unknown endpoint') }),
  );
  await provider.close();
  await expect(pending).rejects.toMatchObject({ code: 'MOCK_PROVIDER', message: expect.stringContaining('closed') });
});
