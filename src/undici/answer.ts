import { TestkitError } from '../shared/errors.js';
import type { MockProvider } from '../mock-provider/index.js';
import type { DispatchHandler, DispatchOptions } from './dispatch-types.js';
import { readDispatchBody } from './read-body.js';
import { playRaw, reply } from './reply.js';
import { toHeaderRecord, toRequest } from './to-request.js';
import type { RouteHandler } from './with-bearer.js';

export type Answerer = (origin: string, options: DispatchOptions, handler: DispatchHandler) => Promise<void>;

/** One in-flight request: `fail` ends it once (`onError`); an abort from undici ends it too and wakes `onAbort` listeners. */
interface Exchange {
  isSettled(): boolean;
  settle(): void;
  fail(error: Error): void;
  onAbort(listener: () => void): void;
}

/** Calls `onConnect` with undici's abort hook wired to the exchange it returns. */
function connect(handler: DispatchHandler): Exchange {
  const abortListeners: (() => void)[] = [];
  let settled = false;
  const fail = (error: Error): void => {
    if (settled) return;
    settled = true;
    handler.onError?.(error);
  };
  handler.onConnect?.((reason?: unknown) => {
    if (settled) return;
    const error = reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
    for (const listener of abortListeners.splice(0)) listener();
    fail(error);
  });
  return {
    isSettled: () => settled,
    settle: () => {
      settled = true;
    },
    fail,
    onAbort: (listener) => abortListeners.push(listener),
  };
}

/**
 * Answers one provider request with no WHATWG object in between: dispatch options → `handleRaw` → handler
 * callbacks. Exactly one of `onComplete`/`onError` ends it.
 */
export async function answerRaw(
  handleRaw: NonNullable<MockProvider['handleRaw']>,
  origin: string,
  options: DispatchOptions,
  handler: DispatchHandler,
): Promise<void> {
  const exchange = connect(handler);
  if (exchange.isSettled()) return;
  try {
    const method = options.method.toUpperCase();
    const { bytes, contentType } = await readDispatchBody(method === 'GET' || method === 'HEAD' ? null : options.body);
    if (exchange.isSettled()) return;
    const headers = toHeaderRecord(options.headers);
    if (contentType !== undefined) {
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
      headers['content-type'] = contentType;
    }
    const response = await handleRaw({ method, url: `${origin}${options.path}`, headers, body: bytes });
    if (exchange.isSettled()) return;
    playRaw(response, method, handler, exchange.isSettled);
    exchange.settle();
  } catch (cause) {
    exchange.fail(answerFailure(cause, origin, options));
  }
}

/** Answers one request through a WHATWG handler (a user route, or a provider-like object with only `handle`); exactly one of `onComplete`/`onError` ends it. */
export async function answer(route: RouteHandler, origin: string, options: DispatchOptions, handler: DispatchHandler): Promise<void> {
  const { isSettled, settle, fail, onAbort } = connect(handler);
  if (isSettled()) return;
  try {
    const request = await toRequest(options, origin);
    if (isSettled()) return;
    const response = await route(request);
    if (isSettled()) {
      await response.body?.cancel();
      return;
    }
    await reply(response, request.method, handler, isSettled, onAbort);
    settle();
  } catch (cause) {
    fail(answerFailure(cause, origin, options));
  }
}

function answerFailure(cause: unknown, origin: string, options: DispatchOptions): TestkitError {
  const url = new URL(options.path, origin);
  return new TestkitError(
    'MOCK_PROVIDER',
    `The in-process mock failed to answer ${options.method} ${url.origin}${url.pathname}: ${cause instanceof Error ? cause.message : String(cause)}. fetch reports it as a network error; see this error's cause.`,
    { cause },
  );
}
