import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { TestkitError } from '../shared/errors.js';
import { oneLine, sentence } from '../shared/text.js';
import { escapeHtml, sendHtmlPage } from '../shared/html-page.js';
import { listen, urlHost } from '../shared/listen.js';

export interface CallbackResult {
  code: string;
  state: string;
}

export interface CallbackServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  /** `http://127.0.0.1:<port>` — what a tunnel forwards to. */
  url: string;
  /** `url + '/callback'` — the route the relay redirects the browser to. */
  callbackUrl: string;
  /**
   * Sets the `state` to accept when it was not known at start (it carries the tunnel URL, known only once the
   * server listens). Until a state is set, every callback is refused. Throws `STATE_MISMATCH` if a different
   * state was already set.
   */
  expectState(state: string): void;
  /**
   * Also accepts requests whose `Host` is `host` (`name:port`): the redirect URL's host when the provider
   * redirects here directly (e.g. `localhost:9002`), the tunnel's host. Every other `Host` is refused with 421, so a
   * page on another site cannot reach the server through DNS rebinding.
   */
  allowHost(host: string): void;
  /** Resolves with the first callback carrying the expected `state` and a `code`. */
  waitForCallback(options: { timeoutMs: number; signal?: AbortSignal }): Promise<CallbackResult>;
  /**
   * Drops idle connections at once, lets pages being sent reach the browser, then stops listening; connections
   * are cut after {@link CLOSE_GRACE_MS} when the browser stopped reading. New connections are refused meanwhile.
   */
  close(): Promise<void>;
  /**
   * With `deferPage`: sends the held page of the accepted callback: success, or that the flow failed after the
   * callback (the message points to the terminal). Without a held page it does nothing.
   */
  finish(result: { ok: true } | { ok: false; reason: string }): void;
}

export interface StartCallbackServerOptions {
  port: number;
  host?: string;
  /**
   * The exact `state` sent in the authorization request; only a callback carrying it is accepted, once.
   * May be set later with {@link CallbackServer.expectState}.
   */
  state?: string;
  /** Told (one line, provider text made safe) about a callback that could not be matched but says why: an error without `state`. */
  onNotice?: (text: string) => void;
  /**
   * Hold the page of a successful callback until {@link CallbackServer.finish} says how the token exchange went,
   * so the browser never shows success for a flow that then fails. Default false: the success page at once.
   */
  deferPage?: boolean;
}

/** Name of this server in messages and in `PORT_IN_USE`'s `details.server`. */
export const CALLBACK_SERVER_NAME = 'OAuth 2 callback server';

/** How long close() lets pages being sent reach a browser that reads slowly before it cuts the connections. */
export const CLOSE_GRACE_MS = 2000;

type Outcome = { ok: true; value: CallbackResult } | { ok: false; error: TestkitError };

