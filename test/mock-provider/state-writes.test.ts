import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createMockProvider } from '../../src/mock-provider/index.js';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { STATE_VERSION } from '../../src/mock-provider/state/state-file.js';
import { refresh } from './helpers.js';

// A pass-through spy, so a test can count state file writes and make one fail.
vi.mock('write-file-atomic', async (importOriginal) => {
  const real = (await importOriginal<{ default: typeof import('write-file-atomic') }>()).default;
  return { default: Object.assign(real, { sync: vi.fn(real.sync) }) };
});

const open: MockProvider[] = [];
const dirs: string[] = [];
afterEach(async () => {
  vi.mocked(writeFileAtomic.sync).mockClear();
  for (const provider of open.splice(0)) await provider.close().catch(() => undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function newStatePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mock-state-'));
  dirs.push(dir);
  return join(dir, 'state.json');
}

/** How many times the state file has been (re)placed. */
function writesOf(statePath: string): number {
  return vi.mocked(writeFileAtomic.sync).mock.calls.filter(([to]) => to === statePath).length;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('statePath writes', () => {
  it('lets a second provider lifecycle use the tokens of the first', async () => {
    const statePath = newStatePath();
    const first = await createMockProvider({ statePath });
    const tokens = await first.getTokens();
    await first.close();

    const second = await createMockProvider({ statePath });
    open.push(second);
    expect(await second.lookupAccessToken(tokens.access_token)).toMatchObject({ accountId: 'mock-user' });
    expect((await refresh(second.fetch, second, tokens.refresh_token!)).status).toBe(200);
  });

  it('writes many changes made in one tick once', async () => {
    const statePath = newStatePath();
    const provider = await createMockProvider({ statePath });
    open.push(provider);
    for (let i = 0; i < 3; i += 1) await provider.getTokens();
    await tick();
    const before = writesOf(statePath);
    // Four changes in this tick: the three access tokens, each marked expired, then the controls' own change.
    void provider.expireAccessTokens();
    await tick();
    expect(writesOf(statePath) - before).toBe(1);
  });

  it('saves a change made right before close()', async () => {
    const statePath = newStatePath();
    const first = await createMockProvider({ statePath });
    const tokens = await first.getTokens();
    void first.revokeRefreshTokens();
    await first.close();

    const second = await createMockProvider({ statePath });
    open.push(second);
    expect((await refresh(second.fetch, second, tokens.refresh_token!)).json.error).toBe('invalid_grant');
  });

  it('keeps the last complete file when a write fails, and close() reports it', async () => {
    const statePath = newStatePath();
    const first = await createMockProvider({ statePath });
    const tokens = await first.getTokens();
    await tick();
    const saved = readFileSync(statePath, 'utf8');
    vi.mocked(writeFileAtomic.sync).mockImplementationOnce(() => {
      throw new Error('ENOSPC: no space left on device');
    });
    await first.expireAccessTokens();
    await tick();
    expect(readFileSync(statePath, 'utf8')).toBe(saved);
    expect(readdirSync(dirname(statePath))).toEqual(['state.json']);
    await expect(first.close()).rejects.toMatchObject({ code: 'MOCK_PROVIDER' });

    const second = await createMockProvider({ statePath });
    open.push(second);
    expect(await second.lookupAccessToken(tokens.access_token)).toBeDefined();
  });

  it('refuses a state file of a newer format, naming the version and what to do', async () => {
    const statePath = newStatePath();
    writeFileSync(statePath, JSON.stringify({ version: STATE_VERSION + 1, keys: { signing: [] }, entries: [] }));
    await expect(createMockProvider({ statePath })).rejects.toMatchObject({
      code: 'MOCK_PROVIDER',
      message: expect.stringMatching(/newer oauth2-testkit \(format 2; this one reads up to 1\)\. Upgrade oauth2-testkit, or delete/),
    });
  });
});
