import { definePreset } from './preset.js';

// Source: providers.md §2.15; https://airtable.com/developers/web/api/oauth-reference
export const airtable = definePreset({
  name: 'airtable',
  title: 'Airtable',
  docs: 'https://airtable.com/developers/web/api/oauth-reference',
  // 3600 / 60 days are [unconfirmed] values; 60-day RT inactivity is a secondary source.
  refreshTokenTtl: 60 * 24 * 3600,
  quirks: {
    endpoints: {
      authorization: 'https://airtable.com/oauth2/v1/authorize',
      token: 'https://airtable.com/oauth2/v1/token',
      identity: [
        {
          name: 'whoami',
          // https://airtable.com/developers/web/api/get-user-id-scopes (not in providers.md)
          url: 'https://api.airtable.com/v0/meta/whoami',
          body: { id: 'usr{user.number}', email: '{user.email}', scopes: '{scopes}' },
          // https://airtable.com/developers/web/api/errors
          invalid: { status: 401, body: { error: { type: 'AUTHENTICATION_REQUIRED', message: 'Authentication required' } } },
        },
      ],
    },
    // scope ("at least one" required), state (required) and code_challenge (required) (providers.md §2.15).
    // How a missing one is answered is [unconfirmed]: the RFC 6749 redirect.
    requiredAuthorizeParams: { scope: true, state: true, code_challenge: true },
    refreshTokenWhen: 'always',
    // Basic for confidential clients.
    clientAuth: 'basic',
    tokenType: 'Bearer',
    refreshTokenFields: { refresh_expires_in: 60 * 24 * 3600 },
    // Rotates; refreshing "immediately invalidates" the previous AT. Reuse revoking the grant is [unconfirmed].
    refreshPolicy: { mode: 'rotate', revokePreviousAccessToken: true },
  },
});
