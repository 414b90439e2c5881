import { randomBytes } from 'node:crypto';
import { buildAuthorizeUrl } from '../../shared/authorize-request.js';
import { TestkitError } from '../../shared/errors.js';
import { createPkce } from '../../shared/pkce.js';
import { buildTokenRequest } from '../../shared/token-request.js';
import { redirectUriAllowed } from '../engine/clients.js';
import { JWT_BEARER_GRANT_TYPE, signAssertion } from '../engine/assertions.js';
import type { AuthorizeOptions, AuthorizeResult, GetTokensOptions, MockClient, MockUser, TokenResponse } from '../types.js';
import { createUserAgent } from './user-agent.js';

export interface HeadlessDeps {
  fetch: typeof fetch;
  authorizationUrl: string;
  tokenUrl: string;
  clients: () => readonly MockClient[];
  users: () => readonly MockUser[];
  /** How the provider separates scopes in the authorization request (a preset's `quirks.scopeSeparator`); default space. */
  scopeSeparator?: ' ' | ',';
}

function pickClient(deps: HeadlessDeps, clientId: string | undefined): MockClient {
  const clients = deps.clients();
  const client = clientId === undefined ? clients[0] : clients.find((candidate) => candidate.clientId === clientId);
  if (client === undefined) {
    const known = clients.map((candidate) => candidate.clientId).join(', ') || 'none';
    throw new TestkitError(
      'MOCK_PROVIDER',
      `No mock client ${JSON.stringify(clientId ?? '')}; registered: ${known}. Pass one of them or registerClient() first.`,
    );
  }
  return client;
}

/** A redirect URI the client accepts, with port 0 made concrete so it reads like a real callback. */
function pickRedirectUri(client: MockClient, requested: string | undefined): string {
  const redirectUri = requested ?? client.redirectUris[0];
  if (redirectUri === undefined || !redirectUriAllowed(client.redirectUris, redirectUri)) {
    throw new TestkitError('MOCK_PROVIDER', `Redirect URI ${JSON.stringify(requested ?? '')} is not registered for client ${client.clientId}.`);
  }
  return redirectUri;
}

/**
 * Runs the authorization request headlessly (login and consent answered by the user agent, or server-side in
 * `auto` mode) and returns the code delivered to the redirect URI. Throws `MOCK_PROVIDER` when the provider
 * answers with an error instead of a code.
 */
export async function authorize(deps: HeadlessDeps, options: AuthorizeOptions = {}): Promise<AuthorizeResult> {
  const client = pickClient(deps, options.clientId);
  const redirectUri = pickRedirectUri(client, options.redirectUri);
  const user = options.user ?? deps.users()[0]?.id;
  const state = options.state ?? randomBytes(16).toString('base64url');
  const pkce = options.codeChallenge === undefined ? createPkce() : { verifier: '', challenge: options.codeChallenge, method: 'S256' as const };
  const codeVerifier = pkce.verifier;
  const scope = (options.scope ?? client.scopes.join(' '))
    .split(' ')
    .filter((part) => part !== '')
    .join(deps.scopeSeparator ?? ' ');
  const url = buildAuthorizeUrl({
    authorizationUrl: deps.authorizationUrl,
    clientId: client.clientId,
    redirectUri,
    scopes: scope === '' ? [] : [scope],
    state,
    pkce,
    ...(user === undefined && options.params === undefined
      ? {}
      : { extra: { ...(user === undefined ? {} : { login_hint: user }), ...(options.params ?? {}) } }),
  });

  const target = new URL(redirectUri);
  const agent = createUserAgent({ fetch: deps.fetch });
  const result = await agent.navigate(url.href, {
    stopAt: (next) => next.origin === target.origin && next.pathname === target.pathname,
    ...(user === undefined ? {} : { login: user }),
  });
  const callback = result.stoppedAt;
  const code = callback?.searchParams.get('code');
  if (callback === undefined || code === null || code === undefined) {
    const error = callback?.searchParams.get('error') ?? `HTTP ${result.status} at ${result.url.origin}${result.url.pathname}`;
    const description = callback?.searchParams.get('error_description');
    throw new TestkitError(
      'MOCK_PROVIDER',
      `The mock provider did not issue a code: ${error}${description ? ` (${description})` : ''}. Check the client, redirect URI and scope.`,
      {
        details: { error },
      },
    );
  }
  return { code, redirectUri, codeVerifier, state };
}

