import { TestkitError } from '../shared/errors.js';

/** Path of the platform's relay route that every provider redirects to (see DESIGN.md, "The redirect contract"). */
export const RELAY_PATH = '/credentials/new/oauth2/callback-cli';

/** Platform origins per `--environment`; the relay lives at `origin + RELAY_PATH`. */
const PLATFORM_ORIGINS = {
  production: 'https://integrations-platform.unito.io',
  staging: 'https://integrations-platform.staging.unito.io',
  local: 'http://localhost:9000',
} as const;

/** Known values of `--environment`, in the order they are listed to the user. */
export const ENVIRONMENTS = Object.keys(PLATFORM_ORIGINS) as ReadonlyArray<keyof typeof PLATFORM_ORIGINS>;

export { createPkce } from '../shared/pkce.js';
export type { Pkce } from '../shared/pkce.js';
export { buildAuthorizeUrl } from '../shared/authorize-request.js';
export type { BuildAuthorizeUrlOptions } from '../shared/authorize-request.js';
export { createState, decodeState, encodeState } from './state.js';
export type { StatePayload } from './state.js';

/**
 * The platform's callback-cli URL for an `--environment`; this is the redirect URL registered with the provider.
 *
 * Throws `USAGE` for an unknown environment, listing the known ones.
 *
 * @example
 * platformRedirectUrl('production') // 'https://integrations-platform.unito.io/credentials/new/oauth2/callback-cli'
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 */
export function platformRedirectUrl(environment: string): string {
  if (!Object.hasOwn(PLATFORM_ORIGINS, environment)) {
    throw new TestkitError('USAGE', `Unknown --environment "${environment}". Use one of: ${ENVIRONMENTS.join(', ')}.`, {
      details: { environment, known: [...ENVIRONMENTS] },
    });
  }
  return PLATFORM_ORIGINS[environment as keyof typeof PLATFORM_ORIGINS] + RELAY_PATH;
}
