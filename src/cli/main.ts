#!/usr/bin/env node
// First: every module loaded after it is compiled once and then read from Node's compile cache.
import './compile-cache.js';
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_REFRESH_TOKEN_TTL } from '../mock-provider/defaults.js';
import { DEFAULT_CALLBACK_PORT } from '../shared/defaults.js';

// Keep this module light: `--help` must not load oidc-provider, ngrok or the flow.
// Each action imports what it needs when it runs.

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    }
    return parsed;
  };
}

function seconds(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be a number of seconds from ${min} to ${max}.`);
    }
    return parsed;
  };
}

function nonEmpty(name: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${name} must not be empty.`);
    return value;
  };
}

function absoluteUri(name: string) {
  return (value: string): string => {
    const url = URL.parse(value);
    if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:' && !/^[a-z][a-z0-9+.-]*:$/i.test(url.protocol))) {
      throw new InvalidArgumentError(`${name} must be an absolute URI such as http://127.0.0.1:8080/callback, got ${JSON.stringify(value)}.`);
    }
    if (url.hash !== '') throw new InvalidArgumentError(`${name} must not have a fragment (RFC 6749 §3.1.2), got ${JSON.stringify(value)}.`);
    return value;
  };
}

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
function scopeToken(value: string): string {
  if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(value)) {
    throw new InvalidArgumentError(
      `--scope takes one scope without spaces, quotes or backslashes (RFC 6749 §3.3), got ${JSON.stringify(value)}; repeat --scope for several.`,
    );
  }
  return value;
}

function publicUrl(value: string): string {
  const url = URL.parse(value);
  if (
    url === null ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new InvalidArgumentError(`--public-url must be an http(s) origin without path, such as http://mock-provider:9003, got ${JSON.stringify(value)}.`);
  }
  return url.origin;
}

function collectWith(parse: (value: string) => string) {
  return (value: string, previous: string[] = []): string[] => [...previous, parse(value)];
}

/** `--grant` of mock-provider: a grant type the mock knows, `jwt-bearer` short for RFC 7523's URN. */
const MOCK_GRANTS: Readonly<Record<string, string>> = {
  authorization_code: 'authorization_code',
  refresh_token: 'refresh_token',
  client_credentials: 'client_credentials',
  password: 'password',
  'jwt-bearer': 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:jwt-bearer': 'urn:ietf:params:oauth:grant-type:jwt-bearer',
};

function mockGrant(value: string): string {
  const grant = MOCK_GRANTS[value];
  if (grant === undefined)
    throw new InvalidArgumentError(`--grant must be one of ${Object.keys(MOCK_GRANTS).slice(0, 5).join(', ')}, got ${JSON.stringify(value)}.`);
  return grant;
}

