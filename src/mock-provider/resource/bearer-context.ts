import type { MockProvider, MockUser } from '../types.js';
import type { TokenInfo } from './bearer.js';

/** What a bearer-guarded handler receives besides the request: the token's facts and its user. */
export type BearerContext = {
  token: TokenInfo;
  /** The provider's user the token was issued to (`{ id, claims: {} }` if that user is no longer listed). */
  user: MockUser;
};

export interface WithBearerOptions {
  /** Scopes the token must carry (each a valid RFC 6749 scope token); one missing → 403 `insufficient_scope`. */
  requiredScopes?: string[];
}

/** The context for a token `checkBearer` accepted. Shared by the msw and nock adapters' `withBearer`. */
export function bearerContext(provider: MockProvider, token: TokenInfo): BearerContext {
  const user = provider.users.find((candidate) => candidate.id === token.accountId) ?? { id: token.accountId, claims: {} };
  return { token, user };
}
