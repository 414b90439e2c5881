import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { TestkitError } from '../../shared/errors.js';
import { oneLine } from '../../shared/text.js';
import writeFileAtomic from 'write-file-atomic';
import { decodeJwt } from 'jose';
import type { FlowEdges, ProviderOverride } from '../../flow/run-flow.js';
import { JWT_BEARER_GRANT } from '../../flow/grants.js';
import type { GrantType } from '../../flow/grants.js';
import { startRelayServer } from '../../flow/relay.js';
import type { TokenGrant } from '../../flow/token-client.js';
import type { OAuth2Authorization, TestAccount } from '../../flow/types.js';
import type { MockGrantSetupInput, MockProvider, RemoteMockProvider } from '../../mock-provider/index.js';
import type { PresetName } from '../../mock-provider/presets/index.js';
import { findMockServer } from './mock-server-file.js';
import { passwordDigest, passwordMatches } from './password-digest.js';
import type { ConsoleReporter } from '../reporter.js';

/**
 * Where `--mock` keeps the mock provider's state between runs (so a re-run can refresh):
 * `$OAUTH2_TESTKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/oauth2-testkit`, else `~/.cache/oauth2-testkit`,
 * one file per config path. Never inside the repo.
 */
export function mockStatePath(configPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.OAUTH2_TESTKIT_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'oauth2-testkit');
  const key = createHash('sha256').update(path.resolve(configPath)).digest('hex').slice(0, 16);
  return path.join(base, 'mock-provider', `${key}.json`);
}

/**
 * The three edges `--mock` swaps: the provider (an embedded mock started on first use, configured from the
 * chosen authorization), the relay (a local one), the tunnel (none); and the browser (a headless user agent,
 * or the system browser with `--open`).
 */
