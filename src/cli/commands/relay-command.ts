import { allowCallbackHosts, startRelayServer } from '../../flow/relay.js';
import { describeFailure } from '../exit.js';
import type { RequestLogEntry } from '../../shared/request-log.js';
import { ConsoleReporter, requestLine } from '../reporter.js';
import { untilInterrupted } from '../until-interrupted.js';

/** Runs `integration-cli relay` until Ctrl-C; returns the exit code. */
export async function runRelayCommand(
  options: { port: number; host: string; allowHost?: string[]; quiet?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const reporter = await new ConsoleReporter().init();
  try {
    // An explicit list (--allow-host, else NGROK_DOMAIN) replaces "any ngrok host": a forged state cannot then send
    // the code to somebody else's tunnel.
    const hosts = options.allowHost ?? (env.NGROK_DOMAIN ? [env.NGROK_DOMAIN] : []);
    const allowList =
      hosts.length === 0
        ? {}
        : { isAllowed: allowCallbackHosts(hosts), allowListText: `https://${hosts.join('/callback, https://')}/callback or a loopback /callback` };
    const log = options.quiet === true ? {} : { onRequest: (entry: RequestLogEntry) => reporter.info(requestLine(entry)) };
    const relay = await startRelayServer({ port: options.port, host: options.host, ...allowList, ...log });
    reporter.info(
      hosts.length === 0
        ? 'Callbacks allowed: any https ngrok host and loopback (pass --allow-host to narrow this).'
        : `Callbacks allowed: ${allowList.allowListText}.`,
    );
    reporter.info(`Relay redirect URL: ${relay.redirectUrl}`);
    reporter.info('Register it as the redirect URL (or pass it to `integration-cli oauth2 --redirect-url`); it forwards to the callback in `state`.');
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
