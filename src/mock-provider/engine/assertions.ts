import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { compactVerify, createLocalJWKSet, decodeJwt, errors as joseErrors, type JWTPayload, SignJWT } from 'jose';
import { errors } from 'oidc-provider';
import type { MockClient } from '../types.js';

/** RFC 7523 §2.1: the JWT bearer authorization grant. */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Asymmetric JWS algorithms a JWT bearer assertion may use (HMAC and `none` are refused). */
export const ASSERTION_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * `invalid_grant` with `description` as its `error_description` (the engine's own `InvalidGrant` always says
 * "grant request is invalid" and keeps the detail to itself).
 */
export function invalidGrant(description: string): Error {
  return new errors.CustomOIDCProviderError('invalid_grant', description);
}

/**
 * RFC 7523 §3 checks of a JWT bearer assertion, each failure an `invalid_grant` whose description names it:
 * the signature (against the client's `publicKey` or `jwks`, asymmetric algorithms only, unless
 * `jwtBearer.verifySignature` is false), `iss` (the client ID unless `jwtBearer.issuer`), `aud` (the token
 * endpoint URL, the issuer, or a `jwtBearer.audience` value), `exp` (required, in the future), `nbf` (if present,
 * not in the future) and `jti` (required; replay is checked by the caller). Returns the claims.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
export async function verifyAssertion(assertion: string, client: MockClient, context: { tokenUrl: string; issuer: string; now: number }): Promise<JWTPayload> {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(assertion);
  } catch {
    throw invalidGrant('assertion is not a JWT (three base64url parts, a JSON claims set)');
  }
  if (client.jwtBearer?.verifySignature !== false) await verifySignature(assertion, client);
  const expectedIssuer = client.jwtBearer?.issuer ?? client.clientId;
  if (claims.iss !== expectedIssuer) {
    throw invalidGrant(`assertion iss ${JSON.stringify(claims.iss ?? null)} is not the expected issuer ${JSON.stringify(expectedIssuer)}`);
  }
  const audiences = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const accepted = [context.tokenUrl, context.issuer, ...(client.jwtBearer?.audience ?? [])];
  if (!audiences.some((audience) => accepted.includes(audience))) {
    throw invalidGrant(`assertion aud ${JSON.stringify(claims.aud ?? null)} does not name this provider: use the token endpoint URL ${context.tokenUrl}`);
  }
  if (typeof claims.exp !== 'number') throw invalidGrant('assertion has no exp');
  if (claims.exp <= context.now) throw invalidGrant(`assertion expired at ${new Date(claims.exp * 1000).toISOString()}`);
  if (typeof claims.nbf === 'number' && claims.nbf > context.now) {
    throw invalidGrant(`assertion is not valid before ${new Date(claims.nbf * 1000).toISOString()} (nbf)`);
  }
  if (typeof claims.jti !== 'string' || claims.jti === '') throw invalidGrant('assertion has no jti (this provider requires one, to refuse replays)');
  if (claims.sub !== undefined && typeof claims.sub !== 'string') throw invalidGrant('assertion sub is not a string');
  return claims;
}

async function verifySignature(assertion: string, client: MockClient): Promise<void> {
  const algorithms = [...ASSERTION_ALGORITHMS];
  try {
    if (client.jwks !== undefined) {
      await compactVerify(assertion, createLocalJWKSet(client.jwks as Parameters<typeof createLocalJWKSet>[0]), { algorithms });
    } else if (client.publicKey !== undefined) {
      await compactVerify(assertion, createPublicKey(client.publicKey), { algorithms });
    } else {
      throw invalidGrant(`client ${client.clientId} has no key to verify the assertion with`);
    }
  } catch (error) {
    if (error instanceof errors.CustomOIDCProviderError) throw error;
    if (error instanceof joseErrors.JWSSignatureVerificationFailed)
      throw invalidGrant(`assertion signature does not verify with the public key of client ${client.clientId}`);
    if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
      throw invalidGrant(`no single key of the JWKS of client ${client.clientId} matches the assertion (kid, alg)`);
    }
    if (error instanceof joseErrors.JOSEAlgNotAllowed) throw invalidGrant(`assertion alg is not allowed: use one of ${ASSERTION_ALGORITHMS.join(', ')}`);
    const message = error instanceof Error ? error.message : String(error);
    throw invalidGrant(`assertion signature could not be checked: ${message}`);
  }
}

/**
 * Google-style JWT bearer requests (no client authentication at all): the client is the one whose assertion
 * issuer is the assertion's `iss`. Returns the form with that client's credentials added (its `client_id`, and
 * its secret for a confidential one) so the engine's client authentication passes, or undefined to leave the
 * request alone. Safe because the grant then verifies the assertion's signature with that client's key and its
 * `iss`; a client with `jwtBearer.verifySignature: false` can thus be impersonated by anyone (a mock guards nothing).
 */
