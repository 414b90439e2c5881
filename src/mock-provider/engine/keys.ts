import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';

/** A private signing JWK as oidc-provider's `jwks` option takes it. */
export type SigningJwk = Record<string, unknown> & { kid: string; kty: string; alg: string; use: 'sig' };

/** Signing and cookie keys of one provider; persisted with the state so a later run verifies earlier tokens. */
export interface ProviderKeys {
  signing: SigningJwk[];
  cookies: string[];
}

let processKeys: ProviderKeys | undefined;

/**
 * Generates fresh signing keys: EC P-256 (ES256, fast, signs JWT access tokens) and RSA 2048 (RS256, the OpenID
 * Connect default for ID tokens, which many clients expect without asking — generating it costs tens of
 * milliseconds, so it happens once per process or once per state file).
 */
export function generateKeys(): ProviderKeys {
  return { signing: [ecKey(), rsaKey()], cookies: [randomBytes(32).toString('base64url')] };
}

/** Adds what keys stored by an older version lack (the RS256 key), leaving the others as they are. */
export function completeKeys(keys: ProviderKeys): ProviderKeys {
  if (keys.signing.some((key) => key.alg === 'RS256')) return keys;
  return { ...keys, signing: [...keys.signing, rsaKey()] };
}

function ecKey(): SigningJwk {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...(privateKey.export({ format: 'jwk' }) as { kty: string }), kid: randomUUID(), alg: 'ES256', use: 'sig' };
}

function rsaKey(): SigningJwk {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(privateKey.export({ format: 'jwk' }) as { kty: string }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
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
