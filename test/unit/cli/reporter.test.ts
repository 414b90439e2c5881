import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsoleReporter } from '../../../src/cli/reporter.js';

function capture() {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  (stream as unknown as PassThrough).on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { stream, output: () => out };
}

describe('ConsoleReporter', () => {
  it('prints one plain line per finished step when stderr is not a terminal', async () => {
    const { stream, output } = capture();
    const reporter = await new ConsoleReporter(stream).init();
    reporter.start('config', 'Reading .unito.json');
    reporter.succeed('config', 'Authorization "oauth2"');
    reporter.warn('refresh token rejected');
    reporter.error('boom');
    expect(output()).toBe('✔ Authorization "oauth2"\n! refresh token rejected\nerror: boom\n');
  });

  it('strips terminal control sequences that a provider put into its error text', async () => {
    const { stream, output } = capture();
    const reporter = await new ConsoleReporter(stream).init();
    reporter.error('The provider refused: \u001b[2J\u001b]0;pwned\u0007bad\rrequest');
    expect(output()).toBe('error: The provider refused: [2J]0;pwnedbadrequest\n');
  });
});