/**
 * Authorization code flow end to end: authorize, then exchange the code at the token endpoint with the
 * client's own authentication method. Returns the raw token JSON. Throws `MOCK_PROVIDER` on any error answer.
 */
export async function getTokens(deps: HeadlessDeps, options: GetTokensOptions = {}): Promise<TokenResponse> {
  const client = pickClient(deps, options.clientId);
  const grantType = options.grantType ?? 'authorization_code';
  let fields: Record<string, string | undefined>;
  if (grantType === 'authorization_code') {
    const { code, redirectUri, codeVerifier } = await authorize(deps, options);
    fields = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier };
  } else if (grantType === 'client_credentials' || grantType === 'password' || grantType === 'jwt-bearer') {
    fields = { ...(await directGrantFields(deps, client, grantType, options)), ...(options.scope === undefined ? {} : { scope: options.scope }) };
  } else {
    throw new TestkitError(
      'MOCK_PROVIDER',
      `getTokens() got an unknown grantType ${JSON.stringify(grantType)}; use authorization_code, client_credentials, password or jwt-bearer.`,
    );
  }
  const auth =
    client.tokenEndpointAuthMethod === 'client_secret_basic' || client.tokenEndpointAuthMethod === 'client_secret_post'
      ? client.tokenEndpointAuthMethod
      : 'none';
  const { headers, body } = buildTokenRequest({ fields, clientId: client.clientId, clientSecret: client.clientSecret, auth });
  const response = await deps.fetch(deps.tokenUrl, { method: 'POST', headers, body });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  if (!response.ok || json === undefined || typeof json.access_token !== 'string') {
    const error = typeof json?.error === 'string' ? json.error : `HTTP ${response.status}`;
    throw new TestkitError(
      'MOCK_PROVIDER',
      `The mock token endpoint refused the ${grantType === 'authorization_code' ? 'code exchange' : `${grantType} grant`}: ${error}${typeof json?.error_description === 'string' ? ` (${json.error_description})` : ''}. Check the client's grantTypes, failNext() faults and quirks on this provider.`,
      {
        details: { status: response.status, error },
      },
    );
  }
  return json as TokenResponse;
}

/** The token request fields of a grant without a browser step (the scope is added by the caller). */
async function directGrantFields(
  deps: HeadlessDeps,
  client: MockClient,
  grantType: 'client_credentials' | 'password' | 'jwt-bearer',
  options: GetTokensOptions,
): Promise<Record<string, string>> {
  if (grantType === 'client_credentials') return { grant_type: 'client_credentials' };
  if (grantType === 'password') {
    const username = options.username ?? options.user ?? deps.users()[0]?.id;
    if (username === undefined) throw new TestkitError('MOCK_PROVIDER', 'getTokens({ grantType: "password" }) needs a username: this provider has no user.');
    const password = options.password ?? deps.users().find((user) => user.id === username)?.password ?? 'password';
    return { grant_type: 'password', username, password };
  }
  if (options.assertion !== undefined) return { grant_type: JWT_BEARER_GRANT_TYPE, assertion: options.assertion };
  if (options.privateKey === undefined) {
    throw new TestkitError('MOCK_PROVIDER', 'getTokens({ grantType: "jwt-bearer" }) needs an assertion, or a privateKey (PEM) to sign one with.');
  }
  const subject = options.user ?? deps.users()[0]?.id;
  const assertion = await signAssertion({
    privateKey: options.privateKey,
    issuer: client.jwtBearer?.issuer ?? client.clientId,
    audience: deps.tokenUrl,
    ...(subject === undefined ? {} : { subject }),
  });
  return { grant_type: JWT_BEARER_GRANT_TYPE, assertion };
}
