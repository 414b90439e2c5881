import fs from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  applyEdits,
  findNodeAtLocation,
  format,
  getNodeValue,
  modify,
  parseTree,
  type FormattingOptions,
  type JSONPath,
  type Node as JsonNode,
} from 'jsonc-parser';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { TestkitError } from '../shared/errors.js';
import { parseConfigText } from './config.js';
import { decodeConfigBytes } from './config-text.js';
import { formatJsonPath } from './config-schema.js';
import { RESERVED_CREDENTIAL_NAMES } from './types.js';
import type { TokenSet } from './types.js';

/**
 * Writing tokens into `testAccounts.<name>` of `.unito.json`:
 *
 * - the file is re-read at write time, so edits made while the browser step ran are kept;
 * - only the reserved credential names change, as minimal text edits in the file's own indentation and EOL;
 *   every byte outside the inserted or replaced values stays as it was;
 * - a field the new token set does not carry keeps its previous value: RFC 6749 §6 lets a refresh response omit
 *   `refresh_token` (the old one stays valid) and §5.1 lets it omit `scope` (unchanged from the grant);
 *   `expiresIn` is a lifetime, not a deadline, so the previous one remains the best estimate;
 * - `oauth2ExtraParameters` belongs to one response: replaced by `tokens.extra`, removed when that is empty;
 * - the write is atomic (temp file + rename, mode and owner preserved) and skipped when nothing changed.
 */

export interface SaveTokensOptions {
  configPath: string;
  /** Test account to write, e.g. `development` (or `mock` under `--mock`). */
  accountName: string;
  tokens: TokenSet;
  /** A login (true) replaces every reserved field; a refresh (default) keeps those the response lacks. */
  replace?: boolean;
  /** The lock from `acquireConfigLock`: checked to be still ours right before the write. */
  lock?: ConfigLock;
  /**
   * Other account values (template values `--mock` seeds) to add where the account, as re-read, lacks them; an
   * existing value is never replaced. Reserved credential names are ignored here: they come from `tokens`.
   */
  values?: Readonly<Record<string, string | number | boolean>>;
}

export interface ConfigLock {
  /** Lock directory created next to the config. */
  lockPath: string;
  /** Throws `LOCKED` unless the lock is still ours and fresh enough that no other run can take it over. */
  assertHeld(): Promise<void>;
  /** Releases the lock; safe to call twice. */
  release(): Promise<void>;
}

/**
 * Writes the token set into `testAccounts.<accountName>`, creating the account (and `testAccounts`) if needed.
 * Call it while holding `acquireConfigLock`; it does not lock by itself.
 *
 * @throws TestkitError `CONFIG_PARSE` (the file no longer parses; nothing is written), `CONFIG_INVALID`
 *   (`testAccounts` or the account is not an object), `LOCKED` (`lock` was lost; nothing is written),
 *   `WRITE_FAILED` (cannot read or write the file).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @example
 * const lock = await acquireConfigLock(config.path);
 * try { await saveTokens({ configPath: config.path, accountName: 'development', tokens, lock }); }
 * finally { await lock.release(); }
 */
