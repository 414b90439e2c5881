import type { DispatchOptions } from './dispatch-types.js';
import { readDispatchBody } from './read-body.js';

/**
 * Builds the WHATWG `Request` a route handler (or a provider-like object with only `handle()`) takes from what
 * undici gives a dispatcher; every body form `readDispatchBody` reads is accepted.
 */
export async function toRequest(options: DispatchOptions, origin: string): Promise<Request> {
  const method = options.method.toUpperCase();
  const bodyless = method === 'GET' || method === 'HEAD';
  const { bytes, contentType } = await readDispatchBody(bodyless ? null : options.body);
  const headers = toHeaders(options.headers);
  if (contentType !== undefined) headers.set('content-type', contentType);
  return new Request(new URL(options.path, origin), { method, headers, body: bodyless || bytes === undefined ? null : new Uint8Array(bytes) });
}

/** undici's header forms (a record, the flat `[name, value, …]` list, or `[name, value]` pairs) as a new record. */
export function toHeaderRecord(headers: DispatchOptions['headers']): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  if (headers === undefined || headers === null) return result;
  const add = (name: string, value: string | string[]): void => {
    const before = result[name];
    result[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), ...(Array.isArray(value) ? value : [value])];
  };
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) add(String(headers[i]), String(headers[i + 1]));
    return result;
  }
  const entries = Symbol.iterator in headers ? (headers as Iterable<[string, string | string[] | undefined]>) : Object.entries(headers);
  for (const [name, value] of entries) if (value !== undefined) add(name, Array.isArray(value) ? value.map(String) : String(value));
  return result;
}

function toHeaders(headers: DispatchOptions['headers']): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(toHeaderRecord(headers))) {
    for (const item of Array.isArray(value) ? value : [value]) result.append(name, item);
  }
  return result;
}
