import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertAccountName, getTestAccount, loadConfig, selectAuthorization } from '../../src/flow/config.js';
import { MAX_CONFIG_DEPTH } from '../../src/flow/config-text.js';
import { acquireConfigLock, saveTokens } from '../../src/flow/token-store.js';
import { TestkitError } from '../../src/shared/errors.js';
import { hostileConfigs, SECRET_MARKER } from './hostile-configs.js';

const BASE = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../fixtures/unito.json'), 'utf8')) as Record<string, unknown>;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'testkit-hostile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(text: string | Buffer, name = '.unito.json'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Loads, selects and reads the account the way the flow does; returns the error it ends with. */
async function flowReadError(path: string, account = 'development'): Promise<unknown> {
  try {
    const config = await loadConfig(path);
    selectAuthorization(config.data, undefined, config.path);
    getTestAccount(config.data, account, config.path);
    return undefined;
  } catch (error) {
    return error;
  }
}

async function testkitError(path: string, account?: string): Promise<TestkitError> {
  const error = await flowReadError(path, account);
  expect(error).toBeInstanceOf(TestkitError);
  return error as TestkitError;
}

describe('config files the flow must refuse before reading', () => {
  it('refuses a FIFO as the config path at once instead of blocking on it', async () => {
    const fifo = join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    const error = await testkitError(fifo);
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.message).toContain('is not a regular file (it is a FIFO)');
  });

  it('refuses a file that is not valid UTF-8, with the line and column of the first bad byte', async () => {
    const text = Buffer.concat([Buffer.from('{\n  "authorizations": [],\n  "note": "caf'), Buffer.from([0xe9]), Buffer.from('"\n}\n')]);
    const error = await testkitError(await write(text));
    expect(error.code).toBe('CONFIG_PARSE');
    expect(error.message).toMatch(/\.unito\.json:3:\d+: the file is not valid UTF-8 \(byte 0xe9 at offset 40\)/);
  });

  it('accepts well-formed multi-byte UTF-8 (accents, CJK, emoji)', async () => {
    const config = { ...BASE, note: 'café 日本 🎉' };
    expect(await flowReadError(await write(JSON.stringify(config)))).toBeUndefined();
  });

  it('refuses 100,000 nested arrays with a located CONFIG_INVALID, not a stack overflow', async () => {
    const deep = `{"authorizations": [], "x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const error = await testkitError(await write(deep));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(`nested more than ${MAX_CONFIG_DEPTH} levels deep`);
    expect(error.message).toMatch(/:1:\d+:/);
  });

  it('refuses 4,000 nested objects inside a test-account value', async () => {
    const value = `${'{"a":'.repeat(4000)}1${'}'.repeat(4000)}`;
    const text = JSON.stringify({ ...BASE, testAccounts: { development: { deep: '__DEEP__' } } }).replace('"__DEEP__"', value);
    expect((await testkitError(await write(text))).code).toBe('CONFIG_INVALID');
  });

  it('refuses a "__proto__" key, naming its JSON path, so nothing is inherited through it', async () => {
    const text = '{"authorizations": [{"name": "x", "__proto__": {"method": "oauth2", "oauth2": {}}}]}';
    const error = await testkitError(await write(text));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('authorizations[0].__proto__: the key "__proto__" is not allowed');
  });

  it('refuses a duplicated test account, naming both lines', async () => {
    const text = [
      '{',
      '  "authorizations": [],',
      '  "testAccounts": {',
      '    "development": {"accessToken": "a"},',
      '    "development": {"accessToken": "b"}',
      '  }',
      '}',
    ].join('\n');
    const error = await testkitError(await write(text));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/:5:5: testAccounts\.development: the key "development" appears twice in this object \(first on line 4\)/);
  });

  it('refuses a duplicated "testAccounts" at the top level', async () => {
    const error = await testkitError(await write('{"authorizations": [], "testAccounts": {}, "testAccounts": {"development": {}}}'));
    expect(error.message).toContain('the key "testAccounts" appears twice');
  });

  it('leaves duplicate keys alone outside the parts the flow reads and writes', async () => {
    const text = JSON.stringify(BASE).replace(/}$/, ', "other": {"a": 1, "a": 2}}');
    expect(await flowReadError(await write(text))).toBeUndefined();
  });

  it('lists at most ten schema problems and counts the rest', async () => {
    const config = structuredClone(BASE) as { authorizations: Array<{ oauth2: Record<string, unknown> }> };
    for (const authorization of config.authorizations)
      if (authorization.oauth2) authorization.oauth2.scopes = Array.from({ length: 50_000 }, () => ({ name: '' }));
    const error = await testkitError(await write(JSON.stringify(config)));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/… and \d+ more/);
    expect(error.message.length).toBeLessThan(3000);
  });

  it('cuts a one-megabyte authorization name when it lists the names', async () => {
    const huge = 'n'.repeat(1024 * 1024);
    const config = { authorizations: [{ name: huge, method: 'custom' }] };
    const error = await testkitError(await write(JSON.stringify(config)));
    expect(error.message.length).toBeLessThan(2000);
  });
});

describe('test account names', () => {
  it.each([['__proto__'], [''], ['a\nb'], ['x'.repeat(201)]])('refuses %j before anything opens', (name) => {
    expect(() => assertAccountName(name)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it.each([['constructor'], ['toString'], ['hasOwnProperty']])('writes and reads back an account named %j like any other', async (name) => {
    const path = await write(JSON.stringify(BASE, null, 2));
    const lock = await acquireConfigLock(path);
    try {
      await saveTokens({ configPath: path, accountName: name, tokens: { accessToken: 'at-1', refreshToken: 'rt-1', extra: {} }, lock });
    } finally {
      await lock.release();
    }
    const config = await loadConfig(path);
    expect(getTestAccount(config.data, name, config.path)).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
  });
});

describe('hostile config corpus', () => {
  const corpus = hostileConfigs(BASE);

  it('holds at least 100 cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(100);
  });

  it.each(corpus.map((entry) => [entry.name, entry]))('%s: a located TestkitError or a clean load, never a crash', async (_name, entry) => {
    const path = await write(entry.text);
    const before = await readFile(path);
    const error = await flowReadError(path, entry.account);
    if (error !== undefined) {
      expect(error, String(error)).toBeInstanceOf(TestkitError);
      const { code, message } = error as TestkitError;
      expect(['CONFIG_PARSE', 'CONFIG_INVALID', 'CONFIG_NOT_FOUND', 'AUTHORIZATION_NOT_FOUND', 'USAGE']).toContain(code);
      expect(message.length).toBeLessThan(4000);
      expect(message).not.toContain(SECRET_MARKER);
    }
    if (entry.expect === 'refused') expect(error).toBeDefined();
    expect(await readFile(path)).toEqual(before);
  });
});
