import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';

/** The client secret must not reach output by any route: a template, a URL path, a provider's words (issue 10). */
const SECRET = 'A-SECRET-104-zq9';
const REFRESH = 'rt-stored-4c1d9e7b2a';

let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function config(tokenUrl: string, name = 'leaky') {
  return {
    authorizations: [
      {
        name,
        method: 'oauth2',
        development: true,
        oauth2: { clientId: 'leaky-client', clientSecret: SECRET, authorizationUrl: 'https://auth.example.test/authorize', tokenUrl },
      },
    ],
    testAccounts: { development: { refreshToken: REFRESH } },
  };
}

async function run(project: unknown, ...flags: string[]) {
  const { configPath, cacheDir } = await tempProject(project);
  return runCli(['oauth2', '--config-path', configPath, ...flags], { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
}

describe('secrets never printed, whatever route they take', () => {
  it.each([
    ['a template puts the secret in tokenUrl', () => config('{+clientSecret}'), 2],
    ['a template puts the secret in the token URL path, which answers 404', () => config(`${origin}/{+clientSecret}/token`), 1],
    ['the secret sits URL-encoded in the token URL query', () => config(`${origin}/token?s=${encodeURIComponent(SECRET)}`), 1],
  ])('%s', async (_label, project, exitCode) => {
    for (const flags of [[], ['--json']]) {
      const result = await run(project(), ...flags);
      expect(result.code, result.stderr).toBe(exitCode);
      const output = result.stdout + result.stderr;
      expect(output).not.toContain(SECRET);
      expect(output).not.toContain(encodeURIComponent(SECRET));
      expect(output).not.toContain(REFRESH);
    }
  });

  it('shows an authorization name holding a newline on one line, so it cannot forge a line', async () => {
    const result = await run(config(`${origin}/token`, 'evil\n✔ Saved tokens to testAccounts.development'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Authorization "evil ✔ Saved tokens to testAccounts.development"');
    expect(result.stderr).not.toMatch(/^✔ Saved tokens/m);
  });
});
