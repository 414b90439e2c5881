import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withCliHint } from '../../src/cli/hints.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { TestkitError, type TestkitErrorCode } from '../../src/shared/errors.js';
import { getTestAccount, listAuthorizations, loadConfig, offsetToLineColumn, selectAuthorization } from '../../src/flow/config.js';
import type { Authorization, UnitoConfig } from '../../src/flow/types.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures');

async function caught(fn: () => unknown): Promise<TestkitError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TestkitError);
    return error as TestkitError;
  }
  throw new Error('expected a TestkitError, nothing was thrown');
}

function oauth2(name: string, extra: Partial<Authorization> = {}, settings: Record<string, unknown> = {}): Authorization {
  return {
    name,
    method: 'oauth2',
    oauth2: {
      clientId: `${name}-id`,
      clientSecret: `${name}-secret`,
      authorizationUrl: 'https://provider.example.com/authorize',
      tokenUrl: 'https://provider.example.com/token',
      ...settings,
    },
    ...extra,
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'testkit-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('loads the sample config with its absolute path, text and data', async () => {
    const config = await loadConfig(join(FIXTURES, 'unito.json'));
    expect(config.path).toBe(join(FIXTURES, 'unito.json'));
    expect(config.text).toContain('"authorizations"');
    expect(selectAuthorization(config.data, undefined, config.path).authorization.name).toBe('oauth2-development');
    expect(getTestAccount(config.data, 'development', config.path)).toEqual({ accountLabel: 'Acme sandbox workspace' });
  });

  it('says which path is missing and suggests --config-path', async () => {
    const error = await caught(() => loadConfig(join(dir, 'nope.json')));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.message).toContain(join(dir, 'nope.json'));
    expect(error.message).not.toContain('--config-path');
    expect(withCliHint(error)).toContain('--config-path');
  });

  it('reports a directory given as the config path as not found', async () => {
    const error = await caught(() => loadConfig(dir));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.message).toContain('directory');
  });

  it('reports invalid JSON with path:line:col and the JSON path near the error', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, '{\n  "authorizations": [\n    { "name": "x", "method": oauth2 }\n  ]\n}\n');
    const error = await caught(() => loadConfig(file));
    expect(error.code).toBe('CONFIG_PARSE');
    expect(error.message).toContain(`${file}:3:30:`);
    expect(error.message).toContain('authorizations[0].method');
    expect(error.details).toMatchObject({ line: 3, column: 30 });
  });

  it.each([
    ['a line comment', '{\n  // note\n  "a": 1\n}', 2, 3, 'comments are not allowed'],
    ['a block comment', '{ "a": /* x */ 1 }', 1, 8, 'comments are not allowed'],
    ['a trailing comma in an object', '{\r\n  "a": 1,\r\n}', 3, 1, 'trailing commas'],
    ['a trailing comma in an array', '{ "a": [1, 2,] }', 1, 14, 'trailing commas'],
    ['an empty file', '', 1, 1, 'a value was expected'],
    ['a byte-order mark', '\ufeff{}', 1, 1, 'byte-order mark'],
  ])('rejects %s as CONFIG_PARSE at its line and column', async (_case, text, line, column, reason) => {
    const file = join(dir, 'c.json');
    await writeFile(file, text);
    const error = await caught(() => loadConfig(file));
    expect(error.code).toBe('CONFIG_PARSE');
    expect(error.message).toContain(`${file}:${line}:${column}:`);
    expect(error.message).toContain(reason);
  });

  it('rejects a top level that is not an object', async () => {
    const file = join(dir, 'array.json');
    await writeFile(file, '[]');
    const error = await caught(() => loadConfig(file));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('top level must be a JSON object');
  });
});

describe('offsetToLineColumn', () => {
  it.each([
    ['abc', 0, 1, 1],
    ['a\nbc', 3, 2, 2],
    ['a\r\nbc', 4, 2, 2],
    ['a\rb', 2, 2, 1],
  ])('maps offset %#', (text, offset, line, column) => {
    expect(offsetToLineColumn(text, offset)).toEqual({ line, column });
  });
});

