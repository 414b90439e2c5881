import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';
import { scanForSecrets } from './secret-scan.js';

/**
 * The CLI's refresh against 40+ misbehaving token endpoints on loopback, as a child process with tiny limits
 * (--token-timeout 1.5 s, --token-idle-timeout 0.4 s). Each case checks the exit code, what the user is told, that
 * the config is unchanged on failure (or holds the new tokens on success), and that no secret of the run is printed.
 */
const CLIENT_SECRET = 'A-SECRET-104-zq9';
const STORED_REFRESH = 'rt-STORED-7f3a9c2e1b';
const NEW_ACCESS = 'at-NEW-5d8e2f9a0c7b';

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;
interface Case {
  name: string;
  behaviour: Behaviour;
  exit: 0 | 1 | 2;
  /** The behaviour edits the config itself: skip the "unchanged" check. */
  editsConfig?: boolean;
  /** What stderr must say (human output). */
  says: RegExp;
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Behaviour =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(typeof body === 'string' ? body : JSON.stringify(body));
  };
const ok = (extra: Record<string, unknown> = {}): Behaviour => json(200, { access_token: NEW_ACCESS, token_type: 'Bearer', expires_in: 3600, ...extra });

const CASES: Case[] = [
  // Time
  { name: 'never answers', behaviour: () => undefined, exit: 1, says: /did not answer within 1\.5 s \(the whole request\)/ },
  {
    name: 'sends headers, then stalls',
    behaviour: (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders(),
    exit: 1,
    says: /stopped sending its answer: no data for 0\.4 s/,
  },
  {
    name: 'drips a byte every 100 ms',
    behaviour: (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(timer));
    },
    exit: 1,
    says: /did not answer within 1\.5 s/,
  },
  // Size
  {
    name: 'sends an endless chunked body',
    behaviour: (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    },
    exit: 1,
    says: /larger than 1 MiB/,
  },
  {
    name: 'sends a gzip bomb',
    behaviour: (_q, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(GZIP_BOMB),
    exit: 1,
    says: /larger than 1 MiB \(after decompression\)/,
  },
  {
    name: 'adds a 200 KB extra field',
    behaviour: ok({ padding: 'x'.repeat(200_000) }),
    exit: 0,
    says: /Not stored under oauth2ExtraParameters: "padding" \(\d+ bytes/,
  },
  {
    name: 'adds 30,000 extra fields',
    behaviour: ok(Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`k${i}`, i]))),
    exit: 0,
    says: /"k100" \(more than 100 fields\)/,
  },
  {
    name: 'adds an extra field 5,000 levels deep',
    behaviour: json(200, `{"access_token":"${NEW_ACCESS}","deep":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`),
    exit: 0,
    says: /"deep" \(nested more than 10 levels\)/,
  },
  {
    name: 'adds a __proto__ field',
    behaviour: json(200, `{"access_token":"${NEW_ACCESS}","__proto__":{"polluted":true}}`),
    exit: 0,
    says: /"__proto__" \(a name configs may not hold\)/,
  },
  // Provider trouble
  {
    name: 'rate-limits with 429 and Retry-After',
    behaviour: json(429, { message: 'slow down' }, { 'retry-after': '30' }),
    exit: 1,
    says: /rate-limiting this client \(HTTP 429.*Try again in 30 s/,
  },
  { name: 'is unavailable (503)', behaviour: json(503, 'down'), exit: 1, says: /is unavailable \(HTTP 503/ },
  { name: 'fails with 500', behaviour: json(500, 'oops'), exit: 1, says: /failed on its side \(HTTP 500\)/ },
  { name: 'fails at its gateway (502)', behaviour: json(502, 'bad gateway'), exit: 1, says: /through its gateway \(HTTP 502\)/ },
  { name: 'times out at its gateway (504)', behaviour: json(504, 'timeout'), exit: 1, says: /through its gateway \(HTTP 504\)/ },
  { name: 'rejects the refresh token', behaviour: json(400, { error: 'invalid_grant' }), exit: 1, says: /rejected the stored refresh token.*--reauth/ },
  {
    name: 'answers an OAuth error with HTTP 200 (GitHub style)',
    behaviour: json(200, { error: 'bad_refresh_token' }),
    exit: 1,
    says: /rejected the stored refresh token/,
  },
  {
    name: 'quotes the client secret in error_description',
    behaviour: json(401, { error: 'invalid_client', error_description: `client_secret ${CLIENT_SECRET} is wrong` }),
    exit: 1,
    says: /invalid_client.*A-SE…\(16 chars\)/,
  },
  {
    name: 'quotes the refresh token in error_description',
    behaviour: json(400, { error: 'invalid_request', error_description: `bad token ${STORED_REFRESH}` }),
    exit: 1,
    says: /invalid_request/,
  },
  { name: 'answers 401 with WWW-Authenticate', behaviour: json(401, '', { 'www-authenticate': 'Basic realm="x"' }), exit: 1, says: /answered HTTP 401/ },
  {
    name: 'answers 404 HTML',
    behaviour: (_q, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>'),
    exit: 1,
    says: /answered HTTP 404/,
  },
  {
    name: 'redirects elsewhere',
    behaviour: (_q, res) => res.writeHead(302, { location: 'https://elsewhere.example/token' }).end(),
    exit: 1,
    says: /answered HTTP 302/,
  },
  { name: 'answers 204 No Content', behaviour: (_q, res) => res.writeHead(204).end(), exit: 1, says: /neither JSON nor form-encoded/ },
  // Shape
  {
    name: 'answers 200 HTML',
    behaviour: (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'),
    exit: 1,
    says: /neither JSON nor form-encoded/,
  },
  { name: 'answers an empty 200', behaviour: json(200, ''), exit: 1, says: /neither JSON nor form-encoded/ },
  { name: 'answers null', behaviour: json(200, 'null'), exit: 1, says: /not an OAuth 2 token response/ },
  { name: 'answers an array', behaviour: json(200, '[]'), exit: 1, says: /not an OAuth 2 token response/ },
  { name: 'answers a JSON string', behaviour: json(200, '"token"'), exit: 1, says: /not an OAuth 2 token response/ },
  { name: 'answers truncated JSON', behaviour: json(200, '{"access_token": "abc'), exit: 1, says: /not an OAuth 2 token response/ },
  { name: 'answers { ok: false } (Slack style)', behaviour: json(200, { ok: false }), exit: 1, says: /without an access_token/ },
  { name: 'sends a numeric access_token', behaviour: json(200, { access_token: 12345 }), exit: 1, says: /without an access_token/ },
  { name: 'sends an object access_token', behaviour: json(200, { access_token: { value: 'x' } }), exit: 1, says: /without an access_token/ },
  { name: 'sends an empty access_token', behaviour: json(200, { access_token: '' }), exit: 1, says: /without an access_token/ },
  { name: 'sends expires_in as a string', behaviour: ok({ expires_in: '3600' }), exit: 0, says: /Refreshed/ },
  { name: 'sends expires_in as garbage', behaviour: ok({ expires_in: 'soon' }), exit: 0, says: /Refreshed/ },
  { name: 'sends scope as an array', behaviour: ok({ scope: ['a', 'b'] }), exit: 0, says: /Refreshed/ },
  { name: 'sends a numeric refresh_token', behaviour: ok({ refresh_token: 42 }), exit: 0, says: /Refreshed/ },
  { name: 'sends an access_token with a newline', behaviour: json(200, { access_token: `${NEW_ACCESS}\n✔ forged line` }), exit: 0, says: /Refreshed/ },
  {
    name: 'answers form-encoded',
    behaviour: (_q, res) => res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end(`access_token=${NEW_ACCESS}&token_type=bearer`),
    exit: 0,
    says: /Refreshed/,
  },
  {
    name: 'answers form-encoded as text/plain',
    behaviour: (_q, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`access_token=${NEW_ACCESS}`),
    exit: 0,
    says: /Refreshed/,
  },
  {
    name: 'answers HTTP/1.0 style, closing instead of a length',
    behaviour: (_q, res) => {
      res.useChunkedEncodingByDefault = false;
      res.shouldKeepAlive = false;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: NEW_ACCESS }));
    },
    exit: 0,
    says: /Refreshed/,
  },
  // The answer arrives but cannot be written: the config was broken meanwhile (another editor)
  {
    name: 'rotates the refresh token while the config becomes unwritable',
    behaviour: (_q, res) => {
      void writeFile(currentConfigPath, '{ "broken": ').then(() => ok({ refresh_token: 'rt-ROTATED-9b8a7c6d5e' })(_q, res));
    },
    exit: 2,
    editsConfig: true,
    says: /was not updated\. If the provider rotates refresh tokens, the stored one may no longer work: if the next run fails, log in again with --reauth/,
  },
  // Broken connections
  { name: 'resets the connection before answering', behaviour: (req) => req.socket.destroy(), exit: 1, says: /Could not reach the token endpoint/ },
  {
    name: 'resets the connection mid-body',
    behaviour: (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"access_token":"');
      setTimeout(() => req.socket.destroy(), 20);
    },
    exit: 1,
    says: /broke while reading its HTTP 200 answer/,
  },
  {
    name: 'announces more bytes than it sends',
    behaviour: (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '30000000' });
      res.end('{}');
    },
    exit: 1,
    says: /stopped sending its answer/,
  },
  {
    name: 'sends broken gzip',
    behaviour: (_q, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end('not gzip at all'),
    exit: 1,
    says: /broke while reading its HTTP 200 answer/,
  },
  {
    name: 'sends a 100 KB header',
    behaviour: (_q, res) => res.writeHead(200, { 'x-big': 'x'.repeat(100_000) }).end('{}'),
    exit: 1,
    says: /Could not reach the token endpoint/,
  },
];

