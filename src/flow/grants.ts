import type { OAuth2Settings } from './types.js';

/** RFC 7523 §2.1: the JWT bearer grant's `grant_type`. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * The values of `oauth2.grantType` the flow runs (the platform's list). The config schema refuses any other.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 */
export const GRANT_TYPES = ['authorization_code', 'client_credentials', 'password', JWT_BEARER_GRANT] as const;

export type GrantType = (typeof GRANT_TYPES)[number];

/** The grants that need no browser: no callback server, tunnel or authorize URL, and no `authorizationUrl`. */
export const GRANTS_WITHOUT_BROWSER: readonly GrantType[] = ['client_credentials', 'password', JWT_BEARER_GRANT];

/** The authorization's grant type; `authorization_code` when the config sets none. */
export function grantTypeOf(settings: Pick<OAuth2Settings, 'grantType'>): GrantType {
  return settings.grantType ?? 'authorization_code';
}

/** True for the grants that send the user to a browser (only the authorization code grant). */
export function usesBrowser(grantType: GrantType): boolean {
  return !GRANTS_WITHOUT_BROWSER.includes(grantType);
}

/** A short name for messages: `jwt-bearer` for the URN, the value itself otherwise. */
export function grantLabel(grantType: string): string {
  return grantType === JWT_BEARER_GRANT ? 'jwt-bearer' : grantType;
}
