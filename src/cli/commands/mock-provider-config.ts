import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseConfigText } from '../../flow/config.js';
import { TestkitError } from '../../shared/errors.js';
import type { MockProviderOptions } from '../../mock-provider/index.js';

/** What `mock-provider --config FILE` may set: the `createMockProvider` options that are data (no listener, state or callbacks). */
export type MockConfigFile = Pick<
  MockProviderOptions,
  | 'clients'
  | 'users'
  | 'scopes'
  | 'preset'
  | 'accessTokenTtl'
  | 'refreshTokenTtl'
  | 'maxGrants'
  | 'rotateRefreshTokens'
  | 'login'
  | 'accessTokenFormat'
  | 'quirks'
>;

type Kind = 'array' | 'object' | 'string' | 'number' | 'boolean';

/** Each key a `--config` file may hold and the JSON type it must have (values are then checked by the mock itself). */
const KEYS: Readonly<Record<keyof MockConfigFile, Kind>> = {
  clients: 'array',
  users: 'array',
  scopes: 'array',
  preset: 'string',
  accessTokenTtl: 'number',
  refreshTokenTtl: 'number',
  maxGrants: 'number',
  rotateRefreshTokens: 'boolean',
  login: 'string',
  accessTokenFormat: 'string',
  quirks: 'object',
};

/** Keys that are flags rather than file data: named in the error so the fix is obvious. */
const FLAG_KEYS: Readonly<Record<string, string>> = {
  statePath: '--state',
  port: '--port',
  host: '--host',
  issuer: '--public-url',
  control: '--control-token',
  onRequest: '--quiet',
};

/**
 * Reads a `mock-provider --config` JSON file. Throws `CONFIG_PARSE` (not JSON, with line:col) or `USAGE` naming the
 * file and the key path (`clients[0]`, `quirks.errorsAs200`) of a value of the wrong type or an unknown key.
 */
export async function readMockConfigFile(file: string): Promise<{ path: string; options: MockConfigFile }> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TestkitError('USAGE', `--config cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { cause: error });
  }
  const data = parseConfigText(text, path);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw located(path, '(top level)', `must be a JSON object of mock provider options (found ${kindOf(data)}).`);
  }
  for (const [key, value] of Object.entries(data)) {
    const kind = KEYS[key as keyof MockConfigFile];
    if (kind === undefined) {
      const flag = FLAG_KEYS[key];
      throw located(
        path,
        key,
        flag === undefined ? `is not a mock provider option; known keys: ${Object.keys(KEYS).join(', ')}.` : `is set with the ${flag} flag, not in the file.`,
      );
    }
    if (kindOf(value) !== kind) throw located(path, key, `must be ${kind === 'array' || kind === 'object' ? 'an' : 'a'} ${kind} (found ${kindOf(value)}).`);
    if (kind === 'array') {
      for (const [index, item] of (value as unknown[]).entries()) {
        const want = key === 'scopes' ? 'string' : 'object';
        if (kindOf(item) !== want) throw located(path, `${key}[${index}]`, `must be ${want === 'object' ? 'an' : 'a'} ${want} (found ${kindOf(item)}).`);
      }
    }
  }
  return { path, options: data as MockConfigFile };
}

/** A located `--config` error: `<file>: <key path> <problem>`. */
export function located(path: string, keyPath: string, problem: string): TestkitError {
  return new TestkitError('USAGE', `${path}: ${keyPath} ${problem}`, { details: { path, jsonPath: keyPath } });
}

/** True when the option path a `MockProviderOptionsError` names (`clients[0].redirectUris`) starts at one of `keys`. */
export function fromKeys(optionPath: string, keys: readonly string[]): boolean {
  const top = /^[A-Za-z]+/.exec(optionPath)?.[0];
  return top !== undefined && keys.includes(top);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
