import { describe, expect } from 'vitest';
import { test } from 'oauth2-testkit/vitest';

test('reads the profile', async ({ mockProvider, tokens }) => {
  const me = await fetch(mockProvider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect(me.status).toBe(200);
});

describe('short-lived tokens from the msw provider', () => {
  test.override({ mockProviderOptions: { accessTokenTtl: 60 } });
  test.override('tokens', ({ mswProvider }) => mswProvider.getTokens());

  test('expire after a minute', ({ tokens }) => {
    expect(tokens.expires_in).toBe(60);
  });
});
