/**
 * The `undiciProvider` fixture of `oauth2-testkit/vitest`: a mock provider served to Node's global `fetch` at the
 * dispatcher (`oauth2-testkit/undici`), loaded lazily so a project that never uses it loads nothing of it.
 */
import type { TestContext } from 'vitest';
import { createMockProvider, type MockProvider, type MockProviderOptions } from '../mock-provider/index.js';
import { isLoopbackHost } from '../shared/loopback.js';

/** What the undici fixture adds to a test's context (it reads `mockProviderOptions` from the msw/HTTP fixtures). */
export interface UndiciProviderFixtures {
  /**
   * Test-scoped: a provider with no port (`https://mock-provider.test`) answered in-process at Node's fetch
   * dispatcher, restored and closed after the test. Requests to other non-loopback hosts fail (cause
   * `NETWORK_ERROR`); loopback passes through, so `mockProvider` keeps working in the same test. Guard your own API
   * by nesting `interceptMockProvider(undiciProvider, { origins: [], routes: { [api]: withBearer(undiciProvider, …) } })`.
   */
  undiciProvider: MockProvider;
}

type UndiciFixtureFn = (context: { mockProviderOptions: MockProviderOptions } & TestContext, use: (value: MockProvider) => Promise<void>) => Promise<void>;

/** The shape vitest's `test.extend<UndiciProviderFixtures>()` accepts. */
export type UndiciProviderFixtureDefinitions = { undiciProvider: UndiciFixtureFn };

/**
 * The fixture definition, to `.extend` a `test` that already has `mockProviderOptions` (the ready `test` of
 * `oauth2-testkit/vitest` has both).
 *
 * @example
 * import { test as base, mockProviderFixtures, undiciProviderFixtures } from 'oauth2-testkit/vitest';
 * export const test = base.extend(mockProviderFixtures).extend(undiciProviderFixtures);
 * test('reads the profile', async ({ undiciProvider }) => { await fetch(undiciProvider.resourceUrl); });
 */
export const undiciProviderFixtures: UndiciProviderFixtureDefinitions = {
  undiciProvider: async ({ mockProviderOptions }, use) => {
    const { interceptMockProvider } = await import('../undici/index.js');
    const provider = await createMockProvider(mockProviderOptions);
    const interception = interceptMockProvider(provider, { onUnhandledRequest: (url) => (isLoopbackHost(url.hostname) ? 'bypass' : 'error') });
    try {
      await use(provider);
    } finally {
      interception.restore();
      await provider.close();
    }
  },
};
