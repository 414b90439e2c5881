/**
 * One OAuth contract, five transports (and the scenario controls in-process or over the control API). Every scenario talks to the provider with plain global `fetch` (and a
 * cookie-keeping user agent on global `fetch` for the authorization step), so HTTP, msw and nock are each really
 * exercised, and must all give the same answers.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUserAgent, type MockProvider, type MockProviderOptions, publicKeyOf, signAssertion } from '../../src/mock-provider/index.js';
import { type Controls, transports } from './transports.js';

const CLIENT = { id: 'mock-client', secret: 'mock-secret', redirectUri: 'http://127.0.0.1/callback' };

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json(): Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** POST to the token endpoint with client_secret_basic and a form body, or as JSON with the secret in the body. */
async function tokenRequest(
  provider: MockProvider,
  params: Record<string, string>,
  options: { secret?: string; json?: boolean; accept?: string } = {},
): Promise<Answer> {
  const secret = options.secret ?? CLIENT.secret;
  const headers: Record<string, string> = {};
  if (options.accept !== undefined) headers.accept = options.accept;
  let body: string;
  if (options.json === true) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify({ ...params, client_id: CLIENT.id, client_secret: secret });
  } else {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers.authorization = basic(CLIENT.id, secret);
    body = new URLSearchParams(params).toString();
  }
  return answer(await fetch(provider.tokenUrl, { method: 'POST', headers, body }));
}

/** The authorization step over global fetch: returns the code delivered to the redirect URI, and its verifier. */
async function authorize(
  provider: MockProvider,
  options: { redirectUri?: string; scope?: string } = {},
): Promise<{ code: string; verifier: string; redirectUri: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = options.redirectUri ?? CLIENT.redirectUri;
  const url = new URL(provider.authorizationUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT.id,
    redirect_uri: redirectUri,
    scope: options.scope ?? 'openid offline_access',
    state: 'contract-state',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const target = new URL(redirectUri);
  const result = await createUserAgent().navigate(url.href, { stopAt: (next) => next.origin === target.origin && next.pathname === target.pathname });
  const code = result.stoppedAt?.searchParams.get('code');
  expect(result.stoppedAt?.searchParams.get('state')).toBe('contract-state');
  if (code === undefined || code === null) throw new Error(`no code (status ${result.status})`);
  return { code, verifier, redirectUri };
}

async function exchange(
  provider: MockProvider,
  grant: { code: string; verifier: string; redirectUri: string },
  options: Parameters<typeof tokenRequest>[2] = {},
): Promise<Answer> {
  return tokenRequest(
    provider,
    { grant_type: 'authorization_code', code: grant.code, code_verifier: grant.verifier, redirect_uri: grant.redirectUri },
    options,
  );
}

async function tokens(provider: MockProvider): Promise<{ access: string; refresh: string }> {
  const response = await exchange(provider, await authorize(provider));
  expect(response.status).toBe(200);
  const body = response.json();
  return { access: String(body.access_token), refresh: String(body.refresh_token) };
}

async function refresh(provider: MockProvider, refreshToken: string, options: Parameters<typeof tokenRequest>[2] = {}): Promise<Answer> {
  return tokenRequest(provider, { grant_type: 'refresh_token', refresh_token: refreshToken }, options);
}

async function resource(provider: MockProvider, accessToken: string): Promise<Answer> {
  return answer(await fetch(provider.resourceUrl, { headers: { authorization: `Bearer ${accessToken}` } }));
}

function expectOAuthError(response: Answer, status: number, error: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.json().error).toBe(error);
}

const INVALID_TOKEN = /^Bearer realm="mock-provider", error="invalid_token"/;

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SIGNER = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** The default client, allowed the JWT bearer grant too, with the public half of SIGNER. */
const JWT_OPTIONS: MockProviderOptions = {
  clients: [
    {
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      grantTypes: ['authorization_code', 'client_credentials', 'password', JWT_BEARER],
      publicKey: publicKeyOf(SIGNER),
    },
  ],
  users: [{ id: 'mock-user', password: 'right' }],
};

