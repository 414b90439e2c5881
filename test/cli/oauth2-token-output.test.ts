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
