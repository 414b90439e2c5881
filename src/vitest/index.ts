/**
 * `oauth2-testkit/vitest`: a ready `test` with mock provider fixtures, and the fixture definitions to extend
 * one's own. Imports vitest; msw only when an msw fixture is used; never nock.
 */
import { test as baseTest } from 'vitest';
import { mockProviderFixtures, type MockProviderFixtures } from './fixtures.js';
import { undiciProviderFixtures, type UndiciProviderFixtures } from './undici-fixtures.js';

export { mockProviderFixtures } from './fixtures.js';
export type { MockProviderFixtureDefinitions, MockProviderFixtures } from './fixtures.js';
export { undiciProviderFixtures } from './undici-fixtures.js';
export type { UndiciProviderFixtureDefinitions, UndiciProviderFixtures } from './undici-fixtures.js';

/**
 * vitest's `test` with the fixtures `mockProviderOptions`, `mockProvider` (HTTP, per test), `mswServer` (per
 * file, handlers reset after each test by the automatic `mswResetHandlers`), `mswProvider` (per test, through
 * msw), `undiciProvider` (per test, at Node's fetch dispatcher) and `tokens` (per test, from `mockProvider`; `test.override('tokens', ({ mswProvider }) => mswProvider.getTokens())`
 * to take them from the msw provider instead).
 *
 * @example
 * import { test } from 'oauth2-testkit/vitest';
 * test('reads the profile', async ({ mockProvider, tokens, expect }) => {
 *   const response = await fetch(mockProvider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
 *   expect(response.status).toBe(200);
 * });
 * describe('with short-lived tokens', () => {
 *   test.override({ mockProviderOptions: { accessTokenTtl: 60 } });
 * });
 */
export const test = baseTest.extend<MockProviderFixtures>(mockProviderFixtures).extend<UndiciProviderFixtures>(undiciProviderFixtures);
