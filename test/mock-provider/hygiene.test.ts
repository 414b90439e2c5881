import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMockProviderInternals } from '../../src/mock-provider/create-mock-provider.js';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createMockProvider, MockProviderOptionsError, startMockProvider } from '../../src/mock-provider/index.js';
import { basic, callResource, tokenRequest } from './helpers.js';

const open: MockProvider[] = [];
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const provider of open.splice(0)) await provider.close();
});

describe('a normal run', () => {
  it('prints no oidc-provider notice or warning and emits no process warning', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => vi.spyOn(console, method));
    const emitWarning = vi.spyOn(process, 'emitWarning');
    for (const format of ['opaque', 'jwt'] as const) {
      const provider = await startMockProvider({ accessTokenFormat: format });
      open.push(provider);
      const tokens = await provider.getTokens({ scope: 'openid profile email' });
      await fetch(provider.userinfoUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      await callResource(fetch, provider, tokens.access_token);
      await tokenRequest(fetch, provider, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
      await tokenRequest(fetch, provider, { token: tokens.refresh_token! }, undefined, provider.introspectionUrl);
      await tokenRequest(fetch, provider, { token: tokens.refresh_token! }, undefined, provider.revocationUrl);
      await fetch(`${provider.issuer}/.well-known/openid-configuration`);
      await fetch(provider.jwksUrl);
    }
    const form = await createMockProvider({ login: 'form' });
    open.push(form);
    await form.getTokens();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(emitWarning).not.toHaveBeenCalled();
  });
});

describe('client authentication', () => {
  it('refuses different credentials in the header and the body', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    const { code, redirectUri, codeVerifier } = await provider.authorize();
    const response = await provider.fetch(provider.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('mock-client', 'mock-secret') },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: codeVerifier,
        client_id: 'mock-client',
        client_secret: 'other',
      }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('introspects an active access token for its client', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    const tokens = await provider.getTokens();
    const result = await tokenRequest(provider.fetch, provider, { token: tokens.access_token }, undefined, provider.introspectionUrl);
    expect(result.json).toMatchObject({ active: true, client_id: 'mock-client', sub: 'mock-user' });
    await provider.expireAccessTokens();
    const after = await tokenRequest(provider.fetch, provider, { token: tokens.access_token }, undefined, provider.introspectionUrl);
    expect(after.json).toMatchObject({ active: false });
  });
});

describe('memory', () => {
  it('stays bounded over many flows and drops everything once it has expired', async () => {
    const internals = await createMockProviderInternals({}, 'https://mock-provider.test');
    open.push(internals.provider);
    for (let i = 0; i < 1200; i += 1) await internals.provider.getTokens();
    const count = (prefix: string) => internals.store.serialize().filter((entry) => entry.key.startsWith(prefix)).length;
    expect(count('Session:')).toBeLessThanOrEqual(1000);
    expect(count('Interaction:')).toBeLessThanOrEqual(1000);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    internals.store.sweep();
    expect(count('AuthorizationCode:')).toBe(0);
    vi.setSystemTime(Date.now() + 15 * 24 * 3600 * 1000);
    internals.store.sweep();
    expect(internals.store.serialize().filter((entry) => !entry.key.startsWith('Client:'))).toEqual([]);
  });
});

describe('options', () => {
  it.each([
    [{ issuer: 'https://mock-provider.test/oauth' }],
    [{ issuer: 'ftp://x' }],
    [{ accessTokenTtl: 0 }],
    [{ clients: [{ clientId: '', clientSecret: 's' }] }],
    [{ clients: [{ clientId: 'c', clientSecret: 's', redirectUris: ['not a url'] }] }],
    [{ clients: [{ clientId: 'c', tokenEndpointAuthMethod: 'client_secret_basic' as const }] }],
  ])('rejects %j with a MockProviderOptionsError (a TypeError, code MOCK_PROVIDER_OPTIONS)', async (options) => {
    const error = await createMockProvider(options).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toBeInstanceOf(MockProviderOptionsError);
    expect(error).toMatchObject({ code: 'MOCK_PROVIDER_OPTIONS', name: 'MockProviderOptionsError' });
  });

  it.each([
    [{ issuer: 'ftp://x' }, 'issuer'],
    [{ accessTokenTtl: 0 }, 'accessTokenTtl'],
    [{ refreshTokenTtl: 1.5 }, 'refreshTokenTtl'],
    [{ accessTokenFormat: 'paseto' as never }, 'accessTokenFormat'],
    [{ login: 'magic' as never }, 'login'],
    [{ users: [{ id: '' }] }, 'users[0].id'],
    [
      {
        clients: [
          { clientId: 'a', clientSecret: 's' },
          { clientId: 'c', clientSecret: 's', redirectUris: ['not a url'] },
        ],
      },
      'clients[1].redirectUris',
    ],
    [{ clients: [{ clientId: 'c', tokenEndpointAuthMethod: 'client_secret_basic' as const }] }, 'clients[0].clientSecret'],
    [{ rotateRefreshTokens: true, quirks: { omitRefreshTokenOnRefresh: true } }, 'quirks.omitRefreshTokenOnRefresh'],
  ])('names the option at fault in %j', async (options, option) => {
    await expect(createMockProvider(options)).rejects.toMatchObject({ code: 'MOCK_PROVIDER_OPTIONS', option });
  });

  it('throws MockProviderOptionsError from startMockProvider and registerClient too, but keeps MOCK_PROVIDER for runtime failures', async () => {
    await expect(startMockProvider({ accessTokenTtl: -1 })).rejects.toMatchObject({ code: 'MOCK_PROVIDER_OPTIONS', option: 'accessTokenTtl' });
    const provider = await createMockProvider();
    expect(() => provider.registerClient({ clientId: '' })).toThrow(expect.objectContaining({ code: 'MOCK_PROVIDER_OPTIONS', option: 'clientId' }));
    await provider.close();
    await expect(provider.getTokens()).rejects.toMatchObject({ code: 'MOCK_PROVIDER' });
  });

  it('never puts a client secret in an option error', async () => {
    const error = await createMockProvider({ clients: [{ clientId: 'c', clientSecret: 'TOP-SECRET', redirectUris: ['nope'] }] }).catch(
      (caught: unknown) => caught,
    );
    expect(String((error as Error).message)).not.toContain('TOP-SECRET');
  });

  it('answers PORT_IN_USE when the port is taken', async () => {
    const first = await startMockProvider();
    open.push(first);
    const port = Number(new URL(first.issuer).port);
    await expect(startMockProvider({ port })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
  });
});
