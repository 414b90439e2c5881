// Shared constants and small helpers of the benchmark (plain ESM, no build step).
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist');

/** The one client every server under test registers (same id, secret, redirect URI and scopes). */
export const CLIENT = Object.freeze({
  clientId: 'bench-client',
  clientSecret: 'bench-secret-0123456789',
  // Never fetched: the flow driver stops at the redirect to it. Port 9 is "discard".
  redirectUris: ['http://127.0.0.1:9/callback'],
  // Every scope a flow asks for (SCOPES below): a client that declares scopes may ask for no other.
  scopes: ['openid', 'offline_access', 'read', 'write'],
});

/**
 * The scopes a flow asks for. `oauth`: a plain OAuth 2 API's scopes, what a connector asks for (no id_token
 * anywhere). `oidc`: an OpenID Connect login with `offline_access`, where oidc-provider signs an id_token on the
 * exchange and on every refresh. (oauth2-mock-server signs an access-token JWT and an id_token in both.)
 */
export const SCOPES = Object.freeze({ oauth: 'read write', oidc: 'openid offline_access read write' });

export const BASIC_AUTH = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT.clientId)}:${encodeURIComponent(CLIENT.clientSecret)}`).toString('base64')}`;

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `task` with `concurrency` workers until `durationMs` has passed (or `maxOps` completed), and returns
 * completed operations per second. Bounded in time and count; a failing op counts as an error, not a completion.
 */
export async function loopFor({ concurrency, durationMs, maxOps = Infinity, task }) {
  const started = performance.now();
  const deadline = started + durationMs;
  let done = 0;
  let errors = 0;
  let firstError;
  const worker = async () => {
    while (performance.now() < deadline && done + errors < maxOps) {
      try {
        await task();
        done += 1;
      } catch (error) {
        errors += 1;
        firstError ??= error;
        if (errors > 50 && errors > done) return; // broken case: stop early, report it
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: done / seconds,
    done,
    errors,
    seconds,
    firstError: firstError
      ? String(firstError?.stack ?? firstError)
          .split('\n')
          .slice(0, 3)
          .join(' | ')
      : undefined,
  };
}
