import { createHash, randomBytes } from 'node:crypto';

/** A PKCE verifier and its challenge. */
export interface Pkce {
  verifier: string;
  challenge: string;
  method: 'S256';
}

/**
 * Creates a PKCE verifier (32 random bytes, base64url: 43 characters) and its S256 challenge.
 * The flow and the mock's headless user agent both use it.
 *
 * @example
 * const pkce = createPkce(); // { verifier: 'dBjf…', challenge: 'E9Me…', method: 'S256' }
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier), method: 'S256' };
}

/**
 * The S256 challenge of a verifier: base64url(SHA-256(verifier)).
 *
 * @example
 * pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') // 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
