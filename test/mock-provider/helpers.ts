import type { MockProvider } from '../../src/mock-provider/index.js';
import { createMockProvider, startMockProvider } from '../../src/mock-provider/index.js';
import type { MockProviderOptions } from '../../src/mock-provider/types.js';

export type Transport = 'http' | 'in-process';
export const TRANSPORTS: Transport[] = ['http', 'in-process'];

/** A provider over the given transport, plus the fetch that reaches it (global fetch over real HTTP, or `provider.fetch`). */
export async function providerFor(transport: Transport, options: MockProviderOptions = {}): Promise<{ provider: MockProvider; fetch: typeof fetch }> {
  if (transport === 'http') {
    const provider = await startMockProvider(options);
    return { provider, fetch: globalThis.fetch };
  }
  const provider = await createMockProvider(options);
  return { provider, fetch: provider.fetch };
}

export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

export interface TokenCall {
  status: number;
  json: Record<string, unknown>;
  headers: Headers;
}

/** POSTs a form to the token endpoint (client_secret_basic unless `auth` is null). */
export async function tokenRequest(
  fetchFn: typeof fetch,
  provider: MockProvider,
  params: Record<string, string>,
  auth: { clientId: string; secret: string } | null = { clientId: 'mock-client', secret: 'mock-secret' },
  url = provider.tokenUrl,
): Promise<TokenCall> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (auth !== null) headers.authorization = basic(auth.clientId, auth.secret);
  const response = await fetchFn(url, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

export async function refresh(fetchFn: typeof fetch, provider: MockProvider, refreshToken: string): Promise<TokenCall> {
  return tokenRequest(fetchFn, provider, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

export async function callResource(
  fetchFn: typeof fetch,
  provider: MockProvider,
  token: string,
  query = '',
): Promise<{ status: number; body: Record<string, unknown>; challenge: string | null }> {
  const response = await fetchFn(`${provider.resourceUrl}${query}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, challenge: response.headers.get('www-authenticate') };
}
