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
 * The CLI exit code for an error code. The rule: 2 when the run stopped before talking to the provider because of
 * how it was started (a flag, the config, the environment, a port in use, a config another run holds locked), so
 * fixing that and running again is the whole remedy; 130 for Ctrl-C; 1 for a flow or provider failure (including a
 * lock lost during the run, `details.reason: 'lost'`).
 *
 * @example
 * exitCodeFor('CONFIG_INVALID') // 2
 * exitCodeFor('LOCKED', { reason: 'held' }) // 2
 */
export function exitCodeFor(code: TestkitErrorCode, details: Readonly<Record<string, unknown>> = {}): number {
  if (code === 'INTERRUPTED') return 130;
  // Another run holds the config's lock: like a busy port, the run never started.
  if (code === 'LOCKED') return details.reason === 'held' ? 2 : 1;
  return USAGE_CODES.has(code) ? 2 : 1;
}

/**
 * Turns any error into the exit code and one-paragraph message the CLI prints, with the CLI's own hint
 * (flags, `.unito.json`) in place of the library's next step (see `hints.ts`).
 * Usage and config problems (a held config lock too) exit 2, flow and provider failures 1, Ctrl-C 130.
 * Unexpected errors keep their stack only when `DEBUG` is set.
 */
export function describeFailure(error: unknown): { exitCode: number; code: string; message: string } {
  if (isTestkitError(error)) return { exitCode: exitCodeFor(error.code, error.details), code: error.code, message: withCliHint(error) };
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

/**
 * The one `--json` envelope of every command: `{ ok: true, ...fields }` on success, `{ ok: false, ...fields, error:
 * { code, message } }` on failure. Written as one line on stdout, so stdout stays one JSON document.
 *
 * @example
 * writeJson({ ok: false, error: { code: 'USAGE', message: '…' } })
 */
export type JsonEnvelope = ({ ok: true } | { ok: false; error: { code: string; message: string } }) & Record<string, unknown>;

export function writeJson(envelope: JsonEnvelope): void {
  process.stdout.write(`${JSON.stringify(envelope)}\n`);
}

/** The failure envelope for an error described by {@link describeFailure}, with the command's own fields. */
export function jsonFailure(failure: { code: string; message: string }, fields: Record<string, unknown> = {}): JsonEnvelope {
  return { ok: false, ...fields, error: { code: failure.code, message: failure.message } };
}
