import { definePreset } from './preset.js';

// Source: providers.md §2.9; https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/
export const zendesk = definePreset({
  name: 'zendesk',
  title: 'Zendesk',
  docs: 'https://support.zendesk.com/hc/en-us/articles/4408845965210',
  // Default AT 30 min for new clients.
  accessTokenTtl: 1800,
  // Default RT 30 days.
  refreshTokenTtl: 30 * 24 * 3600,
  quirks: {
    endpoints: {
      // {subdomain}: any value matches.
      authorization: 'https://{subdomain}.zendesk.com/oauth/authorizations/new',
      token: 'https://{subdomain}.zendesk.com/oauth/tokens',
      variables: { subdomain: 'mock' },
      identity: [
        {
          name: 'me',
          // https://developer.zendesk.com/api-reference/ticketing/users/users/#show-the-currently-authenticated-user (not in providers.md)
          url: 'https://{subdomain}.zendesk.com/api/v2/users/me',
          body: { user: { id: '{user.number}', name: '{user.name}', email: '{user.email}', role: 'admin', active: true } },
          invalid: {
            status: 401,
            body: { error: 'invalid_token', error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.' },
          },
        },
      ],
    },
    refreshTokenWhen: 'always',
    // JSON documented; form accepted (Airbyte, Nango).
    tokenRequestFormats: ['form', 'json'],
    clientAuth: 'body',
    tokenType: 'bearer',
    refreshTokenFields: { refresh_token_expires_in: 30 * 24 * 3600 },
    // "will also return a refresh token and delete the previous access and refresh tokens".
    refreshPolicy: { mode: 'rotate', revokePreviousAccessToken: true },
    errorStyle: {
      conditions: {
        badCode: {
          description:
            'The provided access grant is invalid, expired, or revoked (e.g. invalid assertion, expired authorization token, bad end-user password credentials, or mismatching authorization code and redirection URI).',
        },
        badRefresh: {
          description:
            'The provided access grant is invalid, expired, or revoked (e.g. invalid assertion, expired authorization token, bad end-user password credentials, or mismatching authorization code and redirection URI).',
        },
      },
    },
  },
});
