/**
 * `accessTokenPrefix` / `refreshTokenPrefix` (and `userToken.accessTokenPrefix`): token values shaped like the
 * provider's (providers.md: GitHub `gho_` §2.3 example answer, GitHub App `ghu_`/`ghr_` §1, Slack `xoxb-` bot and
 * `xoxp-` user tokens §2.17 example answer, Dropbox `sl.` §2.23), and the prefixed values still work everywhere
 * the token is presented: identity calls, /api/me, userinfo, introspection, revocation, refresh, lookupAccessToken.
 */
import { describe, expect, it } from 'vitest';
import { createMockProvider } from '../../src/mock-provider/index.js';
import { OFFLINE_PARAMS } from './flow.js';
import { authorize, CLIENT, exchange, read, refresh } from './helpers.js';

const basic = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`;

describe('token prefixes', () => {
  it('github: gho_ access token, accepted at api.github.com/user, /api/me, introspection and lookupAccessToken', async () => {
    const provider = await createMockProvider({ preset: 'github' });
    try {
      const grant = await authorize(provider, { scope: 'repo' }, provider.fetch);
      const answer = await exchange(provider, grant, { fetch: provider.fetch, accept: 'application/json' });
      const at = answer.body.access_token as string;
      expect(at).toMatch(/^gho_./);
      const bearer = { authorization: `Bearer ${at}` };
      expect((await provider.fetch('https://api.github.com/user', { headers: bearer })).status).toBe(200);
      expect((await provider.fetch(provider.resourceUrl, { headers: bearer })).status).toBe(200);
      const introspection = await read(
        await provider.fetch(provider.introspectionUrl, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: at }).toString(),
        }),
      );
      expect(introspection.body.active, introspection.text).toBe(true);
      expect((await provider.lookupAccessToken(at))?.clientId).toBe(CLIENT.id);
      // Unknown token with the right prefix: still refused.
      expect((await provider.fetch('https://api.github.com/user', { headers: { authorization: 'Bearer gho_nope' } })).status).toBe(401);
    } finally {
      await provider.close();
    }
  });

  it('github-app: ghu_ / ghr_, refresh with the prefixed refresh token rotates, the old one is refused', async () => {
    const provider = await createMockProvider({ preset: 'github-app' });
    try {
      const grant = await authorize(provider, {}, provider.fetch);
      const first = await exchange(provider, grant, { fetch: provider.fetch, accept: 'application/json' });
      expect(first.body.access_token).toMatch(/^ghu_./);
      expect(first.body.refresh_token).toMatch(/^ghr_./);
      const second = await refresh(provider, first.body.refresh_token as string, { fetch: provider.fetch, accept: 'application/json' });
      expect(second.status, second.text).toBe(200);
      expect(second.body.access_token).toMatch(/^ghu_./);
      expect(second.body.refresh_token).toMatch(/^ghr_./);
      expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
      const reuse = await refresh(provider, first.body.refresh_token as string, { fetch: provider.fetch, accept: 'application/json' });
      expect(reuse.body.error).toBe('bad_refresh_token');
      const me = (token: unknown) => provider.fetch('https://api.github.com/user', { headers: { authorization: `Bearer ${token as string}` } });
      expect((await me(second.body.access_token)).status).toBe(200);
      expect((await me(first.body.access_token)).status).toBe(401);
    } finally {
      await provider.close();
    }
  });

  it('slack: xoxb- bot token, xoxp- user token under authed_user, both accepted by auth.test; revocation takes the prefixed token', async () => {
    const provider = await createMockProvider({ preset: 'slack' });
    try {
      const grant = await authorize(provider, { scope: 'chat:write', user_scope: 'search:read' }, provider.fetch);
      const answer = await exchange(provider, grant, { fetch: provider.fetch, auth: 'basic' });
      expect(answer.body.access_token, answer.text).toMatch(/^xoxb-./);
      const user = answer.body.authed_user as Record<string, unknown>;
      expect(user.access_token).toMatch(/^xoxp-./);
      for (const token of [answer.body.access_token, user.access_token]) {
        const test = await read(await provider.fetch('https://slack.com/api/auth.test', { headers: { authorization: `Bearer ${token as string}` } }));
        expect(test.body.ok, test.text).toBe(true);
      }
      const revoked = await provider.fetch(provider.endpoints.revocation ?? `${provider.issuer}/token/revocation`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: answer.body.access_token as string }).toString(),
      });
      expect(revoked.status).toBe(200);
      const after = await read(
        await provider.fetch('https://slack.com/api/auth.test', { headers: { authorization: `Bearer ${answer.body.access_token as string}` } }),
      );
      expect(after.body.ok).toBe(false);
    } finally {
      await provider.close();
    }
  });

  it('dropbox: sl. access token; the refreshed one too', async () => {
    const provider = await createMockProvider({ preset: 'dropbox' });
    try {
      const grant = await authorize(provider, OFFLINE_PARAMS.dropbox ?? {}, provider.fetch);
      const answer = await exchange(provider, grant, { fetch: provider.fetch, auth: 'basic', accept: 'application/json' });
      expect(answer.body.access_token).toMatch(/^sl\../);
      const refreshed = await refresh(provider, answer.body.refresh_token as string, { fetch: provider.fetch, auth: 'basic', accept: 'application/json' });
      expect(refreshed.status, refreshed.text).toBe(200);
      expect(refreshed.body.access_token).toMatch(/^sl\../);
    } finally {
      await provider.close();
    }
  });

  it("accessTokenFormat: 'jwt' keeps a verifiable JWT (no prefix), accepted at the identity call", async () => {
    const provider = await createMockProvider({ preset: 'github', accessTokenFormat: 'jwt' });
    try {
      const grant = await authorize(provider, { scope: 'repo' }, provider.fetch);
      const answer = await exchange(provider, grant, { fetch: provider.fetch, accept: 'application/json' });
      expect(answer.body.access_token).toMatch(/^eyJ[\w-]*\.[\w-]+\.[\w-]+$/);
      expect((await provider.fetch('https://api.github.com/user', { headers: { authorization: `Bearer ${answer.body.access_token as string}` } })).status).toBe(
        200,
      );
    } finally {
      await provider.close();
    }
  });

  it('a body over the size limit at introspection still gets the 413 (not a 500) with a prefixing preset', async () => {
    const provider = await createMockProvider({ preset: 'github' });
    try {
      const response = await provider.fetch(provider.introspectionUrl, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=gho_x&pad=${'a'.repeat(1024 * 1024 + 10)}`,
      });
      expect(response.status).toBe(413);
    } finally {
      await provider.close();
    }
  });

  it('a preset without a confirmed prefix (gitlab) keeps the engine token as is', async () => {
    const provider = await createMockProvider({ preset: 'gitlab' });
    try {
      const grant = await authorize(provider, {}, provider.fetch);
      const answer = await exchange(provider, grant, { fetch: provider.fetch });
      expect(await provider.lookupAccessToken(answer.body.access_token as string)).toBeDefined();
      expect(answer.body.access_token).not.toMatch(/^(gho_|ghu_|xox|sl\.)/);
    } finally {
      await provider.close();
    }
  });
});