/**
 * Starts the local server that receives the provider's redirect (through the relay and tunnel).
 *
 * Routes (oidc-provider style, one rule per line):
 * - `GET /health` → 200 `{ ok: true }`.
 * - `GET /callback` without the expected `state` → 400, keep waiting (it belongs to another run or an attacker).
 * - `GET /callback` with the state and `error` → error page; the wait rejects with `AUTHORIZATION_DENIED`.
 * - `GET /callback` with the state and `code` → success page; the wait resolves.
 * - the state is accepted once: any later callback → 400.
 * - anything else → 404.
 *
 * Throws `PORT_IN_USE` when the port is taken (free it or set OAUTH2_PORT), `USAGE` when the address cannot be
 * bound otherwise.
 * `waitForCallback` rejects with `CALLBACK_TIMEOUT`, `INTERRUPTED` (signal aborted or server closed)
 * or `AUTHORIZATION_DENIED`.
 *
 * @example
 * const server = await startCallbackServer({ port: 9002, state });
 * const { code } = await server.waitForCallback({ timeoutMs: 300_000 });
 * await server.close();
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export async function startCallbackServer(options: StartCallbackServerOptions): Promise<CallbackServer> {
  const host = options.host ?? '127.0.0.1';
  let expectedState: Buffer | undefined = options.state === undefined ? undefined : Buffer.from(options.state, 'utf8');
  let outcome: Outcome | undefined;
  const waiters = new Set<(outcome: Outcome) => void>();
  /** `Host` values answered (lower case, with port): the listening address, then what allowHost() adds. */
  const allowedHosts = new Set<string>();
  /** Provider errors that arrived without state (repeated by the timeout message). */
  const notices: string[] = [];
  /** With `deferPage`: the accepted callback's response, until finish(). */
  let held: ServerResponse | undefined;

  const settle = (result: Outcome): void => {
    outcome = result;
    for (const waiter of waiters) waiter(result);
    waiters.clear();
  };

  const stateMatches = (state: string | null): state is string => {
    if (state === null || expectedState === undefined) return false;
    const given = Buffer.from(state, 'utf8');
    return given.length === expectedState.length && timingSafeEqual(given, expectedState);
  };

  const handleCallback = (url: URL, res: ServerResponse): void => {
    const params = url.searchParams;
    if (outcome !== undefined) {
      sendHtmlPage(
        res,
        400,
        'Callback already received',
        '<p>This authorization callback was already received: a state is accepted only once. ' +
          'Run <code>integration-cli oauth2</code> again to start a new flow.</p>',
      );
      return;
    }
    const state = params.get('state');
    const stateless = params.get('error');
    if (state === null && stateless !== null) {
      // Some providers drop `state` on error redirects: it cannot be matched, but the user must see the error.
      const error = oneLine(stateless, 100);
      const rawDescription = params.get('error_description');
      const said = `${error}${rawDescription === null ? '' : `: ${oneLine(rawDescription)}`}`;
      notices.push(said);
      sendHtmlPage(
        res,
        400,
        'Provider error without state',
        `<p>The provider answered <code>${escapeHtml(error)}</code>${rawDescription === null ? '.' : `: ${escapeHtml(sentence(oneLine(rawDescription)))}`}</p>` +
          '<p>The callback had no <code>state</code> parameter, so it could not be matched to the running ' +
          '<code>integration-cli oauth2</code>; the flow keeps waiting. Check the terminal.</p>',
      );
      options.onNotice?.(
        `A callback without state arrived with the provider error ${sentence(said)} It had no state, so it could not be matched to this run; still waiting.`,
      );
      return;
    }
    if (!stateMatches(state)) {
      sendHtmlPage(
        res,
        400,
        'Unexpected callback',
        `<p>This callback does not belong to the running <code>integration-cli oauth2</code> ` +
          `(${state === null ? 'no <code>state</code> parameter' : 'its <code>state</code> does not match'}); ` +
          'the flow keeps waiting for the right one.</p>',
      );
      return;
    }
    const rawError = params.get('error');
    if (rawError !== null) {
      // Provider text, shown on one line: it must not forge terminal output.
      const error = oneLine(rawError, 100);
      const rawDescription = params.get('error_description');
      const description = rawDescription === null ? null : oneLine(rawDescription);
      const uri = params.get('error_uri');
      sendHtmlPage(
        res,
        400,
        'Authorization failed',
        `<p>The provider answered <code>${escapeHtml(error)}</code>${
          description === null ? '.' : `: ${escapeHtml(sentence(description))}`
        }</p><p>Check the terminal, then run <code>integration-cli oauth2</code> again.</p>`,
      );
      settle({
        ok: false,
        error: new TestkitError(
          'AUTHORIZATION_DENIED',
          `The provider refused the authorization: ${error}${description === null ? '.' : `: ${sentence(description)}`} ` +
            'Check the scopes and the app settings at the provider, then run `integration-cli oauth2` again.',
          { details: { error, error_description: description ?? undefined, error_uri: uri ?? undefined } },
        ),
      });
      return;
    }
    const code = params.get('code');
    if (code === null || code === '') {
      sendHtmlPage(
        res,
        400,
        'Callback without a code',
        '<p>This callback has neither a <code>code</code> nor an <code>error</code> parameter; ' + 'the flow keeps waiting.</p>',
      );
      return;
    }
    if (options.deferPage) held = res;
    else sendSuccess(res);
    settle({ ok: true, value: { code, state } });
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end('This server answers only for its own host.\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const known = url.pathname === '/health' || url.pathname === '/callback';
    if (!known) {
      sendHtmlPage(res, 404, 'Not found', '<p>The integration-cli callback server only serves <code>/callback</code>.</p>');
      return;
    }
    // Only a real GET may consume the one-time state (no HEAD or POST side effects).
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET', 'Cache-Control': 'no-store' }).end();
      return;
    }
    if (url.pathname === '/health') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end('{"ok":true}');
      return;
    }
    handleCallback(url, res);
  };

  // Open connections → how many of their responses are not fully sent yet. A handler ends its response at once,
  // but the page may still sit in the socket's buffer: destroying the socket then would cut it.
  const connections = new Map<Socket, number>();
  let closing = false;
  /** Set by close(): called once no connection has a page left to send. */
  let pagesOut: (() => void) | undefined;
  const checkPagesOut = (): void => {
    if (pagesOut !== undefined && ![...connections.values()].some((sending) => sending > 0)) pagesOut();
  };
  const server = createServer((req, res) => {
    const socket = req.socket;
    connections.set(socket, (connections.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const sending = connections.get(socket);
      if (sending === undefined) return;
      connections.set(socket, sending - 1);
      // The page is out: end the connection politely (FIN after the data), so the browser reads all of it.
      if (closing && sending === 1) socket.end();
      checkPagesOut();
    });
    handler(req, res);
  });
  server.on('connection', (socket: Socket) => {
    // Closing: a new connection has no page coming.
    if (closing) return void socket.destroy();
    connections.set(socket, 0);
    socket.once('close', () => {
      connections.delete(socket);
      checkPagesOut();
    });
  });
  const port = await listen(server, options.port, host, CALLBACK_SERVER_NAME, 'choose another port');
  const url = `http://${urlHost(host)}:${port}`;
  allowedHosts.add(new URL(url).host);
  let closed: Promise<void> | undefined;
  const finish: CallbackServer['finish'] = (result) => {
    const res = held;
    held = undefined;
    if (res === undefined) return;
    if (result.ok) sendSuccess(res);
    else
      sendHtmlPage(
        res,
        502,
        'Authorization not complete',
        `<p>The provider sent the browser back, but the flow failed afterwards: ${escapeHtml(sentence(oneLine(result.reason)))}</p>` +
          '<p>The terminal says what happened and what to do. You can close this tab.</p>',
      );
  };

  return {
    port,
    url,
    callbackUrl: `${url}/callback`,
    allowHost(value) {
      allowedHosts.add(value.toLowerCase());
    },
    expectState(state) {
      const next = Buffer.from(state, 'utf8');
      if (expectedState !== undefined && !expectedState.equals(next)) {
        throw new TestkitError('STATE_MISMATCH', `The callback server at ${url} already expects another state; start a new server for a new flow.`);
      }
      expectedState = next;
    },
    waitForCallback({ timeoutMs, signal }) {
      const waiting = new Promise<CallbackResult>((resolve, reject) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const finish = (result: Outcome): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          waiters.delete(finish);
          if (result.ok) resolve(result.value);
          else reject(result.error);
        };
        const onAbort = (): void =>
          finish({
            ok: false,
            error: new TestkitError('INTERRUPTED', 'Interrupted while waiting for the OAuth 2 callback.', {
              cause: signal?.reason,
            }),
          });
        if (outcome !== undefined) return finish(outcome);
        if (closed !== undefined) return finish(serverClosed(url));
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        timer = setTimeout(() => {
          const seconds = Number((timeoutMs / 1000).toFixed(1));
          finish({
            ok: false,
            error: new TestkitError(
              'CALLBACK_TIMEOUT',
              `No OAuth 2 callback reached ${url}/callback within ${seconds} s.` +
                (notices.length === 0
                  ? ''
                  : ` Meanwhile ${notices.length === 1 ? 'a callback' : `${notices.length} callbacks`} without state arrived with the provider error ${notices.map((notice) => `"${notice}"`).join(', ')}; without state it could not be matched to this run.`),
              { next: 'Finish the login in the browser sooner, or raise the timeout.', details: { timeoutSeconds: seconds, statelessErrors: [...notices] } },
            ),
          });
        }, timeoutMs);
        waiters.add(finish);
      });
      // The flow starts waiting, then opens the browser: a denial can arrive before it awaits this promise.
      // Marking it handled keeps that from crashing the process; the awaiting caller still gets the rejection.
      waiting.catch(() => undefined);
      return waiting;
    },
    finish,
    close() {
      // A held page must reach the browser before the server stops waiting for pages.
      if (held !== undefined) finish({ ok: false, reason: 'the flow ended before it could confirm the tokens' });
      closed ??= new Promise<void>((resolve, reject) => {
        // A pending wait can never succeed once the socket is gone: fail it now rather than at its timeout.
        for (const waiter of [...waiters]) waiter(serverClosed(url));
        closing = true;
        // Idle keep-alive connections and half-sent requests have no page to lose: without this, close() would
        // wait for their idle timeout.
        for (const [socket, sending] of connections) if (sending === 0) socket.destroy();
        // server.close() itself destroys every connection whose response has ended, even with its page still in
        // the socket's buffer (Node's closeIdleConnections): call it only once the pages are out, or after the
        // grace for a browser that stopped reading.
        let stopping = false;
        const stop = (): void => {
          if (stopping) return;
          stopping = true;
          server.close((error) => {
            clearTimeout(force);
            if (error) reject(error);
            else resolve();
          });
        };
        const force = setTimeout(() => {
          stop();
          server.closeAllConnections();
        }, CLOSE_GRACE_MS);
        pagesOut = stop;
        checkPagesOut();
      });
      return closed;
    },
  };
}

function sendSuccess(res: ServerResponse): void {
  sendHtmlPage(res, 200, 'Authorization complete', '<p>The OAuth 2 flow is complete. You can close this tab and use your terminal again.</p>');
}

function serverClosed(url: string): Outcome {
  return {
    ok: false,
    error: new TestkitError('INTERRUPTED', `The callback server at ${url} was closed while waiting for the OAuth 2 callback.`),
  };
}
