import { TestkitError } from '../shared/errors.js';

/** The largest token response body read, after decompression: 1 MiB (real ones are a few KiB). */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

/** How long the whole token request (connect, headers and body) may take by default: 30 s. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 30_000;

/** How long a token response body may go without a byte by default: 10 s. */
export const DEFAULT_TOKEN_IDLE_TIMEOUT_MS = 10_000;

/** What `oauth2ExtraParameters` may hold: keys, serialised size, nesting. Past these a field is left out, and named. */
export const MAX_EXTRA_KEYS = 100;
export const MAX_EXTRA_BYTES = 32 * 1024;
export const MAX_EXTRA_DEPTH = 10;

/**
 * Reads a response body with a size cap on the decoded bytes (fetch decompresses as it goes, so a gzip bomb stops at
 * the cap) and an idle limit between chunks. The stream is cancelled at either limit.
 *
 * @throws TestkitError `TOKEN_RESPONSE_INVALID` (larger than `maxBytes`), `TOKEN_TIMEOUT` (no byte for `idleMs`).
 */
export async function readTokenResponseBody(response: Response, where: string, limits: { maxBytes: number; idleMs: number }): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(tokenTimeout(where, 'idle', limits.idleMs)), limits.idleMs);
    });
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await Promise.race([reader.read(), idle]);
    } catch (error) {
      void reader.cancel().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > limits.maxBytes) {
      void reader.cancel().catch(() => undefined);
      throw new TestkitError(
        'TOKEN_RESPONSE_INVALID',
        `The token endpoint ${where} sent an answer larger than ${limits.maxBytes / 1024 / 1024} MiB (after decompression); a token response is a few KiB. ` +
          'Check that oauth2.tokenUrl is the token endpoint.',
        { details: { tokenUrl: where, maxBytes: limits.maxBytes, reason: 'too_large' } },
      );
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** The error for a token request that ran out of time: the whole request, or a body that stopped arriving. */
export function tokenTimeout(where: string, kind: 'total' | 'idle', ms: number): TestkitError {
  const seconds = ms / 1000;
  const message =
    kind === 'total'
      ? `The token endpoint ${where} did not answer within ${seconds} s (the whole request). The provider may be down or slow.`
      : `The token endpoint ${where} stopped sending its answer: no data for ${seconds} s. The provider may be overloaded.`;
  // Worded for the library (its options); the CLI names its flags instead (src/cli/hints.ts).
  const next =
    kind === 'total'
      ? 'Try again, or raise the limit (timeoutMs of requestTokenSet, tokenTimeoutMs of runOAuth2Flow).'
      : 'Try again, or raise the limit (idleTimeoutMs of requestTokenSet, tokenIdleTimeoutMs of runOAuth2Flow).';
  return new TestkitError('TOKEN_TIMEOUT', message, { next, details: { tokenUrl: where, limit: kind, ms } });
}

/**
 * Keeps the extra response fields that fit `oauth2ExtraParameters` (at most {@link MAX_EXTRA_KEYS} keys,
 * {@link MAX_EXTRA_BYTES} serialised, {@link MAX_EXTRA_DEPTH} levels), in response order, and names the rest.
 * Depth is measured without recursion, before anything serialises a value.
 */
export function boundExtraFields(extra: Record<string, unknown>): { kept: Record<string, unknown>; omitted: string[] } {
  const kept: Record<string, unknown> = {};
  const omitted: string[] = [];
  let bytes = 2;
  let count = 0;
  for (const [key, value] of Object.entries(extra)) {
    const name = JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key);
    if (key === '__proto__') {
      omitted.push(`${name} (a name configs may not hold)`);
      continue;
    }
    if (count >= MAX_EXTRA_KEYS) {
      omitted.push(`${name} (more than ${MAX_EXTRA_KEYS} fields)`);
      continue;
    }
    if (depthOf(value) > MAX_EXTRA_DEPTH) {
      omitted.push(`${name} (nested more than ${MAX_EXTRA_DEPTH} levels)`);
      continue;
    }
    const size = Buffer.byteLength(JSON.stringify(key)) + Buffer.byteLength(JSON.stringify(value) ?? 'null') + 2;
    if (bytes + size > MAX_EXTRA_BYTES) {
      omitted.push(`${name} (${size} bytes; the fields may take ${MAX_EXTRA_BYTES / 1024} KiB in all)`);
      continue;
    }
    Object.defineProperty(kept, key, { value, enumerable: true, writable: true, configurable: true });
    bytes += size;
    count++;
  }
  return { kept, omitted };
}

function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    const level = depth + 1;
    if (level > max) max = level;
    if (max > MAX_EXTRA_DEPTH) return max;
    for (const child of Object.values(current)) stack.push([child, level]);
  }
  return max;
}