function assertionFor(provider: MockProvider, claims: Record<string, unknown> = {}): Promise<string> {
  return signAssertion({ privateKey: SIGNER, issuer: CLIENT.id, subject: 'mock-user', audience: provider.tokenUrl, claims });
}

async function introspect(provider: MockProvider, token: string): Promise<Answer> {
  return answer(
    await fetch(provider.introspectionUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(CLIENT.id, CLIENT.secret) },
      body: new URLSearchParams({ token }).toString(),
    }),
  );
}

interface Scenario {
  name: string;
  options?: MockProviderOptions;
  run(provider: MockProvider, ctl: Controls): Promise<void>;
}

const scenarios: Scenario[] = [
  {
    name: 'exchanges a code for tokens that the resource accepts, each request handled exactly once',
    async run(provider, ctl) {
      const grant = await authorize(provider);
      await ctl.clearRequests();
      const response = await exchange(provider, grant);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = response.json();
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, access_token: expect.any(String), refresh_token: expect.any(String) });
      const me = await resource(provider, String(body.access_token));
      expect(me.status).toBe(200);
      expect(me.json()).toMatchObject({ sub: 'mock-user', email: 'mock-user@example.com' });
      expect((await ctl.requests()).map((request) => `${request.method} ${request.endpoint} ${request.status}`)).toEqual([
        'POST token 200',
        'GET resource 200',
      ]);
    },
  },
  {
    name: 'refuses a code with a PKCE verifier that does not match the challenge',
    async run(provider) {
      const grant = await authorize(provider);
      expectOAuthError(await exchange(provider, { ...grant, verifier: randomBytes(32).toString('base64url') }), 400, 'invalid_grant');
    },
  },
  {
    name: 'refuses a replayed code and revokes the tokens the first exchange issued',
    async run(provider) {
      const grant = await authorize(provider);
      const first = await exchange(provider, grant);
      expect(first.status).toBe(200);
      expectOAuthError(await exchange(provider, grant), 400, 'invalid_grant');
      expect((await resource(provider, String(first.json().access_token))).status).toBe(401);
    },
  },
  {
    name: 'answers a wrong client secret with 401 invalid_client',
    async run(provider) {
      const grant = await authorize(provider);
      expectOAuthError(await exchange(provider, grant, { secret: 'not-the-secret' }), 401, 'invalid_client');
    },
  },
  {
    name: 'never redirects to an unregistered redirect URI',
    async run(provider) {
      const url = new URL(provider.authorizationUrl);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: CLIENT.id,
        redirect_uri: 'https://attacker.example/callback',
        scope: 'openid',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
      }).toString();
      const claimed: URL[] = [];
      const result = await createUserAgent().navigate(url.href, { stopAt: (next) => (next.origin === provider.issuer ? false : (claimed.push(next), true)) });
      expect(claimed).toEqual([]);
      expect(result.status).toBe(400);
      expect(result.body).toContain('redirect_uri');
    },
  },
  {
    name: 'refuses a token request whose redirect_uri differs from the authorization request',
    async run(provider) {
      const grant = await authorize(provider);
      expectOAuthError(await exchange(provider, { ...grant, redirectUri: 'http://localhost/callback' }), 400, 'invalid_grant');
    },
  },
  {
    name: 'refreshes into a new working access token and a rotated refresh token',
    async run(provider) {
      const issued = await tokens(provider);
      const response = await refresh(provider, issued.refresh);
      expect(response.status).toBe(200);
      const body = response.json();
      expect(body.refresh_token).toEqual(expect.any(String));
      expect(body.refresh_token).not.toBe(issued.refresh);
      expect((await resource(provider, String(body.access_token))).status).toBe(200);
    },
  },
  {
    name: 'detects reuse of a rotated refresh token and revokes the whole grant',
    async run(provider) {
      const issued = await tokens(provider);
      const rotated = String((await refresh(provider, issued.refresh)).json().refresh_token);
      expectOAuthError(await refresh(provider, issued.refresh), 400, 'invalid_grant');
      expectOAuthError(await refresh(provider, rotated), 400, 'invalid_grant');
    },
  },
  {
    name: 'answers an expired access token at the resource with 401 invalid_token',
    async run(provider, ctl) {
      const issued = await tokens(provider);
      await ctl.expireAccessTokens();
      const me = await resource(provider, issued.access);
      expect(me.status).toBe(401);
      expect(me.headers.get('www-authenticate')).toMatch(INVALID_TOKEN);
      expect(me.headers.get('www-authenticate')).toContain('The access token expired.');
    },
  },
  {
    name: 'refuses a revoked refresh token with invalid_grant',
    async run(provider, ctl) {
      const issued = await tokens(provider);
      await ctl.revokeRefreshTokens();
      expectOAuthError(await refresh(provider, issued.refresh), 400, 'invalid_grant');
    },
  },
  {
    name: 'serves a queued OAuth error fault once, then answers normally',
    async run(provider, ctl) {
      const issued = await tokens(provider);
      await ctl.failNext('token', { error: 'invalid_grant', errorDescription: 'Grant revoked upstream' });
      const faulted = await refresh(provider, issued.refresh);
      expectOAuthError(faulted, 400, 'invalid_grant');
      expect(faulted.json().error_description).toBe('Grant revoked upstream');
      expect((await refresh(provider, issued.refresh)).status).toBe(200);
    },
  },
  ...[500, 503].map(
    (status): Scenario => ({
      name: `serves a ${status} fault with a plain text body`,
      async run(provider, ctl) {
        const issued = await tokens(provider);
        await ctl.failNext('token', status);
        const faulted = await refresh(provider, issued.refresh);
        expect(faulted.status).toBe(status);
        expect(faulted.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(faulted.text).toMatch(new RegExp(`^${status} `));
      },
    }),
  ),
  {
    name: 'serves a 429 fault with Retry-After',
    async run(provider, ctl) {
      const issued = await tokens(provider);
      await ctl.failNext('resource', { status: 429, retryAfter: 30 });
      const limited = await resource(provider, issued.access);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('30');
      expect(limited.json().error).toBe('rate_limited');
      expect((await resource(provider, issued.access)).status).toBe(200);
    },
  },
  {
    name: 'holds a delayed answer until fake timers pass the delay',
    async run(provider, ctl) {
      const issued = await tokens(provider);
      await ctl.failNext('token', { delayMs: 5000 });
      await ctl.clearRequests();
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        let settled = false;
        const pending = refresh(provider, issued.refresh).finally(() => {
          settled = true;
        });
        const ticks = async (count: number): Promise<void> => {
          for (let i = 0; i < count; i += 1) await new Promise((resolve) => setImmediate(resolve));
        };
        for (let i = 0; i < 200 && (await ctl.requests()).length === 0; i += 1) await ticks(1);
        expect(await ctl.requests()).toHaveLength(1);
        await vi.advanceTimersByTimeAsync(4999);
        await ticks(20);
        expect(settled).toBe(false);
        expect((await ctl.requests())[0]?.status).toBeUndefined();
        await vi.advanceTimersByTimeAsync(1);
        const response = await pending;
        expect(response.status).toBe(200);
        expect(response.json().access_token).toEqual(expect.any(String));
      } finally {
        vi.useRealTimers();
      }
    },
  },
  {
    name: 'serves a malformed HTML 200 that no JSON parser accepts',
    async run(provider, ctl) {
      const grant = await authorize(provider);
      await ctl.failNext('token', { malformed: 'html' });
      const response = await exchange(provider, grant);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(() => response.json()).toThrow(SyntaxError);
    },
  },
  {
    name: 'serves truncated JSON with a JSON content type',
    async run(provider, ctl) {
      const grant = await authorize(provider);
      await ctl.failNext('token', { malformed: 'truncated-json' });
      const response = await exchange(provider, grant);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(() => response.json()).toThrow(SyntaxError);
      expect((await exchange(provider, grant)).status).toBe(200);
    },
  },
  {
    name: 'accepts a JSON token request with the jsonTokenRequests quirk',
    options: { quirks: { jsonTokenRequests: true } },
    async run(provider) {
      const response = await exchange(provider, await authorize(provider), { json: true });
      expect(response.status).toBe(200);
      expect(response.json().access_token).toEqual(expect.any(String));
    },
  },
  {
    name: 'answers form-encoded unless Accept: application/json with the formTokenResponses quirk',
    options: { quirks: { formTokenResponses: true } },
    async run(provider) {
      const form = await exchange(provider, await authorize(provider));
      expect(form.status).toBe(200);
      expect(form.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
      const fields = new URLSearchParams(form.text);
      expect(fields.get('token_type')).toBe('Bearer');
      expect((await resource(provider, fields.get('access_token') ?? '')).status).toBe(200);
      const json = await refresh(provider, fields.get('refresh_token') ?? '', { accept: 'application/json' });
      expect(json.headers.get('content-type')).toMatch(/^application\/json/);
      expect(json.json().access_token).toEqual(expect.any(String));
    },
  },
  {
    name: 'answers token errors with status 200 with the errorsAs200 quirk',
    options: { quirks: { errorsAs200: true } },
    async run(provider) {
      const grant = await authorize(provider);
      const response = await exchange(provider, { ...grant, verifier: randomBytes(32).toString('base64url') });
      expect(response.status).toBe(200);
      expect(response.json().error).toBe('invalid_grant');
    },
  },
  {
    name: 'returns no refresh_token on refresh with the omitRefreshTokenOnRefresh quirk, and the old one keeps working',
    options: { rotateRefreshTokens: false, quirks: { omitRefreshTokenOnRefresh: true } },
    async run(provider) {
      const issued = await tokens(provider);
      const first = await refresh(provider, issued.refresh);
      expect(first.status).toBe(200);
      expect(first.json()).not.toHaveProperty('refresh_token');
      expect((await refresh(provider, issued.refresh)).status).toBe(200);
    },
  },
  {
    name: 'client_credentials: a token with the client as subject at the resource and introspection, expired by expireAccessTokens()',
    async run(provider) {
      const issued = await tokenRequest(provider, { grant_type: 'client_credentials', scope: 'profile' });
      expect(issued.status).toBe(200);
      expect(issued.json()).toMatchObject({ token_type: 'Bearer', scope: 'profile' });
      expect(issued.json()).not.toHaveProperty('refresh_token');
      const token = String(issued.json().access_token);
      const me = await resource(provider, token);
      expect(me.status).toBe(200);
      expect(me.json().sub).toBe(CLIENT.id);
      expect((await introspect(provider, token)).json()).toMatchObject({ active: true, sub: CLIENT.id, client_id: CLIENT.id });
      await provider.expireAccessTokens();
      const expired = await resource(provider, token);
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toMatch(INVALID_TOKEN);
    },
  },
  {
    name: 'client_credentials: a queued fault, then the TTL set on the provider',
    options: { accessTokenTtl: 120 },
    async run(provider) {
      provider.failNext('token', { error: 'invalid_client' });
      expectOAuthError(await tokenRequest(provider, { grant_type: 'client_credentials' }), 401, 'invalid_client');
      expect((await tokenRequest(provider, { grant_type: 'client_credentials' })).json().expires_in).toBe(120);
    },
  },
  {
    name: 'password: a wrong password is invalid_grant, the right one issues tokens that refresh, recorded redacted',
    options: JWT_OPTIONS,
    async run(provider) {
      const wrong = await tokenRequest(provider, { grant_type: 'password', username: 'mock-user', password: 'wrong' });
      expectOAuthError(wrong, 400, 'invalid_grant');
      expectOAuthError(await tokenRequest(provider, { grant_type: 'password', username: 'nobody', password: 'right' }), 400, 'invalid_grant');
      const issued = await tokenRequest(provider, { grant_type: 'password', username: 'mock-user', password: 'right', scope: 'profile' });
      expect(issued.status).toBe(200);
      expect((await resource(provider, String(issued.json().access_token))).json().sub).toBe('mock-user');
      const refreshed = await refresh(provider, String(issued.json().refresh_token));
      expect(refreshed.status).toBe(200);
      expect((await resource(provider, String(refreshed.json().access_token))).status).toBe(200);
      const bodies = provider.requests.filter((request) => request.endpoint === 'token').map((request) => request.body);
      expect(bodies[0]).toMatchObject({ grant_type: 'password', username: 'mock-user', password: '[redacted]' });
      expect(JSON.stringify(provider.requests)).not.toContain('right');
    },
  },
  {
    name: 'password: a JSON request with the jsonTokenRequests quirk, and errors as 200 with errorsAs200',
    options: { ...JWT_OPTIONS, quirks: { jsonTokenRequests: true, errorsAs200: true } },
    async run(provider) {
      const issued = await tokenRequest(provider, { grant_type: 'password', username: 'mock-user', password: 'right' }, { json: true });
      expect(issued.status).toBe(200);
      expect(issued.json().access_token).toEqual(expect.any(String));
      const wrong = await tokenRequest(provider, { grant_type: 'password', username: 'mock-user', password: 'wrong' }, { json: true });
      expect(wrong.status).toBe(200);
      expect(wrong.json().error).toBe('invalid_grant');
    },
  },
  {
    name: 'jwt-bearer: a signed assertion issues tokens that refresh; a replay and a wrong aud are invalid_grant; the assertion is redacted',
    options: JWT_OPTIONS,
    async run(provider) {
      const assertion = await assertionFor(provider);
      const issued = await tokenRequest(provider, { grant_type: JWT_BEARER, assertion });
      expect(issued.status).toBe(200);
      expect((await resource(provider, String(issued.json().access_token))).json().sub).toBe('mock-user');
      expect((await refresh(provider, String(issued.json().refresh_token))).status).toBe(200);
      const replay = await tokenRequest(provider, { grant_type: JWT_BEARER, assertion });
      expectOAuthError(replay, 400, 'invalid_grant');
      expect(replay.json().error_description).toMatch(/jti .* already used/);
      const elsewhere = await tokenRequest(provider, {
        grant_type: JWT_BEARER,
        assertion: await assertionFor(provider, { aud: 'https://elsewhere.test/token' }),
      });
      expect(elsewhere.json().error_description).toMatch(/^assertion aud/);
      expect(JSON.stringify(provider.requests)).not.toContain(assertion);
    },
  },
  {
    name: 'jwt-bearer: the client identified by the assertion iss when no client authentication is sent',
    options: JWT_OPTIONS,
    async run(provider) {
      const response = await answer(
        await fetch(provider.tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: await assertionFor(provider) }).toString(),
        }),
      );
      expect(response.status).toBe(200);
      expect(response.json().access_token).toEqual(expect.any(String));
    },
  },
  {
    name: 'a grant the client did not declare is unauthorized_client',
    options: { clients: [{ clientId: CLIENT.id, clientSecret: CLIENT.secret, grantTypes: ['authorization_code'] }] },
    async run(provider) {
      expectOAuthError(await tokenRequest(provider, { grant_type: 'client_credentials' }), 400, 'unauthorized_client');
      expectOAuthError(await tokenRequest(provider, { grant_type: 'password', username: 'mock-user', password: 'x' }), 400, 'unauthorized_client');
    },
  },
];

for (const transport of transports) {
  describe(`contract over ${transport.name}`, () => {
    let provider: MockProvider | undefined;
    beforeAll(() => transport.setup());
    afterAll(() => transport.teardown());
    afterEach(async () => {
      if (provider !== undefined) await transport.release(provider);
      provider = undefined;
    });

    it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
      provider = await transport.serve(scenario.options ?? {});
      if (transport.name.startsWith('http')) expect(provider.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      else expect(provider.issuer).toBe('https://mock-provider.test');
      await scenario.run(provider, transport.controls(provider));
    });
  });
}
