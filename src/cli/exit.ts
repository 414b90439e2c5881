import { isTestkitError } from '../shared/errors.js';

/**
 * Turns any error into the exit code and one-paragraph message the CLI prints.
 * Usage and config problems exit 2, flow and provider failures 1, Ctrl-C 130.
 * Unexpected errors keep their stack only when `DEBUG` is set.
 */
export function describeFailure(error: unknown): { exitCode: number; code: string; message: string } {
  if (isTestkitError(error)) return { exitCode: error.exitCode, code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  const detail = process.env.DEBUG && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return {
    exitCode: 1,
    code: 'UNEXPECTED',
    message: `${message} (an unexpected error: please report it with the command you ran; set DEBUG=1 for the stack)${detail}`,
  };
}
