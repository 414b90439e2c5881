import { createServer } from 'node:net';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireConfigLock } from '../../src/flow/token-store.js';
import { startMockProvider } from '../../src/mock-provider/index.js';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createUserAgent } from '../../src/mock-provider/user-agent/user-agent.js';
import { runCli, startCli, tempProject } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';

const CLIENT = {
  clientId: 'acme-client',
  clientSecret: 'acme-secret-0123456789',
  // Loopback redirect URIs match on any port (RFC 8252 §7.3), as the CLI's --no-tunnel callback needs.
  redirectUris: ['http://127.0.0.1/callback'],
  scopes: ['read:issues', 'write:issues'],
};
const invalidDir = path.resolve(import.meta.dirname, '../../fixtures/invalid');
const invalidConfigs = (await readdir(invalidDir)).filter((file) => file.endsWith('.json'));

let provider: MockProvider;
beforeEach(async () => {
  provider = await startMockProvider({ clients: [CLIENT], login: 'form' });
});
afterEach(async () => {
  await provider.close();
});

function connectorConfig(oauth2: Record<string, unknown> = {}) {
  return {
    name: 'acme',
    authorizations: [
      { name: 'apiKey', method: 'custom' },
      {
        name: 'oauth2',
        method: 'oauth2',
        development: true,
        oauth2: {
          clientId: CLIENT.clientId,
          clientSecret: CLIENT.clientSecret,
          authorizationUrl: provider.authorizationUrl,
          tokenUrl: provider.tokenUrl,
          scopes: [{ name: 'read:issues' }, { name: 'write:issues', help: 'create issues' }],
          ...oauth2,
        },
      },
    ],
    testAccounts: { development: { workspace: 'acme' }, other: { apiKey: 'keep-me' } },
  };
}

/** Plays the user: reads the URL the CLI prints with --no-open and logs in with a headless browser. */
async function loginAs(run: CliRun, consent: 'approve' | 'deny' = 'approve') {
  const [url] = await run.waitForStderr(/^https?:\/\/\S+$/m);
  return createUserAgent().navigate(url, { consent });
}

const flowArgs = (configPath: string, ...extra: string[]) => ['oauth2', '--config-path', configPath, '--no-tunnel', '--no-open', ...extra];

async function readJson(file: string) {
  return JSON.parse(await readFile(file, 'utf8'));
}

