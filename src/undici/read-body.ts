import { MAX_REQUEST_BODY_BYTES } from '../mock-provider/index.js';
import type { DispatchOptions } from './dispatch-types.js';

/** A dispatched request's body as bytes, and the content type to send with it when serialising changed it. */
export interface DispatchBody {
  bytes: Buffer | undefined;
  /** Set for FormData, serialised here with a boundary of its own. */
  contentType?: string;
}

/**
 * Reads every body form undici hands a dispatcher: what a mock dispatcher gets from fetch (the body's source: a
 * string, Uint8Array, Blob or FormData; a stream otherwise), an (async) iterable or Node stream, or none. Stops
 * reading one chunk past `MAX_REQUEST_BODY_BYTES`: the provider answers 413 to anything longer, so more is never needed.
 */
export async function readDispatchBody(body: DispatchOptions['body']): Promise<DispatchBody> {
  if (body === undefined || body === null) return { bytes: undefined };
  if (typeof body === 'string') return { bytes: Buffer.from(body) };
  if (body instanceof Uint8Array) return { bytes: Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  if (body instanceof URLSearchParams) return { bytes: Buffer.from(body.toString()) };
  if (body instanceof FormData) {
    // fetch's content-type names a boundary only fetch knows: serialise again and send the new boundary.
    const serialised = new Response(body);
    const contentType = serialised.headers.get('content-type') ?? 'multipart/form-data';
    return { bytes: await readChunks(serialised.body as unknown as AsyncIterable<Uint8Array>), contentType };
  }
  if (body instanceof Blob)
    return {
      bytes:
        body.size > MAX_REQUEST_BODY_BYTES ? await readChunks(body.stream() as unknown as AsyncIterable<Uint8Array>) : Buffer.from(await body.arrayBuffer()),
    };
  if (Symbol.asyncIterator in body || Symbol.iterator in body) return { bytes: await readChunks(body) };
  throw new TypeError(
    `oauth2-testkit/undici cannot read a request body of type ${Object.prototype.toString.call(body)}; pass a string, a Uint8Array, an iterable or a stream.`,
  );
}

async function readChunks(source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): Promise<Buffer> {
  const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const chunks: Buffer[] = [];
  let received = 0;
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
    const chunk = next.value;
    const bytes =
      typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    chunks.push(bytes);
    received += bytes.byteLength;
    if (received > MAX_REQUEST_BODY_BYTES) {
      // Over the cap: answered 413, the rest is never read. Not awaited: cancelling the stream fetch pipes a
      // request body through can wait on a read that never comes.
      Promise.resolve(iterator.return?.()).catch(() => undefined);
      break;
    }
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received);
}
