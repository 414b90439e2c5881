import { describe, expect, it, vi } from 'vitest';
import { bearerResponse, checkBearer, type TokenInfo } from '../../../src/mock-provider/resource/bearer.js';

const NOW = 1_700_000_000;
const TOKENS: Record<string, TokenInfo> = {
  good: { accountId: 'alice', scopes: ['read', 'write'], clientId: 'app', expiresAt: NOW + 60 },
  expired: { accountId: 'alice', scopes: ['read'], clientId: 'app', expiresAt: NOW },
  revoked: { accountId: 'alice', scopes: ['read'], clientId: 'app', expiresAt: NOW + 60, revoked: true },
};

function check(authorization: string | undefined, requiredScopes?: string[]) {
  const lookup = vi.fn((value: string) => Promise.resolve(TOKENS[value]));
  const result = checkBearer({ authorization, lookup, requiredScopes, now: () => NOW });
  return { result, lookup };
}

describe('checkBearer', () => {
  it('accepts a known, live token with the required scopes', async () => {
    const { result, lookup } = check('Bearer good', ['read']);
    expect(await result).toEqual({ ok: true, token: TOKENS.good });
    expect(lookup).toHaveBeenCalledWith('good');
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic YXBwOnNlY3JldA=='],
  ])('answers %s with a bare Bearer challenge and no error code', async (_name, authorization) => {
    const result = await check(authorization).result;
    expect(result).toMatchObject({ ok: false, status: 401, headers: { 'www-authenticate': 'Bearer realm="mock-provider"' } });
    expect(JSON.parse((result as { body: string }).body)).not.toHaveProperty('error');
  });

  it.each([
    ['a malformed header', 'Bearer two parts', 'The Authorization header is not a well-formed Bearer token.'],
    ['a scheme without a token', 'Bearer', 'The Authorization header is not a well-formed Bearer token.'],
    ['an unknown token', 'Bearer nope', 'The access token is unknown.'],
    ['an expired token', 'Bearer expired', 'The access token expired.'],
    ['a revoked token', 'Bearer revoked', 'The access token has been revoked.'],
  ])('answers %s with 401 invalid_token', async (_name, authorization, description) => {
    const result = await check(authorization).result;
    expect(result).toEqual({
      ok: false,
      status: 401,
      headers: {
        'www-authenticate': `Bearer realm="mock-provider", error="invalid_token", error_description="${description}"`,
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      },
      body: JSON.stringify({ error: 'invalid_token', error_description: description }),
    });
  });

  it('reads the scheme case-insensitively', async () => {
    expect(await check('bearer good').result).toMatchObject({ ok: true });
  });

  it('does not look up a malformed token', async () => {
    const { result, lookup } = check('Bearer a"b');
    await result;
    expect(lookup).not.toHaveBeenCalled();
  });

  it('answers a missing scope with 403 insufficient_scope naming the required scopes', async () => {
    const result = await check('Bearer good', ['read', 'admin']).result;
    expect(result).toMatchObject({
      ok: false,
      status: 403,
      headers: {
        'www-authenticate':
          'Bearer realm="mock-provider", error="insufficient_scope", error_description="The access token lacks scope admin.", scope="read admin"',
      },
    });
    expect(JSON.parse((result as { body: string }).body)).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks scope admin.',
    });
  });

  it.each(['unknown', 'expired', 'revoked'])('never puts an %s token in the answer', async (state) => {
    const info = state === 'unknown' ? undefined : state === 'expired' ? TOKENS.expired : TOKENS.revoked;
    const result = await checkBearer({ authorization: 'Bearer tok-9f2c1e', lookup: () => Promise.resolve(info), now: () => NOW });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('tok-9f2c1e');
  });

  it('uses the real clock when none is given', async () => {
    const lookup = () => Promise.resolve({ ...TOKENS.good!, expiresAt: Math.floor(Date.now() / 1000) + 30 });
    expect(await checkBearer({ authorization: 'Bearer x', lookup })).toMatchObject({ ok: true });
  });

  it('rejects a required scope with a quote with MOCK_PROVIDER', async () => {
    await expect(check('Bearer good', ['a"b']).result).rejects.toMatchObject({ code: 'MOCK_PROVIDER' });
  });
});

describe('bearerResponse', () => {
  it('builds the challenge a wrapped API handler sends for an expired token', () => {
    expect(bearerResponse(401, { error: 'invalid_token', description: 'The access token expired.' }).headers['www-authenticate']).toBe(
      'Bearer realm="mock-provider", error="invalid_token", error_description="The access token expired."',
    );
  });
});
