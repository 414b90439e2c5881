import { TestkitError } from '../../shared/errors.js';
import { maskSecret } from '../../shared/mask.js';
import { DEFAULT_CALLBACK_PORT } from '../../shared/defaults.js';
import type { FlowEdges, FlowResult } from '../../flow/run-flow.js';
import { runOAuth2Flow } from '../../flow/run-flow.js';
import { describeFailure } from '../exit.js';
import { ConsoleReporter } from '../reporter.js';

export interface OAuth2CommandOptions {
  configPath: string;
  testAccount?: string;
  authorization?: string;
  environment: string;
  reauth?: boolean;
  mock?: boolean;
  resetMock?: boolean;
  open?: boolean;
  tunnel: boolean;
  redirectUrl?: string;
  pkce: boolean;
  timeout: number;
  tokenTimeout: number;
  tokenIdleTimeout: number;
  json?: boolean;
}

/** Runs `integration-cli oauth2`; returns the exit code (0 ok, 1 flow failure, 2 usage/config, 130 Ctrl-C). */
export async function runOAuth2Command(options: OAuth2CommandOptions): Promise<number> {
  const reporter = await new ConsoleReporter().init();
  const controller = new AbortController();
  const onSignal = () => {
    // A second Ctrl-C while cleaning up leaves at once.
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let cleanup: (() => Promise<void>) | undefined;
  try {
    if (options.resetMock && !options.mock) throw new TestkitError('USAGE', '--reset-mock only applies with --mock.');
    const port = callbackPort(process.env.OAUTH2_PORT);
    const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
    let edges: FlowEdges;
    let redirectUrl = options.redirectUrl;
    if (options.mock) {
      const { createMockEdges } = await import('../edges/mock-edges.js');
      const mock = await createMockEdges({
        configPath: options.configPath,
        open: options.open,
        reset: Boolean(options.resetMock),
        reporter,
      });
      edges = mock.edges;
      redirectUrl ??= mock.redirectUrl;
      cleanup = mock.close;
    } else {
      edges = await realEdges(options, reporter);
    }
    const result = await runOAuth2Flow(
      {
        configPath: options.configPath,
        testAccount: options.testAccount ?? (options.mock ? 'mock' : 'development'),
        authorization: options.authorization,
        environment: options.environment,
        // A reset mock no longer knows the stored refresh token: log in anew.
        reauth: options.reauth || options.resetMock,
        redirectUrl,
        tunnel: options.mock ? false : options.tunnel,
        pkce: options.pkce,
        port,
        timeoutMs: options.timeout * 1000,
        tokenTimeoutMs: Math.round(options.tokenTimeout * 1000),
        tokenIdleTimeoutMs: Math.round(options.tokenIdleTimeout * 1000),
        signal: controller.signal,
        interactive,
      },
      { ...edges, reporter },
    );
    if (options.json) process.stdout.write(`${JSON.stringify(jsonResult(result))}\n`);
    else reporter.info(summary(result));
    return 0;
  } catch (error) {
    const failure = describeFailure(error);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ok: false, error: { code: failure.code, message: failure.message } })}\n`);
    }
    reporter.error(failure.message);
    return failure.exitCode;
  } finally {
    reporter.stopSpinner();
    await cleanup?.();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function realEdges(options: OAuth2CommandOptions, reporter: ConsoleReporter): Promise<FlowEdges> {
  const edges: FlowEdges = {
    browser: async (url) => {
      if (options.open === false) {
        reporter.info('Open this URL in a browser to log in:');
        reporter.raw(url);
        return;
      }
      const { default: open } = await import('open');
      try {
        await open(url);
      } catch (cause) {
        throw new TestkitError('BROWSER_FAILED', 'Could not open a browser. Run again with --no-open and open the printed URL yourself.', { cause });
      }
      reporter.info(`If no browser opened, visit:\n${url}`);
    },
  };
  if (options.tunnel) {
    const { createNgrokTunnel, resolveNgrokOptions } = await import('../../flow/tunnel.js');
    let ngrok: ReturnType<typeof resolveNgrokOptions> | undefined;
    edges.tunnel = {
      check: () => {
        ngrok = resolveNgrokOptions(process.env);
      },
      open: (port) => createNgrokTunnel(ngrok ?? resolveNgrokOptions(process.env))(port),
    };
  }
  return edges;
}

/** `OAUTH2_PORT`: the callback server's port, default {@link DEFAULT_CALLBACK_PORT}. */
export function callbackPort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_CALLBACK_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TestkitError('USAGE', `OAUTH2_PORT must be a port number from 0 to 65535, got "${value}".`);
  }
  return port;
}

function maskedTokens(result: FlowResult) {
  const { tokens } = result;
  return {
    accessToken: maskSecret(tokens.accessToken),
    ...(tokens.refreshToken ? { refreshToken: maskSecret(tokens.refreshToken) } : {}),
    ...(tokens.tokenType ? { tokenType: tokens.tokenType } : {}),
    ...(tokens.expiresIn !== undefined ? { expiresIn: tokens.expiresIn } : {}),
    ...(tokens.scope !== undefined ? { scope: tokens.scope } : {}),
    ...(Object.keys(tokens.extra).length ? { oauth2ExtraParameters: Object.keys(tokens.extra) } : {}),
  };
}

function jsonResult(result: FlowResult) {
  return {
    ok: true,
    mode: result.mode,
    configPath: result.configPath,
    testAccount: result.testAccount,
    authorization: result.authorization,
    ...(result.redirectUri ? { redirectUri: result.redirectUri } : {}),
    tokens: maskedTokens(result),
  };
}

function summary(result: FlowResult): string {
  const tokens = maskedTokens(result);
  const lines = [
    `${result.mode === 'refresh' ? 'Refreshed' : 'Logged in'}: testAccounts.${result.testAccount} now holds`,
    `  accessToken   ${tokens.accessToken}`,
  ];
  if (tokens.refreshToken) lines.push(`  refreshToken  ${tokens.refreshToken}`);
  if (tokens.expiresIn !== undefined) lines.push(`  expiresIn     ${tokens.expiresIn} s`);
  if (tokens.scope) lines.push(`  scope         ${tokens.scope}`);
  return lines.join('\n');
}
