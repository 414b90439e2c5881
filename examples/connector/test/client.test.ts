import { http, HttpResponse } from 'msw';
import { describe, expect } from 'vitest';
// In a connector's repo: import { test } from 'oauth2-testkit/vitest' and { withBearer } from 'oauth2-testkit/msw'.
import type { MockProvider } from '../../../src/mock-provider/index.js';
import { withBearer } from '../../../src/msw/index.js';
import { test } from '../../../src/vitest/index.js';
import { ConnectorError, createConnector, type Credentials } from '../src/client.js';

function connectorFor(provider: MockProvider, credentials: Credentials, apiUrl = provider.resourceUrl, onRefresh?: (credentials: Credentials) => void) {
  const client = provider.clients[0]!;
  return createConnector({
    apiUrl,
    tokenUrl: provider.tokenUrl,
    clientId: client.clientId,
    clientSecret: client.clientSecret ?? '',
    credentials,
    ...(onRefresh ? { onRefresh } : {}),
  });
}

const calls = (provider: MockProvider): string[] => provider.requests.map((request) => `${request.endpoint} ${request.status}`);

describe('connector against the mock provider over HTTP', () => {
  test('reads the user with a good token, without refreshing', async ({ mockProvider, tokens }) => {
    mockProvider.clearRequests();
    const connector = connectorFor(mockProvider, { accessToken: tokens.access_token, refreshToken: tokens.refresh_token! });
    expect(await connector.me()).toMatchObject({ sub: 'mock-user', name: 'Mock User' });
    expect(calls(mockProvider)).toEqual(['resource 200']);
  });

  test('refreshes an expired access token once, retries, and hands over the rotated tokens', async ({ mockProvider, tokens }) => {
    await mockProvider.expireAccessTokens();
    mockProvider.clearRequests();
    const saved: Credentials[] = [];
    const connector = connectorFor(
      mockProvider,
      { accessToken: tokens.access_token, refreshToken: tokens.refresh_token! },
      mockProvider.resourceUrl,
      (credentials) => saved.push(credentials),
    );
    expect(await connector.me()).toMatchObject({ sub: 'mock-user' });
    expect(calls(mockProvider)).toEqual(['resource 401', 'token 200', 'resource 200']);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.refreshToken).not.toBe(tokens.refresh_token);
  });

  test('fails with a clear REFRESH_REJECTED error when the refresh token was revoked', async ({ mockProvider, tokens }) => {
    await mockProvider.expireAccessTokens();
    await mockProvider.revokeRefreshTokens();
    const connector = connectorFor(mockProvider, { accessToken: tokens.access_token, refreshToken: tokens.refresh_token! });
    const error = await connector.me().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: 'REFRESH_REJECTED', status: 400 });
    expect((error as Error).message).toContain('invalid_grant');
    expect((error as Error).message).not.toContain(tokens.refresh_token!);
  });

  test('surfaces 429 with its Retry-After seconds', async ({ mockProvider, tokens }) => {
    mockProvider.failNext('resource', { status: 429, retryAfter: 120 });
    const connector = connectorFor(mockProvider, { accessToken: tokens.access_token });
    await expect(connector.me()).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 120 });
  });
});

describe('connector against its own API mocked with msw and guarded by withBearer', () => {
  const API = 'https://api.example.test/v1/me';

  test('refreshes through the msw-served token endpoint when its own API answers 401', async ({ mswProvider, mswServer }) => {
    mswServer.use(
      http.get(
        API,
        withBearer(mswProvider, ({ user }) => HttpResponse.json({ id: user.id, email: user.claims.email })),
      ),
    );
    const tokens = await mswProvider.getTokens();
    await mswProvider.expireAccessTokens();
    mswProvider.clearRequests();
    const connector = connectorFor(mswProvider, { accessToken: tokens.access_token, refreshToken: tokens.refresh_token! }, API);
    expect(await connector.me()).toEqual({ id: 'mock-user', email: 'mock-user@example.com' });
    expect(calls(mswProvider)).toEqual(['token 200']);
  });
});
