import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOAuth2Flow } from '../../src/flow/run-flow.js';
import type { FlowReporter } from '../../src/flow/run-flow.js';
import { startRelayServer } from '../../src/flow/relay.js';
import type { Tunnel } from '../../src/flow/tunnel.js';
import { startMockProvider } from '../../src/mock-provider/index.js';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createUserAgent } from '../../src/mock-provider/user-agent/user-agent.js';
import { tempProject } from '../helpers/cli.js';

const CLIENT = { clientId: 'flow-client', clientSecret: 'flow-secret-0123456789', redirectUris: [] as string[], scopes: ['read'] };

let provider: MockProvider;
let relay: Awaited<ReturnType<typeof startRelayServer>>;
beforeEach(async () => {
  relay = await startRelayServer({ port: 0 });
  provider = await startMockProvider({ clients: [{ ...CLIENT, redirectUris: [relay.redirectUrl] }] });
});
afterEach(async () => {
  await Promise.all([provider.close(), relay.close()]);
});

function config() {
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
        },
      },
    ],
  };
}

/** A tunnel that "exposes" the callback server at its loopback address, and remembers what it did. */
function fakeTunnel() {
  const opened: number[] = [];
  let closed = 0;
  return {
    opened,
    closed: () => closed,
    open: async (port: number): Promise<Tunnel> => {
      opened.push(port);
      return { url: `http://127.0.0.1:${port}`, close: async () => void closed++ };
    },
  };
}

function recordingReporter() {
  const lines: string[] = [];
  const reporter: FlowReporter = {
    start: (step, text) => lines.push(`start ${step}: ${text}`),
    succeed: (step, text) => lines.push(`done ${step}: ${text}`),
    warn: (text) => lines.push(`warn: ${text}`),
  };
  return { lines, reporter };
}

