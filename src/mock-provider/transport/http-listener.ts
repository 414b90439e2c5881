import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../../shared/listen.js';
import { logWhenSent } from '../../shared/request-log.js';
import { createMockProviderInternals, type MockProviderInternals } from '../create-mock-provider.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../defaults.js';
import { SENT_HEADERS, type TaggedRequest } from '../scenario/pipeline.js';
import { ReplayableIncomingMessage } from './request-body.js';
import type { MockProvider, MockProviderOptions } from '../types.js';

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
  let issuerHost = '';
  let issuerProto = '';

  // The engine's own handler on the real request and response (the scenario layer is its first middleware).
  // Host and scheme are the issuer's, as for the in-process transports; the recorder sees the headers as sent.
  const server: Server = createServer({ IncomingMessage: ReplayableIncomingMessage }, (req, res) => {
    if (options.onRequest !== undefined) logWhenSent(req, res, options.onRequest);
    if (internals === undefined) {
      res.statusCode = 500;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ error: 'server_error', error_description: 'The mock provider is still starting.' }));
      return;
    }
    const sent = req.headers;
    if (sent.host !== issuerHost || issuerProto !== 'http' || sent['x-forwarded-proto'] !== undefined || sent['x-forwarded-host'] !== undefined) {
      (req as TaggedRequest)[SENT_HEADERS] = sent;
      req.headers = { ...sent, host: issuerHost, 'x-forwarded-proto': issuerProto, 'x-forwarded-host': issuerHost };
    }
    internals.callback(req, res);
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
  const issuerUrl = new URL(internals.provider.issuer);
  issuerHost = issuerUrl.host;
  issuerProto = issuerUrl.protocol.slice(0, -1);
  internals.onClose(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  });
  return internals.provider;
}
