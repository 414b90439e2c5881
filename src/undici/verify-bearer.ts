import type { MockProvider } from '../mock-provider/index.js';
import { checkBearer, type BearerResult } from '../mock-provider/resource/bearer.js';
import type { WithBearerOptions } from '../mock-provider/resource/bearer-context.js';

/**
 * The provider's bearer check for one `Authorization` header: the one seam `withBearer` goes through, so it can be
 * pointed at a `provider.verifyBearer(...)` once the provider exposes one.
 */
export function verifyBearer(provider: MockProvider, authorization: string | undefined, options: WithBearerOptions = {}): Promise<BearerResult> {
  return checkBearer({
    authorization,
    lookup: (token) => provider.lookupAccessToken(token),
    ...(options.requiredScopes === undefined ? {} : { requiredScopes: options.requiredScopes }),
  });
}
