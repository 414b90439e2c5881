import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runCli, tempProject } from '../helpers/cli.js';
import { startFakeTokenServer } from '../helpers/fake-token-server.js';
import type { FakeAnswer, FakeTokenServer, TokenRequestSeen } from '../helpers/fake-token-server.js';

/** Grants without a browser, run by the built CLI against a token endpoint on 127.0.0.1 (issue 11). */
const CLIENT_ID = 'grants-client';
const CLIENT_SECRET = 'grants-secret-5f2a9c81';
const ACCESS = 'at-grants-0a1b2c3d4e5f';
const REFRESH = 'rt-grants-9f8e7d6c5b4a';
const JWT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

let server: FakeTokenServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function tokenServer(answer: (request: TokenRequestSeen) => FakeAnswer | Promise<FakeAnswer> = () => ({ body: tokens() })) {
  server = await startFakeTokenServer(answer);
  return server;
}

function tokens(extra: Record<string, unknown> = {}) {
  return { access_token: ACCESS, token_type: 'Bearer', expires_in: 3600, ...extra };
}

function project(oauth2: Record<string, unknown>, account: Record<string, unknown> = {}) {
  return {
    name: 'grants',
    authorizations: [
      {
        name: 'oauth2',
        method: 'oauth2',
        development: true,
        oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tokenUrl: server?.tokenUrl, scopes: [{ name: 'read' }, { name: 'write' }], ...oauth2 },
      },
    ],
    testAccounts: { development: { workspace: 'acme', ...account }, other: { apiKey: 'keep-me' } },
  };
}

const args = (configPath: string, ...extra: string[]) => ['oauth2', '--config-path', configPath, ...extra];

function expectNoSecrets(output: string, ...more: string[]) {
  for (const secret of [CLIENT_SECRET, ACCESS, REFRESH, ...more]) expect(output).not.toContain(secret);
}

describe('grantType client_credentials', () => {
  it('asks the token endpoint directly, without authorizationUrl, browser or tunnel, and writes the tokens', async () => {
    const fake = await tokenServer();
    const { configPath } = await tempProject(
      project({ grantType: 'client_credentials', tokenRequestParameters: { header: { 'X-Workspace': '{+workspace}' }, body: { audience: 'api' } } }),
    );
    // No NGROK_AUTHTOKEN and the tunnel on by default: nothing of the browser login is started.
    const result = await runCli(args(configPath, '--json'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/listening on|tunnel|NGROK/i);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.fields).toEqual({
      grant_type: 'client_credentials',
      scope: 'read write',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      audience: 'api',
    });
    expect(fake.requests[0]?.headers['x-workspace']).toBe('acme');

    const config = JSON.parse(await readFile(configPath, 'utf8'));
    expect(config.testAccounts.development).toEqual({ workspace: 'acme', accessToken: ACCESS, tokenType: 'Bearer', expiresIn: 3600 });
    expect(config.testAccounts.other).toEqual({ apiKey: 'keep-me' });
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, mode: 'login', grantType: 'client_credentials', tokens: { expiresIn: 3600 } });
    expectNoSecrets(result.stdout + result.stderr);
  });

  it('requests a new token on a re-run, never refreshing, even when a refresh token came back', async () => {
    let n = 0;
    const fake = await tokenServer(() => ({ body: tokens({ access_token: `${ACCESS}-${++n}`, refresh_token: REFRESH }) }));
    const { configPath } = await tempProject(project({ grantType: 'client_credentials' }));
    expect((await runCli(args(configPath))).code).toBe(0);
    const second = await runCli(args(configPath));
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/New token \(grant client_credentials\)/);
    expect(fake.requests.map((r) => r.fields.grant_type)).toEqual(['client_credentials', 'client_credentials']);
    expect(JSON.parse(await readFile(configPath, 'utf8')).testAccounts.development.accessToken).toBe(`${ACCESS}-2`);
  });

  it('says in one line that browser and tunnel flags are unused', async () => {
    await tokenServer();
    const { configPath } = await tempProject(project({ grantType: 'client_credentials' }));
    const result = await runCli(args(configPath, '--no-open', '--no-tunnel', '--timeout', '5'));
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.split('\n').filter((line) => line.includes('unused'));
    expect(lines).toEqual([expect.stringContaining('--no-open, --no-tunnel, --timeout unused: grantType client_credentials opens no browser')]);
  });

  it('authenticates with the configured Authorization header instead of the secret in the body', async () => {
    const fake = await tokenServer();
    const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
    const { configPath } = await tempProject(
      project({ grantType: 'client_credentials', tokenRequestParameters: { header: { Authorization: 'Basic {!base64({+clientId}:{+clientSecret})}' } } }),
    );
    const result = await runCli(args(configPath));
    expect(result.code, result.stderr).toBe(0);
    expect(fake.requests[0]?.headers.authorization).toBe(basic);
    expect(fake.requests[0]?.fields).toEqual({ grant_type: 'client_credentials', scope: 'read write', client_id: CLIENT_ID });
    // client_credentials never refreshes: no warning about the refresh's client authentication.
    expect(result.stderr).not.toMatch(/refreshRequestParameters/);
  });
});

