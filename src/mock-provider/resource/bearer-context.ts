import type { MockUser } from '../types.js';
import type { TokenInfo } from './bearer.js';

/** What a bearer-guarded handler receives besides the request: the token's facts and its user. */
export type BearerContext = {
  token: TokenInfo;
  /** The provider's user the token was issued to (`{ id, claims: {} }` if that user is no longer listed). */
  user: MockUser;
};

export interface WithBearerOptions {
  /** Scopes the token must carry (each a valid RFC 6749 scope token); one missing → 403 `insufficient_scope`. */
  requiredScopes?: string[] | undefined;
}

/**
 * The verdict of `provider.verifyBearer()`: the token's facts and its user, or the complete RFC 6750 answer
 * (401 `invalid_token` / 403 `insufficient_scope`, with its `WWW-Authenticate` challenge) to send instead.
 */
export type BearerVerdict = ({ ok: true } & BearerContext) | { ok: false; status: 401 | 403; headers: Record<string, string>; body: string };
