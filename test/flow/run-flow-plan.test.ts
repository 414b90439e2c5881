import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withCliHint } from '../../src/cli/hints.js';
import { runOAuth2Flow } from '../../src/flow/run-flow.js';
import type { ProviderOverride } from '../../src/flow/run-flow.js';
import type { Tunnel } from '../../src/flow/tunnel.js';
import { startMockProvider } from '../../src/mock-provider/index.js';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createUserAgent } from '../../src/mock-provider/user-agent/user-agent.js';
import { TestkitError } from '../../src/shared/errors.js';
import { tempProject } from '../helpers/cli.js';

const CLIENT = { clientId: 'plan-client', clientSecret: 'plan-secret-0123456789', redirectUris: ['http://127.0.0.1/callback'], scopes: ['read'] };

let provider: MockProvider;
beforeEach(async () => {
  provider = await startMockProvider({ clients: [CLIENT] });
});
afterEach(async () => {
  await provider.close();
});

function config(oauth2: Record<string, unknown> = {}, testAccounts: Record<string, unknown> = {}) {
  return {
    authorizations: [
      {
        name: 'oauth2',
        method: 'oauth2',
        oauth2: {
          clientId: CLIENT.clientId,
          clientSecret: CLIENT.clientSecret,
          authorizationUrl: provider.authorizationUrl,
          tokenUrl: provider.tokenUrl,
          scopes: [{ name: 'read' }],
          ...oauth2,
        },
      },
    ],
    testAccounts,
  };
}

async function failure(promise: Promise<unknown>): Promise<TestkitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TestkitError);
  return error as TestkitError;
}

const headless = async (url: string) => void (await createUserAgent().navigate(url));

describe('runOAuth2Flow plans once per run', () => {
  it('calls the provider override once when a rejected refresh falls back to a login, and both use its URLs', async () => {
    const { configPath } = await tempProject(config({ authorizationUrl: 'https://real.example/authorize', tokenUrl: 'https://real.example/token' }));
    const calls: string[] = [];
    const override: ProviderOverride = async (_, { redirectUri }) => {
      calls.push(redirectUri);
      return { authorizationUrl: provider.authorizationUrl, tokenUrl: provider.tokenUrl };
    };
    const options = { configPath, port: 0, tunnel: false, interactive: true };
    expect((await runOAuth2Flow(options, { browser: headless, provider: override })).mode).toBe('login');
    await provider.revokeRefreshTokens();
    calls.length = 0;

    const result = await runOAuth2Flow(options, { browser: headless, provider: override });
    expect(result.mode).toBe('login');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(result.redirectUri).toBe(calls[0]);
  });
});

describe('runOAuth2Flow with a provider override keeps the configured authorize query', () => {
  it("sends access_type, prompt, audience and user_scope to the override's authorize endpoint, which records them", async () => {
    const { configPath } = await tempProject(
      config({ authorizationUrl: 'https://real.example/authorize?access_type=offline&prompt=consent&audience=api&user_scope=a&user_scope=b' }),
    );
    const override: ProviderOverride = async () => ({ authorizationUrl: provider.authorizationUrl, tokenUrl: provider.tokenUrl });
    const result = await runOAuth2Flow({ configPath, port: 0, tunnel: false }, { browser: headless, provider: override });
    expect(result.mode).toBe('login');
    const authorize = provider.requests.find((request) => request.endpoint === 'authorization');
    expect(authorize?.query).toMatchObject({ access_type: 'offline', prompt: 'consent', audience: 'api', user_scope: 'a', client_id: CLIENT.clientId });
    expect(authorize?.path).toBe(new URL(provider.authorizationUrl).pathname);
  });
});

