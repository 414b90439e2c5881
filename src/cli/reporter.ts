import { styleText } from 'node:util';
import type { RequestLogEntry } from '../shared/request-log.js';
import type { FlowHttpEvent } from '../flow/http-log.js';
import type { FlowReporter, FlowStep } from '../flow/run-flow.js';

type Spinner = { text: string; start(): Spinner; success(text?: string): Spinner; stop(): Spinner };

/**
 * Human progress on stderr: one short line per step, a spinner while a step runs when stderr is a TTY,
 * colour only on a TTY. Machine output never goes here.
 */
export class ConsoleReporter implements FlowReporter {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  #spinner: Spinner | undefined;
  #createSpinner: ((text: string) => Spinner) | undefined;
  readonly #verbose: boolean;

  /** `verbose`: also print every HTTP request the flow sends and its status (`--verbose`). */
  constructor(stream: NodeJS.WriteStream = process.stderr, options: { verbose?: boolean | undefined } = {}) {
    this.#stream = stream;
    this.#tty = Boolean(stream.isTTY) && !process.env.CI;
    this.#verbose = options.verbose === true;
  }

  /**
   * `--verbose`: the request when it is sent (method and URL, then each header and the body, indented), and the
   * status when the answer starts. The flow has masked every secret in the event already.
   */
  http(event: FlowHttpEvent): void {
    if (!this.#verbose) return;
    this.stopSpinner();
    if (event.kind === 'request') {
      this.line(`${event.method} ${event.url}`, this.color('cyan', '→'));
      for (const [name, value] of event.headers) this.line(`    ${name}: ${value}`);
      if (event.body !== '') this.line(`    ${event.body.replace(/[\r\n]+/g, ' ')}`);
      return;
    }
    const took = `${Math.round(event.durationMs)} ms`;
    if (event.kind === 'response') {
      this.line(`${event.status}${event.statusText ? ` ${event.statusText}` : ''} from ${event.method} ${event.url} (${took})`, this.color('cyan', '←'));
    } else {
      this.line(`no answer from ${event.method} ${event.url} (${took}): ${event.message.replace(/[\r\n]+/g, ' ')}`, this.color('cyan', '←'));
    }
  }

  /** Loads the spinner only on a TTY, so scripted runs and `--help` never pay for it. */
  async init(): Promise<this> {
    if (this.#tty) {
      const { default: yoctoSpinner } = await import('yocto-spinner');
      this.#createSpinner = (text) => yoctoSpinner({ text, stream: this.#stream, handleSignals: false }) as Spinner;
    }
    return this;
  }

  start(_step: FlowStep, text: string): void {
    if (this.#createSpinner) {
      this.#spinner?.stop();
      this.#spinner = this.#createSpinner(stripControl(text)).start();
    }
  }

  succeed(_step: FlowStep, text: string): void {
    if (this.#spinner) {
      this.#spinner.success(stripControl(text));
      this.#spinner = undefined;
      return;
    }
    this.line(text, this.color('green', '✔'));
  }

  warn(text: string): void {
    this.stopSpinner();
    this.line(text, this.color('yellow', '!'));
  }

  info(text: string): void {
    this.stopSpinner();
    this.line(text);
  }

  error(text: string): void {
    this.stopSpinner();
    this.line(text, this.color('red', 'error:'));
  }

  /** Writes a line that must stand alone (e.g. the authorize URL under --no-open). */
  raw(text: string): void {
    this.stopSpinner();
    this.#stream.write(`${stripControl(text)}\n`);
  }

  stopSpinner(): void {
    this.#spinner?.stop();
    this.#spinner = undefined;
  }

  /** Text is sanitised; the prefix is ours (and may be coloured). */
  private line(text: string, prefix?: string): void {
    this.#stream.write(`${prefix === undefined ? '' : `${prefix} `}${stripControl(text)}\n`);
  }

  private color(format: Parameters<typeof styleText>[0], text: string): string {
    return this.#tty ? styleText(format, text) : text;
  }
}

/**
 * Removes control characters (ANSI escapes included) except newlines and tabs: messages carry text from the
 * provider (`error_description`, page excerpts) that must not drive the user's terminal.
 */
export function stripControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

/** One request-log line of `mock-provider` and `relay`: method, path (never the query), status, milliseconds. */
export function requestLine(entry: RequestLogEntry): string {
  return `${entry.method} ${entry.path} ${entry.status} ${Math.round(entry.durationMs)} ms`;
}
