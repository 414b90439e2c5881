import { decodeJwt } from 'jose';
import { JWT_BEARER_GRANT_TYPE, publicKeyOf } from './engine/assertions.js';
import { DEFAULT_USERS } from './defaults.js';
import { MockProviderOptionsError } from './options-error.js';
import type { MockClientOptions, MockGrantType, MockProviderOptions, MockUserOptions } from './types.js';

/** What a connector config says about its grant, and the test account's credentials for it. */
export interface MockGrantSetupInput {
  /** `oauth2.grantType` of the config: `authorization_code` (default), `client_credentials`, `password`, `urn:ietf:params:oauth:grant-type:jwt-bearer` (or `jwt-bearer`). */
  grantType?: string;
  clientId: string;
  /** Omit for a public client. */
  clientSecret?: string;
  redirectUris?: string[];
  scopes?: string[];
  /** Password grant: the test account's username, registered as a user (`id` = username). */
  username?: string;
  /** Password grant: the test account's password; without one the user accepts any non-empty password. */
  password?: string;
  /** JWT bearer grant: the test account's PEM private key; its public half is registered as the client's `publicKey`. */
  privateKey?: string;
  /** JWT bearer grant: a ready assertion (used when there is no `privateKey`); see {@link mockGrantSetup} for what is then checked. */
  assertion?: string;
  /** JWT bearer grant: the `iss` the flow puts in the assertions it signs (default: the client ID). */
  assertionIssuer?: string;
  /** JWT bearer grant: the `sub` the flow puts in the assertions it signs; registered as a user. */
  assertionSubject?: string;
}

/** Options to spread into `createMockProvider`/`startMockProvider`, and what the mock will not check. */
export interface MockGrantSetup extends Required<Pick<MockProviderOptions, 'clients' | 'users'>> {
  /** The grant type, normalised to its RFC name. */
  grantType: MockGrantType;
  /** Checks a real provider makes that this mock cannot make with what it was given (empty when none). */
  limitations: string[];
}

const SHORT_NAMES: Readonly<Record<string, MockGrantType>> = {
  authorization_code: 'authorization_code',
  client_credentials: 'client_credentials',
  password: 'password',
  'jwt-bearer': JWT_BEARER_GRANT_TYPE,
  [JWT_BEARER_GRANT_TYPE]: JWT_BEARER_GRANT_TYPE,
};

/**
 * The mock provider setup for a connector config's grant (what `oauth2 --mock` needs): one client allowed that
 * grant (and refresh), plus the users the grant logs in as.
 *
 * - `authorization_code`: the client with its redirect URIs, the default user.
 * - `client_credentials`: a confidential client (a `clientSecret` is required).
 * - `password`: the test account's `username` as a user, with its `password` (checked) or none (any accepted).
 * - JWT bearer with `privateKey`: the client's `publicKey` is derived from it, so every RFC 7523 check is made:
 *   signature, `iss` (`assertionIssuer`, default the client ID), `aud` (the mock's token URL or issuer), `exp`,
 *   `jti` replay; `assertionSubject` becomes a user.
 * - JWT bearer with only an `assertion` (minted for the real provider, no key): the mock cannot check its
 *   **signature** (it has no public key), nor that its `aud` is its own token URL (it names the real provider's,
 *   which is accepted instead), so both are recorded in `limitations`. It still checks the structure, `iss`
 *   (taken from the assertion itself, so it always matches), `exp` (an expired stored assertion fails, as it
 *   would at the real provider) and `jti` replay (the same assertion works once per provider instance). Its
 *   `sub` becomes a user.
 *
 * Throws {@link MockProviderOptionsError} on an unknown grant type or a missing credential.
 *
 * @example
 * const setup = mockGrantSetup({ grantType: 'password', clientId, clientSecret, username: 'me', password: 'pw' });
 * const provider = await startMockProvider({ clients: setup.clients, users: setup.users });
 */
export function mockGrantSetup(input: MockGrantSetupInput): MockGrantSetup {
  const grantType = SHORT_NAMES[input.grantType ?? 'authorization_code'];
  if (grantType === undefined) {
    throw new MockProviderOptionsError(
      'grantType',
      `The mock provider has no grant ${JSON.stringify(input.grantType)}; use authorization_code, client_credentials, password or ${JWT_BEARER_GRANT_TYPE}.`,
    );
  }
  const users: MockUserOptions[] = DEFAULT_USERS.map((user) => ({ id: user.id, claims: { ...user.claims } }));
  const addUser = (user: MockUserOptions): void => {
    const index = users.findIndex((candidate) => candidate.id === user.id);
    if (index === -1) users.unshift(user);
    else users[index] = { ...users[index], ...user };
  };
  const client: MockClientOptions = {
    clientId: input.clientId,
    ...(input.clientSecret === undefined ? {} : { clientSecret: input.clientSecret }),
    ...(input.redirectUris === undefined ? {} : { redirectUris: [...input.redirectUris] }),
    ...(input.scopes === undefined ? {} : { scopes: [...input.scopes] }),
    grantTypes: [grantType],
  };
  const limitations: string[] = [];

  if (grantType === 'client_credentials' && input.clientSecret === undefined) {
    throw new MockProviderOptionsError('clientSecret', 'The client_credentials grant needs a confidential client: pass its clientSecret.');
  }
  if (grantType === 'password') {
    if (input.username === undefined || input.username === '') {
      throw new MockProviderOptionsError('username', 'The password grant needs the test account username.');
    }
    addUser({ id: input.username, ...(input.password === undefined || input.password === '' ? {} : { password: input.password }) });
  }
  if (grantType === JWT_BEARER_GRANT_TYPE) {
    if (input.privateKey !== undefined) {
      try {
        client.publicKey = publicKeyOf(input.privateKey);
      } catch (cause) {
        throw new MockProviderOptionsError('privateKey', 'The JWT bearer privateKey is not a PEM private key.', { cause });
      }
      if (input.assertionIssuer !== undefined && input.assertionIssuer !== input.clientId) client.jwtBearer = { issuer: input.assertionIssuer };
      if (input.assertionSubject !== undefined) addUser({ id: input.assertionSubject });
    } else if (input.assertion !== undefined) {
      let claims: ReturnType<typeof decodeJwt>;
      try {
        claims = decodeJwt(input.assertion);
      } catch (cause) {
        throw new MockProviderOptionsError('assertion', 'The JWT bearer assertion is not a JWT.', { cause });
      }
      const audience = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      client.jwtBearer = {
        ...(typeof claims.iss === 'string' && claims.iss !== input.clientId ? { issuer: claims.iss } : {}),
        ...(audience.length > 0 ? { audience } : {}),
        verifySignature: false,
      };
      if (typeof claims.sub === 'string' && claims.sub !== '') addUser({ id: claims.sub });
      limitations.push(
        'the assertion signature is not checked: the mock has only the assertion, not the public key of the key that signed it',
        `the assertion aud is the real provider's (${audience.join(' ') || 'none'}), accepted as is instead of the mock's token URL`,
      );
    } else {
      throw new MockProviderOptionsError('privateKey', 'The JWT bearer grant needs the test account privateKey (PEM) or an assertion.');
    }
  }
  return { grantType, clients: [client], users, limitations };
}
