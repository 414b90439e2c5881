import { http, HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';
import { describe, expect, onTestFinished, vi } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { test } from '../../src/vitest/index.js';

const seen: { server?: SetupServer; provider?: MockProvider } = {};

describe('mswServer and mswProvider', () => {
  test('serves the provider in-process and keeps loopback HTTP reachable in the same test', async ({ mswProvider, mockProvider }) => {
    const discovery = await fetch(`${mswProvider.issuer}/.well-known/openid-configuration`);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe('https://mock-provider.test');
    expect((await fetch(mockProvider.jwksUrl)).status).toBe(200);
  });

  test('errors on an unhandled request to a non-loopback host', async ({ mswServer }) => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    onTestFinished(() => printed.mockRestore());
    const error: unknown = await fetch('https://elsewhere.test/').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toMatchObject({ type: 'error', status: 0 });
    // The fixture's msw server says why (msw's own "error" message), once; asserted here, not printed.
    expect(printed.mock.calls.map(String)).toEqual([expect.stringMatching(/^\[MSW\] Error: .*\s+• GET https:\/\/elsewhere\.test\//s)]);
    seen.server = mswServer;
    mswServer.use(http.get('https://api.example.test/ping', () => HttpResponse.text('pong')));
    expect(await (await fetch('https://api.example.test/ping')).text()).toBe('pong');
  });

  test('keeps one server per file and resets its handlers after each test', async ({ mswServer }) => {
    expect(mswServer).toBe(seen.server);
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    onTestFinished(() => printed.mockRestore());
    const error: unknown = await fetch('https://api.example.test/ping').catch((caught: unknown) => caught);
    expect((error as TypeError).cause).toMatchObject({ type: 'error', status: 0 });
    expect(printed.mock.calls.map(String)).toEqual([expect.stringMatching(/^\[MSW\] Error: .*\s+• GET https:\/\/api\.example\.test\/ping/s)]);
  });
});

describe('mockProvider and tokens', () => {
  test('hands out a token set the HTTP provider accepts', async ({ mockProvider, tokens }) => {
    seen.provider = mockProvider;
    expect(mockProvider.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const me = await fetch(mockProvider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
  });

  test('closed the previous test provider', async () => {
    await expect(fetch(seen.provider!.jwksUrl)).rejects.toThrow();
  });
});

describe('overriding mockProviderOptions for a describe', () => {
  test.override({ mockProviderOptions: { accessTokenTtl: 60, users: [{ id: 'alice', claims: { name: 'Alice' } }] } });

  test('applies to the HTTP provider and its tokens', async ({ mockProvider, tokens }) => {
    expect(tokens.expires_in).toBe(60);
    expect(mockProvider.users.map((user) => user.id)).toEqual(['alice']);
  });

  test('applies to the msw provider', async ({ mswProvider }) => {
    expect((await mswProvider.getTokens()).expires_in).toBe(60);
  });
});

describe('overriding tokens to come from the msw provider', () => {
  test.override('tokens', async ({ mswProvider }) => mswProvider.getTokens());

  test('gives tokens the msw provider knows', async ({ mswProvider, tokens }) => {
    expect(await mswProvider.lookupAccessToken(tokens.access_token)).toMatchObject({ accountId: 'mock-user' });
  });
});

describe('pointing tokens at a grant', () => {
  test.override({ tokensOptions: { grantType: 'client_credentials', scope: 'profile' } });

  test('takes them from that grant', async ({ mockProvider, tokens }) => {
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.scope).toBe('profile');
    expect(await mockProvider.lookupAccessToken(tokens.access_token)).toMatchObject({ accountId: 'mock-client', clientId: 'mock-client' });
  });
});
