import { definePreset } from './preset.js';

// Source: providers.md §2.7; https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide
export const hubspot = definePreset({
  name: 'hubspot',
  title: 'HubSpot',
  docs: 'https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide',
  // expires_in 1800.
  accessTokenTtl: 1800,
  quirks: {
    endpoints: {
      authorization: 'https://app.hubspot.com/oauth/authorize',
      // v1 (sunset 2027-02-16) is the one most connectors still call; v3 takes the same body.
      token: 'https://api.hubapi.com/oauth/v1/token',
      identity: [
        {
          name: 'accessTokenInfo',
          // GET /oauth/v1/access-tokens/{token} (https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1)
          url: 'https://api.hubapi.com/oauth/v1/access-tokens/{token}',
          tokenIn: 'path',
          body: {
            token: 'mock',
            user: '{user.email}',
            hub_domain: 'mock-portal.hubspot.com',
            scopes: '{scopes}',
            hub_id: 12345678,
            app_id: 1234567,
            expires_in: '{expires_in}',
            user_id: '{user.number}',
            token_type: 'access',
          },
          // HubSpot's API error shape; the status for an unknown token is [unconfirmed].
          invalid: {
            status: 401,
            body: { status: 'error', message: 'The OAuth token used to make this call expired.', correlationId: 'mock', category: 'EXPIRED_AUTHENTICATION' },
          },
        },
      ],
    },
    refreshTokenWhen: 'always',
    // Credentials in the body.
    clientAuth: 'body',
    tokenType: 'bearer',
    // Array `scopes` (since 2025-08-18) and hub_id.
    responseScope: { field: 'scopes', format: 'array' },
    extraTokenFields: { hub_id: 12345678 },
    // The same refresh token is returned (secondary source).
    refreshPolicy: { mode: 'static', echo: true },
    errorStyle: {
      // {status, message, correlationId} plus the RFC error/error_description (changelog: standardized error responses).
      body: { status: '{code}', message: '{description}', correlationId: '{uuid}', error: '{error}', error_description: '{description}' },
      conditions: {
        badRefresh: { code: 'BAD_REFRESH_TOKEN', description: 'missing or invalid refresh token' },
        // BAD_AUTH_CODE / BAD_CLIENT_ID are [unconfirmed] names but follow the documented pattern.
        badCode: { code: 'BAD_AUTH_CODE', description: 'missing or invalid auth code' },
        badClient: { status: 400, code: 'BAD_CLIENT_ID', description: 'missing or unknown client id' },
        badRequest: { code: 'BAD_REQUEST', description: 'invalid request' },
        other: { code: 'BAD_REQUEST' },
      },
    },
  },
});
