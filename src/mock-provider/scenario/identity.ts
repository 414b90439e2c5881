import { checkBearer, type TokenInfo } from '../resource/bearer.js';
import type { MockUser } from '../types.js';
import type { IdentityEndpoint } from './dimensions.js';
import { expand, userContext } from './template.js';

/**
 * An identity call a connector makes after login (`quirks.endpoints.identity`): the token's mock user in the
 * provider's shape, or the provider's own answer to a missing, unknown, expired or revoked token.
 */
export async function answerIdentity(
  endpoint: IdentityEndpoint,
  request: { authorization: string | undefined; pathname: string; issuer: string },
  deps: { lookup: (token: string) => Promise<TokenInfo | undefined>; users: () => readonly MockUser[] },
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const authorization = endpoint.tokenIn === 'path' ? `Bearer ${decodeURIComponent(request.pathname.split('/').pop() ?? '')}` : request.authorization;
  const verdict = await checkBearer({ authorization, lookup: deps.lookup });
  const json = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
  if (!verdict.ok) {
    const empty = endpoint.invalid.body === null;
    return {
      status: endpoint.invalid.status,
      headers: { ...(empty ? { 'cache-control': 'no-store' } : json), ...(endpoint.invalid.headers ?? {}) },
      body: empty ? '' : JSON.stringify(expand(endpoint.invalid.body, {})),
    };
  }
  const user = deps.users().find((candidate) => candidate.id === verdict.token.accountId) ?? { id: verdict.token.accountId, claims: {} };
  const context = {
    user: userContext(user),
    issuer: request.issuer,
    client_id: verdict.token.clientId,
    scope: verdict.token.scopes.join(' '),
    scopes: verdict.token.scopes,
    expires_in: Math.max(verdict.token.expiresAt - Math.floor(Date.now() / 1000), 0),
  };
  return { status: 200, headers: json, body: JSON.stringify(expand(endpoint.body, context)) };
}
