import type { GrantInstance, KoaMiddleware } from 'oidc-provider';
import { interactionPolicy } from 'oidc-provider';
import { mockAccount } from '../engine/configuration.js';
import type { EngineRequest, EngineResponse } from '../transport/fetch.js';
import { autoResult, autoUserId, grantAll, type InteractionDeps } from './interactions.js';
import { INTERACTION_PREFIX, ROUTES } from '../routes.js';
import type { MockUser } from '../types.js';

/** What the sign-in step reads and writes on oidc-provider's request context (it ships no types). */
interface AuthorizationContext {
  route: string;
  prompts: Set<string>;
  params: Record<string, unknown> & { client_id: string };
  session: {
    accountId?: string;
    readonly new?: boolean;
    loginAccount(details: { accountId: string }): void;
    resetIdentifier(): void;
    ensureClientContainer(clientId: string): void;
    grantIdFor(clientId: string, grantId: string): void;
  };
  provider: { Grant: { new (properties: { accountId: string; clientId: string }): GrantInstance; find(id: string): Promise<GrantInstance | undefined> } };
  entity(name: 'Account' | 'Grant', value: unknown): void;
}

/** Parameters that ask for something `login: 'auto'` leaves to the interaction (and its engine checks). */
const INTERACTIVE_PARAMS = ['max_age', 'id_token_hint', 'claims', 'acr_values'] as const;

/**
 * `login: 'auto'` inside the authorization request itself: the engine's policy (login, then consent) gets a
 * first step that, for a plain request without a signed-in user, signs in the `login_hint` user (else the first
 * user) and grants every requested scope, exactly what the interaction would answer (`autoResult`) and the
 * resume would apply (`loginAccount`, a fresh session id, the grant on the session). The engine's own login and
 * consent checks then pass and `/auth` issues the code at once: no interaction is stored, no resume runs.
 * Anything else — a `prompt`, `max_age`, `id_token_hint`, `claims`, `acr_values`, an unknown `login_hint`, a
 * user already signed in — is left to the engine, which asks for the interaction that `autoLoginShortcut`
 * completes.
 */
export function autoLoginPolicy(deps: { users: () => readonly MockUser[]; resource: string | undefined }): interactionPolicy.Policy {
  const policy = interactionPolicy.base();
  const signIn = new interactionPolicy.Check('auto_login', 'login: auto signs a mock user in', async (ctx) => {
    await autoSignIn(ctx.oidc as unknown as AuthorizationContext, deps);
    return interactionPolicy.Check.NO_NEED_TO_PROMPT;
  });
  policy.add(new interactionPolicy.Prompt({ name: 'auto_login' }, signIn), 0);
  return policy;
}

async function autoSignIn(oidc: AuthorizationContext, deps: { users: () => readonly MockUser[]; resource: string | undefined }): Promise<void> {
  const { session, params } = oidc;
  if (oidc.route !== 'authorization' || session.accountId !== undefined || oidc.prompts.size > 0) return;
  if (INTERACTIVE_PARAMS.some((name) => params[name] !== undefined)) return;
  const users = deps.users();
  const account = mockAccount(users, autoUserId(params.login_hint, users) ?? '');
  if (account === undefined) return;
  session.loginAccount({ accountId: account.accountId });
  if (session.new !== true) session.resetIdentifier();
  oidc.entity('Account', account);
  const grant = await grantAll({ provider: oidc.provider, resource: deps.resource }, params, undefined, account.accountId);
  session.ensureClientContainer(params.client_id);
  session.grantIdFor(params.client_id, grant.jti);
  oidc.entity('Grant', grant);
}

export interface AutoLoginDeps extends Pick<InteractionDeps, 'provider' | 'users' | 'resource'> {
  /** The issuer's origin. */
  origin: string;
  /** Runs a sub-request through the engine (without the scenario layer). */
  engine: (request: EngineRequest) => Promise<EngineResponse>;
}

/** Hops followed in-process after `/auth`: the interaction, then the resume (one spare). */
const MAX_HOPS = 3;

/**
 * `login: 'auto'` when the engine still asks for an interaction (see `autoLoginPolicy` for when it does not),
 * without the browser round trips: when the engine answers an authorization request with a
 * redirect to our own interaction, this middleware follows that redirect and the resume redirect after it
 * in-process, as the browser would (a cookie jar carries the engine's interaction and session cookies), and
 * answers the authorization request with the last answer — normally the redirect to the client's redirect URI —
 * plus every `Set-Cookie` of the hops in order. The engine runs every step and check of a real flow; only the
 * two extra HTTP round trips disappear. An answer that is not a redirect into our own paths (an error page) ends
 * the chain and is returned as is.
 */
