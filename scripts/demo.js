#!/usr/bin/env node
// `npm run demo`: runs `integration-cli oauth2 --mock` twice on a copy of fixtures/unito.json
// (a login, then a refresh) and shows the resulting test account with its tokens masked.
// Everything happens in a temporary folder, offline, on free ports.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { maskSecret } from '../dist/shared/mask.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(tmpdir(), 'oauth2-testkit-demo-'));
const configPath = path.join(work, '.unito.json');
copyFileSync(path.join(root, 'fixtures', 'unito.json'), configPath);
const env = { ...process.env, OAUTH2_PORT: '0', OAUTH2_TESTKIT_CACHE_DIR: path.join(work, 'cache') };

try {
  for (const [title, extra] of [
    ['First run: full login against the embedded mock provider', []],
    ['Second run: the stored refresh token is used', []],
  ]) {
    process.stderr.write(`\n$ integration-cli oauth2 --mock --config-path ${configPath} ${extra.join(' ')}\n# ${title}\n`);
    const run = spawnSync(process.execPath, [path.join(root, 'dist/cli/main.js'), 'oauth2', '--mock', '--config-path', configPath, ...extra], {
      env,
      stdio: 'inherit',
    });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
  const account = JSON.parse(readFileSync(configPath, 'utf8')).testAccounts.mock;
  const shown = Object.fromEntries(
    Object.entries(account).map(([key, value]) => [key, /^(accessToken|refreshToken)$/.test(key) && typeof value === 'string' ? maskSecret(value) : value]),
  );
  process.stderr.write(`\ntestAccounts.mock in ${configPath} (tokens masked):\n`);
  process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
