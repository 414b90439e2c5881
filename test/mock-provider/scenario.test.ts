import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createMockProvider, createUserAgent, startMockProvider } from '../../src/mock-provider/index.js';
import { basic, providerFor, refresh, tokenRequest, TRANSPORTS } from './helpers.js';

const open: MockProvider[] = [];
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const provider of open.splice(0)) await provider.close();
});

function authorizeUrl(provider: MockProvider, params: Record<string, string> = {}): string {
  const url = new URL(provider.authorizationUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'mock-client',
    redirect_uri: 'http://127.0.0.1:9002/callback',
    scope: 'openid',
    state: 'st',
    ...params,
  }).toString();
  return url.href;
}

describe("login: 'form'", () => {
  it('serves a login page, then a consent page, and delivers a code when the user allows', async () => {
    const provider = await startMockProvider({ login: 'form', users: [{ id: 'alice', claims: { name: 'Alice' } }, { id: 'bob' }] });
    open.push(provider);
    const start = await fetch(authorizeUrl(provider), { redirect: 'manual' });
    const cookie = start.headers
      .getSetCookie()
      .map((header) => header.split(';')[0])
      .join('; ');
    const page = await fetch(new URL(start.headers.get('location') ?? '', provider.issuer), { headers: { cookie } });
    const html = await page.text();
    expect(html).toContain('id="login-form"');
    expect(html).toContain('Alice (alice)');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const agent = createUserAgent();
    const result = await agent.navigate(authorizeUrl(provider), { stopAt: (url) => url.pathname === '/callback', login: 'bob', consent: 'approve' });
    expect(result.stoppedAt?.searchParams.get('state')).toBe('st');
    expect(result.stoppedAt?.searchParams.get('code')).toBeTruthy();
    const paths = provider.requests.map((request) => `${request.method} ${request.path.replace(/\/interaction\/[^/]+/, '/interaction/:uid')}`);
    expect(paths).toContain('POST /interaction/:uid/login');
    expect(paths).toContain('POST /interaction/:uid/confirm');
  });

  it('sends error=access_denied to the redirect URI when the user denies', async () => {
    const provider = await startMockProvider({ login: 'form' });
    open.push(provider);
    const result = await createUserAgent().navigate(authorizeUrl(provider), { stopAt: (url) => url.pathname === '/callback', consent: 'deny' });
    expect(result.stoppedAt?.searchParams.get('error')).toBe('access_denied');
    expect(result.stoppedAt?.searchParams.get('code')).toBeNull();
    expect(result.stoppedAt?.searchParams.get('state')).toBe('st');
  });

  it('gets tokens headlessly through the pages with getTokens()', async () => {
    const provider = await createMockProvider({ login: 'form', users: [{ id: 'alice' }, { id: 'bob' }] });
    open.push(provider);
    const tokens = await provider.getTokens({ user: 'bob' });
    expect((await provider.lookupAccessToken(tokens.access_token))?.accountId).toBe('bob');
  });
});

describe("login: 'auto'", () => {
  it('logs in as the login_hint user', async () => {
    const provider = await createMockProvider({ users: [{ id: 'alice' }, { id: 'bob' }] });
    open.push(provider);
    const tokens = await provider.getTokens({ user: 'bob' });
    expect((await provider.lookupAccessToken(tokens.access_token))?.accountId).toBe('bob');
    await expect(provider.getTokens({ user: 'nobody' })).rejects.toMatchObject({ code: 'MOCK_PROVIDER', details: { error: 'access_denied' } });
  });

  const cookieNames = (response: Response): string[] => response.headers.getSetCookie().map((cookie) => cookie.slice(0, cookie.indexOf('=')));
  const cookiePairs = (response: Response): string =>
    response.headers
      .getSetCookie()
      .map((cookie) => cookie.split(';')[0])
      .join('; ');
  const callback = (response: Response): URLSearchParams => {
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:9002/callback');
    return location.searchParams;
  };

  it('signs in within the authorization request (no interaction stored) and the session user stays signed in', async () => {
    const provider = await createMockProvider({ users: [{ id: 'alice' }, { id: 'bob' }] });
    open.push(provider);
    const first = await provider.handle(new Request(authorizeUrl(provider, { scope: 'openid profile' })));
    expect(callback(first).get('code')).toEqual(expect.any(String));
    expect(cookieNames(first).filter((name) => name.startsWith('_interaction'))).toEqual([]);
    // Same browser, another login_hint: the signed-in user wins, as with the interaction.
    const again = await provider.handle(
      new Request(authorizeUrl(provider, { scope: 'openid profile', login_hint: 'bob' }), { headers: { cookie: cookiePairs(first) } }),
    );
    const code = callback(again).get('code') ?? '';
    const exchanged = await provider.handle(
      new Request(provider.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('mock-client', 'mock-secret') },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9002/callback' }),
      }),
    );
    const tokens = (await exchanged.json()) as { access_token: string; scope: string };
    expect(tokens.scope).toBe('openid profile');
    expect((await provider.lookupAccessToken(tokens.access_token))?.accountId).toBe('alice');
  });

  it.each([
    ['prompt=login', { prompt: 'login' }],
    ['max_age', { max_age: '0' }],
  ])('leaves %s to the interaction, still completed automatically', async (_name, params) => {
    const provider = await createMockProvider();
    open.push(provider);
    const response = await provider.handle(new Request(authorizeUrl(provider, params)));
    expect(callback(response).get('code')).toEqual(expect.any(String));
    expect(cookieNames(response)).toContain('_interaction');
  });

  it('answers prompt=none without a signed-in user with login_required', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    const response = await provider.handle(new Request(authorizeUrl(provider, { prompt: 'none' })));
    expect(callback(response).get('error')).toBe('login_required');
  });
});

