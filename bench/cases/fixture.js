// Per-test fixture cost: create/start a provider, get the first token set, close — N times in one process.
// `node bench/cases/fixture.js <ours|ours-in-process|peer> <iterations>`
import { CLIENT, median, percentile } from '../lib/common.js';
import { fullFlow } from '../lib/flow-client.js';
import { guard, report } from './report.js';

const [kind, rawIterations = '200'] = process.argv.slice(2);
const iterations = Number(rawIterations);
guard(180_000);

async function oursStarted() {
  const { startMockProvider } = await import('../../dist/mock-provider/index.js');
  return async () => {
    const provider = await startMockProvider({ clients: [{ ...CLIENT }] });
    const tokens = await provider.getTokens();
    if (typeof tokens.access_token !== 'string') throw new Error('no access token');
    await provider.close();
  };
}

async function oursInProcess() {
  const { createMockProvider } = await import('../../dist/mock-provider/index.js');
  return async () => {
    const provider = await createMockProvider({ clients: [{ ...CLIENT }] });
    const tokens = await provider.getTokens();
    if (typeof tokens.access_token !== 'string') throw new Error('no access token');
    await provider.close();
  };
}

async function peer() {
  const { OAuth2Server } = await import('oauth2-mock-server');
  return async () => {
    const server = new OAuth2Server();
    await server.issuer.keys.generate('RS256');
    await server.start(0, '127.0.0.1');
    const tokens = await fullFlow({ authorizationUrl: `${server.issuer.url}/authorize`, tokenUrl: `${server.issuer.url}/token` });
    if (typeof tokens.access_token !== 'string') throw new Error('no access token');
    await server.stop();
  };
}

await report(async () => {
  const once = await { ours: oursStarted, 'ours-in-process': oursInProcess, peer }[kind]();
  const times = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  const afterFirst = times.slice(1);
  return { kind, iterations, firstMs: times[0], medianMs: median(afterFirst), p90Ms: percentile(afterFirst, 90), maxMs: Math.max(...afterFirst) };
});
