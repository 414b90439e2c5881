import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createMockProvider } from '../../src/mock-provider/index.js';
import { callResource, providerFor, refresh, tokenRequest, TRANSPORTS, type Transport } from './helpers.js';

const open: MockProvider[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const provider of open.splice(0)) await provider.close();
});

async function setup(transport: Transport, options: Parameters<typeof providerFor>[1] = {}) {
  const result = await providerFor(transport, options);
  open.push(result.provider);
  return result;
}

describe.each(TRANSPORTS)('the engine over %s', (transport) => {
  it('exchanges a code for tokens, with a refresh token and no offline_access', async () => {
    const { provider, fetch } = await setup(transport);
    const { code, redirectUri, codeVerifier } = await provider.authorize({ scope: 'profile' });
    const result = await tokenRequest(fetch, provider, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'profile' });
    expect(typeof result.json.access_token).toBe('string');
    expect(typeof result.json.refresh_token).toBe('string');
  });

  it('rejects a code_verifier that does not match the challenge with invalid_grant', async () => {
    const { provider, fetch } = await setup(transport);
    const { code, redirectUri } = await provider.authorize();
    const result = await tokenRequest(fetch, provider, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: 'x'.repeat(43) });
    expect(result.status).toBe(400);
    expect(result.json.error).toBe('invalid_grant');
  });

  it('answers invalid_grant to a code used twice', async () => {
    const { provider, fetch } = await setup(transport);
    const { code, redirectUri, codeVerifier } = await provider.authorize();
    const params = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier };
    expect((await tokenRequest(fetch, provider, params)).status).toBe(200);
    const replay = await tokenRequest(fetch, provider, params);
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('invalid_grant');
  });

  it('answers invalid_client to a wrong client secret', async () => {
    const { provider, fetch } = await setup(transport);
    const { code, redirectUri, codeVerifier } = await provider.authorize();
    const result = await tokenRequest(
      fetch,
      provider,
      { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier },
      { clientId: 'mock-client', secret: 'wrong' },
    );
    expect(result.status).toBe(401);
    expect(result.json.error).toBe('invalid_client');
  });

  it('accepts client_secret_post, and the same credentials sent both in the header and the body', async () => {
    const { provider, fetch } = await setup(transport);
    const first = await provider.authorize();
    const post = await tokenRequest(
      fetch,
      provider,
      {
        grant_type: 'authorization_code',
        code: first.code,
        redirect_uri: first.redirectUri,
        code_verifier: first.codeVerifier,
        client_id: 'mock-client',
        client_secret: 'mock-secret',
      },
      null,
    );
    expect(post.status).toBe(200);
    const second = await provider.authorize();
    const both = await tokenRequest(fetch, provider, {
      grant_type: 'authorization_code',
      code: second.code,
      redirect_uri: second.redirectUri,
      code_verifier: second.codeVerifier,
      client_id: 'mock-client',
      client_secret: 'mock-secret',
    });
    expect(both.status).toBe(200);
  });

  it('refuses a token exchange whose redirect_uri differs from the authorization request', async () => {
    const { provider, fetch } = await setup(transport);
    const { code, codeVerifier } = await provider.authorize({ redirectUri: 'http://127.0.0.1:8123/callback' });
    const result = await tokenRequest(fetch, provider, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://127.0.0.1:8124/callback',
      code_verifier: codeVerifier,
    });
    expect(result.status).toBe(400);
    expect(result.json.error).toBe('invalid_grant');
  });

  it('refuses an authorization request to an unregistered redirect URI without redirecting there', async () => {
    const { provider, fetch } = await setup(transport);
    const url = new URL(provider.authorizationUrl);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'mock-client',
      redirect_uri: 'https://evil.example/callback',
      scope: 'openid',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('redirect_uri');
  });

  it('accepts loopback redirect URIs on any port, but keeps localhost and 127.0.0.1 apart', async () => {
    const provider = (await setup(transport, { clients: [{ clientId: 'loop', clientSecret: 's', redirectUris: ['http://127.0.0.1/cb'] }] })).provider;
    await expect(provider.authorize({ redirectUri: 'http://127.0.0.1:9002/cb' })).resolves.toMatchObject({ redirectUri: 'http://127.0.0.1:9002/cb' });
    await expect(provider.authorize({ redirectUri: 'http://127.0.0.1:51234/cb' })).resolves.toBeTruthy();
    await expect(provider.authorize({ redirectUri: 'http://localhost:9002/cb' })).rejects.toMatchObject({ code: 'MOCK_PROVIDER' });
    await expect(provider.authorize({ redirectUri: 'http://127.0.0.1:9002/other' })).rejects.toMatchObject({ code: 'MOCK_PROVIDER' });
  });

  it('rotates refresh tokens and revokes the family when a rotated one is replayed', async () => {
    const { provider, fetch } = await setup(transport);
    const tokens = await provider.getTokens();
    const first = await refresh(fetch, provider, tokens.refresh_token!);
    expect(first.status).toBe(200);
    expect(first.json.refresh_token).not.toBe(tokens.refresh_token);
    const replay = await refresh(fetch, provider, tokens.refresh_token!);
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('invalid_grant');
    const afterReuse = await refresh(fetch, provider, String(first.json.refresh_token));
    expect(afterReuse.json.error).toBe('invalid_grant');
    expect((await callResource(fetch, provider, String(first.json.access_token))).status).toBe(401);
  });

  it('keeps the same refresh token when rotation is off', async () => {
    const { provider, fetch } = await setup(transport, { rotateRefreshTokens: false });
    const tokens = await provider.getTokens();
    const first = await refresh(fetch, provider, tokens.refresh_token!);
    const second = await refresh(fetch, provider, tokens.refresh_token!);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.json.refresh_token ?? tokens.refresh_token).toBe(tokens.refresh_token);
    expect(second.json.access_token).not.toBe(first.json.access_token);
  });

  it('answers the resource with the user claims, 401 invalid_token once expireAccessTokens() ran', async () => {
    const { provider, fetch } = await setup(transport);
    const tokens = await provider.getTokens();
    const ok = await callResource(fetch, provider, tokens.access_token);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ sub: 'mock-user', name: 'Mock User', email: 'mock-user@example.com' });
    await provider.expireAccessTokens();
    const expired = await callResource(fetch, provider, tokens.access_token);
    expect(expired.status).toBe(401);
    expect(expired.challenge).toContain('error="invalid_token"');
    const refreshed = await refresh(fetch, provider, tokens.refresh_token!);
    expect((await callResource(fetch, provider, String(refreshed.json.access_token))).status).toBe(200);
  });

  it('expires access tokens by their TTL when time travels', async () => {
    const { provider, fetch } = await setup(transport, { accessTokenTtl: 60 });
    const tokens = await provider.getTokens();
    expect(tokens.expires_in).toBe(60);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 59_000);
    expect((await callResource(fetch, provider, tokens.access_token)).status).toBe(200);
    vi.setSystemTime(Date.now() + 2_000);
    const expired = await callResource(fetch, provider, tokens.access_token);
    expect(expired.status).toBe(401);
    expect(expired.challenge).toContain('invalid_token');
    expect(await provider.lookupAccessToken(tokens.access_token)).toBeUndefined();
  });

  it('answers invalid_grant to a refresh token revoked by revokeRefreshTokens()', async () => {
    const { provider, fetch } = await setup(transport);
    const tokens = await provider.getTokens();
    await provider.revokeRefreshTokens();
    const result = await refresh(fetch, provider, tokens.refresh_token!);
    expect(result.status).toBe(400);
    expect(result.json.error).toBe('invalid_grant');
  });

  it('answers 401 without a token and 403 insufficient_scope when ?scope= names a scope not granted', async () => {
    const { provider, fetch } = await setup(transport, { clients: [{ clientId: 'gh', clientSecret: 's', scopes: ['read:issues', 'repo'] }] });
    const tokens = await provider.getTokens({ clientId: 'gh', scope: 'read:issues' });
    expect(tokens.scope).toBe('read:issues');
    const missing = await fetch(provider.resourceUrl);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect((await callResource(fetch, provider, tokens.access_token, '?scope=read:issues')).status).toBe(200);
    const forbidden = await callResource(fetch, provider, tokens.access_token, '?scope=repo');
    expect(forbidden.status).toBe(403);
    expect(forbidden.challenge).toContain('insufficient_scope');
  });

  it('revokes an access token through the revocation endpoint', async () => {
    const { provider, fetch } = await setup(transport);
    const tokens = await provider.getTokens();
    const revoked = await tokenRequest(fetch, provider, { token: tokens.access_token, token_type_hint: 'access_token' }, undefined, provider.revocationUrl);
    expect(revoked.status).toBe(200);
    expect((await callResource(fetch, provider, tokens.access_token)).status).toBe(401);
  });
});

