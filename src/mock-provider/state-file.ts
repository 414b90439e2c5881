import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TestkitError } from '../errors.js';
import type { ProviderKeys } from './keys.js';
import type { SerializedEntry } from './memory-adapter.js';

/** What a state file holds: the engine's stored artifacts and the keys that signed them. */
export interface PersistedState {
  version: 1;
  keys: ProviderKeys;
  entries: SerializedEntry[];
  /** JWT access token IDs this provider issued, with their expiry (epoch ms). */
  jwtAccessTokens: [string, number][];
  /** Users typed in the login form rather than declared (their tokens must still refresh after a restart). */
  adHocUsers: { id: string; claims: Record<string, unknown> }[];
}

/** Reads a state file; undefined when it does not exist. Throws `MOCK_PROVIDER` when it is unreadable or not ours. */
export function readState(path: string): PersistedState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TestkitError('MOCK_PROVIDER', `Cannot read the mock provider state file ${path}. Check its permissions or delete it.`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TestkitError('MOCK_PROVIDER', `The mock provider state file ${path} is not JSON. Delete it to start with a fresh state.`, { cause: error });
  }
  const state = data as Partial<PersistedState> | null;
  if (state === null || state.version !== 1 || !Array.isArray(state.entries) || !Array.isArray(state.keys?.signing)) {
    throw new TestkitError('MOCK_PROVIDER', `The mock provider state file ${path} has an unknown format. Delete it to start with a fresh state.`);
  }
  return { version: 1, keys: state.keys, entries: state.entries, jwtAccessTokens: state.jwtAccessTokens ?? [], adHocUsers: Array.isArray(state.adHocUsers) ? state.adHocUsers.filter(isUser) : [] };
}

function isUser(value: unknown): value is PersistedState['adHocUsers'][number] {
  const user = value as { id?: unknown; claims?: unknown } | null;
  return typeof user === 'object' && user !== null && typeof user.id === 'string' && user.id !== '' && typeof user.claims === 'object' && user.claims !== null;
}

/**
 * Writes the state atomically (temp file + rename) and synchronously: a process that exits right after a token
 * response has saved it. Mode 0600, the file holds live tokens and private keys.
 */
export function writeState(path: string, state: PersistedState): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    renameSync(temp, path);
  } catch (error) {
    throw new TestkitError('MOCK_PROVIDER', `Cannot write the mock provider state file ${path}. Check the directory is writable.`, { cause: error });
  }
}
