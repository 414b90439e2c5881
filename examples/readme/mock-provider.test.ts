import { expect, test } from 'vitest';
import { startMockProvider } from 'oauth2-testkit/mock-provider';

test('the scenarios a connector must survive', async () => {
  const provider = await startMockProvider({
    clients: [{ clientId: 'my-client', clientSecret: 'my-secret', redirectUris: ['http://127.0.0.1/callback'], scopes: ['read:issues'] }],
    accessTokenTtl: 60, // seconds; default 3600
    rotateRefreshTokens: true, // default; replaying a rotated refresh token revokes the grant
    login: 'auto', // or 'form' for real login and consent pages
    accessTokenFormat: 'opaque', // or 'jwt'
    quirks: { jsonTokenRequests: true }, // see the quirks above
    maxGrants: 1000, // default; past it the oldest grant goes, and using its tokens says so
  });
  const tokens = await provider.getTokens({ scope: 'read:issues' }); // headless authorization-code flow
  const me = () => fetch(provider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  const refresh = () =>
    fetch(provider.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'my-client', client_secret: 'my-secret' }),
    });
  expect((await me()).status).toBe(200);

  provider.failNext('token', { error: 'invalid_grant' }); // an OAuth error (status 400 by default)
  expect((await refresh()).status).toBe(400);
  provider.failNext('token', 503); // a bare status
  expect((await refresh()).status).toBe(503);
  provider.failNext('token', { status: 429, retryAfter: 30 }); // rate limit with Retry-After
  expect((await refresh()).headers.get('retry-after')).toBe('30');
  provider.failNext('token', { malformed: 'truncated-json' }); // or 'html', 'empty'
  await expect((await refresh()).json()).rejects.toThrow(SyntaxError);
  // (a slow answer, { delayMs: 5000 }, is below: under fake timers it needs no waiting)

  await provider.expireAccessTokens(); // resource → 401 invalid_token
  expect((await me()).status).toBe(401);
  await provider.revokeRefreshTokens(); // refresh → 400 invalid_grant
  expect(await (await refresh()).json()).toMatchObject({ error: 'invalid_grant' });

  expect(provider.requests.at(-1)).toMatchObject({ method: 'POST', endpoint: 'token', status: 400 }); // every request, secrets redacted
  provider.registerUser({ id: 'alice', claims: { email: 'alice@example.com' } }); // add a user at runtime
  expect((await provider.getTokens({ user: 'alice' })).access_token).toBeTruthy();
  provider.reset(); // back to the start clients and users: no grant, token, recording or queued fault
  expect(provider.requests).toEqual([]);
  await provider.close(); // over HTTP, requests in flight finish first (at most 10 s)
});
