/**
 * What standard third-party clients (openid-client, oauth4webapi, simple-oauth2) expect from a provider and an
 * acceptance run found missing: userinfo and introspection with JWT access tokens, an error page for an
 * unregistered redirect URI, and ad-hoc users typed on the login form.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createMockProvider, createUserAgent, startMockProvider } from '../../src/mock-provider/index.js';
import type { MockProviderOptions } from '../../src/mock-provider/types.js';
import { basic, callResource, providerFor, refresh, TRANSPORTS, type Transport } from './helpers.js';

const open: MockProvider[] = [];
const dirs: string[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const provider of open.splice(0)) await provider.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function setup(transport: Transport, options: MockProviderOptions = {}): Promise<{ provider: MockProvider; fetch: typeof fetch }> {
  const result = await providerFor(transport, options);
  open.push(result.provider);
  return result;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  challenge: string | null;
}

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, challenge: response.headers.get('www-authenticate') };
}

/** GET userinfo with a Bearer header, as openid-client's fetchUserInfo and oauth4webapi's userInfoRequest do. */
async function userinfo(fetchFn: typeof fetch, provider: MockProvider, token: string): Promise<Answer> {
  return answer(await fetchFn(provider.userinfoUrl, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }));
}

async function introspect(fetchFn: typeof fetch, provider: MockProvider, token: string, secret = 'mock-secret'): Promise<Answer> {
  return answer(
    await fetchFn(provider.introspectionUrl, {
      method: 'POST',
      headers: { authorization: basic('mock-client', secret), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    }),
  );
}

function authorizeUrl(provider: MockProvider, params: Record<string, string>): string {
  const url = new URL(provider.authorizationUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'mock-client',
    redirect_uri: 'http://127.0.0.1:9002/callback',
    state: 'st-42',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...params,
  }).toString();
  return url.href;
}

const USER = {
  id: 'mock-user',
  claims: { name: 'Mock User', email: 'mock-user@example.com', email_verified: true, preferred_username: 'mock-user', locale: 'fr' },
};

describe.each(TRANSPORTS)('userinfo with JWT access tokens (%s)', (transport) => {
  it('answers userinfo with sub and the claims the granted scopes release, as for an opaque token', async () => {
    const jwt = await setup(transport, { accessTokenFormat: 'jwt', users: [USER] });
    const opaque = await setup(transport, { users: [USER] });
    const jwtTokens = await jwt.provider.getTokens({ scope: 'openid email' });
    const opaqueTokens = await opaque.provider.getTokens({ scope: 'openid email' });
    expect(jwtTokens.access_token.split('.')).toHaveLength(3);
    const fromJwt = await userinfo(jwt.fetch, jwt.provider, jwtTokens.access_token);
    const fromOpaque = await userinfo(opaque.fetch, opaque.provider, opaqueTokens.access_token);
    expect(fromJwt).toEqual({ status: 200, body: { sub: 'mock-user', email: 'mock-user@example.com', email_verified: true }, challenge: null });
    expect(fromJwt).toEqual(fromOpaque);
  });

  it('releases profile claims for the profile scope and only sub for openid alone', async () => {
    const { provider, fetch } = await setup(transport, { accessTokenFormat: 'jwt', users: [USER] });
    const profile = await provider.getTokens({ scope: 'openid profile' });
    const bare = await provider.getTokens({ scope: 'openid' });
    expect((await userinfo(fetch, provider, profile.access_token)).body).toEqual({
      sub: 'mock-user',
      name: 'Mock User',
      preferred_username: 'mock-user',
      locale: 'fr',
    });
    expect((await userinfo(fetch, provider, bare.access_token)).body).toEqual({ sub: 'mock-user' });
  });

  it.each(['jwt', 'opaque'] as const)('answers 401 invalid_token with the engine challenge once a %s access token expired', async (format) => {
    const { provider, fetch } = await setup(transport, { accessTokenFormat: format });
    const tokens = await provider.getTokens({ scope: 'openid' });
    await provider.expireAccessTokens();
    expect(await userinfo(fetch, provider, tokens.access_token)).toEqual({
      status: 401,
      body: { error: 'invalid_token', error_description: 'invalid token provided' },
      challenge: `Bearer realm="${provider.issuer}", error="invalid_token", error_description="invalid token provided"`,
    });
  });
});

