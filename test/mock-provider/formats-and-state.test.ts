import { createPublicKey, verify, type JsonWebKeyInput } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createMockProvider, startMockProvider } from '../../src/mock-provider/index.js';
import { callResource, refresh, tokenRequest } from './helpers.js';

const open: MockProvider[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const provider of open.splice(0)) await provider.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('ID tokens', () => {
  it('signs ID tokens with RS256, the OpenID Connect default clients expect, verifiable against the JWKS', async () => {
    const provider = await startMockProvider();
    open.push(provider);
    const tokens = await provider.getTokens({ scope: 'openid email' });
    const [header = '', payload = '', signature = ''] = String(tokens.id_token).split('.');
    expect(decode(header)).toMatchObject({ alg: 'RS256' });
    const jwks = (await (await fetch(provider.jwksUrl)).json()) as { keys: (Record<string, unknown> & { kid: string })[] };
    const jwk = jwks.keys.find((key) => key.kid === decode(header).kid);
    const key = createPublicKey({ key: jwk, format: 'jwk' } as JsonWebKeyInput);
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(decode(payload)).toMatchObject({ iss: provider.issuer, sub: 'mock-user', aud: 'mock-client' });
    const discovery = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
    expect(discovery.id_token_signing_alg_values_supported).toContain('RS256');
  });
});

describe('JWT access tokens', () => {
  it('issues ES256 JWT access tokens that verify against the provider JWKS', async () => {
    const provider = await startMockProvider({ accessTokenFormat: 'jwt', clients: [{ clientId: 'c', clientSecret: 's', scopes: ['read:issues'] }] });
    open.push(provider);
    const tokens = await provider.getTokens({ clientId: 'c', scope: 'read:issues' });
    const [header = '', payload = '', signature = ''] = tokens.access_token.split('.');
    const jwks = (await (await fetch(provider.jwksUrl)).json()) as { keys: (Record<string, unknown> & { kid: string })[] };
    const jwk = jwks.keys.find((key) => key.kid === decode(header).kid);
    expect(jwk).toBeDefined();
    expect(jwk).not.toHaveProperty('d');
    const key = createPublicKey({ key: jwk, format: 'jwk' } as JsonWebKeyInput);
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(decode(header)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(decode(payload)).toMatchObject({ iss: provider.issuer, sub: 'mock-user', client_id: 'c', scope: 'read:issues', aud: provider.resourceUrl });
    expect((await callResource(fetch, provider, tokens.access_token, '?scope=read:issues')).status).toBe(200);
    await provider.expireAccessTokens();
    const expired = await callResource(fetch, provider, tokens.access_token);
    expect(expired.status).toBe(401);
    expect(expired.challenge).toContain('invalid_token');
    const refreshed = await tokenRequest(
      fetch,
      provider,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      { clientId: 'c', secret: 's' },
    );
    expect(refreshed.status).toBe(200);
    expect(String(refreshed.json.access_token).split('.')).toHaveLength(3);
  });

  it('does not accept a JWT issued by another provider with the same issuer', async () => {
    const a = await createMockProvider({ accessTokenFormat: 'jwt' });
    const b = await createMockProvider({ accessTokenFormat: 'jwt' });
    open.push(a, b);
    const tokens = await a.getTokens();
    expect(await a.lookupAccessToken(tokens.access_token)).toMatchObject({ accountId: 'mock-user', clientId: 'mock-client' });
    expect(await b.lookupAccessToken(tokens.access_token)).toBeUndefined();
  });
});

describe('statePath', () => {
  it('lets a second provider on another port refresh a token issued by the first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mock-state-'));
    dirs.push(dir);
    const statePath = join(dir, 'nested', 'state.json');
    const first = await startMockProvider({ statePath });
    const tokens = await first.getTokens();
    await first.close();
    expect(readFileSync(statePath, 'utf8')).not.toContain('mock-secret');

    const second = await startMockProvider({ statePath });
    open.push(second);
    expect(second.issuer).not.toBe(first.issuer);
    const refreshed = await refresh(fetch, second, tokens.refresh_token!);
    expect(refreshed.status).toBe(200);
    expect((await callResource(fetch, second, String(refreshed.json.access_token))).status).toBe(200);
    expect((await callResource(fetch, second, tokens.access_token)).status).toBe(200);
  });

  it('has saved the token before the token response reaches the client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mock-state-'));
    dirs.push(dir);
    const statePath = join(dir, 'state.json');
    const provider = await createMockProvider({ statePath });
    open.push(provider);
    const tokens = await provider.getTokens();
    const saved = readFileSync(statePath, 'utf8');
    expect(saved).toContain(tokens.access_token);
  });

  it('refuses a state file that is not JSON with MOCK_PROVIDER', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mock-state-'));
    dirs.push(dir);
    const statePath = join(dir, 'state.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(statePath, 'not json'));
    await expect(createMockProvider({ statePath })).rejects.toMatchObject({ code: 'MOCK_PROVIDER' });
  });

  it('drops expired entries when loading a state file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mock-state-'));
    dirs.push(dir);
    const statePath = join(dir, 'state.json');
    const first = await createMockProvider({ statePath, accessTokenTtl: 60, refreshTokenTtl: 120 });
    const tokens = await first.getTokens();
    await first.close();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 121_000);
      const second = await createMockProvider({ statePath });
      open.push(second);
      expect(await second.lookupAccessToken(tokens.access_token)).toBeUndefined();
      expect((await refresh(second.fetch, second, tokens.refresh_token!)).json.error).toBe('invalid_grant');
    } finally {
      vi.useRealTimers();
    }
  });
});
