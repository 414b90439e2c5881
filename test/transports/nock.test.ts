import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockProvider, createUserAgent, type MockProvider } from '../../src/mock-provider/index.js';
import { interceptMockProvider, withBearer } from '../../src/nock/index.js';

const API = 'https://api.example.test';
let provider: MockProvider;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(async () => {
  nock.cleanAll();
  await provider.close();
});

async function useProvider(options: Parameters<typeof createMockProvider>[0] = {}): Promise<MockProvider> {
  provider = await createMockProvider({ scopes: ['read:issues', 'write:issues'], ...options });
  interceptMockProvider(provider);
  return provider;
}

function authorizeUrl(state = 's1'): URL {
  const url = new URL(provider.authorizationUrl);
  url.search = new URLSearchParams({ response_type: 'code', client_id: 'mock-client', redirect_uri: 'http://127.0.0.1/callback', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', scope: 'openid', state }).toString();
  return url;
}

describe('interceptMockProvider', () => {
  it('answers the discovery document of the https issuer through global fetch', async () => {
    await useProvider();
    const response = await fetch(`${provider.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ issuer: 'https://mock-provider.test', token_endpoint: provider.tokenUrl });
  });

  it('returns a persistent scope that keeps answering', async () => {
    await useProvider();
    for (let i = 0; i < 3; i += 1) expect((await fetch(provider.jwksUrl)).status).toBe(200);
    expect(nock.activeMocks().map((key) => key.split(' ')[0])).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
  });

  it('hands back redirects unfollowed with their Location and every Set-Cookie', async () => {
    await useProvider({ login: 'form' });
    const response = await fetch(authorizeUrl(), { redirect: 'manual' });
    const direct = await provider.handle(new Request(authorizeUrl()));
    expect(response.status).toBe(direct.status);
    expect(response.headers.get('location')).toMatch(/^\/interaction\//);
    expect(response.headers.getSetCookie().length).toBeGreaterThanOrEqual(2);
    expect(response.headers.getSetCookie().map((cookie) => cookie.split('=')[0])).toEqual(direct.headers.getSetCookie().map((cookie) => cookie.split('=')[0]));
  });

  it('lets a cookie-keeping user agent on global fetch complete the login form flow', async () => {
    await useProvider({ login: 'form' });
    const result = await createUserAgent().navigate(authorizeUrl('s2').href, { stopAt: (next) => next.pathname === '/callback' });
    expect(result.stoppedAt?.searchParams.get('code')).toEqual(expect.any(String));
    expect(result.stoppedAt?.searchParams.get('state')).toBe('s2');
  });

  it('serves any method, including HEAD and PUT, from the engine', async () => {
    await useProvider();
    const head = await fetch(provider.jwksUrl, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const put = await fetch(provider.resourceUrl, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
  });

  it('records each intercepted request exactly once, and getTokens() never goes through nock', async () => {
    await useProvider();
    const seen: string[] = [];
    const onRequest = (request: Request): void => {
      seen.push(request.url);
    };
    nock.cleanAll();
    const scope = interceptMockProvider(provider);
    scope.on('request', onRequest);
    const tokens = await provider.getTokens();
    expect(seen).toEqual([]);
    provider.clearRequests();
    await fetch(provider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(provider.requests).toHaveLength(1);
    expect(seen).toEqual([provider.resourceUrl]);
  });

  it('keeps other origins off the network under disableNetConnect', async () => {
    await useProvider();
    const error: unknown = await fetch('https://elsewhere.test/').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as TypeError).cause)).toMatch(/Disallowed net connect/);
  });
});

describe('withBearer', () => {
  const issues = (): void => {
    nock(API).persist().get('/issues').reply(withBearer(provider, (_request, { user, token }) => [200, { owner: user.id, scopes: token.scopes }], { requiredScopes: ['read:issues'] }));
  };

  it('passes a valid token to the handler with its token facts and user', async () => {
    await useProvider();
    issues();
    const tokens = await provider.getTokens({ scope: 'openid read:issues' });
    const response = await fetch(`${API}/issues`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ owner: 'mock-user', scopes: ['openid', 'read:issues'] });
  });

  it('answers an expired token with the same 401 invalid_token as /api/me', async () => {
    await useProvider();
    issues();
    const tokens = await provider.getTokens({ scope: 'openid read:issues' });
    await provider.expireAccessTokens();
    const headers = { authorization: `Bearer ${tokens.access_token}` };
    const response = await fetch(`${API}/issues`, { headers });
    const resource = await fetch(provider.resourceUrl, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="mock-provider", error="invalid_token", error_description="The access token expired."');
    expect(response.headers.get('www-authenticate')).toBe(resource.headers.get('www-authenticate'));
    expect(await response.json()).toEqual(await resource.json());
  });

  it('answers a missing token with the bare Bearer challenge', async () => {
    await useProvider();
    issues();
    const response = await fetch(`${API}/issues`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="mock-provider"');
  });

  it('answers a token without a required scope with 403 insufficient_scope', async () => {
    await useProvider();
    issues();
    const tokens = await provider.getTokens({ scope: 'openid write:issues' });
    const response = await fetch(`${API}/issues`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });
});
