import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildAuthorizeUrl,
  createPkce,
  createState,
  decodeState,
  encodeState,
  ENVIRONMENTS,
  platformRedirectUrl,
  RELAY_PATH,
} from '../../src/flow/authorize-url.js';
import { TestkitError } from '../../src/shared/errors.js';

describe('createPkce', () => {
  it('creates a 43-character base64url verifier whose S256 hash is the challenge', () => {
    const pkce = createPkce();
    expect(pkce.method).toBe('S256');
    expect(pkce.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pkce.challenge).toBe(createHash('sha256').update(pkce.verifier).digest('base64url'));
  });

  it('creates a different verifier each time', () => {
    expect(createPkce().verifier).not.toBe(createPkce().verifier);
  });
});

describe('state', () => {
  it('round-trips nonce and callback through base64url JSON', () => {
    const state = encodeState({ nonce: 'n0nce', callback: 'https://abc.ngrok.app/callback' });
    expect(state).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(state, 'base64url').toString('utf8'))).toEqual({
      v: 1,
      nonce: 'n0nce',
      callback: 'https://abc.ngrok.app/callback',
    });
    expect(decodeState(state)).toEqual({ v: 1, nonce: 'n0nce', callback: 'https://abc.ngrok.app/callback' });
  });

  it('creates a state with a fresh nonce of at least 128 bits', () => {
    const a = createState('http://127.0.0.1:9002/callback');
    const b = createState('http://127.0.0.1:9002/callback');
    expect(Buffer.from(a.nonce, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(a.nonce).not.toBe(b.nonce);
    expect(decodeState(a.state)).toEqual({ v: 1, nonce: a.nonce, callback: 'http://127.0.0.1:9002/callback' });
  });

  const b64 = (text: string): string => Buffer.from(text).toString('base64url');
  it.each([
    ['an empty string', ''],
    ['non-base64url characters', 'abc+/='],
    ['base64url of non-JSON', b64('hello')],
    ['a JSON array', b64('[1,2]')],
    ['a JSON string', b64('"x"')],
    ['another version', b64(JSON.stringify({ v: 2, nonce: 'n', callback: 'c' }))],
    ['a missing nonce', b64(JSON.stringify({ v: 1, callback: 'c' }))],
    ['a non-string callback', b64(JSON.stringify({ v: 1, nonce: 'n', callback: 42 }))],
  ])('rejects a state that is %s with STATE_MISMATCH', (_label, state) => {
    expect(() => decodeState(state)).toThrow(expect.objectContaining({ code: 'STATE_MISMATCH' }));
  });
});

describe('buildAuthorizeUrl', () => {
  it('keeps existing query parameters and sets the authorization request parameters', () => {
    const url = buildAuthorizeUrl({
      authorizationUrl: 'https://provider.test/oauth/authorize?audience=api&prompt=consent',
      clientId: 'client 1',
      redirectUri: 'https://integrations-platform.unito.io/credentials/new/oauth2/callback-cli',
      scopes: ['read', 'write:all'],
      state: 'st',
      pkce: { challenge: 'ch', method: 'S256' },
    });
    expect(url.origin + url.pathname).toBe('https://provider.test/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      audience: 'api',
      prompt: 'consent',
      response_type: 'code',
      client_id: 'client 1',
      redirect_uri: 'https://integrations-platform.unito.io/credentials/new/oauth2/callback-cli',
      scope: 'read write:all',
      state: 'st',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
  });

  it('omits scope when there are no scopes and PKCE parameters when there is no PKCE', () => {
    const url = buildAuthorizeUrl({
      authorizationUrl: 'https://provider.test/authorize',
      clientId: 'id',
      redirectUri: 'http://127.0.0.1:9002/callback',
      scopes: [],
      state: 'st',
    });
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'redirect_uri', 'response_type', 'state']);
  });

  it('rejects a relative authorization URL with CONFIG_INVALID', () => {
    expect(() => buildAuthorizeUrl({ authorizationUrl: '/authorize', clientId: 'id', redirectUri: 'x', scopes: [], state: 's' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('platformRedirectUrl', () => {
  it.each([
    ['production', 'https://integrations-platform.unito.io/credentials/new/oauth2/callback-cli'],
    ['staging', 'https://integrations-platform.staging.unito.io/credentials/new/oauth2/callback-cli'],
    ['local', 'http://localhost:9000/credentials/new/oauth2/callback-cli'],
  ])('maps %s to its callback-cli URL', (environment, expected) => {
    expect(platformRedirectUrl(environment)).toBe(expected);
    expect(expected.endsWith(RELAY_PATH)).toBe(true);
  });

  it.each(['prod', 'toString', '__proto__', ''])('rejects the unknown environment "%s" with USAGE listing the known ones', (env) => {
    let caught: unknown;
    try {
      platformRedirectUrl(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TestkitError);
    expect((caught as TestkitError).code).toBe('USAGE');
    for (const known of ENVIRONMENTS) expect((caught as TestkitError).message).toContain(known);
  });
});
