import { TestkitError } from './errors.js';

/** What goes into an authorization request URL. */
export interface BuildAuthorizeUrlOptions {
  authorizationUrl: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  pkce?: { challenge: string; method: string } | undefined;
  /** Further parameters (e.g. `login_hint`); they never override the ones above. */
  extra?: Record<string, string>;
}

/**
 * Builds the provider's authorization request URL, keeping query parameters already on `authorizationUrl`
 * (`access_type=offline`, `audience`, …). The flow and the mock's headless user agent both use it.
 *
 * Throws `CONFIG_INVALID` (with `details.field: 'authorizationUrl'`) when `authorizationUrl` is not an absolute URL.
 *
 * @example
 * buildAuthorizeUrl({ authorizationUrl: 'https://github.com/login/oauth/authorize', clientId: 'id',
 *   redirectUri: 'https://example.com/cb', scopes: ['repo'], state }).href
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export function buildAuthorizeUrl(options: BuildAuthorizeUrlOptions): URL {
  let url: URL;
  try {
    url = new URL(options.authorizationUrl);
  } catch (error) {
    throw new TestkitError('CONFIG_INVALID', `oauth2.authorizationUrl "${options.authorizationUrl}" is not an absolute URL. Fix it in the config.`, {
      cause: error,
      details: { field: 'authorizationUrl' },
    });
  }
  const params = url.searchParams;
  params.set('response_type', 'code');
  params.set('client_id', options.clientId);
  params.set('redirect_uri', options.redirectUri);
  // RFC 6749 §3.3: scope is space-delimited; an empty one is omitted so the provider applies its default.
  if (options.scopes.length > 0) params.set('scope', options.scopes.join(' '));
  else params.delete('scope');
  params.set('state', options.state);
  if (options.pkce) {
    params.set('code_challenge', options.pkce.challenge);
    params.set('code_challenge_method', options.pkce.method);
  }
  for (const [key, value] of Object.entries(options.extra ?? {})) if (!params.has(key)) params.set(key, value);
  return url;
}
