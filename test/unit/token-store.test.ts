import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit.js';
import { TestkitError } from '../../src/shared/errors.js';
import { loadConfig } from '../../src/flow/config.js';
import { acquireConfigLock, saveTokens } from '../../src/flow/token-store.js';
import type { TokenSet } from '../../src/flow/types.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'testkit-store-'));
  file = join(dir, '.unito.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fullTokens: TokenSet = { accessToken: 'new-access', refreshToken: 'new-refresh', tokenType: 'Bearer', expiresIn: 3600, scope: 'read write', extra: {} };

async function save(tokens: TokenSet, accountName = 'development'): Promise<string> {
  await saveTokens({ configPath: file, accountName, tokens });
  return readFile(file, 'utf8');
}

async function rejection(promise: Promise<unknown>): Promise<TestkitError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TestkitError);
    return error as TestkitError;
  }
  throw new Error('expected a TestkitError, nothing was thrown');
}

describe('saveTokens', () => {
  it('keeps unrelated keys, key order and 4-space formatting byte for byte', async () => {
    await writeFile(
      file,
      [
        '{',
        '    "name": "acme",',
        '    "authorizations": [ { "name": "oauth2", "method": "oauth2" } ],',
        '    "testAccounts": {',
        '        "development": {',
        '            "accountLabel": "sandbox",',
        '            "accessToken": "old-access",',
        '            "refreshToken": "old-refresh",',
        '            "custom":{"keep":"me"}',
        '        },',
        '        "other": { "accessToken": "untouched" }',
        '    },',
        '    "trailing": true',
        '}',
        '',
      ].join('\n'),
    );
    expect(await save(fullTokens)).toBe(
      [
        '{',
        '    "name": "acme",',
        '    "authorizations": [ { "name": "oauth2", "method": "oauth2" } ],',
        '    "testAccounts": {',
        '        "development": {',
        '            "accountLabel": "sandbox",',
        '            "accessToken": "new-access",',
        '            "refreshToken": "new-refresh",',
        '            "custom":{"keep":"me"},',
        '            "tokenType": "Bearer",',
        '            "expiresIn": 3600,',
        '            "scope": "read write"',
        '        },',
        '        "other": { "accessToken": "untouched" }',
        '    },',
        '    "trailing": true',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('creates a missing account in a tab-indented CRLF file without touching its neighbours', async () => {
    await writeFile(file, '{\r\n\t"testAccounts": {\r\n\t\t"other": { "accessToken": "untouched" }\r\n\t},\r\n\t"x": [1,2]\r\n}\r\n');
    const text = await save({ accessToken: 'a', refreshToken: 'r', extra: { id_token: 'x' } });
    expect(text).toBe(
      '{\r\n\t"testAccounts": {\r\n\t\t"other": { "accessToken": "untouched" },\r\n' +
        '\t\t"development": {\r\n\t\t\t"accessToken": "a",\r\n\t\t\t"refreshToken": "r",\r\n' +
        '\t\t\t"oauth2ExtraParameters": {\r\n\t\t\t\t"id_token": "x"\r\n\t\t\t}\r\n\t\t}\r\n' +
        '\t},\r\n\t"x": [1,2]\r\n}\r\n',
    );
  });

  it('creates testAccounts when the file has none, in the file indentation', async () => {
    await writeFile(file, '{\n    "name": "acme"\n}');
    expect(await save({ accessToken: 'a', extra: {} }, 'mock')).toBe(
      '{\n    "name": "acme",\n    "testAccounts": {\n        "mock": {\n            "accessToken": "a"\n        }\n    }\n}',
    );
  });

  it('creates testAccounts in an empty object', async () => {
    await writeFile(file, '{}\n');
    expect(await save({ accessToken: 'a', extra: {} })).toBe('{\n  "testAccounts": {\n    "development": {\n      "accessToken": "a"\n    }\n  }\n}\n');
  });

  it('keeps the refresh token, scope, expiresIn and tokenType when the response does not carry them', async () => {
    await writeFile(
      file,
      JSON.stringify(
        { testAccounts: { development: { accessToken: 'old', refreshToken: 'keep-r', tokenType: 'bearer', expiresIn: 60, scope: 's' } } },
        null,
        2,
      ),
    );
    const text = await save({ accessToken: 'new', extra: {} });
    expect(JSON.parse(text)).toEqual({
      testAccounts: { development: { accessToken: 'new', refreshToken: 'keep-r', tokenType: 'bearer', expiresIn: 60, scope: 's' } },
    });
  });

  it('replaces oauth2ExtraParameters with the new extras and removes it when there are none', async () => {
    await writeFile(
      file,
      JSON.stringify({ testAccounts: { development: { accessToken: 'old', oauth2ExtraParameters: { stale: 1, other: 2 }, z: 0 } } }, null, 2),
    );
    let text = await save({ accessToken: 'a1', extra: { id_token: 'idt', nested: { n: [1] } } });
    expect(JSON.parse(text).testAccounts.development).toEqual({ accessToken: 'a1', oauth2ExtraParameters: { id_token: 'idt', nested: { n: [1] } }, z: 0 });
    text = await save({ accessToken: 'a2', extra: {} });
    expect(text).toBe(JSON.stringify({ testAccounts: { development: { accessToken: 'a2', z: 0 } } }, null, 2));
  });

  it('re-reads the file at write time and keeps edits made after it was loaded', async () => {
    await writeFile(file, '{\n  "testAccounts": {\n    "development": {}\n  }\n}\n');
    const loaded = await loadConfig(file);
    await writeFile(file, '{\n  "addedMeanwhile": 1,\n  "testAccounts": {\n    "development": {}\n  }\n}\n');
    await saveTokens({ configPath: loaded.path, accountName: 'development', tokens: { accessToken: 'a', extra: {} } });
    expect(await readFile(file, 'utf8')).toBe(
      '{\n  "addedMeanwhile": 1,\n  "testAccounts": {\n    "development": {\n      "accessToken": "a"\n    }\n  }\n}\n',
    );
  });

  it.each([
    ['no longer parses', '{\n  "testAccounts": {,\n}\n', 'CONFIG_PARSE'],
    ['has a comment', '{\n  // edited\n  "testAccounts": {}\n}\n', 'CONFIG_PARSE'],
    ['has an account that is not an object', '{ "testAccounts": { "development": "x" } }', 'CONFIG_INVALID'],
    ['has testAccounts as an array', '{ "testAccounts": [] }', 'CONFIG_INVALID'],
  ])('writes nothing when the file %s at write time', async (_case, content, code) => {
    await writeFile(file, content);
    const error = await rejection(save(fullTokens));
    expect(error.code).toBe(code);
    expect(error.message).toContain(file);
    expect(await readFile(file, 'utf8')).toBe(content);
  });

  it('never puts a token into an error message', async () => {
    await writeFile(file, '{ "testAccounts": { "development": 3 } }');
    const error = await rejection(save(fullTokens));
    expect(error.message).not.toContain('new-access');
    expect(error.message).not.toContain('new-refresh');
  });

  it('preserves the file mode 0600', async () => {
    await writeFile(file, '{}\n');
    await chmod(file, 0o600);
    await save(fullTokens);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8')).testAccounts.development.accessToken).toBe('new-access');
  });

  it('reports a file that cannot be read as WRITE_FAILED with its path', async () => {
    const error = await rejection(saveTokens({ configPath: join(dir, 'gone.json'), accountName: 'development', tokens: fullTokens }));
    expect(error.code).toBe('WRITE_FAILED');
    expect(error.message).toContain(join(dir, 'gone.json'));
  });
});

describe('saveTokens after a new login', () => {
  it('removes a refresh token, scope and expiry the new grant did not return, keeping other keys', async () => {
    await writeFile(
      file,
      JSON.stringify(
        { testAccounts: { development: { domain: 'acme', accessToken: 'old', refreshToken: 'old-refresh', scope: 'old:scope', expiresIn: 99 } } },
        null,
        2,
      ),
    );
    await saveTokens({ configPath: file, accountName: 'development', tokens: { accessToken: 'new-access', tokenType: 'bearer', extra: {} }, replace: true });
    const account = JSON.parse(await readFile(file, 'utf8')).testAccounts.development;
    expect(account).toEqual({ domain: 'acme', accessToken: 'new-access', tokenType: 'bearer' });
  });
});

describe('saveTokens into a one-line account', () => {
  it('keeps the account on one line, in its own spacing, instead of ragged keys', async () => {
    await writeFile(file, '{\n  "testAccounts": {\n    "mock": { "a": 1 }\n  }\n}\n');
    await saveTokens({ configPath: file, accountName: 'mock', tokens: { accessToken: 'AT', refreshToken: 'RT', extra: { id: 1 } } });
    expect(await readFile(file, 'utf8')).toBe(
      '{\n  "testAccounts": {\n    "mock": { "a": 1, "accessToken": "AT", "refreshToken": "RT", "oauth2ExtraParameters": { "id": 1 } }\n  }\n}\n',
    );
  });

  it('keeps a one-line testAccounts object on one line when it gets a new account', async () => {
    await writeFile(file, '{\n  "name": "x",\n  "testAccounts": { "development": { "domain": "x" } }\n}\n');
    await saveTokens({ configPath: file, accountName: 'mock', tokens: { accessToken: 'AT', refreshToken: 'RT', extra: {} } });
    expect(await readFile(file, 'utf8')).toBe(
      '{\n  "name": "x",\n  "testAccounts": { "development": { "domain": "x" }, "mock": { "accessToken": "AT", "refreshToken": "RT" } }\n}\n',
    );
  });
});

describe('saveTokens with values to seed', () => {
  it('adds values the account lacks, never over one it has nor over a credential name, and creates the account with them', async () => {
    await writeFile(file, '{\n  "testAccounts": {\n    "mock": {\n      "domain": "mine"\n    }\n  }\n}\n');
    const values = { domain: 'acme', tenant: 't-1', port: 8443, accessToken: 'not-this' };
    await saveTokens({ configPath: file, accountName: 'mock', tokens: { accessToken: 'AT', extra: {} }, values });
    await saveTokens({ configPath: file, accountName: 'fresh', tokens: { accessToken: 'AT2', extra: {} }, values });
    const accounts = JSON.parse(await readFile(file, 'utf8')).testAccounts;
    expect(accounts.mock).toEqual({ domain: 'mine', tenant: 't-1', port: 8443, accessToken: 'AT' });
    expect(accounts.fresh).toEqual({ domain: 'acme', tenant: 't-1', port: 8443, accessToken: 'AT2' });
  });
});

describe('acquireConfigLock', () => {
  it('fails fast with LOCKED while another run holds the lock, and can be taken again after release', async () => {
    await writeFile(file, '{}\n');
    const first = await acquireConfigLock(file);
    const error = await rejection(acquireConfigLock(file));
    expect(error.code).toBe('LOCKED');
    expect(error.message).toContain(`lock on ${file}`);
    expect(error.message).toContain(`delete ${file}.lock`);
    // Like a busy port: the run never started, so it is a usage error.
    expect(error.details.reason).toBe('held');
    expect(exitCodeFor(error.code, error.details)).toBe(2);
    await first.release();
    await first.release();
    const second = await acquireConfigLock(file);
    await second.release();
  });

  it('lets saveTokens write while the lock is held', async () => {
    await writeFile(file, '{}\n');
    const lock = await acquireConfigLock(file);
    try {
      await saveTokens({ configPath: file, accountName: 'development', tokens: fullTokens, lock });
    } finally {
      await lock.release();
    }
    expect(JSON.parse(await readFile(file, 'utf8')).testAccounts.development.refreshToken).toBe('new-refresh');
  });

  it('refuses to write, and leaves the file untouched, when a paused run lost its lock to a second run', async () => {
    await writeFile(file, '{}\n');
    // The first run took the lock 20 s ago and was stopped since: its lock went stale and a second run took it over.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 20_000);
    const first = await acquireConfigLock(file).finally(() => vi.useRealTimers());
    const second = await acquireConfigLock(file);
    try {
      const error = await rejection(saveTokens({ configPath: file, accountName: 'development', tokens: fullTokens, lock: first }));
      expect(error.code).toBe('LOCKED');
      expect(error.message).toContain(`Lost the lock on ${file}`);
      // Lost during the run, after the login: a flow failure, not a usage error.
      expect(exitCodeFor(error.code, error.details)).toBe(1);
      expect(error.message).toContain('NOT written');
      expect(error.message).toContain('Run integration-cli oauth2 again');
      expect(await readFile(file, 'utf8')).toBe('{}\n');
      // Releasing the lost lock must not remove the second run's lock.
      await first.release();
      expect((await stat(second.lockPath)).isDirectory()).toBe(true);
    } finally {
      await second.release();
    }
  });

  it('refuses to write when the run was paused past the stale threshold, even if nobody took the lock yet', async () => {
    await writeFile(file, '{}\n');
    const lock = await acquireConfigLock(file);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 20_000);
      const error = await rejection(saveTokens({ configPath: file, accountName: 'development', tokens: fullTokens, lock }));
      expect(error.code).toBe('LOCKED');
      expect(error.message).toMatch(/paused: the lock was last refreshed \d+ s ago/);
      expect(await readFile(file, 'utf8')).toBe('{}\n');
    } finally {
      vi.useRealTimers();
      await lock.release();
    }
  });

  it('refuses to write when the lock is 9.5 s old: another run could take it over before the write lands', async () => {
    await writeFile(file, '{}\n');
    const lock = await acquireConfigLock(file);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // The lock's first mtime may be up to 1 s ahead (proper-lockfile's precision probe): 8.5 to 9.5 s old, not stale yet.
      vi.setSystemTime(Date.now() + 9_500);
      const error = await rejection(saveTokens({ configPath: file, accountName: 'development', tokens: fullTokens, lock }));
      expect(error.code).toBe('LOCKED');
      expect(error.message).toContain('NOT written');
      expect(await readFile(file, 'utf8')).toBe('{}\n');
    } finally {
      vi.useRealTimers();
      await lock.release();
    }
  });

  it("leaves the second run's lock in place when a paused run that lost its lock fails without writing", async () => {
    await writeFile(file, '{}\n');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 20_000);
    const first = await acquireConfigLock(file).finally(() => vi.useRealTimers());
    const second = await acquireConfigLock(file);
    try {
      // The flow failed (timeout, denial, Ctrl-C) before any write: only the finally's release() runs.
      await first.release();
      expect((await stat(second.lockPath)).isDirectory()).toBe(true);
      const error = await rejection(acquireConfigLock(file));
      expect(error.code).toBe('LOCKED');
    } finally {
      await second.release();
    }
  });

  it('reports a lock that cannot be created as WRITE_FAILED', async () => {
    const error = await rejection(acquireConfigLock(join(dir, 'missing-dir', '.unito.json')));
    expect(error.code).toBe('WRITE_FAILED');
    expect(error.message).toContain(join(dir, 'missing-dir', '.unito.json.lock'));
  });
});
