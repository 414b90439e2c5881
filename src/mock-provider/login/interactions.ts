import type Provider from 'oidc-provider';
import type { GrantInstance, InteractionDetails, InteractionResults, KoaContext, KoaMiddleware } from 'oidc-provider';
import { readRequestBody } from '../transport/request-body.js';
import { PAGE_HEADERS, renderConsentPage, renderErrorPage, renderLoginPage } from './pages.js';
import type { MockUser } from '../types.js';
import { INTERACTION_PREFIX } from '../routes.js';
import { grantedScopes } from '../engine/scope-policy.js';

export interface InteractionDeps {
  provider: Provider;
  users: () => readonly MockUser[];
  /** Adds an ad-hoc user (an id typed in the login form that is not listed) to this instance's users. */
  addUser: (user: MockUser) => void;
  login: 'auto' | 'form';
  /** Resource indicator the access tokens are issued for (JWT format), or undefined for opaque tokens. */
  resource: string | undefined;
}

/** A typed user id: printable, no control characters, short enough for a `sub` claim. */
const MAX_USER_ID_LENGTH = 255;
const USER_ID = new RegExp(`^[^\\p{Cc}]{1,${MAX_USER_ID_LENGTH}}$`, 'u');

const ROUTE = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/;

/**
 * Our own login and consent routes (oidc-provider's `devInteractions` stay off):
 *
 * - `GET /interaction/:uid` — `auto`: logs in (the `login_hint` user, else the first) and grants every requested
 *   scope in one step; `form`: renders the login page, or the consent page once logged in;
 * - `POST /interaction/:uid/login` — the login form (`login_other` wins over `login`); a typed id that is not
 *   listed logs in as a new ad-hoc user with no claims but `sub`, added to this instance's users;
 * - `POST /interaction/:uid/confirm` — "Allow": grants every requested scope;
 * - `POST /interaction/:uid/abort` — "Deny": ends with `access_denied` at the client's redirect URI (RFC 6749 §4.1.2.1).
 */
export function interactionRoutes(deps: InteractionDeps): KoaMiddleware {
  return async (ctx, next) => {
    const match = ROUTE.exec(ctx.path);
    if (match === null) return next();
    const action = match[2];
    ctx.set('cache-control', 'no-store');
    let details: InteractionDetails;
    try {
      details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      sendPage(
        ctx,
        400,
        renderErrorPage({ title: 'Sign-in expired', message: 'This sign-in is unknown or expired. Start the authorization again from the application.' }),
      );
      return;
    }
    if (action === undefined && ctx.method === 'GET') {
      if (deps.login === 'auto') {
        await autoComplete(ctx, deps, details);
      } else {
        renderPrompt(ctx, deps, details);
      }
      return;
    }
    if (ctx.method !== 'POST') {
      sendPage(ctx, 405, renderErrorPage({ title: 'Method not allowed', message: 'Submit the form on the sign-in page.' }));
      return;
    }
    const form = new URLSearchParams((await readRequestBody(ctx.req)).toString('utf8'));
    if (action === 'abort') {
      await finish(ctx, deps, { error: 'access_denied', error_description: 'The user denied the authorization request.' });
    } else if (action === 'login') {
      const other = form.get('login_other')?.trim() ?? '';
      const accountId = other !== '' ? other : (form.get('login') ?? '');
      if (!deps.users().some((user) => user.id === accountId)) {
        if (other === '') {
          sendPage(ctx, 200, loginPage(deps, details, `Unknown user "${accountId}". Pick one of the listed users or type a user id.`));
          return;
        }
        if (!USER_ID.test(other)) {
          sendPage(ctx, 200, loginPage(deps, details, `"${other}" cannot be a user id: use up to ${MAX_USER_ID_LENGTH} printable characters.`));
          return;
        }
        deps.addUser({ id: other, claims: {} });
      }
      await finish(ctx, deps, { login: { accountId } });
    } else if (action === 'confirm') {
      const accountId = details.session?.accountId;
      if (accountId === undefined) {
        sendPage(ctx, 200, loginPage(deps, details));
        return;
      }
      await finish(ctx, deps, { consent: { grantId: (await grantAll(deps, details.params, details.grantId, accountId)).jti } });
    }
  };
}

