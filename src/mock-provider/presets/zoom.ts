import { definePreset } from './preset.js';

// Source: providers.md §2.22; https://developers.zoom.us/docs/integrations/oauth/
export const zoom = definePreset({
  name: 'zoom',
  title: 'Zoom',
  docs: 'https://developers.zoom.us/docs/integrations/oauth/',
  accessTokenTtl: 3600,
  // ~90 days (secondary).
  refreshTokenTtl: 90 * 24 * 3600,
  quirks: {
    endpoints: {
      authorization: 'https://zoom.us/oauth/authorize',
      token: 'https://zoom.us/oauth/token',
      revocation: 'https://zoom.us/oauth/revoke',
      identity: [
        {
          name: 'me',
          // https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId} (userId "me"; not in providers.md)
          url: 'https://api.zoom.us/v2/users/me',
          body: { id: '{user.id}', first_name: '{user.name}', last_name: '', display_name: '{user.name}', email: '{user.email}', type: 1, status: 'active' },
          // https://developers.zoom.us/docs/api/using-zoom-apis/#error-codes
          invalid: { status: 401, body: { code: 124, message: 'Invalid access token.' } },
        },
      ],
    },
    refreshTokenWhen: 'always',
    // Basic required; the scope separator is [unconfirmed] (Nango ',', grant ' '): left at space.
    clientAuth: 'basic',
    tokenType: 'bearer',
    // New RT each refresh, old invalid (secondary).
    refreshPolicy: { mode: 'rotate' },
    // {"reason":"…","error":"…"}, 400.
    errorStyle: {
      body: { reason: '{description}', error: '{error}' },
      conditions: {
        badRefresh: { description: 'Invalid Token!' },
        badCode: { error: 'invalid_request', description: 'Invalid authorization code' },
        badClient: { description: 'Invalid client_id or client_secret' },
      },
    },
  },
});
