/**
 * Fixture definitions of `oauth2-testkit/vitest`. msw is loaded lazily, inside the fixtures that need it, so a
 * project without msw can still use `mockProvider` and `tokens`; nock is never loaded.
 */
import type { SetupServer } from 'msw/node';
import type { TestContext } from 'vitest';
import {
  createMockProvider,
  startMockProvider,
  type GetTokensOptions,
  type MockProvider,
  type MockProviderOptions,
  type TokenResponse,
} from '../mock-provider/index.js';
import { isLoopbackHost } from '../shared/loopback.js';

/** What the fixtures add to a test's context. */
export interface MockProviderFixtures {
  /**
   * Options for `mockProvider` and `mswProvider` (default `{}`). Test-scoped: override it for a file or a
   * `describe` with `test.override({ mockProviderOptions: {...} })`, or for a whole project with vitest's
   * `provide: { mockProviderOptions: {...} }` (the fixture is `injected`).
   */
  mockProviderOptions: MockProviderOptions;
  /** Test-scoped: a provider over real HTTP on 127.0.0.1 (`startMockProvider`), closed after the test. */
  mockProvider: MockProvider;
  /**
   * File-scoped: an msw server, listening from the first test that uses it to the end of the file, with
   * handlers reset after each test. Unhandled requests error, except to loopback hosts (so `mockProvider`
   * keeps working in the same file).
   */
  mswServer: SetupServer;
  /** Test-scoped: a provider with no port (`https://mock-provider.test`) served through `mswServer`, closed after the test. */
  mswProvider: MockProvider;
  /** Test-scoped, automatic: after every test, resets `mswServer`'s handlers if a test of this file started it (`server.use()` additions never leak into the next test). */
  mswResetHandlers: undefined;
  /**
   * Options of the `getTokens()` call behind `tokens` (default `{}`: the code flow). Point it at a grant with
   * `test.override({ tokensOptions: { grantType: 'client_credentials' } })`, or `provide` it (`injected`).
   */
  tokensOptions: GetTokensOptions;
  /** Test-scoped: a fresh token set from `mockProvider` (`getTokens(tokensOptions)`); override it to take one from `mswProvider`. */
  tokens: TokenResponse;
}

type FixtureFn<K extends keyof MockProviderFixtures> = (
  context: Omit<MockProviderFixtures, K> & TestContext,
  use: (value: MockProviderFixtures[K]) => Promise<void>,
) => Promise<void>;

/** vitest's `FixtureOptions` (not exported by vitest). */
interface FixtureOptions {
  auto?: boolean;
  injected?: boolean;
  scope?: 'test' | 'file' | 'worker';
}

/** The shape vitest's `test.extend<MockProviderFixtures>()` accepts (vitest does not export its `Fixtures` type). */
export type MockProviderFixtureDefinitions = {
  [K in keyof MockProviderFixtures]: FixtureFn<K> | MockProviderFixtures[K] | [FixtureFn<K> | MockProviderFixtures[K], FixtureOptions];
};

/** The msw server of the current test file (modules are isolated per file), for `mswResetHandlers`. */
let fileServer: SetupServer | undefined;

/**
 * The fixture definitions, to `.extend` one's own `test` with (see {@link MockProviderFixtures} for each
 * fixture's scope).
 *
 * @example
 * import { test as base } from 'vitest';
 * import { mockProviderFixtures, type MockProviderFixtures } from 'oauth2-testkit/vitest';
 * export const test = base.extend<MockProviderFixtures>(mockProviderFixtures).extend<{ api: Api }>({ api: async ({ tokens }, use) => use(new Api(tokens)) });
 */
export const mockProviderFixtures: MockProviderFixtureDefinitions = {
  mockProviderOptions: [{}, { injected: true }],
  mockProvider: async ({ mockProviderOptions }, use) => {
    const provider = await startMockProvider(mockProviderOptions);
    try {
      await use(provider);
    } finally {
      await provider.close();
    }
  },
  mswServer: [
    async ({}, use) => {
      const { setupServer } = await import('msw/node');
      const server = setupServer();
      server.listen({
        onUnhandledFrame: async ({ frame, defaults }) => {
          const request = (frame.data as { request?: Request }).request;
          const url = request === undefined ? undefined : new URL(request.url);
          if (url !== undefined && isLoopbackHost(url.hostname)) return;
          await defaults.error();
          // msw 3's defaults.error() only prints; throwing a network-error Response is what fails the request
          // (fetch rejects with a TypeError) instead of letting it through to the network.
          throw Response.error();
        },
      });
      fileServer = server;
      try {
        await use(server);
      } finally {
        fileServer = undefined;
        server.close();
      }
    },
    { scope: 'file' },
  ],
  mswProvider: async ({ mswServer, mockProviderOptions }, use) => {
    const { mockProviderHandlers } = await import('../msw/index.js');
    const provider = await createMockProvider(mockProviderOptions);
    mswServer.use(...mockProviderHandlers(provider));
    try {
      await use(provider);
    } finally {
      mswServer.resetHandlers();
      await provider.close();
    }
  },
  mswResetHandlers: [
    async ({}, use) => {
      await use(undefined);
      fileServer?.resetHandlers();
    },
    { auto: true },
  ],
  tokensOptions: [{}, { injected: true }],
  tokens: async ({ mockProvider, tokensOptions }, use) => {
    await use(await mockProvider.getTokens(tokensOptions));
  },
};