async function autoComplete(ctx: KoaContext, deps: InteractionDeps, details: InteractionDetails): Promise<void> {
  await finish(ctx, deps, await autoResult(deps, details));
}

/**
 * What `login: 'auto'` answers an interaction with: log in (the session's user, else the `login_hint` user,
 * else the first) and grant every requested scope; `access_denied` when there is no such user.
 */
export async function autoResult(deps: Pick<InteractionDeps, 'provider' | 'users' | 'resource'>, details: InteractionDetails): Promise<InteractionResults> {
  const users = deps.users();
  const accountId = details.session?.accountId ?? autoUserId(details.params.login_hint, users);
  if (accountId === undefined || !users.some((user) => user.id === accountId)) {
    return { error: 'access_denied', error_description: `No mock user "${accountId ?? ''}" to log in as.` };
  }
  const grant = await grantAll(deps, details.params, details.grantId, accountId);
  return { login: { accountId }, consent: { grantId: grant.jti } };
}

/** Who `login: 'auto'` signs in when nobody is: the `login_hint` user, else the first user (may be unknown). */
export function autoUserId(loginHint: unknown, users: readonly MockUser[]): string | undefined {
  return typeof loginHint === 'string' && loginHint !== '' ? loginHint : users[0]?.id;
}

/**
 * Grants every scope of the request (including refresh), extending the grant `grantId` if there is one, and
 * saves it: the consent a test wants unless it asks for a page.
 */
export async function grantAll(
  deps: { provider: Pick<Provider, 'Grant'>; resource: string | undefined },
  params: InteractionDetails['params'],
  grantId: string | undefined,
  accountId: string,
): Promise<GrantInstance> {
  const clientId = String(params.client_id);
  const { Grant } = deps.provider;
  const existing = grantId === undefined ? undefined : await Grant.find(grantId);
  const grant = existing ?? new Grant({ accountId, clientId });
  const scope = typeof params.scope === 'string' ? params.scope : '';
  if (scope !== '') grant.addOIDCScope(scope);
  const requested = params.resource;
  const resources =
    typeof requested === 'string' ? [requested] : Array.isArray(requested) ? requested.map(String) : deps.resource === undefined ? [] : [deps.resource];
  for (const resource of resources) grant.addResourceScope(resource, scope);
  await grant.save();
  return grant;
}

function renderPrompt(ctx: KoaContext, deps: InteractionDeps, details: InteractionDetails): void {
  const accountId = details.session?.accountId;
  if (details.prompt.name === 'login' || accountId === undefined) {
    sendPage(ctx, 200, loginPage(deps, details));
    return;
  }
  const scope = typeof details.params.scope === 'string' ? details.params.scope : '';
  const name = deps.users().find((user) => user.id === accountId)?.claims.name;
  sendPage(
    ctx,
    200,
    renderConsentPage({
      approveAction: `${INTERACTION_PREFIX}${details.uid}/confirm`,
      denyAction: `${INTERACTION_PREFIX}${details.uid}/abort`,
      clientId: String(details.params.client_id),
      scopes: grantedScopes(scope),
      user: typeof name === 'string' ? `${name} (${accountId})` : accountId,
    }),
  );
}

function loginPage(deps: InteractionDeps, details: InteractionDetails, error?: string): string {
  return renderLoginPage({
    action: `${INTERACTION_PREFIX}${details.uid}/login`,
    users: deps.users().map((user) => (typeof user.claims.name === 'string' ? { id: user.id, name: user.claims.name } : { id: user.id })),
    clientId: String(details.params.client_id),
    ...(error === undefined ? {} : { error }),
  });
}

async function finish(ctx: KoaContext, deps: InteractionDeps, result: InteractionResults): Promise<void> {
  const returnTo = await deps.provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.set('location', returnTo);
  ctx.body = '';
}

function sendPage(ctx: KoaContext, status: number, html: string): void {
  ctx.status = status;
  for (const [name, value] of Object.entries(PAGE_HEADERS)) ctx.set(name, value);
  ctx.body = html;
}
