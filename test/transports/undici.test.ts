import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockProvider, MAX_REQUEST_BODY_BYTES, type MockProvider, type MockProviderOptions, type RawRequest } from '../../src/mock-provider/index.js';
import {
  interceptMockProvider,
  withBearer,
  type DispatchHandler,
  type DispatchOptions,
  type Dispatcher,
  type InterceptOptions,
  type UndiciInterception,
} from '../../src/undici/index.js';
import { test as fixtureTest } from '../../src/vitest/index.js';
import { API, describeSharedRuns, type TransportAdapter } from './shared.js';

const SLOT = Symbol.for('undici.globalDispatcher.1');
type Slot = Record<symbol, Dispatcher | undefined>;
const slot = globalThis as unknown as Slot;

let provider: MockProvider | undefined;
let interception: UndiciInterception | undefined;
const listeners = new Set<(url: string) => void>();
const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  interception?.restore();
  interception = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  listeners.clear();
  await provider?.close();
  provider = undefined;
});

/** Installs (or reinstalls, keeping the slot's previous dispatcher) the interception of `target` with these options. */
function install(target: MockProvider, options: InterceptOptions = {}): UndiciInterception {
  interception?.restore();
  const observed = {
    issuer: target.issuer,
    handle: (request: Request) => {
      for (const listener of listeners) listener(request.url);
      return target.handle(request);
    },
    // A stand-in with only handle() (the tests' hand-made answers) goes the WHATWG way, a provider the raw way.
    ...(typeof target.handleRaw === 'function' && {
      handleRaw: (request: RawRequest) => {
        for (const listener of listeners) listener(String(request.url));
        return target.handleRaw(request);
      },
    }),
  };
  interception = interceptMockProvider(observed, { onUnhandledRequest: 'error', ...options });
  return interception;
}

async function serve(options: MockProviderOptions = {}): Promise<MockProvider> {
  provider = await createMockProvider({ scopes: ['read:issues', 'write:issues'], ...options });
  install(provider);
  return provider;
}

const undiciAdapter = {
  name: 'undici',
  serve,
  guardIssues(target: MockProvider) {
    install(target, {
      routes: {
        [API]: withBearer(
          target,
          ({ request, user, token }) =>
            new URL(request.url).pathname === '/issues'
              ? Response.json({ owner: user.id, scopes: token.scopes, name: user.claims.name })
              : new Response('not found', { status: 404 }),
          { requiredScopes: ['read:issues'] },
        ),
      },
    });
  },
  observe(onRequest: (url: string) => void) {
    listeners.add(onRequest);
    return () => listeners.delete(onRequest);
  },
  otherOriginCause: /onUnhandledRequest: 'error'/,
} as unknown as TransportAdapter; // shared.ts names only msw and nock; the adapter contract is the same

describeSharedRuns(undiciAdapter, 'interceptMockProvider');

/** A user dispatcher that answers every request with `text` and counts what it saw. */
function fakeDispatcher(text: string): Dispatcher & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    dispatch(options: DispatchOptions, handler: DispatchHandler) {
      seen.push(`${options.method} ${String(options.origin)}${options.path}`);
      queueMicrotask(() => {
        handler.onConnect?.(() => {});
        handler.onHeaders?.(200, [Buffer.from('content-type'), Buffer.from('text/plain')], () => {}, 'OK');
        handler.onData?.(Buffer.from(text));
        handler.onComplete?.([]);
      });
      return true;
    },
  };
}

/** Puts `dispatcher` in the slot for this test and the original back afterwards. */
function useDispatcher(dispatcher: Dispatcher): void {
  const before = slot[SLOT];
  slot[SLOT] = dispatcher;
  cleanups.push(() => {
    slot[SLOT] = before;
  });
}

