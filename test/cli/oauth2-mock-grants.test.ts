import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, tempProject } from '../helpers/cli.js';

/** `oauth2 --mock` for every grantType: the embedded mock serves the authorization's own grant (issue 11). */
const CLIENT_ID = 'mock-grants-client';
const CLIENT_SECRET = 'mock-grants-secret-7c1e4b90';
const PASSWORD = 'mock-grants-pw-3a9d6f12';
const TOKEN_URL = 'https://auth.example.com/oauth/token';
const JWT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function config(grantType: string, account: Record<string, unknown>) {
  return {
    name: 'mock-grants',
    authorizations: [
      {
        name: 'oauth2',
        method: 'oauth2',
        development: true,
        oauth2: { grantType, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tokenUrl: TOKEN_URL, scopes: [{ name: 'read' }] },
      },
    ],
    testAccounts: { development: { apiKey: 'keep-me' }, mock: account },
  };
}

async function mockProject(grantType: string, mockAccount: Record<string, unknown> = {}) {
  const project = await tempProject(config(grantType, mockAccount));
  const env = { OAUTH2_TESTKIT_CACHE_DIR: project.cacheDir };
  const run = async (...extra: string[]) => {
    const result = await runCli(['oauth2', '--mock', '--config-path', project.configPath, '--json', ...extra], { env });
    return { ...result, json: JSON.parse(result.stdout || '{}') };
  };
  const account = async () => JSON.parse(await readFile(project.configPath, 'utf8')).testAccounts.mock;
  return { ...project, run, account };
}

function expectNoSecrets(output: string, ...more: string[]) {
  for (const secret of [CLIENT_SECRET, PASSWORD, ...more]) expect(output).not.toContain(secret);
}

describe('oauth2 --mock grantType client_credentials', () => {
  it('asks the mock token endpoint directly (no browser, no code grant), and asks again on a re-run', async () => {
    const mock = await mockProject('client_credentials');
    const first = await mock.run();
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ ok: true, mode: 'login', grantType: 'client_credentials' });
    expect(first.stderr).not.toMatch(/authorization code grant|does not serve/);
    expect(first.stderr).toContain('Tokens received');
    const token = (await mock.account()).accessToken;
    expect(token).toEqual(expect.any(String));
    expect((await mock.account()).refreshToken).toBeUndefined();

    const second = await mock.run();
    expect(second.code, second.stderr).toBe(0);
    expect(second.json.mode).toBe('login');
    expect((await mock.account()).accessToken).not.toBe(token);
    expectNoSecrets(first.stdout + first.stderr + second.stdout + second.stderr, token);
  });
});

