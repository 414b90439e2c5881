import { createPrivateKey, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { TestkitError } from '../shared/errors.js';
import { oneLine } from '../shared/text.js';
import type { TestAccount } from './types.js';

/** Lifetime of a signed assertion: RFC 7523 §3 wants a short `exp`; five minutes covers a slow token endpoint. */
export const ASSERTION_LIFETIME_SECONDS = 300;

/**
 * The JWT bearer grant's `assertion` (RFC 7523 §2.1): the test account's `assertion` as it is, else a JWT signed
 * with its `privateKey` (PEM: RSA → RS256, EC P-256 → ES256) with `iss` = clientId, `sub` = the account's
 * `subject` or clientId, `aud` = the token URL, `iat`, `exp` (+5 min) and a random `jti`; the account's
 * `assertionClaims` (an object) overrides any of them and adds others.
 *
 * @throws TestkitError `CONFIG_INVALID` naming the key (`privateKey`, `assertion`, `subject`, `assertionClaims`)
 *   when it is missing or unusable; the key itself is never shown.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
export async function bearerAssertion(account: TestAccount, accountName: string, context: { clientId: string; tokenUrl: string }): Promise<string> {
  const where = `testAccounts.${oneLine(accountName, 100)}`;
  const { assertion, privateKey, subject, assertionClaims } = account;
  if (assertion !== undefined) {
    if (typeof assertion !== 'string' || assertion.trim() === '')
      throw invalid(`${where}.assertion must be a non-empty string (a signed JWT).`, `${where}.assertion`);
    return assertion.trim();
  }
  if (privateKey === undefined) {
    throw invalid(
      `grantType urn:ietf:params:oauth:grant-type:jwt-bearer needs ${where}.assertion (a signed JWT) or ${where}.privateKey (a PEM private key to sign one); the account has neither.`,
      `${where}.privateKey`,
      'credentials-missing',
    );
  }
  if (subject !== undefined && (typeof subject !== 'string' || subject === ''))
    throw invalid(`${where}.subject must be a non-empty string.`, `${where}.subject`);
  if (assertionClaims !== undefined && (typeof assertionClaims !== 'object' || assertionClaims === null || Array.isArray(assertionClaims))) {
    throw invalid(`${where}.assertionClaims must be an object of claims, e.g. { "scope": "read" }.`, `${where}.assertionClaims`);
  }
  const { key, alg } = signingKey(privateKey, `${where}.privateKey`);
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: context.clientId,
    sub: typeof subject === 'string' ? subject : context.clientId,
    aud: context.tokenUrl,
    iat: now,
    exp: now + ASSERTION_LIFETIME_SECONDS,
    jti: randomUUID(),
  };
  for (const [name, value] of Object.entries((assertionClaims as Record<string, unknown> | undefined) ?? {})) {
    Object.defineProperty(claims, name, { value, enumerable: true, writable: true, configurable: true });
  }
  const { SignJWT } = await import('jose');
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
}

/** The PEM key and its algorithm; never quotes the value (a key, or whatever was pasted in its place). */
function signingKey(value: unknown, where: string): { key: KeyObject; alg: 'RS256' | 'ES256' } {
  const expected = 'Put a PEM private key there ("-----BEGIN PRIVATE KEY-----…", PKCS#8, or PKCS#1 "BEGIN RSA PRIVATE KEY"; RSA or EC P-256).';
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${where} must be a string holding a PEM private key.`, where);
  // A key pasted from a service account JSON sometimes keeps its "\n" escapes as two characters.
  const pem = value.includes('\n') ? value : value.replace(/\\n/g, '\n');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw invalid(`${where} is not a readable PEM private key (its value is not shown). ${expected}`, where);
  }
  if (key.asymmetricKeyType === 'rsa') return { key, alg: 'RS256' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, alg: 'ES256' };
  const kind =
    key.asymmetricKeyType === 'ec' ? `an EC key on ${key.asymmetricKeyDetails?.namedCurve ?? 'another curve'}` : `a ${key.asymmetricKeyType ?? 'unknown'} key`;
  throw invalid(`${where} is ${kind}: only RSA (RS256) and EC P-256 (ES256) keys can sign the assertion.`, where);
}

function invalid(message: string, where: string, reason = 'assertion-invalid'): TestkitError {
  return new TestkitError('CONFIG_INVALID', message, { details: { reason, where } });
}
