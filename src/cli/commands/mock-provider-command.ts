import { TestkitError } from '../../shared/errors.js';
import { describeFailure, jsonFailure, writeJson } from '../exit.js';
import type { RequestLogEntry } from '../../shared/request-log.js';
import { ConsoleReporter, requestLine } from '../reporter.js';
import { untilInterrupted } from '../until-interrupted.js';
import type { MockGrantType } from '../../mock-provider/index.js';

export interface MockProviderCommandOptions {
  port: number;
  host: string;
  clientId: string;
  clientSecret: string;
  redirectUri?: string[];
  scope?: string[];
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  rotateRefreshTokens: boolean;
  login: 'auto' | 'form';
  accessTokenFormat: 'opaque' | 'jwt';
  quirk?: string[];
  /** Grant types (RFC names), repeatable; default every grant but jwt-bearer. */
  grant?: string[];
  /** The only password the default user accepts (password grant). */
  userPassword?: string;
  /** PEM public key text of the client (jwt-bearer). */
  clientPublicKey?: string;
  preset?: string;
  json?: boolean;
  publicUrl?: string;
  quiet?: boolean;
  /** The control API's token (else `MOCK_PROVIDER_CONTROL_TOKEN`, else random per start). */
  controlToken?: string;
}

/** Addresses that listen on every interface: not one a client can use as the issuer. */
const UNSPECIFIED_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '[::]']);

/** Runs `integration-cli mock-provider` until Ctrl-C; returns the exit code. */
export async function runMockProviderCommand(options: MockProviderCommandOptions): Promise<number> {
  const reporter = await new ConsoleReporter().init();
  try {
    const { DEFAULT_USERS, PRESET_NAMES, QUIRK_NAMES, startMockProvider } = await import('../../mock-provider/index.js');
    if (options.preset !== undefined && !(PRESET_NAMES as readonly string[]).includes(options.preset)) {
      throw new TestkitError('USAGE', `Unknown preset "${options.preset}". Known presets: ${PRESET_NAMES.join(', ')}.`);
    }
    const quirks: Record<string, boolean> = {};
    for (const name of options.quirk ?? []) {
      if (!(QUIRK_NAMES as readonly string[]).includes(name)) {
        throw new TestkitError('USAGE', `Unknown quirk "${name}". Known quirks: ${QUIRK_NAMES.join(', ')}.`);
      }
      quirks[name] = true;
    }
    if (UNSPECIFIED_HOSTS.has(options.host) && options.publicUrl === undefined) {
      reporter.warn(
        `--host ${options.host} listens on every interface, but the issuer stays on 127.0.0.1: clients on other hosts or in containers need --public-url (for example --public-url http://mock-provider:${options.port}).`,
      );
    }
    const controlToken = options.controlToken ?? (process.env.MOCK_PROVIDER_CONTROL_TOKEN || undefined);
    if (controlToken !== undefined && !/^[\x21-\x7E]{1,512}$/.test(controlToken)) {
      const source = options.controlToken === undefined ? 'MOCK_PROVIDER_CONTROL_TOKEN' : '--control-token';
      throw new TestkitError('USAGE', `${source} must be 1 to 512 visible ASCII characters without spaces.`);
    }
    const provider = await startMockProvider({
      control: controlToken === undefined ? true : { token: controlToken },
      port: options.port,
      host: options.host,
      ...(options.publicUrl === undefined ? {} : { issuer: options.publicUrl }),
      ...(options.quiet === true ? {} : { onRequest: (entry: RequestLogEntry) => reporter.info(requestLine(entry)) }),
      clients: [
        {
          clientId: options.clientId,
          clientSecret: options.clientSecret,
          ...(options.redirectUri ? { redirectUris: options.redirectUri } : {}),
          ...(options.scope ? { scopes: options.scope } : {}),
          grantTypes: (options.grant ?? ['authorization_code', 'refresh_token', 'client_credentials', 'password']) as MockGrantType[],
          ...(options.clientPublicKey === undefined ? {} : { publicKey: options.clientPublicKey }),
        },
      ],
      ...(options.userPassword === undefined
        ? {}
        : { users: DEFAULT_USERS.map((user, index) => ({ ...user, ...(index === 0 ? { password: options.userPassword } : {}) })) }),
      ...(options.accessTokenTtl ? { accessTokenTtl: options.accessTokenTtl } : {}),
      ...(options.refreshTokenTtl ? { refreshTokenTtl: options.refreshTokenTtl } : {}),
      // Only an explicit --no-rotate-refresh-tokens is passed on: the default lets a quirk such as
      // omitRefreshTokenOnRefresh turn rotation off, as the provider it imitates does.
      ...(options.rotateRefreshTokens === false ? { rotateRefreshTokens: false } : {}),
      login: options.login,
      accessTokenFormat: options.accessTokenFormat,
      quirks,
      ...(options.preset === undefined ? {} : { preset: options.preset as (typeof PRESET_NAMES)[number] }),
    });
    const endpoints = {
      issuer: provider.issuer,
      authorizationUrl: provider.authorizationUrl,
      tokenUrl: provider.tokenUrl,
      userinfoUrl: provider.userinfoUrl,
      resourceUrl: provider.resourceUrl,
      revocationUrl: provider.revocationUrl,
      introspectionUrl: provider.introspectionUrl,
      jwksUrl: provider.jwksUrl,
    };
    const control = provider.control as { url: string; token: string };
    if (options.json) {
      writeJson({
        ok: true,
        ...endpoints,
        ...(options.preset === undefined ? {} : { preset: options.preset, endpoints: provider.endpoints }),
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        grantTypes: provider.clients[0]?.grantTypes ?? [],
        controlUrl: control.url,
        controlToken: control.token,
      });
    }
    for (const [name, url] of Object.entries(endpoints)) reporter.info(`${name.padEnd(17)} ${url}`);
    if (options.preset !== undefined) {
      reporter.info(`${'preset'.padEnd(17)} ${options.preset}`);
      for (const [name, url] of Object.entries(provider.endpoints)) reporter.info(`  ${name.padEnd(15)} ${url}`);
    }
    reporter.info(`${'clientId'.padEnd(17)} ${options.clientId}`);
    reporter.info(`${'clientSecret'.padEnd(17)} ${options.clientSecret}`);
    reporter.info(`${'grant types'.padEnd(17)} ${provider.clients[0]?.grantTypes.join(' ') ?? ''}`);
    reporter.info(`${'redirect URIs'.padEnd(17)} ${options.redirectUri?.join(' ') ?? 'any loopback http://127.0.0.1:<port>/callback'}`);
    reporter.info(`${'inspector'.padEnd(17)} ${control.url}?token=${encodeURIComponent(control.token)}`);
    reporter.info(`Mock provider ready on ${provider.issuer}; control API ${control.url} token ${control.token} (Ctrl-C or SIGTERM to stop)`);
    await untilInterrupted();
    await provider.close();
    return 0;
  } catch (error) {
    const failure = describeFailure(error);
    if (options.json) writeJson(jsonFailure(failure));
    reporter.error(failure.message);
    return failure.exitCode;
  }
}
