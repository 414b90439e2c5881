import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { visit } from 'jsonc-parser';
import { TestkitError } from '../shared/errors.js';
import { oneLine } from '../shared/text.js';
import { formatJsonPath } from './config-schema.js';

/**
 * The deepest nesting of arrays and objects a config may have. Real `.unito.json` files stay under 10 levels; the
 * bound keeps the recursive parsers and writers (jsonc-parser, ajv, JSON.stringify) far from the stack limit.
 */
export const MAX_CONFIG_DEPTH = 64;

/** The largest config file read: 16 MiB (real ones are a few KiB; the whole file is held in memory and rewritten). */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** Top-level keys whose subtrees the flow reads or writes: duplicate keys there would split reader and writer. */
const CHECKED_ROOTS: ReadonlySet<string> = new Set(['authorizations', 'testAccounts']);

/**
 * Reads a config file as text, refusing what the flow must not read:
 *
 * - anything that is not a regular file (a FIFO would block the run, a device would never end): opened without
 *   blocking, then checked, so the check and the read concern the same file;
 * - a file over {@link MAX_CONFIG_BYTES};
 * - bytes that are not valid UTF-8 (decoding would replace them with U+FFFD, and the next write would change bytes
 *   the user never asked us to touch), located by line and column.
 *
 * @throws TestkitError `CONFIG_NOT_FOUND` (missing, unreadable, not a regular file, too large), `CONFIG_PARSE`
 *   (not UTF-8).
 * @example
 * const text = await readConfigText('/repo/.unito.json');
 */
export async function readConfigText(absolute: string): Promise<string> {
  let bytes: Buffer;
  try {
    const handle = await open(absolute, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const info = await handle.stat();
      if (!info.isFile()) {
        throw new TestkitError('CONFIG_NOT_FOUND', `${absolute} is not a regular file (it is ${kindOf(info)}).`, {
          next: 'Pass the path of an existing config file.',
          details: { path: absolute },
        });
      }
      if (info.size > MAX_CONFIG_BYTES) {
        throw new TestkitError('CONFIG_NOT_FOUND', `${absolute} is ${info.size} bytes, more than a config can be (${MAX_CONFIG_BYTES} bytes).`, {
          next: 'Pass the path of an existing config file.',
          details: { path: absolute, size: info.size },
        });
      }
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof TestkitError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const what =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'No config file at'
        : code === 'EISDIR'
          ? 'Expected a file but found a directory at'
          : `Cannot read the config file (${code ?? 'unknown error'}) at`;
    throw new TestkitError('CONFIG_NOT_FOUND', `${what} ${absolute}.`, {
      next: 'Pass the path of an existing config file.',
      cause: error,
      details: { path: absolute },
    });
  }
  return decodeConfigBytes(bytes, absolute);
}

/**
 * Decodes config bytes as UTF-8, refusing (located) any byte that is not part of a well-formed sequence.
 *
 * @throws TestkitError `CONFIG_PARSE`
 */
export function decodeConfigBytes(bytes: Buffer, path: string): string {
  const invalidAt = firstInvalidUtf8(bytes);
  if (invalidAt !== -1) {
    const prefix = bytes.subarray(0, invalidAt).toString('utf8');
    const { line, column } = lineColumn(prefix, prefix.length);
    throw new TestkitError(
      'CONFIG_PARSE',
      `${path}:${line}:${column}: the file is not valid UTF-8 (byte 0x${(bytes[invalidAt] as number).toString(16).padStart(2, '0')} at offset ${invalidAt}). Save it as UTF-8: JSON files must be UTF-8.`,
      { details: { path: path, line, column, offset: invalidAt } },
    );
  }
  return bytes.toString('utf8');
}

/**
 * Checks the keys of config text that `JSON.parse` accepts but the flow must not (run {@link checkDepth} first):
 *
 * - a `__proto__` key anywhere (parsed into a plain object it would become the object's prototype);
 * - a key that appears twice in one object under `authorizations` or `testAccounts` (the reader would use the
 *   last copy and the writer edit the first).
 *
 * Call it on text that parses as JSON; each problem is located by `path:line:col` and its JSON path.
 *
 * @throws TestkitError `CONFIG_INVALID`
 */
export function checkConfigKeys(text: string, path: string): void {
  const keys: Array<Map<string, number> | undefined> = [];
  let problem: { offset: number; message: string; jsonPath: string } | undefined;
  visit(text, {
    onObjectBegin: (_offset, _length, _line, _char, pathSupplier) => {
      const at = pathSupplier();
      keys.push(at.length === 0 || CHECKED_ROOTS.has(String(at[0])) ? new Map() : undefined);
    },
    onObjectEnd: () => {
      keys.pop();
    },
    onObjectProperty: (property, offset, _length, _line, _char, pathSupplier) => {
      if (problem !== undefined) return;
      const at = [...pathSupplier(), property];
      if (property === '__proto__') {
        problem = {
          offset,
          jsonPath: formatJsonPath(at),
          message: 'the key "__proto__" is not allowed (it would replace the object\'s prototype). Rename or remove it',
        };
        return;
      }
      const seen = keys.at(-1);
      if (seen === undefined) return;
      const first = seen.get(property);
      if (first === undefined) {
        seen.set(property, offset);
        return;
      }
      const firstLine = lineColumn(text, first).line;
      problem = {
        offset,
        jsonPath: formatJsonPath(at),
        message: `the key "${oneLine(property, 80)}" appears twice in this object (first on line ${firstLine}); the flow would read one copy and write the other. Keep one`,
      };
    },
  });
  if (problem === undefined) return;
  const { line, column } = lineColumn(text, problem.offset);
  throw new TestkitError('CONFIG_INVALID', `${path}:${line}:${column}: ${problem.jsonPath}: ${problem.message}.`, {
    details: { path, line, column, jsonPath: problem.jsonPath },
  });
}

/**
 * Refuses nesting deeper than {@link MAX_CONFIG_DEPTH}, counted in one pass without recursion.
 *
 * @throws TestkitError `CONFIG_INVALID` located at the first bracket past the limit.
 */
export function checkDepth(text: string, path: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x7b || ch === 0x5b) {
      depth++;
      if (depth > MAX_CONFIG_DEPTH) {
        const { line, column } = lineColumn(text, i);
        throw new TestkitError(
          'CONFIG_INVALID',
          `${path}:${line}:${column}: arrays and objects are nested more than ${MAX_CONFIG_DEPTH} levels deep here. A config never needs that; remove the nesting.`,
          { details: { path, line, column, maxDepth: MAX_CONFIG_DEPTH } },
        );
      }
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    }
  }
}

/** 1-based line and column of a UTF-16 offset; `\r\n`, `\n` and `\r` each end a line. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10 || (ch === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629), or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function kindOf(info: { isFIFO(): boolean; isDirectory(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isDirectory()) return 'a directory';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a file';
}
