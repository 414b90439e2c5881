import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { startMockProvider } from '../../src/mock-provider/index.js';
import { providerFor, refresh, TRANSPORTS } from './helpers.js';

const open: MockProvider[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const provider of open.splice(0)) await provider.close();
});

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('listening', () => {
  it('names the port and how to pick another one when the port is taken', async () => {
    const first = await startMockProvider();
    open.push(first);
    const port = Number(new URL(first.issuer).port);
    const error = await startMockProvider({ port }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'PORT_IN_USE', details: { port, host: '127.0.0.1' } });
    expect(String((error as Error).message)).toContain('pass another port (or 0 for any free one)');
  });

  it('answers MOCK_PROVIDER when the address cannot be bound', async () => {
    // 192.0.2.1 (TEST-NET-1, RFC 5737) is never a local address: EADDRNOTAVAIL.
    await expect(startMockProvider({ host: '192.0.2.1' })).rejects.toMatchObject({ code: 'MOCK_PROVIDER' });
  });
});

describe('close()', () => {
  it('gives every caller the same promise, settled only once the listener is closed', async () => {
    const provider = await startMockProvider();
    const order: string[] = [];
    const first = provider.close();
    const second = provider.close();
    void first.then(() => order.push('first'));
    await second.then(() => order.push('second'));
    expect(order).toEqual(['first', 'second']);
    expect(second).toBe(first);
    await expect(fetch(provider.jwksUrl)).rejects.toThrow();
  });

  it('resolves at once when the provider is already closed', async () => {
    const provider = await startMockProvider();
    const first = provider.close();
    await first;
    expect(provider.close()).toBe(first);
    await expect(provider.close()).resolves.toBeUndefined();
  });
});

describe('close() with a delayed answer pending', () => {
  it.each(TRANSPORTS)('over %s, ends the delay: no timer is left and the request settles', async (transport) => {
    const { provider, fetch } = await providerFor(transport);
    const tokens = await provider.getTokens();
    provider.failNext('token', { delayMs: 60_000 });
    provider.clearRequests();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = refresh(fetch, provider, tokens.refresh_token!).then(
      (response) => response.status,
      () => 'connection closed',
    );
    for (let i = 0; i < 200 && provider.requests.length === 0; i += 1) await tick();
    expect(provider.requests).toHaveLength(1);
    // The delay's timer (after an HTTP test, the fetch client may hold one of its own: not the provider's).
    const during = vi.getTimerCount();
    expect(during).toBeGreaterThanOrEqual(1);

    await provider.close();
    expect(vi.getTimerCount()).toBe(during - 1);
    // The engine answers at once; over HTTP too, close() lets the request in flight finish before it closes the connection.
    expect(await pending).toBe(200);
  });
});
