import type { IncomingMessage } from 'node:http';

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

const EMPTY = Buffer.alloc(0);

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
 * Reads the whole body of a node request (the HTTP listener's, the control API's, a form the engine's Koa
 * middleware reads). Returns an empty buffer for a request without body.
 *
 * Throws {@link RequestBodyTooLargeError} for a body over {@link MAX_REQUEST_BODY_BYTES}, as soon as its
 * `Content-Length` or its bytes so far say so (the rest is not buffered).
 */
export async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  if (announcesTooLarge(req.headers['content-length'])) throw new RequestBodyTooLargeError();
  if (!hasBody(req)) return EMPTY;
  return drain(req);
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
