import { mkdtemp, rm } from 'node:fs/promises';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockEdges } from '../../../src/cli/edges/mock-edges.js';
import { ConsoleReporter } from '../../../src/cli/reporter.js';
import { TestkitError } from '../../../src/shared/errors.js';
import type { OAuth2Authorization } from '../../../src/flow/types.js';

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
      const error = await mock.edges.browser('http://127.0.0.1:1/authorize').then(
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

describe('createMockEdges close()', () => {
  it('warns, suggesting --reset-mock, when the mock state cannot be saved', async () => {
    const stream = new PassThrough();
    let output = '';
    stream.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const reporter = new ConsoleReporter(stream as unknown as NodeJS.WriteStream);
    const mock = await createMockEdges({ configPath: join(dir, '.unito.json'), open: undefined, reset: false, reporter });
    const authorization = {
      name: 'oauth2',
      method: 'oauth2',
      oauth2: { clientId: 'client', clientSecret: 'client-secret', scopes: [] },
    } as unknown as OAuth2Authorization;
    await mock.edges.provider!(authorization, { redirectUri: 'http://127.0.0.1:9002/callback', grantType: 'authorization_code', account: {} });
    await new Promise((resolve) => setImmediate(resolve));
    // A change is pending (registered in this tick) when the state directory turns into a file: its write fails.
    void mock.edges.provider!(authorization, { redirectUri: 'http://127.0.0.1:9003/callback', grantType: 'authorization_code', account: {} });
    rmSync(join(dir, 'cache', 'mock-provider'), { recursive: true, force: true });
    writeFileSync(join(dir, 'cache', 'mock-provider'), 'not a directory');
    await mock.close();
    expect(output).toContain("Could not save the mock provider's state");
    expect(output).toContain('--reset-mock');
    expect(output).not.toContain('client-secret');
  });
});
