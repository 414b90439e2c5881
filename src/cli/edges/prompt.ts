import { TestkitError } from '../../shared/errors.js';
import type { PromptEdge } from '../../flow/run-flow.js';

/** The longest answer read: a username or password, not a file. */
const MAX_ANSWER_LENGTH = 4096;

/**
 * Asks on the terminal: the question on stderr, the answer read from stdin in raw mode, echoed for a username and
 * not at all for a password (no asterisks either: their count is a hint). Enter ends the answer, Backspace erases,
 * Ctrl-C or Ctrl-D interrupts (`INTERRUPTED`, exit 130). Only for a TTY stdin.
 */
export function terminalPrompt(stdin: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr, beforeAsk?: () => void): PromptEdge {
  return ({ text, hidden }) =>
    new Promise<string>((resolve, reject) => {
      beforeAsk?.();
      let answer = '';
      const wasRaw = stdin.isRaw;
      // Raw mode (no echo by the terminal) before the question shows: an answer typed at once is never echoed.
      stdin.setRawMode(true);
      stdin.setEncoding('utf8');
      output.write(text);
      const done = (error?: Error) => {
        stdin.off('data', onData);
        stdin.setRawMode(wasRaw);
        stdin.pause();
        output.write('\n');
        if (error) reject(error);
        else resolve(answer);
      };
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n') return done();
          if (char === '\u0003' || char === '\u0004') return done(new TestkitError('INTERRUPTED', 'Interrupted while asking for the credentials.'));
          if (char === '\u007f' || char === '\b') {
            if (answer.length > 0) {
              answer = [...answer].slice(0, -1).join('');
              if (!hidden) output.write('\b \b');
            }
            continue;
          }
          // Other control characters (arrows, escape sequences) are not part of an answer.
          if (char < ' ') continue;
          if (answer.length >= MAX_ANSWER_LENGTH) continue;
          answer += char;
          if (!hidden) output.write(char);
        }
      };
      stdin.on('data', onData);
      stdin.resume();
    });
}