describe('userinfo with JWT access tokens', () => {
  it('expires a JWT access token at userinfo by its TTL when time travels', async () => {
    const provider = await createMockProvider({ accessTokenFormat: 'jwt', accessTokenTtl: 60 });
    open.push(provider);
    const tokens = await provider.getTokens({ scope: 'openid' });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 59_000);
    expect((await userinfo(provider.fetch, provider, tokens.access_token)).status).toBe(200);
    vi.setSystemTime(Date.now() + 2_000);
    expect((await userinfo(provider.fetch, provider, tokens.access_token)).challenge).toContain('error="invalid_token"');
  });

  it.each(['jwt', 'opaque'] as const)('answers 403 insufficient_scope at userinfo to a %s access token granted without openid', async (format) => {
    const provider = await createMockProvider({ accessTokenFormat: format });
    open.push(provider);
    const tokens = await provider.getTokens({ scope: 'email' });
    const result = await userinfo(provider.fetch, provider, tokens.access_token);
    expect(result.status).toBe(403);
    expect(result.body.error).toBe('insufficient_scope');
    expect(result.challenge).toContain('scope="openid"');
  });

  it('accepts the JWT access token in a form body (RFC 6750 §2.2) and in the query', async () => {
    const provider = await createMockProvider({ accessTokenFormat: 'jwt' });
    open.push(provider);
    const tokens = await provider.getTokens({ scope: 'openid' });
    const posted = await provider.fetch(provider.userinfoUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: tokens.access_token }).toString(),
    });
    expect(await answer(posted)).toMatchObject({ status: 200, body: { sub: 'mock-user' } });
    const queried = await provider.fetch(`${provider.userinfoUrl}?access_token=${tokens.access_token}`);
    expect(await answer(queried)).toMatchObject({ status: 200, body: { sub: 'mock-user' } });
  });

  it('refuses at userinfo a JWT access token issued by another provider with the same issuer', async () => {
    const a = await createMockProvider({ accessTokenFormat: 'jwt' });
    const b = await createMockProvider({ accessTokenFormat: 'jwt' });
    open.push(a, b);
    const tokens = await a.getTokens({ scope: 'openid' });
    const result = await userinfo(b.fetch, b, tokens.access_token);
    expect(result.status).toBe(401);
    expect(result.body.error).toBe('invalid_token');
  });

  it('answers 403 when the scope parameter names a scope the JWT access token was not granted', async () => {
    const provider = await createMockProvider({ accessTokenFormat: 'jwt' });
    open.push(provider);
    const tokens = await provider.getTokens({ scope: 'openid' });
    const result = await answer(
      await provider.fetch(`${provider.userinfoUrl}?scope=openid%20email`, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
    );
    expect(result.status).toBe(403);
    expect(result.challenge).toContain('scope="email"');
  });
});

describe.each(TRANSPORTS)('introspection of JWT access tokens (%s)', (transport) => {
  it('answers active with scope, client_id, sub and exp, then inactive once expired', async () => {
    const { provider, fetch } = await setup(transport, { accessTokenFormat: 'jwt' });
    const tokens = await provider.getTokens({ scope: 'openid email' });
    const active = await introspect(fetch, provider, tokens.access_token);
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({
      active: true,
      scope: 'openid email',
      client_id: 'mock-client',
      sub: 'mock-user',
      iss: provider.issuer,
      aud: provider.resourceUrl,
      token_type: 'Bearer',
    });
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(active.body.exp).toBe(claims.exp);
    expect(active.body.iat).toBe(claims.iat);
    await provider.expireAccessTokens();
    expect(await introspect(fetch, provider, tokens.access_token)).toMatchObject({ status: 200, body: { active: false } });
  });

  it('refuses a client with a wrong secret with the engine invalid_client answer', async () => {
    const { provider, fetch } = await setup(transport, { accessTokenFormat: 'jwt' });
    const tokens = await provider.getTokens({ scope: 'openid' });
    const result = await introspect(fetch, provider, tokens.access_token, 'wrong');
    expect(result.status).toBe(401);
    expect(result.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });
});

describe('introspection of JWT access tokens', () => {
  it('answers inactive for a JWT signed by another provider with the same issuer', async () => {
    const a = await createMockProvider({ accessTokenFormat: 'jwt' });
    const b = await createMockProvider({ accessTokenFormat: 'jwt' });
    open.push(a, b);
    const tokens = await a.getTokens({ scope: 'openid' });
    expect((await introspect(b.fetch, b, tokens.access_token)).body).toEqual({ active: false });
  });

  it('keeps introspecting opaque access tokens through the engine', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    const tokens = await provider.getTokens({ scope: 'openid' });
    const result = await introspect(provider.fetch, provider, tokens.access_token);
    expect(result.body).toMatchObject({ active: true, scope: 'openid', sub: 'mock-user' });
    expect(result.body.aud).toBeUndefined();
  });
});

