/** The fast suite's warning check (test/setup/no-warnings.ts) must be able to fail. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { allowWarning, recordConsole, recordWarning, takeUnexpectedWarnings } from '../setup/no-warnings.js';

const tick = () => new Promise((resolve) => process.nextTick(resolve));

/** Node's own printer of process warnings leaves for this test (the check's listener stays): nothing is printed. */
function silenceNodePrinter(): void {
  const printers = process.listeners('warning').filter((listener) => listener !== recordWarning);
  for (const printer of printers) process.removeListener('warning', printer);
  onTestFinished(() => {
    for (const printer of printers) process.on('warning', printer);
  });
}

describe('the no-warnings setup', () => {
  it('records a Node process warning', async () => {
    silenceNodePrinter();
    process.emitWarning('too many listeners, say', 'MaxListenersExceededWarning');
    await tick();
    expect(takeUnexpectedWarnings()).toEqual(['MaxListenersExceededWarning: too many listeners, say']);
  });

  it('wraps console.error and console.warn, recording the first line of an [MSW] one and nothing else', () => {
    expect([console.error.name, console.warn.name]).toEqual(['consoleWithCheck', 'consoleWithCheck']);
    recordConsole(['[MSW] Error: intercepted a request without a matching request handler:\n\n  • GET https://x.test/']);
    recordConsole(['[MSW] Warning:', 'something']);
    recordConsole(['a plain error line']);
    expect(takeUnexpectedWarnings()).toEqual(['[MSW] Error: intercepted a request without a matching request handler:', '[MSW] Warning: something']);
  });

  it('lets a test declare the warning it provokes', async () => {
    silenceNodePrinter();
    allowWarning(/^DeprecationWarning: on purpose/);
    process.emitWarning('on purpose', 'DeprecationWarning');
    await tick();
    expect(takeUnexpectedWarnings()).toEqual([]);
  });

  // The hook itself: a warning nobody takes fails the test it happened in (test.fails passes only if it does).
  it.fails('fails a test that lets a warning through', () => {
    silenceNodePrinter();
    process.emitWarning('nobody asserted this', 'MaxListenersExceededWarning');
  });

  it.fails('fails a test that lets an [MSW] line through', () => {
    recordConsole(['[MSW] Error: nobody asserted this']);
  });
});
