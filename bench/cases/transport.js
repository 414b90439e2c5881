// In-process transports: the same refresh-grant token request through msw, nock, HTTP (fetch to a listener in
// this process), Node's fetch dispatcher (oauth2-testkit/undici) and a plain msw handler with a static body, from a bounded fetch loop in one process.
// `node bench/cases/transport.js <http|msw|nock|undici|msw-static|in-process> <durationMs> <concurrency,...>`
// `in-process` (not in the table; for diagnosis) is the engine alone: `provider.fetch`, no interception, no socket —
// what msw and nock would reach if their own per-request path cost nothing.
// Besides req/s, each concurrency reports the process CPU time per request (all threads; steadier than req/s on a
// shared machine) and the connections undici opened per request (an interceptor that answers a POST before undici has
// finished writing its body makes undici drop the connection: a new (TLS) socket per request).
import dc from 'node:diagnostics_channel';
import { CLIENT, loopFor } from '../lib/common.js';
import { refreshParams, tokenRequest } from '../lib/flow-client.js';
import { guard, report } from './report.js';

const [kind, rawDuration = '5000', rawConcurrency = '1,32'] = process.argv.slice(2);
const durationMs = Number(rawDuration);
const concurrencies = rawConcurrency.split(',').map(Number);
guard(120_000);

let connections = 0;
dc.subscribe('undici:client:beforeConnect', () => {
  connections += 1;
});

const STATIC_TOKEN = {
  access_token: 'static-access-token',
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'static-refresh-token',
  scope: 'read write',
};
const options = { clients: [{ ...CLIENT }], rotateRefreshTokens: false };

async function setup() {
  const mock = await import('../../dist/mock-provider/index.js');
  if (kind === 'http') {
    const provider = await mock.startMockProvider(options);
    return { provider, tokenUrl: provider.tokenUrl, close: () => provider.close() };
  }
  if (kind === 'msw' || kind === 'msw-static') {
    const { setupServer } = await import('msw/node');
    if (kind === 'msw-static') {
      const { http, HttpResponse } = await import('msw');
      const server = setupServer(http.post('https://static.test/token', () => HttpResponse.json(STATIC_TOKEN, { headers: { 'cache-control': 'no-store' } })));
      server.listen({ onUnhandledFrame: 'error' });
      return { refreshToken: 'static-refresh-token', tokenUrl: 'https://static.test/token', close: () => server.close() };
    }
    const { mockProviderHandlers } = await import('../../dist/msw/index.js');
    const provider = await mock.createMockProvider(options);
    const server = setupServer(...mockProviderHandlers(provider));
    server.listen({ onUnhandledFrame: 'error' });
    return {
      provider,
      tokenUrl: provider.tokenUrl,
      close: async () => {
        server.close();
        await provider.close();
      },
    };
  }
  if (kind === 'in-process') {
    const provider = await mock.createMockProvider(options);
    return { provider, tokenUrl: provider.tokenUrl, fetchImpl: provider.fetch, close: () => provider.close() };
  }
  if (kind === 'undici') {
    const { interceptMockProvider } = await import('../../dist/undici/index.js');
    const provider = await mock.createMockProvider(options);
    const interception = interceptMockProvider(provider, { onUnhandledRequest: 'error' });
    return {
      provider,
      tokenUrl: provider.tokenUrl,
      close: async () => {
        interception.restore();
        await provider.close();
      },
    };
  }
  if (kind === 'nock') {
    const nock = (await import('nock')).default;
    const { interceptMockProvider } = await import('../../dist/nock/index.js');
    const provider = await mock.createMockProvider(options);
    nock.disableNetConnect();
    const scope = await interceptMockProvider(provider);
    return {
      provider,
      tokenUrl: provider.tokenUrl,
      close: async () => {
        scope?.persist?.(false);
        nock.cleanAll();
        nock.enableNetConnect();
        await provider.close();
      },
    };
  }
  throw new Error(`unknown transport ${kind}`);
}

await report(async () => {
  const target = await setup();
  const refreshToken = target.refreshToken ?? (await target.provider.getTokens({ scope: 'openid offline_access read write' })).refresh_token;
  if (typeof refreshToken !== 'string') throw new Error(`${kind}: getTokens() returned no refresh_token`);
  const fetchOptions = target.fetchImpl === undefined ? undefined : { fetchImpl: target.fetchImpl };
  const task = () => tokenRequest(target.tokenUrl, refreshParams(refreshToken), fetchOptions);
  await task(); // fails loudly if the transport does not answer
  await loopFor({ concurrency: 4, durationMs: Math.min(1000, durationMs / 2), task }); // warm-up
  const byConcurrency = {};
  for (const concurrency of concurrencies) {
    const connectionsBefore = connections;
    const cpuBefore = process.cpuUsage();
    const run = await loopFor({ concurrency, durationMs, task });
    const cpu = process.cpuUsage(cpuBefore);
    if (run.errors > 0) throw new Error(`${kind} c=${concurrency}: ${run.errors} errors, first: ${run.firstError}`);
    byConcurrency[concurrency] = {
      perSecond: run.perSecond,
      done: run.done,
      cpuUsPerRequest: Math.round((cpu.user + cpu.system) / run.done),
      connectionsPerRequest: Number(((connections - connectionsBefore) / run.done).toFixed(3)),
    };
  }
  await target.close();
  return { kind, byConcurrency };
});
