import { definePreset } from './preset.js';

// Source: providers.md §2.25; https://pipedrive.readme.io/docs/marketplace-oauth-authorization
export const pipedrive = definePreset({
  name: 'pipedrive',
  title: 'Pipedrive',
  docs: 'https://pipedrive.readme.io/docs/marketplace-oauth-authorization',
  // expires_in 3600.
  accessTokenTtl: 3600,
  // Expires if not used in 60 days (secondary).
  refreshTokenTtl: 60 * 24 * 3600,
  quirks: {
    endpoints: {
      authorization: 'https://oauth.pipedrive.com/oauth/authorize',
      token: 'https://oauth.pipedrive.com/oauth/token',
      identity: [
        {
          name: 'me',
          // https://developers.pipedrive.com/docs/api/v1/Users#getCurrentUser, on the company's api_domain (not in providers.md)
          url: 'https://{company}.pipedrive.com/api/v1/users/me',
          body: { success: true, data: { id: '{user.number}', name: '{user.name}', email: '{user.email}', company_domain: 'mock-company' } },
          invalid: { status: 401, body: { success: false, error: 'unauthorized access', errorCode: 401, error_info: 'Please check developers.pipedrive.com' } },
        },
      ],
      variables: { company: 'mock-company' },
    },
    refreshTokenWhen: 'always',
    // Basic required.
    clientAuth: 'basic',
    tokenType: 'Bearer',
    // The per-company API base; the scope format ("…,base") is [unconfirmed]: left generic.
    extraTokenFields: { api_domain: 'https://mock-company.pipedrive.com' },
    // Rotation is [unconfirmed]: left at static (the RT keeps working), echoed.
    refreshPolicy: { mode: 'static', echo: true },
  },
});
