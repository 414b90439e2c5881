/**
 * Refresh policies of the presets, exercised: strict rotation, rotation with a grace window (time travel, no
 * sleeping), rotation without revocation, idempotent replay until the new token is used, static tokens
 * (echoed or left out), reuse revoking the family, and how a refresh token is obtained at all.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMockProvider, type MockProvider, type MockProviderOptions } from '../../src/mock-provider/index.js';
import type { PresetName } from '../../src/mock-provider/presets/index.js';
import { authFor, OFFLINE_PARAMS } from './flow.js';
import { authorize, exchange, read, refresh } from './helpers.js';

async function start(name: PresetName, extra: Partial<MockProviderOptions> = {}): Promise<{ provider: MockProvider; rt: string; at: string }> {
  const provider = await createMockProvider({ preset: name, ...extra });
  const grant = await authorize(provider, OFFLINE_PARAMS[name] ?? {}, provider.fetch);
  const answer = await exchange(provider, grant, { fetch: provider.fetch, auth: authFor(name), accept: 'application/json' });
  expect(typeof answer.body.refresh_token, answer.text).toBe('string');
  return { provider, rt: answer.body.refresh_token as string, at: answer.body.access_token as string };
}

const again = (provider: MockProvider, name: PresetName, rt: string) =>
  refresh(provider, rt, { fetch: provider.fetch, auth: authFor(name), accept: 'application/json' });

async function identityStatus(provider: MockProvider, url: string, at: string): Promise<number> {
  return (await provider.fetch(url, { headers: { authorization: `Bearer ${at}` } })).status;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('rotate (GitLab: the old refresh token dies at once)', () => {
  it('returns a new refresh token and refuses the old one', async () => {
    const { provider, rt } = await start('gitlab');
    const first = await again(provider, 'gitlab', rt);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(rt);
    const reuse = await again(provider, 'gitlab', rt);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await again(provider, 'gitlab', first.body.refresh_token as string)).status).toBe(200);
    await provider.close();
  });

  it("with reuse: 'revoke-grant', replaying the old one kills the new one too", async () => {
    const { provider, rt } = await start('gitlab', { quirks: { refreshPolicy: { mode: 'rotate', reuse: 'revoke-grant' } } });
    const first = await again(provider, 'gitlab', rt);
    expect((await again(provider, 'gitlab', rt)).status).toBe(400);
    expect((await again(provider, 'gitlab', first.body.refresh_token as string)).status).toBe(400);
    await provider.close();
  });
});

describe('a refresh policy across a restart (statePath)', () => {
  it('keeps the refresh tokens clients hold, rotated ones still refused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oauth2-testkit-aliases-'));
    try {
      const statePath = path.join(dir, 'state.json');
      const { provider, rt } = await start('gitlab', { statePath });
      const first = await again(provider, 'gitlab', rt);
      expect(first.status).toBe(200);
      await provider.close();

      const restarted = await createMockProvider({ preset: 'gitlab', statePath });
      expect((await again(restarted, 'gitlab', rt)).status).toBe(400);
      const next = await again(restarted, 'gitlab', first.body.refresh_token as string);
      expect(next.status, next.text).toBe(200);
      expect(next.body.refresh_token).not.toBe(first.body.refresh_token);
      await restarted.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a refresh policy with statePath: the file has the new refresh token before the answer leaves', () => {
  it('a state file read as soon as the answer arrives already holds the rotated alias', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oauth2-testkit-aliases-'));
    try {
      const statePath = path.join(dir, 'state.json');
      const { provider, rt } = await start('gitlab', { statePath });
      let aliases: unknown[] = [];
      // Read synchronously the moment the response resolves: nothing scheduled for later in this tick has run.
      const readAtAnswer: typeof fetch = async (input, init) => {
        const response = await provider.fetch(input, init);
        aliases = (JSON.parse(readFileSync(statePath, 'utf8')) as { refreshAliases: [string, unknown][] }).refreshAliases.map(([token]) => token);
        return response;
      };
      const first = await refresh(provider, rt, { fetch: readAtAnswer, auth: authFor('gitlab'), accept: 'application/json' });
      expect(first.status, first.text).toBe(200);
      expect(aliases).toContain(first.body.refresh_token);
      await provider.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('rotate, revoking the previous access token (GitHub App)', () => {
  it('the old access token stops working at the refresh', async () => {
    const { provider, rt, at } = await start('github-app');
    expect(await identityStatus(provider, 'https://api.github.com/user', at)).toBe(200);
    const next = await again(provider, 'github-app', rt);
    expect(next.status).toBe(200);
    expect(await identityStatus(provider, 'https://api.github.com/user', at)).toBe(401);
    expect(await identityStatus(provider, 'https://api.github.com/user', next.body.access_token as string)).toBe(200);
    const reuse = await again(provider, 'github-app', rt);
    expect(reuse.status).toBe(200);
    expect(reuse.body.error).toBe('bad_refresh_token');
    await provider.close();
  });
});

describe('rotate with a grace window (Atlassian: 10 minutes)', () => {
  it('the old refresh and access tokens work for 600 s after the rotation, then are refused with 403', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { provider, rt, at } = await start('atlassian');
    const me = 'https://api.atlassian.com/me';
    const rotated = await again(provider, 'atlassian', rt);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(rt);
    vi.setSystemTime(Date.now() + 599_000);
    expect(await identityStatus(provider, me, at)).toBe(200);
    const within = await again(provider, 'atlassian', rt);
    expect(within.status, within.text).toBe(200);
    vi.setSystemTime(Date.now() + 2_000);
    expect(await identityStatus(provider, me, at)).toBe(401);
    const after = await again(provider, 'atlassian', rt);
    expect(after.status).toBe(403);
    expect(after.body).toEqual({ error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
    expect((await again(provider, 'atlassian', rotated.body.refresh_token as string)).status).toBe(200);
    await provider.close();
  });
});

describe('rotate without revoking (Microsoft Entra ID)', () => {
  it('each refresh returns a new refresh token and the old ones keep working', async () => {
    const { provider, rt } = await start('microsoft');
    const first = await again(provider, 'microsoft', rt);
    expect(first.body.refresh_token).not.toBe(rt);
    expect((await again(provider, 'microsoft', rt)).status).toBe(200);
    expect((await again(provider, 'microsoft', first.body.refresh_token as string)).status).toBe(200);
    await provider.close();
  });
});

describe('rotate, idempotent until the new token is used (Box)', () => {
  it('replaying the same refresh token returns the same pair until the new one is used, then fails', async () => {
    const { provider, rt } = await start('box');
    const first = await again(provider, 'box', rt);
    const replay = await again(provider, 'box', rt);
    expect(replay.body.access_token).toBe(first.body.access_token);
    expect(replay.body.refresh_token).toBe(first.body.refresh_token);
    expect((await again(provider, 'box', first.body.refresh_token as string)).status).toBe(200);
    const dead = await again(provider, 'box', rt);
    expect(dead.status).toBe(400);
    expect(dead.body.error).toBe('invalid_grant');
    await provider.close();
  });
});

describe('static', () => {
  it('Google: the refresh answer has no refresh_token and the first one keeps working', async () => {
    const { provider, rt } = await start('google');
    for (let i = 0; i < 3; i += 1) {
      const answer = await again(provider, 'google', rt);
      expect(answer.status).toBe(200);
      expect(answer.body.refresh_token).toBeUndefined();
    }
    await provider.close();
  });

  it('HubSpot: the refresh answer repeats the same refresh_token', async () => {
    const { provider, rt } = await start('hubspot');
    const answer = await again(provider, 'hubspot', rt);
    expect(answer.body.refresh_token).toBe(rt);
    expect(answer.body.hub_id).toBe(12345678);
    await provider.close();
  });

  it('Dropbox: the refresh answer is only access_token, token_type, expires_in', async () => {
    const { provider, rt } = await start('dropbox');
    const answer = await again(provider, 'dropbox', rt);
    expect(Object.keys(answer.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    await provider.close();
  });
});

describe('how a refresh token is obtained', () => {
  const codeExchange = async (name: PresetName, params: Record<string, string>, provider?: MockProvider) => {
    const target = provider ?? (await createMockProvider({ preset: name }));
    const grant = await authorize(target, params, target.fetch);
    return { target, answer: await exchange(target, grant, { fetch: target.fetch, auth: authFor(name), accept: 'application/json' }) };
  };

  it('Google: only with access_type=offline, and only on first consent unless prompt=consent', async () => {
    const { target, answer } = await codeExchange('google', { scope: 'email' });
    expect(answer.body.refresh_token).toBeUndefined();
    expect((await codeExchange('google', { scope: 'email', access_type: 'offline' }, target)).answer.body.refresh_token).toBeTypeOf('string');
    expect((await codeExchange('google', { scope: 'email', access_type: 'offline' }, target)).answer.body.refresh_token).toBeUndefined();
    expect((await codeExchange('google', { scope: 'email', access_type: 'offline', prompt: 'consent' }, target)).answer.body.refresh_token).toBeTypeOf(
      'string',
    );
    await target.close();
  });

  it('Atlassian and Microsoft: only with the offline_access scope', async () => {
    for (const name of ['atlassian', 'microsoft'] as const) {
      // Atlassian requires audience=api.atlassian.com on the authorization request.
      const extra: Record<string, string> = name === 'atlassian' ? { audience: 'api.atlassian.com' } : {};
      const without = await codeExchange(name, { scope: 'read:me', ...extra });
      expect(without.answer.body.refresh_token, name).toBeUndefined();
      const withIt = await codeExchange(name, { scope: 'read:me offline_access', ...extra }, without.target);
      expect(withIt.answer.body.refresh_token, name).toBeTypeOf('string');
      await without.target.close();
    }
  });

  it('Dropbox: only with token_access_type=offline; GitHub OAuth App: never', async () => {
    const dropbox = await codeExchange('dropbox', {});
    expect(dropbox.answer.body.refresh_token).toBeUndefined();
    await dropbox.target.close();
    const github = await codeExchange('github', { scope: 'repo' });
    expect(github.answer.body.refresh_token).toBeUndefined();
    expect(github.answer.body.expires_in).toBeUndefined();
    await github.target.close();
  });
});

describe('other request-side dimensions', () => {
  it('Slack refuses a space-separated scope list, as a comma-separated provider would', async () => {
    const provider = await createMockProvider({ preset: 'slack' });
    await expect(authorize(provider, { scope: 'chat:write channels:read' }, provider.fetch)).rejects.toThrow(/no code: 400/);
    await provider.close();
  });

  it('Notion requires Basic; Salesforce refuses Basic; Microsoft refuses JSON', async () => {
    const notion = await createMockProvider({ preset: 'notion' });
    const grant = await authorize(notion, {}, notion.fetch);
    const body = await exchange(notion, grant, { fetch: notion.fetch, auth: 'body', accept: 'application/json' });
    expect(body.status).toBe(401);
    expect(body.body.error).toBe('invalid_client');
    await notion.close();
    const salesforce = await createMockProvider({ preset: 'salesforce' });
    const sfGrant = await authorize(salesforce, {}, salesforce.fetch);
    expect((await exchange(salesforce, sfGrant, { fetch: salesforce.fetch, auth: 'basic' })).body.error).toBe('invalid_client');
    await salesforce.close();
  });

  it('a templated host answers any tenant (Zendesk {subdomain}, Entra {tenant})', async () => {
    const provider = await createMockProvider({ preset: 'zendesk' });
    expect(provider.endpoints.token).toBe('https://mock.zendesk.com/oauth/tokens');
    expect(provider.serves('https://acme.zendesk.com/oauth/tokens')).toBe(true);
    expect(provider.serves('https://acme.zendesk.com/api/v2/tickets')).toBe(false);
    const me = await read(await provider.fetch('https://acme.zendesk.com/api/v2/users/me'));
    expect(me.status).toBe(401);
    expect(me.body.error).toBe('invalid_token');
    await provider.close();
  });

  it('an option given beside the preset wins over it', async () => {
    const provider = await createMockProvider({ preset: 'github', accessTokenTtl: 60, quirks: { expiresIn: true, tokenType: 'Bearer' } });
    const grant = await authorize(provider, {}, provider.fetch);
    const answer = await exchange(provider, grant, { fetch: provider.fetch, auth: 'basic', accept: 'application/json' });
    expect(answer.body.expires_in).toBe(60);
    expect(answer.body.token_type).toBe('Bearer');
    await provider.close();
  });

  it('an unknown preset is refused with the list of names', async () => {
    await expect(createMockProvider({ preset: 'nope' as never })).rejects.toThrow(/Unknown preset "nope". Known presets: github, github-app, gitlab/);
  });
});