export async function saveTokens({ configPath, accountName, tokens, replace, lock, values = {} }: SaveTokensOptions): Promise<void> {
  const path = resolve(configPath);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new TestkitError('WRITE_FAILED', `Cannot read ${path} to write the tokens (${errnoCode(error)}). Check that the file still exists and is readable.`, {
      cause: error,
      details: { path },
    });
  }
  const text = decodeConfigBytes(bytes, path);
  const data = parseConfigText(text, path);
  assertObject(data, [], path);
  const accounts = (data as Record<string, unknown>).testAccounts;
  if (accounts !== undefined) assertObject(accounts, ['testAccounts'], path);
  const record = accounts as Record<string, unknown> | undefined;
  const account = record !== undefined && Object.hasOwn(record, accountName) ? record[accountName] : undefined;
  if (account !== undefined) assertObject(account, ['testAccounts', accountName], path);

  const fields: Record<string, unknown> = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
    scope: tokens.scope,
  };
  const formatting = detectFormatting(text);
  const added = Object.entries(values).filter(
    ([name]) =>
      !(RESERVED_CREDENTIAL_NAMES as readonly string[]).includes(name) &&
      name !== '__proto__' &&
      !(account !== undefined && Object.hasOwn(account as object, name)),
  );
  let next = text;
  if (accounts === undefined || account === undefined) {
    const created: Record<string, unknown> = Object.fromEntries(added);
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) created[name] = value;
    if (Object.keys(tokens.extra).length > 0) created.oauth2ExtraParameters = tokens.extra;
    next =
      accounts === undefined
        ? editValue(next, ['testAccounts'], { [accountName]: created }, formatting)
        : editValue(next, ['testAccounts', accountName], created, formatting);
  } else {
    for (const [name, value] of added) next = editValue(next, ['testAccounts', accountName, name], value, formatting);
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined) next = editValue(next, ['testAccounts', accountName, name], value, formatting);
      // A new login is a new grant: what it did not return must not survive from the old one.
      else if (replace === true && Object.hasOwn(account as object, name)) {
        next = editValue(next, ['testAccounts', accountName, name], undefined, formatting);
      }
    }
    const hasExtra = Object.keys(tokens.extra).length > 0;
    if (hasExtra || Object.hasOwn(account as object, 'oauth2ExtraParameters')) {
      next = editValue(next, ['testAccounts', accountName, 'oauth2ExtraParameters'], hasExtra ? tokens.extra : undefined, formatting);
    }
  }
  if (account !== undefined) next = keepOneLine(text, next, ['testAccounts', accountName]);
  // A new account in a one-line `testAccounts` object joins that line.
  else if (accounts !== undefined) next = keepOneLine(text, next, ['testAccounts']);
  if (next === text) return;
  // The edits come from a JSON library, but a broken file here would lose the user's config: check before writing.
  parseConfigText(next, path);
  await lock?.assertHeld();
  try {
    await writeFileAtomic(path, next, { encoding: 'utf8' });
  } catch (error) {
    throw new TestkitError('WRITE_FAILED', `Cannot write the tokens to ${path} (${errnoCode(error)}). Check that the file and its directory are writable.`, {
      cause: error,
      details: { path },
    });
  }
}

/**
 * Takes the lock that keeps two `integration-cli oauth2` runs from writing the same config; fails fast if taken.
 * A lock left by a crashed run goes stale after 10 s and is then taken over.
 * proper-lockfile only notices a lost lock on its next 5 s refresh, so `assertHeld()` checks it on demand:
 * the lock directory must still carry the mtime we last gave it, and that mtime must be at least
 * {@link WRITE_MARGIN_MS} short of stale. `release()` leaves a lock directory that is no longer ours in place.
 *
 * @throws TestkitError `LOCKED` with `details.reason: 'held'` (another run holds it), `WRITE_FAILED` (the lock cannot
 *   be created). `assertHeld()` throws `LOCKED` with `details.reason: 'lost'`.
 * @example
 * const lock = await acquireConfigLock('/repo/.unito.json');
 * try { await runFlow(); } finally { await lock.release(); }
 */
export async function acquireConfigLock(configPath: string): Promise<ConfigLock> {
  const path = resolve(configPath);
  const lockPath = `${path}.lock`;
  let compromised = false;
  let release: () => Promise<void>;
  // The mtimes proper-lockfile gave the lock directory (the last confirmed one and one being set), in ms.
  const ours = { confirmed: 0, pending: 0 };
  const lockFs = {
    ...fs,
    utimes(file: fs.PathLike, atime: fs.TimeLike, mtime: Date, callback: fs.NoParamCallback) {
      ours.pending = mtime.getTime();
      fs.utimes(file, atime, mtime, (error) => {
        if (!error) ours.confirmed = mtime.getTime();
        callback(error);
      });
    },
  };
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale: STALE_MS,
      fs: lockFs,
      retries: 0,
      lockfilePath: lockPath,
      // The default throws from a timer and kills the process; losing the lock only means we no longer own it.
      onCompromised: () => {
        compromised = true;
      },
    });
  } catch (error) {
    if (errnoCode(error) === 'ELOCKED') {
      throw new TestkitError(
        'LOCKED',
        `Another integration-cli oauth2 run holds the lock on ${path}. Wait for it to finish, or, if no run is active, delete ${lockPath}.`,
        { cause: error, details: { path, lockPath, reason: 'held' } },
      );
    }
    throw new TestkitError(
      'WRITE_FAILED',
      `Cannot create the lock ${lockPath} (${errnoCode(error)}). Check that the directory of ${path} exists and is writable.`,
      {
        cause: error,
        details: { path, lockPath },
      },
    );
  }
  let released = false;
  const lost = (why: string) => {
    // Not ours any more: release() must not remove the lock of the run that took it over.
    compromised = true;
    return new TestkitError(
      'LOCKED',
      `Lost the lock on ${path} (${why}; another integration-cli oauth2 run may have taken it over). The tokens were NOT written and ${path} is unchanged. Run integration-cli oauth2 again.`,
      { details: { path, lockPath, reason: 'lost' } },
    );
  };
  /** The lock directory's mtime; throws `LOCKED` unless it is one we gave it (else another run owns the lock). */
  const ownMtime = async (): Promise<number> => {
    let mtimeMs: number;
    try {
      ({ mtimeMs } = await stat(lockPath));
    } catch {
      throw lost(`${lockPath} is gone`);
    }
    // Filesystems may keep whole seconds only; another run's mtime is at least STALE_MS newer than ours.
    if (![ours.confirmed, ours.pending].some((value) => Math.abs(mtimeMs - value) < 1000)) throw lost(`${lockPath} was replaced`);
    return mtimeMs;
  };
  return {
    lockPath,
    async assertHeld() {
      if (released) throw lost('it was already released');
      if (compromised) throw lost('it could not be refreshed in time');
      const age = Date.now() - (await ownMtime());
      if (age > STALE_MS - WRITE_MARGIN_MS) {
        throw lost(`this run was paused: the lock was last refreshed ${Math.round(age / 1000)} s ago, so it went stale or was about to`);
      }
    },
    async release() {
      if (released) return;
      released = true;
      // proper-lockfile removes the lock directory without checking whose it is: after a pause it may be another run's.
      if (
        compromised ||
        !(await ownMtime().then(
          () => true,
          () => false,
        ))
      )
        return;
      await release();
    },
  };
}

