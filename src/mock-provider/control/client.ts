/**
 * `connectMockProvider(url, { controlToken })`: the scenario controls of a mock provider running in another
 * process (`integration-cli mock-provider`, or `startMockProvider({ control: true })`), over its control API.
 */
import { TestkitError } from '../../shared/errors.js';
import { CONTROL_PREFIX, ROUTES } from '../routes.js';
import type { Endpoint, FaultSpec } from '../scenario/faults.js';
import type { RecordedRequest } from '../scenario/recorder.js';
import type { GetTokensOptions, MockClient, MockClientOptions, MockUser, MockUserOptions, TokenResponse } from '../types.js';

export interface ConnectMockProviderOptions {
  /** The control token the provider printed (`controlToken` in `--json`, `MOCK_PROVIDER_CONTROL_TOKEN`, `provider.control.token`). */
  controlToken: string;
  /** The fetch to call the control API with (default: the global `fetch`). */
  fetch?: typeof fetch;
}

/** A remote mock provider: its URLs, and the in-process handle's scenario controls as async calls. */
export interface RemoteMockProvider {
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
  resourceUrl: string;
  revocationUrl: string;
  introspectionUrl: string;
  jwksUrl: string;
  /** `issuer + '/_testkit/'`: the control API and the inspector page. */
  controlUrl: string;
  /** Resolves once `GET /_testkit/health` answers 200 (no token needed); rejects with `MOCK_PROVIDER` otherwise. */
  health(): Promise<{ ok: true; issuer: string }>;
  expireAccessTokens(): Promise<void>;
  revokeRefreshTokens(): Promise<void>;
  failNext(endpoint: Endpoint, fault: FaultSpec, options?: { times?: number }): Promise<void>;
  /** Requests received, oldest first, secrets redacted, each with its final status (control calls are not among them). */
  requests(): Promise<RecordedRequest[]>;
  clearRequests(): Promise<void>;
  registerClient(client: MockClientOptions): Promise<MockClient>;
  registerUser(user: MockUserOptions): Promise<MockUser>;
  /** The headless authorization-code flow, run by the provider itself. */
  getTokens(options?: GetTokensOptions): Promise<TokenResponse>;
  reset(): Promise<void>;
}

/**
 * Connects to a mock provider served over HTTP with its control API on. `url` is its issuer (or its control URL,
 * `…/_testkit/`). Nothing is sent until a method is called; each method rejects with a `TestkitError`
 * `MOCK_PROVIDER` carrying the answer's `error_description` (and `details.status`, `details.error`) when the
 * provider refuses, or `NETWORK_ERROR` when it cannot be reached.
 *
 * @example
 * const remote = connectMockProvider('http://127.0.0.1:9003', { controlToken: process.env.MOCK_PROVIDER_CONTROL_TOKEN! });
 * await remote.failNext('token', { status: 429, retryAfter: 30 });
 * expect((await remote.requests()).at(-1)?.status).toBe(429);
 */
export function connectMockProvider(url: string, options: ConnectMockProviderOptions): RemoteMockProvider {
  const parsed = URL.parse(url);
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new TestkitError('MOCK_PROVIDER', `connectMockProvider() needs the provider's http(s) issuer URL, got ${JSON.stringify(url)}.`);
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  if (path !== '' && path !== CONTROL_PREFIX) {
    throw new TestkitError('MOCK_PROVIDER', `connectMockProvider() needs the issuer (an origin) or its ${CONTROL_PREFIX}/ URL, got ${JSON.stringify(url)}.`);
  }
  if (typeof options?.controlToken !== 'string' || options.controlToken === '') {
    throw new TestkitError('MOCK_PROVIDER', 'connectMockProvider() needs the controlToken the provider printed (controlToken in its --json output).');
  }
  const issuer = parsed.origin;
  const controlUrl = `${issuer}${CONTROL_PREFIX}/`;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  async function call<T>(method: 'GET' | 'POST' | 'DELETE', route: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${options.controlToken}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(`${controlUrl}${route}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (error) {
      throw new TestkitError(
        'NETWORK_ERROR',
        `The mock provider's control API at ${controlUrl} cannot be reached: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    const text = await response.text();
    let answer: unknown;
    try {
      answer = text === '' ? undefined : JSON.parse(text);
    } catch {
      answer = undefined;
    }
    if (!response.ok) {
      const fields = (answer ?? {}) as { error?: unknown; error_description?: unknown };
      const description = typeof fields.error_description === 'string' ? fields.error_description : `status ${response.status}`;
      throw new TestkitError('MOCK_PROVIDER', `The mock provider refused ${method} ${CONTROL_PREFIX}/${route}: ${description}`, {
        details: { status: response.status, ...(typeof fields.error === 'string' ? { error: fields.error } : {}) },
      });
    }
    return answer as T;
  }

  return {
    issuer,
    authorizationUrl: `${issuer}${ROUTES.authorization}`,
    tokenUrl: `${issuer}${ROUTES.token}`,
    userinfoUrl: `${issuer}${ROUTES.userinfo}`,
    resourceUrl: `${issuer}${ROUTES.resource}`,
    revocationUrl: `${issuer}${ROUTES.revocation}`,
    introspectionUrl: `${issuer}${ROUTES.introspection}`,
    jwksUrl: `${issuer}${ROUTES.jwks}`,
    controlUrl,
    health: () => call('GET', 'health'),
    expireAccessTokens: async () => {
      await call('POST', 'expire-access-tokens');
    },
    revokeRefreshTokens: async () => {
      await call('POST', 'revoke-refresh-tokens');
    },
    async failNext(endpoint, fault, failOptions = {}) {
      const times = failOptions.times === Infinity ? 'Infinity' : failOptions.times;
      await call('POST', 'fail-next', { endpoint, fault, ...(times === undefined ? {} : { times }) });
    },
    requests: async () => (await call<{ requests: RecordedRequest[] }>('GET', 'requests')).requests,
    clearRequests: async () => {
      await call('DELETE', 'requests');
    },
    registerClient: async (client) => (await call<{ client: MockClient }>('POST', 'clients', client)).client,
    registerUser: async (user) => (await call<{ user: MockUser }>('POST', 'users', user)).user,
    getTokens: async (tokenOptions = {}) => (await call<{ tokens: TokenResponse }>('POST', 'tokens', tokenOptions)).tokens,
    reset: async () => {
      await call('POST', 'reset');
    },
  };
}
