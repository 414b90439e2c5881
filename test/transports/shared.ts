/**
 * The runs msw.test.ts and nock.test.ts share: one table, run by each file over its own transport (each test file
 * is its own module graph, so msw and nock never patch `fetch` at the same time). What differs per transport —
 * how a `withBearer` guard is registered, how intercepted requests are observed, how an unhandled origin fails —
 * sits behind {@link TransportAdapter}.
 */
import { describe, expect, it, vi } from 'vitest';
import { createUserAgent, type MockProvider, type MockProviderOptions } from '../../src/mock-provider/index.js';

export const API = 'https://api.example.test';

export interface TransportAdapter {
  name: 'msw' | 'nock';
  /** A fresh provider (extra scopes `read:issues`, `write:issues`) served in-process by this transport. */
  serve(options?: MockProviderOptions): Promise<MockProvider>;
  /**
   * Registers `GET ${API}/issues` through the transport's `withBearer(provider, …, { requiredScopes: ['read:issues'] })`,
   * answering 200 `{ owner: user.id, scopes: token.scopes, name: user.claims.name }`.
   */
  guardIssues(provider: MockProvider): void;
  /** Calls `onRequest(url)` for each request the transport intercepts for the provider; returns the unsubscribe. */
  observe(onRequest: (url: string) => void): () => void;
  /** What the `cause` of a rejected fetch to an origin nobody mocks says. */
  otherOriginCause: RegExp;
  /** What the transport prints on console.error for that request (msw's "error" strategy), if anything. */
  otherOriginPrints?: RegExp;
}

interface SharedScenario {
  /** `{transport}` is replaced by the adapter's name. */
  name: string;
  options?: MockProviderOptions;
  run(provider: MockProvider, adapter: TransportAdapter): Promise<void>;
}

function authorizeUrl(provider: MockProvider, state?: string): URL {
  const url = new URL(provider.authorizationUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'mock-client',
    redirect_uri: 'http://127.0.0.1/callback',
    code_challenge: 'x'.repeat(43),
    code_challenge_method: 'S256',
    scope: 'openid',
    ...(state === undefined ? {} : { state }),
  }).toString();
  return url;
}

const handlerScenarios: SharedScenario[] = [
  {
    name: 'answers the discovery document of the https issuer through global fetch',
    async run(provider) {
      const response = await fetch(`${provider.issuer}/.well-known/openid-configuration`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ issuer: 'https://mock-provider.test', token_endpoint: provider.tokenUrl });
    },
  },
  {
    name: 'hands back redirects unfollowed with their Location and every Set-Cookie',
    options: { login: 'form' },
    async run(provider) {
      const response = await fetch(authorizeUrl(provider), { redirect: 'manual' });
      const direct = await provider.handle(new Request(authorizeUrl(provider)));
      expect(response.status).toBe(direct.status);
      expect(response.status).toBeGreaterThanOrEqual(300);
      expect(response.headers.get('location')).toMatch(/^\/interaction\//);
      expect(response.headers.getSetCookie().length).toBeGreaterThanOrEqual(2);
      expect(response.headers.getSetCookie().map((cookie) => cookie.split('=')[0])).toEqual(
        direct.headers.getSetCookie().map((cookie) => cookie.split('=')[0]),
      );
    },
  },
  {
    name: 'lets a cookie-keeping user agent on global fetch complete the login form flow',
    options: { login: 'form' },
    async run(provider) {
      const result = await createUserAgent().navigate(authorizeUrl(provider, 's1').href, { stopAt: (next) => next.pathname === '/callback' });
      expect(result.stoppedAt?.searchParams.get('code')).toEqual(expect.any(String));
      expect(result.stoppedAt?.searchParams.get('state')).toBe('s1');
    },
  },
  {
    name: 'serves any method, including HEAD, OPTIONS and PUT, from the engine',
    async run(provider) {
      const head = await fetch(provider.jwksUrl, { method: 'HEAD' });
      expect(head.status).toBe((await provider.handle(new Request(provider.jwksUrl, { method: 'HEAD' }))).status);
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      const options = await fetch(provider.jwksUrl, { method: 'OPTIONS' });
      expect(options.status).toBe((await provider.handle(new Request(provider.jwksUrl, { method: 'OPTIONS' }))).status);
      for (const init of [{ method: 'PUT' }, { method: 'PUT', body: 'x' }]) {
        const put = await fetch(provider.resourceUrl, init);
        expect(put.status).toBe(405);
        expect(put.headers.get('allow')).toBe('GET, HEAD');
      }
    },
  },
  {
    name: 'records each intercepted request exactly once, and getTokens() never goes through {transport}',
    async run(provider, adapter) {
      const seen: string[] = [];
      const stop = adapter.observe((url) => seen.push(url));
      try {
        const tokens = await provider.getTokens();
        expect(seen).toEqual([]);
        provider.clearRequests();
        await fetch(provider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
        expect(provider.requests).toHaveLength(1);
        expect(seen).toEqual([provider.resourceUrl]);
      } finally {
        stop();
      }
    },
  },
  {
    name: 'rejects a request to another origin (msw: "error" strategy for unhandled frames; nock: disableNetConnect)',
    async run(_provider, adapter) {
      // Asserted here rather than printed: a passing run prints no [MSW] line (test/setup/no-warnings.ts).
      const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const error: unknown = await fetch('https://elsewhere.test/').catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(TypeError);
        expect(String((error as TypeError).cause)).toMatch(adapter.otherOriginCause);
        const lines = printed.mock.calls.map((args) => args.map(String).join(' '));
        if (adapter.otherOriginPrints === undefined) expect(lines).toEqual([]);
        else expect(lines).toEqual([expect.stringMatching(adapter.otherOriginPrints)]);
      } finally {
        printed.mockRestore();
      }
    },
  },
];

