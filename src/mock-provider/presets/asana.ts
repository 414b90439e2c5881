import { definePreset } from './preset.js';

// Source: providers.md §2.2; https://developers.asana.com/docs/oauth
export const asana = definePreset({
  name: 'asana',
  title: 'Asana',
  docs: 'https://developers.asana.com/docs/oauth',
  // expires_in 3600 [unconfirmed]: the mock's default lifetime, which is the same.
  quirks: {
    endpoints: {
      authorization: 'https://app.asana.com/-/oauth_authorize',
      token: 'https://app.asana.com/-/oauth_token',
      revocation: 'https://app.asana.com/-/oauth_revoke',
      identity: [
        {
          name: 'me',
          // https://developers.asana.com/reference/getuser (users/me; not in providers.md)
          url: 'https://app.asana.com/api/1.0/users/me',
          body: { data: { gid: '{user.number|string}', email: '{user.email}', name: '{user.name}', resource_type: 'user' } },
          // https://developers.asana.com/docs/errors
          invalid: { status: 401, body: { errors: [{ message: 'Not Authorized' }] } },
        },
      ],
    },
    // RT issued on every code exchange.
    refreshTokenWhen: 'always',
    clientAuth: 'body',
    tokenType: 'bearer',
    // The `data` user object in the token answer and "refresh returns AT only" are [unconfirmed]: left generic.
  },
});
