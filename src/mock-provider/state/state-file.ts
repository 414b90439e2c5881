import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { TestkitError } from '../../shared/errors.js';
import type { ProviderKeys } from '../engine/keys.js';
import type { SerializedEntry } from './memory-store.js';
import type { Alias } from '../scenario/refresh-policy.js';

/** The format this version writes. A file of an older format is read and migrated; a newer one is refused. */
export const STATE_VERSION = 1;

/** What a state file holds: the engine's stored artifacts and the keys that signed them. */
export interface PersistedState {
  version: typeof STATE_VERSION;
  keys: ProviderKeys;
  entries: SerializedEntry[];
  /** JWT access token IDs this provider issued, with their expiry (epoch ms). */
  jwtAccessTokens: [string, number][];
  /** Users typed in the login form rather than declared (their tokens must still refresh after a restart). */
  adHocUsers: { id: string; claims: Record<string, unknown> }[];
  /** Under a preset's refresh policy: the refresh tokens clients hold and the engine's each stands for (older files: none). */
  refreshAliases?: [string, Alias][];
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
  const state = data as (Omit<Partial<PersistedState>, 'version'> & { version?: unknown }) | null;
  if (state !== null && typeof state === 'object' && typeof state.version === 'number' && state.version > STATE_VERSION) {
    throw new TestkitError(
      'MOCK_PROVIDER',
      `The mock provider state file ${path} was written by a newer oauth2-testkit (format ${state.version}; this one reads up to ${STATE_VERSION}). Upgrade oauth2-testkit, or delete the file to start with a fresh state.`,
    );
  }
  if (state === null || state.version !== STATE_VERSION || !Array.isArray(state.entries) || !Array.isArray(state.keys?.signing)) {
    throw new TestkitError('MOCK_PROVIDER', `The mock provider state file ${path} has an unknown format. Delete it to start with a fresh state.`);
  }
  return {
    version: 1,
    keys: state.keys,
    entries: state.entries,
    jwtAccessTokens: state.jwtAccessTokens ?? [],
    adHocUsers: Array.isArray(state.adHocUsers) ? state.adHocUsers.filter(isUser) : [],
    refreshAliases: Array.isArray(state.refreshAliases) ? state.refreshAliases : [],
  };
}

function isUser(value: unknown): value is PersistedState['adHocUsers'][number] {
  const user = value as { id?: unknown; claims?: unknown } | null;
  return typeof user === 'object' && user !== null && typeof user.id === 'string' && user.id !== '' && typeof user.claims === 'object' && user.claims !== null;
}

/**
 * Writes the state atomically with write-file-atomic (as the token store writes `.unito.json`): a temp file,
 * fsynced, then renamed over the old one, so a crash at any point leaves either the old file or the new one,
 * never a truncated one. Mode 0600, the file holds live tokens and private keys. Throws `MOCK_PROVIDER` when the
 * file cannot be written.
 */
export function writeState(path: string, state: PersistedState): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic.sync(path, `${JSON.stringify(state)}\n`, { mode: 0o600, fsync: true });
  } catch (error) {
    throw new TestkitError('MOCK_PROVIDER', `Cannot write the mock provider state file ${path}. Check the directory is writable.`, { cause: error });
  }
}

/**
 * Keeps a state file up to date without writing it on every change: the first write happens now, later changes
 * are coalesced into one write at the end of the current tick (`process.nextTick`, which fake timers leave
 * alone), and {@link close} writes what is still pending. A failed coalesced write cannot fail the request that
 * caused it (that answer is already on its way), so `close()` throws it (`MOCK_PROVIDER`).
 *
 * @example
 * const writer = new StateWriter(path, snapshot);
 * store.onChange = writer.schedule;
 * writer.close(); // on provider close
 */
export class StateWriter {
  readonly #path: string;
  readonly #snapshot: () => PersistedState;
  #scheduled = false;
  #closed = false;
  #failure: unknown;

  constructor(path: string, snapshot: () => PersistedState) {
    this.#path = path;
    this.#snapshot = snapshot;
    writeState(path, snapshot());
  }

  /** Marks the state changed: it is written once at the end of this tick, however many changes come. */
  readonly schedule = (): void => {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    process.nextTick(() => {
      if (!this.#scheduled) return;
      try {
        this.#write();
      } catch (error) {
        this.#failure ??= error;
      }
    });
  };

  /** Writes a pending change now (before an answer leaves: a client must never hold a token the file lacks). */
  flush(): void {
    if (this.#scheduled && !this.#closed) this.#write();
  }

  /** Writes a pending change now and stops writing; throws the first failed write, if any. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#scheduled) this.#write();
    if (this.#failure !== undefined) throw this.#failure;
  }

  #write(): void {
    this.#scheduled = false;
    writeState(this.#path, this.#snapshot());
  }
}
