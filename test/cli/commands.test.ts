import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAuthorizeUrl, createPkce, encodeState } from '../../src/flow/authorize-url.js';
import { createUserAgent } from '../../src/mock-provider/user-agent/user-agent.js';
import { QUIRK_NAMES } from '../../src/mock-provider/scenario/quirks.js';
import { signAssertion } from '../../src/mock-provider/index.js';
import { runCli, startCli, tempProject } from '../helpers/cli.js';

const fixture = path.resolve(import.meta.dirname, '../../fixtures/unito.json');

describe('integration-cli --help', () => {
  it('lists oauth2 check and the exit codes', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\s+oauth2 check\s/m);
    expect(result.stdout).toContain('Exit codes: 0 ok, 1 flow or provider failure, 2 usage or config error, 130 interrupted.');
  });
});

describe('integration-cli oauth2 --help', () => {
  it('lists every environment variable the command reads', async () => {
    const result = await runCli(['oauth2', '--help']);
    for (const name of ['OAUTH2_PORT', 'NGROK_AUTHTOKEN', 'NGROK_DOMAIN', 'OAUTH2_TESTKIT_CACHE_DIR']) expect(result.stdout).toContain(name);
  });
});

describe('integration-cli usage', () => {
  it('prints help with every oauth2 flag and exits 0', async () => {
    const result = await runCli(['oauth2', '--help']);
    expect(result.code).toBe(0);
    for (const flag of [
      '--config-path',
      '--test-account',
      '--authorization',
      '--environment',
      '--reauth',
      '--mock',
      '--no-open',
      '--no-tunnel',
      '--redirect-url',
      '--timeout',
      '--json',
      'OAUTH2_PORT',
      'NGROK_AUTHTOKEN',
    ]) {
      expect(result.stdout).toContain(flag);
    }
  });

  it('prints its version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists every quirk of the mock provider in its help', async () => {
    const result = await runCli(['mock-provider', '--help']);
    expect(result.code).toBe(0);
    for (const quirk of QUIRK_NAMES) expect(result.stdout).toContain(quirk);
  });

  it.each([[['oauth2', '--bogus']], [['oauth2', '--timeout', 'soon']], [['nonsense']], [['oauth2', '--reset-mock']]])(
    'exits 2 on a usage error: %j',
    async (args) => {
      const result = await runCli(args);
      expect(result.code).toBe(2);
    },
  );

  it.each([
    [['oauth2', '--json', '--bogus'], 'ok', "unknown option '--bogus'"],
    [['oauth2', '--json', '--timeout'], 'ok', "option '--timeout <seconds>' argument missing"],
    [['oauth2', '--json', '--timeout', 'soon'], 'ok', '--timeout must be a whole number'],
    [['oauth2', 'check', '--json', '--bogus'], 'ready', "unknown option '--bogus'"],
  ])('prints one JSON usage error on stdout and exits 2 with --json: %j', async (args, status, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const output = JSON.parse(lines[0]!);
    expect(output).toEqual({ [status]: false, error: { code: 'USAGE', message: expect.stringContaining(message) } });
    expect(result.stderr).toContain(message);
  });

  it.each([
    ['--redirect-url', 'notaurl', /--redirect-url must be an absolute/],
    ['--environment', 'prod', /Unknown environment|production/],
  ])('exits 2 on a bad %s before looking at ngrok or opening anything', async (flag, value, message) => {
    const { configPath } = await tempProject(JSON.parse(await readFile(fixture, 'utf8')));
    const result = await runCli(['oauth2', '--config-path', configPath, '--no-open', flag, value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain('NGROK_AUTHTOKEN');
  });

  it('exits 2 when a loopback --redirect-url does not point at the callback server port', async () => {
    const { configPath } = await tempProject(JSON.parse(await readFile(fixture, 'utf8')));
    const result = await runCli(['oauth2', '--config-path', configPath, '--no-open', '--no-tunnel', '--redirect-url', 'http://127.0.0.1:9555/callback'], {
      env: { OAUTH2_PORT: '9556' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('OAUTH2_PORT=9555');
  });

  it('exits 2 before starting a server when tokenUrl is not an absolute URL', async () => {
    const config = JSON.parse(await readFile(fixture, 'utf8'));
    config.authorizations[0].oauth2.tokenUrl = '/oauth/token';
    const { configPath } = await tempProject(config);
    const result = await runCli(['oauth2', '--config-path', configPath, '--no-open', '--no-tunnel']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('authorizations[0].oauth2.tokenUrl must be an absolute http(s) URL');
    expect(result.stderr).not.toMatch(/listening on/);
  });

  it('exits 2 when OAUTH2_PORT is not a port', async () => {
    const { configPath } = await tempProject(JSON.parse(await readFile(fixture, 'utf8')));
    const result = await runCli(['oauth2', '--mock', '--config-path', configPath], { env: { OAUTH2_PORT: 'abc' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('OAUTH2_PORT');
  });
});

describe('integration-cli oauth2 check', () => {
  it('exits 1 and explains both options when only a development authorization exists', async () => {
    const { configPath } = await tempProject(JSON.parse(await readFile(fixture, 'utf8')));
    const result = await runCli(['oauth2', 'check', '--config-path', configPath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('https://integrations-platform.unito.io/credentials/new/oauth2/callback-cli');
    expect(result.stderr).toContain('Option 1');
    expect(result.stderr).toContain('Option 2');
  });

  it('exits 0 when a valid production authorization exists, naming the URL its app must register', async () => {
    const config = JSON.parse(await readFile(fixture, 'utf8'));
    config.authorizations.push({ ...config.authorizations[0], name: 'oauth2', development: undefined });
    const { configPath } = await tempProject(config);
    const result = await runCli(['oauth2', 'check', '--config-path', configPath, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ready).toBe(true);
    expect(report.authorizations).toContainEqual(
      expect.objectContaining({ name: 'oauth2', development: false, redirectUrl: 'https://integrations-platform.unito.io/credentials/new/oauth2/callback' }),
    );
  });
});

describe('integration-cli oauth2 check: which entry it validates', () => {
  it.each([
    ['has no name', (entry: Record<string, unknown>) => ({ ...entry, name: undefined })],
    ['has the same name as the development one', (entry: Record<string, unknown>) => ({ ...entry })],
  ])('reports a broken production authorization that %s as not ready (exit 1)', async (_, production) => {
    const config = JSON.parse(await readFile(fixture, 'utf8'));
    const development = config.authorizations[0];
    const broken = production({ ...development, development: undefined, oauth2: { ...development.oauth2, tokenUrl: undefined } });
    config.authorizations.push(broken);
    const { configPath } = await tempProject(config);
    const result = await runCli(['oauth2', 'check', '--config-path', configPath, '--json']);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ready).toBe(false);
    expect(report.authorizations[1]).toMatchObject({ development: false, valid: false });
    expect(report.authorizations[1].problem).toContain('authorizations[2]');
  });
});

describe('authorizations that is not an array', () => {
  it.each([[['oauth2', 'check']], [['oauth2', '--no-open', '--no-tunnel']], [['oauth2', '--mock']]])(
    '%j exits 2 with CONFIG_INVALID naming the field and what to do, in one paragraph',
    async (args) => {
      const { configPath, cacheDir } = await tempProject('{"authorizations":"oops"}\n');
      const result = await runCli([...args, '--config-path', configPath, '--json'], { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
      expect(result.code, result.stderr).toBe(2);
      const { error } = JSON.parse(result.stdout);
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('authorizations must be an array (found a string)');
      expect(error.message).toContain('Make it a list of authorizations');
      expect(error.message).not.toContain('\n');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    },
  );
});

describe('integration-cli relay', () => {
  it('forwards a callback named in state and refuses an open redirect', async () => {
    const run = startCli(['relay', '--port', '0']);
    const [redirectUrl] = await run.waitForStderr(/http:\/\/127\.0\.0\.1:\d+\/credentials\/new\/oauth2\/callback-cli/);
    await run.waitForStderr(/ready/);
    try {
      const good = encodeState({ nonce: 'n'.repeat(22), callback: 'http://127.0.0.1:9002/callback' });
      const relayed = await fetch(`${redirectUrl}?code=abc&state=${good}`, { redirect: 'manual' });
      expect(relayed.status).toBe(302);
      expect(relayed.headers.get('location')).toBe(`http://127.0.0.1:9002/callback?code=abc&state=${good}`);

      const evil = encodeState({ nonce: 'n'.repeat(22), callback: 'https://evil.example.com/callback' });
      const refused = await fetch(`${redirectUrl}?code=abc&state=${evil}`, { redirect: 'manual' });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('location')).toBeNull();
    } finally {
      run.kill('SIGINT');
    }
    expect((await run.done).code).toBe(0);
  });

  it.each([
    ['--allow-host', ['--allow-host', 'my-team.ngrok.app'], {}],
    ['NGROK_DOMAIN', [], { NGROK_DOMAIN: 'my-team.ngrok.app' }],
  ])('with %s redirects only to that tunnel host, not to any ngrok host', async (_label, flags, env) => {
    const run = startCli(['relay', '--port', '0', ...flags], { env });
    const [redirectUrl] = await run.waitForStderr(/http:\/\/127\.0\.0\.1:\d+\/credentials\/new\/oauth2\/callback-cli/);
    await run.waitForStderr(/ready/);
    try {
      const ours = encodeState({ nonce: 'n'.repeat(22), callback: 'https://my-team.ngrok.app/callback' });
      expect((await fetch(`${redirectUrl}?code=abc&state=${ours}`, { redirect: 'manual' })).status).toBe(302);
      const theirs = encodeState({ nonce: 'n'.repeat(22), callback: 'https://someone-else.ngrok-free.app/callback' });
      expect((await fetch(`${redirectUrl}?code=abc&state=${theirs}`, { redirect: 'manual' })).status).toBe(400);
    } finally {
      run.kill('SIGINT');
    }
    expect((await run.done).code).toBe(0);
  });
});

describe('integration-cli mock-provider', () => {
  it('serves a working provider for the client it prints, and stops cleanly on Ctrl-C', async () => {
    const run = startCli(['mock-provider', '--port', '0', '--client-id', 'cli-client', '--client-secret', 'cli-secret', '--scope', 'read:issues', '--json']);
    const [, authorizationUrl] = await run.waitForStderr(/authorizationUrl\s+(\S+)/);
    const [, tokenUrl] = await run.waitForStderr(/tokenUrl\s+(\S+)/);
    await run.waitForStderr(/ready on/);
    try {
      const pkce = createPkce();
      const redirectUri = 'http://127.0.0.1:4567/callback';
      const url = buildAuthorizeUrl({ authorizationUrl: authorizationUrl!, clientId: 'cli-client', redirectUri, scopes: ['read:issues'], state: 'xyz', pkce });
      const page = await createUserAgent().navigate(url.toString(), { stopAt: (next) => next.href.startsWith(redirectUri) });
      const code = page.stoppedAt?.searchParams.get('code');
      expect(code).toEqual(expect.any(String));
      const response = await fetch(tokenUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: code!,
          redirect_uri: redirectUri,
          code_verifier: pkce.verifier,
          client_id: 'cli-client',
          client_secret: 'cli-secret',
        }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ access_token: expect.any(String), scope: 'read:issues' });
    } finally {
      run.kill('SIGINT');
    }
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.split('\n')[0] ?? '')).toMatchObject({ clientId: 'cli-client', tokenUrl });
  });

  it('logs one line per request on stderr (path without query), and --quiet silences it', async () => {
    for (const quiet of [false, true]) {
      const run = startCli(['mock-provider', '--port', '0', ...(quiet ? ['--quiet'] : [])]);
      const [, jwksUrl] = await run.waitForStderr(/jwksUrl\s+(\S+)/);
      await run.waitForStderr(/ready on/);
      try {
        expect((await fetch(`${jwksUrl}?code=secret-code-value`)).status).toBe(200);
        if (!quiet) await run.waitForStderr(/GET \/jwks 200 \d+ ms/);
      } finally {
        run.kill('SIGINT');
      }
      const result = await run.done;
      expect(result.stderr).not.toContain('secret-code-value');
      if (quiet) expect(result.stderr).not.toMatch(/GET \/jwks/);
    }
  });

  it.each([
    ['--redirect-uri', 'not-a-uri', 'must be an absolute URI'],
    ['--redirect-uri', 'http://127.0.0.1/cb#frag', 'must not have a fragment'],
    ['--scope', 'a b', 'one scope without spaces'],
    ['--client-secret', '', 'must not be empty'],
    ['--client-id', ' ', 'must not be empty'],
    ['--public-url', 'http://host:9003/path', 'origin without path'],
  ])('refuses %s %j as a usage error (exit 2)', async (flag, value, says) => {
    const result = await runCli(['mock-provider', '--port', '0', flag, value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(says);
  });

  it('lists --grant, --user-password and --client-public-key in its help', async () => {
    const result = await runCli(['mock-provider', '--help']);
    for (const flag of ['--grant <type>', '--user-password <password>', '--client-public-key <file>', 'jwt-bearer']) expect(result.stdout).toContain(flag);
  });

  it.each([
    [['--grant', 'implicit'], '--grant must be one of'],
    [['--client-public-key', '/nonexistent/key.pem'], '--client-public-key cannot read'],
    [['--client-public-key', fixture], 'holds no PEM public key'],
    [['--user-password', ''], 'must not be empty'],
    [['--grant', 'jwt-bearer'], 'no key to verify assertions with'],
  ])('refuses %j as a usage error (exit 2)', async (flags, says) => {
    const result = await runCli(['mock-provider', '--port', '0', ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(says);
  });

  it('serves the grants --grant names, with --user-password and --client-public-key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { dir } = await tempProject({});
    const keyFile = path.join(dir, 'client.pub.pem');
    await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const run = startCli([
      'mock-provider',
      '--port',
      '0',
      '--grant',
      'password',
      '--grant',
      'jwt-bearer',
      '--user-password',
      'pw',
      '--client-public-key',
      keyFile,
    ]);
    const [, tokenUrl] = await run.waitForStderr(/tokenUrl\s+(\S+)/);
    await run.waitForStderr(/ready on/);
    const post = async (fields: Record<string, string>) =>
      fetch(tokenUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...fields, client_id: 'mock-client', client_secret: 'mock-secret' }),
      }).then(async (response) => ({ status: response.status, json: (await response.json()) as Record<string, unknown> }));
    try {
      expect((await post({ grant_type: 'password', username: 'mock-user', password: 'pw' })).status).toBe(200);
      expect((await post({ grant_type: 'password', username: 'mock-user', password: 'nope' })).json.error).toBe('invalid_grant');
      const assertion = await signAssertion({
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        issuer: 'mock-client',
        subject: 'mock-user',
        audience: tokenUrl!,
      });
      expect((await post({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion })).status).toBe(200);
      expect((await post({ grant_type: 'client_credentials' })).json.error).toBe('unauthorized_client');
    } finally {
      run.kill('SIGINT');
    }
    expect((await run.done).code).toBe(0);
  });

  it('advertises 127.0.0.1 when bound to 0.0.0.0 without --public-url, and says how to reach it from elsewhere', async () => {
    const run = startCli(['mock-provider', '--port', '0', '--host', '0.0.0.0', '--json']);
    const [, issuer] = await run.waitForStderr(/^issuer\s+(\S+)/m);
    await run.waitForStderr(/ready on/);
    run.kill('SIGINT');
    const result = await run.done;
    expect(issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(result.stderr).toContain('clients on other hosts or in containers need --public-url');
  });

  it('advertises --public-url as its issuer', async () => {
    const run = startCli(['mock-provider', '--port', '0', '--host', '0.0.0.0', '--public-url', 'http://mock-provider.test:9003', '--json']);
    const [, issuer] = await run.waitForStderr(/^issuer\s+(\S+)/m);
    await run.waitForStderr(/ready on/);
    run.kill('SIGINT');
    const result = await run.done;
    expect(issuer).toBe('http://mock-provider.test:9003');
    expect(result.stderr).not.toContain('need --public-url');
  });
});
