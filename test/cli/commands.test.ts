import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readdir, readFile, writeFile } from 'node:fs/promises';
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
    expect(result.stdout).toContain('a config another run holds locked');
  });

  it("keeps Node's compile cache in the temp folder (so the next start compiles less), unless NODE_DISABLE_COMPILE_CACHE is set", async () => {
    const { dir } = await tempProject({});
    const [on, off] = [path.join(dir, 'on'), path.join(dir, 'off')];
    const clean = { NODE_COMPILE_CACHE: undefined };
    expect((await runCli(['--help'], { env: { ...clean, TMPDIR: on } })).code).toBe(0);
    expect((await runCli(['--help'], { env: { ...clean, TMPDIR: off, NODE_DISABLE_COMPILE_CACHE: '1' } })).code).toBe(0);
    expect(await readdir(on, { recursive: true }).catch(() => [])).toContainEqual(expect.stringMatching(/^node-compile-cache\/v\d+/));
    expect(await readdir(off).catch(() => [])).toEqual([]);
  });
});

describe('integration-cli oauth2 --help', () => {
  it('lists every environment variable the command reads', async () => {
    const result = await runCli(['oauth2', '--help']);
    for (const name of ['OAUTH2_PORT', 'NGROK_AUTHTOKEN', 'NGROK_DOMAIN', 'OAUTH2_TESTKIT_CACHE_DIR']) expect(result.stdout).toContain(name);
  });
});

// Issue 15: every command's help names each environment variable it reads and its defaults; the README documents
// every flag of mock-provider and relay.
const COMMAND_ENVIRONMENT: Record<string, string[]> = {
  oauth2: ['OAUTH2_PORT', 'NGROK_AUTHTOKEN', 'NGROK_DOMAIN', 'OAUTH2_TESTKIT_CACHE_DIR', 'XDG_CACHE_HOME', 'DEBUG', 'CI'],
  'oauth2 check': ['DEBUG', 'CI'],
  'mock-provider': ['MOCK_PROVIDER_CONTROL_TOKEN', 'DEBUG', 'CI'],
  relay: ['NGROK_DOMAIN', 'DEBUG', 'CI'],
};

describe('every command --help: environment and defaults', () => {
  it.each(Object.entries(COMMAND_ENVIRONMENT))('%s --help lists the environment variables it reads', async (command, names) => {
    const result = await runCli([...command.split(' '), '--help']);
    expect(result.code).toBe(0);
    const environment = result.stdout.slice(result.stdout.indexOf('\nEnvironment'));
    expect(environment).not.toBe(result.stdout);
    for (const name of names) expect(environment).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it('names every environment variable src/ reads in some command help', async () => {
    const read = new Set<string>();
    const files = (await readdir(path.resolve(import.meta.dirname, '../../src'), { recursive: true })).filter((file) => file.endsWith('.ts'));
    for (const file of files) {
      const text = await readFile(path.resolve(import.meta.dirname, '../../src', file), 'utf8');
      for (const match of text.matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]*)/g)) read.add(match[1]!);
    }
    expect([...read].sort()).toEqual([...new Set(Object.values(COMMAND_ENVIRONMENT).flat())].sort());
  });

  it.each([
    [['oauth2'], ['default 9002', '(default: 300)', '(default: 30)', '(default: 10)', '(default: "production")']],
    [['oauth2', 'check'], ['(default: "./.unito.json")']],
    [
      ['mock-provider'],
      ['(default: 9003)', '(default: "127.0.0.1")', '(default: 3600, one hour)', '(default: 1209600, 14 days)', 'default: any loopback /callback'],
    ],
    [['relay'], ['(default: 9000)', '(default: "127.0.0.1")', 'default: NGROK_DOMAIN when set, else any ngrok host']],
  ])('%j --help gives its defaults', async (args, defaults) => {
    const { stdout } = await runCli([...args, '--help']);
    for (const text of defaults) expect(stdout.replace(/\s+/g, ' ')).toContain(text);
  });

  it.each([
    ['mock-provider', '- `integration-cli mock-provider`', '- `integration-cli relay`'],
    ['relay', '- `integration-cli relay`', '## Testing a connector'],
  ])('the README documents every flag of %s', async (command, from, to) => {
    const readme = await readFile(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf(from), readme.indexOf(to));
    const { stdout } = await runCli([command, '--help']);
    const flags = [...stdout.matchAll(/^ {2}(--[a-z-]+)/gm)].map((match) => match[1]!);
    expect(flags.length).toBeGreaterThan(2);
    for (const flag of flags) expect(section, flag).toContain(`\`${flag}`);
  });
});

