#!/usr/bin/env node
// Benchmarks side by side with peers: `npm run bench` (full) or `npm run bench -- --quick` (smoke, seconds per case).
// Options: --quick, --out <file.json> (default bench/results/latest.json), --only <substring,...> (run a subset),
// --cpu-prof (write .cpuprofile files of the servers/cases under test to bench/results/profiles/).
// Servers under test run in their own child processes; autocannon and the fetch loops run here.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServer, runCase } from './lib/child.js';
import { ROOT, SCOPES, loopFor, median } from './lib/common.js';
import { fullFlow, refreshParams, tokenRequest } from './lib/flow-client.js';
import { cannonRefresh, loopFlows } from './lib/throughput.js';
import { timeHelp, timeMockRun } from './lib/cli-timing.js';
import { buildRows, formatTable } from './lib/table.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(ROOT, 'bench/results/latest.json') },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});

const quick = args.quick;
const settings = quick
  ? {
      rounds: 1,
      poolSize: 16,
      durationSec: 1,
      warmupSec: 0,
      flowDurationMs: 1000,
      warmupFlows: 10,
      fixtureIterations: 15,
      transportMs: 700,
      cliRuns: 3,
      memoryFlows: 500,
    }
  : {
      rounds: 3,
      poolSize: 32,
      durationSec: 5,
      warmupSec: 2,
      flowDurationMs: 5000,
      warmupFlows: 100,
      fixtureIterations: 200,
      transportMs: 5000,
      cliRuns: 15,
      memoryFlows: 10_000,
    };
const CONCURRENCIES = [1, 32];
const only = args.only?.split(',');
const wanted = (id) => !only || only.some((part) => id.includes(part));
const profDir = path.join(ROOT, 'bench/results/profiles');
const execArgv = args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];

// The whole run is bounded: a stuck case cannot keep the machine busy.
setTimeout(
  () => {
    console.error('bench: overall time limit reached, aborting');
    process.exit(5);
  },
  (quick ? 4 : 40) * 60_000,
).unref();

const figures = {};
const failures = [];
const log = (line) => process.stderr.write(`${line}\n`);

async function attempt(id, fn) {
  if (!wanted(id)) return;
  try {
    figures[id] = await fn();
    log(`  ${id}: ${JSON.stringify(figures[id])}`);
  } catch (error) {
    failures.push({ id, error: String(error?.message ?? error) });
    figures[id] = { error: String(error?.message ?? error) };
    log(`  ${id}: FAILED ${error?.message ?? error}`);
  }
}

const SERVERS = [
  { column: 'ours', kind: 'ours', options: { accessTokenFormat: 'opaque' }, flows: true, oidc: true },
  { column: 'oursJwt', kind: 'ours', options: { accessTokenFormat: 'jwt' }, flows: false, oidc: false },
  { column: 'bare', kind: 'bare-oidc', options: {}, flows: true, oidc: true },
  { column: 'peer', kind: 'peer', options: {}, flows: true, oidc: true },
  { column: 'floor', kind: 'floor', options: {}, flows: true, oidc: false },
];

/**
 * The scope variants every throughput case runs in: plain OAuth 2 scopes (what a connector asks for; case ids
 * `refresh.*`, `flow.*`) and an OpenID Connect login with an id_token on the exchange and on every refresh
 * (`refresh-oidc.*`, `flow-oidc.*`, on the servers marked `oidc`).
 */
const VARIANTS = [
  { suffix: '', scope: SCOPES.oauth, applies: () => true },
  { suffix: '-oidc', scope: SCOPES.oidc, applies: (spec) => spec.oidc },
];

