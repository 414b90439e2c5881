/**
 * `provider.requests` with a preset: the request as the client sent it, at the preset URL it called (host and
 * path), with the status it got, including the errors the preset layer answers itself (wrong body format,
 * wrong client authentication, a dead rotated refresh token) and the identity calls.
 */
import { describe, expect, it } from 'vitest';
import { createMockProvider } from '../../src/mock-provider/index.js';
import { authorize, exchange, refresh, token } from './helpers.js';

describe('recorded requests with a preset', () => {
  it('github: authorization, token and identity calls at the preset host and path, with the status the client got', async () => {
    const provider = await createMockProvider({ preset: 'github' });
    try {
      const grant = await authorize(provider, { scope: 'repo' }, provider.fetch);
      const answer = await exchange(provider, grant, { fetch: provider.fetch, accept: 'application/json' });
      await provider.fetch('https://api.github.com/user', { headers: { authorization: `Bearer ${answer.body.access_token as string}` } });
      const requests = provider.requests;
      const authorization = requests.find((request) => request.endpoint === 'authorization');
      expect(authorization?.host).toBe('github.com');
      expect(authorization?.path).toBe('/login/oauth/authorize');
      expect(authorization?.query.state).toBe('preset-state');
      const tokenRequest = requests.find((request) => request.endpoint === 'token');
      expect(tokenRequest?.host).toBe('github.com');
      expect(tokenRequest?.path).toBe('/login/oauth/access_token');
      expect(tokenRequest?.status).toBe(200);
      expect(tokenRequest?.body).toMatchObject({ grant_type: 'authorization_code', code: '[redacted]', client_secret: '[redacted]' });
      const identity = requests.at(-1);
      expect(identity?.host).toBe('api.github.com');
      expect(identity?.path).toBe('/user');
      expect(identity?.status).toBe(200);
      expect(identity?.headers.authorization).toBe('Bearer [redacted]');
    } finally {
      await provider.close();
    }
  });

  it('microsoft: a JSON token request the preset refuses is recorded as sent (JSON body), with its 400', async () => {
    const provider = await createMockProvider({ preset: 'microsoft' });
    try {
      const grant = await authorize(provider, { scope: 'User.Read' }, provider.fetch);
      const answer = await exchange(provider, grant, { fetch: provider.fetch, json: true });
      expect(answer.status).toBe(400);
      const last = provider.requests.at(-1);
      expect(last?.endpoint).toBe('token');
      expect(last?.host).toBe('login.microsoftonline.com');
      expect(last?.path).toMatch(/\/oauth2\/v2\.0\/token$/);
      expect(last?.headers['content-type']).toBe('application/json');
      expect(last?.body).toMatchObject({ grant_type: 'authorization_code', code: '[redacted]' });
      expect(last?.status).toBe(400);
    } finally {
      await provider.close();
    }
  });

  it('notion: client credentials in the body (Basic required) are recorded with the refusal', async () => {
    const provider = await createMockProvider({ preset: 'notion' });
    try {
      const grant = await authorize(provider, {}, provider.fetch);
      const answer = await exchange(provider, grant, { fetch: provider.fetch, auth: 'body' });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      const last = provider.requests.at(-1);
      expect(last?.endpoint).toBe('token');
      expect(last?.path).toBe('/v1/oauth/token');
      expect(last?.status).toBe(answer.status);
    } finally {
      await provider.close();
    }
  });

  it('gitlab: a dead rotated refresh token is recorded with its 400, the token the client sent redacted', async () => {
    const provider = await createMockProvider({ preset: 'gitlab' });
    try {
      const grant = await authorize(provider, {}, provider.fetch);
      const answer = await exchange(provider, grant, { fetch: provider.fetch });
      const rt = answer.body.refresh_token as string;
      expect((await refresh(provider, rt, { fetch: provider.fetch })).status).toBe(200);
      const reuse = await refresh(provider, rt, { fetch: provider.fetch });
      expect(reuse.status).toBe(400);
      const tokenRequests = provider.requests.filter((request) => request.endpoint === 'token');
      expect(tokenRequests.map((request) => request.status)).toEqual([200, 200, 400]);
      expect(tokenRequests.map((request) => request.path)).toEqual(['/oauth/token', '/oauth/token', '/oauth/token']);
      expect(tokenRequests[2]?.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: '[redacted]' });
      // Each request recorded once.
      expect(provider.requests.length).toBe(new Set(provider.requests).size);
    } finally {
      await provider.close();
    }
  });

  it('without a preset the recording is unchanged (engine paths, no host)', async () => {
    const provider = await createMockProvider({});
    try {
      await token(provider, { grant_type: 'authorization_code', code: 'nope', redirect_uri: 'http://127.0.0.1/callback' }, { fetch: provider.fetch });
      const last = provider.requests.at(-1);
      expect(last?.endpoint).toBe('token');
      expect(last?.path).toBe('/token');
      expect(last?.host).toBeUndefined();
      expect(last?.status).toBe(400);
    } finally {
      await provider.close();
    }
  });
});
