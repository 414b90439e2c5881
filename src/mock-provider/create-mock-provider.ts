import { createMockProviderInternals } from './build-mock-provider.js';
import { DEFAULT_IN_PROCESS_ISSUER } from './defaults.js';
import type { MockProvider, MockProviderOptions } from './types.js';

/**
 * Creates a mock OAuth 2 provider (oidc-provider underneath) with no listener: serve it in-process with
 * `handle()`/`fetch`, or through msw/nock. `startMockProvider` adds an HTTP listener.
 *
 * Throws `MOCK_PROVIDER` on invalid options or an unreadable state file.
 *
 * @example
 * const provider = await createMockProvider();
 * const tokens = await provider.getTokens();
 * const me = await provider.fetch(provider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export async function createMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  return (await createMockProviderInternals(options, options.issuer ?? DEFAULT_IN_PROCESS_ISSUER)).provider;
}
