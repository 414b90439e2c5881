/**
 * Golden tests: for each preset, the provider's documented token response and error response (doc URL beside
 * each) compared field by field with what the preset answers: every documented field present with the same JSON
 * type, no field the provider does not send, and the fields whose value is fixed (token_type, ok, error codes,
 * descriptions, scope format) equal.
 */
import { describe, expect, it } from 'vitest';
import { createMockProvider } from '../../src/mock-provider/index.js';
import type { PresetName } from '../../src/mock-provider/presets/index.js';
import { authFor } from './flow.js';
import { authorize, CLIENT, exchange, refresh, token, type Answer } from './helpers.js';

interface Golden {
  doc: string;
  params?: Record<string, string>;
  /** The documented success answer (values as documented; placeholders where the doc shows a token). */
  success: Record<string, unknown>;
  /** Documented fields that come only in some cases the test does not set up. */
  sometimes?: string[];
  /** Fields whose documented value the preset must reproduce exactly. */
  exact: string[];
  /** How to provoke the documented error, and the documented answer. */
  error?: { doc: string; trigger: 'badCode' | 'badClient' | 'badRefresh' | 'json'; status: number; body: Record<string, unknown>; exact: string[] };
  /** Request the token answer as the connector's default would (no Accept). */
  noAccept?: boolean;
}

const RFC_GRANT = { error: 'invalid_grant', error_description: 'grant request is invalid' };