const withBearerScenarios: SharedScenario[] = [
  {
    name: 'passes a valid token to the handler with its token facts and user',
    async run(provider, adapter) {
      adapter.guardIssues(provider);
      const tokens = await provider.getTokens({ scope: 'openid read:issues' });
      const response = await fetch(`${API}/issues`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ owner: 'mock-user', scopes: ['openid', 'read:issues'], name: 'Mock User' });
    },
  },
  {
    name: 'answers a missing token with the bare Bearer challenge of /api/me',
    async run(provider, adapter) {
      adapter.guardIssues(provider);
      const response = await fetch(`${API}/issues`);
      const resource = await fetch(provider.resourceUrl);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="mock-provider"');
      expect(response.headers.get('www-authenticate')).toBe(resource.headers.get('www-authenticate'));
    },
  },
  {
    name: 'answers an expired token with the same 401 invalid_token as /api/me',
    async run(provider, adapter) {
      adapter.guardIssues(provider);
      const tokens = await provider.getTokens({ scope: 'openid read:issues' });
      await provider.expireAccessTokens();
      const headers = { authorization: `Bearer ${tokens.access_token}` };
      const response = await fetch(`${API}/issues`, { headers });
      const resource = await fetch(provider.resourceUrl, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="mock-provider", error="invalid_token", error_description="The access token expired."',
      );
      expect(response.headers.get('www-authenticate')).toBe(resource.headers.get('www-authenticate'));
      expect(await response.json()).toEqual(await resource.json());
    },
  },
  {
    name: 'answers a token without a required scope with 403 insufficient_scope',
    async run(provider, adapter) {
      adapter.guardIssues(provider);
      const tokens = await provider.getTokens({ scope: 'openid write:issues' });
      const response = await fetch(`${API}/issues`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="mock-provider", error="insufficient_scope", error_description="The access token lacks scope read:issues.", scope="read:issues"',
      );
    },
  },
];

/** Declares the shared runs for `adapter`: its provider handlers (scope) first, then `withBearer`. */
export function describeSharedRuns(adapter: TransportAdapter, handlersTitle: string): void {
  const table = (scenarios: SharedScenario[]) => scenarios.map((scenario) => [scenario.name.replace('{transport}', adapter.name), scenario] as const);
  const run = async (scenario: SharedScenario): Promise<void> => scenario.run(await adapter.serve(scenario.options), adapter);
  describe(handlersTitle, () => {
    it.each(table(handlerScenarios))('%s', async (_name, scenario) => run(scenario));
  });
  describe('withBearer', () => {
    it.each(table(withBearerScenarios))('%s', async (_name, scenario) => run(scenario));
  });
}
