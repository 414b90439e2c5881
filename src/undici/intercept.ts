import { TestkitError } from '../shared/errors.js';
import type { MockProvider } from '../mock-provider/index.js';
import type { DispatchHandler, DispatchOptions, Dispatcher } from './dispatch-types.js';
import { answer, answerRaw, type Answerer } from './answer.js';
import { toHeaderRecord } from './to-request.js';
import type { RouteHandler } from './with-bearer.js';

/** The slot Node 22's bundled undici (6.x) reads the global dispatcher from. */
export const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
/** Marks our dispatchers (a global symbol, so two copies of this module recognise each other's). */
const STATE = Symbol.for('oauth2-testkit.undici.interception');

/** What to do with a request for an origin neither the provider nor a route serves. */
export type UnhandledRequestStrategy = 'bypass' | 'error' | ((url: URL) => 'bypass' | 'error');

export interface InterceptOptions {
  /** Origins answered by the provider in-process (default: the issuer's origin). Presets add the origins they serve. */
  origins?: readonly string[];
  /** The user's own API, by origin: each gets every request for that origin (wrap it in `withBearer` to guard it). */
  routes?: Readonly<Record<string, RouteHandler>>;
  /** `'bypass'` (default): to the previous dispatcher. `'error'`: fetch rejects (cause `NETWORK_ERROR`), like msw's. */
  onUnhandledRequest?: UnhandledRequestStrategy;
}

/** An installed interception; `restore()` (or leaving a `using` block) puts back the dispatcher it replaced. */
export interface UndiciInterception {
  /** The dispatcher now in the global slot, to hand to `fetch(url, { dispatcher })` or wrap in one's own. */
  readonly dispatcher: Dispatcher;
  /** Every origin served in-process (provider and routes). */
  readonly origins: readonly string[];
  /** Puts back what was there. Idempotent. Throws `MOCK_PROVIDER` when a foreign dispatcher installed later still sits on top. */
  restore(): void;
  [Symbol.dispose](): void;
}

interface InterceptorState {
  previous: Dispatcher | undefined;
}

type Slot = Record<symbol, Dispatcher | undefined>;
const slot = globalThis as unknown as Slot;

/**
 * Serves `provider` (and `options.routes`) to Node's global `fetch` in-process, at undici's dispatcher: requests for
 * the provider's origins go to `provider.handleRaw()` with no socket and no `Request`/`Response` in between
 * (`provider.handle()` for an object without `handleRaw`); everything else goes to the dispatcher that was
 * installed before (`'bypass'`) or fails (`'error'`). Redirects are left to fetch; abort signals end the request with
 * fetch's `AbortError`; an engine failure reaches fetch as a network error (`TypeError: fetch failed`) whose `cause`
 * is a `MOCK_PROVIDER` error. Interceptions nest; restore them in any order.
 *
 * Throws `MOCK_PROVIDER` on a Node whose bundled undici is not 6.x (Node 24 bundles undici 7, with a new handler
 * API): use the msw, nock or HTTP transport there.
 *
 * @example
 * using interception = interceptMockProvider(provider, { onUnhandledRequest: 'error' });
 * const response = await fetch(provider.tokenUrl, { method: 'POST', body: form }); // answered in-process
 * @see https://undici.nodejs.org/#/docs/api/Dispatcher
 */
export function interceptMockProvider(
  provider: Pick<MockProvider, 'issuer' | 'handle'> & Partial<Pick<MockProvider, 'serves' | 'handleRaw'>>,
  options: InterceptOptions = {},
): UndiciInterception {
  assertSupportedUndici();
  const providerOrigins = new Set((options.origins ?? [provider.issuer]).map(toOrigin));
  const routes = new Map(Object.entries(options.routes ?? {}).map(([origin, handler]) => [toOrigin(origin), handler] as const));
  const unhandled = options.onUnhandledRequest ?? 'bypass';
  const state: InterceptorState = { previous: currentDispatcher() };

  // A preset's endpoints at their real URLs (provider.serves), unless `origins` says exactly what to serve.
  const servesPreset = (url: URL): boolean => options.origins === undefined && provider.serves?.(url) === true;
  // A provider with handleRaw (every real one) is answered without WHATWG objects in between; `handle` stays the way
  // for a provider-like object that has only it, and for the user's routes (which take a Request).
  const toProvider: Answerer =
    provider.handleRaw === undefined
      ? (origin, dispatchOptions, handler) => answer((request) => provider.handle(request), origin, dispatchOptions, handler)
      : (origin, dispatchOptions, handler) =>
          answerRaw((request) => (provider.handleRaw as MockProvider['handleRaw'])(request), origin, dispatchOptions, handler);
  const serve = (origin: string, path: string): Answerer | undefined => {
    if (providerOrigins.has(origin) || servesPreset(new URL(path, origin))) return toProvider;
    const route = routes.get(origin);
    return route === undefined ? undefined : (origin, dispatchOptions, handler) => answer(route, origin, dispatchOptions, handler);
  };

  const dispatcher: Dispatcher & { [STATE]: InterceptorState; isMockActive: true } = {
    [STATE]: state,
    // What undici's fetch asks of a mock dispatcher (MockAgent has it too): it then hands `dispatch` the body as given
    // (a string, Uint8Array, Blob or FormData; a stream only for a stream) instead of a stream to read back.
    isMockActive: true,
    dispatch(dispatchOptions: DispatchOptions, handler: DispatchHandler): boolean {
      assertLegacyHandler(handler);
      const given = dispatchOptions.origin;
      // fetch passes the URL's origin, already in the form the sets hold: no URL parse for that.
      const origin = typeof given === 'string' && (providerOrigins.has(given) || routes.has(given)) ? given : toOrigin(given ?? '');
      const answerer = serve(origin, dispatchOptions.path);
      if (answerer !== undefined) {
        void answerer(origin, dispatchOptions, handler);
        return true;
      }
      const url = new URL(dispatchOptions.path, origin);
      const strategy = typeof unhandled === 'function' ? unhandled(url) : unhandled;
      if (strategy === 'bypass' && state.previous !== undefined) return state.previous.dispatch(forBypass(dispatchOptions), handler);
      handler.onError?.(
        new TestkitError(
          'NETWORK_ERROR',
          strategy === 'bypass'
            ? `No dispatcher to pass ${dispatchOptions.method} ${url.origin}${url.pathname} to: the global dispatcher slot was empty when the interception was installed.`
            : `No mock answers ${dispatchOptions.method} ${url.origin}${url.pathname}: the undici interception refuses unhandled requests (onUnhandledRequest: 'error'). Add the origin to \`origins\` or \`routes\`, or pass onUnhandledRequest: 'bypass'.`,
        ),
      );
      return true;
    },
    close: async () => {},
    destroy: async () => {},
  };

  slot[GLOBAL_DISPATCHER] = dispatcher;
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    unlink(dispatcher, state, provider.issuer);
    restored = true;
  };
  return { dispatcher, origins: [...providerOrigins, ...routes.keys()], restore, [Symbol.dispose]: restore };
}

