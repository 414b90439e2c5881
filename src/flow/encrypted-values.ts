/** Prefix of values the platform's `encrypt` command makes; only the platform can decrypt them. */
export const ENCRYPTED_VALUE_PREFIX = 'unito-secret-v1://';

/**
 * The JSON path of the first string under `value` that is a platform-encrypted value, else undefined.
 *
 * @example
 * findEncryptedValue({ clientSecret: 'unito-secret-v1://abc' }, 'authorizations[0].oauth2') // 'authorizations[0].oauth2.clientSecret'
 */
export function findEncryptedValue(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.startsWith(ENCRYPTED_VALUE_PREFIX) ? path : undefined;
  if (depth > 32 || typeof value !== 'object' || value === null) return undefined;
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [`${path}[${index}]`, item])
    : Object.entries(value).map(([key, item]) => [/^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, item]);
  for (const [at, item] of entries) {
    const found = findEncryptedValue(item, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