const GOLDEN: Record<PresetName, Golden> = {
  github: {
    doc: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#2-users-are-redirected-back-to-your-site-by-github',
    params: { scope: 'repo gist' },
    noAccept: true,
    // Form-encoded by default: access_token=gho_…&scope=repo%2Cgist&token_type=bearer
    success: { access_token: 'gho_16C7e42F292c6912E7710c838347Ae178B4a', scope: 'repo,gist', token_type: 'bearer' },
    exact: ['scope', 'token_type'],
    error: {
      doc: 'https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors#bad-verification-code',
      trigger: 'badCode',
      status: 200,
      body: {
        error: 'bad_verification_code',
        error_description: 'The code passed is incorrect or expired.',
        error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code',
      },
      exact: ['error', 'error_description', 'error_uri'],
    },
  },
  'github-app': {
    doc: 'https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens',
    success: { access_token: 'ghu_…', expires_in: 28800, refresh_token: 'ghr_…', refresh_token_expires_in: 15897600, scope: '', token_type: 'bearer' },
    exact: ['expires_in', 'refresh_token_expires_in', 'scope', 'token_type'],
    error: {
      doc: 'https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens',
      trigger: 'badRefresh',
      status: 200,
      body: { error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.', error_uri: 'https://docs.github.com/…' },
      exact: ['error', 'error_description'],
    },
  },
  gitlab: {
    doc: 'https://docs.gitlab.com/api/oauth2/#authorization-code-flow',
    params: { scope: 'api' },
    success: { access_token: 'de6780bc…', token_type: 'Bearer', expires_in: 7200, refresh_token: '8257e65c…', scope: 'api', created_at: 1607635748 },
    exact: ['token_type', 'expires_in', 'scope'],
    error: {
      doc: 'https://github.com/Dynatrace/ace-box/issues/580',
      trigger: 'badCode',
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description:
          'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
      },
      exact: ['error', 'error_description'],
    },
  },
  atlassian: {
    doc: 'https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens',
    params: { scope: 'read:jira-work offline_access', audience: 'api.atlassian.com', prompt: 'consent' },
    success: { access_token: '…', refresh_token: '…', expires_in: 3600, scope: 'read:jira-work offline_access', token_type: 'Bearer' },
    exact: ['expires_in', 'scope', 'token_type'],
    error: {
      doc: 'https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens',
      trigger: 'badRefresh',
      status: 403,
      body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' },
      exact: ['error', 'error_description'],
    },
  },
  microsoft: {
    doc: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#successful-response-2',
    params: { scope: 'User.Read offline_access' },
    success: { token_type: 'Bearer', scope: 'User.Read offline_access', expires_in: 3599, ext_expires_in: 3599, access_token: '…', refresh_token: '…' },
    exact: ['token_type', 'scope'],
    error: {
      doc: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#error-response-1',
      trigger: 'json',
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: "AADSTS900144: The request body must contain the following parameter: 'grant_type'. Trace ID: … Correlation ID: … Timestamp: …",
        error_codes: [900144],
        timestamp: '2016-04-11 18:00:12Z',
        trace_id: '…',
        correlation_id: '…',
        error_uri: 'https://login.microsoftonline.com/error?code=900144',
      },
      exact: ['error', 'error_codes', 'error_uri'],
    },
  },
  google: {
    doc: 'https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code',
    params: { scope: 'https://www.googleapis.com/auth/drive.metadata.readonly', access_type: 'offline' },
    success: {
      access_token: '1/fFAGRNJru1FTz70BzhT3Zg',
      expires_in: 3599,
      token_type: 'Bearer',
      scope: 'https://www.googleapis.com/auth/drive.metadata.readonly',
      refresh_token: '1//xEoDL4iW3cxlI7yDbSRFYNG01kVKM2C-259HOF2aQbI',
    },
    sometimes: ['refresh_token_expires_in'],
    exact: ['expires_in', 'token_type', 'scope'],
    error: {
      doc: 'https://github.com/dolfim/django-gmailapi-backend/issues/9',
      trigger: 'badRefresh',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      exact: ['error', 'error_description'],
    },
  },
  slack: {
    doc: 'https://docs.slack.dev/reference/methods/oauth.v2.access',
    params: { scope: 'commands,incoming-webhook', user_scope: 'search:read' },
    success: {
      ok: true,
      access_token: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
      token_type: 'bot',
      scope: 'commands,incoming-webhook',
      bot_user_id: 'U0KRQLJ9H',
      app_id: 'A0KRD7HC3',
      team: { name: 'Slack Softball Team', id: 'T9TK3CUKW' },
      enterprise: null,
      authed_user: { id: 'U1234', scope: 'search:read', access_token: 'xoxp-1234', token_type: 'user' },
      is_enterprise_install: false,
    },
    sometimes: ['incoming_webhook'],
    exact: ['ok', 'token_type', 'scope', 'enterprise', 'is_enterprise_install'],
    error: {
      doc: 'https://docs.slack.dev/reference/methods/oauth.v2.access#errors',
      trigger: 'badClient',
      status: 200,
      body: { ok: false, error: 'invalid_client_id' },
      exact: ['ok', 'error'],
    },
  },
  salesforce: {
    doc: 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm',
    params: { scope: 'api refresh_token' },
    success: {
      access_token: '00DB0000000TfcR!…',
      refresh_token: '5Aep861…',
      signature: 'ygAkhmUhX…=',
      scope: 'api refresh_token',
      instance_url: 'https://mycompany.my.salesforce.com',
      id: 'https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P',
      token_type: 'Bearer',
      issued_at: '1278448832702',
    },
    sometimes: ['id_token', 'sfdc_community_url', 'sfdc_community_id'],
    exact: ['token_type', 'scope'],
    error: {
      doc: 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm',
      trigger: 'badCode',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'authorization code expired' },
      exact: ['error', 'error_description'],
    },
  },
  hubspot: {
    doc: 'https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens',
    params: { scope: 'crm.objects.contacts.read oauth' },
    success: {
      token_type: 'bearer',
      refresh_token: '…',
      access_token: '…',
      expires_in: 1800,
      hub_id: 12345678,
      scopes: ['crm.objects.contacts.read', 'oauth'],
    },
    exact: ['token_type', 'expires_in', 'scopes'],
    error: {
      doc: 'https://developers.hubspot.com/changelog/new-oauth-v3-api-endpoints-and-standardized-error-responses',
      trigger: 'badRefresh',
      status: 400,
      body: { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token', correlationId: '…', error: 'invalid_grant', error_description: '…' },
      exact: ['status', 'message', 'error'],
    },
  },
  zendesk: {
    doc: 'https://support.zendesk.com/hc/en-us/articles/9182123625370',
    params: { scope: 'read' },
    success: { access_token: '…', token_type: 'bearer', scope: 'read', refresh_token: '…', expires_in: 1800, refresh_token_expires_in: 2592000 },
    exact: ['token_type', 'scope', 'expires_in', 'refresh_token_expires_in'],
    error: {
      doc: 'https://support.zendesk.com/hc/en-us/articles/115012709368',
      trigger: 'badCode',
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description:
          'The provided access grant is invalid, expired, or revoked (e.g. invalid assertion, expired authorization token, bad end-user password credentials, or mismatching authorization code and redirection URI).',
      },
      exact: ['error', 'error_description'],
    },
  },
  notion: {
    doc: 'https://developers.notion.com/reference/create-a-token',
    params: { owner: 'user' },
    success: {
      access_token: 'e202e8c9-…',
      token_type: 'bearer',
      refresh_token: 'nrt_4991090011501Ejc6Wf…',
      bot_id: 'b3414d659-…',
      workspace_icon: 'https://website.domain/images/image.png',
      workspace_name: 'Name of the workspace',
      workspace_id: 'j565j4d7x3-…',
      owner: { type: 'user', user: { object: 'user', id: '4d6e…' } },
      duplicated_template_id: null,
      request_id: 'f3d8…',
    },
    exact: ['token_type', 'duplicated_template_id'],
    // The error shape is [unconfirmed] in providers.md: the preset answers RFC 6749.
    error: { doc: 'https://developers.notion.com/reference/create-a-token', trigger: 'badCode', status: 400, body: RFC_GRANT, exact: ['error'] },
  },
  asana: {
    doc: 'https://developers.asana.com/docs/oauth#token-exchange-endpoint',
    success: { access_token: 'f6ds7fdsa69ags7ag9sd5a', expires_in: 3600, token_type: 'bearer', refresh_token: 'hjkl325hjkl4325hj4kl32fjds' },
    sometimes: ['data', 'id_token'],
    exact: ['expires_in', 'token_type'],
    error: { doc: 'https://developers.asana.com/docs/oauth', trigger: 'badCode', status: 400, body: RFC_GRANT, exact: ['error'] },
  },
  airtable: {
    doc: 'https://airtable.com/developers/web/api/oauth-reference#token-exchange',
    params: { scope: 'data.records:read' },
    success: { access_token: '…', refresh_token: '…', token_type: 'Bearer', scope: 'data.records:read', expires_in: 3600, refresh_expires_in: 5184000 },
    exact: ['token_type', 'scope', 'refresh_expires_in'],
    error: { doc: 'https://airtable.com/developers/web/api/oauth-reference', trigger: 'badCode', status: 400, body: RFC_GRANT, exact: ['error'] },
  },
  linear: {
    doc: 'https://linear.app/developers/oauth-2-0-authentication',
    params: { scope: 'read,write' },
    success: { access_token: '00a21d8b…', token_type: 'Bearer', expires_in: 86399, scope: 'read write', refresh_token: '…' },
    exact: ['token_type'],
    error: { doc: 'https://linear.app/developers/oauth-2-0-authentication', trigger: 'badCode', status: 400, body: RFC_GRANT, exact: ['error'] },
  },
  dropbox: {
    doc: 'https://www.dropbox.com/developers/documentation/http/documentation#oauth2-token',
    params: { token_access_type: 'offline', scope: 'files.metadata.read' },
    success: {
      access_token:
        'sl.AbX9y6Fe3AuH5o66-gmJpR032jwAwQPIVVzWXZNkdzcYT02akC2de219dZi6gxYPVnYPrpvISRSf9lxKWJzYLjtMPH-d9fo_0gXex7X37VIvpty4-G8f4-WX45AcEPfRnJJDwzv-',
      expires_in: 14400,
      token_type: 'bearer',
      scope: 'files.metadata.read',
      refresh_token: 'nBiM85CZALsAAAAAAAAAAQXHBoNpNutK4ngsXHsqW4iGz9tisb3JyjGqikMJIYbd',
      account_id: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc',
      uid: '12345',
    },
    sometimes: ['team_id', 'id_token'],
    exact: ['expires_in', 'token_type', 'scope'],
    error: {
      doc: 'https://www.dropbox.com/developers/documentation/http/documentation#oauth2-token',
      trigger: 'badCode',
      status: 400,
      body: RFC_GRANT,
      exact: ['error'],
    },
  },
  box: {
    doc: 'https://developer.box.com/reference/resources/access-token/',
    success: {
      access_token: 'c3FIOG9vSGV4VHz8QiRYdDc4MWxhNkRXZz8…',
      expires_in: 3600,
      restricted_to: [],
      refresh_token: 'c3FIOG9vSGV4VHz8QiRYdDc4MWxhNkRXZz8…',
      token_type: 'bearer',
    },
    sometimes: ['issued_token_type'],
    exact: ['expires_in', 'restricted_to', 'token_type'],
    error: {
      doc: 'https://support.box.com/hc/en-us/community/posts/1500000380082',
      trigger: 'badCode',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The authorization code has expired' },
      exact: ['error', 'error_description'],
    },
  },
  zoom: {
    doc: 'https://developers.zoom.us/docs/integrations/oauth/#step-2-request-access-token',
    params: { scope: 'user:read' },
    success: {
      access_token: 'eyJhbGciOiJIUzUxMiIsInYiOiIyLjAiLCJraWQiOiI…',
      token_type: 'bearer',
      refresh_token: 'eyJhbGciOiJIUzUxMiIsInYiOiIyLjAiLCJraWQiOiI…',
      expires_in: 3599,
      scope: 'user:read',
    },
    exact: ['token_type', 'scope'],
    error: {
      doc: 'https://github.com/raycast/extensions/issues/10896',
      trigger: 'badRefresh',
      status: 400,
      body: { reason: 'Invalid Token!', error: 'invalid_grant' },
      exact: ['reason', 'error'],
    },
  },
  pipedrive: {
    doc: 'https://pipedrive.readme.io/docs/marketplace-oauth-and-api-proxy-status-codes',
    params: { scope: 'deals:read base' },
    success: {
      access_token: 'v1u:AQIBAHj+LzTNK2yuuuaLqifzhWb9crUjKTpnuBl1-…',
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: '…',
      scope: 'deals:read base',
      api_domain: 'https://company.pipedrive.com',
    },
    exact: ['token_type', 'expires_in'],
    error: {
      doc: 'https://pipedrive.readme.io/docs/marketplace-oauth-and-api-proxy-status-codes',
      trigger: 'badCode',
      status: 400,
      body: RFC_GRANT,
      exact: ['error'],
    },
  },
};

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Field by field: the documented keys present with the same JSON type, no undocumented ones, the fixed values equal. */
function compare(answer: Record<string, unknown>, documented: Record<string, unknown>, exact: readonly string[], sometimes: readonly string[] = []): void {
  const extra = Object.keys(answer).filter((key) => !(key in documented) && !sometimes.includes(key));
  expect(extra, 'fields the provider does not document').toEqual([]);
  for (const [key, value] of Object.entries(documented)) {
    expect(key in answer, `documented field ${key} missing from ${JSON.stringify(answer)}`).toBe(true);
    // A form-encoded answer (GitHub) carries strings only.
    expect(kind(answer[key]), `type of ${key}`).toBe(kind(value));
    if (exact.includes(key)) expect(answer[key], key).toEqual(value);
  }
}