/** The `--flags` a text suggests, leaving out those it gives to another command (`integration-cli oauth2 --reauth`). */
function suggestedFlags(text: string): string[] {
  return [...text.replace(/`integration-cli oauth2[^`]*`/g, '').matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((match) => match[0]);
}

describe('messages suggest only flags the command takes', () => {
  async function flagsOf(command: string): Promise<string[]> {
    const { stdout } = await runCli([command, '--help']);
    return [...stdout.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((match) => match[0]);
  }

  it('suggestedFlags leaves out flags given to integration-cli oauth2', () => {
    expect(suggestedFlags('pass it to `integration-cli oauth2 --redirect-url`, or --allow-host')).toEqual(['--allow-host']);
  });

  it.each([
    ['relay', ['relay', '--port', '0']],
    ['mock-provider', ['mock-provider', '--port', '0', '--host', '0.0.0.0']],
  ])('%s, from start to ready', async (command, args) => {
    const run = startCli(args);
    await run.waitForStderr(/ready on/i);
    run.kill('SIGINT');
    const result = await run.done;
    const own = await flagsOf(command);
    expect(suggestedFlags(result.stderr + result.stdout).filter((flag) => !own.includes(flag))).toEqual([]);
  });

  it.each(['relay', 'mock-provider'])('%s on a port in use: exit 2, and says to pass another --port', async (command) => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const result = await runCli([command, '--port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toContain('pass another --port (0 picks a free one)');
      expect(result.stderr).not.toContain('OAUTH2_PORT');
    } finally {
      blocker.close();
    }
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
      '--verbose',
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
    [['mock-provider', '--json', '--port', 'x'], 'ok', '--port must be a whole number'],
    [['relay', '--json', '--port', 'x'], 'ok', '--port must be a whole number'],
  ])('prints one JSON usage error on stdout and exits 2 with --json: %j', async (args, status, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const output = JSON.parse(lines[0]!);
    expect(output).toEqual({ ok: false, ...(status === 'ready' ? { ready: false } : {}), error: { code: 'USAGE', message: expect.stringContaining(message) } });
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

  it.each([
    [['--no-tunnel'], '--no-tunnel'],
    [['--redirect-url', 'https://relay.example.com/credentials/new/oauth2/callback-cli'], '--redirect-url'],
  ])('warns that --environment is unused with %j', async (args, why) => {
    // A config that does not exist: the warning comes first, then a usage error ends the run before anything opens.
    const result = await runCli([
      'oauth2',
      '--config-path',
      path.join(import.meta.dirname, 'missing.unito.json'),
      '--no-open',
      '--environment',
      'staging',
      ...args,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--environment staging is unused with ${why}: only the platform's callback-cli URL depends on it.`);
  });

  it('does not warn about an --environment the platform relay uses', async () => {
    const result = await runCli(['oauth2', '--config-path', path.join(import.meta.dirname, 'missing.unito.json'), '--no-open', '--environment', 'staging']);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('is unused');
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
    expect(report).toMatchObject({ ok: true, ready: true });
    expect(report).not.toHaveProperty('error');
    expect(report.authorizations).toContainEqual(
      expect.objectContaining({ name: 'oauth2', development: false, redirectUrl: 'https://integrations-platform.unito.io/credentials/new/oauth2/callback' }),
    );
  });
});

describe('integration-cli oauth2 check: provider pitfalls', () => {
  it("warns a Google config without access_type=offline about Google's missing refresh token, with the fix", async () => {
    const config = JSON.parse(await readFile(fixture, 'utf8'));
    Object.assign(config.authorizations[0].oauth2, {
      authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth?prompt=consent',
      tokenUrl: 'https://oauth2.googleapis.com/token',
    });
    const { configPath } = await tempProject(config);
    const human = await runCli(['oauth2', 'check', '--config-path', configPath]);
    expect(human.stderr).toContain('google: the authorizationUrl has no access_type=offline');
    expect(human.stderr).toContain('Fix: add access_type=offline to the authorizationUrl query (https://developers.google.com/identity/protocols/oauth2)');
    const json = JSON.parse((await runCli(['oauth2', 'check', '--config-path', configPath, '--json'])).stdout);
    expect(json.authorizations[0].pitfalls).toEqual([
      expect.objectContaining({ provider: 'google', fix: 'add access_type=offline to the authorizationUrl query' }),
    ]);
    expect(JSON.stringify(json)).not.toContain('acme-dev-client-secret');
  });
});

describe('integration-cli oauth2 check --json: one envelope, { ok, ..., error: { code, message } }', () => {
  it('says ok: false with NOT_READY and the report when only a development authorization exists (exit 1)', async () => {
    const { configPath } = await tempProject(JSON.parse(await readFile(fixture, 'utf8')));
    const result = await runCli(['oauth2', 'check', '--config-path', configPath, '--json']);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      ready: false,
      configPath,
      authorizations: [expect.objectContaining({ development: true })],
      advice: expect.arrayContaining([expect.stringContaining('Option 1')]),
      error: { code: 'NOT_READY', message: expect.stringContaining('Not ready to publish') },
    });
  });

  it('says ok: false with the config error when the config is missing (exit 2)', async () => {
    const result = await runCli(['oauth2', 'check', '--config-path', '/nonexistent/.unito.json', '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      ready: false,
      error: { code: 'CONFIG_NOT_FOUND', message: expect.stringContaining('/nonexistent/.unito.json') },
    });
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
    expect(JSON.parse(result.stdout.split('\n')[0] ?? '')).toMatchObject({ ok: true, clientId: 'cli-client', tokenUrl });
  });

  it('prints the failure envelope with --json when it cannot listen (port in use)', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const port = String((blocker.address() as { port: number }).port);
      const result = await runCli(['mock-provider', '--port', port, '--json']);
      expect(result.code).toBe(2);
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(result.stdout)).toEqual({ ok: false, error: { code: 'PORT_IN_USE', message: expect.stringContaining(port) } });
    } finally {
      blocker.close();
    }
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

  it('with --log json logs one JSON object per request (path without query)', async () => {
    const run = startCli(['mock-provider', '--port', '0', '--log', 'json']);
    const [, jwksUrl] = await run.waitForStderr(/jwksUrl\s+(\S+)/);
    await run.waitForStderr(/ready on/);
    try {
      expect((await fetch(`${jwksUrl}?code=secret-code-value`)).status).toBe(200);
      await run.waitForStderr(/"path":"\/jwks"/);
    } finally {
      run.kill('SIGINT');
    }
    const result = await run.done;
    const line = result.stderr.split('\n').find((text) => text.includes('"path":"/jwks"')) ?? '';
    expect(JSON.parse(line)).toMatchObject({ method: 'GET', path: '/jwks', status: 200, durationMs: expect.any(Number), time: expect.any(String) });
    expect(result.stderr).not.toContain('secret-code-value');
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