describe('selectAuthorization', () => {
  const custom: Authorization = { name: 'apiKey', method: 'custom' };

  it('returns the index of the chosen authorization, so a repeated name is still located', () => {
    const selected = selectAuthorization({ authorizations: [custom, oauth2('same'), oauth2('same', { development: true })] });
    expect(selected.index).toBe(2);
    expect(selected.authorization.development).toBe(true);
  });

  it.each<[string, Authorization[], string | undefined, string | TestkitErrorCode, string[]]>([
    ['the --authorization flag wins over development', [oauth2('dev', { development: true }), oauth2('prod')], 'prod', 'prod', []],
    ['the oauth2 one marked development', [oauth2('prod'), custom, oauth2('dev', { development: true })], undefined, 'dev', []],
    ['the only oauth2 one', [custom, oauth2('only')], undefined, 'only', []],
    [
      'ambiguous: two oauth2 without development',
      [oauth2('a'), oauth2('b')],
      undefined,
      'AUTHORIZATION_NOT_FOUND',
      ['a (oauth2)', 'b (oauth2)', 'the authorization to use'],
    ],
    [
      'ambiguous: two marked development',
      [oauth2('a', { development: true }), oauth2('b', { development: true })],
      undefined,
      'AUTHORIZATION_NOT_FOUND',
      ['a (oauth2)', 'b (oauth2)', 'the authorization to use'],
    ],
    ['an unknown name', [oauth2('a'), custom], 'zzz', 'AUTHORIZATION_NOT_FOUND', ['"zzz"', 'a (oauth2)', 'apiKey (custom)']],
    ['a named authorization that is not oauth2', [oauth2('a'), custom], 'apiKey', 'AUTHORIZATION_NOT_FOUND', ['"custom"', 'a (oauth2)']],
    ['no oauth2 at all', [custom], undefined, 'AUTHORIZATION_NOT_FOUND', ['No oauth2 authorization', 'apiKey (custom)']],
    ['no authorizations key', [], undefined, 'AUTHORIZATION_NOT_FOUND', ['No oauth2 authorization', '(none)']],
  ])('chooses %s', (_case, authorizations, flag, expected, messageParts) => {
    const config: UnitoConfig = { authorizations, somethingElse: { ignored: true } };
    if (!expected.includes('_')) {
      expect(selectAuthorization(config, flag, '/repo/.unito.json').authorization.name).toBe(expected);
      return;
    }
    let error: unknown;
    try {
      selectAuthorization(config, flag, '/repo/.unito.json');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(TestkitError);
    expect((error as TestkitError).code).toBe(expected);
    for (const part of messageParts) expect((error as TestkitError).message).toContain(part);
    expect((error as TestkitError).message).toContain('/repo/.unito.json');
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['a missing clientSecret', { clientSecret: undefined }, 'authorizations[1].oauth2.clientSecret', 'is required'],
    ['an empty tokenUrl', { tokenUrl: '' }, 'authorizations[1].oauth2.tokenUrl', 'must be a non-empty string'],
    ['scopes given as a string', { scopes: 'read' }, 'authorizations[1].oauth2.scopes', 'must be an array'],
    ['a scope without a name', { scopes: [{ name: 'a' }, { help: 'x' }] }, 'authorizations[1].oauth2.scopes[1].name', 'is required'],
    ['a scope with a numeric name', { scopes: [{ name: 3 }] }, 'authorizations[1].oauth2.scopes[0].name', 'must be a string'],
    [
      'an unknown requestContentType',
      { requestContentType: 'text/plain' },
      'authorizations[1].oauth2.requestContentType',
      'must be one of "application/x-www-form-urlencoded", "application/json"',
    ],
    ['an unknown responseContentType', { responseContentType: 'xml' }, 'authorizations[1].oauth2.responseContentType', 'must be one of'],
    [
      'a grantType that is not a string',
      { grantType: 1 },
      'authorizations[1].oauth2.grantType',
      'must be one of "authorization_code", "client_credentials", "password", "urn:ietf:params:oauth:grant-type:jwt-bearer"',
    ],
    ['an unknown grantType', { grantType: 'implicit' }, 'authorizations[1].oauth2.grantType', 'must be one of "authorization_code", "client_credentials"'],
    [
      'no authorizationUrl for the default grant',
      { authorizationUrl: undefined },
      'authorizations[1].oauth2.authorizationUrl',
      'is required for grantType "authorization_code" (the default)',
    ],
    [
      'no authorizationUrl for an explicit authorization_code grant',
      { authorizationUrl: undefined, grantType: 'authorization_code' },
      'authorizations[1].oauth2.authorizationUrl',
      'is required for grantType "authorization_code"',
    ],
    [
      'a header that is not a string',
      { tokenRequestParameters: { header: { 'X-Api-Version': 2 } } },
      'authorizations[1].oauth2.tokenRequestParameters.header["X-Api-Version"]',
      'must be a string',
    ],
    [
      'a body value that is an object',
      { refreshRequestParameters: { body: { audience: {} } } },
      'authorizations[1].oauth2.refreshRequestParameters.body.audience',
      'must be a string, a number or a boolean',
    ],
    [
      'a "headers" typo',
      { tokenRequestParameters: { headers: {} } },
      'authorizations[1].oauth2.tokenRequestParameters.headers',
      'is not allowed here (expected only header, body)',
    ],
  ])('names the JSON path of %s', (_case, change, path, expectation) => {
    const config: UnitoConfig = { authorizations: [{ name: 'apiKey', method: 'custom' }, oauth2('main', {}, change)] };
    let error: unknown;
    try {
      selectAuthorization(config, undefined, '/repo/.unito.json');
    } catch (thrown) {
      error = thrown;
    }
    expect((error as TestkitError).code).toBe('CONFIG_INVALID');
    expect((error as TestkitError).message).toContain(`${path} ${expectation}`);
  });

  it.each(['client_credentials', 'password', 'urn:ietf:params:oauth:grant-type:jwt-bearer'])('needs no authorizationUrl for grantType %s', (grantType) => {
    const config: UnitoConfig = { authorizations: [oauth2('main', {}, { authorizationUrl: undefined, grantType })] };
    expect(selectAuthorization(config).authorization.oauth2.grantType).toBe(grantType);
  });

  it('accepts extra keys on scopes and in the oauth2 block', () => {
    const config: UnitoConfig = { authorizations: [oauth2('main', {}, { scopes: [{ name: 'a', help: 'h', default: true }], audience: 'x' })] };
    expect(selectAuthorization(config).authorization.oauth2.scopes).toEqual([{ name: 'a', help: 'h', default: true }]);
  });

  it('never quotes the invalid value in the message', () => {
    const config: UnitoConfig = { authorizations: [oauth2('main', {}, { clientSecret: ['s3cr3t-value'] })] };
    let message = '';
    try {
      selectAuthorization(config);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('authorizations[0].oauth2.clientSecret must be a string');
    expect(message).not.toContain('s3cr3t-value');
  });

  it('rejects an authorizations key that is not an array', () => {
    expect(() => selectAuthorization({ authorizations: {} as never })).toThrow(/authorizations must be an array/);
  });
});

describe('listAuthorizations', () => {
  it('summarises each object entry with its real index', () => {
    const config = { authorizations: [oauth2('dev', { development: true }), 'junk', { name: 'apiKey', method: 'custom' }] } as unknown as UnitoConfig;
    expect(listAuthorizations(config)).toEqual([
      { index: 0, name: 'dev', method: 'oauth2', development: true },
      { index: 2, name: 'apiKey', method: 'custom', development: false },
    ]);
  });
});

describe('getTestAccount', () => {
  it('returns the account, or undefined when it or testAccounts is missing', () => {
    expect(getTestAccount({ testAccounts: { development: { a: 1 } } }, 'development')).toEqual({ a: 1 });
    expect(getTestAccount({ testAccounts: { development: { a: 1 } } }, 'mock')).toBeUndefined();
    expect(getTestAccount({}, 'development')).toBeUndefined();
    expect(getTestAccount({ testAccounts: {} }, 'toString')).toBeUndefined();
  });

  it.each([
    ['testAccounts is an array', { testAccounts: [] }, 'testAccounts must be an object'],
    ['an account is a string', { testAccounts: { development: 'x' } }, 'testAccounts.development must be an object'],
  ])('rejects a config where %s', (_case, config, expectation) => {
    expect(() => getTestAccount(config as unknown as UnitoConfig, 'development', '/repo/.unito.json')).toThrow(expectation);
  });
});

describe('fixtures/invalid', () => {
  const expectations: Record<string, [TestkitErrorCode, string]> = {
    'not-json.json': ['CONFIG_PARSE', ':1:1:'],
    'trailing-comma.json': [
      'CONFIG_PARSE',
      ':11:7: invalid JSON: a property name in double quotes was expected (trailing commas are not allowed) (in authorizations[0].oauth2)',
    ],
    'comment.json': ['CONFIG_PARSE', ':2:3: invalid JSON: comments are not allowed. Fix'],
    'top-level-array.json': ['CONFIG_INVALID', 'top level'],
    'missing-client-id.json': ['CONFIG_INVALID', 'authorizations[0].oauth2.clientId is required'],
    'scopes-string.json': ['CONFIG_INVALID', 'authorizations[0].oauth2.scopes must be an array'],
    'empty-scope-name.json': ['CONFIG_INVALID', 'authorizations[1].oauth2.scopes[0].name must be a non-empty string'],
    'bad-request-content-type.json': ['CONFIG_INVALID', 'authorizations[0].oauth2.requestContentType must be one of'],
    'bad-request-parameters.json': ['CONFIG_INVALID', 'authorizations[0].oauth2.tokenRequestParameters.body.audience'],
    'two-oauth2-no-development.json': ['AUTHORIZATION_NOT_FOUND', 'oauth2-staging (oauth2), oauth2-production (oauth2)'],
    'no-oauth2-authorization.json': ['AUTHORIZATION_NOT_FOUND', 'No oauth2 authorization'],
  };

  it('has an expectation for every file in fixtures/invalid', async () => {
    const files = (await readdir(join(FIXTURES, 'invalid'))).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(Object.keys(expectations).sort());
  });

  it.each(Object.entries(expectations))('fails %s with the right code', async (file, [code, messagePart]) => {
    const error = await caught(async () => {
      const config = await loadConfig(join(FIXTURES, 'invalid', file));
      selectAuthorization(config.data, undefined, config.path);
    });
    expect(error.code).toBe(code);
    expect(error.message).toContain(messagePart);
    expect(exitCodeFor(error.code)).toBe(2);
  });
});
