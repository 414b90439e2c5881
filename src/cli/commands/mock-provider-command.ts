import { TestkitError } from '../../shared/errors.js';
import { maskSecret } from '../../shared/mask.js';
import { describeFailure, jsonFailure, writeJson } from '../exit.js';
import type { RequestLogEntry } from '../../shared/request-log.js';
import { ConsoleReporter, requestLine } from '../reporter.js';
import { untilInterrupted } from '../until-interrupted.js';
import type { MockClientOptions, MockGrantType, MockProviderOptions } from '../../mock-provider/index.js';
import type { ConfigLock } from '../../flow/token-store.js';
import { type MockConfigFile, fromKeys, readMockConfigFile } from './mock-provider-config.js';

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
  /** `--log`: `text` (default) or `json`, one object per request line. */
  log?: 'text' | 'json';
  /** The control API's token (else `MOCK_PROVIDER_CONTROL_TOKEN`, else random per start). */
  controlToken?: string;
  /** `--state PATH`: persist to this state file. */
  state?: string;
  /** `--config-path`: the connector config whose `oauth2 --mock` state file and client this server takes. */
  configPath?: string;
  /** `--config FILE`: JSON `createMockProvider` options (clients, users, preset, TTLs, quirks…). */
  config?: string;
  /** The options given on the command line (not defaults): they win over `--config`. */
  given?: readonly string[];
}

