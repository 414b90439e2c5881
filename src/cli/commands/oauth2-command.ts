import { TestkitError } from '../../shared/errors.js';
import { isSecretName, maskSecret, SecretRedactor } from '../../shared/mask.js';
import { DEFAULT_CALLBACK_PORT } from '../../shared/defaults.js';
import { isLoopbackHost } from '../../shared/loopback.js';
import { displayUrl } from '../../shared/text.js';
import type { FlowEdges, FlowReporter, FlowResult } from '../../flow/run-flow.js';
import type { FlowHttpEvent } from '../../flow/http-log.js';
import { runOAuth2Flow } from '../../flow/run-flow.js';
import { grantLabel } from '../../flow/grants.js';
import { describeFailure, jsonFailure, writeJson } from '../exit.js';
import type { SeededValues } from '../edges/mock-account.js';
import { ConsoleReporter } from '../reporter.js';

export interface OAuth2CommandOptions {
  configPath: string;
  testAccount?: string | undefined;
  authorization?: string | undefined;
  environment: string;
  /** `--environment` was given on the command line (not the default). */
  environmentGiven?: boolean | undefined;
  reauth?: boolean | undefined;
  mock?: boolean | undefined;
  resetMock?: boolean | undefined;
  /** `--mock-preset NAME|none`; default: the preset the authorization's URLs match. */
  mockPreset?: string | undefined;
  open?: boolean | undefined;
  tunnel: boolean;
  redirectUrl?: string | undefined;
  pkce: boolean;
  timeout: number;
  tokenTimeout: number;
  tokenIdleTimeout: number;
  json?: boolean | undefined;
  /** `--verbose`: every HTTP request the CLI sends, and its status, on stderr (secrets masked). */
  verbose?: boolean | undefined;
  /** The flags given on the command line that only a browser login uses (said unused by the other grants). */
  browserOptionsGiven?: string[] | undefined;
}