export function identifyAssertionClient(clients: readonly MockClient[], form: URLSearchParams, authorization: string | undefined): URLSearchParams | undefined {
  if (form.get('grant_type') !== JWT_BEARER_GRANT_TYPE || authorization !== undefined) return undefined;
  if (form.has('client_id') || form.has('client_secret') || form.has('client_assertion')) return undefined;
  let iss: unknown;
  try {
    iss = decodeJwt(form.get('assertion') ?? '').iss;
  } catch {
    return undefined;
  }
  const client = clients.find(
    (candidate) => candidate.grantTypes.includes(JWT_BEARER_GRANT_TYPE) && (candidate.jwtBearer?.issuer ?? candidate.clientId) === iss,
  );
  if (client === undefined) return undefined;
  const out = new URLSearchParams(form);
  out.set('client_id', client.clientId);
  if (client.clientSecret !== undefined) out.set('client_secret', client.clientSecret);
  return out;
}

/** The JWS algorithm a private key signs with: RS256 for RSA, ES256/384/512 by EC curve, EdDSA for Ed25519. */
function algorithmOf(key: ReturnType<typeof createPublicKey>): string {
  const type = key.asymmetricKeyType;
  if (type === 'rsa' || type === 'rsa-pss') return type === 'rsa' ? 'RS256' : 'PS256';
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new TypeError(`a ${type ?? 'unknown'} key cannot sign a JWT bearer assertion here; use an RSA, EC (P-256/384/521) or Ed25519 key`);
}

/**
 * Signs a JWT bearer assertion (RFC 7523 §3) with a PEM private key: `iss`, `sub` (when given), `aud`, `iat`,
 * `exp` (default 5 minutes on), a random `jti`; the algorithm follows the key. What `getTokens({ grantType:
 * 'jwt-bearer', privateKey })` sends; tests use it to build their own assertions.
 *
 * @example
 * const assertion = await signAssertion({ privateKey: pem, issuer: 'svc', subject: 'mock-user', audience: provider.tokenUrl });
 */
export async function signAssertion(options: {
  privateKey: string;
  issuer: string;
  audience: string;
  subject?: string;
  /** Seconds. Default 300. */
  expiresIn?: number;
  /** Extra claims (they win over the defaults). */
  claims?: Record<string, unknown>;
}): Promise<string> {
  const key = createPrivateKey(options.privateKey);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: options.issuer,
    ...(options.subject === undefined ? {} : { sub: options.subject }),
    aud: options.audience,
    iat: now,
    exp: now + (options.expiresIn ?? 300),
    jti: randomUUID(),
    ...(options.claims ?? {}),
  })
    .setProtectedHeader({ alg: algorithmOf(createPublicKey(key)), typ: 'JWT' })
    .sign(key);
}

/** The PEM (SPKI) public key of a PEM private key: what to register as a client's `publicKey`. */
export function publicKeyOf(privateKeyPem: string): string {
  return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
}
