import { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * The largest request body the mock provider reads: 1 MiB. OAuth requests are a few hundred bytes (a JWT client
 * assertion a few KiB); a larger body is answered 413 without being buffered.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** Thrown by {@link readRequestBody} for a body over {@link MAX_REQUEST_BODY_BYTES}; its message is the 413's `error_description`. */
export class RequestBodyTooLargeError extends Error {
  constructor() {
    super(`request body larger than ${MAX_REQUEST_BODY_BYTES / 1024 / 1024} MiB`);
    this.name = 'RequestBodyTooLargeError';
  }
}

/** Set by the in-process transport on a request whose body went over the cap (it hands the engine no body). */
const TOO_LARGE = Symbol('mock-provider.bodyTooLarge');

/** Bodies already read by the scenario layer, per request. */
const BODIES = new WeakMap<IncomingMessage, Buffer>();

const EMPTY = Buffer.alloc(0);

/** Set by the in-process transport: the body it hands the engine's stream, so nobody needs to read that stream twice. */
export const KNOWN_BODY = Symbol('mock-provider.knownBody');

interface KnownBodyRequest extends IncomingMessage {
  [KNOWN_BODY]?: Buffer;
  [TOO_LARGE]?: boolean;
}

/** The body the transport already knows, else undefined (the stream must be read). */
export function knownRequestBody(req: IncomingMessage): Buffer | undefined {
  return (req as KnownBodyRequest)[KNOWN_BODY];
}

/** Tags a request with the body its stream carries. */
export function setKnownRequestBody(req: IncomingMessage, body: Buffer): void {
  (req as KnownBodyRequest)[KNOWN_BODY] = body;
}

/** Tags a request whose body the transport found over {@link MAX_REQUEST_BODY_BYTES}: reading it throws. */
export function setRequestBodyTooLarge(req: IncomingMessage): void {
  (req as KnownBodyRequest)[TOO_LARGE] = true;
}

/** Whether a `Content-Length` header announces more than {@link MAX_REQUEST_BODY_BYTES}. */
export function announcesTooLarge(contentLength: string | null | undefined): boolean {
  return contentLength != null && Number(contentLength) > MAX_REQUEST_BODY_BYTES;
}

/** Whether the request announces a body (a length above 0, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads the whole request body once and keeps it, so the scenario layer can record and rewrite it before the
 * engine parses it. Returns an empty buffer for a request without body.
 *
 * Throws {@link RequestBodyTooLargeError} for a body over {@link MAX_REQUEST_BODY_BYTES}, as soon as its
 * `Content-Length` or its bytes so far say so (the rest is not buffered).
 */
export async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  const kept = BODIES.get(req) ?? knownRequestBody(req);
  if (kept !== undefined) return kept;
  if ((req as KnownBodyRequest)[TOO_LARGE] === true || announcesTooLarge(req.headers['content-length'])) throw new RequestBodyTooLargeError();
  if (!hasBody(req)) return EMPTY;
  const body = await drain(req);
  BODIES.set(req, body);
  return body;
}

/** The stream's bytes, by events (a stream's async iterator costs more per request than the body is long). */
function drain(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      // Past the cap, stop collecting: the stream keeps flowing and Node discards the rest.
      if (received > MAX_REQUEST_BODY_BYTES) done(new RequestBodyTooLargeError());
      else chunks.push(chunk);
    };
    const done = (error?: Error): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', done);
      req.off('close', onClose);
      if (error !== undefined) reject(error);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onEnd = (): void => done();
    const onClose = (): void => {
      if (!req.complete) done(new Error('The request was aborted before its body was complete.'));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', done);
    req.once('close', onClose);
  });
}

const REPLAY = Symbol('mock-provider.replayBody');

async function* replay(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

/**
 * The HTTP listener's request class: a request whose body the scenario layer has read and may have rewritten
 * replays it to the engine (at prototype level, so every request keeps one object shape).
 */
export class ReplayableIncomingMessage extends IncomingMessage {
  [REPLAY]: readonly Buffer[] | undefined;

  override iterator(options?: { destroyOnReturn?: boolean }): NodeJS.AsyncIterator<Buffer> {
    const chunks = this[REPLAY];
    return chunks === undefined ? super.iterator(options) : replay(chunks);
  }

  override [Symbol.asyncIterator](): NodeJS.AsyncIterator<Buffer> {
    const chunks = this[REPLAY];
    return chunks === undefined ? super[Symbol.asyncIterator]() : replay(chunks);
  }
}

const streamReadable = Object.getOwnPropertyDescriptor(Readable.prototype, 'readable');
Object.defineProperty(ReplayableIncomingMessage.prototype, 'readable', {
  configurable: true,
  get(this: ReplayableIncomingMessage): boolean {
    return this[REPLAY] !== undefined || Boolean(streamReadable?.get?.call(this));
  },
  set(this: ReplayableIncomingMessage, value: boolean) {
    streamReadable?.set?.call(this, value);
  },
});

/**
 * Makes `body` what the engine reads from `req` (the stream itself is consumed by then). oidc-provider's body
 * parser (`shared/selective_body.js`) reads `req.iterator()` while `req.readable`, and checks the length against
 * `Content-Length`; it falls back to a pre-parsed `req.body` only with a console warning, so the stream is
 * replayed instead: through {@link ReplayableIncomingMessage} over HTTP, by instance properties on the
 * in-process transports' requests. `Content-Length` is set to the (possibly rewritten) body's size.
 */
export function replayRequestBody(req: IncomingMessage, body: Buffer): void {
  BODIES.set(req, body);
  const chunks = body.length === 0 ? [] : [body];
  if (req instanceof ReplayableIncomingMessage) {
    req[REPLAY] = chunks;
  } else {
    const iterate = (): AsyncGenerator<Buffer> => replay(chunks);
    Object.defineProperties(req, {
      readable: { value: true, configurable: true },
      iterator: { value: iterate, configurable: true },
      [Symbol.asyncIterator]: { value: iterate, configurable: true },
    });
  }
  const length = String(body.length);
  if (req.headers['content-length'] !== length || req.headers['transfer-encoding'] !== undefined) {
    const headers = { ...req.headers, 'content-length': length };
    delete headers['transfer-encoding'];
    req.headers = headers;
  }
}