describe('handle()', () => {
  it('returns every Set-Cookie header and the redirect unfollowed', async () => {
    const provider = await createMockProvider({ login: 'form' });
    open.push(provider);
    const response = await provider.handle(new Request(authorizeUrl(provider)));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/interaction\//);
    expect(response.headers.getSetCookie().length).toBeGreaterThanOrEqual(2);
  });

  it('completes an automatic login inside the authorization request: one redirect to the client, with the session cookies', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    const response = await provider.handle(new Request(authorizeUrl(provider)));
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:9002/callback');
    expect(location.searchParams.get('code')).toEqual(expect.any(String));
    expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith('_session='))).toBe(true);
  });

  it('refuses a request for another origin', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    await expect(provider.handle(new Request('https://elsewhere.test/token'))).rejects.toMatchObject({ code: 'MOCK_PROVIDER' });
  });
});

describe.each(TRANSPORTS)('faults over %s', (transport) => {
  it.each([
    ['an OAuth error', { error: 'invalid_grant' }, 400, 'invalid_grant'],
    ['invalid_client', { error: 'invalid_client' }, 401, 'invalid_client'],
    ['a 5xx', 503, 503, undefined],
    ['429 with Retry-After', { status: 429 as const, retryAfter: 30 }, 429, 'rate_limited'],
  ] as const)('serves %s once on the token endpoint, then answers normally', async (_name, spec, status, error) => {
    const { provider, fetch } = await providerFor(transport);
    open.push(provider);
    const tokens = await provider.getTokens();
    provider.failNext('token', spec);
    const faulted = await fetch(provider.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('mock-client', 'mock-secret') },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }),
    });
    expect(faulted.status).toBe(status);
    const text = await faulted.text();
    if (error !== undefined) expect(JSON.parse(text).error).toBe(error);
    if (status === 429) expect(faulted.headers.get('retry-after')).toBe('30');
    expect((await refresh(fetch, provider, tokens.refresh_token!)).status).toBe(200);
    expect(provider.requests.filter((request) => request.endpoint === 'token').map((request) => request.status)).toEqual([200, status, 200]);
  });

  it.each(['html', 'truncated-json', 'empty'] as const)('serves a malformed %s body with status 200', async (malformed) => {
    const { provider, fetch } = await providerFor(transport);
    open.push(provider);
    provider.failNext('userinfo', { malformed });
    const response = await fetch(provider.userinfoUrl);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('delays a request, then lets the engine answer', async () => {
    const { provider, fetch } = await providerFor(transport);
    open.push(provider);
    provider.failNext('jwks', { delayMs: 30_000 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let answered = false;
    const pending = fetch(provider.jwksUrl).finally(() => {
      answered = true;
    });
    await provider.nextRequest('jwks');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const response = await pending;
    vi.useRealTimers();
    expect(response.status).toBe(200);
    expect(((await response.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });

  it("serves a fault on 'any' endpoint for the given number of times, on the resource too", async () => {
    const { provider, fetch } = await providerFor(transport);
    open.push(provider);
    const tokens = await provider.getTokens();
    provider.failNext('any', 500, { times: 2 });
    const headers = { authorization: `Bearer ${tokens.access_token}` };
    expect((await fetch(provider.resourceUrl, { headers })).status).toBe(500);
    expect((await fetch(provider.jwksUrl)).status).toBe(500);
    expect((await fetch(provider.resourceUrl, { headers })).status).toBe(200);
  });

  it('rejects an invalid fault spec with MOCK_PROVIDER', async () => {
    const { provider } = await providerFor(transport);
    open.push(provider);
    expect(() => provider.failNext('token', { status: 42 })).toThrow(expect.objectContaining({ code: 'MOCK_PROVIDER' }));
  });
});

describe.each(TRANSPORTS)('quirks over %s', (transport) => {
  it('accepts a JSON token request with jsonTokenRequests', async () => {
    const { provider, fetch } = await providerFor(transport, { quirks: { jsonTokenRequests: true } });
    open.push(provider);
    const { code, redirectUri, codeVerifier } = await provider.authorize();
    const response = await fetch(provider.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: codeVerifier,
        client_id: 'mock-client',
        client_secret: 'mock-secret',
      }),
    });
    expect(response.status).toBe(200);
    expect(typeof ((await response.json()) as Record<string, unknown>).access_token).toBe('string');
  });

  it('without the quirk, a JSON token request is refused', async () => {
    const { provider, fetch } = await providerFor(transport);
    open.push(provider);
    const response = await fetch(provider.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'mock-client', client_secret: 'mock-secret' }),
    });
    expect(response.status).toBe(400);
  });

  it('answers form-encoded tokens with formTokenResponses unless JSON is asked for', async () => {
    const { provider, fetch } = await providerFor(transport, { quirks: { formTokenResponses: true } });
    open.push(provider);
    const tokens = await provider.getTokens();
    const response = await fetch(provider.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('mock-client', 'mock-secret') },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }),
    });
    expect(response.headers.get('content-type')).toContain('application/x-www-form-urlencoded');
    expect(new URLSearchParams(await response.text()).get('token_type')).toBe('Bearer');
  });

  it('answers token errors with status 200 with errorsAs200', async () => {
    const { provider, fetch } = await providerFor(transport, { quirks: { errorsAs200: true } });
    open.push(provider);
    const result = await refresh(fetch, provider, 'not-a-token');
    expect(result.status).toBe(200);
    expect(result.json.error).toBe('invalid_grant');
  });

  it('omits refresh_token on refresh with omitRefreshTokenOnRefresh, and the old one keeps working', async () => {
    // Rotation left at its default: the quirk turns it off, as the provider it imitates does.
    const { provider, fetch } = await providerFor(transport, { quirks: { omitRefreshTokenOnRefresh: true } });
    open.push(provider);
    const tokens = await provider.getTokens();
    expect(tokens.refresh_token).toBeDefined();
    const first = await refresh(fetch, provider, tokens.refresh_token!);
    expect(first.status).toBe(200);
    expect(first.json).not.toHaveProperty('refresh_token');
    expect((await refresh(fetch, provider, tokens.refresh_token!)).status).toBe(200);
  });
});

it('refuses omitRefreshTokenOnRefresh together with rotateRefreshTokens: true', async () => {
  await expect(createMockProvider({ rotateRefreshTokens: true, quirks: { omitRefreshTokenOnRefresh: true } })).rejects.toMatchObject({
    code: 'MOCK_PROVIDER_OPTIONS',
    option: 'quirks.omitRefreshTokenOnRefresh',
  });
});

describe('recorded requests', () => {
  it('records every request with its final status and no secret', async () => {
    const provider = await startMockProvider();
    open.push(provider);
    const tokens = await provider.getTokens();
    await tokenRequest(
      fetch,
      provider,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'mock-client', client_secret: 'mock-secret' },
      null,
    );
    await fetch(provider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    const serialized = JSON.stringify(provider.requests);
    for (const secret of ['mock-secret', tokens.access_token, tokens.refresh_token!, Buffer.from('mock-client:mock-secret').toString('base64')]) {
      expect(serialized).not.toContain(secret);
    }
    expect(provider.requests.every((request) => typeof request.status === 'number')).toBe(true);
    expect(provider.requests.map((request) => request.endpoint)).toEqual(['authorization', 'token', 'token', 'resource']);
    provider.clearRequests();
    expect(provider.requests).toEqual([]);
  });
});