/** A pool of refresh tokens, each from its own real flow (own grant), checked to survive reuse (no rotation). */
async function mintPool(server, size, scope) {
  const pool = [];
  await loopFor({
    concurrency: 8,
    durationMs: 60_000,
    maxOps: size,
    task: async () => {
      const tokens = await fullFlow(server.info, { scope });
      if (typeof tokens.refresh_token !== 'string') throw new Error('the flow returned no refresh_token');
      pool.push(tokens.refresh_token);
    },
  });
  if (pool.length < size) throw new Error(`minted only ${pool.length} of ${size} refresh tokens`);
  // Each token twice: a server that rotates anyway, or has already evicted a token, fails here instead of
  // flooding autocannon with 400s.
  for (let pass = 0; pass < 2; pass += 1) {
    for (const token of pool) await tokenRequest(server.info.tokenUrl, refreshParams(token));
  }
  return pool;
}

/**
 * Token-endpoint throughput. Every server under test runs in its own child (idle while another is measured);
 * the cases run in rounds that visit every server in turn, so load from elsewhere on the machine spreads over
 * all columns alike; each figure is the median of its rounds.
 */
async function measureThroughput() {
  const samples = {};
  const running = [];
  const add = (id, sample) => (samples[id] ??= []).push(sample);
  const caseIds = (spec) =>
    VARIANTS.filter((v) => v.applies(spec)).flatMap((v) => [
      ...CONCURRENCIES.map((c) => `refresh${v.suffix}.${spec.column}.c${c}`),
      ...(spec.flows ? CONCURRENCIES.map((c) => `flow${v.suffix}.${spec.column}.c${c}`) : []),
    ]);
  try {
    for (const spec of SERVERS) {
      const ids = caseIds(spec);
      if (!ids.some(wanted)) continue;
      log(`start ${spec.column} (${spec.kind})`);
      try {
        spec.server = await startServer(spec.kind, spec.options, { execArgv });
        running.push(spec);
      } catch (error) {
        for (const id of ids) await attempt(id, () => Promise.reject(error));
        spec.failed = true;
      }
    }
    for (let round = 1; round <= settings.rounds; round += 1) {
      log(`throughput round ${round}/${settings.rounds}`);
      const warmupSec = round === 1 ? settings.warmupSec : 0;
      for (const variant of VARIANTS) {
        const servers = running.filter((spec) => !spec.failed && variant.applies(spec));
        // A fresh pool every round, on every server alike: oidc-provider's own in-memory adapter (bare) is an LRU
        // of 1000 entries, so the flows of the previous round evict the previous pool.
        for (const spec of servers) {
          if (!CONCURRENCIES.some((c) => wanted(`refresh${variant.suffix}.${spec.column}.c${c}`))) continue;
          try {
            spec.pool = await mintPool(spec.server, settings.poolSize, variant.scope);
          } catch (error) {
            spec.pool = undefined;
            log(`  ${spec.column}: could not mint a refresh-token pool: ${error?.message ?? error}`);
          }
        }
        for (const connections of CONCURRENCIES) {
          for (const spec of servers) {
            const id = `refresh${variant.suffix}.${spec.column}.c${connections}`;
            if (!wanted(id)) continue;
            try {
              if (!spec.pool) throw new Error('no refresh-token pool');
              const result = await cannonRefresh({
                tokenUrl: spec.server.info.tokenUrl,
                refreshTokens: spec.pool,
                connections,
                durationSec: settings.durationSec,
                warmupSec,
              });
              if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx and ${result.errors} errors out of ${result.total}`);
              add(id, result);
              log(`  ${id}: ${Math.round(result.perSecond)}/s`);
            } catch (error) {
              add(id, { error: String(error?.message ?? error) });
              log(`  ${id}: FAILED ${error?.message ?? error}`);
            }
          }
        }
        for (const concurrency of CONCURRENCIES) {
          for (const spec of servers) {
            const id = `flow${variant.suffix}.${spec.column}.c${concurrency}`;
            if (!spec.flows || !wanted(id)) continue;
            try {
              const run = await loopFlows({
                endpoints: spec.server.info,
                scope: variant.scope,
                concurrency,
                durationMs: settings.flowDurationMs,
                warmupFlows: round === 1 ? settings.warmupFlows : 0,
              });
              if (run.errors > 0) throw new Error(`${run.errors} failed flows, first: ${run.firstError}`);
              add(id, { perSecond: run.perSecond, flows: run.done, seconds: run.seconds });
              log(`  ${id}: ${Math.round(run.perSecond)}/s`);
            } catch (error) {
              add(id, { error: String(error?.message ?? error) });
              log(`  ${id}: FAILED ${error?.message ?? error}`);
            }
          }
        }
      }
    }
  } finally {
    await Promise.all(running.map((spec) => spec.server.close()));
  }
  for (const [id, list] of Object.entries(samples)) {
    await attempt(id, async () => {
      const failed = list.find((sample) => sample.error);
      if (failed) throw new Error(failed.error);
      const rates = list.map((sample) => sample.perSecond);
      return { perSecond: median(rates), rounds: rates, last: list.at(-1) };
    });
  }
}

function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const lscpu = execFileSync('lscpu', { encoding: 'utf8' });
    cpu = lscpu.match(/^Model name:\s*(.+)$/m)?.[1]?.trim() ?? cpu;
  } catch {}
  let nproc = os.availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {}
  return {
    nproc,
    cpu,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    totalMemGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadavg: os.loadavg().map((v) => +v.toFixed(2)),
  };
}

const started = Date.now();
const machineInfo = machine();
log(`bench ${quick ? '(quick) ' : ''}on ${machineInfo.nproc}× ${machineInfo.cpu}, Node ${machineInfo.node}`);
if (args['cpu-prof']) await mkdir(profDir, { recursive: true });

// 1. Token endpoint throughput.
await measureThroughput();

// 2. Per-test fixture cost.
log('fixture cost');
for (const kind of ['ours', 'ours-in-process', 'peer']) {
  await attempt(`fixture.${kind}`, () => runCase('fixture.js', [kind, String(settings.fixtureIterations)], { execArgv }));
}

// 3. In-process transports.
log('transports');
for (const kind of ['http', 'msw', 'nock', 'undici', 'msw-static', 'in-process']) {
  await attempt(`transport.${kind}`, () => runCase('transport.js', [kind, String(settings.transportMs), CONCURRENCIES.join(',')], { execArgv }));
}

// 4. CLI start-up and a whole --mock run.
log('cli');
await attempt('cli.help', () => timeHelp(settings.cliRuns));
await attempt('cli.mock', () => timeMockRun(settings.cliRuns));

// 5. Memory after many flows on one provider.
log('memory');
await attempt('memory', () =>
  runCase('memory.js', [String(settings.memoryFlows), 'ours'], { execArgv: ['--expose-gc', ...execArgv], timeoutMs: quick ? 60_000 : 300_000 }),
);
// The reference: the same flows over loopback HTTP in one process, ours and bare oidc-provider (same client cost).
for (const kind of ['ours-http', 'bare-http']) {
  await attempt(`memory.${kind}`, () =>
    runCase('memory.js', [String(settings.memoryFlows), kind], { execArgv: ['--expose-gc', ...execArgv], timeoutMs: quick ? 60_000 : 300_000 }),
  );
}

const rows = buildRows(figures, settings);
const table = formatTable(rows);
const result = {
  generatedAt: new Date().toISOString(),
  quick,
  machine: machineInfo,
  settings: {
    ...settings,
    concurrencies: CONCURRENCIES,
    scopes: SCOPES,
    refreshRotation:
      'off on ours and bare oidc-provider (oauth2-mock-server does not store refresh tokens); plus a pool of refresh tokens per server, each minted by its own real flow, used round-robin',
  },
  elapsedSec: (Date.now() - started) / 1000,
  figures,
  rows,
  failures,
};
await mkdir(path.dirname(args.out), { recursive: true });
await writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`\n${table}\n\n`);
log(
  `wrote ${path.relative(process.cwd(), args.out)} in ${result.elapsedSec.toFixed(0)} s${failures.length ? `; ${failures.length} case(s) FAILED: ${failures.map((f) => f.id).join(', ')}` : ''}`,
);
process.exitCode = failures.length ? 1 : 0;
