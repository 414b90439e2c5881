import { definePreset } from './preset.js';

// Source: providers.md §2.8; https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
const ORG = '00D000000000001AAA';

export const salesforce = definePreset({
  name: 'salesforce',
  title: 'Salesforce',
  docs: 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm',
  // No expires_in: the AT follows the session timeout (default 2 hours).
  accessTokenTtl: 7200,
  quirks: {
    endpoints: {
      // {instance}: login (production), test (sandbox); any value matches.
      authorization: 'https://{instance}.salesforce.com/services/oauth2/authorize',
      token: 'https://{instance}.salesforce.com/services/oauth2/token',
      revocation: 'https://{instance}.salesforce.com/services/oauth2/revoke',
      variables: { instance: 'login' },
      identity: [
        {
          name: 'id',
          // The identity URL of the token answer's `id` (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_openid.htm).
          url: 'https://{instance}.salesforce.com/id/{org}/{user}',
          body: {
            id: `https://login.salesforce.com/id/${ORG}/{user.id}`,
            user_id: '{user.id}',
            organization_id: ORG,
            username: '{user.email}',
            display_name: '{user.name}',
            email: '{user.email}',
            active: true,
          },
          // 403 "Bad_OAuth_Token" is [unconfirmed]: the REST API's INVALID_SESSION_ID answer instead.
          invalid: { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] },
        },
      ],
    },
    // RT only with the refresh_token (or offline_access) scope.
    refreshTokenWhen: { scope: 'refresh_token' },
    // Credentials in the body (web-server flow).
    clientAuth: 'body',
    tokenType: 'Bearer',
    expiresIn: false,
    extraTokenFields: {
      instance_url: 'https://mock.my.salesforce.com',
      id: `https://login.salesforce.com/id/${ORG}/{user.id}`,
      // A millisecond-epoch string.
      issued_at: '{nowMs|string}',
      signature: 'bW9jay1zaWduYXR1cmU=',
    },
    // Static by default: the refresh answer has a new AT only.
    refreshPolicy: { mode: 'static', echo: false },
    errorStyle: {
      conditions: {
        badCode: { description: 'authorization code expired' },
        badRefresh: { description: 'expired access/refresh token' },
        badClient: { status: 400, error: 'invalid_client', description: 'invalid client credentials' },
      },
    },
  },
});
