import type { RawResponse } from '../mock-provider/index.js';
import type { DispatchHandler } from './dispatch-types.js';

/** Statuses whose answer never has a body (RFC 9110 §6.4.1), whatever the handler returned. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Plays `response` into an undici 6 handler: status, raw headers (each `Set-Cookie` its own line), body (one chunk when sized; otherwise chunks with
 * backpressure (`onData` returning false pauses until undici calls `resume`)), then `onComplete`. A HEAD answer,
 * and 1xx/204/205/304, carry no body. Stops quietly once `isAborted()` says the request was aborted (`onAbort` wakes a paused stream for that).
 */
export async function reply(
  response: Response,
  method: string,
  handler: DispatchHandler,
  isAborted: () => boolean,
  onAbort: (listener: () => void) => void,
): Promise<void> {
  const rawHeaders: Buffer[] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') rawHeaders.push(Buffer.from(name), Buffer.from(value));
  });
  for (const cookie of response.headers.getSetCookie()) rawHeaders.push(Buffer.from('set-cookie'), Buffer.from(cookie));

  let resumed = false;
  let resumeWaiter: (() => void) | undefined;
  const resume = (): void => {
    resumed = true;
    const waiter = resumeWaiter;
    resumeWaiter = undefined;
    waiter?.();
  };
  if (isAborted()) return;
  handler.onHeaders?.(response.status, rawHeaders, resume, response.statusText);

  const bodyless = method === 'HEAD' || NULL_BODY_STATUSES.has(response.status) || response.body === null;
  if (bodyless) {
    await response.body?.cancel();
  } else if (response.headers.has('content-length')) {
    // A sized answer (every engine answer is buffered): one chunk, no stream reads.
    const body = Buffer.from(await response.arrayBuffer());
    if (isAborted()) return;
    if (body.byteLength > 0) handler.onData?.(body);
  } else {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (isAborted()) {
        await reader.cancel();
        return;
      }
      resumed = false;
      const more = handler.onData?.(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      if (more === false && !resumed)
        await new Promise<void>((resolve) => {
          resumeWaiter = resolve;
          onAbort(resolve);
        });
    }
  }
  if (isAborted()) return;
  handler.onComplete?.([]);
}

/** Header names seen before, as the Buffers undici reads them (a few dozen at most: the engine's own names). */
const NAMES = new Map<string, Buffer>();

function nameBuffer(name: string): Buffer {
  let buffer = NAMES.get(name);
  if (buffer === undefined) {
    buffer = Buffer.from(name, 'latin1');
    if (NAMES.size < 256) NAMES.set(name, buffer);
  }
  return buffer;
}

/**
 * Plays a `handleRaw` answer into an undici 6 handler, synchronously: status, raw headers (each `Set-Cookie` its
 * own line), the body in one chunk (none for HEAD, 1xx/204/205/304), `onComplete`. Stops once `isAborted()` says so.
 */
export function playRaw(response: RawResponse, method: string, handler: DispatchHandler, isAborted: () => boolean): void {
  const rawHeaders: Buffer[] = [];
  for (const name in response.headers) {
    const value = response.headers[name] as string | string[];
    const key = nameBuffer(name);
    if (typeof value === 'string') rawHeaders.push(key, Buffer.from(value, 'latin1'));
    else for (const item of value) rawHeaders.push(key, Buffer.from(item, 'latin1'));
  }
  handler.onHeaders?.(response.status, rawHeaders, () => {}, '');
  if (isAborted()) return;
  if (method !== 'HEAD' && !NULL_BODY_STATUSES.has(response.status) && response.body.byteLength > 0) {
    handler.onData?.(response.body);
    if (isAborted()) return;
  }
  handler.onComplete?.([]);
}
