import { randomBytes } from 'node:crypto';
import { TestkitError } from '../shared/errors.js';

/**
 * The `state` format the relay reads: this tool's own contract, not one the platform publishes.
 * Version 1 is base64url of the JSON `{ v: 1, nonce, callback }`; another format would be a new `v` decoded here.
 */
export interface StatePayload {
  v: 1;
  nonce: string;
  callback: string;
}

/**
 * Encodes the relay payload as `state`: base64url of JSON `{ v: 1, nonce, callback }`.
 *
 * @example
 * encodeState({ nonce: 'abc', callback: 'https://x.ngrok.app/callback' })
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export function encodeState(payload: { nonce: string; callback: string }): string {
  const json = JSON.stringify({ v: 1, nonce: payload.nonce, callback: payload.callback });
  return Buffer.from(json, 'utf8').toString('base64url');
}

/**
 * Creates a fresh `state` for one flow: a 128-bit random nonce (CSRF protection) plus the CLI's callback URL.
 *
 * @example
 * const { state, nonce } = createState('https://abc.ngrok.app/callback');
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export function createState(callbackUrl: string): { state: string; nonce: string } {
  const nonce = randomBytes(16).toString('base64url');
  return { state: encodeState({ nonce, callback: callbackUrl }), nonce };
}

/**
 * Decodes a `state` produced by {@link encodeState}.
 *
 * Throws `STATE_MISMATCH` (with `details.reason`) when the value is not base64url JSON of `{ v: 1, nonce, callback }`.
 *
 * @example
 * decodeState(state).callback // 'https://abc.ngrok.app/callback'
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export function decodeState(state: string): StatePayload {
  const malformed = (why: string, cause?: unknown): TestkitError =>
    new TestkitError(
      'STATE_MISMATCH',
      `The OAuth 2 state parameter is malformed (${why}). It was not created by this integration-cli run; start the flow again with \`integration-cli oauth2\`.`,
      cause === undefined ? { details: { reason: why } } : { cause, details: { reason: why } },
    );
  if (typeof state !== 'string' || state === '' || !/^[A-Za-z0-9_-]+$/.test(state)) {
    throw malformed('not base64url');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(state, 'base64url').toString('utf8'));
  } catch (error) {
    throw malformed('not JSON', error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed('not a JSON object');
  const { v, nonce, callback } = parsed as Record<string, unknown>;
  if (v !== 1) throw malformed('unknown version');
  if (typeof nonce !== 'string' || nonce === '') throw malformed('missing nonce');
  if (typeof callback !== 'string' || callback === '') throw malformed('missing callback');
  return { v: 1, nonce, callback };
}
