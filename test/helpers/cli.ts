import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(root, 'dist/cli/main.js');

export interface CliRun {
  /** Resolves with a stderr line matching the pattern (already printed or to come). */
  waitForStderr(pattern: RegExp): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): void;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts the built CLI (`npm test` builds first) with a clean environment: no ngrok token, free port, private cache. */
export function startCli(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): CliRun {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, NGROK_AUTHTOKEN: undefined, OAUTH2_PORT: '0', ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const waiter of [...waiters]) {
      const match = stderr.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    done,
    kill: (signal = 'SIGINT') => child.kill(signal),
    waitForStderr(pattern) {
      const match = stderr.match(pattern);
      if (match) return Promise.resolve(match);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void done.then(() => reject(new Error(`CLI exited before printing ${pattern}:\n${stderr}`)));
      });
    },
  };
}

export function runCli(args: string[], options: Parameters<typeof startCli>[1] = {}) {
  return startCli(args, options).done;
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temporary folder removed after the test, with a `.unito.json` holding `config` (object or raw text). */
export async function tempProject(config: unknown): Promise<{ dir: string; configPath: string; cacheDir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'oauth2-testkit-test-'));
  dirs.push(dir);
  const configPath = path.join(dir, '.unito.json');
  await writeFile(configPath, typeof config === 'string' ? config : `${JSON.stringify(config, null, 2)}\n`);
  return { dir, configPath, cacheDir: path.join(dir, 'cache') };
}