describe('oauth2 --mock grantType password', () => {
  it("logs in as the account's user, refreshes on a re-run, refuses a changed password with invalid_grant (file unchanged), and --reset-mock starts over", async () => {
    const mock = await mockProject('password', { username: 'ada', password: PASSWORD });
    const first = await mock.run();
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ ok: true, mode: 'login', grantType: 'password' });
    expect(await mock.account()).toMatchObject({ username: 'ada', password: PASSWORD, accessToken: expect.any(String), refreshToken: expect.any(String) });

    const second = await mock.run();
    expect(second.code, second.stderr).toBe(0);
    expect(second.json.mode).toBe('refresh');

    // The mock keeps a salted scrypt digest of the password in the cache, never the password or its plain SHA-256.
    const usersFile = (await readdir(mock.cacheDir, { recursive: true })).find((name) => name.endsWith('.users.json'));
    expect(usersFile).toBeDefined();
    const users = await readFile(path.join(mock.cacheDir, usersFile as string), 'utf8');
    expect(JSON.parse(users)).toEqual({ ada: expect.stringMatching(/^scrypt\$[\w-]{22}\$[\w-]{43}$/) });
    expect(users).not.toContain(PASSWORD);
    expect(users).not.toContain(createHash('sha256').update(PASSWORD).digest('hex'));

    // The mock user keeps the password it was registered with: a different one is the provider's invalid_grant.
    const text = (await readFile(mock.configPath, 'utf8')).replace(PASSWORD, 'a-wrong-password');
    await writeFile(mock.configPath, text);
    const wrong = await mock.run('--reauth');
    expect(wrong.code, wrong.stderr).toBe(1);
    expect(wrong.json.error.code).toBe('TOKEN_ENDPOINT_ERROR');
    expect(wrong.stderr).toContain('invalid_grant');
    expect(await readFile(mock.configPath, 'utf8')).toBe(text);

    const reset = await mock.run('--reset-mock');
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.json.mode).toBe('login');
    expectNoSecrets([first, second, wrong, reset].map((r) => r.stdout + r.stderr).join(''), 'a-wrong-password');
  });

  it('asks on a terminal for what the account lacks and logs the typed user in to the mock; the next run refreshes', async () => {
    const mock = await mockProject('password');
    const helper = path.resolve(import.meta.dirname, '../helpers/pty-run.py');
    const answers = [
      ['Username for testAccounts\\.mock: ', 'grace\r'],
      ['Password for grace: ', `${PASSWORD}\r`],
    ];
    const env = { ...process.env, NGROK_AUTHTOKEN: '', OAUTH2_PORT: '0', CI: '1', OAUTH2_TESTKIT_CACHE_DIR: mock.cacheDir };
    const child = spawn('python3', [helper, JSON.stringify(answers), process.execPath, CLI, 'oauth2', '--mock', '--config-path', mock.configPath], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, output).toBe(0);
    expect(output).not.toContain(PASSWORD);
    const text = await readFile(mock.configPath, 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(JSON.parse(text).testAccounts.mock).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(JSON.parse(text).testAccounts.mock.username).toBeUndefined();

    // The typed user is the mock's (kept beside its state): its refresh token refreshes without a terminal.
    const again = await mock.run();
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.mode).toBe('refresh');
  });

  it('exits 2 naming the missing username when there is no terminal to ask, the file byte for byte unchanged', async () => {
    const mock = await mockProject('password', { password: PASSWORD });
    const before = await readFile(mock.configPath, 'utf8');
    const result = await mock.run();
    expect(result.code, result.stderr).toBe(2);
    expect(result.json.error.code).toBe('CONFIG_INVALID');
    expect(result.stderr).toContain('missing: testAccounts.mock.username, and there is no terminal');
    expect(await readFile(mock.configPath, 'utf8')).toBe(before);
    expectNoSecrets(result.stdout + result.stderr);
  });
});

describe(`oauth2 --mock grantType ${JWT}`, () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyLine = key.split('\n')[1] ?? key;

  it("signs with the account's privateKey, whose public half the mock verifies; refreshes on a re-run, signs anew with --reauth", async () => {
    const mock = await mockProject(JWT, { privateKey: key, subject: 'svc-user' });
    const modes: string[] = [];
    const outputs: string[] = [];
    for (const extra of [[], [], ['--reauth']]) {
      const result = await mock.run(...extra);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/not checked|authorization code grant/);
      modes.push(result.json.mode);
      outputs.push(result.stdout + result.stderr);
    }
    expect(modes).toEqual(['login', 'refresh', 'login']);
    expect(await mock.account()).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expectNoSecrets(outputs.join(''), keyLine);
  });

  it('exits 2 on a privateKey that is no PEM key, never quoting it, the file byte for byte unchanged', async () => {
    const mock = await mockProject(JWT, { privateKey: '-----BEGIN PRIVATE KEY-----\nbm90LWEta2V5LXNlY3JldA==\n-----END PRIVATE KEY-----\n' });
    const before = await readFile(mock.configPath, 'utf8');
    const result = await mock.run();
    expect(result.code, result.stderr).toBe(2);
    expect(result.json.error.code).toBe('CONFIG_INVALID');
    expect(result.stderr).toContain('testAccounts.mock.privateKey');
    expect(result.stdout + result.stderr).not.toContain('bm90LWEta2V5LXNlY3JldA');
    expect(await readFile(mock.configPath, 'utf8')).toBe(before);
  });

  it('takes an assertion minted for the real provider, saying on one line what the mock cannot check', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const assertion = await new SignJWT({ iss: CLIENT_ID, sub: 'svc-user', aud: TOKEN_URL, iat: now, exp: now + 300, jti: 'one-time' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    const mock = await mockProject(JWT, { assertion });
    const result = await mock.run();
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toMatchObject({ ok: true, mode: 'login', grantType: JWT });
    const lines = result.stderr.split('\n').filter((line) => line.includes('not checked'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('signature');
    expect(lines[0]).toContain(TOKEN_URL);
    expectNoSecrets(result.stdout + result.stderr, assertion);
  });
});
