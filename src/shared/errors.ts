/**
 * Stable error codes. Callers branch on `code`, never on message text.
 *
 * - `USAGE` / `CONFIG_*` / `AUTHORIZATION_NOT_FOUND` / `TEMPLATE_*`: the caller must change an option or the config.
 * - everything else: the flow or the provider failed.
 *
 * The CLI maps codes to exit codes and adds its own hints (flags, file names) by code (`src/cli/hints.ts`).
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

/** Options of {@link TestkitError}. */
export interface TestkitErrorOptions {
  cause?: unknown;
  /** Extra machine-readable facts (HTTP status, provider error…); never secrets. */
  details?: Record<string, unknown>;
  /**
   * What to do next, worded for any caller of the library; appended to the message. A front end (the CLI) may
   * replace it with its own wording (a flag, a file name) and keep {@link TestkitError.problem}.
   */
  next?: string;
}

/**
 * The one error base of the toolkit: a human message (what, where, what to do next),
 * a stable `code`, and the underlying `cause` when there is one.
 *
 * @example
 * throw new TestkitError('CONFIG_NOT_FOUND', `No config at ${path}.`, { next: 'Pass the path of the config.' });
 */
export class TestkitError extends Error {
  override name = 'TestkitError';
  readonly code: TestkitErrorCode;
  /** Extra machine-readable facts (HTTP status, provider error…); never secrets. */
  readonly details: Record<string, unknown>;
  /** The message without its {@link TestkitErrorOptions.next} step: what went wrong, and where. */
  readonly problem: string;
  /** The library's "what to do next", when it is given apart from the problem. */
  readonly next: string | undefined;

  constructor(code: TestkitErrorCode, message: string, options: TestkitErrorOptions = {}) {
    super(options.next ? `${message} ${options.next}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    this.problem = message;
    this.next = options.next;
  }
}

/**
 * How a token request authenticated the client (RFC 6749 §2.3.1): `client_secret` in the body, or an
 * `Authorization` header from the named parameters block of the config.
 */
export type ClientAuthUsed = { method: 'body' } | { method: 'header'; block: 'tokenRequestParameters' | 'refreshRequestParameters' };

/** Typed fields of a token endpoint's OAuth 2 error answer. */
export interface TokenEndpointErrorFields {
  /** HTTP status of the answer (a 200 with an error body counts too). */
  status: number;
  /** The provider's `error`, on one line. */
  error: string;
  /** The standard RFC 6749 §5.2 code for `error` (provider spellings such as GitHub's `bad_verification_code` mapped). */
  oauthError: string;
  errorDescription?: string | undefined;
  errorUri?: string | undefined;
  /** The grant type of the request that failed. */
  grantType?: string;
  /** The token URL, shown without its query. */
  tokenUrl?: string;
  /** How the failed request authenticated the client, when the caller said. */
  clientAuth?: ClientAuthUsed | undefined;
}

/**
 * The token endpoint answered an OAuth 2 error (`code: 'TOKEN_ENDPOINT_ERROR'`), with its fields typed.
 *
 * @example
 * catch (error) { if (error instanceof TokenEndpointError && error.oauthError === 'invalid_grant') relogin(); }
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class TokenEndpointError extends TestkitError {
  override name = 'TokenEndpointError';
  readonly status: number;
  readonly error: string;
  readonly oauthError: string;
  readonly errorDescription: string | undefined;
  readonly errorUri: string | undefined;
  readonly grantType: string | undefined;
  readonly tokenUrl: string | undefined;
  readonly clientAuth: ClientAuthUsed | undefined;

  constructor(message: string, fields: TokenEndpointErrorFields, options: Omit<TestkitErrorOptions, 'details'> = {}) {
    super('TOKEN_ENDPOINT_ERROR', message, {
      ...options,
      details: {
        status: fields.status,
        error: fields.error,
        oauthError: fields.oauthError,
        error_description: fields.errorDescription,
        error_uri: fields.errorUri,
        ...(fields.clientAuth === undefined ? {} : { clientAuth: fields.clientAuth }),
      },
    });
    this.status = fields.status;
    this.error = fields.error;
    this.oauthError = fields.oauthError;
    this.errorDescription = fields.errorDescription;
    this.errorUri = fields.errorUri;
    this.grantType = fields.grantType;
    this.tokenUrl = fields.tokenUrl;
    this.clientAuth = fields.clientAuth;
  }
}

/** True when `error` is a {@link TestkitError} (with `code`, when given). */
export function isTestkitError(error: unknown, code?: TestkitErrorCode): error is TestkitError {
  return error instanceof TestkitError && (code === undefined || error.code === code);
}
