import { afterEach, describe, expect, it } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createMockProvider } from '../../src/mock-provider/index.js';

const open: MockProvider[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((provider) => provider.close()));
});

describe('provider.verifyBearer', () => {
  it('accepts a live token from a Request or a header value, with its user', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    const tokens = await provider.getTokens();
    const fromHeader = await provider.verifyBearer(`Bearer ${tokens.access_token}`);
    expect(fromHeader).toMatchObject({ ok: true, user: { id: provider.users[0]?.id }, token: { clientId: 'mock-client' } });
    const fromRequest = await provider.verifyBearer(new Request('https://api.example.test/x', { headers: { authorization: `Bearer ${tokens.access_token}` } }));
    expect(fromRequest.ok).toBe(true);
  });

  it('answers the RFC 6750 401 for no token and an expired one, 403 for a missing scope', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    const tokens = await provider.getTokens();
    const none = await provider.verifyBearer(undefined);
    expect(none).toMatchObject({ ok: false, status: 401, headers: { 'www-authenticate': 'Bearer realm="mock-provider"' } });
    const scoped = await provider.verifyBearer(`Bearer ${tokens.access_token}`, { requiredScopes: ['admin:all'] });
    expect(scoped).toMatchObject({ ok: false, status: 403, headers: { 'www-authenticate': expect.stringContaining('insufficient_scope') } });
    await provider.expireAccessTokens();
    const expired = await provider.verifyBearer(`Bearer ${tokens.access_token}`);
    expect(expired).toMatchObject({ ok: false, status: 401, headers: { 'www-authenticate': expect.stringContaining('invalid_token') } });
  });
});

describe('clients and users on the handle', () => {
  it('are live read-only views: registerClient() shows up, writes throw a TypeError naming the way in', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    const clients = provider.clients;
    provider.registerClient({ clientId: 'second', clientSecret: 's' });
    expect(clients.map((client) => client.clientId)).toEqual(['mock-client', 'second']);
    expect(() => (provider.clients as unknown as unknown[]).push({})).toThrow(/read-only view; use registerClient\(\)/);
    expect(() => {
      (provider.clients as unknown as unknown[])[0] = {};
    }).toThrow(TypeError);
    expect(() => {
      (provider.clients[0] as { clientSecret?: string }).clientSecret = 'changed';
    }).toThrow(TypeError);
    expect(() => (provider.users as unknown as unknown[]).splice(0)).toThrow(TypeError);
    expect(provider.users.length).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(provider.clients))).toHaveLength(2);
  });
});
