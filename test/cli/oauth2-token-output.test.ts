import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';

/** What the CLI prints about the token requests it sends: a refresh against a token endpoint on loopback. */
const CLIENT_ID = 'out-client';
const CLIENT_SECRET = 'OUT-secret-61d0c9aa';
const STORED_REFRESH = 'rt-STORED-4be1c7d2f0';
const NEW_ACCESS = 'at-NEW-a93e07b5d1c2';
const NEW_REFRESH = 'rt-NEW-0c5e8f1a2b3d';
const ID_TOKEN = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJvdXQifQ.sig-7a1b';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A token endpoint on 127.0.0.1 that answers every request with `answer`; returns its URL. */
async function tokenEndpoint(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
}

function refreshConfig(tokenUrl: string, oauth2: Record<string, unknown> = {}) {
  return {
    authorizations: [
      {
        name: 'oauth2',
        method: 'oauth2',
        development: true,
        oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorizationUrl: 'https://auth.example.test/authorize', tokenUrl, ...oauth2 },
      },
    ],
    testAccounts: { development: { refreshToken: STORED_REFRESH } },
  };
}

const refreshArgs = (configPath: string, ...extra: string[]) => ['oauth2', '--config-path', configPath, '--no-tunnel', '--no-open', ...extra];

describe('integration-cli oauth2 --json: oauth2ExtraParameters', () => {
  it('has the shape it has in the file, with credential values masked', async () => {
    const extra = { team: { id: 'T1', name: 'Acme', tags: ['a', 'b'] }, bot_user_id: 'U9', ok: true, id_token: ID_TOKEN, count: 3 };
    const tokenUrl = await tokenEndpoint((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: NEW_ACCESS, token_type: 'Bearer', ...extra }));
    });
    const { configPath } = await tempProject(refreshConfig(tokenUrl));
    const result = await runCli(refreshArgs(configPath, '--json'));
    expect(result.code, result.stderr).toBe(0);

    const written = JSON.parse(await readFile(configPath, 'utf8')).testAccounts.development.oauth2ExtraParameters;
    expect(written).toEqual(extra);
    const printed = JSON.parse(result.stdout).tokens.oauth2ExtraParameters;
    expect(Object.keys(printed)).toEqual(Object.keys(written));
    expect(printed).toEqual({ ...extra, id_token: expect.stringMatching(/^eyJh…\(\d+ chars\)$/) });
    expect(result.stdout + result.stderr).not.toContain(ID_TOKEN);
    expect(result.stdout + result.stderr).not.toContain(NEW_ACCESS);
  });
});

describe('integration-cli oauth2 --verbose', () => {
  const secrets = [CLIENT_SECRET, STORED_REFRESH, NEW_ACCESS, NEW_REFRESH, Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')];
  const answer = (_req: IncomingMessage, res: ServerResponse) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: NEW_ACCESS, refresh_token: NEW_REFRESH, token_type: 'Bearer', expires_in: 60 }));
  };

  it.each([
    ['client_secret in the body', {}],
    ['a Basic header from a template', { refreshRequestParameters: { header: { Authorization: 'Basic {!base64({+clientId}:{+clientSecret})}' } } }],
  ])('prints the refresh request (%s) and its status on stderr, every secret masked; stdout stays one JSON document', async (_, oauth2) => {
    const tokenUrl = await tokenEndpoint(answer);
    const { configPath } = await tempProject(refreshConfig(tokenUrl, oauth2));
    const result = await runCli(refreshArgs(configPath, '--json', '--verbose'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, mode: 'refresh' });

    expect(result.stderr).toContain(`→ POST ${tokenUrl}`);
    expect(result.stderr).toMatch(/^ {4}content-type: application\/x-www-form-urlencoded$/m);
    expect(result.stderr).toMatch(/^ {4}grant_type=refresh_token&refresh_token=rt-S…\(20 chars\)/m);
    expect(result.stderr).toMatch(new RegExp(`^← 200 OK from POST ${tokenUrl.replace(/[.]/g, '\\.')} \\(\\d+ ms\\)$`, 'm'));
    if ('refreshRequestParameters' in oauth2) expect(result.stderr).toMatch(/^ {4}authorization: Basic \S+…\(\d+ chars\)$/m);
    else expect(result.stderr).toMatch(/client_secret=OUT-…\(19 chars\)/);
    for (const secret of secrets) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('prints the status of a rejected request too', async () => {
    const tokenUrl = await tokenEndpoint((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant', error_description: `bad ${STORED_REFRESH}` }));
    });
    const { configPath } = await tempProject(refreshConfig(tokenUrl));
    const result = await runCli(refreshArgs(configPath, '--verbose'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^← 400 Bad Request from POST /m);
    for (const secret of secrets) expect(result.stderr).not.toContain(secret);
  });

  it('says nothing about requests without --verbose', async () => {
    const tokenUrl = await tokenEndpoint(answer);
    const { configPath } = await tempProject(refreshConfig(tokenUrl));
    const result = await runCli(refreshArgs(configPath));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('→ POST');
  });

  it('under --mock, prints the code exchange with the code and the PKCE verifier masked, not the mock login', async () => {
    const fixture = JSON.parse(await readFile(new URL('../../fixtures/unito.json', import.meta.url), 'utf8'));
    const { configPath, cacheDir } = await tempProject(fixture);
    const result = await runCli(['oauth2', '--mock', '--config-path', configPath, '--verbose'], { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
    expect(result.code, result.stderr).toBe(0);
    const requests = result.stderr.split('\n').filter((line) => line.startsWith('→ '));
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^→ POST http:\/\/127\.0\.0\.1:\d+\/token$/);
    const body = result.stderr.split('\n').find((line) => line.startsWith('    grant_type=authorization_code'));
    expect(body).toMatch(/&code=\S+…\(\d+ chars\)&/);
    expect(body).toMatch(/&code_verifier=\S{4}…\(43 chars\)/);
    expect(body).toMatch(/&client_secret=acme…\(22 chars\)/);
    expect(result.stderr).toMatch(/^← 200 OK from POST /m);
    const account = JSON.parse(await readFile(configPath, 'utf8')).testAccounts.mock;
    for (const secret of ['acme-dev-client-secret', account.accessToken, account.refreshToken]) expect(result.stderr).not.toContain(secret);
  });
});