export function autoLoginShortcut(deps: AutoLoginDeps): KoaMiddleware {
  return async (ctx, next) => {
    await next();
    if (ctx.path !== ROUTES.authorization || !isRedirect(ctx.status)) return;
    let location = header(ctx.response.headers.location);
    if (location === undefined || !location.startsWith(INTERACTION_PREFIX)) return;

    const jar = new CookieJar();
    jar.add(header(ctx.req.headers.cookie));
    const setCookies = list(ctx.response.headers['set-cookie']);
    jar.store(setCookies);
    // The interaction step itself needs no request: the engine's interaction, our auto result, its resume URL
    // (what `interactionResult` does once it has found the interaction by its cookie).
    const interaction = await deps.provider.Interaction.find(location.slice(INTERACTION_PREFIX.length));
    if (interaction !== undefined && `${INTERACTION_PREFIX}${interaction.uid}` === location) {
      const result = await autoResult(deps, interaction);
      interaction.result = 'error' in result ? result : { ...interaction.lastSubmission, ...result };
      await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
      location = interaction.returnTo;
    }
    let answer: EngineResponse | undefined;
    for (let hop = 0; hop < MAX_HOPS && location !== undefined; hop += 1) {
      const url = new URL(location, deps.origin);
      if (url.origin !== deps.origin || !isOwnHop(url.pathname)) break;
      const headers: Record<string, string> = {};
      const cookie = jar.header(url.pathname);
      if (cookie !== '') headers.cookie = cookie;
      const accept = header(ctx.req.headers.accept);
      if (accept !== undefined) headers.accept = accept;
      answer = await deps.engine({ method: 'GET', url, headers, body: Buffer.alloc(0), remoteAddress: ctx.req.socket?.remoteAddress ?? '127.0.0.1' });
      const cookies = list(answer.headers['set-cookie']);
      setCookies.push(...cookies);
      jar.store(cookies);
      location = isRedirect(answer.status) ? header(answer.headers.location) : undefined;
    }
    if (answer === undefined) return;

    ctx.status = answer.status;
    for (const [name, value] of Object.entries(answer.headers)) {
      if (
        name === 'set-cookie' ||
        name === 'content-length' ||
        name === 'transfer-encoding' ||
        name === 'connection' ||
        name === 'keep-alive' ||
        name === 'date'
      )
        continue;
      ctx.set(name, value);
    }
    if (answer.headers.location === undefined) ctx.remove('location');
    ctx.set('set-cookie', setCookies);
    ctx.body = answer.body;
  };
}

function isOwnHop(pathname: string): boolean {
  return pathname.startsWith(INTERACTION_PREFIX) || pathname.startsWith(`${ROUTES.authorization}/`);
}

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

function header(value: string | string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function list(value: string | string[] | number | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [String(value)];
}

/** The few cookie rules the engine's own cookies need: name, value, path, expiry. */
class CookieJar {
  readonly #cookies = new Map<string, { name: string; value: string; path: string }>();

  /** Cookies the client sent with the authorization request (path unknown: sent everywhere, as the client did). */
  add(cookieHeader: string | undefined): void {
    for (const pair of cookieHeader?.split(';') ?? []) {
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const name = pair.slice(0, eq).trim();
      this.#cookies.set(`${name};/`, { name, value: pair.slice(eq + 1).trim(), path: '/' });
    }
  }

  store(lines: readonly string[]): void {
    for (const line of lines) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const name = pair.slice(0, eq).trim();
      let path = '/';
      let expired = false;
      for (const attribute of attributes) {
        const at = attribute.indexOf('=');
        const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
        const value = at === -1 ? '' : attribute.slice(at + 1).trim();
        if (key === 'path') path = value === '' ? '/' : value;
        else if (key === 'max-age' && Number(value) <= 0) expired = true;
        else if (key === 'expires' && Date.parse(value) <= Date.now()) expired = true;
      }
      const key = `${name};${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value: pair.slice(eq + 1).trim(), path });
    }
  }

  header(pathname: string): string {
    const parts: string[] = [];
    for (const { name, value, path } of this.#cookies.values()) {
      if (path === '/' || pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`)) parts.push(`${name}=${value}`);
    }
    return parts.join('; ');
  }
}