describe('runOAuth2Flow with a platform-encrypted value', () => {
  it.each([
    ['the oauth2 block', () => config({ clientSecret: 'unito-secret-v1://c2VjcmV0' }), 'authorizations[0].oauth2.clientSecret'],
    ['the test account', () => config({}, { development: { apiKey: 'unito-secret-v1://a2V5' } }), 'testAccounts.development.apiKey'],
  ])('refuses one in %s with CONFIG_INVALID before anything opens, naming the key and the fix', async (_, data, where) => {
    const { configPath } = await tempProject(data());
    const opened: string[] = [];
    const error = await failure(runOAuth2Flow({ configPath, port: 0, tunnel: false }, { browser: async (url) => void opened.push(url) }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details).toMatchObject({ reason: 'encrypted-value', where });
    expect(error.message).toContain(where);
    expect(error.message).toContain('unito-secret-v1://');
    expect(error.message).not.toContain('c2VjcmV0');
    expect(withCliHint(error)).toContain('--config-path');
    expect(opened).toEqual([]);
  });
});

describe('runOAuth2Flow and the page the browser ends on', () => {
  async function loginWithPage(fetch?: typeof globalThis.fetch) {
    const { configPath } = await tempProject(config());
    let page: { status: number; body: string } | undefined;
    const run = runOAuth2Flow(
      { configPath, port: 0, tunnel: false },
      { ...(fetch ? { fetch } : {}), browser: async (url) => void (page = await createUserAgent().navigate(url)) },
    );
    return { run, page: () => page };
  }

  it('shows success only once the tokens are saved', async () => {
    const { run, page } = await loginWithPage();
    expect((await run).mode).toBe('login');
    expect(page()?.status).toBe(200);
    expect(page()?.body).toContain('Authorization complete');
  });

  it('says the flow failed and points to the terminal when the code exchange fails', async () => {
    const refuse = (async () => Response.json({ error: 'invalid_client' }, { status: 401 })) as typeof globalThis.fetch;
    const { run, page } = await loginWithPage(refuse);
    expect((await failure(run)).code).toBe('TOKEN_ENDPOINT_ERROR');
    expect(page()?.status).toBe(502);
    expect(page()?.body).not.toContain('Authorization complete');
    expect(page()?.body).toContain('token exchange failed');
    expect(page()?.body).toContain('terminal');
  });
});

describe('runOAuth2Flow when no callback arrives', () => {
  it('says which redirect URL was sent and that the provider app must register it', async () => {
    const { configPath } = await tempProject(config());
    const error = await failure(runOAuth2Flow({ configPath, port: 0, tunnel: false, timeoutMs: 1 }, { browser: async () => {} }));
    expect(error.code).toBe('CALLBACK_TIMEOUT');
    expect(error.message).toMatch(/redirect_uri=http:\/\/127\.0\.0\.1:\d+\/callback/);
    expect(error.message).toContain("provider's app must register exactly this URL");
    expect(error.details.platformRelay).toBe(false);
  });

  it('behind the platform relay, names the fallbacks', async () => {
    const { configPath } = await tempProject(config());
    const tunnel = { open: async (port: number): Promise<Tunnel> => ({ url: `http://127.0.0.1:${port}`, close: async () => {} }) };
    const error = await failure(runOAuth2Flow({ configPath, port: 0, timeoutMs: 1 }, { browser: async () => {}, tunnel }));
    expect(error.message).toContain('redirect_uri=https://integrations-platform.unito.io/credentials/new/oauth2/callback-cli');
    expect(error.message).toContain('may not have forwarded it to the tunnel');
    const cli = withCliHint(error);
    expect(cli).toContain('--no-tunnel');
    expect(cli).toContain('integration-cli relay');
    expect(cli).toContain('--timeout');
  });

  it('names the real account when a template value is missing', async () => {
    const { configPath } = await tempProject(config({ authorizationUrl: 'https://{+domain}.example.com/authorize' }));
    const error = await failure(runOAuth2Flow({ configPath, port: 0, tunnel: false, testAccount: 'mock' }, { browser: async () => {} }));
    expect(error.code).toBe('TEMPLATE_VARIABLE_MISSING');
    expect(error.message).toContain('testAccounts.mock');
  });
});