describe('authorization errors', () => {
  it('shows the engine error page, not a redirect, when the redirect URI is not registered', async () => {
    const provider = await createMockProvider();
    open.push(provider);
    const response = await provider.fetch(authorizeUrl(provider, { scope: 'openid admin:all', redirect_uri: 'https://evil.example/callback' }), {
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('redirect_uri');
  });
});

describe('ad-hoc users on the login form', () => {
  it('logs in a typed id that is not listed as a new user, served at userinfo, /api/me and on refresh', async () => {
    const provider = await startMockProvider({ login: 'form', accessTokenFormat: 'jwt', users: [{ id: 'bob', claims: { name: 'Bob' } }] });
    open.push(provider);
    const result = await createUserAgent().navigate(authorizeUrl(provider, { scope: 'openid profile' }), {
      stopAt: (url) => url.pathname === '/callback',
      login: 'alice',
      consent: 'approve',
    });
    expect(result.stoppedAt?.searchParams.get('code')).toBeTruthy();
    expect(provider.users.map((user) => user.id)).toEqual(['bob', 'alice']);

    const tokens = await provider.getTokens({ user: 'alice', scope: 'openid profile' });
    expect(await userinfo(fetch, provider, tokens.access_token)).toMatchObject({ status: 200, body: { sub: 'alice' } });
    expect(await callResource(fetch, provider, tokens.access_token)).toMatchObject({ status: 200, body: { sub: 'alice' } });
    const refreshed = await refresh(fetch, provider, tokens.refresh_token ?? '');
    expect(refreshed.status).toBe(200);
    expect((await provider.lookupAccessToken(String(refreshed.json.access_token)))?.accountId).toBe('alice');
  });

  it('keeps the select for listed users and refuses an unlisted value sent through it', async () => {
    const provider = await startMockProvider({ login: 'form', users: [{ id: 'bob' }] });
    open.push(provider);
    const start = await fetch(authorizeUrl(provider, { scope: 'openid' }), { redirect: 'manual' });
    const cookie = start.headers
      .getSetCookie()
      .map((header) => header.split(';')[0])
      .join('; ');
    const interaction = new URL(start.headers.get('location') ?? '', provider.issuer);
    const page = await (await fetch(interaction, { headers: { cookie } })).text();
    expect(page).toContain('<option value="bob">');
    const posted = await fetch(`${interaction.href}/login`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'mallory', login_other: '' }).toString(),
      redirect: 'manual',
    });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('Unknown user &quot;mallory&quot;');
    expect(provider.users.map((user) => user.id)).toEqual(['bob']);
  });

  it('refuses a typed id with control characters', async () => {
    const provider = await startMockProvider({ login: 'form', users: [{ id: 'bob' }] });
    open.push(provider);
    const start = await fetch(authorizeUrl(provider, { scope: 'openid' }), { redirect: 'manual' });
    const cookie = start.headers
      .getSetCookie()
      .map((header) => header.split(';')[0])
      .join('; ');
    const interaction = new URL(start.headers.get('location') ?? '', provider.issuer);
    const posted = await fetch(`${interaction.href}/login`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'bob', login_other: 'eve\u0000x' }).toString(),
      redirect: 'manual',
    });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('cannot be a user id');
    expect(provider.users.map((user) => user.id)).toEqual(['bob']);
  });

  it('keeps an ad-hoc user in the state file, so its refresh token works after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mock-state-'));
    dirs.push(dir);
    const statePath = join(dir, 'state.json');
    const first = await createMockProvider({ login: 'form', statePath, users: [{ id: 'bob' }] });
    const tokens = await first.getTokens({ user: 'carol' });
    await first.close();
    const second = await createMockProvider({ login: 'form', statePath, users: [{ id: 'bob' }] });
    open.push(second);
    expect(second.users.map((user) => user.id)).toEqual(['bob', 'carol']);
    const refreshed = await refresh(second.fetch, second, tokens.refresh_token ?? '');
    expect(refreshed.status).toBe(200);
  });
});
