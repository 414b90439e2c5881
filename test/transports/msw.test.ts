import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockProvider, createUserAgent, type MockProvider } from '../../src/mock-provider/index.js';
import { mockProviderHandlers, withBearer } from '../../src/msw/index.js';

const API = 'https://api.example.test';
const server = setupServer();
let provider: MockProvider;

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterAll(() => server.close());
afterEach(async () => {
  server.resetHandlers();
  await provider.close();
});

async function useProvider(options: Parameters<typeof createMockProvider>[0] = {}): Promise<MockProvider> {
  provider = await createMockProvider({ scopes: ['read:issues', 'write:issues'], ...options });
  server.use(...mockProviderHandlers(provider));
  return provider;
}

describe('mockProviderHandlers', () => {
  it('answers the discovery document of the https issuer through global fetch', async () => {
    await useProvider();
    const response = await fetch(`${provider.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ issuer: 'https://mock-provider.test', token_endpoint: provider.tokenUrl });
  });

  it('hands back redirects unfollowed with their Location and every Set-Cookie', async () => {
    await useProvider({ login: 'form' });
    const url = new URL(provider.authorizationUrl);
    url.search = new URLSearchParams({ response_type: 'code', client_id: 'mock-client', redirect_uri: 'http://127.0.0.1/callback', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', scope: 'openid' }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    const direct = await provider.handle(new Request(url));
    expect(response.status).toBe(direct.status);
    expect(response.status).toBeGreaterThanOrEqual(300);
    expect(response.headers.get('location')).toMatch(/^\/interaction\//);
    expect(response.headers.getSetCookie().length).toBeGreaterThanOrEqual(2);
    expect(response.headers.getSetCookie().map((cookie) => cookie.split('=')[0])).toEqual(direct.headers.getSetCookie().map((cookie) => cookie.split('=')[0]));
  });

  it('lets a cookie-keeping user agent on global fetch complete the login form flow', async () => {
    await useProvider({ login: 'form' });
    const agent = createUserAgent();
    const url = new URL(provider.authorizationUrl);
    url.search = new URLSearchParams({ response_type: 'code', client_id: 'mock-client', redirect_uri: 'http://127.0.0.1/callback', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', scope: 'openid', state: 's1' }).toString();
    const result = await agent.navigate(url.href, { stopAt: (next) => next.pathname === '/callback' });
    expect(result.stoppedAt?.searchParams.get('code')).toEqual(expect.any(String));
    expect(result.stoppedAt?.searchParams.get('state')).toBe('s1');
  });

  it('serves any method, including HEAD and OPTIONS, from the engine', async () => {
    await useProvider();
    const head = await fetch(provider.jwksUrl, { method: 'HEAD' });
    expect(head.status).toBe((await provider.handle(new Request(provider.jwksUrl, { method: 'HEAD' }))).status);
    const put = await fetch(provider.resourceUrl, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
  });

  it('records each intercepted request exactly once, and getTokens() never goes through msw', async () => {
    await useProvider();
    const seen: string[] = [];
    server.events.on('request:start', ({ request }) => seen.push(request.url));
    const tokens = await provider.getTokens();
    expect(seen).toEqual([]);
    provider.clearRequests();
    await fetch(provider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(provider.requests).toHaveLength(1);
    expect(seen).toEqual([provider.resourceUrl]);
    server.events.removeAllListeners();
  });

  it('leaves other origins to msw, whose "error" strategy for unhandled frames rejects them', async () => {
    await useProvider();
    const error: unknown = await fetch('https://elsewhere.test/').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as TypeError).cause)).toMatch(/"error" strategy/);
  });
});

describe('withBearer', () => {
  const issues = (): void => {
    server.use(http.get(`${API}/issues`, withBearer(provider, ({ user, token }) => HttpResponse.json({ owner: user.id, scopes: token.scopes, name: user.claims.name }), { requiredScopes: ['read:issues'] })));
  };

  it('passes a valid token to the resolver with its token facts and user', async () => {
    await useProvider();
    issues();
    const tokens = await provider.getTokens({ scope: 'openid read:issues' });
    const response = await fetch(`${API}/issues`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ owner: 'mock-user', scopes: ['openid', 'read:issues'], name: 'Mock User' });
  });

  it('answers a missing token with the bare Bearer challenge of /api/me', async () => {
    await useProvider();
    issues();
    const response = await fetch(`${API}/issues`);
    const resource = await fetch(provider.resourceUrl);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(resource.headers.get('www-authenticate'));
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

  it('answers a token of another provider as unknown', async () => {
    await useProvider();
    issues();
    const other = await createMockProvider();
    const tokens = await other.getTokens();
    await other.close();
    const response = await fetch(`${API}/issues`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('The access token is unknown.');
  });

  it('answers a token without a required scope with 403 insufficient_scope', async () => {
    await useProvider();
    issues();
    const tokens = await provider.getTokens({ scope: 'openid write:issues' });
    const response = await fetch(`${API}/issues`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="mock-provider", error="insufficient_scope", error_description="The access token lacks scope read:issues.", scope="read:issues"');
  });
});
