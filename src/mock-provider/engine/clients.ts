import type { ClientMetadata } from 'oidc-provider';
import { MockProviderOptionsError } from '../options-error.js';
import { DEFAULT_REDIRECT_URIS, DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD } from '../defaults.js';
import type { MockClient, MockClientOptions } from '../types.js';
import { isLoopbackHost } from '../../shared/loopback.js';

/**
 * Validates a client declaration and fills its defaults. Throws {@link MockProviderOptionsError} on a bad one (never
 * echoing the secret); `at` prefixes the option path (`clients[0]` from createMockProvider, empty from registerClient).
 */
export function normalizeClient(options: MockClientOptions, at = ''): MockClient {
  const option = (name: string): string => (at === '' ? name : `${at}.${name}`);
  if (typeof options.clientId !== 'string' || options.clientId === '') {
    throw new MockProviderOptionsError(option('clientId'), 'A mock client needs a non-empty clientId.');
  }
  const method = options.tokenEndpointAuthMethod ?? (options.clientSecret === undefined ? 'none' : DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD);
  if (method !== 'none' && (typeof options.clientSecret !== 'string' || options.clientSecret === '')) {
    throw new MockProviderOptionsError(
      option('clientSecret'),
      `Mock client ${options.clientId} uses ${method} but has no clientSecret; pass one or use tokenEndpointAuthMethod 'none'.`,
    );
  }
  const redirectUris = options.redirectUris ?? [...DEFAULT_REDIRECT_URIS];
  if (!Array.isArray(redirectUris) || redirectUris.length === 0) {
    throw new MockProviderOptionsError(
      option('redirectUris'),
      `Mock client ${options.clientId} needs at least one redirect URI (or none given, for the loopback defaults).`,
    );
  }
  for (const uri of redirectUris) {
    const parsed = URL.parse(uri);
    if (parsed === null || uri.includes('#')) {
      throw new MockProviderOptionsError(
        option('redirectUris'),
        `Mock client ${options.clientId} has an invalid redirect URI ${JSON.stringify(uri)}: use an absolute URI without fragment.`,
      );
    }
  }
  for (const scope of options.scopes ?? []) {
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) {
      throw new MockProviderOptionsError(
        option('scopes'),
        `Mock client ${options.clientId} declares an invalid scope ${JSON.stringify(scope)} (RFC 6749 §3.3).`,
      );
    }
  }
  return {
    clientId: options.clientId,
    ...(method === 'none' ? {} : { clientSecret: options.clientSecret }),
    redirectUris: [...redirectUris],
    scopes: [...(options.scopes ?? [])],
    tokenEndpointAuthMethod: method,
  };
}

/** oidc-provider metadata of a client. No `scope` allow-list: like most providers, any known scope may be asked for. */
export function clientMetadata(client: MockClient): ClientMetadata {
  return {
    client_id: client.clientId,
    ...(client.clientSecret === undefined ? {} : { client_secret: client.clientSecret }),
    redirect_uris: client.redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    application_type: 'web',
    // The OpenID Connect default, which clients assume unless they register another.
    id_token_signed_response_alg: 'RS256',
  };
}

/** `uri` without its port when it is an `http` loopback URI, else undefined. */
function loopbackWithoutPort(uri: string): string | undefined {
  const parsed = URL.parse(uri);
  if (parsed === null || parsed.protocol !== 'http:' || !isLoopbackHost(parsed.hostname)) return undefined;
  parsed.port = '';
  return parsed.href;
}

/**
 * Exact redirect URI match, except that an `http` loopback URI matches a registered one on any port — the rule
 * RFC 8252 §7.3 sets for native apps, which local callback servers on OS-picked ports need. Hosts still match
 * exactly: `localhost` is not `127.0.0.1`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export function redirectUriAllowed(registered: readonly string[], value: string): boolean {
  if (registered.includes(value)) return true;
  const withoutPort = loopbackWithoutPort(value);
  return withoutPort !== undefined && registered.some((uri) => loopbackWithoutPort(uri) === withoutPort);
}
