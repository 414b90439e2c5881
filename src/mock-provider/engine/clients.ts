import { createPublicKey, type JsonWebKeyInput } from 'node:crypto';
import { GRANT_TYPES } from './grant-types.js';
import type { ClientMetadata } from 'oidc-provider';
import { MockProviderOptionsError } from '../options-error.js';
import { DEFAULT_REDIRECT_URIS, DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD } from '../defaults.js';
import type { MockClient, MockClientOptions, MockGrantType, MockJwks } from '../types.js';
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
  const grantTypes = normalizeGrantTypes(options, method, option('grantTypes'));
  const keys = normalizeKeys(options, grantTypes, option);
  return {
    clientId: options.clientId,
    ...(method === 'none' ? {} : { clientSecret: options.clientSecret }),
    redirectUris: [...redirectUris],
    scopes: [...(options.scopes ?? [])],
    tokenEndpointAuthMethod: method,
    grantTypes,
    ...keys,
  };
}

/** Grants whose tokens come with a refresh token: declaring one declares `refresh_token` too. */
const REFRESHING_GRANTS: ReadonlySet<string> = new Set(['authorization_code', 'password', 'urn:ietf:params:oauth:grant-type:jwt-bearer']);

function normalizeGrantTypes(options: MockClientOptions, method: string, at: string): MockGrantType[] {
  if (options.grantTypes === undefined) {
    return method === 'none' ? ['authorization_code', 'refresh_token'] : ['authorization_code', 'refresh_token', 'client_credentials'];
  }
  if (!Array.isArray(options.grantTypes) || options.grantTypes.length === 0) {
    throw new MockProviderOptionsError(at, `Mock client ${options.clientId} needs at least one grant type (or none given, for the defaults).`);
  }
  const grants = new Set<MockGrantType>();
  for (const grant of options.grantTypes) {
    if (!GRANT_TYPES.includes(grant)) {
      throw new MockProviderOptionsError(
        at,
        `Mock client ${options.clientId} declares an unknown grant type ${JSON.stringify(grant)}; use ${GRANT_TYPES.join(', ')}.`,
      );
    }
    if (grant === 'client_credentials' && method === 'none') {
      throw new MockProviderOptionsError(
        at,
        `Mock client ${options.clientId} is public (no clientSecret) and cannot use client_credentials (RFC 6749 §4.4: confidential clients only).`,
      );
    }
    grants.add(grant);
    if (REFRESHING_GRANTS.has(grant)) grants.add('refresh_token');
  }
  return GRANT_TYPES.filter((grant) => grants.has(grant));
}

function normalizeKeys(
  options: MockClientOptions,
  grantTypes: readonly MockGrantType[],
  option: (name: string) => string,
): Pick<MockClient, 'publicKey' | 'jwks' | 'jwtBearer'> {
  const out: Pick<MockClient, 'publicKey' | 'jwks' | 'jwtBearer'> = {};
  if (options.publicKey !== undefined) {
    try {
      out.publicKey = createPublicKey(options.publicKey).export({ type: 'spki', format: 'pem' }).toString();
    } catch (cause) {
      throw new MockProviderOptionsError(option('publicKey'), `Mock client ${options.clientId} has a publicKey that is not a PEM key or certificate.`, {
        cause,
      });
    }
  }
  if (options.jwks !== undefined) out.jwks = publicJwks(options.jwks, options.clientId, option('jwks'));
  if (options.jwtBearer !== undefined) {
    const { issuer, audience, verifySignature } = options.jwtBearer;
    if (issuer !== undefined && (typeof issuer !== 'string' || issuer === '')) {
      throw new MockProviderOptionsError(option('jwtBearer.issuer'), `Mock client ${options.clientId} needs a non-empty jwtBearer.issuer, or none.`);
    }
    if (audience !== undefined && (!Array.isArray(audience) || audience.some((value) => typeof value !== 'string' || value === ''))) {
      throw new MockProviderOptionsError(
        option('jwtBearer.audience'),
        `Mock client ${options.clientId} needs jwtBearer.audience as a list of non-empty strings.`,
      );
    }
    out.jwtBearer = {
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience: [...audience] }),
      ...(verifySignature === undefined ? {} : { verifySignature: verifySignature !== false }),
    };
  }
  const verifies = out.jwtBearer?.verifySignature !== false;
  if (grantTypes.includes('urn:ietf:params:oauth:grant-type:jwt-bearer') && verifies && out.publicKey === undefined && out.jwks === undefined) {
    throw new MockProviderOptionsError(
      option('publicKey'),
      `Mock client ${options.clientId} may use the JWT bearer grant but has no key to verify assertions with: pass publicKey (PEM) or jwks, or jwtBearer.verifySignature: false.`,
    );
  }
  return out;
}

/** The public part of each key of a JWKS; throws on a key Node cannot import or a symmetric one. */
function publicJwks(jwks: MockJwks, clientId: string, at: string): MockJwks {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
    throw new MockProviderOptionsError(at, `Mock client ${clientId} needs jwks as { keys: [ ...JWK ] } with at least one key.`);
  }
  return {
    keys: jwks.keys.map((jwk, index) => {
      try {
        const key = createPublicKey({ key: jwk, format: 'jwk' } as JsonWebKeyInput);
        const { kid, alg, use } = jwk as { kid?: unknown; alg?: unknown; use?: unknown };
        return {
          ...key.export({ format: 'jwk' }),
          ...(kid === undefined ? {} : { kid }),
          ...(alg === undefined ? {} : { alg }),
          ...(use === undefined ? {} : { use }),
        };
      } catch (cause) {
        throw new MockProviderOptionsError(`${at}.keys[${index}]`, `Mock client ${clientId} has a JWKS key Node cannot import as an asymmetric public key.`, {
          cause,
        });
      }
    }),
  };
}

/** oidc-provider metadata of a client. No `scope` allow-list: like most providers, any known scope may be asked for. */
export function clientMetadata(client: MockClient): ClientMetadata {
  return {
    client_id: client.clientId,
    ...(client.clientSecret === undefined ? {} : { client_secret: client.clientSecret }),
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
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
