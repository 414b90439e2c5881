import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli, tempProject } from '../helpers/cli.js';
import { scanForSecrets } from './secret-scan.js';

/**
 * `integration-cli oauth2 --mock` killed with SIGKILL at seeded random points, and run many times at once on one
 * config. Each killed run has its own copy of the config (and mock cache), so a stale lock never makes a later run
 * wait. Whatever the moment, the config is either byte-for-byte as before or a whole, valid file with the new
 * tokens; concurrent runs never lose each other's accounts.
 */
const fixture = path.resolve(import.meta.dirname, '../../fixtures/unito.json');
const SEED = 0x5eed_2026;
const KILL_RUNS = 50;
const CONCURRENT_RUNS = 8;

/** A small deterministic generator (mulberry32), so a failing kill point can be replayed from its run number. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const outputs: string[] = [];
/** How the killed runs ended: the config untouched, or written whole. Both must occur, or the kill points miss the write. */
const endings = { untouched: 0, written: 0 };

async function project() {
  return tempProject(JSON.parse(await readFile(fixture, 'utf8')));
}

describe('oauth2 --mock under kill -9', () => {
  const next = random(SEED);
  // Kill points spread over a whole run (start-up, mock start, login, exchange, write): 0 to 1.5 s.
  const points = Array.from({ length: KILL_RUNS }, (_, run) => ({ run, delayMs: Math.floor(next() * 1500) }));

  it.each(points.map((point) => [point.run, point.delayMs]))(
    'run %i killed after %i ms leaves the config whole',
    async (_run, delayMs) => {
      const { dir, configPath, cacheDir } = await project();
      const before = await readFile(configPath, 'utf8');
      const cli = startCli(['oauth2', '--mock', '--config-path', configPath], { env: { OAUTH2_TESTKIT_CACHE_DIR: cacheDir } });
      const timer = setTimeout(() => cli.kill('SIGKILL'), delayMs);
      const result = await cli.done;
      clearTimeout(timer);
      outputs.push(result.stdout, result.stderr);
      const after = await readFile(configPath, 'utf8');
      endings[after === before ? 'untouched' : 'written']++;
      if (after !== before) {
        const written = JSON.parse(after) as { testAccounts: Record<string, Record<string, unknown>> };
        expect(written.testAccounts.mock).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
        expect(written.testAccounts.development).toEqual(JSON.parse(before).testAccounts.development);
      }
      // A run that finished exited 0; a killed one has no code. Never a failure of its own.
      expect(result.code === 0 || result.code === null, result.stderr).toBe(true);
      // The atomic write's temporary file never replaces the config half-written; at most one may stay behind.
      const strays = (await readdir(dir)).filter((name) => name.startsWith('.unito.json.') && !name.endsWith('.lock'));
      expect(strays.length).toBeLessThanOrEqual(1);
    },
    30_000,
  );

  it('killed some runs before the write and let others write', () => {
    expect(endings.untouched).toBeGreaterThan(0);
    expect(endings.written).toBeGreaterThan(0);
  });
});

describe('oauth2 --mock run concurrently on one config', () => {
  it(`keeps every account that ${CONCURRENT_RUNS} concurrent runs wrote, and the others say the config is locked`, async () => {
    const { configPath, cacheDir } = await project();
    const runs = Array.from(
      { length: CONCURRENT_RUNS },
      (_, i) =>
        startCli(['oauth2', '--mock', '--config-path', configPath, '--test-account', `mock-${i}`, '--json'], {
          env: { OAUTH2_TESTKIT_CACHE_DIR: `${cacheDir}-${i}` },
        }).done,
    );
    const results = await Promise.all(runs);
    for (const result of results) outputs.push(result.stdout, result.stderr);
    const written = JSON.parse(await readFile(configPath, 'utf8')) as { testAccounts: Record<string, Record<string, unknown>> };
    results.forEach((result, i) => {
      if (result.code === 0) {
        expect(written.testAccounts[`mock-${i}`], `run ${i} succeeded but its account is gone`).toMatchObject({ accessToken: expect.any(String) });
      } else {
        expect(JSON.parse(result.stdout), result.stderr).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
        expect(written.testAccounts[`mock-${i}`]).toBeUndefined();
      }
    });
    expect(results.some((result) => result.code === 0)).toBe(true);
  }, 60_000);
});

describe('secret scan', () => {
  it('printed none of the fixture secrets in any output of these runs', () => {
    expect(scanForSecrets(outputs.join('\n'), ['acme-dev-client-secret'])).toEqual([]);
  });
});
