import { isTestkitError } from '../shared/errors.js';
import type { TestkitErrorCode } from '../shared/errors.js';
import { withCliHint } from './hints.js';

/** Codes the user fixes by changing a flag or the config: exit 2. */
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
 * The CLI exit code for an error code: 2 for usage/config problems, 130 for Ctrl-C, 1 otherwise.
 *
 * @example
 * exitCodeFor('CONFIG_INVALID') // 2
 */
export function exitCodeFor(code: TestkitErrorCode): number {
  if (code === 'INTERRUPTED') return 130;
  return USAGE_CODES.has(code) ? 2 : 1;
}

/**
 * Turns any error into the exit code and one-paragraph message the CLI prints, with the CLI's own hint
 * (flags, `.unito.json`) in place of the library's next step (see `hints.ts`).
 * Usage and config problems exit 2, flow and provider failures 1, Ctrl-C 130.
 * Unexpected errors keep their stack only when `DEBUG` is set.
 */
export function describeFailure(error: unknown): { exitCode: number; code: string; message: string } {
  if (isTestkitError(error)) return { exitCode: exitCodeFor(error.code), code: error.code, message: withCliHint(error) };
  // A bad mock provider option is a usage error, like a bad flag (MockProviderOptionsError, a TypeError).
  if (error instanceof TypeError && (error as { code?: unknown }).code === 'MOCK_PROVIDER_OPTIONS')
    return { exitCode: 2, code: 'USAGE', message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  const detail = process.env.DEBUG && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return {
    exitCode: 1,
    code: 'UNEXPECTED',
    message: `${message} (an unexpected error: please report it with the command you ran; set DEBUG=1 for the stack)${detail}`,
  };
}
