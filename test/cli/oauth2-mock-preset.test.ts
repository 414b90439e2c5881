import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES } from '../../src/mock-provider/presets/index.js';
import { runCli, tempProject } from '../helpers/cli.js';

/** `oauth2 --mock` behaves like the provider the authorization's URLs name (issue 12). */
async function providerProject(authorizationUrl: string, tokenUrl: string, scopes = ['repo', 'gist']) {
  const project = await tempProject({
    name: 'preset',
    authorizations: [
      {
        name: 'oauth2',
        method: 'oauth2',
        development: true,
        oauth2: { clientId: 'preset-client', clientSecret: 'preset-secret-4b1d', authorizationUrl, tokenUrl, scopes: scopes.map((name) => ({ name })) },
      },
    ],
    testAccounts: { development: {} },
  });
  const run = async (...extra: string[]) => {
    const result = await runCli(['oauth2', '--mock', '--config-path', project.configPath, '--json', ...extra], {
      env: { OAUTH2_TESTKIT_CACHE_DIR: project.cacheDir },
    });
    return { ...result, json: JSON.parse(result.stdout || '{}') };
  };
  const account = async () => JSON.parse(await readFile(project.configPath, 'utf8')).testAccounts.mock;
  return { ...project, run, account };
}

const github = () => providerProject('https://github.com/login/oauth/authorize', 'https://github.com/login/oauth/access_token');

describe('oauth2 --mock picks a provider preset', () => {
  it("gives a github.com config GitHub's answers (no expiry, no refresh token, comma scopes), saying which preset and why", async () => {
    const mock = await github();
    const result = await mock.run();
    expect(result.code, result.stderr).toBe(0);
    const configLine = result.stderr.split('\n').find((line) => line.includes('Authorization "oauth2"'));
    expect(configLine).toContain('mock preset: github (tokenUrl https://github.com/login/oauth/access_token is its token endpoint');
    expect(configLine).toContain('--mock-preset');
    expect(await mock.account()).toEqual({ accessToken: expect.any(String), tokenType: 'bearer', scope: 'repo,gist' });
  });

  it("writes a Slack config's envelope fields as oauth2ExtraParameters", async () => {
    const mock = await providerProject('https://slack.com/oauth/v2/authorize', 'https://slack.com/api/oauth.v2.access', ['chat:write']);
    const result = await mock.run();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('mock preset: slack');
    const account = await mock.account();
    expect(account.oauth2ExtraParameters).toMatchObject({ ok: true, app_id: expect.any(String), team: expect.any(Object) });
    expect(account.scope).toBe('chat:write');
  });

  it("refreshes across runs under a preset's rotating refresh policy (GitLab), each run getting a new refresh token", async () => {
    const mock = await providerProject('https://gitlab.com/oauth/authorize', 'https://gitlab.com/oauth/token', ['read_user']);
    const modes: string[] = [];
    const refreshTokens: string[] = [];
    for (let run = 0; run < 3; run++) {
      const result = await mock.run();
      expect(result.code, result.stderr).toBe(0);
      modes.push(result.json.mode);
      refreshTokens.push((await mock.account()).refreshToken);
    }
    expect(modes).toEqual(['login', 'refresh', 'refresh']);
    expect(new Set(refreshTokens).size).toBe(3);
    expect((await mock.account()).oauth2ExtraParameters).toMatchObject({ created_at: expect.any(Number) });
  });

  it('matches a templated host: a zendesk subdomain from the account', async () => {
    const mock = await providerProject('https://{+subdomain}.zendesk.com/oauth/authorizations/new', 'https://{+subdomain}.zendesk.com/oauth/tokens', ['read']);
    const result = await mock.run();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('mock preset: zendesk (tokenUrl https://{+subdomain}.zendesk.com/oauth/tokens is its token endpoint');
  });

  it('runs the generic mock with --mock-preset none, and for hosts no preset knows', async () => {
    const mock = await github();
    const result = await mock.run('--mock-preset', 'none');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('mock preset: none, the generic mock (--mock-preset none)');
    expect(await mock.account()).toMatchObject({ refreshToken: expect.any(String), tokenType: 'Bearer', expiresIn: 3600, scope: 'repo gist' });

    const other = await providerProject('https://auth.acme.example.com/authorize', 'https://auth.acme.example.com/token');
    const generic = await other.run();
    expect(generic.code, generic.stderr).toBe(0);
    expect(generic.stderr).toContain('mock preset: none, the generic mock (no preset matches');
  });

  it('exits 2 listing the presets for an unknown --mock-preset, and without --mock, the file unchanged', async () => {
    const mock = await github();
    const before = await readFile(mock.configPath, 'utf8');
    const unknown = await mock.run('--mock-preset', 'gitbucket');
    expect(unknown.code).toBe(2);
    expect(unknown.json.error.code).toBe('USAGE');
    for (const name of PRESET_NAMES) expect(unknown.stderr).toContain(name);
    const alone = await runCli(['oauth2', '--config-path', mock.configPath, '--mock-preset', 'github']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--mock-preset only applies with --mock');
    expect(await readFile(mock.configPath, 'utf8')).toBe(before);
  });
});

describe('oauth2 --mock: a config that gets no refresh token says why on the next run', () => {
  it.each([
    [
      'google',
      'https://accounts.google.com/o/oauth2/v2/auth',
      'https://oauth2.googleapis.com/token',
      ['openid'],
      'fix: add access_type=offline to the authorizationUrl query',
    ],
    [
      'atlassian',
      'https://auth.atlassian.com/authorize?audience=api.atlassian.com&prompt=consent',
      'https://auth.atlassian.com/oauth/token',
      ['read:jira-work'],
      'fix: add { "name": "offline_access" } to oauth2.scopes',
    ],
  ])('%s: no refresh token, so the second run logs in again and names the cause and the fix', async (provider, authorizeUrl, tokenUrl, scopes, fix) => {
    const mock = await providerProject(authorizeUrl, tokenUrl, scopes);
    const first = await mock.run();
    expect(first.code, first.stderr).toBe(0);
    expect(await mock.account()).not.toHaveProperty('refreshToken');
    const second = await mock.run();
    expect(second.code, second.stderr).toBe(0);
    const warning = second.stderr.split('\n').find((line) => line.includes('no refresh token'));
    expect(warning).toContain(`(the provider returned none: ${provider}: `);
    expect(warning).toContain(fix);
    expect(warning).toContain('logging in again');
  });
});