describe('integration-cli oauth2 against a local provider', () => {
  it('logs in, writes the tokens into the development account and keeps everything else', async () => {
    const { configPath } = await tempProject(connectorConfig());
    const run = startCli(flowArgs(configPath, '--json'));
    const page = await loginAs(run);
    expect(page.body).toMatch(/terminal/i);
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);

    const config = await readJson(configPath);
    expect(config.name).toBe('acme');
    expect(config.testAccounts.other).toEqual({ apiKey: 'keep-me' });
    const account = config.testAccounts.development;
    expect(account.workspace).toBe('acme');
    expect(account.accessToken).toEqual(expect.any(String));
    expect(account.refreshToken).toEqual(expect.any(String));
    expect(account.tokenType).toMatch(/bearer/i);
    expect(account.expiresIn).toBeGreaterThan(0);
    expect(await (await fetch(provider.resourceUrl, { headers: { authorization: `Bearer ${account.accessToken}` } })).status).toBe(200);

    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ ok: true, mode: 'login', testAccount: 'development', authorization: 'oauth2' });
    for (const secret of [account.accessToken, account.refreshToken, CLIENT.clientSecret]) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
    }
  });

  it('refreshes with the stored refresh token on a second run, without a browser', async () => {
    const { configPath } = await tempProject(connectorConfig());
    const first = startCli(flowArgs(configPath));
    await loginAs(first);
    expect((await first.done).code).toBe(0);
    const before = (await readJson(configPath)).testAccounts.development;

    const second = await runCli(flowArgs(configPath, '--json'));
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).mode).toBe('refresh');
    const after = (await readJson(configPath)).testAccounts.development;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).toEqual(expect.any(String));
    expect(provider.requests.filter((r) => r.endpoint === 'authorization')).toHaveLength(1);
  });

  it('logs in anew with --reauth even when a refresh token is stored', async () => {
    const { configPath } = await tempProject(connectorConfig());
    const first = startCli(flowArgs(configPath));
    await loginAs(first);
    expect((await first.done).code).toBe(0);

    const second = startCli(flowArgs(configPath, '--reauth', '--json'));
    await loginAs(second);
    const result = await second.done;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).mode).toBe('login');
    expect(provider.requests.filter((r) => r.endpoint === 'authorization')).toHaveLength(2);
  });

  it('exits 1 and suggests --reauth when the provider rejects the refresh token, writing nothing', async () => {
    const { configPath } = await tempProject(connectorConfig());
    const first = startCli(flowArgs(configPath));
    await loginAs(first);
    expect((await first.done).code).toBe(0);
    const before = await readFile(configPath, 'utf8');
    await provider.revokeRefreshTokens();

    const second = await runCli(flowArgs(configPath));
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/refresh token/i);
    expect(second.stderr).toContain('--reauth');
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it("exits 1 with the provider's error when the user denies access", async () => {
    const { configPath } = await tempProject(connectorConfig());
    const before = await readFile(configPath, 'utf8');
    const run = startCli(flowArgs(configPath));
    const page = await loginAs(run, 'deny');
    expect(page.body).toContain('access_denied');
    const result = await run.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('access_denied');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it('answers a callback with the wrong state with 400 and keeps waiting for the right one', async () => {
    const { configPath } = await tempProject(connectorConfig());
    const run = startCli(flowArgs(configPath));
    const [, callbackServer] = await run.waitForStderr(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const forged = await fetch(`${callbackServer}/callback?code=forged&state=not-ours`);
    expect(forged.status).toBe(400);
    await loginAs(run);
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(provider.requests.filter((r) => r.endpoint === 'token')).toHaveLength(1);
  });

  it('gives up after --timeout seconds with exit 1 and closes its server', async () => {
    const { configPath } = await tempProject(connectorConfig());
    const run = startCli(flowArgs(configPath, '--timeout', '1'));
    const [, callbackServer] = await run.waitForStderr(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const result = await run.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--timeout/);
    await expect(fetch(`${callbackServer}/health`)).rejects.toThrow();
  });

  it('exits 130 on Ctrl-C while waiting for the login', async () => {
    const { configPath } = await tempProject(connectorConfig());
    const run = startCli(flowArgs(configPath));
    await run.waitForStderr(/^https?:\/\/\S+$/m);
    run.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
  });

  it('names OAUTH2_PORT when the callback port is busy', async () => {
    const { configPath } = await tempProject(connectorConfig());
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(flowArgs(configPath), { env: { OAUTH2_PORT: String(port) } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(String(port));
      expect(result.stderr).toContain('OAUTH2_PORT');
    } finally {
      blocker.close();
    }
  });

  it('exits 2 (usage), like a busy port, when another run holds the lock on the config; opens nothing', async () => {
    const { configPath } = await tempProject(connectorConfig());
    const before = await readFile(configPath, 'utf8');
    const lock = await acquireConfigLock(configPath);
    try {
      const result = await runCli(flowArgs(configPath, '--json'));
      expect(result.code, result.stderr).toBe(2);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'LOCKED', message: expect.stringContaining('holds the lock') } });
      expect(result.stderr).not.toMatch(/listening on/);
    } finally {
      await lock.release();
    }
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it('stops before opening anything when ngrok has no authtoken', async () => {
    const { configPath } = await tempProject(connectorConfig());
    const before = await readFile(configPath, 'utf8');
    const result = await runCli(['oauth2', '--config-path', configPath, '--no-open']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('NGROK_AUTHTOKEN');
    expect(result.stderr).not.toMatch(/listening on/);
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it('sends a JSON token request with the configured extra headers and body fields', async () => {
    await provider.close();
    provider = await startMockProvider({ clients: [CLIENT], login: 'form', quirks: { jsonTokenRequests: true } });
    const { configPath } = await tempProject(
      connectorConfig({
        requestContentType: 'application/json',
        tokenRequestParameters: { header: { 'X-Workspace': '{+workspace}' }, body: { audience: 'https://api.acme.test/{+workspace}' } },
      }),
    );
    const run = startCli(flowArgs(configPath));
    await loginAs(run);
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    const token = provider.requests.find((r) => r.endpoint === 'token');
    expect(token?.headers['content-type']).toMatch(/application\/json/);
    expect(token?.headers['x-workspace']).toBe('acme');
    expect(token?.body).toMatchObject({ audience: 'https://api.acme.test/acme', client_secret: '[redacted]' });
  });
});

describe('integration-cli oauth2 with a malformed config', () => {
  it('has a set of malformed config fixtures to run', () => {
    expect(invalidConfigs.length).toBeGreaterThanOrEqual(6);
  });

  it.each(invalidConfigs)('exits 2 with one paragraph and leaves %s byte-for-byte unchanged', async (file) => {
    const text = await readFile(path.join(invalidDir, file), 'utf8');
    const { configPath } = await tempProject(text);
    const result = await runCli(flowArgs(configPath));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: /m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(await readFile(configPath, 'utf8')).toBe(text);
  });

  it('exits 2 and names the path when the config file is missing', async () => {
    const result = await runCli(flowArgs('/nonexistent/.unito.json'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('/nonexistent/.unito.json');
  });
});
