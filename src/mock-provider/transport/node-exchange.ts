import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** What {@link exchange} collected from the handler: status, headers as set, the body written. */
export interface CollectedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * Runs one request through a node request handler (oidc-provider's `callback()`) with a real `IncomingMessage`
 * carrying `body` and a real `ServerResponse` whose writes are collected: no socket I/O and no timers
 * (no `setImmediate`), so it works under `vi.useFakeTimers()` with vitest's default `toFake`.
 */
export function exchange(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  request: { method: string; path: string; headers: Record<string, string>; body: Buffer; remoteAddress: string },
): Promise<CollectedResponse> {
  // An unconnected socket: it only answers `remoteAddress` (Koa's ctx.ip) and opens nothing.
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: request.remoteAddress });
  const req = new IncomingMessage(socket);
  req.method = request.method;
  req.url = request.path;
  req.headers = { ...request.headers };
  if (request.body.length > 0) req.headers['content-length'] = String(request.body.length);
  req.rawHeaders = Object.entries(req.headers).flatMap(([name, value]) => [name, String(value)]);
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  if (request.body.length > 0) req.push(request.body);
  req.push(null);
  // Its whole body is there: once read, the request is not "aborted" (which would destroy the socket and make
  // every stream-finished listener build a premature-close error).
  req.complete = true;

  const res = new ServerResponse(req);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const collect = (chunk: unknown, encoding: unknown): void => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    };
    res.write = ((chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
      collect(chunk, encoding);
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(done as () => void);
      return true;
    }) as ServerResponse['write'];
    res.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse => {
      collect(chunk, encoding);
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(res.getHeaders())) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
      }
      resolve({ status: res.statusCode, headers, body: Buffer.concat(chunks) });
      const done = typeof chunk === 'function' ? chunk : typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(done as () => void);
      res.emit('finish');
      return res;
    }) as ServerResponse['end'];
    try {
      handler(req, res);
    } catch (error) {
      reject(error);
    }
  });
}
