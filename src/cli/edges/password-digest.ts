import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

/** scrypt with Node's defaults (N = 16384, r = 8, p = 1): about 50 ms once per run, and a stolen file costs as much per guess. */
const KEY_LENGTH = 32;
const PREFIX = 'scrypt$';

/**
 * What `--mock` keeps of a password-grant user's password (`<state>.users.json`, in the user's cache directory):
 * `scrypt$<salt>$<key>` with a random salt, so a weak test password cannot be looked up or compared across files.
 */
export async function passwordDigest(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LENGTH);
  return `${PREFIX}${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * Whether `password` is the one `digest` was made from. Also reads the unsalted SHA-256 hex that earlier versions
 * wrote (`needsUpgrade` then says to write {@link passwordDigest} in its place).
 */
export async function passwordMatches(digest: string, password: string): Promise<{ matches: boolean; needsUpgrade: boolean }> {
  if (!digest.startsWith(PREFIX)) {
    const legacy = createHash('sha256').update(password).digest('hex');
    return { matches: equal(Buffer.from(legacy), Buffer.from(digest)), needsUpgrade: true };
  }
  const [salt, key] = digest.slice(PREFIX.length).split('$');
  if (salt === undefined || key === undefined) return { matches: false, needsUpgrade: true };
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length || KEY_LENGTH);
  return { matches: equal(actual, expected), needsUpgrade: false };
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
