// Wall-clock timing of CLI spawns: start to exit, interleaved with the baseline so drift hits both alike.
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, median } from './common.js';

const CLI = path.join(ROOT, 'dist/cli/main.js');
const SPAWN_TIMEOUT_MS = 60_000;

function timeSpawn(args, { env = process.env, cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), SPAWN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited with ${code}: ${output.slice(-600)}`));
      else resolve(ms);
    });
  });
}

async function interleaved(runs, a, b) {
  const timesA = [];
  const timesB = [];
  await a(); // warm the file-system cache for both
  await b();
  for (let i = 0; i < runs; i += 1) {
    timesA.push(await a());
    timesB.push(await b());
  }
  return { a: { medianMs: median(timesA), samplesMs: timesA }, b: { medianMs: median(timesB), samplesMs: timesB } };
}

/** `integration-cli --help` vs `node -e 0`. */
export async function timeHelp(runs) {
  const { a, b } = await interleaved(
    runs,
    () => timeSpawn([CLI, '--help']),
    () => timeSpawn(['-e', '0']),
  );
  return { help: a, nodeBaseline: b };
}

/** A whole `integration-cli oauth2 --mock` run on a temp copy of fixtures/unito.json vs importing oidc-provider. */
export async function timeMockRun(runs) {
  const dir = await mkdtemp(path.join(tmpdir(), 'oauth2-testkit-bench-'));
  try {
    const configPath = path.join(dir, '.unito.json');
    const env = { ...process.env, OAUTH2_PORT: '0', OAUTH2_TESTKIT_CACHE_DIR: path.join(dir, 'cache') };
    delete env.NGROK_AUTHTOKEN;
    delete env.NGROK_DOMAIN;
    const mockRun = async () => {
      await copyFile(path.join(ROOT, 'fixtures/unito.json'), configPath);
      return timeSpawn([CLI, 'oauth2', '--mock', '--config-path', configPath, '--reset-mock', '--json'], { env, cwd: dir });
    };
    const { a, b } = await interleaved(runs, mockRun, () => timeSpawn(['-e', "import('oidc-provider')"]));
    return { mockRun: a, importOidcProvider: b };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
