import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineRequest, EngineResponse } from './fetch.js';
import { readRequestBody, RequestBodyTooLargeError } from './request-body.js';

const EMPTY = Buffer.alloc(0);

/**
 * A node server's request → engine request on the issuer's origin: the headers as sent, the body read up to
 * `MAX_REQUEST_BODY_BYTES` (beyond, `bodyTooLarge` and no body: the entry answers 413). Rejects when the client
 * aborts before its body is complete.
 */
export async function fromNodeRequest(req: IncomingMessage, origin: string): Promise<EngineRequest> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const base = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', origin), headers, remoteAddress: req.socket.remoteAddress ?? '127.0.0.1' };
  try {
    return { ...base, body: await readRequestBody(req) };
  } catch (error) {
    if (!(error instanceof RequestBodyTooLargeError)) throw error;
    return { ...base, body: EMPTY, bodyTooLarge: true };
  }
}

/** Writes an engine response on a node server's response: status, every header, the body (none for HEAD). */
export function writeNodeResponse(res: ServerResponse, response: EngineResponse, method: string): void {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (method === 'HEAD') res.end();
  else res.end(response.body);
}
