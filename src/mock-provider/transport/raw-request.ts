import type { RawRequest, RawResponse } from '../types.js';
import type { EngineRequest, EngineResponse } from './fetch.js';
import { MAX_REQUEST_BODY_BYTES } from './request-body.js';

const EMPTY = Buffer.alloc(0);

/** Plain request parts (`handleRaw`) → engine request: names lower-cased, lists joined, the body over the cap dropped (413). */
export function fromRawRequest(request: RawRequest): EngineRequest {
  const method = request.method.toUpperCase();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const joined = typeof value === 'string' ? value : value.join(lower === 'cookie' ? '; ' : ', ');
    const before = headers[lower];
    headers[lower] = before === undefined ? joined : `${before}${lower === 'cookie' ? '; ' : ', '}${joined}`;
  }
  const url = typeof request.url === 'string' ? new URL(request.url) : new URL(request.url.href);
  const base = { method, url, headers, remoteAddress: '127.0.0.1' };
  const raw = method === 'GET' || method === 'HEAD' ? undefined : request.body;
  if (raw === undefined || raw === null) return { ...base, body: EMPTY };
  const body = typeof raw === 'string' ? Buffer.from(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return body.byteLength > MAX_REQUEST_BODY_BYTES ? { ...base, body: EMPTY, bodyTooLarge: true } : { ...base, body };
}

/** Engine response → `handleRaw`'s answer: as written, with no body where HTTP allows none (HEAD, 1xx, 204, 304). */
export function toRawResponse(response: EngineResponse, method: string): RawResponse {
  const bodyless = response.status === 204 || response.status === 304 || response.status < 200 || method.toUpperCase() === 'HEAD';
  return bodyless && response.body.byteLength > 0 ? { ...response, body: EMPTY } : response;
}