/** `--client-public-key <file>`: the PEM file's text, refused unless Node reads a key or certificate from it. */
function publicKeyFile(value: string): string {
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch {
    throw new InvalidArgumentError(`--client-public-key cannot read ${JSON.stringify(value)}.`);
  }
  try {
    // node:crypto loaded here, not at start: `--help` should not pay for it.
    process.getBuiltinModule('node:crypto').createPublicKey(text);
  } catch {
    throw new InvalidArgumentError(`--client-public-key ${JSON.stringify(value)} holds no PEM public key or certificate.`);
  }
  return text;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Read by every command (`exit.ts`, `reporter.ts`): the last lines of each command's Environment section. */
const COMMON_ENVIRONMENT =
  '  DEBUG             set (DEBUG=1): an unexpected error prints its stack\n' + '  CI                set: no spinner or colour, even on a terminal\n';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('integration-cli')
    .description('OAuth 2 tools for connector authors: run the real flow, run it offline, serve a mock provider.')
    .version(packageVersion(), '-v, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    // `oauth2 check --config-path x` belongs to check, not to its parent oauth2.
    .enablePositionalOptions()
    .exitOverride()
    .addHelpText(
      'after',
      '\nAlso:\n' +
        '  oauth2 check             say whether the config is ready to publish (production authorization, redirect URLs to register)\n' +
        '\nExit codes: 0 ok, 1 flow or provider failure, 2 usage or config error, 130 interrupted.\n' +
        '  2 means the run stopped before contacting the provider because of how it was started (a flag, the config,\n' +
        '  the environment, a busy port, a config another run holds locked): fix that and run again.\n' +
        'Run integration-cli <command> --help for its flags, environment variables and defaults.',
    );

  const oauth2 = program
    .command('oauth2')
    .description(
      'Log in to the provider of the oauth2 authorization in .unito.json and write accessToken/refreshToken into a test account.\n' +
        'Re-running refreshes the stored token; --reauth forces a new login; --mock runs the same flow offline.',
    )
    .option('--config-path <path>', 'path of the connector config', './.unito.json')
    .option('--test-account <name>', 'test account to write (default: "development", or "mock" with --mock)')
    .option('--authorization <name>', 'authorization to use (default: the oauth2 one marked development, else the only one)')
    .option('--environment <name>', 'platform environment whose callback-cli URL is the redirect URL', 'production')
    .option('--reauth', 'log in anew even when a refresh token is stored')
    .option('--mock', 'run offline against the embedded mock provider (no network, no ngrok)')
    .option('--reset-mock', "with --mock: forget the mock provider's stored clients and tokens first")
    .option(
      '--mock-preset <name>',
      "with --mock: the provider preset to behave like (github, google, slack…), or none for the generic mock; default: the one the authorization's URLs match",
    )
    .option('--open', 'open the authorization page in the system browser (default, except with --mock)')
    .option('--no-open', 'print the authorization URL alone on one line of stderr instead of opening it')
    .option('--no-tunnel', 'do not start ngrok; the redirect URL defaults to http://127.0.0.1:<port>/callback')
    .option('--redirect-url <url>', 'redirect URL to send to the provider (overrides the platform callback-cli URL)')
    .option('--no-pkce', 'do not send a PKCE code challenge (for providers that reject it)')
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the login to complete').default(300).argParser(integer('--timeout', 1, 86_400)))
    .addOption(
      new Option('--token-timeout <seconds>', 'limit on each token request, from sending it to the last byte of the answer')
        .default(30)
        .argParser(seconds('--token-timeout', 0.1, 3600)),
    )
    .addOption(
      new Option('--token-idle-timeout <seconds>', 'limit on a token answer that stops arriving (no byte for that long)')
        .default(10)
        .argParser(seconds('--token-idle-timeout', 0.1, 3600)),
    )
    .option('--json', 'print one JSON result on stdout (tokens masked)')
    .option(
      '--verbose',
      "print every HTTP request the CLI sends (token exchange, refresh) and the status it got, on stderr, secrets masked; under --mock the headless login requests are the mock's and are not shown",
    )
    .addHelpText(
      'after',
      '\nEnvironment:\n' +
        `  OAUTH2_PORT       port of the local callback server (default ${DEFAULT_CALLBACK_PORT}; under --mock any free port)\n` +
        '  NGROK_AUTHTOKEN   ngrok authtoken, needed unless --no-tunnel or --mock\n' +
        '  NGROK_DOMAIN      reserved ngrok domain to use (optional)\n' +
        '  OAUTH2_TESTKIT_CACHE_DIR  where --mock keeps its provider state (default $XDG_CACHE_HOME/oauth2-testkit or ~/.cache/oauth2-testkit)\n' +
        COMMON_ENVIRONMENT +
        '\nRedirect contract:\n' +
        '  documented by the platform: the callback-cli URL to register, ngrok, port 9002\n' +
        "  this tool's own (assumed): state = base64url JSON { v: 1, nonce, callback } that the relay reads\n" +
        '  if the platform relay does not forward to the tunnel: --no-tunnel with a loopback --redirect-url the\n' +
        '  provider allows, or `integration-cli relay` run at a public URL and passed as --redirect-url\n' +
        '\nExit codes: 0 ok, 1 flow or provider failure, 2 usage or config error, 130 interrupted.\n' +
        '  2 means the run stopped before contacting the provider because of how it was started (a flag, the config,\n' +
        '  the environment, a busy port, a config another run holds locked): fix that and run again.',
    )
    .action(async (options, command: Command) => {
      const { runOAuth2Command } = await import('./commands/oauth2-command.js');
      const given = (name: string) => command.getOptionValueSource(name) === 'cli';
      const browserFlags: Array<[string, string]> = [
        ['open', options.open === false ? '--no-open' : '--open'],
        ['tunnel', '--no-tunnel'],
        ['redirectUrl', '--redirect-url'],
        ['pkce', '--no-pkce'],
        ['timeout', '--timeout'],
        ['environment', '--environment'],
      ];
      process.exitCode = await runOAuth2Command({
        ...options,
        environmentGiven: given('environment'),
        browserOptionsGiven: browserFlags.filter(([name]) => given(name)).map(([, flag]) => flag),
      });
    });

  oauth2
    .command('check')
    .description('Say whether the config is ready to publish: a production oauth2 authorization and the redirect URLs each app must register.')
    .option('--config-path <path>', 'path of the connector config', './.unito.json')
    .option('--json', 'print the result as JSON on stdout')
    // Its --json errors also say `ready: false`, as its failure envelopes do.
    .exitOverride((error) => {
      throw Object.assign(error, { jsonShape: 'check' });
    })
    .addHelpText(
      'after',
      `\nEnvironment:\n${COMMON_ENVIRONMENT}\nExit codes: 0 ready to publish, 1 not ready, 2 usage or config error (the config is read, never written).`,
    )
    .action(async (options) => {
      const { runCheckCommand } = await import('./commands/check-command.js');
      process.exitCode = await runCheckCommand(options);
    });

  program
    .command('mock-provider')
    .description('Serve the mock OAuth 2 provider over HTTP until Ctrl-C.')
    .addOption(new Option('--port <port>', 'port to listen on (0 picks a free one)').default(9003).argParser(integer('--port', 0, 65_535)))
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option(
      '--public-url <url>',
      'the issuer clients should use (another host, a container); default http://<host>:<port>, loopback when --host is 0.0.0.0',
      publicUrl,
    )
    .option('--client-id <id>', 'client id to register', nonEmpty('--client-id'), 'mock-client')
    .option('--client-secret <secret>', 'client secret to register', nonEmpty('--client-secret'), 'mock-secret')
    .option('--redirect-uri <uri>', 'redirect URI to allow (repeatable; default: any loopback /callback)', collectWith(absoluteUri('--redirect-uri')))
    .option('--scope <scope>', 'scope the client may ask for (repeatable; one scope per flag)', collectWith(scopeToken))
    .option('--quiet', 'no log line per request on stderr')
    .addOption(
      new Option('--log <format>', 'request log format on stderr: text, or json (one object per line, for machines)').choices(['text', 'json']).default('text'),
    )
    .addOption(
      new Option('--access-token-ttl <seconds>', `access token lifetime (default: ${DEFAULT_ACCESS_TOKEN_TTL}, one hour)`).argParser(
        integer('--access-token-ttl', 1),
      ),
    )
    .addOption(
      new Option('--refresh-token-ttl <seconds>', `refresh token lifetime (default: ${DEFAULT_REFRESH_TOKEN_TTL}, 14 days)`).argParser(
        integer('--refresh-token-ttl', 1),
      ),
    )
    .option('--no-rotate-refresh-tokens', 'keep the same refresh token on refresh')
    .addOption(new Option('--login <mode>', 'auto: approve headlessly; form: show login and consent pages').choices(['auto', 'form']).default('auto'))
    .addOption(new Option('--access-token-format <format>', 'opaque or JWT access tokens').choices(['opaque', 'jwt']).default('opaque'))
    .option(
      '--quirk <name>',
      'behave like a real provider (repeatable): jsonTokenRequests, formTokenResponses, errorsAs200, omitRefreshTokenOnRefresh',
      collect,
    )
    .option('--preset <name>', 'behave like a real provider, served on its own paths under the issuer (github, google, slack…; an unknown name lists them)')
    .option(
      '--grant <type>',
      'grant the client may use (repeatable): authorization_code, refresh_token, client_credentials, password, jwt-bearer; default all but jwt-bearer',
      collectWith(mockGrant),
    )
    .option(
      '--user-password <password>',
      'the only password the default user (mock-user) accepts for the password grant; default any',
      nonEmpty('--user-password'),
    )
    .option('--client-public-key <file>', "PEM public key that verifies the client's jwt-bearer assertions", publicKeyFile)
    .option('--json', 'print the endpoints, client and control API as one JSON line on stdout once ready')
    .option('--control-token <token>', 'token of the control API under <issuer>/_testkit/ (default: MOCK_PROVIDER_CONTROL_TOKEN, else random per start)')
    .option('--state <path>', 'persist tokens, grants and keys to this JSON file (read at start, written as they change)', nonEmpty('--state'))
    .option(
      '--config-path <path>',
      'serve the state `oauth2 --mock` keeps for this connector config, with its oauth2 client; oauth2 --mock then uses this server while it runs',
      nonEmpty('--config-path'),
    )
    .option(
      '--config <file>',
      'JSON file of mock provider options: clients, users, scopes, preset, TTLs, login, accessTokenFormat, quirks (flags given win)',
      nonEmpty('--config'),
    )
    .addHelpText(
      'after',
      '\nEnvironment:\n  MOCK_PROVIDER_CONTROL_TOKEN  the control API token, unless --control-token is given\n' +
        '  OAUTH2_TESTKIT_CACHE_DIR  where --config-path finds the state oauth2 --mock keeps (default $XDG_CACHE_HOME/oauth2-testkit or ~/.cache/oauth2-testkit)\n' +
        COMMON_ENVIRONMENT +
        '\nControl API (Authorization: Bearer <token>): GET /_testkit/health (no token), POST /_testkit/expire-access-tokens,\n' +
        'revoke-refresh-tokens, fail-next, clients, users, tokens, reset; GET|DELETE /_testkit/requests; the inspector page at /_testkit/.\n',
    )
    .action(async (options, command: Command) => {
      const { runMockProviderCommand } = await import('./commands/mock-provider-command.js');
      const given = Object.keys(options).filter((name) => command.getOptionValueSource(name) === 'cli');
      process.exitCode = await runMockProviderCommand({ ...options, given });
    });

  program
    .command('relay')
    .description("Run the platform's callback-cli redirect relay locally (offline tests, self-hosting).")
    .addOption(new Option('--port <port>', 'port to listen on (0 picks a free one)').default(9000).argParser(integer('--port', 0, 65_535)))
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--quiet', 'no log line per request on stderr')
    .option(
      '--allow-host <host>',
      'redirect only to https://<host>/callback (repeatable; default: NGROK_DOMAIN when set, else any ngrok host) and loopback',
      collect,
    )
    .addHelpText('after', `\nEnvironment:\n  NGROK_DOMAIN      the only tunnel host callbacks may go to, unless --allow-host is given\n${COMMON_ENVIRONMENT}`)
    .action(async (options) => {
      const { runRelayCommand } = await import('./commands/relay-command.js');
      process.exitCode = await runRelayCommand(options);
    });

  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are not failures; everything else commander rejects is a usage error.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      // Commander printed the human message on stderr; a --json caller also reads one JSON error on stdout.
      if (error.exitCode !== 0 && wantsJson(argv)) {
        const message = error.message.replace(/^error: /, '');
        const fields = (error as { jsonShape?: string }).jsonShape === 'check' ? { ready: false } : {};
        const { jsonFailure, writeJson } = await import('./exit.js');
        writeJson(jsonFailure({ code: 'USAGE', message }, fields));
      }
      return;
    }
    // Loaded on failure only: the hints pull in part of the flow, which `--help` must not pay for.
    const { describeFailure, jsonFailure, writeJson } = await import('./exit.js');
    const failure = describeFailure(error);
    if (wantsJson(argv)) writeJson(jsonFailure(failure));
    process.stderr.write(`error: ${failure.message}\n`);
    process.exitCode = failure.exitCode;
  }
}

/** `--json` among the options (before a `--` that ends them). */
function wantsJson(argv: string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

await main(process.argv);