/** Runs `integration-cli oauth2`; returns the exit code (0 ok, 1 flow failure, 2 usage/config, 130 Ctrl-C). */
export async function runOAuth2Command(options: OAuth2CommandOptions): Promise<number> {
  const reporter = await new ConsoleReporter(process.stderr, { verbose: options.verbose }).init();
  const controller = new AbortController();
  const onSignal = () => {
    // A second Ctrl-C while cleaning up leaves at once.
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let cleanup: (() => Promise<void>) | undefined;
  // Template values --mock gives the account it writes (named in --json as `seeded`: name → where from).
  let seeded: SeededValues | undefined;
  try {
    if (options.resetMock && !options.mock) throw new TestkitError('USAGE', '--reset-mock only applies with --mock.');
    if (options.mockPreset !== undefined && !options.mock) throw new TestkitError('USAGE', '--mock-preset only applies with --mock.');
    if (options.mock && options.redirectUrl !== undefined) assertLoopbackRedirect(options.redirectUrl);
    // Under --mock any free port, so parallel --mock runs (CI) or one beside a waiting real login never collide.
    const port = callbackPort(process.env.OAUTH2_PORT, options.mock ? 0 : DEFAULT_CALLBACK_PORT);
    if (options.environmentGiven && (options.mock || !options.tunnel || options.redirectUrl !== undefined)) {
      const why = options.mock ? '--mock' : options.redirectUrl !== undefined ? '--redirect-url' : '--no-tunnel';
      reporter.warn(`--environment ${options.environment} is unused with ${why}: only the platform's callback-cli URL depends on it.`);
    }
    const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
    let edges: FlowEdges;
    let redirectUrl = options.redirectUrl;
    let mockState: string | undefined;
    let foreignCredentials = false;
    let configNote: string | undefined;
    if (options.mock) {
      const { checkMockPresetFlag, chooseMockPreset, presetPhrase } = await import('../edges/mock-preset.js');
      checkMockPresetFlag(options.mockPreset);
      const preset = await chooseMockPreset({ configPath: options.configPath, authorization: options.authorization, flag: options.mockPreset });
      configNote = presetPhrase(preset);
      const { createMockEdges, mockStatePath } = await import('../edges/mock-edges.js');
      const mock = await createMockEdges({
        configPath: options.configPath,
        open: options.open,
        reset: Boolean(options.resetMock),
        reporter,
        preset: preset.name,
      });
      edges = mock.edges;
      redirectUrl ??= mock.redirectUrl;
      cleanup = mock.close;
      mockState = mockStatePath(options.configPath);
      const { announceMockAccount } = await import('../edges/mock-account.js');
      const announced = await announceMockAccount({
        configPath: options.configPath,
        accountName: options.testAccount ?? 'mock',
        authorization: options.authorization,
        statePath: mockState,
        reporter,
      });
      foreignCredentials = announced.foreignCredentials;
      if (Object.keys(announced.seeded.sources).length > 0) seeded = announced.seeded;
    } else {
      edges = await realEdges(options, reporter);
    }
    if (process.stdin.isTTY && process.stderr.isTTY) {
      const { terminalPrompt } = await import('../edges/prompt.js');
      edges.prompt = terminalPrompt(process.stdin, process.stderr, () => reporter.stopSpinner());
    }
    const { refreshTokenPitfall } = await import('../edges/provider-pitfalls.js');
    edges.noRefreshTokenCause = refreshTokenPitfall;
    const result = await runOAuth2Flow(
      {
        configPath: options.configPath,
        testAccount: options.testAccount ?? (options.mock ? 'mock' : 'development'),
        authorization: options.authorization,
        environment: options.environment,
        // A reset mock no longer knows the stored refresh token: log in anew.
        // Nor can it refresh a real refresh token found in the account.
        reauth: options.reauth || options.resetMock || foreignCredentials,
        redirectUrl,
        tunnel: options.mock ? false : options.tunnel,
        pkce: options.pkce,
        port,
        timeoutMs: options.timeout * 1000,
        tokenTimeoutMs: Math.round(options.tokenTimeout * 1000),
        tokenIdleTimeoutMs: Math.round(options.tokenIdleTimeout * 1000),
        signal: controller.signal,
        interactive,
        ...(seeded ? { accountDefaults: seeded.values } : {}),
        browserOptionsGiven: options.browserOptionsGiven,
      },
      { ...edges, reporter: configNote === undefined ? reporter : withConfigNote(reporter, configNote) },
    );
    if (mockState) {
      const { rememberMockTokens } = await import('../edges/mock-account.js');
      await rememberMockTokens(mockState, result.testAccount, result.tokens);
    }
    if (options.json) writeJson({ ...jsonResult(result), ...(seeded ? { seeded: seeded.sources } : {}) });
    else reporter.info(summary(result));
    return 0;
  } catch (error) {
    const failure = describeFailure(error);
    if (options.json) writeJson(jsonFailure(failure, seeded ? { seeded: seeded.sources } : {}));
    reporter.error(failure.message);
    return failure.exitCode;
  } finally {
    reporter.stopSpinner();
    await cleanup?.();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The flow's reporter, with `note` after the config line (`--mock`: the preset it runs and why). */
function withConfigNote(reporter: ConsoleReporter, note: string): FlowReporter {
  return {
    start: (step, text) => reporter.start(step, text),
    succeed: (step, text) => reporter.succeed(step, step === 'config' ? `${text}; ${note}` : text),
    warn: (text) => reporter.warn(text),
    ...(typeof reporter.http === 'function' ? { http: (event: FlowHttpEvent) => reporter.http?.(event) } : {}),
  };
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

/**
 * `OAUTH2_PORT`: the callback server's port; unset or empty gives `fallback` ({@link DEFAULT_CALLBACK_PORT}
 * for a real login, 0 (any free port) under `--mock`).
 */
export function callbackPort(value: string | undefined, fallback: number = DEFAULT_CALLBACK_PORT): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TestkitError('USAGE', `OAUTH2_PORT must be a port number from 0 to 65535, got "${value}".`);
  }
  return port;
}

/** `--mock` stays offline: a `--redirect-url` that leaves this machine is a usage error (exit 2). */
function assertLoopbackRedirect(redirectUrl: string): void {
  let hostname: string | undefined;
  try {
    hostname = new URL(redirectUrl).hostname;
  } catch {
    hostname = undefined;
  }
  if (hostname === undefined || !isLoopbackHost(hostname)) {
    throw new TestkitError(
      'USAGE',
      `--mock runs offline, but --redirect-url ${displayUrl(redirectUrl)} is not a loopback URL. Drop --redirect-url (the mock picks its own) or pass one on localhost, 127.0.0.1 or [::1].`,
    );
  }
}

function maskedTokens(result: FlowResult) {
  const { tokens } = result;
  return {
    accessToken: maskSecret(tokens.accessToken),
    ...(tokens.refreshToken ? { refreshToken: maskSecret(tokens.refreshToken) } : {}),
    ...(tokens.tokenType ? { tokenType: tokens.tokenType } : {}),
    ...(tokens.expiresIn !== undefined ? { expiresIn: tokens.expiresIn } : {}),
    ...(tokens.scope !== undefined ? { scope: tokens.scope } : {}),
    ...(Object.keys(tokens.extra).length ? { oauth2ExtraParameters: maskedExtra(tokens.extra, tokens) } : {}),
  };
}

/**
 * `oauth2ExtraParameters` in the shape it is written to the file (same keys, nesting and non-string values), with
 * every string under a credential name (`id_token`, `*_secret`, `*token*`…) masked, and the run's tokens masked
 * wherever else they appear.
 */
function maskedExtra(extra: Record<string, unknown>, tokens: { accessToken: string; refreshToken?: string | undefined }): unknown {
  const known = new SecretRedactor();
  known.add(tokens.accessToken);
  known.add(tokens.refreshToken);
  const mask = (value: unknown, secret: boolean): unknown => {
    if (typeof value === 'string') return secret ? maskSecret(value) : known.redact(value);
    if (Array.isArray(value)) return value.map((item) => mask(item, secret));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        Object.defineProperty(out, key, { value: mask(item, secret || isSecretName(key)), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return value;
  };
  // TokenSet.extra is already bounded (at most 10 levels, 32 KiB), so the recursion is too.
  return mask(extra, false);
}

function jsonResult(result: FlowResult) {
  return {
    ok: true as const,
    mode: result.mode,
    configPath: result.configPath,
    testAccount: result.testAccount,
    authorization: result.authorization,
    grantType: result.grantType,
    ...(result.redirectUri ? { redirectUri: result.redirectUri } : {}),
    tokens: maskedTokens(result),
  };
}

function summary(result: FlowResult): string {
  const tokens = maskedTokens(result);
  const lines = [
    `${result.mode === 'refresh' ? 'Refreshed' : result.grantType === 'authorization_code' ? 'Logged in' : `New token (grant ${grantLabel(result.grantType)})`}: testAccounts.${result.testAccount} now holds`,
    `  accessToken   ${tokens.accessToken}`,
  ];
  if (tokens.refreshToken) lines.push(`  refreshToken  ${tokens.refreshToken}`);
  if (tokens.expiresIn !== undefined) lines.push(`  expiresIn     ${tokens.expiresIn} s`);
  if (tokens.scope) lines.push(`  scope         ${tokens.scope}`);
  return lines.join('\n');
}