export async function createMockEdges(options: {
  configPath: string;
  open: boolean | undefined;
  reset: boolean;
  reporter: ConsoleReporter;
  /** The provider preset to run (`--mock-preset`, or the one the config's URLs match); undefined: the generic mock. */
  preset?: PresetName | undefined;
  /** Opens a URL in the system browser (`--open`); default: the `open` package. */
  openUrl?: (url: string) => Promise<unknown>;
}): Promise<{ edges: FlowEdges; redirectUrl: string; close(): Promise<void> }> {
  const statePath = mockStatePath(options.configPath);
  await mkdir(path.dirname(statePath), { recursive: true });

  const relay = await startRelayServer({ port: 0 });
  let provider: MockProvider | undefined;
  // An `integration-cli mock-provider` serving this state file (found through the file beside it), if any.
  let remote: { client: RemoteMockProvider; authorizationUrl: string; tokenUrl: string } | undefined;

  const providerOverride: ProviderOverride = async (authorization: OAuth2Authorization, { redirectUri, grantType, account }) => {
    const settings = authorization.oauth2;
    const redirectUris = redirectUri ? [redirectUri] : [relay.redirectUrl];
    const scopes = (settings.scopes ?? []).map((scope) => scope.name);
    if (!provider && !remote) {
      // Under the config lock: a mock-provider started for this config writes its file while holding it too.
      const found = await findMockServer(statePath);
      if (found.status === 'stale') options.reporter.warn(`Ignoring ${found.file}: ${found.reason}; starting an embedded mock provider.`);
      if (found.status === 'running') {
        const { connectMockProvider } = await import('../../mock-provider/index.js');
        const client = connectMockProvider(found.info.issuer, { controlToken: found.info.controlToken });
        if (options.reset) await client.reset();
        options.reporter.info(`Using the running mock provider ${found.info.issuer} (named in ${found.file}).`);
        remote = { client, authorizationUrl: found.info.authorizationUrl, tokenUrl: found.info.tokenUrl };
      }
    }
    if (remote) {
      // A running server gets the client with its grant; its users accept any password (no key for the JWT bearer grant).
      const grantTypes =
        grantType === 'client_credentials' || grantType === 'password' ? { grantTypes: ['authorization_code', 'refresh_token', grantType] } : {};
      await remote.client.registerClient({
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
        redirectUris,
        scopes,
        ...grantTypes,
      } as Parameters<RemoteMockProvider['registerClient']>[0]);
      return { authorizationUrl: remote.authorizationUrl, tokenUrl: remote.tokenUrl };
    }
    if (!provider) {
      // Only now: the flow calls this once the config is valid and its lock held, so a bad config or a
      // concurrent run never loses the mock's state.
      if (options.reset) await Promise.all([rm(statePath, { force: true }), rm(usersPath(statePath), { force: true })]);
      const { startMockProvider } = await import('../../mock-provider/index.js');
      provider = await startMockProvider({
        statePath,
        login: options.open === undefined ? 'auto' : 'form',
        ...(options.preset === undefined ? {} : { preset: options.preset }),
        quirks: {
          // Accept what the connector sends and answer the way it expects to read, as its provider would.
          jsonTokenRequests: settings.requestContentType === 'application/json',
          formTokenResponses: settings.responseContentType === 'application/x-www-form-urlencoded',
        },
      });
    }
    const client = {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      redirectUris,
      scopes,
    };
    const urls = { authorizationUrl: provider.authorizationUrl, tokenUrl: provider.tokenUrl };
    if (grantType === 'authorization_code') {
      provider.registerClient(client);
      return urls;
    }
    // The client allowed its grant (and refresh) now, so a stored refresh token refreshes; the user or the key
    // once the flow knows the grant's fields (a prompted password, the assertion it signed).
    const mock = provider;
    // (The JWT bearer grant needs its key to be declared: refresh only, until then.)
    mock.registerClient({ ...client, grantTypes: grantType === JWT_BEARER_GRANT ? ['refresh_token'] : [grantType] });
    // The users a stored refresh token belongs to (the mock keeps no declared user across runs); their password is
    // set before any password grant.
    const known = (id: string) => mock.users.some((user) => user.id === id);
    const owners =
      grantType === 'password'
        ? Object.keys(await readUsers(statePath))
        : grantType === JWT_BEARER_GRANT
          ? [assertionSubjectOf(account, settings.clientId)]
          : [];
    for (const id of owners) if (id !== undefined && id !== '' && !known(id)) mock.registerUser({ id });
    return { ...urls, prepareGrant: (grant) => prepareMockGrant(mock, statePath, grantType, client, account, grant, options.reporter) };
  };

  const openBrowser = async (url: string) => {
    if (options.open === false) {
      options.reporter.info('Open this URL in a browser to log in to the mock provider:');
      options.reporter.raw(url);
      return;
    }
    if (options.open) {
      const openUrl = options.openUrl ?? (await import('open')).default;
      try {
        await openUrl(url);
      } catch (cause) {
        throw new TestkitError('BROWSER_FAILED', 'Could not open a browser. Run again with --no-open and open the printed URL yourself.', { cause });
      }
      options.reporter.info(`If no browser opened, visit:\n${url}`);
      return;
    }
    const { createUserAgent } = await import('../../mock-provider/user-agent/user-agent.js');
    const page = await createUserAgent().navigate(url);
    if (page.status !== 200 || !page.url.pathname.endsWith('/callback')) {
      throw new TestkitError(
        'AUTHORIZATION_DENIED',
        `The mock provider did not redirect back to the CLI: ${page.url.origin}${page.url.pathname} answered ${page.status}: ${pageText(page.body)}. Check the authorization's clientId, scopes and --redirect-url.`,
        { details: { status: page.status } },
      );
    }
  };

  return {
    edges: { browser: openBrowser, provider: providerOverride },
    /** The local relay's URL: the redirect URL unless --redirect-url says otherwise. */
    redirectUrl: relay.redirectUrl,
    close: async () => {
      const [, closed] = await Promise.allSettled([relay.close(), provider?.close()]);
      if (closed.status === 'rejected') {
        // The tokens are in the config, but the mock no longer knows them: say so rather than fail the next run.
        const reason = closed.reason instanceof Error ? closed.reason.message : String(closed.reason);
        options.reporter.warn(
          `Could not save the mock provider's state (${oneLine(reason)}). The next --mock run cannot refresh these tokens: run it with --reset-mock.`,
        );
      }
    },
  };
}

