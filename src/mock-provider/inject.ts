import type { IncomingMessage, ServerResponse } from 'node:http';
import { inject } from 'light-my-request';
import { setKnownRequestBody } from './request-body.js';
import { INTERNAL_REQUEST, SENT_HEADERS, type TaggedRequest } from './dispatch.js';

/** A request as the scenario layer sees it, whichever transport it came from. */
export interface EngineRequest {
  method: string;
  /** Absolute URL (the issuer's origin + path and query). */
  url: URL;
  /** Lower-case names; repeated headers joined with `, ` (cookies with `; `). */
  headers: Record<string, string>;
  body: Buffer;
  remoteAddress: string;
}

/** A complete response: every header kept, `set-cookie` as a list. */
export interface EngineResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const EMPTY = Buffer.alloc(0);

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Runs one request through a node request handler (oidc-provider's `callback()`) without a socket.
 * `x-forwarded-proto`/`-host` carry the issuer's scheme and host, which the engine trusts (`provider.proxy = true`).
 * The scenario layer records the headers as given here; `internal` marks a sub-request of the scenario layer
 * itself, which it lets through unrecorded.
 */
export async function injectRequest(handler: NodeHandler, request: EngineRequest, options: { internal?: boolean } = {}): Promise<EngineResponse> {
  const headers: Record<string, string> = { ...request.headers };
  headers.host = request.url.host;
  headers['x-forwarded-proto'] = request.url.protocol.slice(0, -1);
  headers['x-forwarded-host'] = request.url.host;
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  const hasBody = request.body.length > 0 && request.method !== 'GET' && request.method !== 'HEAD';
  const tagged = (req: IncomingMessage, res: ServerResponse): void => {
    const target = req as TaggedRequest;
    target[SENT_HEADERS] = request.headers;
    if (options.internal === true) target[INTERNAL_REQUEST] = true;
    setKnownRequestBody(req, hasBody ? request.body : EMPTY);
    handler(req, res);
  };
  const result = await inject(tagged, {
    method: request.method as 'GET',
    url: `${request.url.pathname}${request.url.search}`,
    headers,
    remoteAddress: request.remoteAddress,
    ...(hasBody ? { payload: request.body } : {}),
  });
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return { status: result.statusCode, headers: out, body: result.rawPayload };
}

/** WHATWG `Request` → engine request. */
export async function fromFetchRequest(request: Request): Promise<EngineRequest> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = request.body === null ? Buffer.alloc(0) : Buffer.from(await request.arrayBuffer());
  return { method: request.method.toUpperCase(), url: new URL(request.url), headers, body, remoteAddress: '127.0.0.1' };
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