/**
 * What the previous dispatcher gets. As a mock dispatcher we receive fetch's FormData itself, whose content-type
 * names fetch's boundary; undici's client serialises FormData with a boundary of its own and sends it only when no
 * content-type is set, so that header goes.
 */
function forBypass(options: DispatchOptions): DispatchOptions {
  if (!(options.body instanceof FormData)) return options;
  const headers = toHeaderRecord(options.headers);
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
  return { ...options, headers };
}

/** Takes `dispatcher` out of the chain: from the slot when it is on top, or from under another interception of ours. */
function unlink(dispatcher: Dispatcher, state: InterceptorState, issuer: string): void {
  let node = slot[GLOBAL_DISPATCHER];
  if (node === dispatcher) {
    slot[GLOBAL_DISPATCHER] = state.previous;
    return;
  }
  while (node !== undefined) {
    const above = stateOf(node);
    if (above === undefined) break;
    if (above.previous === dispatcher) {
      above.previous = state.previous;
      return;
    }
    node = above.previous;
  }
  throw new TestkitError(
    'MOCK_PROVIDER',
    `Cannot restore the undici interception of ${issuer}: the global dispatcher was replaced after it was installed (setGlobalDispatcher, a MockAgent, another library) and that dispatcher does not lead back to it. Put that dispatcher back first, then call restore() again.`,
  );
}

function stateOf(dispatcher: Dispatcher): InterceptorState | undefined {
  return (dispatcher as { [STATE]?: InterceptorState })[STATE];
}

/**
 * The dispatcher in the slot now. Node's bundled undici loads, and fills the slot with its default Agent, on the
 * first `fetch` call: a `data:` fetch (no network) does that when nothing has fetched yet, so bypassed requests
 * have somewhere to go.
 */
function currentDispatcher(): Dispatcher | undefined {
  if (slot[GLOBAL_DISPATCHER] === undefined) {
    fetch('data:,')
      .then(
        (response) => response.arrayBuffer(),
        () => undefined,
      )
      .catch(() => undefined);
  }
  return slot[GLOBAL_DISPATCHER];
}

function assertSupportedUndici(): void {
  const version = process.versions.undici;
  const major = version === undefined ? undefined : Number(version.split('.')[0]);
  if (major !== undefined && major !== 6) {
    throw new TestkitError(
      'MOCK_PROVIDER',
      `oauth2-testkit/undici supports the undici that Node 22 bundles (6.x); this Node (${process.version}) bundles undici ${version}, whose dispatcher handler API is different, so nothing would be intercepted. Use oauth2-testkit/msw, oauth2-testkit/nock or startMockProvider() (HTTP) on this Node.`,
    );
  }
}

function assertLegacyHandler(handler: DispatchHandler): void {
  if (typeof handler.onHeaders !== 'function' && handler.onResponseStart !== undefined) {
    throw new TestkitError(
      'MOCK_PROVIDER',
      'The undici interception received an undici 7+ handler (onResponseStart…): this fetch comes from an undici newer than the 6.x Node 22 bundles. Use oauth2-testkit/msw, oauth2-testkit/nock or startMockProvider() (HTTP) with it.',
    );
  }
}

function toOrigin(value: string | URL): string {
  try {
    return new URL(value).origin;
  } catch (cause) {
    throw new TestkitError(
      'MOCK_PROVIDER',
      `The undici interception got an invalid origin ${JSON.stringify(String(value))}; pass absolute URLs such as https://api.example.test.`,
      { cause },
    );
  }
}