describe('runOAuth2Flow with a tunnel and the relay', () => {
  it('sends the provider to the relay, which forwards through the tunnel to the callback server', async () => {
    const { configPath } = await tempProject(config());
    const tunnel = fakeTunnel();
    const { lines, reporter } = recordingReporter();
    const result = await runOAuth2Flow(
      { configPath, port: 0, redirectUrl: relay.redirectUrl },
      {
        tunnel: { open: tunnel.open },
        browser: async (url) => void (await createUserAgent().navigate(url)),
        reporter,
      },
    );
    expect(result.mode).toBe('login');
    expect(result.redirectUri).toBe(relay.redirectUrl);
    expect(tunnel.opened).toHaveLength(1);
    expect(tunnel.closed()).toBe(1);
    const saved = JSON.parse(await readFile(configPath, 'utf8')).testAccounts.development;
    expect(saved.accessToken).toBe(result.tokens.accessToken);
    expect(lines.map((line) => line.split(':')[0])).toEqual([
      'start config',
      'done config',
      'start server',
      'done server',
      'start tunnel',
      'done tunnel',
      'start browser',
      'done browser',
      'start waiting',
      'done waiting',
      'start exchange',
      'done exchange',
      'done saved',
    ]);
    expect(lines.join('\n')).not.toContain(result.tokens.accessToken);
  });

  it('runs the preflight check before opening any server or tunnel', async () => {
    const { configPath } = await tempProject(config());
    const tunnel = fakeTunnel();
    const { lines, reporter } = recordingReporter();
    await expect(
      runOAuth2Flow(
        { configPath, port: 0 },
        {
          tunnel: {
            open: tunnel.open,
            check: () => {
              throw new Error('no authtoken');
            },
          },
          browser: async () => {},
          reporter,
        },
      ),
    ).rejects.toThrow('no authtoken');
    expect(tunnel.opened).toHaveLength(0);
    expect(lines.some((line) => line.startsWith('start server'))).toBe(false);
  });

  it('uses the platform callback-cli URL as redirect_uri by default when tunnelling', async () => {
    const { configPath } = await tempProject(config());
    let authorizeUrl = '';
    const controller = new AbortController();
    const run = runOAuth2Flow(
      { configPath, port: 0, signal: controller.signal },
      {
        tunnel: { open: fakeTunnel().open },
        browser: async (url) => {
          authorizeUrl = url;
          controller.abort();
        },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED' });
    const url = new URL(authorizeUrl);
    expect(url.searchParams.get('redirect_uri')).toBe('https://integrations-platform.unito.io/credentials/new/oauth2/callback-cli');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const state = JSON.parse(Buffer.from(url.searchParams.get('state') ?? '', 'base64url').toString());
    expect(state).toMatchObject({ v: 1, callback: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/callback$/) });
  });
});

describe('runOAuth2Flow when the stored refresh token is rejected', () => {
  it('falls back to a full login in an interactive session, saying why', async () => {
    await provider.close();
    provider = await startMockProvider({ clients: [{ ...CLIENT, redirectUris: ['http://127.0.0.1/callback'] }] });
    const { configPath } = await tempProject(config());
    const browser = { browser: async (url: string) => void (await createUserAgent().navigate(url)) };
    const options = { configPath, port: 0, tunnel: false, interactive: true };
    expect((await runOAuth2Flow(options, browser)).mode).toBe('login');
    await provider.revokeRefreshTokens();

    const { lines, reporter } = recordingReporter();
    const result = await runOAuth2Flow(options, { ...browser, reporter });
    expect(result.mode).toBe('login');
    expect(lines).toContainEqual(expect.stringMatching(/^warn: The provider rejected the stored refresh token .*Starting a new login/));
    const saved = JSON.parse(await readFile(configPath, 'utf8')).testAccounts.development;
    expect(saved.refreshToken).toBe(result.tokens.refreshToken);
  });
});

describe('runOAuth2Flow with an access token but no refresh token stored', () => {
  it('says why it logs in again', async () => {
    await provider.close();
    provider = await startMockProvider({ clients: [{ ...CLIENT, redirectUris: ['http://127.0.0.1/callback'] }] });
    const { configPath } = await tempProject({ ...config(), testAccounts: { development: { accessToken: 'old-token' } } });
    const { lines, reporter } = recordingReporter();
    const result = await runOAuth2Flow(
      { configPath, port: 0, tunnel: false },
      { browser: async (url) => void (await createUserAgent().navigate(url)), reporter },
    );
    expect(result.mode).toBe('login');
    expect(lines).toContain('warn: testAccounts.development has an access token but no refresh token (the provider returned none): logging in again.');
  });
});

describe('runOAuth2Flow with a plain http token URL', () => {
  async function refreshAt(tokenUrl: string) {
    const base = config();
    base.authorizations[0]!.oauth2.tokenUrl = tokenUrl;
    const { configPath } = await tempProject({ ...base, testAccounts: { development: { refreshToken: 'stored-refresh' } } });
    const { lines, reporter } = recordingReporter();
    const fetched: string[] = [];
    const fetch = async (url: string | URL | Request) => {
      fetched.push(String(url));
      return Response.json({ access_token: 'fresh-access-0123456789', token_type: 'Bearer' });
    };
    const result = await runOAuth2Flow({ configPath, port: 0, tunnel: false }, { fetch: fetch as typeof globalThis.fetch, browser: async () => {}, reporter });
    expect(result.mode).toBe('refresh');
    expect(fetched).toEqual([tokenUrl]);
    return lines.filter((line) => line.startsWith('warn:'));
  }

  it('warns once, naming the host and suggesting https, but still sends the request', async () => {
    const warnings = await refreshAt('http://auth.acme.example/oauth/token');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('plain http to auth.acme.example');
    expect(warnings[0]).toContain('https');
    expect(warnings[0]).not.toContain(CLIENT.clientSecret);
  });

  it.each([
    ['http://127.0.0.1:9/token'],
    ['http://127.42.0.7:9/token'],
    ['http://[::1]:9/token'],
    ['http://localhost:9/token'],
    ['https://auth.acme.example/token'],
  ])('does not warn for %s', async (tokenUrl) => {
    expect(await refreshAt(tokenUrl)).toEqual([]);
  });
});
