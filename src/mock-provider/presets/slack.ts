import { definePreset, NEVER_EXPIRES } from './preset.js';

// Source: providers.md §2.17; https://docs.slack.dev/reference/methods/oauth.v2.access
export const slack = definePreset({
  name: 'slack',
  title: 'Slack (oauth.v2, no token rotation)',
  docs: 'https://docs.slack.dev/authentication/installing-with-oauth',
  // "Without token rotation, the access token never expires."
  accessTokenTtl: NEVER_EXPIRES,
  quirks: {
    endpoints: {
      authorization: 'https://slack.com/oauth/v2/authorize',
      token: 'https://slack.com/api/oauth.v2.access',
      identity: [
        {
          name: 'authTest',
          // https://docs.slack.dev/reference/methods/auth.test (not in providers.md)
          url: 'https://slack.com/api/auth.test',
          methods: ['GET', 'POST'],
          body: { ok: true, url: 'https://mock-team.slack.com/', team: 'Mock Team', user: '{user.id}', team_id: 'T00000001', user_id: 'U{user.number}' },
          // Slack answers 200 with ok:false (same convention as its token errors).
          invalid: { status: 200, body: { ok: false, error: 'invalid_auth' } },
        },
      ],
    },
    // Comma-separated bot `scope` and user `user_scope`.
    scopeSeparator: ',',
    // Bot token xoxb-…, user token xoxp-… (providers.md §2.17, the documented oauth.v2.access answer).
    userToken: { scopeParam: 'user_scope', at: 'authed_user', tokenType: 'user', accessTokenPrefix: 'xoxp-' },
    accessTokenPrefix: 'xoxb-',
    // No RT unless token rotation is enabled on the app.
    refreshTokenWhen: 'never',
    // Form and JSON; Basic recommended, body accepted.
    tokenRequestFormats: ['form', 'json'],
    clientAuth: 'either',
    okEnvelope: true,
    tokenType: 'bot',
    expiresIn: false,
    responseScope: { format: 'comma' },
    extraTokenFields: {
      bot_user_id: 'U0MOCKBOT',
      app_id: 'A0MOCKAPP',
      team: { id: 'T00000001', name: 'Mock Team' },
      enterprise: null,
      is_enterprise_install: false,
    },
    // HTTP 200 {"ok":false,"error":"invalid_client_id"}; the other codes are [unconfirmed] but follow the convention.
    errorStyle: {
      status: 200,
      body: { ok: false, error: '{error}' },
      conditions: {
        badClient: { error: 'invalid_client_id' },
        badCode: { error: 'invalid_code' },
        badRefresh: { error: 'invalid_refresh_token' },
        unsupportedFormat: { error: 'invalid_arguments' },
        badRequest: { error: 'invalid_arguments' },
      },
    },
  },
});
