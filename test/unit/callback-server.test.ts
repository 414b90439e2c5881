import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withCliHint } from '../../src/cli/hints.js';
import { CLOSE_GRACE_MS, startCallbackServer } from '../../src/flow/callback-server.js';
import type { CallbackServer } from '../../src/flow/callback-server.js';
import { TestkitError } from '../../src/shared/errors.js';

const STATE = 'eyJ2IjoxLCJub25jZSI6ImFiYyIsImNhbGxiYWNrIjoiaHR0cDovL3gvY2FsbGJhY2sifQ';
let server: CallbackServer | undefined;

afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

async function start(): Promise<CallbackServer> {
  server = await startCallbackServer({ port: 0, state: STATE });
  return server;
}

function get(path: string, query: Record<string, string> = {}): Promise<Response> {
  const url = new URL(path, server!.url);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return fetch(url, { redirect: 'manual' });
}

async function rejection(promise: Promise<unknown>): Promise<TestkitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TestkitError);
  return error as TestkitError;
}

describe('startCallbackServer', () => {
  it('listens on 127.0.0.1 and reports its URLs', async () => {
    const s = await start();
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    expect(s.callbackUrl).toBe(`${s.url}/callback`);
  });

  it('answers /health with ok JSON', async () => {
    await start();
    const response = await get('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('answers 404 to other paths', async () => {
    await start();
    const response = await get('/elsewhere');
    expect(response.status).toBe(404);
  });

  it('resolves the wait and shows a no-store success page for the right state and a code', async () => {
    const s = await start();
    const waiting = s.waitForCallback({ timeoutMs: 10_000 });
    const response = await get('/callback', { code: 'the-code', state: STATE });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toMatch(/flow is complete/);
    expect(html).toMatch(/terminal/);
    expect(html).not.toMatch(/<(script|link|img)\b/i);
    expect(html).not.toContain('the-code');
    await expect(waiting).resolves.toEqual({ code: 'the-code', state: STATE });
  });

  it('hands a callback that arrived before the wait started to the wait', async () => {
    const s = await start();
    await get('/callback', { code: 'early', state: STATE });
    await expect(s.waitForCallback({ timeoutMs: 10_000 })).resolves.toEqual({ code: 'early', state: STATE });
  });

  it.each([
    ['no state', { code: 'c' }],
    ['a wrong state', { code: 'c', state: 'someone-elses-state' }],
    ['a state that only shares a prefix', { code: 'c', state: STATE.slice(0, -1) }],
  ])('answers 400 to a callback with %s and keeps waiting', async (_label, query) => {
    const s = await start();
    const waiting = s.waitForCallback({ timeoutMs: 10_000 });
    const response = await get('/callback', query);
    expect(response.status).toBe(400);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('does not belong to the running <code>integration-cli oauth2</code>');
    expect(html).toContain('keeps waiting');
    const ok = await get('/callback', { code: 'good', state: STATE });
    expect(ok.status).toBe(200);
    await expect(waiting).resolves.toEqual({ code: 'good', state: STATE });
  });

  it('accepts the state once: a second callback gets 400', async () => {
    const s = await start();
    const waiting = s.waitForCallback({ timeoutMs: 10_000 });
    expect((await get('/callback', { code: 'first', state: STATE })).status).toBe(200);
    const second = await get('/callback', { code: 'second', state: STATE });
    expect(second.status).toBe(400);
    expect(await second.text()).toMatch(/already received/);
    await expect(waiting).resolves.toEqual({ code: 'first', state: STATE });
  });

  it('rejects the wait with AUTHORIZATION_DENIED and shows the escaped provider error', async () => {
    const s = await start();
    const waiting = s.waitForCallback({ timeoutMs: 10_000 });
    const response = await get('/callback', {
      state: STATE,
      error: 'access_denied',
      error_description: 'User said <script>alert(1)</script> no\r\nFAKE: ✔ Saved tokens',
      error_uri: 'https://provider.test/docs/errors',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('access_denied');
    expect(html).toContain('User said &lt;script&gt;alert(1)&lt;/script&gt; no FAKE: ✔ Saved tokens.');
    expect(html).not.toContain('<script>');
    const error = await rejection(waiting);
    expect(error.code).toBe('AUTHORIZATION_DENIED');
    expect(error.message).toContain('access_denied');
    // Provider text stays on one line: it cannot forge a line of CLI output.
    expect(error.message).toContain('User said <script>alert(1)</script> no FAKE: ✔ Saved tokens.');
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.details).toEqual({
      error: 'access_denied',
      error_description: 'User said <script>alert(1)</script> no FAKE: ✔ Saved tokens',
      error_uri: 'https://provider.test/docs/errors',
    });
  });

  it('ignores an error callback with a wrong state', async () => {
    const s = await start();
    const waiting = s.waitForCallback({ timeoutMs: 10_000 });
    expect((await get('/callback', { state: 'forged', error: 'access_denied' })).status).toBe(400);
    await get('/callback', { code: 'c', state: STATE });
    await expect(waiting).resolves.toEqual({ code: 'c', state: STATE });
  });

  it('answers 400 to the right state without code or error and keeps waiting', async () => {
    const s = await start();
    const waiting = s.waitForCallback({ timeoutMs: 10_000 });
    expect((await get('/callback', { state: STATE })).status).toBe(400);
    await get('/callback', { code: 'c', state: STATE });
    await expect(waiting).resolves.toEqual({ code: 'c', state: STATE });
  });

  it('does not let a POST consume the state', async () => {
    const s = await start();
    const url = new URL('/callback', s.url);
    url.search = new URLSearchParams({ code: 'c', state: STATE }).toString();
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    await get('/callback', { code: 'real', state: STATE });
    await expect(s.waitForCallback({ timeoutMs: 10_000 })).resolves.toEqual({ code: 'real', state: STATE });
  });

  it('refuses every callback until the state is set later, then accepts it', async () => {
    server = await startCallbackServer({ port: 0 });
    const s = server;
    const waiting = s.waitForCallback({ timeoutMs: 10_000 });
    expect((await get('/callback', { code: 'c', state: STATE })).status).toBe(400);
    s.expectState(STATE);
    s.expectState(STATE);
    expect((await get('/callback', { code: 'later', state: STATE })).status).toBe(200);
    await expect(waiting).resolves.toEqual({ code: 'later', state: STATE });
  });

  it('refuses to switch to another state once one is expected', async () => {
    const s = await start();
    expect(() => s.expectState('another')).toThrow(expect.objectContaining({ code: 'STATE_MISMATCH' }));
    await get('/callback', { code: 'c', state: STATE });
    await expect(s.waitForCallback({ timeoutMs: 10_000 })).resolves.toEqual({ code: 'c', state: STATE });
  });

  it('rejects the wait with CALLBACK_TIMEOUT naming the seconds and --timeout', async () => {
    const s = await start();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const waiting = s.waitForCallback({ timeoutMs: 120_000 });
    const caught = rejection(waiting);
    vi.advanceTimersByTime(119_999);
    let settled = false;
    void waiting.catch(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    vi.advanceTimersByTime(1);
    const error = await caught;
    expect(error.code).toBe('CALLBACK_TIMEOUT');
    expect(error.message).toContain('120 s');
    expect(error.message).toContain('raise the timeout');
    expect(withCliHint(error)).toContain('--timeout');
  });

  it('rejects the wait with INTERRUPTED when the signal aborts', async () => {
    const s = await start();
    const controller = new AbortController();
    const waiting = s.waitForCallback({ timeoutMs: 10_000, signal: controller.signal });
    controller.abort();
    expect((await rejection(waiting)).code).toBe('INTERRUPTED');
  });

  it('rejects the wait with INTERRUPTED when the signal is already aborted', async () => {
    const s = await start();
    expect((await rejection(s.waitForCallback({ timeoutMs: 10_000, signal: AbortSignal.abort() }))).code).toBe('INTERRUPTED');
  });

  it('fails a pending wait when the server closes', async () => {
    const s = await start();
    const waiting = s.waitForCallback({ timeoutMs: 10_000 });
    await s.close();
    expect((await rejection(waiting)).code).toBe('INTERRUPTED');
  });

  it('closes promptly while a browser connection is still open mid-request', async () => {
    const s = await start();
    // A half-sent request is not idle, so server.close() alone would wait for it (or the request timeout).
    const socket = connect(s.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // The server cutting a half-sent request may reset the connection: that is the expected end here.
    socket.on('error', () => {});
    // One answered request proves the server holds this connection (no sleep: an event); then a half-sent one.
    const answered = new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await answered;
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const closedBySocket = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // The grace never fires unless the clock is advanced: close() must not need it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await s.close();
    await closedBySocket;
  });

  it("closes without waiting for the grace once the page is out, with the browser's keep-alive connection open", async () => {
    const s = await start();
    const response = await get('/callback', { code: 'abc', state: STATE });
    expect(await response.text()).toContain('Authorization complete');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await s.close();
  });

  it.each([
    ['is the last request on its connection (what a browser sends)', 0],
    ['has more requests pipelined after it', 3000],
  ])(
    'lets a denial page still in the socket buffer reach a slow browser when close() follows at once and it %s',
    async (_, after) => {
      // The grace that bounds close() fires only when this test advances the fake clock.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const s = await start();
      // What the flow does: close the server as soon as the wait fails.
      const closing = s.waitForCallback({ timeoutMs: 60_000 }).catch(() => s.close());
      const socket = connect(s.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      // Megabytes of pipelined pages before the denial, read slowly: its page is still buffered when close() runs.
      let text = '';
      const outcome = new Promise<string>((resolve) => {
        socket.on('close', () => resolve('connection closed before the whole page arrived'));
        socket.setEncoding('latin1').on('data', (chunk: string) => {
          text += chunk;
          if (/access_denied[\s\S]*<\/html>/.test(text)) return resolve('page received');
          socket.pause();
          setImmediate(() => socket.resume());
        });
      });
      const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`;
      socket.write(request('/').repeat(8000) + request(`/callback?error=access_denied&state=${STATE}`) + request('/').repeat(after));
      expect(await outcome).toBe('page received');
      // The browser goes away without closing its side cleanly: the grace bounds close().
      socket.destroy();
      vi.advanceTimersByTime(CLOSE_GRACE_MS);
      await closing;
    },
    30_000,
  );

  it('fails with PORT_IN_USE naming the port (and the CLI OAUTH2_PORT) when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const error = await rejection(startCallbackServer({ port, state: STATE }));
      expect(error.code).toBe('PORT_IN_USE');
      expect(error.message).toContain(String(port));
      expect(error.message).not.toContain('OAUTH2_PORT');
      expect(withCliHint(error)).toContain('OAUTH2_PORT');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('shows a provider error that came without state, tells the flow, keeps waiting, and repeats it in the timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const notices: string[] = [];
    server = await startCallbackServer({ port: 0, state: STATE, onNotice: (text) => notices.push(text) });
    const waiting = server.waitForCallback({ timeoutMs: 60_000 });
    const response = await get('/callback', { error: 'invalid_scope', error_description: 'scope <b>admin</b> unknown' });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('invalid_scope');
    expect(page).toContain('scope &lt;b&gt;admin&lt;/b&gt; unknown');
    expect(page).toMatch(/no <code>state<\/code>.*could not be matched/);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/without state .*invalid_scope: scope <b>admin<\/b> unknown.*could not be matched.*still waiting/);
    vi.advanceTimersByTime(60_000);
    const error = await rejection(waiting);
    expect(error.code).toBe('CALLBACK_TIMEOUT');
    expect(error.message).toContain('"invalid_scope: scope <b>admin</b> unknown"');
    expect(error.details.statelessErrors).toEqual(['invalid_scope: scope <b>admin</b> unknown']);
  });

  it('with deferPage, holds the success page until finish() says the tokens are saved', async () => {
    server = await startCallbackServer({ port: 0, state: STATE, deferPage: true });
    const waiting = server.waitForCallback({ timeoutMs: 60_000 });
    let answered = false;
    const response = get('/callback', { code: 'abc', state: STATE }).then((r) => ((answered = true), r));
    await waiting;
    expect(answered).toBe(false);
    server.finish({ ok: true });
    const page = await response;
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Authorization complete');
  });

  it('with deferPage, tells the browser when the flow failed after the callback and points to the terminal', async () => {
    server = await startCallbackServer({ port: 0, state: STATE, deferPage: true });
    const waiting = server.waitForCallback({ timeoutMs: 60_000 });
    const response = get('/callback', { code: 'abc', state: STATE });
    await waiting;
    server.finish({ ok: false, reason: 'the token exchange failed (TOKEN_ENDPOINT_ERROR)' });
    const page = await response;
    expect(page.status).toBe(502);
    const text = await page.text();
    expect(text).not.toContain('Authorization complete');
    expect(text).toContain('the token exchange failed');
    expect(text).toContain('terminal');
  });
});

describe('Host header (DNS-rebinding defence)', () => {
  it('answers its own address and the hosts allowHost() adds, and refuses any other Host with 421', async () => {
    const s = await startCallbackServer({ port: 0, state: 'host-check-state' });
    try {
      const health = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port: s.port, path: '/health', headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await health(`127.0.0.1:${s.port}`)).toBe(200);
      expect(await health('evil.example')).toBe(421);
      expect(await health(`localhost:${s.port}`)).toBe(421);
      s.allowHost(`LOCALHOST:${s.port}`);
      s.allowHost('abc123.ngrok-free.app');
      expect(await health(`localhost:${s.port}`)).toBe(200);
      expect(await health('abc123.ngrok-free.app')).toBe(200);
      expect(await health('evil.example')).toBe(421);
    } finally {
      await s.close();
    }
  });
});
