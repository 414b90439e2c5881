// The same oidc-provider version bare: the same client, no scenario layer, adapter, dispatch or transport of
// ours. Only what any oidc-provider deployment must add: an account lookup and a headless auto-approve
// interaction route (login + consent in one step, as our `login: 'auto'` does), no refresh-token rotation.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { CLIENT } from '../lib/common.js';

export async function start() {
  const server = createServer();
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
        redirect_uris: CLIENT.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        application_type: 'web',
        // The OpenID Connect default, as ours registers its clients: one RS256 id_token per token response.
        id_token_signed_response_alg: 'RS256',
      },
    ],
    scopes: ['openid', 'offline_access', 'profile', 'email', ...CLIENT.scopes],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, accountId) => ({ accountId, claims: () => ({ sub: accountId }) }),
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: false,
    clockTolerance: 0,
    cookies: { keys: ['bench-cookie-key'] },
    pkce: { required: () => true },
    // The keys ours holds: EC P-256 and RSA 2048.
    jwks: { keys: [signingKey('ec', { namedCurve: 'P-256' }, 'ES256'), signingKey('rsa', { modulusLength: 2048 }, 'RS256')] },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, RefreshToken: 14 * 24 * 3600, Grant: 14 * 24 * 3600, Session: 600, Interaction: 600, IdToken: 3600 },
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      autoApprove(provider, req, res).catch((error) => {
        res.writeHead(500).end(String(error));
      });
      return;
    }
    callback(req, res);
  });
  return {
    info: { name: 'bare oidc-provider', authorizationUrl: `${issuer}/auth`, tokenUrl: `${issuer}/token` },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

async function autoApprove(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const accountId = 'bench-user';
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope ?? ''));
  const grantId = await grant.save();
  const returnTo = await provider.interactionResult(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: true });
  res.writeHead(303, { location: returnTo, 'content-length': 0 }).end();
}

function signingKey(type, options, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `bench-${alg.toLowerCase()}` };
}
