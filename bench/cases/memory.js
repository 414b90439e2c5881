// Memory: process.memoryUsage() before and after N full flows on one provider, after a GC.
// `node --expose-gc bench/cases/memory.js <flows> [kind]`, kind:
// - ours       createMockProvider(), headless getTokens() (in-process transport; what the target is about);
// - ours-http  startMockProvider() in this process, the bench's fetch flow client over loopback HTTP;
// - bare-http  bare oidc-provider (bench/servers/bare-oidc.js) in this process, the same fetch flow client.
// The two -http kinds carry the same client-side cost (undici, sockets), so they compare like with like.
import { CLIENT } from '../lib/common.js';
import { fullFlow } from '../lib/flow-client.js';
import { guard, report } from './report.js';

const flows = Number(process.argv[2] ?? '10000');
const kind = process.argv[3] ?? 'ours';
guard(300_000);
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');

async function settle() {
  for (let i = 0; i < 3; i += 1) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage();
}

async function setUp() {
  if (kind === 'ours') {
    const { createMockProvider } = await import('../../dist/mock-provider/index.js');
    const provider = await createMockProvider({ clients: [{ ...CLIENT }] });
    return {
      flow: async () => {
        const tokens = await provider.getTokens({ scope: 'openid offline_access read write' });
        if (typeof tokens.access_token !== 'string') throw new Error('no access token');
      },
      recorded: () => provider.requests.length,
      close: () => provider.close(),
    };
  }
  let server;
  if (kind === 'ours-http') {
    const { start } = await import('../servers/ours.js');
    server = await start({ accessTokenFormat: 'opaque' });
  } else if (kind === 'bare-http') {
    const { start } = await import('../servers/bare-oidc.js');
    server = await start();
  } else {
    throw new Error(`unknown kind ${kind}`);
  }
  return {
    flow: async () => {
      const tokens = await fullFlow(server.info);
      if (typeof tokens.access_token !== 'string') throw new Error('no access token');
    },
    recorded: () => undefined,
    close: () => server.close(),
  };
}

await report(async () => {
  const subject = await setUp();
  for (let i = 0; i < 100; i += 1) await subject.flow(); // warm-up: JIT, module caches, first keys
  const before = await settle();
  const started = performance.now();
  for (let i = 0; i < flows; i += 1) await subject.flow();
  const seconds = (performance.now() - started) / 1000;
  const after = await settle();
  const recorded = subject.recorded();
  await subject.close();
  const closed = await settle();
  const mb = (bytes) => +(bytes / 1024 / 1024).toFixed(2);
  const breakdown = (usage) => ({ rss: mb(usage.rss), heapTotal: mb(usage.heapTotal), heapUsed: mb(usage.heapUsed), external: mb(usage.external), arrayBuffers: mb(usage.arrayBuffers) });
  return {
    kind,
    flows,
    flowsPerSecond: flows / seconds,
    recordedRequests: recorded,
    before: breakdown(before),
    after: breakdown(after),
    afterClose: breakdown(closed),
    rssBeforeMb: mb(before.rss),
    rssAfterMb: mb(after.rss),
    rssGrowthMb: mb(after.rss - before.rss),
    heapUsedBeforeMb: mb(before.heapUsed),
    heapUsedAfterMb: mb(after.heapUsed),
    heapGrowthMb: mb(after.heapUsed - before.heapUsed),
    heapTotalGrowthMb: mb(after.heapTotal - before.heapTotal),
    externalGrowthMb: mb(after.external - before.external),
    arrayBuffersGrowthMb: mb(after.arrayBuffers - before.arrayBuffers),
    // What RSS holds beyond V8's heap pages and external memory (code space, malloc arenas, thread stacks).
    rssOutsideHeapGrowthMb: mb((after.rss - after.heapTotal - after.external) - (before.rss - before.heapTotal - before.external)),
  };
});
