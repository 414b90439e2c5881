import { isSecretName, maskSecret } from '../shared/mask.js';

/**
 * One HTTP request the flow sends (the token exchange, the refresh), or what came of it, for a verbose front end.
 * Values under credential names are masked here; the flow's reporter masks the run's secrets in every string.
 */
export type FlowHttpEvent =
  | { kind: 'request'; method: string; url: string; headers: [name: string, value: string][]; body: string }
  | { kind: 'response'; method: string; url: string; status: number; statusText: string; durationMs: number }
  | { kind: 'failed'; method: string; url: string; message: string; durationMs: number };

/** The longest body shown: a token request is a few hundred bytes; anything past this is cut and counted. */
export const MAX_LOGGED_BODY_CHARS = 4096;

/**
 * `fetch` that reports each request when it is sent and its status (or failure) when the answer starts, through
 * `report`. The body is shown as sent, with the values of credential fields (`client_secret`, `code`,
 * `code_verifier`, `refresh_token`, `password`…) and credential headers (`Authorization`…, scheme kept) masked.
 */
export function loggingFetch(fetchImpl: typeof fetch, report: (event: FlowHttpEvent) => void): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const method = request.method;
    const url = request.url;
    const headers = [...request.headers].map(([name, value]): [string, string] => [name, isSecretName(name) ? maskCredential(value) : value]);
    const body = typeof init?.body === 'string' ? maskBody(init.body, request.headers.get('content-type')) : init?.body == null ? '' : '[not text]';
    report({ kind: 'request', method, url, headers, body: cut(body) });
    const started = performance.now();
    try {
      const response = await fetchImpl(input, init);
      report({ kind: 'response', method, url, status: response.status, statusText: response.statusText, durationMs: performance.now() - started });
      return response;
    } catch (error) {
      report({ kind: 'failed', method, url, message: error instanceof Error ? error.message : String(error), durationMs: performance.now() - started });
      throw error;
    }
  };
}

/** `Basic dXNlcjpzZWNyZXQ=` → `Basic dXNl…(20 chars)`: the scheme stays readable. */
function maskCredential(value: string): string {
  const match = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+) (.+)$/.exec(value.trim());
  return match ? `${match[1]} ${maskSecret(match[2])}` : maskSecret(value);
}

function maskBody(body: string, contentType: string | null): string {
  if (contentType?.includes('json')) {
    try {
      return JSON.stringify(maskFields(JSON.parse(body), false, 0));
    } catch {
      return body;
    }
  }
  const form = new URLSearchParams(body);
  if (![...form.keys()].some(isSecretName)) return body;
  const masked = new URLSearchParams();
  for (const [name, value] of form) masked.append(name, isSecretName(name) ? maskSecret(value) : value);
  // The masks stay readable: `…` and parentheses are not percent-encoded for display.
  return masked.toString().replace(/%E2%80%A6%28(\d+)\+chars%29/g, '…($1 chars)');
}

function maskFields(value: unknown, secret: boolean, depth: number): unknown {
  if (typeof value === 'string') return secret ? maskSecret(value) : value;
  if (typeof value !== 'object' || value === null || depth > 20) return value;
  if (Array.isArray(value)) return value.map((item) => maskFields(item, secret, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, key, { value: maskFields(item, secret || isSecretName(key), depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function cut(text: string): string {
  return text.length <= MAX_LOGGED_BODY_CHARS ? text : `${text.slice(0, MAX_LOGGED_BODY_CHARS)}… (${text.length - MAX_LOGGED_BODY_CHARS} more characters)`;
}
