import { afterEach, describe, expect, it } from 'vitest';
import { encodeState, RELAY_PATH } from '../../src/flow/authorize-url.js';
import { allowCallbackHosts, isAllowedCallback, startRelayServer } from '../../src/flow/relay.js';
import type { RelayServer } from '../../src/flow/relay.js';

let relay: RelayServer | undefined;
afterEach(async () => {
  await relay?.close();
  relay = undefined;
});

async function hit(query: Record<string, string>, path = RELAY_PATH, isAllowed?: (url: string) => boolean): Promise<Response> {
  relay ??= await startRelayServer(isAllowed ? { isAllowed } : {});
  const url = new URL(path, relay.url);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return fetch(url, { redirect: 'manual' });
}

const stateFor = (callback: string): string => encodeState({ nonce: 'nonce-128-bits-of-it', callback });

describe('isAllowedCallback', () => {
  it.each([
    'https://abcd-1-2-3-4.ngrok-free.app/callback',
    'https://me.ngrok.app/callback',
    'https://me.ngrok.io/callback',
    'https://me.ngrok.dev/callback',
    'https://me.ngrok-free.dev/callback',
    'https://ME.NGROK.APP/callback',
    'http://127.0.0.1:9002/callback',
    'http://localhost:9002/callback',
    'http://[::1]:9002/callback',
    'http://127.0.0.2:9002/callback',
    'https://localhost/callback',
  ])('allows %s', (url) => {
    expect(isAllowedCallback(url)).toBe(true);
  });

  it.each([
    ['userinfo before an ngrok host', 'https://a@me.ngrok.app/callback'],
    ['userinfo before evil', 'https://me.ngrok.app@evil.com/callback'],
    ['an ngrok look-alike suffix', 'https://me.ngrok.io.evil.com/callback'],
    ['an ngrok look-alike prefix', 'https://evilngrok.io/callback'],
    ['the bare ngrok domain', 'https://ngrok.io/callback'],
    ['plain http to ngrok', 'http://me.ngrok.app/callback'],
    ['another host', 'https://evil.com/callback'],
    ['a javascript: URL', 'javascript:alert(1)//me.ngrok.app/callback'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['another path', 'https://me.ngrok.app/steal'],
    ['a callback path with a suffix', 'https://me.ngrok.app/callback/../evil'],
    ['a backslash trick', 'https://me.ngrok.app\\@evil.com/callback'],
    ['a query string', 'https://me.ngrok.app/callback?next=https://evil.com'],
    ['a protocol-relative URL', '//evil.com/callback'],
    ['a non-loopback IP', 'http://10.0.0.1/callback'],
    ['localhost with a trailing dot', 'http://localhost./callback'],
    ['a loopback look-alike', 'http://127.0.0.1.evil.com/callback'],
    ['an address next to loopback', 'http://128.0.0.1/callback'],
    ['not a URL', 'callback'],
  ])('refuses %s', (_label, url) => {
    expect(isAllowedCallback(url)).toBe(false);
  });
});

describe('relay server', () => {
  it('reports its URL and the redirect URL to register', async () => {
    relay = await startRelayServer();
    expect(relay.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(relay.redirectUrl).toBe(relay.url + RELAY_PATH);
  });

  it('relays code and state unchanged to the callback in state', async () => {
    const state = stateFor('https://abcd.ngrok-free.app/callback');
    const response = await hit({ code: 'c0de/+=&x', state, iss: 'https://provider.test', unrelated: 'dropped' });
    expect(response.status).toBe(302);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe('https://abcd.ngrok-free.app/callback');
    // iss (RFC 9207) travels too, so the CLI side can check it against the provider it expects.
    expect(Object.fromEntries(location.searchParams)).toEqual({ code: 'c0de/+=&x', state, iss: 'https://provider.test' });
  });

  it('relays error parameters unchanged', async () => {
    const state = stateFor('http://127.0.0.1:9002/callback');
    const response = await hit({
      state,
      error: 'access_denied',
      error_description: 'The user said "no" & left',
      error_uri: 'https://provider.test/errors?id=1',
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe('http://127.0.0.1:9002/callback');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      state,
      error: 'access_denied',
      error_description: 'The user said "no" & left',
      error_uri: 'https://provider.test/errors?id=1',
    });
  });

  it.each([
    'https://evil.com/callback',
    'https://me.ngrok.io.evil.com/callback',
    'https://evilngrok.io/callback',
    'https://a@evil.com/callback',
    'https://me.ngrok.app@evil.com/callback',
    'javascript:alert(document.domain)',
    'http://me.ngrok.app/callback',
    '//evil.com/callback',
  ])('refuses to redirect to %s and answers 400 instead', async (callback) => {
    const response = await hit({ code: 'c', state: stateFor(callback) });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('not allowed');
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/<a\b/);
  });

  it('uses an injected allow-list', async () => {
    const state = stateFor('https://platform.test/callback');
    expect((await hit({ code: 'c', state }, RELAY_PATH, (url) => url.startsWith('https://platform.test/'))).status).toBe(302);
  });

  it.each([
    ['no state', { code: 'c' }, 'no <code>state</code>'],
    ['an empty state', { code: 'c', state: '' }, 'no <code>state</code>'],
    ['a garbage state', { code: 'c', state: 'not*base64' }, 'not created by'],
    ['a base64url state that is not our JSON', { code: 'c', state: Buffer.from('{"v":2}').toString('base64url') }, 'not created by'],
  ])('answers 400 without a redirect to %s', async (_label, query, why) => {
    const response = await hit(query);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain(why);
  });

  it('answers 404 to other paths', async () => {
    const response = await hit({ state: stateFor('http://127.0.0.1:9002/callback') }, '/callback');
    expect(response.status).toBe(404);
    expect(response.headers.get('location')).toBeNull();
  });

  it('shows the provider error and says the provider dropped state when an error callback has no state', async () => {
    const response = await hit({ error: 'access_denied', error_description: 'User <i>said</i> no' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const page = await response.text();
    expect(page).toContain('<code>access_denied</code>');
    expect(page).toContain('User &lt;i&gt;said&lt;/i&gt; no.');
    expect(page).toMatch(/provider dropped the <code>state<\/code> parameter/);
  });
});

describe('allowCallbackHosts (an explicit allow-list replaces any ngrok host)', () => {
  const allowed = allowCallbackHosts(['My-Team.ngrok.app']);
  it.each([
    ['https://my-team.ngrok.app/callback', true],
    ['http://127.0.0.1:9002/callback', true],
    ['https://someone-else.ngrok-free.app/callback', false],
    ['http://my-team.ngrok.app/callback', false],
    ['https://my-team.ngrok.app/other', false],
    ['https://my-team.ngrok.app/callback?x=1', false],
    ['https://user@my-team.ngrok.app/callback', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(allowed(url)).toBe(expected);
  });

  it('refuses a forged state that points at another tunnel, naming the allow-list', async () => {
    relay = await startRelayServer({ isAllowed: allowed, allowListText: 'https://my-team.ngrok.app/callback or a loopback /callback' });
    const url = new URL(RELAY_PATH, relay.url);
    url.searchParams.set('code', 'victim-code');
    url.searchParams.set('state', stateFor('https://attacker.ngrok-free.app/callback'));
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('https://my-team.ngrok.app/callback or a loopback /callback');
  });
});