describe('grant type validation', () => {
  it('exits 2 listing the supported grants for an unknown grantType, the file unchanged', async () => {
    const fake = await tokenServer();
    const { configPath } = await tempProject(project({ grantType: 'implicit', authorizationUrl: 'https://auth.example.test/authorize' }));
    const before = await readFile(configPath, 'utf8');
    for (const flags of [[], ['--json']]) {
      const result = await runCli(args(configPath, '--no-tunnel', ...flags));
      expect(result.code).toBe(2);
      expect(result.stdout + result.stderr).toContain(
        'authorizations[0].oauth2.grantType must be one of "authorization_code", "client_credentials", "password", "urn:ietf:params:oauth:grant-type:jwt-bearer"',
      );
    }
    expect(fake.requests).toHaveLength(0);
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it('names the grant that needs authorizationUrl', async () => {
    await tokenServer();
    const { configPath } = await tempProject(project({}));
    const result = await runCli(args(configPath, '--no-tunnel'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('authorizations[0].oauth2.authorizationUrl is required for grantType "authorization_code" (the default)');
  });
});

const PASSWORD = 'pw-hunter2-7c41e0';

/** A provider that knows one user: the password grant answers tokens, or invalid_grant for a wrong password. */
function passwordProvider(request: TokenRequestSeen): FakeAnswer {
  if (request.fields.grant_type === 'refresh_token') {
    return request.fields.refresh_token === REFRESH
      ? { body: tokens({ access_token: `${ACCESS}-refreshed` }) }
      : { status: 400, body: { error: 'invalid_grant', error_description: 'refresh token revoked' } };
  }
  if (request.fields.username === 'ada' && request.fields.password === PASSWORD) return { body: tokens({ refresh_token: REFRESH }) };
  return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid user credentials' } };
}

/** Runs the CLI in a pseudo-terminal (python3's pty), typing each answer once its prompt shows. */
function runInTerminal(cliArgs: string[], answers: Array<[RegExp, string]>) {
  const helper = path.resolve(import.meta.dirname, '../helpers/pty-run.py');
  const env = { ...process.env, NGROK_AUTHTOKEN: '', OAUTH2_PORT: '0', CI: '1' };
  const child = spawn('python3', [helper, JSON.stringify(answers.map(([pattern, answer]) => [pattern.source, answer])), process.execPath, CLI, ...cliArgs], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise<{ code: number | null; output: string }>((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe('grantType password', () => {
  it("sends the test account's username and password with the scopes, and never writes or prints the password elsewhere", async () => {
    const fake = await tokenServer(passwordProvider);
    const { configPath } = await tempProject(project({ grantType: 'password' }, { username: 'ada', password: PASSWORD }));
    const result = await runCli(args(configPath, '--json'));
    expect(result.code, result.stderr).toBe(0);
    expect(fake.requests[0]?.fields).toEqual({
      grant_type: 'password',
      username: 'ada',
      password: PASSWORD,
      scope: 'read write',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    const account = JSON.parse(await readFile(configPath, 'utf8')).testAccounts.development;
    expect(account).toMatchObject({ username: 'ada', password: PASSWORD, accessToken: ACCESS, refreshToken: REFRESH });
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, mode: 'login', grantType: 'password' });
    expectNoSecrets(result.stdout + result.stderr, PASSWORD);
  });

  it('refreshes with the stored refresh token on a re-run, and --reauth forces the password grant', async () => {
    const fake = await tokenServer(passwordProvider);
    const { configPath } = await tempProject(project({ grantType: 'password' }, { username: 'ada', password: PASSWORD, refreshToken: REFRESH }));
    const refreshed = await runCli(args(configPath, '--json'));
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(JSON.parse(refreshed.stdout)).toMatchObject({ mode: 'refresh', grantType: 'password' });
    const reauth = await runCli(args(configPath, '--reauth', '--json'));
    expect(reauth.code, reauth.stderr).toBe(0);
    expect(JSON.parse(reauth.stdout).mode).toBe('login');
    expect(fake.requests.map((r) => r.fields.grant_type)).toEqual(['refresh_token', 'password']);
  });

  it('falls back to the password grant when the stored refresh token is rejected, the password being in the account', async () => {
    const fake = await tokenServer(passwordProvider);
    const { configPath } = await tempProject(project({ grantType: 'password' }, { username: 'ada', password: PASSWORD, refreshToken: 'rt-revoked-000000' }));
    const result = await runCli(args(configPath));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/rejected the stored refresh token/);
    expect(fake.requests.map((r) => r.fields.grant_type)).toEqual(['refresh_token', 'password']);
  });

  it("surfaces the provider's invalid_grant for a wrong password with a hint, exit 1, the file unchanged", async () => {
    await tokenServer(passwordProvider);
    const { configPath } = await tempProject(project({ grantType: 'password' }, { username: 'ada', password: 'wrong-password-1' }));
    const before = await readFile(configPath, 'utf8');
    const result = await runCli(args(configPath));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error "invalid_grant": Invalid user credentials.');
    expect(result.stderr).toContain("The provider refused the username or password: check the test account's username and password");
    expect(result.stderr).not.toContain('wrong-password-1');
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it('exits 2 naming the missing keys when there is no terminal to ask, sending nothing', async () => {
    const fake = await tokenServer(passwordProvider);
    const { configPath } = await tempProject(project({ grantType: 'password' }, { password: PASSWORD }));
    const before = await readFile(configPath, 'utf8');
    for (const flags of [[], ['--json']]) {
      const result = await runCli(args(configPath, ...flags));
      expect(result.code).toBe(2);
      expect(result.stdout + result.stderr).toContain('missing: testAccounts.development.username');
      expectNoSecrets(result.stdout + result.stderr, PASSWORD);
    }
    expect(fake.requests).toHaveLength(0);
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it('asks on a terminal for what the account lacks, the password hidden, and writes neither', async () => {
    const fake = await tokenServer(passwordProvider);
    const { configPath } = await tempProject(project({ grantType: 'password' }));
    const result = await runInTerminal(args(configPath), [
      [/Username for testAccounts\.development: /, 'ada\r'],
      [/Password for ada: /, `${PASSWORD}\r`],
    ]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('Username for testAccounts.development: ada');
    expect(result.output).not.toContain(PASSWORD);
    expect(fake.requests[0]?.fields).toMatchObject({ grant_type: 'password', username: 'ada', password: PASSWORD });
    const text = await readFile(configPath, 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(JSON.parse(text).testAccounts.development).toEqual({
      workspace: 'acme',
      accessToken: ACCESS,
      refreshToken: REFRESH,
      tokenType: 'Bearer',
      expiresIn: 3600,
    });
  });
});

/** A provider that trusts one public key: it verifies the assertion's signature, issuer and audience with jose. */
function jwtProvider(publicKey: import('node:crypto').KeyObject, expected: { issuer: string; audience?: string }) {
  const seen: Array<{ alg: string | undefined; payload: Record<string, unknown> }> = [];
  const answer = async (request: TokenRequestSeen): Promise<FakeAnswer> => {
    if (request.fields.grant_type === 'refresh_token') return { body: tokens({ access_token: `${ACCESS}-refreshed` }) };
    try {
      const { payload } = await jwtVerify(request.fields.assertion ?? '', publicKey, {
        issuer: expected.issuer,
        audience: expected.audience ?? server?.tokenUrl ?? '',
      });
      seen.push({ alg: decodeProtectedHeader(request.fields.assertion ?? '').alg, payload });
      return { body: tokens({ refresh_token: REFRESH }) };
    } catch (error) {
      return { status: 400, body: { error: 'invalid_grant', error_description: `assertion refused: ${(error as Error).message}` } };
    }
  };
  return { seen, answer };
}

const pem = (key: import('node:crypto').KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('grantType urn:ietf:params:oauth:grant-type:jwt-bearer', () => {
  it('signs an RS256 assertion with the account privateKey that the provider verifies, then refreshes, and --reauth signs anew', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const provider = jwtProvider(publicKey, { issuer: CLIENT_ID });
    const fake = await tokenServer(provider.answer);
    const key = pem(privateKey);
    const { configPath } = await tempProject(project({ grantType: JWT }, { privateKey: key }));
    const result = await runCli(args(configPath, '--json'));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(fake.requests[0]?.fields).toMatchObject({ grant_type: JWT, scope: 'read write', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    const [signed] = provider.seen;
    expect(signed?.alg).toBe('RS256');
    expect(signed?.payload).toMatchObject({ iss: CLIENT_ID, sub: CLIENT_ID, aud: fake.tokenUrl, jti: expect.any(String) });
    expect(Number(signed?.payload.exp) - Number(signed?.payload.iat)).toBe(300);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, mode: 'login', grantType: JWT });
    const output = result.stdout + result.stderr;
    expectNoSecrets(output, fake.requests[0]?.fields.assertion ?? 'no-assertion', key.split('\n')[1] ?? key);
    expect(JSON.parse(await readFile(configPath, 'utf8')).testAccounts.development).toMatchObject({
      privateKey: key,
      accessToken: ACCESS,
      refreshToken: REFRESH,
    });

    expect(JSON.parse((await runCli(args(configPath, '--json'))).stdout).mode).toBe('refresh');
    expect(JSON.parse((await runCli(args(configPath, '--reauth', '--json'))).stdout).mode).toBe('login');
    expect(fake.requests.map((r) => r.fields.grant_type)).toEqual([JWT, 'refresh_token', JWT]);
    expect(provider.seen[1]?.payload.jti).not.toBe(signed?.payload.jti);
  });

  it('signs ES256 with an EC P-256 key, with the account subject and assertionClaims overriding aud and adding claims', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const provider = jwtProvider(publicKey, { issuer: CLIENT_ID, audience: 'https://idp.example.test' });
    await tokenServer(provider.answer);
    const account = { privateKey: pem(privateKey), subject: 'service-user@acme', assertionClaims: { aud: 'https://idp.example.test', tenant: 'acme' } };
    const { configPath } = await tempProject(project({ grantType: JWT }, account));
    const result = await runCli(args(configPath));
    expect(result.code, result.stderr).toBe(0);
    expect(provider.seen[0]?.alg).toBe('ES256');
    expect(provider.seen[0]?.payload).toMatchObject({ iss: CLIENT_ID, sub: 'service-user@acme', aud: 'https://idp.example.test', tenant: 'acme' });
  });

  it("sends the account's assertion as it is when there is one", async () => {
    const fake = await tokenServer();
    const assertion = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlLXZhbHVl';
    const { configPath } = await tempProject(project({ grantType: JWT }, { assertion }));
    const result = await runCli(args(configPath));
    expect(result.code, result.stderr).toBe(0);
    expect(fake.requests[0]?.fields.assertion).toBe(assertion);
    expectNoSecrets(result.stderr, assertion);
  });

  it.each([
    ['not PEM at all', 'not-a-key-but-secret-ish-0xdeadbeef'],
    ['a truncated PEM', '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n'],
    ['an Ed25519 key', pem(generateKeyPairSync('ed25519').privateKey)],
  ])('exits 2 naming privateKey for %s, never printing it, sending nothing, the file unchanged', async (_label, key) => {
    const fake = await tokenServer();
    const { configPath } = await tempProject(project({ grantType: JWT }, { privateKey: key }));
    const before = await readFile(configPath, 'utf8');
    for (const flags of [[], ['--json']]) {
      const result = await runCli(args(configPath, ...flags));
      expect(result.code).toBe(2);
      const output = result.stdout + result.stderr;
      expect(output).toContain('testAccounts.development.privateKey');
      // The PEM armour lines are no secret (the message shows the expected one); the body and a non-PEM value are.
      for (const line of key.split('\n').filter((part) => part.length > 20 && !part.startsWith('-----'))) expect(output).not.toContain(line);
    }
    expect(fake.requests).toHaveLength(0);
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it('exits 2 when the account has neither assertion nor privateKey, and when assertionClaims is not an object', async () => {
    await tokenServer();
    const none = await tempProject(project({ grantType: JWT }));
    const first = await runCli(args(none.configPath));
    expect(first.code).toBe(2);
    expect(first.stderr).toContain('needs testAccounts.development.assertion (a signed JWT) or testAccounts.development.privateKey');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const claims = await tempProject(project({ grantType: JWT }, { privateKey: pem(privateKey), assertionClaims: ['aud'] }));
    const second = await runCli(args(claims.configPath));
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('testAccounts.development.assertionClaims must be an object');
  });
});

const BASIC_TEMPLATE = 'Basic {!base64({+clientId}:{+clientSecret})}';

describe('client authentication', () => {
  it('names the secret in the body, and HTTP Basic to try, when the provider answers invalid_client', async () => {
    await tokenServer(() => ({ status: 401, body: { error: 'invalid_client' } }));
    const { configPath } = await tempProject(project({ grantType: 'client_credentials' }));
    const before = await readFile(configPath, 'utf8');
    const result = await runCli(args(configPath));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('This request sent client_id and client_secret in the body (client_secret_post)');
    expect(result.stderr).toContain(`"header": { "Authorization": "${BASIC_TEMPLATE}" }`);
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it('names the Authorization header and its parameters block, and the body to try, for unauthorized_client', async () => {
    await tokenServer(() => ({ status: 400, body: { error: 'unauthorized_client' } }));
    const { configPath } = await tempProject(
      project({ grantType: 'client_credentials', tokenRequestParameters: { header: { Authorization: BASIC_TEMPLATE } } }),
    );
    const result = await runCli(args(configPath));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('authenticated with the Authorization header of oauth2.tokenRequestParameters.header');
    expect(result.stderr).toContain('remove that header');
    expectNoSecrets(result.stderr, Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64'));
  });

  it('reads a bare 401 as the client authentication failing, not as a wrong tokenUrl', async () => {
    await tokenServer(() => ({ status: 401, body: '' }));
    const { configPath } = await tempProject(project({ grantType: 'client_credentials' }));
    const result = await runCli(args(configPath));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('answered HTTP 401 without an OAuth 2 error');
    expect(result.stderr).toContain('client_secret in the body');
    expect(result.stderr).not.toMatch(/Check oauth2\.tokenUrl/);
  });

  it('does not blame tokenUrl for an empty 4xx after the same URL answered earlier in the run', async () => {
    await tokenServer((request) =>
      request.fields.grant_type === 'refresh_token' ? { status: 400, body: { error: 'invalid_grant' } } : { status: 400, body: '' },
    );
    const { configPath } = await tempProject(project({ grantType: 'password' }, { username: 'ada', password: PASSWORD, refreshToken: REFRESH }));
    const before = await readFile(configPath, 'utf8');
    const result = await runCli(args(configPath));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('after answering an earlier request of this run at the same URL');
    expect(result.stderr).not.toMatch(/Check oauth2\.tokenUrl/);
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it.each([
    ['an OAuth error body', { status: 503, body: { error: 'temporarily_unavailable' } }],
    ['no body', { status: 502, body: '' }],
  ])('says a 5xx with %s is on the provider side, not tokenUrl', async (_label, answer) => {
    await tokenServer(() => answer);
    const { configPath } = await tempProject(project({ grantType: 'client_credentials' }));
    const result = await runCli(args(configPath));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not a problem with the config/);
    expect(result.stderr).not.toMatch(/Check oauth2\.tokenUrl|Check the oauth2 settings/);
  });

  it('warns once that the refresh sends the secret in the body, and uses the refresh block for the refresh', async () => {
    const fake = await tokenServer(passwordProvider);
    const { configPath } = await tempProject(
      project(
        { grantType: 'password', tokenRequestParameters: { header: { Authorization: BASIC_TEMPLATE } } },
        { username: 'ada', password: PASSWORD, refreshToken: REFRESH },
      ),
    );
    const result = await runCli(args(configPath));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.match(/refreshRequestParameters\.header does not/g)).toHaveLength(1);
    expect(result.stderr).toContain(`"refreshRequestParameters": { "header": { "Authorization": "${BASIC_TEMPLATE}" } }`);
    expect(fake.requests[0]?.headers.authorization).toBeUndefined();
    expect(fake.requests[0]?.fields.client_secret).toBe(CLIENT_SECRET);
  });

  it('warns when the Basic template joins credentials that RFC 6749 form-encoding would change', async () => {
    await tokenServer();
    const secret = 'se+cr/et=with:chars';
    const config = project({ grantType: 'client_credentials', tokenRequestParameters: { header: { Authorization: BASIC_TEMPLATE } } });
    (config.authorizations[0]?.oauth2 as Record<string, unknown>).clientSecret = secret;
    const { configPath } = await tempProject(config);
    const result = await runCli(args(configPath));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('strict servers will refuse this Basic header');
    expect(result.stderr).toContain('remove the Authorization header');
    expect(result.stderr).not.toContain(secret);
    // Plain credentials: no warning.
    const plain = await tempProject(project({ grantType: 'client_credentials', tokenRequestParameters: { header: { Authorization: BASIC_TEMPLATE } } }));
    expect((await runCli(args(plain.configPath))).stderr).not.toContain('strict servers');
  });

  it('oauth2 check reports the refresh without a header with the exact lines to add', async () => {
    await tokenServer();
    const config = project({
      authorizationUrl: 'https://auth.example.test/authorize',
      tokenRequestParameters: { header: { Authorization: BASIC_TEMPLATE } },
    });
    const { configPath } = await tempProject(config);
    const human = await runCli(['oauth2', 'check', '--config-path', configPath]);
    expect(human.stderr).toContain('refreshRequestParameters.header does not');
    expect(human.stderr).toContain(`      "refreshRequestParameters": {\n        "header": { "Authorization": "${BASIC_TEMPLATE}" }\n      }`);
    const json = JSON.parse((await runCli(['oauth2', 'check', '--config-path', configPath, '--json'])).stdout);
    expect(json.authorizations[0].warnings).toEqual([
      expect.objectContaining({
        reason: 'refresh-secret-in-body',
        lines: ['"refreshRequestParameters": {', `  "header": { "Authorization": "${BASIC_TEMPLATE}" }`, '}'],
      }),
    ]);
  });
});
