// Memory: process.memoryUsage() before, halfway through and after N full flows on one provider, after GCs (see settle).
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

/**
 * Memory after garbage collection, two ways: `full` — three ordinary full GCs (V8 keeps the pages it freed
 * committed for reuse, so RSS keeps the run's high-water mark); `pressure` — three last-resort GCs, what V8 runs
 * when the system is short of memory (it also returns pooled pages): the memory the process cannot give back.
 */
async function settle(flavor) {
  for (let i = 0; i < 3; i += 1) {
    // gc(undefined) would be a minor GC: the ordinary full GC is gc() without an argument.
    if (flavor === 'pressure') globalThis.gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    else globalThis.gc();
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
  const beforeFull = await settle('full');
  const before = await settle('pressure');
  const started = performance.now();
  const half = Math.floor(flows / 2);
  for (let i = 0; i < half; i += 1) await subject.flow();
  const halfway = await settle('pressure');
  for (let i = half; i < flows; i += 1) await subject.flow();
  const seconds = (performance.now() - started) / 1000;
  const afterFull = await settle('full');
  const after = await settle('pressure');
  const recorded = subject.recorded();
  await subject.close();
  const closed = await settle('pressure');
  const mb = (bytes) => +(bytes / 1024 / 1024).toFixed(2);
  const breakdown = (usage) => ({
    rss: mb(usage.rss),
    heapTotal: mb(usage.heapTotal),
    heapUsed: mb(usage.heapUsed),
    external: mb(usage.external),
    arrayBuffers: mb(usage.arrayBuffers),
  });
  return {
    kind,
    flows,
    flowsPerSecond: flows / seconds,
    recordedRequests: recorded,
    gc: 'pressure (last-resort major GC) unless named full',
    before: breakdown(before),
    halfway: breakdown(halfway),
    after: breakdown(after),
    afterClose: breakdown(closed),
    beforeFullGc: breakdown(beforeFull),
    afterFullGc: breakdown(afterFull),
    rssBeforeMb: mb(before.rss),
    rssAfterMb: mb(after.rss),
    rssGrowthMb: mb(after.rss - before.rss),
    // Bounded: the second half of the flows adds (almost) nothing once the caps are reached.
    rssGrowthSecondHalfMb: mb(after.rss - halfway.rss),
    rssGrowthFullGcMb: mb(afterFull.rss - beforeFull.rss),
    heapUsedBeforeMb: mb(before.heapUsed),
    heapUsedAfterMb: mb(after.heapUsed),
    heapGrowthMb: mb(after.heapUsed - before.heapUsed),
    heapTotalGrowthMb: mb(after.heapTotal - before.heapTotal),
    externalGrowthMb: mb(after.external - before.external),
    arrayBuffersGrowthMb: mb(after.arrayBuffers - before.arrayBuffers),
    // What RSS holds beyond V8's heap pages and external memory (code space, malloc arenas, thread stacks).
    rssOutsideHeapGrowthMb: mb(after.rss - after.heapTotal - after.external - (before.rss - before.heapTotal - before.external)),
  };
});