/**
 * Registers what the mock needs for a grant without a browser, through `mockGrantSetup` (the same setup a test
 * gets): the client with its grant; for `password`, the username as a user with its password (the first password
 * seen for a username is remembered, as SHA-256, beside the mock's state: a different one later is refused with
 * invalid_grant, as the real provider would; `--reset-mock` forgets it); for the JWT bearer grant, the public half
 * of the account's `privateKey` on the client (the assertion's `iss` and `sub` as the flow signed them), or with only
 * an `assertion`, what the mock then cannot check, said on one line.
 */
async function prepareMockGrant(
  provider: MockProvider,
  statePath: string,
  grantType: GrantType,
  client: { clientId: string; clientSecret: string; redirectUris: string[]; scopes: string[] },
  account: Readonly<TestAccount>,
  grant: TokenGrant,
  reporter: ConsoleReporter,
): Promise<void> {
  const { mockGrantSetup } = await import('../../mock-provider/grant-setup.js');
  const field = (name: string) => String((grant as Record<string, string | undefined>)[name] ?? '');
  const input: MockGrantSetupInput = { grantType, ...client };
  let newUser: string | undefined;
  if (grantType === 'password') {
    const username = field('username');
    const password = field('password');
    const users = await readUsers(statePath);
    const known = Object.hasOwn(users, username) ? users[username] : undefined;
    const check = known === undefined ? undefined : await passwordMatches(known, password);
    if (known === undefined || (check?.matches === true && check.needsUpgrade)) {
      users[username] = await passwordDigest(password);
      await writeUsers(statePath, users);
      if (known === undefined) newUser = username;
    }
    // A password other than the one first registered: a user whose password no one knows, so the mock says invalid_grant.
    Object.assign(input, { username, password: known === undefined || check?.matches === true ? password : randomBytes(32).toString('hex') });
  } else if (grantType === JWT_BEARER_GRANT && typeof account.assertion === 'string') {
    input.assertion = field('assertion');
  } else if (grantType === JWT_BEARER_GRANT) {
    const claims = decodeJwt(field('assertion'));
    const pem = String(account.privateKey);
    Object.assign(input, {
      privateKey: pem.includes('\n') ? pem : pem.replace(/\\n/g, '\n'),
      ...(typeof claims.iss === 'string' ? { assertionIssuer: claims.iss } : {}),
      ...(typeof claims.sub === 'string' ? { assertionSubject: claims.sub } : {}),
    });
  }
  const setup = mockGrantSetup(input);
  for (const registered of setup.clients) provider.registerClient(registered);
  for (const user of setup.users) if (!provider.users.some((candidate) => candidate.id === user.id) || user.id === input.username) provider.registerUser(user);
  if (newUser !== undefined) reporter.info(`The mock provider now knows the user ${oneLine(newUser, 100)} with this password (--reset-mock forgets it).`);
  if (setup.limitations.length > 0) reporter.warn(`--mock checks the account's assertion only in part: ${setup.limitations.join('; ')}.`);
}

/** The `sub` the flow's assertion carries: the account's assertion's, else `assertionClaims.sub`, `subject`, the client ID. */
function assertionSubjectOf(account: Readonly<TestAccount>, clientId: string): string | undefined {
  if (typeof account.assertion === 'string') {
    try {
      const { sub } = decodeJwt(account.assertion.trim());
      return typeof sub === 'string' ? sub : undefined;
    } catch {
      return undefined;
    }
  }
  const claims = account.assertionClaims;
  const fromClaims = typeof claims === 'object' && claims !== null ? (claims as { sub?: unknown }).sub : undefined;
  if (typeof fromClaims === 'string') return fromClaims;
  return typeof account.subject === 'string' ? account.subject : clientId;
}

/** The usernames the password grant registered in this mock, each with a salted scrypt digest of its password (never the password). */
function usersPath(statePath: string): string {
  return `${statePath.replace(/\.json$/, '')}.users.json`;
}

async function readUsers(statePath: string): Promise<Record<string, string>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(usersPath(statePath), 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

async function writeUsers(statePath: string, users: Record<string, string>): Promise<void> {
  await writeFileAtomic(usersPath(statePath), `${JSON.stringify(users)}\n`, { mode: 0o600 });
}

/** The visible text of an HTML page, on one line and cut short, for error messages. */
function pageText(html: string): string {
  return oneLine(html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' '));
}
