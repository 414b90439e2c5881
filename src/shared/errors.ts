/**
 * Stable error codes. Callers branch on `code`, never on message text.
 *
 * - `USAGE` / `CONFIG_*`: the user must change a flag or the config (CLI exit code 2).
 * - everything else: the flow or the provider failed (CLI exit code 1).
 */
export type TestkitErrorCode =
  | 'USAGE'
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_PARSE'
  | 'CONFIG_INVALID'
  | 'AUTHORIZATION_NOT_FOUND'
  | 'TEMPLATE_VARIABLE_MISSING'
  | 'TEMPLATE_INVALID'
  | 'PORT_IN_USE'
  | 'TUNNEL_AUTHTOKEN_MISSING'
  | 'TUNNEL_FAILED'
  | 'BROWSER_FAILED'
  | 'STATE_MISMATCH'
  | 'CALLBACK_TIMEOUT'
  | 'AUTHORIZATION_DENIED'
  | 'TOKEN_ENDPOINT_ERROR'
  | 'TOKEN_RESPONSE_INVALID'
  | 'TOKEN_TIMEOUT'
  | 'PROVIDER_UNAVAILABLE'
  | 'REFRESH_REJECTED'
  | 'NETWORK_ERROR'
  | 'LOCKED'
  | 'WRITE_FAILED'
  | 'INTERRUPTED'
  | 'MOCK_PROVIDER';

const USAGE_CODES: ReadonlySet<TestkitErrorCode> = new Set([
  'USAGE',
  'CONFIG_NOT_FOUND',
  'CONFIG_PARSE',
  'CONFIG_INVALID',
  'AUTHORIZATION_NOT_FOUND',
  'TEMPLATE_VARIABLE_MISSING',
  'TEMPLATE_INVALID',
  'PORT_IN_USE',
  'TUNNEL_AUTHTOKEN_MISSING',
]);

/**
 * The one error base of the toolkit: a human message (what, where, what to do next),
 * a stable `code`, and the underlying `cause` when there is one.
 *
 * @example
 * throw new TestkitError('CONFIG_NOT_FOUND', `No config at ${path}. Pass --config-path.`);
 */
export class TestkitError extends Error {
  override name = 'TestkitError';
  readonly code: TestkitErrorCode;
  /** Extra machine-readable facts (HTTP status, provider error…); never secrets. */
  readonly details: Record<string, unknown>;

  constructor(code: TestkitErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** CLI exit code for this error: 2 for usage/config problems, 130 for Ctrl-C, 1 otherwise. */
  get exitCode(): number {
    if (this.code === 'INTERRUPTED') return 130;
    return USAGE_CODES.has(this.code) ? 2 : 1;
  }
}

export function isTestkitError(error: unknown, code?: TestkitErrorCode): error is TestkitError {
  return error instanceof TestkitError && (code === undefined || error.code === code);
}
