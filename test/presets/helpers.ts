/** Shared steps of the preset tests: a headless authorization, a token request the way a connector sends it. */
import { createUserAgent, type MockProvider } from '../../src/mock-provider/index.js';
import { createPkce } from '../../src/shared/pkce.js';

export const CLIENT = { id: 'mock-client', secret: 'mock-secret', redirectUri: 'http://127.0.0.1/callback' };

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

export async function read(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = Object.fromEntries(new URLSearchParams(text));
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** The authorization step at the preset's authorization endpoint, through `fetchImpl` (global fetch by default). */
export async function authorize(
  provider: MockProvider,
  params: Record<string, string> = {},
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): Promise<{ code: string; verifier: string }> {
  const pkce = createPkce();
  const url = new URL(provider.endpoints.authorization as string);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: CLIENT.id,
    redirect_uri: CLIENT.redirectUri,
    state: 'preset-state',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...params,
  }))
    url.searchParams.set(name, value);
  const result = await createUserAgent({ fetch: fetchImpl }).navigate(url.href, {
    stopAt: (next) => next.origin === 'http://127.0.0.1' && next.pathname === '/callback',
  });
  const code = result.stoppedAt?.searchParams.get('code');
  if (code === null || code === undefined) throw new Error(`no code: ${result.status} ${result.stoppedAt?.search ?? result.url.href}`);
  return { code, verifier: pkce.verifier };
}

export type Auth = 'basic' | 'body';

export async function token(
  provider: MockProvider,
  params: Record<string, string>,
  options: { auth?: Auth; json?: boolean; accept?: string; secret?: string; fetch?: typeof fetch } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.accept !== undefined) headers.accept = options.accept;
  const fields: Record<string, string> = { ...params };
  if ((options.auth ?? 'body') === 'basic')
    headers.authorization = `Basic ${Buffer.from(`${CLIENT.id}:${options.secret ?? CLIENT.secret}`).toString('base64')}`;
  else Object.assign(fields, { client_id: CLIENT.id, client_secret: options.secret ?? CLIENT.secret });
  headers['content-type'] = options.json === true ? 'application/json' : 'application/x-www-form-urlencoded';
  const body = options.json === true ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  return read(await doFetch(provider.endpoints.token as string, { method: 'POST', headers, body }));
}

export async function exchange(provider: MockProvider, grant: { code: string; verifier: string }, options: Parameters<typeof token>[2] = {}): Promise<Answer> {
  return token(provider, { grant_type: 'authorization_code', code: grant.code, redirect_uri: CLIENT.redirectUri, code_verifier: grant.verifier }, options);
}

export async function refresh(provider: MockProvider, refreshToken: string, options: Parameters<typeof token>[2] = {}): Promise<Answer> {
  return token(provider, { grant_type: 'refresh_token', refresh_token: refreshToken }, options);
}
