import { definePreset } from './preset.js';

// Source: providers.md §2.5; https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
export const microsoft = definePreset({
  name: 'microsoft',
  title: 'Microsoft Entra ID (v2)',
  docs: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
  // "a random value ranging between 60-90 minutes": the mock takes the 75-minute average (no jitter).
  accessTokenTtl: 4500,
  // 90 days (https://learn.microsoft.com/en-nz/entra/identity-platform/refresh-tokens).
  refreshTokenTtl: 90 * 24 * 3600,
  quirks: {
    endpoints: {
      // {tenant}: common, organizations, consumers, a GUID or a domain; any value matches.
      authorization: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
      token: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
      variables: { tenant: 'common' },
      identity: [
        {
          name: 'me',
          // https://learn.microsoft.com/en-us/graph/api/user-get (not in providers.md)
          url: 'https://graph.microsoft.com/v1.0/me',
          body: {
            '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
            id: '{user.id}',
            displayName: '{user.name}',
            mail: '{user.email}',
            userPrincipalName: '{user.email}',
          },
          // https://learn.microsoft.com/en-us/graph/errors
          invalid: {
            status: 401,
            body: { error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' } },
          },
        },
      ],
    },
    refreshTokenWhen: { scope: 'offline_access' },
    // Form only: JSON → 400 AADSTS900144.
    tokenRequestFormats: ['form'],
    tokenType: 'Bearer',
    extraTokenFields: { ext_expires_in: '{expires_in}' },
    // "doesn't revoke old refresh tokens when used to fetch new access tokens".
    refreshPolicy: { mode: 'rotate', revokePrevious: false },
    errorStyle: {
      body: {
        error: '{error}',
        error_description: 'AADSTS{code}: {description} Trace ID: {uuid} Correlation ID: {uuid} Timestamp: {timestamp}',
        error_codes: ['{code|number}'],
        timestamp: '{timestamp}',
        trace_id: '{uuid}',
        correlation_id: '{uuid}',
        error_uri: 'https://login.microsoftonline.com/error?code={code}',
      },
      conditions: {
        unsupportedFormat: { code: 900144, description: "The request body must contain the following parameter: 'grant_type'." },
        // 70008 (expired code or RT) is [unconfirmed] in providers.md; the AADSTS shape is confirmed.
        badCode: { code: 70008 },
        badRefresh: { code: 70008 },
        badClient: { code: 7000215 },
        badRequest: { code: 900144 },
        other: { code: 90000 },
      },
    },
  },
});
