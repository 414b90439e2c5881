import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { TestkitError } from '../../shared/errors.js';
import { oneLine } from '../../shared/text.js';
import type { FlowEdges } from '../../flow/run-flow.js';
import { startRelayServer } from '../../flow/relay.js';
import type { OAuth2Authorization } from '../../flow/types.js';
import type { MockProvider, RemoteMockProvider } from '../../mock-provider/index.js';
import { findMockServer } from './mock-server-file.js';
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
  /** Opens a URL in the system browser (`--open`); default: the `open` package. */
  openUrl?: (url: string) => Promise<unknown>;
}): Promise<{ edges: FlowEdges; redirectUrl: string; close(): Promise<void> }> {
  const statePath = mockStatePath(options.configPath);
  await mkdir(path.dirname(statePath), { recursive: true });

  const relay = await startRelayServer({ port: 0 });
  let provider: MockProvider | undefined;
  // An `integration-cli mock-provider` serving this state file (found through the file beside it), if any.
  let remote: { client: RemoteMockProvider; authorizationUrl: string; tokenUrl: string } | undefined;

  const providerOverride = async (authorization: OAuth2Authorization, { redirectUri }: { redirectUri: string }) => {
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
      await remote.client.registerClient({ clientId: settings.clientId, clientSecret: settings.clientSecret, redirectUris, scopes });
      return { authorizationUrl: remote.authorizationUrl, tokenUrl: remote.tokenUrl };
    }
    if (!provider) {
      // Only now: the flow calls this once the config is valid and its lock held, so a bad config or a
      // concurrent run never loses the mock's state.
      if (options.reset) await rm(statePath, { force: true });
      const { startMockProvider } = await import('../../mock-provider/index.js');
      provider = await startMockProvider({
        statePath,
        login: options.open === undefined ? 'auto' : 'form',
        quirks: {
          // Accept what the connector sends and answer the way it expects to read, as its provider would.
          jsonTokenRequests: settings.requestContentType === 'application/json',
          formTokenResponses: settings.responseContentType === 'application/x-www-form-urlencoded',
        },
      });
    }
    provider.registerClient({ clientId: settings.clientId, clientSecret: settings.clientSecret, redirectUris, scopes });
    return { authorizationUrl: provider.authorizationUrl, tokenUrl: provider.tokenUrl };
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

/** The visible text of an HTML page, on one line and cut short, for error messages. */
function pageText(html: string): string {
  return oneLine(html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' '));
}
