import { definePreset } from './preset.js';

// Source: providers.md §2.23; https://developers.dropbox.com/oauth-guide
export const dropbox = definePreset({
  name: 'dropbox',
  title: 'Dropbox',
  docs: 'https://developers.dropbox.com/oauth-guide',
  // Short-lived AT, expires_in 14400.
  accessTokenTtl: 14400,
  quirks: {
    endpoints: {
      authorization: 'https://www.dropbox.com/oauth2/authorize',
      token: 'https://api.dropboxapi.com/oauth2/token',
      revocation: 'https://api.dropboxapi.com/2/auth/token/revoke',
      identity: [
        {
          name: 'currentAccount',
          // https://www.dropbox.com/developers/documentation/http/documentation#users-get_current_account (not in providers.md)
          url: 'https://api.dropboxapi.com/2/users/get_current_account',
          methods: ['POST'],
          body: {
            account_id: 'dbid:{user.id}',
            name: { display_name: '{user.name}', given_name: '{user.name}', surname: '', familiar_name: '{user.name}' },
            email: '{user.email}',
            email_verified: true,
            disabled: false,
          },
          invalid: { status: 401, body: { error_summary: 'invalid_access_token/', error: { '.tag': 'invalid_access_token' } } },
        },
      ],
    },
    // RT only with token_access_type=offline.
    refreshTokenWhen: { param: 'token_access_type', value: 'offline' },
    tokenType: 'bearer',
    // Short-lived access tokens sl.… (providers.md §2.23).
    accessTokenPrefix: 'sl.',
    extraTokenFields: { uid: '{user.number|string}', account_id: 'dbid:{user.id}' },
    // Static; the refresh answer is only {access_token, token_type, expires_in}.
    refreshPolicy: { mode: 'static', echo: false },
    refreshResponseFields: ['access_token', 'token_type', 'expires_in'],
  },
});
