import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../../shared/listen.js';
import { logWhenSent } from '../../shared/request-log.js';
import { createMockProviderInternals, type MockProviderInternals } from '../create-mock-provider.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../defaults.js';
import { fromNodeRequest, writeNodeResponse } from './node-request.js';
import type { MockProvider, MockProviderOptions } from '../types.js';
import { MockProviderOptionsError } from '../options-error.js';
import { CONTROL_PREFIX } from '../routes.js';
import { controlHandler, isControlPath, isControlTokenShape, randomControlToken } from '../control/routes.js';

/**
 * How long `close()` lets requests in flight finish before it cuts their connections (a client that never sends
 * the rest of its body must not hold the provider open).
 */
export const CLOSE_GRACE_MS = 10_000;

/**
 * Creates a mock provider and serves it over HTTP on `127.0.0.1` (port 0 = any free port by default). The
 * listener hands every request to the same scenario layer as `handle()`, so both paths behave identically.
 * The issuer defaults to `http://<host>:<port>`.
 *
 * Throws `PORT_IN_USE` when the port is taken, `MOCK_PROVIDER` on invalid options.
 *
 * @example
 * const provider = await startMockProvider();
 * // provider.authorizationUrl === 'http://127.0.0.1:54321/auth'
 * await provider.close();
 */
export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  let internals: MockProviderInternals | undefined;
  const controlToken = controlTokenOf(options.control);
  let control: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  // Each request becomes an engine request (body read and capped) for the one entry, whose answer is written back.
  const server: Server = createServer((req, res) => {
    if (options.onRequest !== undefined) logWhenSent(req, res, options.onRequest);
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    if (internals === undefined) {
      res.statusCode = 500;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ error: 'server_error', error_description: 'The mock provider is still starting.' }));
      return;
    }
    // The control API sits beside the engine: the scenario layer never sees it (not recorded, not faultable).
    if (control !== undefined && isControlPath(req.url)) {
      control(req, res);
      return;
    }
    serve(internals, req, res);
  });

  await listen(server, port, host, 'mock provider', 'pass another port (or 0 for any free one)', 'MOCK_PROVIDER');
  const address = server.address() as AddressInfo;
  // Bound to every interface: the issuer must still be an address a client can use (containers pass `issuer`).
  const reachable = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const urlHost = address.family === 'IPv6' ? `[${reachable}]` : reachable;
  try {
    internals = await createMockProviderInternals(options, options.issuer ?? `http://${urlHost}:${address.port}`, { overHttp: true });
  } catch (error) {
    server.close();
    throw error;
  }
  if (controlToken !== undefined) {
    control = controlHandler(internals, controlToken);
    internals.setControl({ url: `${internals.provider.issuer}${CONTROL_PREFIX}/`, token: controlToken });
  }
  // Graceful: no new connection, idle ones closed now, requests in flight finish (up to CLOSE_GRACE_MS), then the rest.
  internals.onClose(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_GRACE_MS);
        timer.unref();
        drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    server.closeAllConnections();
    await closed;
  });
  return internals.provider;
}

/** One request through the entry; a client that aborts its body gets no answer, an entry that fails a 500. */
function serve(internals: MockProviderInternals, req: IncomingMessage, res: ServerResponse): void {
  const origin = new URL(internals.provider.issuer).origin;
  fromNodeRequest(req, origin).then(
    (request) =>
      internals.entry(request).then(
        (response) => writeNodeResponse(res, response, request.method),
        () => {
          res.statusCode = 500;
          res.setHeader('content-type', 'application/json; charset=utf-8');
          res.end(JSON.stringify({ error: 'server_error', error_description: 'The mock provider failed to answer.' }));
        },
      ),
    () => res.destroy(),
  );
}

/** The control token `options.control` asks for: undefined when off, a random one for `true`. */
function controlTokenOf(option: MockProviderOptions['control']): string | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return randomControlToken();
  if (typeof option !== 'object' || option === null) throw new MockProviderOptionsError('control', 'control must be true, false or { token }.');
  if (option.token === undefined) return randomControlToken();
  if (!isControlTokenShape(option.token)) {
    throw new MockProviderOptionsError('control.token', 'control.token must be 1 to 512 visible ASCII characters without spaces.');
  }
  return option.token;
}
