import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TokenEndpointError } from '../../src/shared/errors.js';
import { withCliHint } from '../../src/cli/hints.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { processTokenResponse, tokenRequest } from '../../src/flow/token-client.js';
import { tokenTimeout } from '../../src/flow/token-response-limits.js';
import { TestkitError } from '../../src/shared/errors.js';

interface Answer {
  status: number;
  contentType?: string;
  body: string;
  headers?: Record<string, string>;
  /** Answers instead of the fields above (misbehaving endpoints). */
  raw?: (res: ServerResponse) => void;
}
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base: string;
let answer: Answer;
let received: Received | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      if (answer.raw !== undefined) return answer.raw(res);
      res.writeHead(answer.status, { ...(answer.contentType ? { 'Content-Type': answer.contentType } : {}), ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received = undefined;
  answer = { status: 200, contentType: 'application/json', body: '{"access_token":"at-1234567890abcdef","token_type":"Bearer"}' };
});

const CODE_GRANT = { grant_type: 'authorization_code', code: 'the-code', redirect_uri: 'https://r.test/cb', code_verifier: 'ver' } as const;

async function exchange(grantType = 'authorization_code') {
  const tokenUrl = `${base}/oauth/token`;
  const response = await tokenRequest({ tokenUrl, grant: CODE_GRANT, clientId: 'cid', clientSecret: 'csecret-value' });
  return processTokenResponse(response, { tokenUrl, grantType });
}

async function failure(promise: Promise<unknown>): Promise<TestkitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TestkitError);
  return error as TestkitError;
}

describe('tokenRequest', () => {
  it('posts a form body with the grant and client credentials and asks for JSON', async () => {
    await exchange();
    expect(received?.method).toBe('POST');
    expect(received?.url).toBe('/oauth/token');
    expect(received?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(received?.headers.accept).toBe('application/json');
    expect(Object.fromEntries(new URLSearchParams(received?.body))).toEqual({
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: 'https://r.test/cb',
      code_verifier: 'ver',
      client_id: 'cid',
      client_secret: 'csecret-value',
    });
  });

  it('posts a JSON body when the content type is JSON, keeping extra field types', async () => {
    await tokenRequest({
      tokenUrl: `${base}/token`,
      grant: { grant_type: 'refresh_token', refresh_token: 'rt' },
      clientId: 'cid',
      clientSecret: 'cs',
      contentType: 'application/json',
      body: { audience: 'api', offline: true, version: 2 },
    });
    expect(received?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(received?.body ?? '')).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt',
      client_id: 'cid',
      client_secret: 'cs',
      audience: 'api',
      offline: true,
      version: 2,
    });
  });

  it('leaves out undefined grant fields', async () => {
    await tokenRequest({
      tokenUrl: `${base}/token`,
      grant: { grant_type: 'authorization_code', code: 'c', redirect_uri: 'r', code_verifier: undefined },
      clientId: 'cid',
      clientSecret: 'cs',
    });
    expect(new URLSearchParams(received?.body).has('code_verifier')).toBe(false);
  });

  it('lets extra headers and body fields win, matching header names case-insensitively', async () => {
    await tokenRequest({
      tokenUrl: `${base}/token`,
      grant: CODE_GRANT,
      clientId: 'cid',
      clientSecret: 'cs',
      headers: { accept: 'application/vnd.provider+json', Authorization: 'Basic Y2lkOmNz', 'X-Extra': 'yes' },
      body: { client_secret: 'override', resource: 'https://api.test', count: 3 },
    });
    expect(received?.headers.accept).toBe('application/vnd.provider+json');
    expect(received?.headers.authorization).toBe('Basic Y2lkOmNz');
    expect(received?.headers['x-extra']).toBe('yes');
    const form = new URLSearchParams(received?.body);
    expect(form.get('client_secret')).toBe('override');
    expect(form.get('resource')).toBe('https://api.test');
    expect(form.get('count')).toBe('3');
    expect(form.getAll('client_secret')).toHaveLength(1);
  });

  it('keeps the client secret out of the body when an Authorization header authenticates the client', async () => {
    await tokenRequest({
      tokenUrl: `${base}/token`,
      grant: CODE_GRANT,
      clientId: 'cid',
      clientSecret: 'cs',
      headers: { authorization: 'Basic Y2lkOmNz' },
    });
    const form = new URLSearchParams(received?.body);
    expect(received?.headers.authorization).toBe('Basic Y2lkOmNz');
    expect(form.get('client_id')).toBe('cid');
    expect(form.has('client_secret')).toBe(false);
  });

  it('fails with NETWORK_ERROR naming the URL without its query and the cause code when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(
      tokenRequest({ tokenUrl: `http://127.0.0.1:${port}/token?key=supersecret`, grant: CODE_GRANT, clientId: 'c', clientSecret: 'cs' }),
    );
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toContain(`http://127.0.0.1:${port}/token`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('supersecret');
  });

  it('fails with INTERRUPTED when the signal aborts', async () => {
    const error = await failure(tokenRequest({ tokenUrl: `${base}/token`, grant: CODE_GRANT, clientId: 'c', clientSecret: 'cs', signal: AbortSignal.abort() }));
    expect(error.code).toBe('INTERRUPTED');
  });
});

