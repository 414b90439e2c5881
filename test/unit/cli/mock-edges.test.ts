import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockEdges } from '../../../src/cli/mock-edges.js';
import { ConsoleReporter } from '../../../src/cli/reporter.js';
import { TestkitError } from '../../../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'testkit-mock-edges-'));
  vi.stubEnv('OAUTH2_TESTKIT_CACHE_DIR', join(dir, 'cache'));
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

describe('createMockEdges with --open', () => {
  it('reports a browser that cannot be opened as BROWSER_FAILED, pointing at --no-open', async () => {
    const reporter = new ConsoleReporter(new PassThrough() as unknown as NodeJS.WriteStream);
    const mock = await createMockEdges({
      configPath: join(dir, '.unito.json'),
      open: true,
      reset: false,
      reporter,
      openUrl: () => Promise.reject(new Error('spawn xdg-open ENOENT')),
    });
    try {
      const error = await mock.edges.openBrowser('http://127.0.0.1:1/authorize').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TestkitError);
      expect((error as TestkitError).code).toBe('BROWSER_FAILED');
      expect((error as TestkitError).message).toContain('--no-open');
    } finally {
      await mock.close();
    }
  });
});