describe('interceptMockProvider at the dispatcher only', () => {
  it('passes requests for other origins to the previous dispatcher when onUnhandledRequest is bypass', async () => {
    const user = fakeDispatcher('from the user dispatcher');
    useDispatcher(user);
    const served = await createMockProvider();
    provider = served;
    interception = interceptMockProvider(served);
    expect(await (await fetch('https://elsewhere.test/x?y=1')).text()).toBe('from the user dispatcher');
    expect((await fetch(served.jwksUrl)).status).toBe(200);
    expect(user.seen).toEqual(['GET https://elsewhere.test/x?y=1']);
  });

  it('refuses other origins with a NETWORK_ERROR cause when onUnhandledRequest is error, and asks a function per URL', async () => {
    const user = fakeDispatcher('through');
    useDispatcher(user);
    const served = await createMockProvider();
    provider = served;
    interception = interceptMockProvider(served, { onUnhandledRequest: (url) => (url.hostname === 'allowed.test' ? 'bypass' : 'error') });
    expect(await (await fetch('https://allowed.test/')).text()).toBe('through');
    const error = await fetch('https://denied.test/secret-path?token=abc').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    const cause = (error as TypeError).cause as { code: string; message: string };
    expect(cause.code).toBe('NETWORK_ERROR');
    expect(cause.message).toContain('GET https://denied.test/secret-path');
    expect(cause.message).not.toContain('token=abc');
    expect(user.seen).toEqual(['GET https://allowed.test/']);
  });

  it("sends every origin given in origins (what presets add) to the provider's handle()", async () => {
    const seen: string[] = [];
    const presetLike = {
      issuer: 'https://login.preset.test',
      handle: async (request: Request) => {
        seen.push(request.url);
        return new Response('ok');
      },
    };
    interception = interceptMockProvider(presetLike, {
      origins: ['https://login.preset.test', 'https://api.preset.test/ignored-path'],
      onUnhandledRequest: 'error',
    });
    expect(interception.origins).toEqual(['https://login.preset.test', 'https://api.preset.test']);
    expect(await (await fetch('https://api.preset.test/v1/me')).text()).toBe('ok');
    expect(await (await fetch('https://login.preset.test/oauth/token', { method: 'POST' })).text()).toBe('ok');
    expect(seen).toEqual(['https://api.preset.test/v1/me', 'https://login.preset.test/oauth/token']);
  });

  it('restores exactly the dispatcher it replaced, idempotently, and through using', async () => {
    const user = fakeDispatcher('user');
    useDispatcher(user);
    const served = await createMockProvider();
    provider = served;
    {
      using inner = interceptMockProvider(served);
      expect(slot[SLOT]).toBe(inner.dispatcher);
    }
    expect(slot[SLOT]).toBe(user);
    const handle = interceptMockProvider(served);
    handle.restore();
    handle.restore();
    expect(slot[SLOT]).toBe(user);
  });

  it('nests two interceptions and restores them in either order', async () => {
    const user = fakeDispatcher('user');
    useDispatcher(user);
    const first = await createMockProvider({ issuer: 'https://first.test' });
    const second = await createMockProvider({ issuer: 'https://second.test' });
    cleanups.push(
      () => first.close(),
      () => second.close(),
    );
    const outer = interceptMockProvider(first);
    const inner = interceptMockProvider(second);
    expect((await fetch(`${first.issuer}/jwks`)).status).toBe(200);
    expect((await fetch(`${second.issuer}/jwks`)).status).toBe(200);
    outer.restore(); // out of order: unlinked from under `inner`
    expect(slot[SLOT]).toBe(inner.dispatcher);
    expect(await (await fetch(`${first.issuer}/jwks`)).text()).toBe('user');
    expect((await fetch(`${second.issuer}/jwks`)).status).toBe(200);
    inner.restore();
    expect(slot[SLOT]).toBe(user);
  });

  it('refuses to restore under a foreign dispatcher installed later, with what to do, and restores once it is gone', async () => {
    const served = await createMockProvider();
    provider = served;
    const handle = interceptMockProvider(served);
    const before = slot[SLOT];
    const foreign = fakeDispatcher('foreign');
    slot[SLOT] = foreign;
    expect(() => handle.restore()).toThrow(
      expect.objectContaining({ code: 'MOCK_PROVIDER', message: expect.stringContaining('Put that dispatcher back first') }),
    );
    slot[SLOT] = before;
    handle.restore();
    expect(slot[SLOT]).not.toBe(handle.dispatcher);
  });

  it('lets a user dispatcher installed on top delegate to it', async () => {
    const served = await createMockProvider();
    provider = served;
    const handle = interceptMockProvider(served, { onUnhandledRequest: 'error' });
    const seen: string[] = [];
    slot[SLOT] = {
      dispatch: (options, handler) => {
        seen.push(options.path);
        return handle.dispatcher.dispatch(options, handler);
      },
    };
    expect((await fetch(served.jwksUrl)).status).toBe(200);
    expect(seen).toEqual(['/jwks']);
    slot[SLOT] = handle.dispatcher; // the user takes theirs off first, then restores ours
    handle.restore();
  });

  const bodies: [string, () => BodyInit, RequestInit?][] = [
    ['a string', () => 'grant_type=client_credentials&scope=openid'],
    ['a Uint8Array', () => new TextEncoder().encode('grant_type=client_credentials&scope=openid')],
    ['a Buffer', () => Buffer.from('grant_type=client_credentials&scope=openid')],
    ['URLSearchParams', () => new URLSearchParams({ grant_type: 'client_credentials', scope: 'openid' })],
    [
      'a ReadableStream',
      () => Readable.toWeb(Readable.from([Buffer.from('grant_type=client_'), Buffer.from('credentials&scope=openid')])) as ReadableStream,
      { duplex: 'half' } as RequestInit,
    ],
    ['a Blob', () => new Blob(['grant_type=client_credentials&scope=openid'])],
  ];
  it.each(bodies)('hands the engine a request body given as %s intact, through handleRaw', async (_name, body, extra) => {
    const served = await serve();
    const seen: string[] = [];
    install({
      issuer: served.issuer,
      handle: () => Promise.reject(new Error('handle() is not the way in')),
      handleRaw: async (request: RawRequest) => {
        seen.push(Buffer.from(request.body ?? '').toString());
        return served.handleRaw(request);
      },
    } as unknown as MockProvider);
    const response = await fetch(served.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body(), ...extra });
    expect(await response.json()).toMatchObject({ error: expect.any(String) }); // no client authentication: the engine read the body and answered
    expect(seen).toEqual(['grant_type=client_credentials&scope=openid']);
  });

  it.each(bodies)('hands a provider with only handle() a request body given as %s intact', async (_name, body, extra) => {
    const served = await serve();
    const seen: string[] = [];
    install({
      issuer: served.issuer,
      handle: async (request: Request) => {
        seen.push(await request.clone().text());
        return served.handle(request);
      },
    } as unknown as MockProvider);
    await fetch(served.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body(), ...extra });
    expect(seen).toEqual(['grant_type=client_credentials&scope=openid']);
  });

  it('hands the engine FormData as multipart whose content-type names the boundary of its body, on both paths', async () => {
    const served = await serve();
    const seen: string[] = [];
    const read = async (body: BodyInit | null, contentType: string | null): Promise<void> => {
      seen.push(String((await new Response(body, { headers: { 'content-type': contentType ?? '' } }).formData()).get('scope')));
    };
    install({
      issuer: served.issuer,
      handle: async (request: Request) => {
        await read(await request.arrayBuffer(), request.headers.get('content-type'));
        return new Response(null, { status: 204 });
      },
    } as MockProvider);
    const form = new FormData();
    form.set('scope', 'openid read:issues');
    expect((await fetch(served.tokenUrl, { method: 'POST', body: form })).status).toBe(204);
    install({
      issuer: served.issuer,
      handleRaw: async (request: RawRequest) => {
        await read(new Uint8Array(Buffer.from(request.body ?? '')), String(request.headers?.['content-type']));
        return { status: 204, headers: {}, body: Buffer.alloc(0) };
      },
    } as unknown as MockProvider);
    expect((await fetch(served.tokenUrl, { method: 'POST', body: form })).status).toBe(204);
    expect(seen).toEqual(['openid read:issues', 'openid read:issues']);
  });

  it('passes a bypassed FormData body on without the content-type only fetch knows the boundary of', async () => {
    const served = await createMockProvider();
    provider = served;
    const seen: { body: unknown; headers: Record<string, unknown> }[] = [];
    useDispatcher({
      dispatch(options, handler) {
        seen.push({ body: options.body, headers: { ...(options.headers as Record<string, unknown>) } });
        return fakeDispatcher('elsewhere').dispatch(options, handler);
      },
    });
    interception = interceptMockProvider(served);
    const form = new FormData();
    form.set('a', 'b');
    expect(await (await fetch('https://elsewhere.test/upload', { method: 'POST', body: form })).text()).toBe('elsewhere');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.body).toBeInstanceOf(FormData);
    expect(Object.keys(seen[0]?.headers ?? {}).map((name) => name.toLowerCase())).not.toContain('content-type');
  });

  it('answers 413 to a body over 1 MiB, and stops reading a stream at the cap', async () => {
    const served = await serve();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const big = await fetch(served.tokenUrl, { method: 'POST', headers: form, body: `grant_type=client_credentials&x=${'a'.repeat(MAX_REQUEST_BODY_BYTES)}` });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: 'invalid_request' });
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024).fill(97);
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += chunk.length;
          controller.enqueue(chunk);
        },
      },
      { highWaterMark: 0 },
    );
    const streamed = await fetch(served.tokenUrl, { method: 'POST', headers: form, body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(pulled).toBeLessThan(2 * MAX_REQUEST_BODY_BYTES);
  });

  it('answers a real provider through handleRaw: no WHATWG Request or Response in between', async () => {
    const served = await createMockProvider();
    provider = served;
    const raw: string[] = [];
    interception = interceptMockProvider(
      {
        issuer: served.issuer,
        handle: () => Promise.reject(new Error('handle() is not the way in')),
        handleRaw: (request) => {
          raw.push(`${request.method} ${String(request.url)}`);
          return served.handleRaw(request);
        },
      },
      { onUnhandledRequest: 'error' },
    );
    const response = await fetch(served.jwksUrl, { headers: [['accept', 'application/json']] });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
    expect(raw).toEqual([`GET ${served.jwksUrl}`]);
  });

  it.each([
    ['HEAD', 200],
    ['GET', 204],
    ['GET', 304],
  ] as const)('gives fetch no body for %s with status %i even when the handler returns one', async (method, status) => {
    const served = await serve();
    install({ issuer: served.issuer, handle: async () => new Response(status === 200 ? 'ignored' : null, { status }) } as unknown as MockProvider);
    const response = await fetch(served.issuer, { method });
    expect(response.status).toBe(status);
    expect(await response.text()).toBe('');
  });

  it.each([
    ['HEAD', 200],
    ['GET', 204],
    ['GET', 205],
    ['GET', 304],
  ] as const)('gives fetch no body for %s with status %i from handleRaw even when it returns one', async (method, status) => {
    const served = await serve();
    install({ issuer: served.issuer, handleRaw: async () => ({ status, headers: {}, body: Buffer.from('ignored') }) } as unknown as MockProvider);
    const response = await fetch(served.issuer, { method });
    expect(response.status).toBe(status);
    expect(await response.text()).toBe('');
  });

  it('hands fetch each Set-Cookie of a handleRaw answer as its own header line, and non-ASCII header values as HTTP would', async () => {
    const served = await serve();
    install({
      issuer: served.issuer,
      handleRaw: async () => ({ status: 200, headers: { 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'], 'x-note': 'café' }, body: Buffer.from('ok') }),
    } as unknown as MockProvider);
    const response = await fetch(served.issuer);
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(response.headers.get('x-note')).toBe('café');
    expect(await response.text()).toBe('ok');
  });

  it('leaves redirects to fetch: followed by default, handed back with redirect manual', async () => {
    const served = await serve();
    install({
      issuer: served.issuer,
      handle: async (request: Request) =>
        new URL(request.url).pathname === '/from'
          ? new Response(null, { status: 302, headers: { location: '/to' } })
          : new Response(`at ${new URL(request.url).pathname}`),
    } as unknown as MockProvider);
    expect(await (await fetch(`${served.issuer}/from`)).text()).toBe('at /to');
    const manual = await fetch(`${served.issuer}/from`, { redirect: 'manual' });
    expect([manual.status, manual.headers.get('location')]).toEqual([302, '/to']);
  });

  it('rejects with AbortError when the signal aborts while the engine is answering, and never answers after', async () => {
    const served = await serve();
    let release: (() => void) | undefined;
    let answered = false;
    install({
      issuer: served.issuer,
      handle: () =>
        new Promise<Response>((resolve) => {
          release = () => {
            answered = true;
            resolve(new Response('late'));
          };
        }),
    } as unknown as MockProvider);
    const controller = new AbortController();
    const pending = fetch(served.issuer, { signal: controller.signal });
    await vi_waitFor(() => release !== undefined);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    release?.();
    expect(answered).toBe(true);
  });

  it('reports an engine failure as a network error whose cause names the request and keeps the original error', async () => {
    const served = await serve();
    const boom = new Error('engine exploded');
    install({
      issuer: served.issuer,
      handle: async () => {
        throw boom;
      },
    } as unknown as MockProvider);
    const error = await fetch(`${served.tokenUrl}?code=secret-code`, { method: 'POST', body: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    const cause = (error as TypeError).cause as Error & { code: string };
    expect(cause.code).toBe('MOCK_PROVIDER');
    expect(cause.message).toContain('POST https://mock-provider.test/token: engine exploded');
    expect(cause.message).not.toContain('secret-code');
    expect(cause.cause).toBe(boom);
  });

  it('refuses to install on a Node whose bundled undici is not 6.x (Node 24: undici 7), saying what to use instead', async () => {
    const served = await createMockProvider();
    provider = served;
    const original = Object.getOwnPropertyDescriptor(process.versions, 'undici');
    Object.defineProperty(process.versions, 'undici', { ...original, value: '7.10.0' });
    try {
      const before = slot[SLOT];
      expect(() => interceptMockProvider(served)).toThrow(
        expect.objectContaining({ code: 'MOCK_PROVIDER', message: expect.stringContaining('bundles undici 7.10.0') }),
      );
      expect(slot[SLOT]).toBe(before);
    } finally {
      if (original !== undefined) Object.defineProperty(process.versions, 'undici', original);
    }
  });

  it('refuses an undici 7+ handler (onResponseStart…) instead of never answering it', async () => {
    const served = await createMockProvider();
    provider = served;
    interception = interceptMockProvider(served);
    expect(() => interception?.dispatcher.dispatch({ origin: served.issuer, path: '/jwks', method: 'GET' }, { onResponseStart: () => {} })).toThrow(
      expect.objectContaining({ code: 'MOCK_PROVIDER', message: expect.stringContaining('undici 7+ handler') }),
    );
  });

  it('answers 10,000 requests from the engine with no MaxListenersExceededWarning', async () => {
    const served = await serve();
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    cleanups.push(() => {
      process.off('warning', onWarning);
    });
    let ok = 0;
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 10_000 / 20; i += 1) {
        const response = await fetch(served.jwksUrl);
        await response.arrayBuffer();
        if (response.status === 200) ok += 1;
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(ok).toBe(10_000);
    expect(warnings.filter((name) => name === 'MaxListenersExceededWarning')).toEqual([]);
  }, 120_000);
});

/** Waits (microtask/immediate turns, no timers) until `condition()` holds. */
async function vi_waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

describe('the undiciProvider vitest fixture', () => {
  let fixtureDispatcher: Dispatcher | undefined;
  fixtureTest('serves the provider at the dispatcher, refuses other hosts and keeps loopback HTTP reachable', async ({ undiciProvider, mockProvider }) => {
    fixtureDispatcher = slot[SLOT];
    const discovery = await fetch(`${undiciProvider.issuer}/.well-known/openid-configuration`);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe('https://mock-provider.test');
    expect((await fetch(mockProvider.jwksUrl)).status).toBe(200);
    const error = await fetch('https://elsewhere.test/').catch((caught: unknown) => caught);
    expect(((error as TypeError).cause as { code: string }).code).toBe('NETWORK_ERROR');
  });

  fixtureTest('restored the dispatcher after the previous test', () => {
    expect(fixtureDispatcher).toBeDefined();
    expect(slot[SLOT]).not.toBe(fixtureDispatcher);
  });

  fixtureTest('guards the user API with withBearer nested over the fixture', async ({ undiciProvider }) => {
    const tokens = await undiciProvider.getTokens({ scope: 'openid' });
    using _routes = interceptMockProvider(undiciProvider, {
      origins: [],
      routes: { [API]: withBearer(undiciProvider, ({ user }) => Response.json({ owner: user.id })) },
    });
    expect((await fetch(`${API}/issues`)).status).toBe(401);
    const ok = await fetch(`${API}/issues`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await ok.json()).toEqual({ owner: 'mock-user' });
    expect((await fetch(undiciProvider.jwksUrl)).status).toBe(200);
  });
});
