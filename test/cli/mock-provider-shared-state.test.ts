/** Issue 13: `mock-provider --config-path` serves the state `oauth2 --mock` keeps, and `oauth2 --mock` uses it while it runs. */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mockStatePath } from '../../src/cli/edges/mock-edges.js';
import { mockServerFilePath } from '../../src/cli/edges/mock-server-file.js';
import { runCli, startCli, tempProject } from '../helpers/cli.js';

const fixture = path.resolve(import.meta.dirname, '../../fixtures/unito.json');

async function project() {
  return tempProject(JSON.parse(await readFile(fixture, 'utf8')));
}

const mockArgs = (configPath: string) => ['oauth2', '--mock', '--config-path', configPath, '--json'];
const account = async (configPath: string) => JSON.parse(await readFile(configPath, 'utf8')).testAccounts.mock;

/** Starts `mock-provider --config-path` on a free port; resolves with its issuer, control URL and token. */
async function startServer(configPath: string, env: Record<string, string>) {
  const run = startCli(['mock-provider', '--port', '0', '--config-path', configPath, '--control-token', 'shared-token'], { env });
  const [, issuer, controlUrl] = (await run.waitForStderr(/ready on (\S+); control API (\S+) token/)) as unknown as [string, string, string];
  const control = async (route: string) =>
    (await (await fetch(`${controlUrl}${route}`, { headers: { authorization: 'Bearer shared-token' } })).json()) as {
      requests: { method: string; path: string; status: number }[];
    };
  return { run, issuer, controlUrl, control };
}

