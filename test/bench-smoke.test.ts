import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = ['dist/mock-provider/index.js', 'dist/msw/index.js', 'dist/nock/index.js', 'dist/cli/main.js'].every((file) => existsSync(path.join(root, file)));

/** Every row `bench/run.js` must report, quick or not. */
const ROW_IDS = [
  'refresh.opaque.c1',
  'refresh.opaque.c32',
  'refresh-oidc.opaque.c1',
  'refresh-oidc.opaque.c32',
  'refresh.jwt.c1',
  'refresh.jwt.c32',
  'flow.c1',
  'flow.c32',
  'flow-oidc.c1',
  'flow-oidc.c32',
  'fixture.started',
  'fixture.in-process',
  'transport.http.c1',
  'transport.msw.c1',
  'transport.nock.c1',
  'transport.undici.c1',
  'transport.in-process.c1',
  'transport.http.c32',
  'transport.msw.c32',
  'transport.nock.c32',
  'transport.undici.c32',
  'transport.in-process.c32',
  'cli.help',
  'cli.mock',
  'memory',
  'memory.full-gc',
  'memory.http',
];

/** Raw figures behind the rows: each server's refresh/flow runs, fixtures, transports, CLI, memory. */
const FIGURE_IDS = [
  ...['ours', 'oursJwt', 'bare', 'peer', 'floor'].flatMap((s) => [`refresh.${s}.c1`, `refresh.${s}.c32`]),
  ...['ours', 'bare', 'peer', 'floor'].flatMap((s) => [`flow.${s}.c1`, `flow.${s}.c32`]),
  ...['ours', 'bare', 'peer'].flatMap((s) => [`refresh-oidc.${s}.c1`, `refresh-oidc.${s}.c32`, `flow-oidc.${s}.c1`, `flow-oidc.${s}.c32`]),
  'fixture.ours',
  'fixture.ours-in-process',
  'fixture.peer',
  'transport.http',
  'transport.msw',
  'transport.nock',
  'transport.undici',
  'transport.msw-static',
  'transport.in-process',
  'cli.help',
  'cli.mock',
  'memory',
  'memory.ours-http',
  'memory.bare-http',
];

interface Row {
  id: string;
  ours?: number;
  status: string;
}

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function runQuickBench(out: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bench/run.js'), '--quick', '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const title = built ? 'npm run bench -- --quick' : 'npm run bench -- --quick (skipped: dist/ is not built; run npm run build first)';

describe.skipIf(!built)(title, () => {
  it('completes and writes a JSON file with a figure for every case and a table row for every target', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'oauth2-testkit-bench-'));
    const out = path.join(dir, 'latest.json');
    const run = await runQuickBench(out);
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(run.stdout).toMatch(/\| case\s+\| ours\s+\| bare oidc-provider\s+\| oauth2-mock-server\s+\| floor\s+\| ratio\s+\| target\s+\| PASS\/MISS/);

    const result = JSON.parse(await readFile(out, 'utf8'));
    expect(result.quick).toBe(true);
    expect(result.failures).toEqual([]);
    expect(result.machine).toMatchObject({ nproc: expect.any(Number), cpu: expect.any(String), node: process.version });
    for (const id of FIGURE_IDS) {
      expect(result.figures[id], id).toBeDefined();
      expect(result.figures[id].error, id).toBeUndefined();
    }
    const rows = result.rows as Row[];
    expect(rows.map((row) => row.id)).toEqual(ROW_IDS);
    for (const row of rows) {
      expect(row.ours, row.id).toBeGreaterThan(row.id.startsWith('memory') ? -Infinity : 0);
      expect(row.status, row.id).not.toMatch(/ERROR/);
    }
    for (const id of [
      'refresh.opaque.c1',
      'refresh.opaque.c32',
      'refresh-oidc.opaque.c1',
      'refresh-oidc.opaque.c32',
      'flow.c1',
      'flow.c32',
      'flow-oidc.c1',
      'flow-oidc.c32',
    ]) {
      const row = rows.find((candidate) => candidate.id === id) as Row & { bare?: number; peer?: number; floor?: number };
      expect(row.bare, id).toBeGreaterThan(0);
      expect(row.peer, id).toBeGreaterThan(0);
      expect(row.floor, id).toBeGreaterThan(0);
    }
  });
});