describe('processTokenResponse', () => {
  it('fails with INTERRUPTED (exit 130), not NETWORK_ERROR, when the signal aborts while the body is read', async () => {
    // Headers and half a body, then nothing: the user presses Ctrl-C while the CLI reads the rest.
    const stalling = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"access_token":');
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    try {
      const tokenUrl = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/token`;
      const controller = new AbortController();
      const response = await tokenRequest({ tokenUrl, grant: CODE_GRANT, clientId: 'c', clientSecret: 'cs', signal: controller.signal });
      const reading = processTokenResponse(response, { tokenUrl, grantType: 'authorization_code', signal: controller.signal });
      controller.abort();
      const error = await failure(reading);
      expect(error.code).toBe('INTERRUPTED');
      expect(exitCodeFor(error.code)).toBe(130);
    } finally {
      stalling.closeAllConnections();
      await new Promise((resolve) => stalling.close(resolve));
    }
  });

  it('maps a JSON token response and keeps unknown fields in extra', async () => {
    answer.body = JSON.stringify({
      access_token: 'at-123',
      refresh_token: 'rt-456',
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'read write',
      id_token: 'eyJ.x.y',
      team: { id: 'T1' },
    });
    expect(await exchange()).toEqual({
      accessToken: 'at-123',
      refreshToken: 'rt-456',
      tokenType: 'Bearer',
      expiresIn: 3600,
      scope: 'read write',
      extra: { id_token: 'eyJ.x.y', team: { id: 'T1' } },
    });
  });

  it('maps a form-encoded token response', async () => {
    answer = { status: 200, contentType: 'application/x-www-form-urlencoded', body: 'access_token=gho_abc&scope=repo%2Cgist&token_type=bearer' };
    expect(await exchange()).toEqual({ accessToken: 'gho_abc', scope: 'repo,gist', tokenType: 'bearer', extra: {} });
  });

  it('sniffs a form-encoded body served as text/plain', async () => {
    answer = { status: 200, contentType: 'text/plain', body: 'access_token=abc&expires_in=60' };
    expect(await exchange()).toEqual({ accessToken: 'abc', expiresIn: 60, extra: {} });
  });

  it('sniffs a JSON body served without a JSON content type', async () => {
    answer = { status: 200, contentType: 'text/html', body: '{"access_token":"abc"}' };
    expect((await exchange()).accessToken).toBe('abc');
  });

  it('converts expires_in given as a string and joins an array scope', async () => {
    answer.body = JSON.stringify({ access_token: 'abc', expires_in: '7200', scope: ['a', 'b'] });
    const tokens = await exchange();
    expect(tokens.expiresIn).toBe(7200);
    expect(tokens.scope).toBe('a b');
  });

  it.each([
    [400, 'invalid_grant', 'The code has expired', /run the flow again/],
    [401, 'invalid_client', 'Client authentication failed', /clientId and oauth2\.clientSecret/],
    [200, 'invalid_code', undefined, /code expired, was already used/],
    [200, 'incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.', /clientId and oauth2\.clientSecret/],
    [400, 'invalid_scope', 'unknown scope', /Check the oauth2 settings/],
  ])('fails with TOKEN_ENDPOINT_ERROR on HTTP %i with error %s', async (status, error, description, hint) => {
    answer = {
      status,
      contentType: 'application/json',
      body: JSON.stringify({ error, error_description: description, error_uri: 'https://p.test/e', ok: false }),
    };
    const caught = await failure(exchange());
    expect(caught.code).toBe('TOKEN_ENDPOINT_ERROR');
    expect(caught.message).toContain(`HTTP ${status}`);
    expect(caught.message).toContain(error);
    if (description) expect(caught.message).toContain(description);
    expect(caught.message).toMatch(hint);
    expect(caught.details).toEqual({ status, error, oauthError: expect.any(String), error_description: description, error_uri: 'https://p.test/e' });
    expect(caught).toBeInstanceOf(TokenEndpointError);
    expect(caught).toMatchObject({ status, error, errorDescription: description, errorUri: 'https://p.test/e', grantType: 'authorization_code' });
    expect(caught.message).not.toContain('integration-cli');
  });

  it('suggests --reauth when a refresh token is rejected', async () => {
    answer = { status: 400, contentType: 'application/json', body: '{"error":"invalid_grant"}' };
    const error = await failure(exchange('refresh_token'));
    expect(error.message).not.toContain('--reauth');
    expect(withCliHint(error)).toContain('--reauth');
  });

  it('reads a form-encoded OAuth error', async () => {
    answer = { status: 400, contentType: 'application/x-www-form-urlencoded', body: 'error=bad_verification_code&error_description=The+code+is+wrong' };
    const caught = await failure(exchange());
    expect(caught.code).toBe('TOKEN_ENDPOINT_ERROR');
    expect(caught.message).toContain('The code is wrong');
  });

  it.each([
    [
      'an HTML 404',
      { status: 404, contentType: 'text/html', body: '<html><body><h1>Not Found</h1></body></html>' },
      'HTTP 404',
      'Content-Type: text/html; 44 bytes)',
    ],
    ['a 200 {ok:false}', { status: 200, contentType: 'application/json', body: '{"ok":false}' }, 'without an access_token', '12 bytes; JSON keys: ok)'],
    [
      'JSON without access_token',
      { status: 200, contentType: 'application/json', body: '{"token_type":"Bearer"}' },
      'without an access_token',
      'JSON keys: token_type)',
    ],
    ['a 404 in plain text', { status: 404, contentType: 'text/plain', body: 'Not Found' }, 'HTTP 404', 'Content-Type: text/plain; 9 bytes)'],
    [
      'a 200 with a body that is neither JSON nor form',
      { status: 200, contentType: 'text/plain', body: 'hello world' },
      'neither JSON nor form-encoded',
      '11 bytes)',
    ],
    ['an empty 200', { status: 200, contentType: 'application/json', body: '' }, 'neither JSON nor form-encoded', 'Content-Type: application/json; 0 bytes)'],
  ])('fails with TOKEN_RESPONSE_INVALID on %s, describing the body and pointing at tokenUrl', async (_label, served, why, shown) => {
    answer = served;
    const caught = await failure(exchange());
    expect(caught.code).toBe('TOKEN_RESPONSE_INVALID');
    expect(caught.message).toContain(why);
    expect(caught.message).toContain(shown);
    expect(caught.message).toContain('tokenUrl');
    expect(caught.message).toContain('responseContentType');
    expect(caught.details).toMatchObject({ status: served.status });
  });

  it.each([['invalid_grant'], ['invalid_refresh_token'], ['bad_refresh_token']])(
    'normalises the provider error %s to invalid_grant for callers',
    async (error) => {
      answer = { status: 400, contentType: 'application/json', body: JSON.stringify({ error }) };
      const caught = await failure(exchange());
      expect(caught.details.oauthError).toBe('invalid_grant');
      expect(caught.details.error).toBe(error);
    },
  );

  it('keeps a provider error description on one line, ending it with one full stop', async () => {
    answer = {
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({ error: 'invalid_grant', error_description: 'The code expired.\r\nFAKE: ✔ Saved tokens' }),
    };
    const caught = await failure(exchange());
    expect(caught.message).toContain('The code expired. FAKE: ✔ Saved tokens. The code expired');
    expect(caught.message).not.toMatch(/[\r\n]/);
  });

  it('shows the content type, size and top-level key names of an unexpected body, never a value', async () => {
    const secret = 'SUPERSECRET_0123456789';
    answer = {
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({ upstream: { access_token: `at_${secret}` }, creds: secret, 'x-api-key': `k_${secret}`, note: 'hello' }),
    };
    const caught = await failure(exchange());
    expect(caught.code).toBe('TOKEN_RESPONSE_INVALID');
    expect(caught.message).toContain(`Content-Type: application/json; ${Buffer.byteLength(answer.body)} bytes; JSON keys: upstream, creds, x-api-key, note)`);
    expect(caught.message).not.toContain(secret);
    expect(caught.message).not.toContain('hello');
    expect(caught.details).toMatchObject({ bodyBytes: Buffer.byteLength(answer.body), keys: ['upstream', 'creds', 'x-api-key', 'note'] });
    expect(JSON.stringify(caught.details)).not.toContain(secret);
  });

  it.each([
    [429, { 'retry-after': '120' }, 'is rate-limiting this client (HTTP 429 Too Many Requests)', 'Try again in 120 s'],
    [503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }, 'is unavailable (HTTP 503 Service Unavailable)', /Try again in (59|60|61) s/],
    [500, {}, 'failed on its side (HTTP 500)', 'Try again in a few minutes'],
    [502, {}, 'could not be reached through its gateway (HTTP 502)', 'Try again in a few minutes'],
  ])('says the provider is rate-limiting or failing on HTTP %i, and when to retry, not to check tokenUrl', async (status, headers, what, when) => {
    answer = { status, contentType: 'text/html', body: '<html>busy</html>', headers };
    const caught = await failure(exchange());
    expect(caught.code).toBe('PROVIDER_UNAVAILABLE');
    expect(caught.message).toContain(what);
    expect(caught.message).toMatch(when);
    expect(caught.message).toContain('not a problem with the config');
    expect(caught.message).not.toContain('tokenUrl');
  });

  it('never shows a form-encoded or text body, whatever its keys', async () => {
    answer = { status: 500, contentType: 'text/plain', body: 'session=SUPERSECRET_0123456789&ok=0' };
    const caught = await failure(exchange());
    expect(caught.message).not.toContain('SUPERSECRET');
    expect(caught.message).not.toContain('session');
  });

  it('never puts the client secret or the code in an error message', async () => {
    answer = { status: 400, contentType: 'application/json', body: '{"error":"invalid_grant"}' };
    const caught = await failure(exchange());
    expect(caught.message).not.toContain('csecret-value');
    expect(caught.message).not.toContain('the-code');
    expect(JSON.stringify(caught.details)).not.toContain('csecret-value');
  });

  it('parses by the configured responseContentType over the response header', async () => {
    const response = new Response('access_token=abc&token_type=bearer', { status: 200, headers: { 'Content-Type': 'application/json' } });
    const tokens = await processTokenResponse(response, {
      tokenUrl: 'https://p.test/token',
      grantType: 'authorization_code',
      responseContentType: 'application/x-www-form-urlencoded',
    });
    expect(tokens).toEqual({ accessToken: 'abc', tokenType: 'bearer', extra: {} });
  });
});

// Issue 15: the library's TOKEN_TIMEOUT names its options; only the CLI's hint names the CLI's flags.
describe('TOKEN_TIMEOUT wording', () => {
  it.each([
    ['total', 'tokenTimeoutMs of runOAuth2Flow', '--token-timeout <seconds>'],
    ['idle', 'tokenIdleTimeoutMs of runOAuth2Flow', '--token-idle-timeout <seconds>'],
  ] as const)('a %s timeout: options for the library, flags for the CLI', (kind, option, flag) => {
    const error = tokenTimeout('https://provider.test/token', kind, 1500);
    expect(error.message).toContain(option);
    expect(error.message).not.toMatch(/--[a-z]/);
    expect(withCliHint(error)).toBe(`${error.problem} Try again, or raise the limit with ${flag}.`);
  });
});
