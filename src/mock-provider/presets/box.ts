import { definePreset } from './preset.js';

// Source: providers.md §2.24; https://developer.box.com/guides/authentication/tokens/refresh
export const box = definePreset({
  name: 'box',
  title: 'Box',
  docs: 'https://developer.box.com/guides/authentication/oauth2/',
  accessTokenTtl: 3600,
  // RT valid for 60 days.
  refreshTokenTtl: 60 * 24 * 3600,
  quirks: {
    endpoints: {
      authorization: 'https://account.box.com/api/oauth2/authorize',
      token: 'https://api.box.com/oauth2/token',
      revocation: 'https://api.box.com/oauth2/revoke',
      identity: [
        {
          name: 'me',
          // https://developer.box.com/reference/get-users-me/ (not in providers.md)
          url: 'https://api.box.com/2.0/users/me',
          body: { type: 'user', id: '{user.number|string}', name: '{user.name}', login: '{user.email}', status: 'active' },
          // Box answers 401 with an empty body and a Bearer challenge.
          invalid: {
            status: 401,
            body: null,
            headers: { 'www-authenticate': 'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."' },
          },
        },
      ],
    },
    refreshTokenWhen: 'always',
    // Form required; credentials in the body.
    tokenRequestFormats: ['form'],
    clientAuth: 'body',
    tokenType: 'bearer',
    extraTokenFields: { restricted_to: [] },
    // Single use, but replaying the same RT before the new one is used returns the same pair.
    refreshPolicy: { mode: 'rotate', idempotentUntilUsed: true },
    errorStyle: {
      conditions: {
        badCode: { description: 'The authorization code has expired' },
        badRefresh: { description: 'Refresh token has expired' },
      },
    },
  },
});
