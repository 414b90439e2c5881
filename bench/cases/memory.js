// Memory: RSS before and after N full flows on one provider (in-process, headless getTokens), after a GC.
// `node --expose-gc bench/cases/memory.js <flows>`
import { CLIENT } from '../lib/common.js';
import { guard, report } from './report.js';

const flows = Number(process.argv[2] ?? '10000');
guard(300_000);
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');

async function settle() {
  for (let i = 0; i < 3; i += 1) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage();
}

await report(async () => {
  const { createMockProvider } = await import('../../dist/mock-provider/index.js');
  const provider = await createMockProvider({ clients: [{ ...CLIENT }] });
  const flow = async () => {
    const tokens = await provider.getTokens({ scope: 'openid offline_access read write' });
    if (typeof tokens.access_token !== 'string') throw new Error('no access token');
  };
  for (let i = 0; i < 100; i += 1) await flow(); // warm-up: JIT, module caches, first keys
  const before = await settle();
  const started = performance.now();
  for (let i = 0; i < flows; i += 1) await flow();
  const seconds = (performance.now() - started) / 1000;
  const after = await settle();
  const recorded = provider.requests.length;
  await provider.close();
  const closed = await settle();
  const mb = (bytes) => bytes / 1024 / 1024;
  return {
    recordedRequests: recorded,
    heapTotalBeforeMb: mb(before.heapTotal),
    heapTotalAfterMb: mb(after.heapTotal),
    externalGrowthMb: mb(after.external - before.external),
    arrayBuffersGrowthMb: mb(after.arrayBuffers - before.arrayBuffers),
    rssAfterCloseMb: mb(closed.rss),
    heapUsedAfterCloseMb: mb(closed.heapUsed),
    flows,
    flowsPerSecond: flows / seconds,
    rssBeforeMb: mb(before.rss),
    rssAfterMb: mb(after.rss),
    rssGrowthMb: mb(after.rss - before.rss),
    heapUsedBeforeMb: mb(before.heapUsed),
    heapUsedAfterMb: mb(after.heapUsed),
    heapGrowthMb: mb(after.heapUsed - before.heapUsed),
  };
});
