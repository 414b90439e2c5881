import { definePreset } from './preset.js';

// Source: providers.md §2.4; https://docs.gitlab.com/api/oauth2/
export const gitlab = definePreset({
  name: 'gitlab',
  title: 'GitLab (gitlab.com)',
  docs: 'https://docs.gitlab.com/api/oauth2/',
  // expires_in 7200 (2 hours by default).
  accessTokenTtl: 7200,
  quirks: {
    endpoints: {
      authorization: 'https://gitlab.com/oauth/authorize',
      token: 'https://gitlab.com/oauth/token',
      revocation: 'https://gitlab.com/oauth/revoke',
      identity: [
        {
          name: 'user',
          // https://docs.gitlab.com/api/users/#retrieve-the-current-user (not in providers.md)
          url: 'https://gitlab.com/api/v4/user',
          body: {
            id: '{user.number}',
            username: '{user.id}',
            name: '{user.name}',
            email: '{user.email}',
            state: 'active',
            web_url: 'https://gitlab.com/{user.id}',
          },
          // https://docs.gitlab.com/api/rest/troubleshooting/#status-codes
          invalid: { status: 401, body: { message: '401 Unauthorized' } },
        },
      ],
    },
    refreshTokenWhen: 'always',
    tokenType: 'Bearer',
    // created_at (unix seconds) in the answer.
    extraTokenFields: { created_at: '{now}' },
    // Strict rotation: the old RT is dead at once (harness/harness#855, dexidp/dex#2352).
    refreshPolicy: { mode: 'rotate' },
    errorStyle: {
      // 400 invalid_grant with Doorkeeper's description and WWW-Authenticate (Dynatrace/ace-box#580).
      headers: { 'www-authenticate': 'Bearer realm="Doorkeeper", error="invalid_grant"' },
      conditions: {
        badCode: {
          description:
            'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
        },
        badRefresh: {
          description:
            'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
        },
      },
    },
  },
});
