/**
 * The four ways a test can reach (the four the README lists) the mock provider, behind one interface so the contract suite runs the same
 * scenarios on each. Only one interception library may patch `fetch` at a time: msw and nock are loaded and
 * switched on in `setup()` and switched off in `teardown()`, so running the transports one after another
 * (never interleaved) keeps them apart.
 */
import { setupServer, type SetupServer } from 'msw/node';
import {
  connectMockProvider,
  createMockProvider,
  startMockProvider,
  type Endpoint,
  type FaultSpec,
  type MockProvider,
  type MockProviderOptions,
  type RecordedRequest,
} from '../../src/mock-provider/index.js';
import { mockProviderHandlers } from '../../src/msw/index.js';

/** The scenario controls a contract scenario uses: the handle's own, or the same over the control API. */
export interface Controls {
  failNext(endpoint: Endpoint, fault: FaultSpec): Promise<void>;
  expireAccessTokens(): Promise<void>;
  revokeRefreshTokens(): Promise<void>;
  requests(): Promise<readonly RecordedRequest[]>;
  clearRequests(): Promise<void>;
}

/** The in-process handle's controls. */
function handleControls(provider: MockProvider): Controls {
  return {
    failNext: async (endpoint, fault) => provider.failNext(endpoint, fault),
    expireAccessTokens: () => provider.expireAccessTokens(),
    revokeRefreshTokens: () => provider.revokeRefreshTokens(),
    requests: async () => provider.requests,
    clearRequests: async () => provider.clearRequests(),
  };
}

export interface Transport {
  name: 'http' | 'in-process' | 'msw' | 'nock' | 'undici' | 'http+control';
  /** The scenario controls for a provider this transport serves. */
  controls(provider: MockProvider): Controls;
  /** Once before the transport's scenarios. */
  setup(): Promise<void>;
  /** A fresh provider served by this transport; the client reaches it with plain global `fetch`. */
  serve(options: MockProviderOptions): Promise<MockProvider>;
  /** After each scenario: stop serving and close the provider. */
  release(provider: MockProvider): Promise<void>;
  /** Once after the transport's scenarios: restore `fetch`. */
  teardown(): Promise<void>;
}

/** `startMockProvider` on 127.0.0.1: real sockets, the issuer is `http://127.0.0.1:<port>`. */
export const httpTransport: Transport = {
  name: 'http',
  controls: handleControls,
  async setup() {},
  serve: (options) => startMockProvider(options),
  release: (provider) => provider.close(),
  async teardown() {},
};

let realFetch: typeof fetch | undefined;

/**
 * `createMockProvider` served in-process by `provider.fetch` (which goes through `handle()`): while a scenario runs,
 * `globalThis.fetch` sends the provider's URLs to `provider.fetch` and anything else to the real fetch (not to
 * `provider.fetch`, which would hand a foreign URL back to `globalThis.fetch`, that is, to itself).
 */
export const inProcessTransport: Transport = {
  name: 'in-process',
  controls: handleControls,
  async setup() {
    realFetch = globalThis.fetch;
  },
  async serve(options) {
    const provider = await createMockProvider(options);
    const real = realFetch ?? globalThis.fetch;
    // The issuer's origin, and a preset's endpoints at their real URLs.
    globalThis.fetch = async (input, init) => {
      const request = new Request(input, init);
      return provider.serves(request.url) ? provider.fetch(request) : real(request);
    };
    return provider;
  },
  async release(provider) {
    if (realFetch) globalThis.fetch = realFetch;
    await provider.close();
  },
  async teardown() {
    if (realFetch) globalThis.fetch = realFetch;
    realFetch = undefined;
  },
};

let server: SetupServer | undefined;

/** `createMockProvider` (`https://mock-provider.test`) answered by `mockProviderHandlers` on an msw server. */
export const mswTransport: Transport = {
  name: 'msw',
  controls: handleControls,
  async setup() {
    server = setupServer();
    server.listen({ onUnhandledFrame: 'error' });
  },
  async serve(options) {
    const provider = await createMockProvider(options);
    server?.use(...mockProviderHandlers(provider));
    return provider;
  },
  async release(provider) {
    server?.resetHandlers();
    await provider.close();
  },
  async teardown() {
    server?.close();
    server = undefined;
  },
};

type Nock = typeof import('nock').default;
let nockModule: Nock | undefined;

/**
 * `createMockProvider` answered by `interceptMockProvider`. nock patches `fetch` as soon as it is imported, so it
 * is imported here, lazily, and deactivated with `nock.restore()` afterwards.
 */
export const nockTransport: Transport = {
  name: 'nock',
  controls: handleControls,
  async setup() {
    const nock = (await import('nock')).default;
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
    nockModule = nock;
  },
  async serve(options) {
    const { interceptMockProvider } = await import('../../src/nock/index.js');
    const provider = await createMockProvider(options);
    interceptMockProvider(provider);
    return provider;
  },
  async release(provider) {
    nockModule?.cleanAll();
    await provider.close();
  },
  async teardown() {
    nockModule?.enableNetConnect();
    nockModule?.restore();
    nockModule = undefined;
  },
};

let interception: { restore(): void } | undefined;

/** `createMockProvider` answered by `oauth2-testkit/undici`'s `interceptMockProvider` at Node's global dispatcher; nothing else reachable. */
export const undiciTransport: Transport = {
  name: 'undici',
  controls: handleControls,
  async setup() {},
  async serve(options) {
    const { interceptMockProvider } = await import('../../src/undici/index.js');
    const provider = await createMockProvider(options);
    interception = interceptMockProvider(provider, { onUnhandledRequest: 'error' });
    return provider;
  },
  async release(provider) {
    interception?.restore();
    interception = undefined;
    await provider.close();
  },
  async teardown() {},
};

/**
 * `startMockProvider({ control: true })` driven only through `connectMockProvider`: every scenario control goes
 * over the control API, as a test beside `integration-cli mock-provider` in another process would.
 */
export const remoteControlTransport: Transport = {
  name: 'http+control',
  controls(provider) {
    if (provider.control === undefined) throw new Error('the provider was started without control');
    return connectMockProvider(provider.issuer, { controlToken: provider.control.token });
  },
  async setup() {},
  serve: (options) => startMockProvider({ ...options, control: true }),
  release: (provider) => provider.close(),
  async teardown() {},
};

/** In the order the suite runs them: nock last, since it is the one that patches on import. */
export const transports: readonly Transport[] = [httpTransport, remoteControlTransport, inProcessTransport, mswTransport, undiciTransport, nockTransport];
