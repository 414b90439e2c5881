import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockProvider, startMockProvider } from '../../src/mock-provider/index.js';
import { test } from '../../src/vitest/index.js';

// Issue 15: under vitest's default fake timers (setImmediate and queueMicrotask's neighbours faked) getTokens()
// and the tokens fixture used to hang: the in-process engine call went through a library that calls setImmediate.
afterEach(() => {
  vi.useRealTimers();
});

describe('under vi.useFakeTimers() with the default toFake', () => {
  it('getTokens() of an in-process provider answers without advancing the clock', async () => {
    const provider = await createMockProvider();
    vi.useFakeTimers();
    const tokens = await provider.getTokens({ scope: 'openid offline_access' });
    expect(tokens.access_token).toEqual(expect.any(String));
    const me = await provider.fetch(provider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
    vi.useRealTimers();
    await provider.close();
  });

  it('getTokens() of an HTTP provider answers without advancing the clock', async () => {
    const provider = await startMockProvider();
    vi.useFakeTimers();
    const tokens = await provider.getTokens();
    expect(tokens.access_token).toEqual(expect.any(String));
    vi.useRealTimers();
    await provider.close();
  });

  test('the tokens fixture resolves when the test fakes timers before using it', async ({ mswProvider }) => {
    vi.useFakeTimers();
    const tokens = await mswProvider.getTokens();
    const me = await fetch(mswProvider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
  });
});

describe('with fake timers installed before the fixtures', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  test('the tokens fixture of the HTTP provider resolves', async ({ tokens, mockProvider }) => {
    expect(tokens.access_token).toEqual(expect.any(String));
    const me = await fetch(mockProvider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
  });
});
