import type { DispatchOptions } from './dispatch-types.js';

/**
 * Builds the WHATWG `Request` that `provider.handle()` takes from what undici gives a dispatcher. Every body form
 * is accepted: string, Buffer/Uint8Array, (async) iterable or Node stream (what fetch passes, FormData and
 * URLSearchParams already serialised into it), Blob/FormData/URLSearchParams given directly, or none.
 */
export async function toRequest(options: DispatchOptions, origin: string): Promise<Request> {
  const method = options.method.toUpperCase();
  const body = await readBody(options.body);
  return new Request(new URL(options.path, origin), {
    method,
    headers: toHeaders(options.headers),
    body: method === 'GET' || method === 'HEAD' ? null : (body as BodyInit | null),
  });
}

type BodyInit_ = string | Uint8Array | Blob | FormData | URLSearchParams | null;

async function readBody(body: DispatchOptions['body']): Promise<BodyInit_> {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof Blob || body instanceof FormData || body instanceof URLSearchParams)
    return body;
  const chunks: Uint8Array[] = [];
  if (Symbol.asyncIterator in body) {
    for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  } else if (Symbol.iterator in body) {
    for (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  } else {
    throw new TypeError(
      `oauth2-testkit/undici cannot read a request body of type ${Object.prototype.toString.call(body)}; pass a string, a Uint8Array, an iterable or a stream.`,
    );
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

function toHeaders(headers: DispatchOptions['headers']): Headers {
  const result = new Headers();
  if (headers === undefined || headers === null) return result;
  if (Array.isArray(headers)) {
    // undici's flat form: [name, value, name, value, …].
    for (let i = 0; i + 1 < headers.length; i += 2) result.append(String(headers[i]), String(headers[i + 1]));
    return result;
  }
  const entries = Symbol.iterator in headers ? (headers as Iterable<[string, string | string[] | undefined]>) : Object.entries(headers);
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) result.append(name, String(item));
  }
  return result;
}
