import type { IncomingMessage, ServerResponse } from 'node:http';
import { exchange } from './node-exchange.js';
import { announcesTooLarge, MAX_REQUEST_BODY_BYTES } from './request-body.js';

/** A request as the scenario layer sees it, whichever transport it came from (headers as the client sent them). */
export interface EngineRequest {
  method: string;
  /** Absolute URL (the issuer's origin + path and query). */
  url: URL;
  /** Lower-case names; repeated headers joined with `, ` (cookies with `; `). */
  headers: Record<string, string>;
  body: Buffer;
  /** Set when the body went over `MAX_REQUEST_BODY_BYTES`: `body` is then empty and the request gets a 413. */
  bodyTooLarge?: boolean;
  remoteAddress: string;
}

/** A complete response: every header kept, `set-cookie` as a list. */
export interface EngineResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The one way into the mock: every transport builds an {@link EngineRequest} and awaits this. */
export type EngineEntry = (request: EngineRequest) => Promise<EngineResponse>;

const EMPTY = Buffer.alloc(0);

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Runs one request through a node request handler (oidc-provider's `callback()`) without a socket: a real
 * `IncomingMessage` carrying the body, which the engine's own body parser reads (`node-exchange.ts`).
 * `x-forwarded-proto`/`-host` carry the issuer's scheme and host, which the engine trusts (`provider.proxy = true`).
 */
export function injectRequest(handler: NodeHandler, request: EngineRequest): Promise<EngineResponse> {
  const headers: Record<string, string> = { ...request.headers };
  headers.host = request.url.host;
  headers['x-forwarded-proto'] = request.url.protocol.slice(0, -1);
  headers['x-forwarded-host'] = request.url.host;
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  const hasBody = request.body.length > 0 && request.method !== 'GET' && request.method !== 'HEAD';
  return exchange(handler, {
    method: request.method,
    path: `${request.url.pathname}${request.url.search}`,
    headers,
    body: hasBody ? request.body : EMPTY,
    remoteAddress: request.remoteAddress,
  });
}

/** WHATWG `Request` → engine request; a body over `MAX_REQUEST_BODY_BYTES` is not read past the cap. */
export async function fromFetchRequest(request: Request): Promise<EngineRequest> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = request.body === null ? EMPTY : await readCapped(request);
  const base = { method: request.method.toUpperCase(), url: new URL(request.url), headers, remoteAddress: '127.0.0.1' };
  return body === undefined ? { ...base, body: EMPTY, bodyTooLarge: true } : { ...base, body };
}

/** The request's body, or undefined once it is announced or read past the cap (the stream is then cancelled). */
async function readCapped(request: Request): Promise<Buffer | undefined> {
  if (announcesTooLarge(request.headers.get('content-length'))) {
    await request.body?.cancel();
    return undefined;
  }
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    received += chunk.value.length;
    if (received > MAX_REQUEST_BODY_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks, received);
}

/** Engine response → WHATWG `Response`, unchanged: status, every header (each `Set-Cookie`), no body for 204/304/HEAD. */
export function toFetchResponse(response: EngineResponse, method = 'GET'): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const nullBody = response.status === 204 || response.status === 304 || (response.status >= 100 && response.status < 200) || method === 'HEAD';
  return new Response(nullBody ? null : new Uint8Array(response.body), { status: response.status, headers });
}
