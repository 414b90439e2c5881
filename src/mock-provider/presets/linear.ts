import { definePreset } from './preset.js';

// Source: providers.md §2.19; https://linear.app/developers/oauth-2-0-authentication
export const linear = definePreset({
  name: 'linear',
  title: 'Linear',
  docs: 'https://linear.app/developers/oauth-2-0-authentication',
  // ATs last 24 hours (secondary source).
  accessTokenTtl: 86400,
  quirks: {
    endpoints: {
      authorization: 'https://linear.app/oauth/authorize',
      token: 'https://api.linear.app/oauth/token',
      revocation: 'https://api.linear.app/oauth/revoke',
      identity: [
        {
          name: 'viewer',
          // GraphQL `{ viewer { id name email } }` (https://linear.app/developers/graphql); any query gets the viewer.
          url: 'https://api.linear.app/graphql',
          methods: ['POST'],
          body: { data: { viewer: { id: '{user.id}', name: '{user.name}', email: '{user.email}' } } },
          // Status and shape of the unauthenticated answer are [unconfirmed]: a GraphQL error list.
          invalid: { status: 401, body: { errors: [{ message: 'Authentication required, not authenticated', extensions: { code: 'AUTHENTICATION_ERROR' } }] } },
        },
      ],
    },
    // Comma-separated scopes.
    scopeSeparator: ',',
    // The response scope format is [unconfirmed]: a space-separated string, as RFC 6749.
    responseScope: { format: 'space' },
    // RT mandatory since 2026-04-01.
    refreshTokenWhen: 'always',
    clientAuth: 'body',
    tokenType: 'Bearer',
    // Rotating RT (secondary).
    refreshPolicy: { mode: 'rotate' },
  },
});
