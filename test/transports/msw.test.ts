import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockProvider, type MockProvider } from '../../src/mock-provider/index.js';
import { mockProviderHandlers, withBearer } from '../../src/msw/index.js';
import { API, describeSharedRuns, type TransportAdapter } from './shared.js';

const server = setupServer();
let provider: MockProvider | undefined;

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterAll(() => server.close());
afterEach(async () => {
  server.resetHandlers();
  await provider?.close();
  provider = undefined;
});

const msw: TransportAdapter = {
  name: 'msw',
  async serve(options = {}) {
    provider = await createMockProvider({ scopes: ['read:issues', 'write:issues'], ...options });
    server.use(...mockProviderHandlers(provider));
    return provider;
  },
  guardIssues(target) {
    server.use(
      http.get(
        `${API}/issues`,
        withBearer(target, ({ user, token }) => HttpResponse.json({ owner: user.id, scopes: token.scopes, name: user.claims.name }), {
          requiredScopes: ['read:issues'],
        }),
      ),
    );
  },
  observe(onRequest) {
    const listener = ({ request }: { request: Request }): void => onRequest(request.url);
    server.events.on('request:start', listener);
    return () => server.events.removeListener('request:start', listener);
  },
  otherOriginCause: /"error" strategy/,
  otherOriginPrints: /^\[MSW\] Error: intercepted a request without a matching request handler:\s+• GET https:\/\/elsewhere\.test\//,
};

describeSharedRuns(msw, 'mockProviderHandlers');

describe('withBearer over msw only', () => {
  it('answers a token of another provider as unknown', async () => {
    const served = await msw.serve();
    msw.guardIssues(served);
    const other = await createMockProvider();
    const tokens = await other.getTokens();
    await other.close();
    const response = await fetch(`${API}/issues`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('The access token is unknown.');
  });
});
