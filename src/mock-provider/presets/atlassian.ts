import { definePreset } from './preset.js';

// Source: providers.md §2.1; https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens
export const atlassian = definePreset({
  name: 'atlassian',
  title: 'Atlassian (Jira, Confluence)',
  docs: 'https://developer.atlassian.com/cloud/jira/software/oauth-2-3lo-apps/',
  // AT lifetime 1 hour (expires_in 3600).
  accessTokenTtl: 3600,
  // 90-day inactivity expiry.
  refreshTokenTtl: 90 * 24 * 3600,
  quirks: {
    endpoints: {
      authorization: 'https://auth.atlassian.com/authorize',
      token: 'https://auth.atlassian.com/oauth/token',
      identity: [
        {
          name: 'accessibleResources',
          // https://developer.atlassian.com/cloud/oauth/getting-started/making-calls-to-api
          url: 'https://api.atlassian.com/oauth/token/accessible-resources',
          body: [
            {
              id: '11111111-2222-3333-4444-555555555555',
              name: 'mock-site',
              url: 'https://mock-site.atlassian.net',
              scopes: '{scopes}',
              avatarUrl: 'https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/site.png',
            },
          ],
          // Shape of the 401 [unconfirmed]: kept generic-looking.
          invalid: { status: 401, body: { code: 401, message: 'Unauthorized' } },
        },
        {
          name: 'me',
          // https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/#how-do-i-retrieve-the-public-profile-of-the-authenticated-user-
          url: 'https://api.atlassian.com/me',
          body: { account_id: '{user.id}', email: '{user.email}', name: '{user.name}', account_status: 'active' },
          invalid: { status: 401, body: { code: 401, message: 'Unauthorized' } },
        },
      ],
    },
    // "`audience` is required" (providers.md §2.1; https://developer.atlassian.com/cloud/jira/software/oauth-2-3lo-apps/).
    // How the real provider answers its absence is [unconfirmed]: the RFC 6749 redirect. prompt=consent is always
    // sent by arctic and Nango but providers.md does not say it is required, so it is not enforced.
    requiredAuthorizeParams: { audience: 'api.atlassian.com' },
    // RT only with offline_access.
    refreshTokenWhen: { scope: 'offline_access' },
    // JSON documented, form works in practice (arctic, Nango).
    tokenRequestFormats: ['form', 'json'],
    // Basic auth [unconfirmed]: left generic (either).
    tokenType: 'Bearer',
    // Rotates on every use; old AT+RT keep working for a 10-minute leeway, then both are revoked.
    refreshPolicy: { mode: 'rotate', graceSeconds: 600, revokePreviousAccessToken: true },
    errorStyle: {
      conditions: {
        // 403 {"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}
        badRefresh: { status: 403, description: 'Unknown or invalid refresh token.' },
        // Bad code: 403 "Invalid authorization code" (community thread 1442839).
        badCode: { status: 403, description: 'Invalid authorization code' },
      },
    },
  },
});
