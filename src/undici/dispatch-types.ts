/**
 * The slice of undici 6's dispatcher contract (the undici Node 22 bundles) this transport speaks: what `fetch`
 * passes to `dispatch(options, handler)`. Declared here, not imported, so the package needs no undici dependency.
 */

/** Request options `fetch` hands a dispatcher. */
export interface DispatchOptions {
  origin?: string | URL;
  path: string;
  method: string;
  /**
   * fetch passes an async iterable of Uint8Array (every body form already serialised) or null; to a dispatcher with
   * `isMockActive` (ours, a MockAgent) the body as given instead: a string (URLSearchParams serialised), a
   * Uint8Array, a Blob, FormData, or a ReadableStream.
   */
  body?: string | Uint8Array | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> | Blob | FormData | URLSearchParams | null;
  headers?: Record<string, string | string[] | undefined> | (string | Buffer)[] | Iterable<[string, string | string[] | undefined]> | null;
  [key: string]: unknown;
}

/** The undici 6 (legacy) handler callbacks; undici 7+ hands `onRequestStart`/`onResponseStart`… instead. */
export interface DispatchHandler {
  onConnect?(abort: (reason?: unknown) => void, context?: unknown): void;
  onHeaders?(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: Buffer[] | null): void;
  onError?(error: Error): void;
  onResponseStart?: unknown;
}

/** Anything with undici's `dispatch`: Node's default Agent, a user's MockAgent, another interceptor. */
export interface Dispatcher {
  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean;
  close?(): Promise<void>;
  destroy?(): Promise<void>;
}
