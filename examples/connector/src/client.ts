/**
 * A tiny connector, the kind a connector author writes: it calls the provider's API with the access token,
 * refreshes once on 401 and retries, and surfaces 429 with its Retry-After. Its tests (../test) run it
 * against the mock provider, over HTTP and through msw.
 */

export interface Credentials {
  accessToken: string;
  refreshToken?: string;
}

export interface ConnectorOptions {
  /** The API endpoint returning the signed-in user (the mock provider's `resourceUrl`, or your own API). */
  apiUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  credentials: Credentials;
  /** Called with the new credentials after a refresh, to persist them. */
  onRefresh?: (credentials: Credentials) => void;
  fetch?: typeof fetch;
}

export type ConnectorErrorCode = 'UNAUTHORIZED' | 'REFRESH_REJECTED' | 'RATE_LIMITED' | 'HTTP_ERROR';

export class ConnectorError extends Error {
  override name = 'ConnectorError';
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    readonly status: number,
    /** Seconds to wait before retrying, for `RATE_LIMITED` when the provider sent `Retry-After`. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface Connector {
  /** The signed-in user. Throws `ConnectorError`. */
  me(): Promise<Record<string, unknown>>;
  readonly credentials: Credentials;
}

/**
 * @example
 * const connector = createConnector({ apiUrl, tokenUrl, clientId, clientSecret, credentials: { accessToken, refreshToken } });
 * const me = await connector.me();
 */
export function createConnector(options: ConnectorOptions): Connector {
  const doFetch = options.fetch ?? globalThis.fetch;
  let credentials = { ...options.credentials };

  const call = (): Promise<Response> =>
    doFetch(options.apiUrl, { headers: { authorization: `Bearer ${credentials.accessToken}`, accept: 'application/json' } });

  async function refresh(): Promise<void> {
    if (credentials.refreshToken === undefined) {
      throw new ConnectorError('UNAUTHORIZED', 'The access token was refused and there is no refresh token; authorize again.', 401);
    }
    const response = await doFetch(options.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.refreshToken }),
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof body.access_token !== 'string') {
      const error = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
      throw new ConnectorError(
        'REFRESH_REJECTED',
        `The provider refused the refresh token (${error}); authorize again (integration-cli oauth2 --reauth).`,
        response.status,
      );
    }
    // Providers that do not rotate send no new refresh token: keep the old one.
    credentials = { accessToken: body.access_token, refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : credentials.refreshToken };
    options.onRefresh?.(credentials);
  }

  async function me(): Promise<Record<string, unknown>> {
    let response = await call();
    if (response.status === 401) {
      await refresh();
      response = await call();
    }
    if (response.status === 429) {
      const header = response.headers.get('retry-after');
      const seconds = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
      throw new ConnectorError('RATE_LIMITED', `Rate limited by the provider${seconds === undefined ? '' : `; retry after ${seconds} s`}.`, 429, seconds);
    }
    if (response.status === 401) throw new ConnectorError('UNAUTHORIZED', 'The provider refused the refreshed access token.', 401);
    if (!response.ok) throw new ConnectorError('HTTP_ERROR', `The provider answered ${response.status}.`, response.status);
    return (await response.json()) as Record<string, unknown>;
  }

  return {
    me,
    get credentials() {
      return credentials;
    },
  };
}
