import type { IncomingMessage, ServerResponse } from 'node:http';

/** One served request, for a request log: the path never carries the query (codes and state stay out). */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
}

/** Calls `log` once `res` is sent (or the connection closed), with the request's method, path, status and time. */
export function logWhenSent(req: IncomingMessage, res: ServerResponse, log: (entry: RequestLogEntry) => void): void {
  const started = performance.now();
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  res.once('close', () => log({ method, path, status: res.statusCode, durationMs: performance.now() - started }));
}