describe('mock-provider --config-path shares its state with oauth2 --mock', () => {
  it('serves the tokens oauth2 --mock wrote, is used by the next oauth2 --mock, and a kill -9 leaves a file the next run ignores', async () => {
    const { configPath, cacheDir } = await project();
    const env = { OAUTH2_TESTKIT_CACHE_DIR: cacheDir };
    const first = await runCli(mockArgs(configPath), { env });
    expect(first.code, first.stderr).toBe(0);
    const written = await account(configPath);

    const server = await startServer(configPath, env);
    expect((await server.run.waitForStderr(/state\s+(\S+)/))[1]).toBe(mockStatePath(configPath, env));
    const me = await fetch(`${server.issuer}/api/me`, { headers: { authorization: `Bearer ${written.accessToken}` } });
    expect(me.status).toBe(200);
    const introspection = await fetch(`${server.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('acme-dev-client-id:acme-dev-client-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: written.accessToken }),
    });
    expect(await introspection.json()).toMatchObject({ active: true });

    const second = await runCli(mockArgs(configPath), { env });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: true, mode: 'refresh' });
    expect(second.stderr).toContain(`Using the running mock provider ${server.issuer}`);
    const { requests } = await server.control('requests');
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', path: '/token', status: 200 }));
    const refreshed = await account(configPath);
    expect(refreshed.accessToken).not.toBe(written.accessToken);
    expect((await fetch(`${server.issuer}/api/me`, { headers: { authorization: `Bearer ${refreshed.accessToken}` } })).status).toBe(200);

    server.run.kill('SIGKILL');
    await server.run.done;
    const serverFile = mockServerFilePath(mockStatePath(configPath, env));
    expect(JSON.parse(await readFile(serverFile, 'utf8'))).toMatchObject({ issuer: server.issuer });
    const third = await runCli(mockArgs(configPath), { env });
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ ok: true, mode: 'refresh' });
    expect(third.stderr.match(/Ignoring .*\.server\.json: the mock-provider that wrote it \(pid \d+\) is gone/g)).toHaveLength(1);
    expect(third.stderr).not.toContain('Using the running mock provider');
  });

  it('never prints the real client secret of the config (ready lines and --json), only its masked form', async () => {
    const { configPath, cacheDir } = await project();
    const secret = JSON.parse(await readFile(configPath, 'utf8')).authorizations[0].oauth2.clientSecret as string;
    const run = startCli(['mock-provider', '--port', '0', '--config-path', configPath, '--json', '--control-token', 't'], {
      env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir },
    });
    await run.waitForStderr(/ready on/);
    run.kill('SIGTERM');
    const result = await run.done;
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    expect(result.stderr).toMatch(/clientSecret\s+\S+…\(\d+ chars\)/);
  });

  it('removes its server file on a graceful stop, and ignores a file whose server refuses connections', async () => {
    const { configPath, cacheDir } = await project();
    const env = { OAUTH2_TESTKIT_CACHE_DIR: cacheDir };
    const serverFile = mockServerFilePath(mockStatePath(configPath, env));
    const server = await startServer(configPath, env);
    await readFile(serverFile, 'utf8');
    server.run.kill('SIGTERM');
    expect((await server.run.done).code).toBe(0);
    await expect(readFile(serverFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });

    // A live pid (this test's) and a port nobody listens on: connection refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const issuer = `http://127.0.0.1:${port}`;
    await writeFile(
      serverFile,
      JSON.stringify({
        version: 1,
        pid: process.pid,
        issuer,
        authorizationUrl: `${issuer}/auth`,
        tokenUrl: `${issuer}/token`,
        controlUrl: `${issuer}/_testkit/`,
        controlToken: 'x',
      }),
    );
    const run = await runCli(mockArgs(configPath), { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`Ignoring .*\\.server\\.json: ${issuer} does not answer \\(ECONNREFUSED\\)`));
  });

  it('mock-provider --state persists tokens across restarts', async () => {
    const { dir } = await project();
    const statePath = path.join(dir, 'state.json');
    const first = startCli(['mock-provider', '--port', '0', '--state', statePath, '--control-token', 't', '--quiet']);
    const [, controlUrl] = await first.waitForStderr(/control API (\S+) token/);
    const tokens = (await (
      await fetch(`${controlUrl}tokens`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{}' })
    ).json()) as {
      tokens: { access_token: string };
    };
    first.kill('SIGTERM');
    expect((await first.done).code).toBe(0);
    const second = startCli(['mock-provider', '--port', '0', '--state', statePath, '--quiet']);
    const [, issuer] = await second.waitForStderr(/ready on (\S+);/);
    expect((await fetch(`${issuer}/api/me`, { headers: { authorization: `Bearer ${tokens.tokens.access_token}` } })).status).toBe(200);
    second.kill('SIGTERM');
    expect((await second.done).code).toBe(0);
  });
});

describe('mock-provider --config FILE', () => {
  it('takes the createMockProvider options from the file; flags given win', async () => {
    const { dir } = await project();
    const file = path.join(dir, 'mock.json');
    await writeFile(file, JSON.stringify({ clients: [{ clientId: 'file-client', clientSecret: 'file-secret' }], accessTokenTtl: 120, login: 'auto' }));
    const run = startCli(['mock-provider', '--port', '0', '--config', file, '--json', '--quiet', '--access-token-ttl', '60', '--control-token', 't']);
    const [, controlUrl] = await run.waitForStderr(/control API (\S+) token/);
    const answer = await fetch(`${controlUrl}tokens`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'file-client' }),
    });
    expect(((await answer.json()) as { tokens: { expires_in: number } }).tokens.expires_in).toBe(60);
    run.kill('SIGTERM');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.split('\n')[0] ?? '')).toMatchObject({ clientId: 'file-client', clientSecret: 'file-secret' });
  });

  it.each([
    ['not JSON', '{"clients": [', /mock\.json:1:\d+: invalid JSON/],
    ['an unknown key', '{"clientz": []}', /mock\.json: clientz is not a mock provider option; known keys: clients/],
    ['a flag key', '{"port": 1}', /mock\.json: port is set with the --port flag/],
    ['a wrong type', '{"quirks": []}', /mock\.json: quirks must be an object \(found array\)/],
    ['a bad client', '{"clients": [{"clientId": "a"}, {"clientId": "b", "redirectUris": ["nope"]}]}', /mock\.json: clients\[1\]\.redirectUris/],
    ['a bad TTL', '{"refreshTokenTtl": 0}', /mock\.json: refreshTokenTtl: refreshTokenTtl must be a whole number/],
  ])('refuses %s with the file and key path (exit 2)', async (_name, text, message) => {
    const { dir } = await project();
    const file = path.join(dir, 'mock.json');
    await writeFile(file, text);
    const result = await runCli(['mock-provider', '--port', '0', '--config', file]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