const GZIP_BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));

let server: Server;
let tokenUrl: string;
let current: Behaviour = ok();
let currentConfigPath = '';
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer({ maxHeaderSize: 200_000 }, (req, res) => {
    req.resume();
    req.on('end', () => current(req, res));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function config() {
  return {
    authorizations: [
      {
        name: 'hostile',
        method: 'oauth2',
        development: true,
        oauth2: { clientId: 'hostile-client', clientSecret: CLIENT_SECRET, authorizationUrl: 'https://auth.example.test/authorize', tokenUrl },
      },
    ],
    testAccounts: { development: { accessToken: 'at-OLD-0000000000', refreshToken: STORED_REFRESH } },
  };
}

const outputs: string[] = [];

describe('integration-cli oauth2 refresh against hostile token endpoints', () => {
  it('has at least 40 behaviours', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES.map((entry) => [entry.name, entry]))(
    '%s',
    async (_name, entry) => {
      current = entry.behaviour;
      const { configPath, cacheDir } = await tempProject(config());
      currentConfigPath = configPath;
      const before = await readFile(configPath, 'utf8');
      const result = await runCli(['oauth2', '--config-path', configPath, '--token-timeout', '1.5', '--token-idle-timeout', '0.4'], {
        env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir },
      });
      outputs.push(result.stdout, result.stderr);
      expect(result.stderr, result.stderr).toMatch(entry.says);
      expect(result.code, result.stderr).toBe(entry.exit);
      expect(result.stderr).not.toMatch(/UNEXPECTED|an unexpected error|at .*\.js:\d+/);
      const after = await readFile(configPath, 'utf8');
      if (entry.editsConfig === true) {
        expect(after).not.toContain('rt-ROTATED');
      } else if (entry.exit !== 0) {
        expect(after).toBe(before);
      } else {
        const written = JSON.parse(after) as { testAccounts: { development: Record<string, unknown> } };
        expect(String(written.testAccounts.development.accessToken)).toContain(NEW_ACCESS);
        expect(after.length).toBeLessThan(before.length + 64 * 1024);
        expect(Object.getPrototypeOf(written.testAccounts.development)).toBe(Object.prototype);
      }
      // One line per message: a value with a newline cannot forge a line.
      expect(result.stderr).not.toMatch(/^✔ forged line/m);
    },
    20_000,
  );

  it('printed no secret of any run, in any form', () => {
    expect(scanForSecrets(outputs.join('\n'), [CLIENT_SECRET, STORED_REFRESH, NEW_ACCESS, 'rt-ROTATED-9b8a7c6d5e'])).toEqual([]);
  });
});
