import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockProvider, MockProviderOptions } from '../../src/mock-provider/index.js';
import { callResource, providerFor, refresh, tokenRequest, TRANSPORTS, type Transport } from './helpers.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const open: MockProvider[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const provider of open.splice(0)) await provider.close();
});

async function setup(transport: Transport, options: MockProviderOptions = {}) {
  const result = await providerFor(transport, options);
  open.push(result.provider);
  return result;
}

const JWT_CLIENT: MockProviderOptions = {
  clients: [{ clientId: 'svc', clientSecret: 'svc-secret', grantTypes: [JWT_BEARER], publicKey: PUBLIC_PEM }],
};
const SVC = { clientId: 'svc', secret: 'svc-secret' };

async function assertion(provider: MockProvider, claims: Record<string, unknown> = {}, key = privateKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: 'svc', sub: 'mock-user', aud: provider.tokenUrl, exp: now + 60, iat: now, jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256' })
    .sign(key);
}

describe.each(TRANSPORTS)('grants over %s', (transport) => {
  describe('client_credentials', () => {
    it('issues a token whose subject is the client, at /api/me, introspection and verifyBearer, with no refresh token', async () => {
      const { provider, fetch } = await setup(transport, { scopes: ['read'] });
      const result = await tokenRequest(fetch, provider, { grant_type: 'client_credentials', scope: 'read' });
      expect(result.status).toBe(200);
      expect(result.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read' });
      expect(result.json.refresh_token).toBeUndefined();
      const token = String(result.json.access_token);
      const me = await callResource(fetch, provider, token);
      expect(me).toMatchObject({ status: 200, body: { sub: 'mock-client' } });
      const introspected = await tokenRequest(fetch, provider, { token }, undefined, provider.introspectionUrl);
      expect(introspected.json).toMatchObject({ active: true, sub: 'mock-client', client_id: 'mock-client', scope: 'read' });
      const verdict = await provider.verifyBearer(`Bearer ${token}`);
      expect(verdict).toMatchObject({ ok: true, token: { accountId: 'mock-client', clientId: 'mock-client' }, user: { id: 'mock-client' } });
    });

    it('expireAccessTokens() expires client_credentials tokens too', async () => {
      const { provider, fetch } = await setup(transport);
      const token = String((await tokenRequest(fetch, provider, { grant_type: 'client_credentials' })).json.access_token);
      await provider.expireAccessTokens();
      const me = await callResource(fetch, provider, token);
      expect(me.status).toBe(401);
      expect(me.challenge).toMatch(/error="invalid_token"/);
      expect((await provider.verifyBearer(`Bearer ${token}`)).ok).toBe(false);
      expect((await tokenRequest(fetch, provider, { token }, undefined, provider.introspectionUrl)).json).toEqual({ active: false });
    });

    it('issues JWT access tokens with the client as sub when accessTokenFormat is jwt, and expires them', async () => {
      const { provider, fetch } = await setup(transport, { accessTokenFormat: 'jwt' });
      const token = String((await tokenRequest(fetch, provider, { grant_type: 'client_credentials' })).json.access_token);
      expect(token.split('.')).toHaveLength(3);
      expect(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())).toMatchObject({ sub: 'mock-client', client_id: 'mock-client' });
      expect(await callResource(fetch, provider, token)).toMatchObject({ status: 200, body: { sub: 'mock-client' } });
      await provider.expireAccessTokens();
      expect((await callResource(fetch, provider, token)).status).toBe(401);
    });

    it('takes the access token TTL', async () => {
      const { provider, fetch } = await setup(transport, { accessTokenTtl: 60 });
      vi.useFakeTimers({ toFake: ['Date'] });
      const token = String((await tokenRequest(fetch, provider, { grant_type: 'client_credentials' })).json.access_token);
      expect((await callResource(fetch, provider, token)).status).toBe(200);
      vi.setSystemTime(Date.now() + 61_000);
      expect((await callResource(fetch, provider, token)).status).toBe(401);
    });

    it('refuses a client that did not declare the grant with unauthorized_client', async () => {
      const { provider, fetch } = await setup(transport, {
        clients: [{ clientId: 'web', clientSecret: 's', grantTypes: ['authorization_code'] }],
      });
      const result = await tokenRequest(fetch, provider, { grant_type: 'client_credentials' }, { clientId: 'web', secret: 's' });
      expect(result.status).toBe(400);
      expect(result.json).toEqual({
        error: 'unauthorized_client',
        error_description: "client web may not use the client_credentials grant (declare it in the client's grantTypes)",
      });
    });

    it('is allowed by default to a declared confidential client, and still needs its secret', async () => {
      const { provider, fetch } = await setup(transport, { clients: [{ clientId: 'c', clientSecret: 's' }] });
      expect((await tokenRequest(fetch, provider, { grant_type: 'client_credentials' }, { clientId: 'c', secret: 's' })).status).toBe(200);
      expect((await tokenRequest(fetch, provider, { grant_type: 'client_credentials' }, { clientId: 'c', secret: 'wrong' })).json.error).toBe('invalid_client');
    });
  });

  describe('password', () => {
    it('zero-config: any non-empty password for a user without one, then refresh works', async () => {
      const { provider, fetch } = await setup(transport);
      const result = await tokenRequest(fetch, provider, { grant_type: 'password', username: 'mock-user', password: 'anything', scope: 'profile' });
      expect(result.status).toBe(200);
      expect(result.json).toMatchObject({ token_type: 'Bearer', scope: 'profile' });
      expect(await callResource(fetch, provider, String(result.json.access_token))).toMatchObject({
        status: 200,
        body: { sub: 'mock-user', name: 'Mock User' },
      });
      const refreshed = await refresh(fetch, provider, String(result.json.refresh_token));
      expect(refreshed.status).toBe(200);
      expect(refreshed.json.refresh_token).not.toBe(result.json.refresh_token);
      expect(await callResource(fetch, provider, String(refreshed.json.access_token))).toMatchObject({ status: 200, body: { sub: 'mock-user' } });
    });

    it('checks a declared password; a wrong one and an unknown username are invalid_grant', async () => {
      const { provider, fetch } = await setup(transport, { users: [{ id: 'ann', password: 'pw1' }] });
      expect((await tokenRequest(fetch, provider, { grant_type: 'password', username: 'ann', password: 'pw1' })).status).toBe(200);
      expect((await tokenRequest(fetch, provider, { grant_type: 'password', username: 'ann', password: 'nope' })).json).toEqual({
        error: 'invalid_grant',
        error_description: 'wrong password for user "ann"',
      });
      expect((await tokenRequest(fetch, provider, { grant_type: 'password', username: 'bob', password: 'pw1' })).json).toEqual({
        error: 'invalid_grant',
        error_description: 'unknown username "bob"',
      });
      // The engine drops empty parameters: an empty password is a missing one.
      expect((await tokenRequest(fetch, provider, { grant_type: 'password', username: 'ann', password: '' })).json.error).toBe('invalid_request');
      expect((await tokenRequest(fetch, provider, { grant_type: 'password', username: 'ann' })).json.error).toBe('invalid_request');
    });

    it('is unauthorized_client for a declared client that did not list it', async () => {
      const { provider, fetch } = await setup(transport, { clients: [{ clientId: 'c', clientSecret: 's' }] });
      const result = await tokenRequest(fetch, provider, { grant_type: 'password', username: 'mock-user', password: 'x' }, { clientId: 'c', secret: 's' });
      expect(result.json.error).toBe('unauthorized_client');
    });

    it('grants an open client every scope as asked, as the code flow does', async () => {
      const { provider, fetch } = await setup(transport);
      const password = await tokenRequest(fetch, provider, { grant_type: 'password', username: 'mock-user', password: 'x', scope: 'profile unheard-of' });
      const credentials = await tokenRequest(fetch, provider, { grant_type: 'client_credentials', scope: 'profile unheard-of' });
      expect([password.json.scope, credentials.json.scope]).toEqual(['profile unheard-of', 'profile unheard-of']);
    });

    it('issues an ID token for openid, and expireAccessTokens()/revokeRefreshTokens() act on its tokens', async () => {
      const { provider, fetch } = await setup(transport);
      const result = await tokenRequest(fetch, provider, { grant_type: 'password', username: 'mock-user', password: 'x', scope: 'openid email' });
      expect(typeof result.json.id_token).toBe('string');
      await provider.expireAccessTokens();
      expect((await callResource(fetch, provider, String(result.json.access_token))).status).toBe(401);
      await provider.revokeRefreshTokens();
      expect((await refresh(fetch, provider, String(result.json.refresh_token))).json.error).toBe('invalid_grant');
    });
  });

  describe('jwt-bearer', () => {
    it('exchanges a signed assertion for tokens of its sub, then refreshes', async () => {
      const { provider, fetch } = await setup(transport, JWT_CLIENT);
      const result = await tokenRequest(fetch, provider, { grant_type: JWT_BEARER, assertion: await assertion(provider), scope: 'profile' }, SVC);
      expect(result.status).toBe(200);
      expect(await callResource(fetch, provider, String(result.json.access_token))).toMatchObject({ status: 200, body: { sub: 'mock-user' } });
      expect((await refresh(fetch, provider, String(result.json.refresh_token))).json.error).toBe('invalid_client'); // refresh needs the client's own auth
      const refreshed = await tokenRequest(fetch, provider, { grant_type: 'refresh_token', refresh_token: String(result.json.refresh_token) }, SVC);
      expect(refreshed.status).toBe(200);
    });

    it('identifies the client by the assertion iss when no client authentication is sent (Google style)', async () => {
      const { provider, fetch } = await setup(transport, JWT_CLIENT);
      const result = await tokenRequest(fetch, provider, { grant_type: JWT_BEARER, assertion: await assertion(provider) }, null);
      expect(result.status).toBe(200);
      const forged = await tokenRequest(fetch, provider, { grant_type: JWT_BEARER, assertion: await assertion(provider, {}, other.privateKey) }, null);
      expect(forged.json.error).toBe('invalid_grant');
      const recorded = provider.requests.filter((request) => request.endpoint === 'token').map((request) => request.body);
      expect(JSON.stringify(recorded)).not.toContain('svc-secret');
    });

    it('verifies against a JWKS, picked by kid', async () => {
      const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' };
      const { provider, fetch } = await setup(transport, {
        clients: [{ clientId: 'svc', clientSecret: 'svc-secret', grantTypes: [JWT_BEARER], jwks: { keys: [jwk] } }],
      });
      const now = Math.floor(Date.now() / 1000);
      const signed = await new SignJWT({ iss: 'svc', aud: provider.issuer, exp: now + 60, jti: 'one' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .sign(privateKey);
      expect((await tokenRequest(fetch, provider, { grant_type: JWT_BEARER, assertion: signed }, SVC)).status).toBe(200);
    });

    it.each([
      ['a signature by another key', { key: 'other' }, /^assertion signature does not verify with the public key of client svc$/],
      ['another iss', { iss: 'someone' }, /^assertion iss "someone" is not the expected issuer "svc"$/],
      ['another aud', { aud: 'https://elsewhere.test/token' }, /^assertion aud "https:\/\/elsewhere.test\/token" does not name this provider/],
      ['no exp', { exp: undefined }, /^assertion has no exp$/],
      ['an expired exp', { exp: 1_000_000 }, /^assertion expired at 1970-01-12T13:46:40.000Z$/],
      ['no jti', { jti: undefined }, /^assertion has no jti/],
      ['an unknown sub', { sub: 'nobody' }, /^assertion sub "nobody" is not a user of this provider$/],
    ])('answers invalid_grant to %s, saying which', async (_name, change, description) => {
      const { provider, fetch } = await setup(transport, JWT_CLIENT);
      const { key, ...claims } = change as Record<string, unknown>;
      const signed = await assertion(provider, claims, key === 'other' ? other.privateKey : privateKey);
      const result = await tokenRequest(fetch, provider, { grant_type: JWT_BEARER, assertion: signed }, SVC);
      expect(result.status).toBe(400);
      expect(result.json.error).toBe('invalid_grant');
      expect(String(result.json.error_description)).toMatch(description);
    });

    it('refuses a replayed assertion (same jti) with invalid_grant', async () => {
      const { provider, fetch } = await setup(transport, JWT_CLIENT);
      const signed = await assertion(provider);
      expect((await tokenRequest(fetch, provider, { grant_type: JWT_BEARER, assertion: signed }, SVC)).status).toBe(200);
      const again = await tokenRequest(fetch, provider, { grant_type: JWT_BEARER, assertion: signed }, SVC);
      expect(again.json).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/^assertion jti ".+" was already used/) });
    });

    it('answers invalid_grant to garbage and invalid_request to a missing assertion', async () => {
      const { provider, fetch } = await setup(transport, JWT_CLIENT);
      expect((await tokenRequest(fetch, provider, { grant_type: JWT_BEARER, assertion: 'not-a-jwt' }, SVC)).json.error_description).toMatch(
        /^assertion is not a JWT/,
      );
      expect((await tokenRequest(fetch, provider, { grant_type: JWT_BEARER }, SVC)).json.error).toBe('invalid_request');
    });

    it('is unauthorized_client for the default client, which has no key', async () => {
      const { provider, fetch } = await setup(transport);
      expect((await tokenRequest(fetch, provider, { grant_type: JWT_BEARER, assertion: await assertion(provider) })).json.error).toBe('unauthorized_client');
    });

    it('with verifySignature false, a configured issuer and audience: checks all but the signature', async () => {
      const { provider, fetch } = await setup(transport, {
        clients: [
          {
            clientId: 'svc',
            clientSecret: 'svc-secret',
            grantTypes: [JWT_BEARER],
            jwtBearer: { issuer: 'svc@real.example', audience: ['https://real.example/token'], verifySignature: false },
          },
        ],
      });
      const signed = await assertion(provider, { iss: 'svc@real.example', aud: 'https://real.example/token' }, other.privateKey);
      expect((await tokenRequest(fetch, provider, { grant_type: JWT_BEARER, assertion: signed }, null)).status).toBe(200);
      const expired = await assertion(provider, { iss: 'svc@real.example', aud: 'https://real.example/token', exp: 1_000_000 }, other.privateKey);
      expect((await tokenRequest(fetch, provider, { grant_type: JWT_BEARER, assertion: expired }, SVC)).json.error_description).toMatch(/^assertion expired/);
    });
  });
});