describe('provider-style scopes and clients', () => {
  it('grants provider-style scopes a client declares, and those of a client registered at runtime', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    provider.registerClient({
      clientId: 'linear',
      clientSecret: 'lin-secret',
      redirectUris: ['https://app.example/oauth/callback'],
      scopes: ['issues:create', 'read'],
    });
    const tokens = await provider.getTokens({ clientId: 'linear', scope: 'read issues:create' });
    expect(tokens.scope?.split(' ').sort()).toEqual(['issues:create', 'read']);
    expect((await provider.lookupAccessToken(tokens.access_token))?.scopes.sort()).toEqual(['issues:create', 'read']);
  });

  it('requires PKCE from a public client', async () => {
    const provider = await createMockProvider({ clients: [{ clientId: 'spa', redirectUris: ['http://127.0.0.1/cb'], tokenEndpointAuthMethod: 'none' }] });
    open.push(provider);
    const url = new URL(provider.authorizationUrl);
    url.search = new URLSearchParams({ response_type: 'code', client_id: 'spa', redirect_uri: 'http://127.0.0.1:3000/cb', scope: 'openid' }).toString();
    const response = await provider.fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    const tokens = await provider.getTokens({ clientId: 'spa' });
    expect(typeof tokens.access_token).toBe('string');
  });

  it('keeps two providers apart: a token of one is unknown to the other', async () => {
    const a = await createMockProvider();
    const b = await createMockProvider();
    open.push(a, b);
    const tokens = await a.getTokens();
    expect(await a.lookupAccessToken(tokens.access_token)).toBeDefined();
    expect(await b.lookupAccessToken(tokens.access_token)).toBeUndefined();
    const result = await refresh(b.fetch, b, tokens.refresh_token!);
    expect(result.json.error).toBe('invalid_grant');
    await b.expireAccessTokens();
    expect((await callResource(a.fetch, a, tokens.access_token)).status).toBe(200);
  });

  it('passes requests for other origins to the global fetch from provider.fetch', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    const spy = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('elsewhere'));
    try {
      const response = await provider.fetch('https://api.example.test/x');
      expect(await response.text()).toBe('elsewhere');
      expect(spy).toHaveBeenCalledOnce();
    } finally {
      spy.mockRestore();
    }
  });
});
