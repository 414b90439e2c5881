import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mockStatePath } from '../../src/cli/edges/mock-edges.js';
import { acquireConfigLock } from '../../src/flow/token-store.js';
import { createUserAgent } from '../../src/mock-provider/user-agent/user-agent.js';
import { CLI, runCli, startCli, tempProject } from '../helpers/cli.js';

const fixture = path.resolve(import.meta.dirname, '../../fixtures/unito.json');

// biome-ignore lint/suspicious/noExplicitAny: tests edit the parsed fixture freely.
async function project(edit: (config: any) => void = () => {}) {
  const config = JSON.parse(await readFile(fixture, 'utf8'));
  edit(config);
  return tempProject(config);
}

const mockArgs = (configPath: string, ...extra: string[]) => ['oauth2', '--mock', '--config-path', configPath, '--json', ...extra];

describe('integration-cli oauth2 --mock', () => {
  it('logs in offline and writes only the mock test account', async () => {
    const { configPath, cacheDir } = await project();
    const before = JSON.parse(await readFile(configPath, 'utf8'));
    const result = await runCli(mockArgs(configPath), { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, mode: 'login', testAccount: 'mock' });

    const after = JSON.parse(await readFile(configPath, 'utf8'));
    expect(after.testAccounts.development).toEqual(before.testAccounts.development);
    expect(after.testAccounts.mock).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 3600 });
    expect(result.stdout + result.stderr).not.toContain(after.testAccounts.mock.accessToken);
    expect(result.stdout + result.stderr).not.toContain('acme-dev-client-secret');
  });

  it('refreshes on the next run, logs in again with --reauth, and starts over with --reset-mock', async () => {
    const { configPath, cacheDir } = await project();
    const env = { OAUTH2_TESTKIT_CACHE_DIR: cacheDir };
    const modes: string[] = [];
    const tokens: string[] = [];
    for (const extra of [[], [], ['--reauth'], ['--reset-mock'], []]) {
      const result = await runCli(mockArgs(configPath, ...extra), { env });
      expect(result.code, result.stderr).toBe(0);
      modes.push(JSON.parse(result.stdout).mode);
      tokens.push(JSON.parse(await readFile(configPath, 'utf8')).testAccounts.mock.accessToken);
    }
    expect(modes).toEqual(['login', 'refresh', 'login', 'login', 'refresh']);
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it.each([
    [
      'the config is invalid',
      2,
      async (configPath: string) => {
        const config = JSON.parse(await readFile(configPath, 'utf8'));
        delete config.authorizations[0].oauth2.clientId;
        await writeFile(configPath, JSON.stringify(config));
        return async () => {};
      },
    ],
    [
      'another run holds the lock',
      2,
      async (configPath: string) => {
        const lock = await acquireConfigLock(configPath);
        return () => lock.release();
      },
    ],
  ])('keeps the mock state with --reset-mock when %s', async (_, exitCode, arrange) => {
    const { configPath, cacheDir } = await project();
    const env = { OAUTH2_TESTKIT_CACHE_DIR: cacheDir };
    expect((await runCli(mockArgs(configPath), { env })).code).toBe(0);
    const statePath = mockStatePath(configPath, env);
    const state = await readFile(statePath, 'utf8');
    const undo = await arrange(configPath);
    try {
      const result = await runCli(mockArgs(configPath, '--reset-mock'), { env });
      expect(result.code, result.stderr).toBe(exitCode);
    } finally {
      await undo();
    }
    expect(await readFile(statePath, 'utf8')).toBe(state);
  });

  it('fails the same way the real flow would on a broken template, before writing anything', async () => {
    const { configPath, cacheDir } = await project((config) => {
      config.authorizations[0].oauth2.tokenRequestParameters = { header: { 'X-Tenant': '{+tenantId' } };
    });
    const before = await readFile(configPath, 'utf8');
    const result = await runCli(mockArgs(configPath), { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'TEMPLATE_INVALID' } });
    expect(result.stderr).toContain('X-Tenant');
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it('seeds an unknown template variable with a placeholder, where the real flow names the account that lacks it', async () => {
    const { configPath, cacheDir } = await project((config) => {
      config.authorizations[0].oauth2.tokenRequestParameters = { header: { 'X-Tenant': '{+tenantId}' } };
    });
    const real = await runCli(['oauth2', '--config-path', configPath, '--no-tunnel', '--no-open', '--test-account', 'ci', '--json']);
    expect(real.code).toBe(2);
    expect(JSON.parse(real.stdout)).toMatchObject({
      ok: false,
      error: { code: 'TEMPLATE_VARIABLE_MISSING', message: expect.stringContaining('Add "tenantId" to testAccounts.ci') },
    });
    const mock = await runCli(mockArgs(configPath), { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
    expect(mock.code, mock.stderr).toBe(0);
    expect(JSON.parse(mock.stdout).seeded).toEqual({ tenantId: 'placeholder' });
    expect(JSON.parse(await readFile(configPath, 'utf8')).testAccounts.mock.tenantId).toBe('mock-tenantId');
  });

  it('sends JSON token requests when the authorization asks for them, with Basic auth from a template', async () => {
    const { configPath, cacheDir } = await project((config) => {
      Object.assign(config.authorizations[0].oauth2, {
        requestContentType: 'application/json',
        tokenRequestParameters: { header: { Authorization: 'Basic {!base64({+clientId}:{+clientSecret})}' } },
      });
    });
    const result = await runCli(mockArgs(configPath), { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
    expect(result.code, result.stderr).toBe(0);
  });

  it('uses any free callback port unless OAUTH2_PORT is set: two runs in parallel beside a busy 9002 both log in', async () => {
    // A waiting real login (or anything else) holds the default port 9002.
    const blocker = createServer();
    await new Promise<void>((resolve) => {
      blocker.once('error', () => resolve()); // already taken by someone else: busy either way
      blocker.listen(9002, '127.0.0.1', () => resolve());
    });
    try {
      const runs = await Promise.all(
        [0, 1].map(async () => {
          const { configPath, cacheDir } = await project();
          return runCli(mockArgs(configPath), { env: { OAUTH2_PORT: undefined, OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
        }),
      );
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it.each(['https://example.com/cb', 'http://10.0.0.1:9002/callback', 'not a url'])(
    'refuses --redirect-url %s with --mock as a usage error (exit 2): the mock stays offline',
    async (redirectUrl) => {
      const { configPath, cacheDir } = await project();
      const before = await readFile(configPath, 'utf8');
      const result = await runCli(mockArgs(configPath, '--redirect-url', redirectUrl), { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
      expect(result.code, result.stderr).toBe(2);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
      expect(result.stderr).toContain('loopback');
      expect(await readFile(configPath, 'utf8')).toBe(before);
    },
  );

  it("keeps the authorizationUrl's query (access_type, prompt, audience, user_scope) on the mock's authorize URL", async () => {
    const { configPath, cacheDir } = await project((config) => {
      config.authorizations[0].oauth2.authorizationUrl += '?access_type=offline&prompt=consent&audience=api&user_scope=chat%3Awrite';
    });
    const run = startCli(mockArgs(configPath, '--no-open'), { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
    const [printed] = await run.waitForStderr(/^https?:\/\/\S+$/m);
    const url = new URL(printed);
    expect(url.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ access_type: 'offline', prompt: 'consent', audience: 'api', user_scope: 'chat:write' });
    // The mock's form login honours prompt=consent (it asks) and ignores what it does not know.
    const page = await createUserAgent().navigate(printed);
    expect(page.url.pathname).toBe('/callback');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, mode: 'login' });
  });

  it("seeds the README example's {+domain} from testAccounts.development on first use, says so on one line, then stops", async () => {
    const { configPath, cacheDir } = await project((config) => {
      Object.assign(config.authorizations[0].oauth2, {
        authorizationUrl: 'https://{+domain}.example.com/oauth/authorize',
        tokenUrl: 'https://{+domain}.example.com/oauth/token',
      });
      config.testAccounts.development.domain = 'acme';
    });
    const env = { OAUTH2_TESTKIT_CACHE_DIR: cacheDir };
    const first = await runCli(mockArgs(configPath), { env });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, testAccount: 'mock', seeded: { domain: 'testAccounts.development' } });
    const lines = first.stderr.split('\n').filter((line) => line.includes('seeds'));
    expect(lines).toEqual(['testAccounts.mock lacked template values: --mock seeds domain (from testAccounts.development); they are written with the tokens.']);
    const config = JSON.parse(await readFile(configPath, 'utf8'));
    expect(config.testAccounts.mock).toMatchObject({ domain: 'acme', accessToken: expect.any(String) });
    expect(config.testAccounts.development).toEqual({ accountLabel: 'Acme sandbox workspace', domain: 'acme' });

    const second = await runCli(mockArgs(configPath), { env });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).not.toHaveProperty('seeded');
    expect(second.stderr).not.toContain('seeds');
  });

  it("seeds declared variables: development's value, else defaultValue, else mock-<name>; never a password's value", async () => {
    const { configPath, cacheDir } = await project((config) => {
      Object.assign(config.authorizations[0], {
        variables: {
          domain: { type: 'string', label: 'Domain', defaultValue: 'default-domain' },
          workspace: { type: 'string', label: 'Workspace' },
          apiToken: { type: 'password', label: 'API token' },
          region: { type: 'string', label: 'Region', defaultValue: 'eu' },
        },
      });
      Object.assign(config.authorizations[0].oauth2, {
        authorizationUrl: 'https://{+domain}.example.com/oauth/authorize',
        tokenRequestParameters: { header: { 'X-Workspace': '{+workspace}', 'X-Api-Token': '{+apiToken}', 'X-Tenant': '{+tenant}' } },
      });
      Object.assign(config.testAccounts.development, { workspace: 'dev-ws', apiToken: 'real-dev-api-token-9876' });
    });
    const result = await runCli(mockArgs(configPath), { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).seeded).toEqual({
      domain: 'defaultValue',
      workspace: 'testAccounts.development',
      apiToken: 'placeholder',
      region: 'defaultValue',
      tenant: 'placeholder',
    });
    expect(result.stderr).toContain(
      'testAccounts.mock lacked template values: --mock seeds domain (its defaultValue), workspace (from testAccounts.development), apiToken (placeholder "mock-apiToken"), region (its defaultValue), tenant (placeholder "mock-tenant"); they are written with the tokens.',
    );
    const mock = JSON.parse(await readFile(configPath, 'utf8')).testAccounts.mock;
    expect(mock).toMatchObject({ domain: 'default-domain', workspace: 'dev-ws', apiToken: 'mock-apiToken', region: 'eu', tenant: 'mock-tenant' });
    expect(result.stdout + result.stderr).not.toContain('real-dev-api-token-9876');
  });

  it('keeps values the mock account already has and seeds only what it lacks', async () => {
    const { configPath, cacheDir } = await project((config) => {
      config.authorizations[0].oauth2.authorizationUrl = 'https://{+domain}.example.com/{+tenant}/authorize';
      Object.assign(config.testAccounts, { development: { domain: 'acme', tenant: 't-dev' }, mock: { domain: 'mine' } });
    });
    const result = await runCli(mockArgs(configPath), { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).seeded).toEqual({ tenant: 'testAccounts.development' });
    expect(JSON.parse(await readFile(configPath, 'utf8')).testAccounts.mock).toMatchObject({ domain: 'mine', tenant: 't-dev' });
  });

  it('warns, naming the account, before --mock replaces credentials it did not write; not for its own tokens', async () => {
    const { configPath, cacheDir } = await project((config) => {
      Object.assign(config.testAccounts.development, { accessToken: 'real-access-token-1234', refreshToken: 'real-refresh-token-5678' });
    });
    const env = { OAUTH2_TESTKIT_CACHE_DIR: cacheDir };
    const first = await runCli(mockArgs(configPath, '--test-account', 'development'), { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/testAccounts\.development holds an accessToken and a refreshToken that --mock did not write/);
    expect(first.stderr).not.toContain('real-refresh-token-5678');

    const second = await runCli(mockArgs(configPath, '--test-account', 'development'), { env });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).mode).toBe('refresh');
    expect(second.stderr).not.toContain('did not write');
  });

  it('says it is creating a --test-account that does not exist yet', async () => {
    const { configPath, cacheDir } = await project();
    const result = await runCli(mockArgs(configPath, '--test-account', 'ci-mock'), { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/testAccounts\.ci-mock does not exist in .* yet: --mock creates it\./);
    expect(result.stderr).not.toContain('did not write');
  });

  it('warns that --environment is unused when no platform relay is involved', async () => {
    const { configPath, cacheDir } = await project();
    const result = await runCli(mockArgs(configPath, '--environment', 'staging'), { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('--environment staging is unused with --mock');
  });

  it('rejects a wrong client secret in a Basic header the way a provider would', async () => {
    const { configPath, cacheDir } = await project((config) => {
      config.authorizations[0].oauth2.tokenRequestParameters = { header: { Authorization: 'Basic {!base64({+clientId}:wrong)}' } };
    });
    const result = await runCli(mockArgs(configPath), { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe('TOKEN_ENDPOINT_ERROR');
  });
});

// A network namespace with only loopback proves the mock run needs no network at all.
const canIsolate = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;

describe('integration-cli oauth2 --mock in a network namespace with only loopback', () => {
  it.skipIf(!canIsolate)('completes the login with no network (skipped only where unshare -n is not permitted)', async () => {
    const { configPath, cacheDir } = await project();
    const child = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, CLI, ...mockArgs(configPath)], {
      env: { ...process.env, OAUTH2_PORT: '0', OAUTH2_TESTKIT_CACHE_DIR: cacheDir, NGROK_AUTHTOKEN: '' },
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toMatchObject({ ok: true, mode: 'login' });
  });
});