async function provoke(name: PresetName, golden: Golden): Promise<Answer> {
  const provider = await createMockProvider({ preset: name });
  const inProcess = { fetch: provider.fetch, auth: authFor(name) } as const;
  try {
    const trigger = golden.error?.trigger;
    if (trigger === 'badRefresh') return await refresh(provider, 'not-a-refresh-token', { ...inProcess, accept: 'application/json' });
    if (trigger === 'json') {
      const grant = await authorize(provider, golden.params, provider.fetch);
      return await exchange(provider, grant, { ...inProcess, auth: 'body', json: true });
    }
    const grant = await authorize(provider, golden.params, provider.fetch);
    if (trigger === 'badClient') return await exchange(provider, grant, { ...inProcess, secret: 'wrong-secret', accept: 'application/json' });
    return await token(
      provider,
      { grant_type: 'authorization_code', code: `${grant.code}x`, redirect_uri: CLIENT.redirectUri, code_verifier: grant.verifier },
      { ...inProcess, accept: 'application/json' },
    );
  } finally {
    await provider.close();
  }
}

describe.each(Object.entries(GOLDEN) as [PresetName, Golden][])('%s preset against its documentation', (name, golden) => {
  it(`answers the documented token response (${golden.doc})`, async () => {
    const provider = await createMockProvider({ preset: name });
    try {
      const grant = await authorize(provider, golden.params, provider.fetch);
      const answer = await exchange(provider, grant, {
        fetch: provider.fetch,
        auth: authFor(name),
        ...(golden.noAccept ? {} : { accept: 'application/json' }),
      });
      expect(answer.status, answer.text).toBe(200);
      if (golden.noAccept) expect(answer.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
      const nested = golden.success.authed_user as Record<string, unknown> | undefined;
      compare(answer.body, golden.success, golden.exact, golden.sometimes);
      if (nested !== undefined) compare(answer.body.authed_user as Record<string, unknown>, nested, ['scope', 'token_type']);
    } finally {
      await provider.close();
    }
  });

  const error = golden.error;
  if (error !== undefined) {
    it(`answers the documented error response (${error.doc})`, async () => {
      const answer = await provoke(name, golden);
      expect(answer.status, answer.text).toBe(error.status);
      compare(answer.body, error.body, error.exact);
    });
  }
});
