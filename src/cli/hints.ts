import type { TestkitError, TestkitErrorCode } from '../shared/errors.js';
import { TokenEndpointError } from '../shared/errors.js';
import { DEFAULT_CALLBACK_PORT } from '../shared/defaults.js';
import { clientAuthAdvice } from '../flow/client-auth.js';
import { JWT_BEARER_GRANT } from '../flow/grants.js';
import { PROVIDER_SIDE } from '../flow/token-client.js';

/**
 * The CLI's own next steps, by error code: the library words its errors for any caller (`reauth: true`,
 * "the config"); here they name this CLI's flags, environment variables and file. A hint replaces the library's
 * `next` step and keeps its problem (what went wrong, and where). No hint: the library's message as it is.
 */
/** A string replaces the library's next step; `{ message }` rewords the whole message in the CLI's terms. */
type Hint = (error: TestkitError) => string | { message: string } | undefined;

const HINTS: Partial<Record<TestkitErrorCode, Hint>> = {
  CONFIG_NOT_FOUND: () => "Run from the connector's root or pass --config-path <file>.",
  AUTHORIZATION_NOT_FOUND: (error) =>
    error.next === undefined
      ? undefined
      : `Pass one of these to --authorization.${error.next.includes('"development": true') ? ' Or mark one "development": true.' : ''}`,
  REFRESH_REJECTED: () => 'Run again with --reauth to log in anew.',
  CALLBACK_TIMEOUT: (error) =>
    'Finish the login in the browser sooner, or raise the limit with --timeout <seconds>.' +
    (error.details.platformRelay === true
      ? ' If the platform relay does not forward to the tunnel: pass --no-tunnel with a loopback --redirect-url the provider allows ' +
        `(e.g. http://127.0.0.1:${DEFAULT_CALLBACK_PORT}/callback, registered at the provider)` +
        ', or run `integration-cli relay` at a public URL and pass that URL as --redirect-url.'
      : ''),
  // Each server belongs to one command: name the way that command picks another port.
  PORT_IN_USE: (error) =>
    error.details.server === 'OAuth 2 callback server'
      ? 'Free the port (stop the other integration-cli run or program) or set OAUTH2_PORT to another port.'
      : error.details.server === 'OAuth 2 relay' || error.details.server === 'mock provider'
        ? 'Free the port (stop the other integration-cli run or program) or pass another --port (0 picks a free one).'
        : undefined,
  CONFIG_INVALID: (error) =>
    error.details.reason === 'encrypted-value'
      ? 'Put the plain value in a local config that git does not track (e.g. .unito.local.json, listed in .gitignore) and pass it with --config-path.'
      : undefined,
  USAGE: (error): string | { message: string } | undefined => {
    switch (error.details.reason) {
      case 'redirect-url-invalid':
        return { message: `--redirect-url must be an absolute http(s) URL, got "${String(error.details.value)}".` };
      case 'redirect-port':
        return `Set OAUTH2_PORT=${String(error.details.redirectPort)} or change --redirect-url.`;
      case 'no-tunnel-edge':
        return 'Pass --no-tunnel with a loopback --redirect-url.';
      default:
        return undefined;
    }
  },
  TOKEN_TIMEOUT: (error) =>
    error.details.limit === 'idle'
      ? 'Try again, or raise the limit with --token-idle-timeout <seconds>.'
      : 'Try again, or raise the limit with --token-timeout <seconds>.',
  TOKEN_ENDPOINT_ERROR: (error) => (error instanceof TokenEndpointError ? tokenEndpointHint(error) : undefined),
};

function tokenEndpointHint(error: TokenEndpointError): string {
  if (error.oauthError === 'invalid_client' || error.oauthError === 'unauthorized_client' || error.status === 401) {
    return clientAuthAdvice(error.clientAuth, '.unito.json');
  }
  if (error.status >= 500 || error.oauthError === 'server_error' || error.oauthError === 'temporarily_unavailable') return PROVIDER_SIDE;
  if (error.oauthError === 'invalid_grant' && error.grantType === 'refresh_token') {
    return 'The refresh token was rejected (expired or revoked); run `integration-cli oauth2 --reauth`.';
  }
  if (error.oauthError === 'invalid_grant' && error.grantType === 'password') {
    return "The provider refused the username or password: check the test account's username and password in .unito.json (or what you typed), then run `integration-cli oauth2` again.";
  }
  if (error.oauthError === 'invalid_grant' && error.grantType === JWT_BEARER_GRANT) {
    return "The provider refused the assertion: check its iss, sub and aud (the test account's subject and assertionClaims), that the provider knows the account's key, and this machine's clock.";
  }
  if (error.oauthError === 'invalid_grant') {
    return 'The code expired, was already used, or the redirect URL or PKCE verifier did not match; run `integration-cli oauth2` again.';
  }
  if (error.oauthError === 'unsupported_grant_type') return 'Check oauth2.grantType in .unito.json.';
  return 'Check the oauth2 settings in .unito.json, then run `integration-cli oauth2` again.';
}

/**
 * The message the CLI prints for a library error: its problem plus the CLI's hint for its code, else its message.
 *
 * @example
 * withCliHint(new TestkitError('REFRESH_REJECTED', 'The provider rejected the stored refresh token.', { next: 'Log in anew.' }))
 * // 'The provider rejected the stored refresh token. Run again with --reauth to log in anew.'
 */
export function withCliHint(error: TestkitError): string {
  const hint = HINTS[error.code]?.(error);
  if (hint === undefined) return error.message;
  return typeof hint === 'string' ? `${error.problem} ${hint}` : hint.message;
}
