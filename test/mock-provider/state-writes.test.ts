import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createMockProvider } from '../../src/mock-provider/index.js';
import { refresh } from './helpers.js';

// Pass-through spies, so a test can count state file writes and make one fail halfway.
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, default: real, renameSync: vi.fn(real.renameSync), writeFileSync: vi.fn(real.writeFileSync) };
});

const open: MockProvider[] = [];
const dirs: string[] = [];
afterEach(async () => {
  vi.mocked(fs.writeFileSync).mockReset();
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
  return vi.mocked(fs.renameSync).mock.calls.filter(([, to]) => to === statePath).length;
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

  it('keeps the last complete file when a write fails halfway, and close() reports it', async () => {
    const statePath = newStatePath();
    const first = await createMockProvider({ statePath });
    const tokens = await first.getTokens();
    await tick();
    const saved = readFileSync(statePath, 'utf8');
    const real = await vi.importActual<typeof import('node:fs')>('node:fs');
    vi.mocked(fs.writeFileSync).mockImplementation((file, data) => {
      // A crash mid-write: half the bytes reach the disk, then the process dies.
      real.writeFileSync(file, String(data).slice(0, String(data).length / 2));
      throw new Error('ENOSPC: no space left on device');
    });
    await first.expireAccessTokens();
    await tick();
    expect(readFileSync(statePath, 'utf8')).toBe(saved);
    await expect(first.close()).rejects.toMatchObject({ code: 'MOCK_PROVIDER' });
    vi.mocked(fs.writeFileSync).mockReset();

    const second = await createMockProvider({ statePath });
    open.push(second);
    expect(await second.lookupAccessToken(tokens.access_token)).toBeDefined();
  });
});