/** After this long without a refresh, a lock is considered left by a crashed run and may be taken over. */
const STALE_MS = 10_000;
/**
 * A write needs the lock this far from stale, so it lands before another run may take the lock over.
 * A running process refreshes its lock every STALE_MS / 2, well inside this.
 */
const WRITE_MARGIN_MS = 2_000;

/** Indentation (tabs, or the smallest space indent) and EOL of the file, so inserted text looks hand-written. */
function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let spaces = Infinity;
  for (const match of text.matchAll(/^([ \t]+)\S/gm)) {
    const indent = match[1] ?? '';
    if (indent.startsWith('\t')) return { insertSpaces: false, tabSize: 4, eol };
    spaces = Math.min(spaces, indent.length);
  }
  return { insertSpaces: true, tabSize: Number.isFinite(spaces) ? spaces : 2, eol };
}

/**
 * Sets (or, with `undefined`, removes) one value with jsonc-parser, then formats only the inserted text.
 * `modify`'s own formatting re-formats whole lines around the edit, which would touch the user's bytes.
 */
function editValue(text: string, path: JSONPath, value: unknown, formatting: FormattingOptions): string {
  const [edit] = modify(text, path, value, {});
  if (edit === undefined) return text;
  const next = text.slice(0, edit.offset) + edit.content + text.slice(edit.offset + edit.length);
  if (edit.content.length === 0) return next;
  const begin = edit.offset;
  const end = begin + edit.content.length;
  // One character of slack on each side: the formatter skips empty edits that sit exactly on the range's edges.
  const range = { offset: Math.max(0, begin - 1), length: end - begin + 2 };
  const edits = format(next, range, { ...formatting, keepLines: false }).filter((e) => e.offset >= begin && e.offset + e.length <= end);
  return applyEdits(next, edits);
}

/**
 * An account written on one line (`"mock": { "a": 1 }`) stays on one line with the tokens added, in its own spacing,
 * instead of keys broken across lines inside it; so does a one-line `testAccounts` object given a new account.
 */
function keepOneLine(before: string, after: string, path: JSONPath): string {
  const original = findNodeAtLocation(parseTree(before) ?? ({} as JsonNode), path);
  if (original === undefined || original.type !== 'object' || (original.children?.length ?? 0) === 0) return after;
  const source = before.slice(original.offset, original.offset + original.length);
  if (source.includes('\n') || before === after) return after;
  const edited = findNodeAtLocation(parseTree(after) ?? ({} as JsonNode), path);
  if (edited === undefined) return after;
  const padded = /^\{\s/.test(source);
  const line = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(line).join(', ')}]`;
    if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${line(item)}`);
      if (entries.length === 0) return '{}';
      return padded ? `{ ${entries.join(', ')} }` : `{${entries.join(', ')}}`;
    }
    return JSON.stringify(value);
  };
  return after.slice(0, edited.offset) + line(getNodeValue(edited)) + after.slice(edited.offset + edited.length);
}

function assertObject(value: unknown, segments: string[], path: string): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return;
  throw new TestkitError('CONFIG_INVALID', `${path}: ${formatJsonPath(segments)} must be an object to hold the tokens. Fix it in the config and run again.`, {
    details: { path, jsonPath: formatJsonPath(segments) },
  });
}

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
}
