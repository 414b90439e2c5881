import type { MockGrantType } from '../types.js';

/**
 * Every grant type a mock client may declare. Kept apart from `clients.ts` (which uses the engine's types) so the
 * published declarations that export it need no typings for oidc-provider.
 */
export const GRANT_TYPES: readonly MockGrantType[] = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'password',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
];