/** The flags that describe the flag client (`--client-id`…): given, that client is served beside `--config`'s. */
const CLIENT_FLAGS = ['clientId', 'clientSecret', 'redirectUri', 'scope', 'grant', 'clientPublicKey'];

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
    const given = new Set(options.given ?? []);
    const file = options.config === undefined ? undefined : await readMockConfigFile(options.config);
    const fromFile: MockConfigFile = file?.options ?? {};
    if (options.state !== undefined && options.configPath !== undefined) {
      throw new TestkitError('USAGE', '--state and --config-path both choose the state file: pass one of them.');
    }
    const { resolve } = await import('node:path');
    let statePath = options.state === undefined ? undefined : resolve(options.state);
    let configClient: MockClientOptions | undefined;
    const configQuirks: Record<string, boolean> = {};
    let lock: ConfigLock | undefined;
    if (options.configPath !== undefined) {
      const { loadConfig, selectAuthorization } = await import('../../flow/config.js');
      const { mockStatePath } = await import('../edges/mock-edges.js');
      const config = await loadConfig(options.configPath);
      const settings = selectAuthorization(config.data, undefined, config.path).authorization.oauth2;
      statePath = mockStatePath(options.configPath);
      const grant = settings.grantType === 'client_credentials' || settings.grantType === 'password' ? [settings.grantType] : [];
      configClient = {
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
        scopes: (settings.scopes ?? []).map((scope) => scope.name),
        grantTypes: ['authorization_code', 'refresh_token', ...grant] as MockGrantType[],
      };
      // As `oauth2 --mock` configures its embedded provider for this config.
      if (settings.requestContentType === 'application/json') configQuirks.jsonTokenRequests = true;
      if (settings.responseContentType === 'application/x-www-form-urlencoded') configQuirks.formTokenResponses = true;
      // Held until the server file is written: an `oauth2 --mock` run then either finished before (and its
      // embedded provider wrote the state) or starts after and finds this server.
      const { acquireConfigLock } = await import('../../flow/token-store.js');
      lock = await acquireConfigLock(options.configPath);
    }
    // The mock's own made-up secret is printed on purpose; a connector's real one from its .unito.json never is.
    const realSecret = configClient?.clientSecret;
    const printable = (secret: string): string => (realSecret !== undefined && secret === realSecret ? maskSecret(secret) : secret);
    let provider: Awaited<ReturnType<typeof startMockProvider>>;
    // The client the output names: the config's, else the flag client, else the first of --config.
    let shown = { clientId: options.clientId, clientSecret: options.clientSecret };
    try {
      if (statePath !== undefined) {
        const { findMockServer } = await import('../edges/mock-server-file.js');
        const found = await findMockServer(statePath);
        if (found.status === 'running') {
          throw new TestkitError(
            'USAGE',
            `The mock provider ${found.info.issuer} (pid ${found.info.pid}) already serves ${statePath}: stop it first, or use it (oauth2 --mock does).`,
          );
        }
        if (found.status === 'stale') reporter.warn(`Ignoring ${found.file}: ${found.reason}.`);
      }
      const flagClient: MockClientOptions = {
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        ...(options.redirectUri ? { redirectUris: options.redirectUri } : {}),
        ...(options.scope ? { scopes: options.scope } : {}),
        grantTypes: (options.grant ?? ['authorization_code', 'refresh_token', 'client_credentials', 'password']) as MockGrantType[],
        ...(options.clientPublicKey === undefined ? {} : { publicKey: options.clientPublicKey }),
      };
      // The flag client (defaults included) unless --config declares clients and no client flag is given.
      const withFlagClient = fromFile.clients === undefined || CLIENT_FLAGS.some((name) => given.has(name));
      const extra = [...(withFlagClient ? [flagClient] : []), ...(configClient ? [configClient] : [])];
      const extraIds = new Set(extra.map((client) => client.clientId));
      const clients = [...(fromFile.clients ?? []).filter((client) => !extraIds.has(client.clientId)), ...extra];
      const primary = configClient ?? (withFlagClient ? flagClient : clients[0]);
      const pick = <K extends keyof MockConfigFile>(key: K, flag: string, value: MockConfigFile[K]): Partial<MockConfigFile> =>
        given.has(flag) ? { [key]: value } : fromFile[key] === undefined ? (value === undefined ? {} : { [key]: value }) : { [key]: fromFile[key] };
      const startOptions: MockProviderOptions = {
        ...fromFile,
        control: controlToken === undefined ? true : { token: controlToken },
        port: options.port,
        host: options.host,
        ...(options.publicUrl === undefined ? {} : { issuer: options.publicUrl }),
        ...(options.quiet === true ? {} : { onRequest: (entry: RequestLogEntry) => logRequest(entry, options.log ?? 'text', reporter) }),
        ...(statePath === undefined ? {} : { statePath }),
        clients,
        ...(options.userPassword === undefined
          ? {}
          : { users: DEFAULT_USERS.map((user, index) => ({ ...user, ...(index === 0 ? { password: options.userPassword } : {}) })) }),
        ...pick('accessTokenTtl', 'accessTokenTtl', options.accessTokenTtl),
        ...pick('refreshTokenTtl', 'refreshTokenTtl', options.refreshTokenTtl),
        // Only an explicit --no-rotate-refresh-tokens is passed on: the default lets a quirk such as
        // omitRefreshTokenOnRefresh turn rotation off, as the provider it imitates does.
        ...(options.rotateRefreshTokens === false ? { rotateRefreshTokens: false } : {}),
        ...pick('login', 'login', options.login),
        ...pick('accessTokenFormat', 'accessTokenFormat', options.accessTokenFormat),
        quirks: { ...configQuirks, ...(fromFile.quirks ?? {}), ...quirks },
        ...(options.preset === undefined ? {} : { preset: options.preset as (typeof PRESET_NAMES)[number] }),
      };
      try {
        provider = await startMockProvider(startOptions);
      } catch (error) {
        const option = (error as { code?: unknown; option?: unknown }).option;
        if (file !== undefined && (error as { code?: unknown }).code === 'MOCK_PROVIDER_OPTIONS' && typeof option === 'string') {
          const fileClients = clients.length - extra.length;
          const clientIndex = /^clients\[(\d+)\]/.exec(option)?.[1];
          const ours = clientIndex !== undefined && Number(clientIndex) >= fileClients;
          if (!ours && fromKeys(option, Object.keys(fromFile))) {
            throw new TestkitError('USAGE', `${file.path}: ${option}: ${(error as Error).message}`, {
              cause: error,
              details: { path: file.path, jsonPath: option },
            });
          }
        }
        throw error;
      }
      if (statePath !== undefined) {
        const { writeMockServerFile } = await import('../edges/mock-server-file.js');
        const control = provider.control as { url: string; token: string };
        await writeMockServerFile(statePath, {
          version: 1,
          pid: process.pid,
          issuer: provider.issuer,
          authorizationUrl: provider.authorizationUrl,
          tokenUrl: provider.tokenUrl,
          controlUrl: control.url,
          controlToken: control.token,
        });
      }
      shown = { clientId: primary?.clientId ?? options.clientId, clientSecret: primary?.clientSecret ?? options.clientSecret ?? '' };
    } finally {
      await lock?.release();
    }
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
        clientId: shown.clientId,
        clientSecret: printable(shown.clientSecret),
        grantTypes: provider.clients[0]?.grantTypes ?? [],
        controlUrl: control.url,
        controlToken: control.token,
        ...(statePath === undefined ? {} : { statePath }),
      });
    }
    for (const [name, url] of Object.entries(endpoints)) reporter.info(`${name.padEnd(17)} ${url}`);
    if (options.preset !== undefined) {
      reporter.info(`${'preset'.padEnd(17)} ${options.preset}`);
      for (const [name, url] of Object.entries(provider.endpoints)) reporter.info(`  ${name.padEnd(15)} ${url}`);
    }
    if (statePath !== undefined) reporter.info(`${'state'.padEnd(17)} ${statePath}`);
    reporter.info(`${'clientId'.padEnd(17)} ${shown.clientId}`);
    reporter.info(`${'clientSecret'.padEnd(17)} ${printable(shown.clientSecret)}`);
    reporter.info(`${'grant types'.padEnd(17)} ${provider.clients[0]?.grantTypes.join(' ') ?? ''}`);
    reporter.info(`${'redirect URIs'.padEnd(17)} ${options.redirectUri?.join(' ') ?? 'any loopback http://127.0.0.1:<port>/callback'}`);
    reporter.info(`${'inspector'.padEnd(17)} ${control.url}?token=${encodeURIComponent(control.token)}`);
    reporter.info(`Mock provider ready on ${provider.issuer}; control API ${control.url} token ${control.token} (Ctrl-C or SIGTERM to stop)`);
    await untilInterrupted();
    await provider.close();
    if (statePath !== undefined) {
      const { removeMockServerFile } = await import('../edges/mock-server-file.js');
      await removeMockServerFile(statePath);
    }
    return 0;
  } catch (error) {
    const failure = describeFailure(error);
    if (options.json) writeJson(jsonFailure(failure));
    reporter.error(failure.message);
    return failure.exitCode;
  }
}

/** One request log line on stderr: `GET /token 200 3 ms`, or with `--log json` one JSON object (no query: codes and state stay out). */
function logRequest(entry: RequestLogEntry, format: 'text' | 'json', reporter: ConsoleReporter): void {
  if (format === 'text') {
    reporter.info(requestLine(entry));
    return;
  }
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), method: entry.method, path: entry.path, status: entry.status, durationMs: Math.round(entry.durationMs) })}\n`,
  );
}
