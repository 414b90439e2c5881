/**
 * The control API (`{issuer}/_testkit/`) of a started provider: authentication, input errors, what it never
 * touches (discovery, the recording, engine paths), the inspector's cookie and CSRF guard, reset and close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CONTROL_PREFIX,
  connectMockProvider,
  createMockProvider,
  type MockProvider,
  MockProviderOptionsError,
  ROUTES,
  startMockProvider,
} from '../../src/mock-provider/index.js';
import { INTERACTION_PREFIX } from '../../src/mock-provider/routes.js';
import { MAX_REQUEST_BODY_BYTES } from '../../src/mock-provider/transport/request-body.js';

let provider: MockProvider | undefined;
afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

async function started(token?: string): Promise<MockProvider & { control: { url: string; token: string } }> {
  provider = await startMockProvider({ control: token === undefined ? true : { token } });
  return provider as MockProvider & { control: { url: string; token: string } };
}

function post(url: string, token: string | undefined, body?: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

describe('control API', () => {
  it('is off unless asked for, refused in-process, and its prefix is no engine path', async () => {
    provider = await startMockProvider();
    expect(provider.control).toBeUndefined();
    expect((await fetch(`${provider.issuer}${CONTROL_PREFIX}/health`)).status).toBe(404);
    await expect(createMockProvider({ control: true })).rejects.toBeInstanceOf(MockProviderOptionsError);
    await expect(startMockProvider({ control: { token: 'has space' } })).rejects.toMatchObject({ option: 'control.token' });
    for (const path of [...Object.values(ROUTES), INTERACTION_PREFIX]) expect(path.startsWith(CONTROL_PREFIX)).toBe(false);
  });

  it('wants the control token (401 otherwise) except for health, and keeps out of discovery and the recording', async () => {
    const { control, issuer } = await started();
    expect(control.url).toBe(`${issuer}/_testkit/`);
    expect(control.token).toMatch(/^[\w-]{43}$/);
    const health = await fetch(`${control.url}health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, issuer });
    for (const token of [undefined, 'wrong', `${control.token}x`]) {
      const refused = await post(`${control.url}expire-access-tokens`, token);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect((await refused.json()).error).toBe('invalid_token');
    }
    expect((await post(`${control.url}expire-access-tokens`, control.token)).status).toBe(200);
    const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).text();
    expect(discovery).not.toContain('_testkit');
    const requests = (await (await fetch(`${control.url}requests`, { headers: { authorization: `Bearer ${control.token}` } })).json()).requests as {
      path: string;
    }[];
    expect(requests.map((request) => request.path)).toEqual(['/.well-known/openid-configuration']);
  });

  it('answers bad input with a 400 naming the field, unknown routes 404, oversized bodies 413', async () => {
    const { control } = await started('a-chosen-token');
    const cases: [string, unknown, RegExp][] = [
      ['fail-next', { endpoint: 'tokens', fault: 500 }, /^endpoint: must be one of/],
      ['fail-next', { endpoint: 'token' }, /^fault: is required/],
      ['fail-next', { endpoint: 'token', fault: { status: 429, retryAfter: -1 } }, /^fault: .*retryAfter/],
      ['fail-next', { endpoint: 'token', fault: 500, times: 0 }, /^times: /],
      ['fail-next', { endpoint: 'token', fault: 500, extra: 1 }, /^extra: unknown field/],
      ['clients', { clientId: 'c', redirectUris: ['not a uri'] }, /^redirectUris: /],
      ['users', { claims: {} }, /^id: /],
      ['tokens', { clientId: 'nobody' }, /^clientId: no client "nobody"/],
      ['tokens', { scope: 5 }, /^scope: must be a non-empty string/],
      ['reset', '{not json', /^body: not JSON/],
      ['reset', [1], /^body: the body must be a JSON object/],
    ];
    for (const [route, body, says] of cases) {
      const response = await post(`${control.url}${route}`, control.token, body);
      expect(response.status, route).toBe(400);
      const answer = await response.json();
      expect(answer.error).toBe('invalid_request');
      expect(answer.error_description).toMatch(says);
    }
    expect((await post(`${control.url}nothing-here`, control.token)).status).toBe(404);
    expect((await post(`${control.url}requests`, control.token)).status).toBe(405);
    expect((await post(`${control.url}reset`, control.token, `"${'x'.repeat(MAX_REQUEST_BODY_BYTES)}"`)).status).toBe(413);
  });

  it('registers users and clients, gets tokens for them, and reset goes back to the start', async () => {
    const { control, issuer, resourceUrl } = await started();
    const remote = connectMockProvider(control.url, { controlToken: control.token });
    expect(remote.issuer).toBe(issuer);
    await remote.registerClient({ clientId: 'second', clientSecret: 'second-secret-value', scopes: ['read:issues'] });
    expect(await remote.registerUser({ id: 'alice', claims: { email: 'alice@example.com' } })).toEqual({ id: 'alice', claims: { email: 'alice@example.com' } });
    const tokens = await remote.getTokens({ clientId: 'second', user: 'alice', scope: 'read:issues' });
    const me = await fetch(resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await me.json()).toMatchObject({ sub: 'alice', email: 'alice@example.com' });
    await remote.failNext('token', 503, { times: Infinity });
    await remote.reset();
    expect(await remote.requests()).toEqual([]);
    expect((await fetch(resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
    expect(provider?.clients.map((client) => client.clientId)).toEqual(['mock-client']);
    expect(provider?.users.map((user) => user.id)).toEqual(['mock-user']);
    await expect(remote.getTokens({ clientId: 'second' })).rejects.toMatchObject({ code: 'MOCK_PROVIDER', details: { status: 400 } });
    expect((await remote.getTokens()).access_token).toEqual(expect.any(String));
    await expect(connectMockProvider(issuer, { controlToken: 'wrong' }).reset()).rejects.toMatchObject({ details: { status: 401, error: 'invalid_token' } });
  });

  it('inspector: ?token= becomes an HttpOnly SameSite=Strict cookie; forms need the CSRF token', async () => {
    const { control } = await started();
    expect((await fetch(control.url)).status).toBe(401);
    expect((await fetch(`${control.url}?token=wrong`, { redirect: 'manual' })).status).toBe(401);
    const swap = await fetch(`${control.url}?token=${encodeURIComponent(control.token)}`, { redirect: 'manual' });
    expect(swap.status).toBe(303);
    expect(swap.headers.get('location')).toBe('/_testkit/');
    const setCookie = swap.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/; Path=\/_testkit; HttpOnly; SameSite=Strict/);
    const cookie = setCookie.split(';')[0] ?? '';
    const page = await fetch(control.url, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
    const html = await page.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csrf).not.toBe('');
    const form = (body: string) =>
      fetch(`${control.url}fail-next`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect((await form('endpoint=token&fault=503')).status).toBe(403);
    expect((await form('csrf=nope&endpoint=token&fault=503')).status).toBe(403);
    const queued = await form(`csrf=${encodeURIComponent(csrf)}&endpoint=token&fault=503`);
    expect(queued.status).toBe(303);
    expect(queued.headers.get('location')).toBe('/_testkit/?done=fail-next');
    expect((await fetch(provider?.tokenUrl ?? '', { method: 'POST' })).status).toBe(503);
    // The cookie alone does not open the JSON API to another page's fetch: a POST without the CSRF token is refused.
    expect((await fetch(`${control.url}reset`, { method: 'POST', headers: { cookie } })).status).toBe(403);
  });

  it('close() lets a request in flight finish (a pending delay ends, the engine still answers)', async () => {
    const { control, tokenUrl } = await started();
    const remote = connectMockProvider(control.url, { controlToken: control.token });
    await remote.failNext('token', { delayMs: 600_000 });
    const inFlight = fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    for (let i = 0; i < 1000 && (await remote.requests()).length === 0; i += 1) await new Promise((resolve) => setImmediate(resolve));
    const closing = provider?.close();
    const response = await inFlight;
    // The engine's own answer to this client-less request (not a cut connection, not the fault).
    expect(response.status).toBe(400);
    expect((await response.json()).error).toBe('invalid_request');
    await closing;
  });
});
