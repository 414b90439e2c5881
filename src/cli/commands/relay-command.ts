import { startRelayServer } from '../../flow/relay.js';
import { describeFailure } from '../exit.js';
import { ConsoleReporter } from '../reporter.js';
import { untilInterrupted } from '../until-interrupted.js';

/** Runs `integration-cli relay` until Ctrl-C; returns the exit code. */
export async function runRelayCommand(options: { port: number; host: string }): Promise<number> {
  const reporter = await new ConsoleReporter().init();
  try {
    const relay = await startRelayServer({ port: options.port, host: options.host });
    reporter.info(`Relay redirect URL: ${relay.redirectUrl}`);
    reporter.info('Register it as the redirect URL (or pass it with --redirect-url); it forwards to the callback in `state`.');
    reporter.info(`Relay ready on ${relay.url} (Ctrl-C to stop)`);
    await untilInterrupted();
    await relay.close();
    return 0;
  } catch (error) {
    const failure = describeFailure(error);
    reporter.error(failure.message);
    return failure.exitCode;
  }
}
