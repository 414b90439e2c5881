import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';

/** A private signing JWK as oidc-provider's `jwks` option takes it. */
export type SigningJwk = Record<string, unknown> & { kid: string; kty: string; alg: string; use: 'sig' };

/** Signing and cookie keys of one provider; persisted with the state so a later run verifies earlier tokens. */
export interface ProviderKeys {
  signing: SigningJwk[];
  cookies: string[];
}

let processKeys: ProviderKeys | undefined;

/** Generates a fresh EC P-256 (ES256) signing key: fast (well under a millisecond) and small. */
export function generateKeys(): ProviderKeys {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, unknown> & { kty: string };
  return {
    signing: [{ ...jwk, kid: randomUUID(), alg: 'ES256', use: 'sig' }],
    cookies: [randomBytes(32).toString('base64url')],
  };
}

/**
 * Keys shared by every in-memory provider of this process, generated on first use: per-test provider creation
 * stays off the key-generation path. Sharing keys shares no state: tokens are looked up in each instance's own
 * store, and an opaque token of one provider is unknown to another.
 */
export function processWideKeys(): ProviderKeys {
  processKeys ??= generateKeys();
  return processKeys;
}
