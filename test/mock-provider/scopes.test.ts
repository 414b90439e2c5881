/**
 * Scopes as connector authors meet them: zero configuration accepts any scope and grants it as asked (no OpenID
 * artefacts unless `openid` is asked for); declared scopes are strict, and the refusal names the fix.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createMockProvider } from '../../src/mock-provider/index.js';
import { MAX_ADMITTED_SCOPES } from '../../src/mock-provider/engine/scope-policy.js';
import type { MockProviderOptions } from '../../src/mock-provider/types.js';
import { callResource, providerFor, refresh, TRANSPORTS, type Transport } from './helpers.js';

const open: MockProvider[] = [];
afterEach(async () => {
  for (const provider of open.splice(0)) await provider.close();
});

async function setup(transport: Transport, options: MockProviderOptions = {}): Promise<{ provider: MockProvider; fetch: typeof fetch }> {
  const result = await providerFor(transport, options);
  open.push(result.provider);
  return result;
}

async function created(options: MockProviderOptions = {}): Promise<MockProvider> {
  const provider = await createMockProvider(options);
  open.push(provider);
  return provider;
}

function authorizeUrl(provider: MockProvider, params: Record<string, string>): string {
  const url = new URL(provider.authorizationUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'mock-client',
    redirect_uri: 'http://127.0.0.1:9002/callback',
    state: 'st-42',
    ...params,
  }).toString();
  return url.href;
}

describe.each(TRANSPORTS)('zero-config scopes (%s)', (transport) => {
  it('grants any valid scope as asked, with no id_token, usable at /api/me and refreshable', async () => {
    const { provider, fetch } = await setup(transport);
    const tokens = await provider.getTokens({ scope: 'read:issues repo https://www.googleapis.com/auth/drive' });
    expect(tokens.scope).toBe('read:issues repo https://www.googleapis.com/auth/drive');
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.refresh_token).toBeTruthy();
    expect((await callResource(fetch, provider, tokens.access_token, '?scope=read:issues')).status).toBe(200);
    expect(await provider.verifyBearer(`Bearer ${tokens.access_token}`, { requiredScopes: ['read:issues'] })).toMatchObject({ ok: true });
    const refreshed = await refresh(fetch, provider, tokens.refresh_token ?? '');
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.scope).toBe('read:issues repo https://www.googleapis.com/auth/drive');
    expect(refreshed.json.id_token).toBeUndefined();
  });

  it('grants offline_access alone, with a refresh token', async () => {
    const { provider } = await setup(transport);
    const tokens = await provider.getTokens({ scope: 'offline_access' });
    expect(tokens.scope).toBe('offline_access');
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('issues a token with no scope and no OpenID artefacts when none is asked for (a Notion-style app)', async () => {
    const { provider, fetch } = await setup(transport);
    const tokens = await provider.getTokens();
    expect(tokens.scope).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.refresh_token).toBeTruthy();
    expect((await provider.lookupAccessToken(tokens.access_token))?.scopes).toEqual([]);
    expect((await callResource(fetch, provider, tokens.access_token)).status).toBe(200);
    // userinfo is OpenID's: it keeps needing `openid`.
    const userinfo = await fetch(provider.userinfoUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(403);
    const discovery = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as { scopes_supported: string[] };
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    expect(discovery.scopes_supported.join(' ')).not.toContain('no-scope');
  });

  it('issues an id_token only when openid is asked for', async () => {
    const { provider } = await setup(transport);
    const tokens = await provider.getTokens({ scope: 'openid read' });
    expect(tokens.id_token).toBeTruthy();
    expect(tokens.scope?.split(' ').sort()).toEqual(['openid', 'read']);
  });
});

describe.each(TRANSPORTS)('declared scopes are strict (%s)', (transport) => {
  it('redirects with invalid_scope, the state, and a description that names the scope and the fix', async () => {
    const { provider, fetch } = await setup(transport, { clients: [{ clientId: 'mock-client', clientSecret: 'mock-secret', scopes: ['read'] }] });
    const response = await fetch(authorizeUrl(provider, { scope: 'read admin:all' }), { redirect: 'manual' });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:9002/callback');
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    const description = location.searchParams.get('error_description') ?? '';
    expect(description).toContain('admin:all');
    expect(description).toContain('scopes: [...]');
    expect(description).toContain('--scope');
    expect(location.searchParams.get('state')).toBe('st-42');
    expect(location.searchParams.get('code')).toBeNull();
  });
});

describe('scope configuration', () => {
  it('makes getTokens() fail with MOCK_PROVIDER naming invalid_scope for a scope the client does not declare', async () => {
    const provider = await created({ clients: [{ clientId: 'mock-client', clientSecret: 'mock-secret', scopes: ['read'] }] });
    await expect(provider.getTokens({ scope: 'write' })).rejects.toMatchObject({ code: 'MOCK_PROVIDER', message: expect.stringContaining('invalid_scope') });
    expect((await provider.getTokens()).scope).toBe('read');
  });

  it('limits clients to the provider scopes when the provider declares some, and adds a registered client’s own', async () => {
    const provider = await created({ scopes: ['admin:all'] });
    expect((await provider.getTokens({ scope: 'openid admin:all' })).scope?.split(' ').sort()).toEqual(['admin:all', 'openid']);
    await expect(provider.getTokens({ scope: 'write' })).rejects.toThrow(/invalid_scope/);
    provider.registerClient({ clientId: 'other', clientSecret: 'other-secret', scopes: ['write'] });
    expect((await provider.getTokens({ clientId: 'other', scope: 'write admin:all' })).scope?.split(' ').sort()).toEqual(['admin:all', 'write']);
  });

  it('refuses an invalid provider scope at creation, naming the option', async () => {
    await expect(createMockProvider({ scopes: ['a b'] })).rejects.toMatchObject({ option: 'scopes[0]' });
  });

  it(`stops accepting new scopes past ${MAX_ADMITTED_SCOPES}, with invalid_scope that says so`, async () => {
    const provider = await created();
    const many = Array.from({ length: MAX_ADMITTED_SCOPES + 1 }, (_, index) => `s${index}`).join(' ');
    await expect(provider.getTokens({ scope: many })).rejects.toThrow(/limit/);
    expect((await provider.getTokens({ scope: 'still:fine' })).scope).toBe('still:fine');
  });
});

describe('scopes of the grants that ask for them at the token endpoint', () => {
  it.each(['client_credentials', 'password'] as const)(
    '%s: an open client gets any scope as asked; a declared one is refused with invalid_scope',
    async (grantType) => {
      const provider = await created();
      const tokens = await provider.getTokens({
        grantType,
        scope: 'read:issues admin:org',
        ...(grantType === 'password' ? { username: 'mock-user', password: 'pw' } : {}),
      });
      expect(tokens.scope).toBe('read:issues admin:org');
      provider.registerClient({ clientId: 'strict', clientSecret: 'strict-secret', scopes: ['read'], grantTypes: ['client_credentials', 'password'] });
      const refused = await provider.fetch(provider.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('strict:strict-secret').toString('base64')}` },
        body: new URLSearchParams({ grant_type: grantType, scope: 'read write', username: 'mock-user', password: 'pw' }),
      });
      expect(refused.status).toBe(400);
      const body = (await refused.json()) as { error: string; error_description: string };
      expect(body.error).toBe('invalid_scope');
      expect(body.error_description).toContain('write');
    },
  );
});
