import { definePreset } from './preset.js';

// Source: providers.md §2.16; https://developers.google.com/identity/protocols/oauth2/web-server
const USERINFO_BODY = {
  sub: '{user.id}',
  name: '{user.name}',
  email: '{user.email}',
  email_verified: true,
  picture: 'https://lh3.googleusercontent.com/a/mock',
};
// https://developers.google.com/identity/openid-connect/openid-connect#obtainuserinfo; the 401 body shape is [unconfirmed]: RFC 6750 style.
const INVALID = {
  status: 401,
  body: { error: 'invalid_request', error_description: 'Invalid Credentials' },
  headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
};

export const google = definePreset({
  name: 'google',
  title: 'Google',
  docs: 'https://developers.google.com/identity/protocols/oauth2/web-server',
  // expires_in 3599.
  accessTokenTtl: 3599,
  // Dies after six months unused.
  refreshTokenTtl: 183 * 24 * 3600,
  quirks: {
    endpoints: {
      // Authorize and token on two hosts.
      authorization: 'https://accounts.google.com/o/oauth2/v2/auth',
      token: 'https://oauth2.googleapis.com/token',
      revocation: 'https://oauth2.googleapis.com/revoke',
      identity: [
        { name: 'userinfo', url: 'https://openidconnect.googleapis.com/v1/userinfo', body: USERINFO_BODY, invalid: INVALID },
        { name: 'userinfoV3', url: 'https://www.googleapis.com/oauth2/v3/userinfo', body: USERINFO_BODY, invalid: INVALID },
      ],
    },
    // RT only with access_type=offline, and only on first consent unless prompt=consent.
    refreshTokenWhen: { param: 'access_type', value: 'offline' },
    refreshTokenFirstConsentOnly: { unlessParam: 'prompt', value: 'consent' },
    tokenType: 'Bearer',
    // Static: "Google will not provide a new refresh token after a token refresh".
    refreshPolicy: { mode: 'static', echo: false },
    errorStyle: {
      conditions: {
        badRefresh: { description: 'Token has been expired or revoked.' },
        badCode: { description: 'Bad Request' },
        badClient: { status: 401, description: 'Unauthorized' },
      },
    },
  },
});
