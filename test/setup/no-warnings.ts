/**
 * Fast-suite setup (vitest.config.ts `setupFiles`): a passing test prints no warning. A Node process warning
 * (`process.emitWarning`: MaxListenersExceededWarning, DeprecationWarning…) or an `[MSW]` line on console.error /
 * console.warn fails the test it happened in (or, when it arrives after the last test, the file). A test that
 * provokes one on purpose asserts it instead: spy on the console (`vi.spyOn(console, 'error').mockImplementation`),
 * or declare it with `allowWarning(/pattern/)` for the current test.
 */
import { afterAll, afterEach } from 'vitest';

const unexpected: string[] = [];
let allowed: RegExp[] = [];

function record(line: string): void {
  if (!allowed.some((pattern) => pattern.test(line))) unexpected.push(line);
}

/** Lets the current test print a warning matching `pattern` (each call adds one pattern; reset after the test). */
export function allowWarning(pattern: RegExp): void {
  allowed.push(pattern);
}

/** The warnings seen since the last check, emptied: what the hooks below fail on. Exported for its own test. */
export function takeUnexpectedWarnings(): string[] {
  return unexpected.splice(0);
}

/** The `process.on('warning')` listener of the check. */
export function recordWarning(warning: Error): void {
  record(`${warning.name}: ${warning.message}`);
}

/** What the console wrappers do with a line before printing it: keep the first line of an `[MSW]` one. */
export function recordConsole(args: unknown[]): void {
  const text = args.map(String).join(' ');
  if (text.startsWith('[MSW]')) record(text.split('\n')[0]!);
}

process.on('warning', recordWarning);

for (const method of ['error', 'warn'] as const) {
  const original = console[method];
  console[method] = function consoleWithCheck(...args: unknown[]): void {
    recordConsole(args);
    original.apply(console, args);
  };
}

function fail(when: string): void {
  const lines = takeUnexpectedWarnings();
  if (lines.length > 0) {
    throw new Error(`${when} printed ${lines.length} unexpected warning(s); assert them in the test (see test/setup/no-warnings.ts):\n  ${lines.join('\n  ')}`);
  }
}

afterEach(async () => {
  // process 'warning' is emitted on the tick after process.emitWarning: let it arrive (nextTick, which fake timers leave alone).
  await new Promise((resolve) => process.nextTick(resolve));
  allowed = [];
  fail('This test');
});

afterAll(async () => {
  await new Promise((resolve) => process.nextTick(resolve));
  fail('This file, after its last test,');
});
